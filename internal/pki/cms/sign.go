package cms

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// Signer is a key with its certificate and the chain to ship with it.
type Signer struct {
	Key  crypto.Signer
	Cert *x509.Certificate
	// Chain are further certificates to include (issuing CA, root).
	Chain []*x509.Certificate
}

// SignOptions adjust Sign.
type SignOptions struct {
	// ContentType is the type of content; OIDData if nil.
	ContentType asn1.ObjectIdentifier
	// Detached leaves the content out of the container.
	Detached bool
	// Attributes are signed attributes besides content-type and
	// message-digest, which Sign adds.
	Attributes []Attribute
	// OmitCertificates leaves out the signer's certificate and chain.
	OmitCertificates bool
}

// Sign signs content with s and returns the container, ready to Marshal
// or to receive unsigned attributes (see SignerInfo.AddUnsignedAttr). The
// digest follows the key (see signingAlgorithms).
func Sign(content []byte, s Signer, opts SignOptions) (*SignedData, error) {
	if s.Key == nil || s.Cert == nil {
		return nil, errors.New("cms: a key and its certificate are required")
	}
	if !publicKeysEqual(s.Key.Public(), s.Cert.PublicKey) {
		return nil, errors.New("cms: the key is not the certificate's")
	}
	h, digestAlg, sigAlg, err := signingAlgorithms(s.Key.Public())
	if err != nil {
		return nil, err
	}
	ct := opts.ContentType
	if ct == nil {
		ct = OIDData
	}
	ctDER, err := asn1.Marshal(ct)
	if err != nil {
		return nil, fmt.Errorf("cms: content type: %w", err)
	}
	digest := h.New()
	digest.Write(content)
	attrs := append([]Attribute{
		{Type: OIDAttrContentType, Values: [][]byte{ctDER}},
		{Type: OIDAttrMessageDigest, Values: [][]byte{octetString(digest.Sum(nil))}},
	}, opts.Attributes...)
	si := &SignerInfo{IssuerName: s.Cert.RawIssuer, SerialNumber: s.Cert.SerialNumber, DigestAlgorithm: digestAlg,
		SignatureAlgorithm: sigAlg, SignedAttrs: attrs, rawSignedAttrs: marshalAttributes(attrs, 0x31)}
	if si.Signature, err = signBytes(s.Key, h, si.rawSignedAttrs); err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	sd := &SignedData{ContentType: ct, Signers: []*SignerInfo{si}}
	if !opts.Detached {
		sd.Content = content
	}
	if !opts.OmitCertificates {
		sd.Certificates = append([]*x509.Certificate{s.Cert}, s.Chain...)
	}
	return sd, nil
}

// signBytes signs msg with key: its digest under h, or msg itself for
// Ed25519, which hashes internally.
func signBytes(key crypto.Signer, h crypto.Hash, msg []byte) ([]byte, error) {
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		return key.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	d := h.New()
	d.Write(msg)
	return key.Sign(rand.Reader, d.Sum(nil), h)
}

// octetString is the DER OCTET STRING holding b.
func octetString(b []byte) []byte {
	var cb cryptobyte.Builder
	cb.AddASN1OctetString(b)
	return cb.BytesOrPanic()
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
