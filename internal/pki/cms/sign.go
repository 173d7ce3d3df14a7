package cms

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"

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
	h, _, _, err := signingAlgorithms(s.Key.Public())
	if err != nil {
		return nil, err
	}
	ct := opts.ContentType
	if ct == nil {
		ct = OIDData
	}
	digest := h.New()
	digest.Write(content)
	si, err := NewSignerInfo(s.Cert, ct, digest.Sum(nil), opts.Attributes)
	if err != nil {
		return nil, err
	}
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

// NewSignerInfo builds the signer info by which the holder of cert signs
// content of type contentType known only by its digest, made with the hash
// Sign would use for the certificate's key (SHA-256 for P-256 and RSA keys):
// signed attributes content-type, message-digest and attrs, and no
// signature yet. The holder signs SignedBytes wherever the key is, such as
// in a browser; the caller sets Signature and checks it
// (SignedData.VerifyDigest). This is how a server makes a signature with a
// key it never sees.
func NewSignerInfo(cert *x509.Certificate, contentType asn1.ObjectIdentifier, digest []byte, attrs []Attribute) (*SignerInfo, error) {
	h, digestAlg, sigAlg, err := signingAlgorithms(cert.PublicKey)
	if err != nil {
		return nil, err
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("cms: this key signs %v digests, of %d bytes, not %d", h, h.Size(), len(digest))
	}
	ctDER, err := asn1.Marshal(contentType)
	if err != nil {
		return nil, fmt.Errorf("cms: content type: %w", err)
	}
	all := append([]Attribute{
		{Type: OIDAttrContentType, Values: [][]byte{ctDER}},
		{Type: OIDAttrMessageDigest, Values: [][]byte{octetString(digest)}},
	}, attrs...)
	return &SignerInfo{IssuerName: cert.RawIssuer, SerialNumber: cert.SerialNumber, DigestAlgorithm: digestAlg,
		SignatureAlgorithm: sigAlg, SignedAttrs: all, rawSignedAttrs: marshalAttributes(all, 0x31)}, nil
}

// SignedBytes returns what the signature of a signer with signed
// attributes covers: their DER as a SET OF Attribute (RFC 5652 5.4). It is
// nil for a signer without signed attributes.
func (si *SignerInfo) SignedBytes() []byte { return slices.Clone(si.rawSignedAttrs) }

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
