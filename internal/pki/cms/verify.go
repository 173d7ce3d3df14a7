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
	digestOID, err := parseAlgorithmID(si.DigestAlgorithm)
	if err != nil {
		return err
	}
	h := HashOf(digestOID)
	if h == 0 {
		return ErrUnsupportedAlgorithm
	}
	sigOID, err := parseAlgorithmID(si.SignatureAlgorithm)
	if err != nil {
		return err
	}
	alg, err := x509Algorithm(sigOID, h)
	if err != nil {
		return err
	}
	signed := content
	if si.rawSignedAttrs != nil {
		if err := sd.checkSignedAttrs(si, h, content); err != nil {
			return err
		}
		signed = si.rawSignedAttrs
	} else if !sd.ContentType.Equal(OIDData) {
		return ErrAttributes
	}
	if err := cert.CheckSignature(alg, signed, si.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return nil
}

// checkSignedAttrs checks the content-type and message-digest attributes.
func (sd *SignedData) checkSignedAttrs(si *SignerInfo, h crypto.Hash, content []byte) error {
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
	d := h.New()
	d.Write(content)
	if subtle.ConstantTimeCompare(d.Sum(nil), md) != 1 {
		return ErrDigestMismatch
	}
	return nil
}

// unmarshalAll decodes der into v and tells whether der was exactly one
// value.
func unmarshalAll(der []byte, v any) bool {
	rest, err := asn1.Unmarshal(der, v)
	return err == nil && len(rest) == 0
}
