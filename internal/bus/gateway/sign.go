package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/pki/cades"
)

// HeaderSignature carries a message's signature between gateways: base64
// of a detached CAdES B-B signature (DER CMS) by the sending member's
// gateway-sign key. On a request it signs the X-Road-Request-Hash value
// (the ASCII bytes of its base64), on a response the hash of the response
// (see responseHash). The receiving gateway removes it: information
// systems and services never see it.
//
// An auditor checks one with the signed value in a file:
//
//	openssl cms -verify -binary -inform DER -in sig.der -content hash.txt -CAfile root.pem -purpose any
const HeaderSignature = "X-Egov-Signature"

// sign signs content, returning the signature's DER.
func (s *Security) sign(ctx context.Context, content string) ([]byte, error) {
	return cades.Sign(ctx, []byte(content), s.Sign, cades.SignOptions{Level: cades.LevelBB, Time: s.Trust.now()})
}

// verify checks the signature in the values of HeaderSignature over
// content: exactly one, chaining to the roots, valid and unrevoked, by the
// certificate registered as the SignSerial of a gateway of member. It
// returns the signature's DER, or a protocol error of origin.
func (s *Security) verify(ctx context.Context, origin xroad.Origin, member xroad.ClientID, content string, values []string) ([]byte, error) {
	member.Subsystem = ""
	if len(values) != 1 || values[0] == "" {
		return nil, xroad.Errorf(origin, xroad.CodeMissingSignature, "the message must carry one %s header", HeaderSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(values[0])
	if err != nil {
		return nil, failf(err, origin, xroad.CodeInvalidSignatureValue, "the signature is not base64")
	}
	t := s.Trust
	v := t.verifier()
	rep, err := v.Verify(ctx, []byte(content), sig)
	if err != nil {
		return nil, failf(err, origin, xroad.CodeInvalidSignatureValue, "the signature cannot be checked")
	}
	if rep.Verdict != cades.Valid || len(rep.Signatures) != 1 {
		return nil, failf(fmt.Errorf("verdict %s: %s", rep.Verdict, rep.Reason), origin, xroad.CodeInvalidSignatureValue,
			"the signature is not valid")
	}
	serial := rep.Signatures[0].Signer.SerialNumber.Text(16)
	gws, err := t.registered(ctx, serial, true)
	if err != nil {
		return nil, failf(err, origin, xroad.CodeDatabaseError, "reading the registry failed")
	}
	for _, g := range gws {
		if g.Member == member {
			return sig, nil
		}
	}
	return nil, failf(fmt.Errorf("signer serial %s", serial), origin, xroad.CodeInvalidSignatureValue,
		"the signature is not by a signing certificate of member %s", member)
}

// signedResponseHeaders are left out of the response head that the
// response signature covers, besides the hop-by-hop ones: those a
// transport may change (see unhashedHeaders), Date, which a server adds
// on its own, and the signature itself.
var signedResponseHeaders = append([]string{"Date", HeaderSignature}, unhashedHeaders...)

// responseHash is what a response signature covers, in the form of
// xroad.RequestHash: the SHA-512 of the response head (the status code as
// the first line, an empty second line, then the end-to-end headers as
// xroad.MessageHead writes them, the response's X-Road-Request-Hash among
// them, which binds it to the request) and of the body.
func responseHash(status int, h http.Header, body []byte) string {
	c := h.Clone()
	xroad.RemoveHopByHop(c)
	for _, name := range signedResponseHeaders {
		c.Del(name)
	}
	head := xroad.MessageHead(strconv.Itoa(status), "", c)
	return xroad.RequestHash(head, digestOf(body))
}

// digestOf is the body digest as xroad.RequestHash takes it.
func digestOf(body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	d := newDigestBody(bytes.NewReader(body))
	_, _ = io.Copy(io.Discard, d)
	return d.h.Sum(nil)
}

// readLimited reads a body of at most max bytes; a longer one is an
// error.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("body longer than %d bytes", max)
	}
	return b, nil
}

// bufferBody reads the whole request body ahead, for a signature that
// must cover it before it is sent or passed on, and returns its digest.
// outBody then serves the bytes read and bodyDigest the digest.
func (ex *exchange) bufferBody(ctx context.Context) ([]byte, error) {
	if ex.body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(ex.body)
	if err != nil {
		return nil, err
	}
	_ = ex.body.Close()
	digest, err := ex.body.finish(ctx)
	if err != nil {
		return nil, err
	}
	ex.buffered, ex.digest, ex.isBuffered = data, digest, true
	return digest, nil
}

var _ GatewayLister = (*bus.Registry)(nil)
