package cms

import (
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
)

// Errors of Verify besides ErrUnsupportedAlgorithm.
var (
	// ErrDigestMismatch: the content is not what was signed.
	ErrDigestMismatch = errors.New("cms: content does not match the signed digest")
	// ErrSignature: the signature does not verify with the certificate's
	// key.
	ErrSignature = errors.New("cms: signature does not verify")
	// ErrAttributes: the signed attributes break RFC 5652 (a missing or
	// repeated content-type or message-digest, or a content type other
	// than the container's).
	ErrAttributes = errors.New("cms: bad signed attributes")
)

// Verify checks that si signed content with the key of cert. content is
// the detached content; nil means the encapsulated one. With signed
// attributes, their message-digest must be the digest of content and their
// content-type the container's, and the signature covers them; without,
// the signature covers the content itself.
func (sd *SignedData) Verify(si *SignerInfo, cert *x509.Certificate, content []byte) error {
	if content == nil {
		content = sd.Content
	}
	h, alg, err := si.algorithms()
	if err != nil {
		return err
	}
	if si.rawSignedAttrs == nil {
		if !sd.ContentType.Equal(OIDData) {
			return ErrAttributes
		}
		return checkSignature(cert, alg, content, si.Signature)
	}
	d := h.New()
	d.Write(content)
	return sd.verifyDigest(si, cert, alg, d.Sum(nil))
}

// VerifyDigest checks, as Verify does, that si signed the content whose
// digest (under si's digest algorithm) is digest, for a signer with signed
// attributes; a signer without them signed the content itself, which the
// digest cannot show (ErrAttributes).
func (sd *SignedData) VerifyDigest(si *SignerInfo, cert *x509.Certificate, digest []byte) error {
	_, alg, err := si.algorithms()
	if err != nil {
		return err
	}
	if si.rawSignedAttrs == nil {
		return ErrAttributes
	}
	return sd.verifyDigest(si, cert, alg, digest)
}

// algorithms reads the digest of si and the x509 algorithm to check its
// signature with.
func (si *SignerInfo) algorithms() (crypto.Hash, x509.SignatureAlgorithm, error) {
	digestOID, err := parseAlgorithmID(si.DigestAlgorithm)
	if err != nil {
		return 0, 0, err
	}
	h := HashOf(digestOID)
	if h == 0 {
		return 0, 0, ErrUnsupportedAlgorithm
	}
	sigOID, err := parseAlgorithmID(si.SignatureAlgorithm)
	if err != nil {
		return 0, 0, err
	}
	alg, err := x509Algorithm(sigOID, h)
	return h, alg, err
}

// verifyDigest checks the content-type and message-digest attributes
// against the container and digest, then the signature over the signed
// attributes.
func (sd *SignedData) verifyDigest(si *SignerInfo, cert *x509.Certificate, alg x509.SignatureAlgorithm, digest []byte) error {
	ctDER, ok := si.SignedAttr(OIDAttrContentType)
	var ct asn1.ObjectIdentifier
	if !ok || !unmarshalAll(ctDER, &ct) || !ct.Equal(sd.ContentType) {
		return ErrAttributes
	}
	mdDER, ok := si.SignedAttr(OIDAttrMessageDigest)
	var md []byte
	if !ok || !unmarshalAll(mdDER, &md) {
		return ErrAttributes
	}
	if subtle.ConstantTimeCompare(digest, md) != 1 {
		return ErrDigestMismatch
	}
	return checkSignature(cert, alg, si.rawSignedAttrs, si.Signature)
}

// checkSignature checks sig over signed with the key of cert.
func checkSignature(cert *x509.Certificate, alg x509.SignatureAlgorithm, signed, sig []byte) error {
	if err := cert.CheckSignature(alg, signed, sig); err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return nil
}

// unmarshalAll decodes der into v and tells whether der was exactly one
// value.
func unmarshalAll(der []byte, v any) bool {
	rest, err := asn1.Unmarshal(der, v)
	return err == nil && len(rest) == 0
}
