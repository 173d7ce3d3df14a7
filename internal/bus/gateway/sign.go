package gateway

import (
	"bytes"
	"context"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
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
// content: exactly one, a CAdES B-B signature (its signing-certificate-v2
// attribute binding the certificate) by one signer, valid over content,
// whose certificate chains to the roots, is valid now, is known and not
// revoked (Trust.verifyCert), and is registered as the SignSerial of a
// gateway of member. It returns the signature's DER, or a protocol error
// of origin.
//
// It makes the checks of cades.Verifier.Verify that matter for a message
// checked as it arrives, judging the certificate now rather than at the
// signing time the signer claims, so that the verdict on the certificate
// can be reused for the signer's next messages.
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
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, failf(err, origin, xroad.CodeInvalidSignatureValue, "the signature cannot be checked")
	}
	invalid := func(cause error) error {
		return failf(cause, origin, xroad.CodeInvalidSignatureValue, "the signature is not valid")
	}
	if len(sd.Signers) != 1 || sd.Content != nil {
		return nil, invalid(fmt.Errorf("%d signers, content encapsulated: %t", len(sd.Signers), sd.Content != nil))
	}
	si := sd.Signers[0]
	signer := si.SignerCertificate(slices.Concat(sd.Certificates, t.Intermediates))
	if signer == nil {
		return nil, invalid(errors.New("the signer's certificate is not in the signature"))
	}
	if err := sd.Verify(si, signer, []byte(content)); err != nil {
		return nil, invalid(err)
	}
	if err := si.CheckSigningCertificate(signer); err != nil {
		return nil, invalid(err)
	}
	if err := t.verifyCert(ctx, signer, sd.Certificates, x509.ExtKeyUsageAny); err != nil {
		return nil, invalid(err)
	}
	serial := signer.SerialNumber.Text(16)
	gws, err := t.registered(ctx, serial, true)
	if err != nil {
		return nil, registryError(err, origin)
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

// digestOf is the body digest as xroad.RequestHash takes it: the SHA-512
// of body, nil for an empty one, as digestBody computes it.
func digestOf(body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	d := sha512.Sum512(body)
	return d[:]
}

// readLimited reads a body of at most max bytes into buf, which it
// resets, and returns buf's bytes; a longer body is an error. size is the
// length the body declares, -1 if unknown; buf is made that large at once.
func readLimited(buf *bytes.Buffer, r io.Reader, size, max int64) ([]byte, error) {
	buf.Reset()
	if size > 0 {
		buf.Grow(int(min(size, max)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, max+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > max {
		return nil, fmt.Errorf("body longer than %d bytes", max)
	}
	return buf.Bytes(), nil
}

// maxPooledBuffer bounds the buffers bodyBuffers keeps, so that one large
// message does not hold its memory for good.
const maxPooledBuffer = 1 << 20

// bodyBuffers lends the buffers that whole response bodies are read into
// for their signatures, so that a busy gateway does not allocate and
// collect one, with its growth, per message. A buffer goes back once its
// body has been written to the client.
type bodyBuffers struct{ pool sync.Pool }

func (p *bodyBuffers) get() *bytes.Buffer {
	if b, ok := p.pool.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

func (p *bodyBuffers) put(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		b.Reset()
		p.pool.Put(b)
	}
}

// bufferBody reads the whole request body ahead, for a signature that
// must cover it before it is sent or passed on, and returns its digest.
// outBody then serves the bytes read and bodyDigest the digest.
func (ex *exchange) bufferBody(ctx context.Context) ([]byte, error) {
	if ex.body == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if ex.size > 0 {
		buf.Grow(int(ex.size) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(ex.body); err != nil {
		return nil, err
	}
	_ = ex.body.Close()
	digest, err := ex.body.finish(ctx)
	if err != nil {
		return nil, err
	}
	ex.buffered, ex.digest, ex.isBuffered = buf.Bytes(), digest, true
	return digest, nil
}

var _ GatewayLister = (*bus.Registry)(nil)
