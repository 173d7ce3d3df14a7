// Package cms reads and writes CMS SignedData (RFC 5652): the signature
// container that CAdES signatures and RFC 3161 timestamp tokens are made of.
// It signs with any crypto.Signer (ECDSA, RSA PKCS #1 v1.5, Ed25519 per
// RFC 8419), keeps what it parsed byte for byte so signatures over it stay
// checkable, and checks one signer's signature over given content. Whether
// the signer is to be trusted (chains, revocation, time) is the caller's
// question; see package cades.
//
// The encoding is DER, written and read with cryptobyte, which refuses BER
// and any trailing or malformed data instead of guessing.
package cms

import (
	"crypto/x509"
	"encoding/asn1"
	"math/big"
)

// Object identifiers of content types, attributes and revocation formats.
var (
	OIDData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// OIDTSTInfo is the content type of a timestamp token (RFC 3161).
	OIDTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

	OIDAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	// OIDAttrSigningCertificateV2 is ESS signing-certificate-v2 (RFC 5035).
	OIDAttrSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	// OIDAttrTimeStampToken is the signature timestamp (RFC 3161
	// appendix A), an unsigned attribute.
	OIDAttrTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

	// OIDRevInfoOCSP is id-ri-ocsp-response (RFC 5940): an OCSP response
	// carried as "other" revocation information.
	OIDRevInfoOCSP = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
)

// SignedData is a parsed or assembled signature container.
type SignedData struct {
	// ContentType is the type of the signed content (OIDData for a
	// document, OIDTSTInfo for a timestamp token).
	ContentType asn1.ObjectIdentifier
	// Content is the encapsulated content; nil for a detached signature,
	// whose content travels separately.
	Content []byte
	// Certificates are the certificates the container carries: the
	// signer's and, usually, its chain.
	Certificates []*x509.Certificate
	// CRLs are the DER CRLs carried.
	CRLs [][]byte
	// OtherRevocationInfo is revocation data in other formats, such as
	// OCSP responses (OIDRevInfoOCSP).
	OtherRevocationInfo []OtherRevocationInfo
	Signers             []*SignerInfo
}

// OtherRevocationInfo is one OtherRevocationInfoFormat (RFC 5652 10.2.1).
type OtherRevocationInfo struct {
	Format asn1.ObjectIdentifier
	// Info is the DER of the information, such as an OCSPResponse.
	Info []byte
}

// SignerInfo is one signer's signature.
type SignerInfo struct {
	// IssuerName (raw DER) and SerialNumber identify the signer's
	// certificate, or SubjectKeyID does.
	IssuerName   []byte
	SerialNumber *big.Int
	SubjectKeyID []byte
	// DigestAlgorithm and SignatureAlgorithm are the DER
	// AlgorithmIdentifiers as written.
	DigestAlgorithm    []byte
	SignatureAlgorithm []byte
	SignedAttrs        []Attribute
	Signature          []byte
	UnsignedAttrs      []Attribute
	// rawSignedAttrs is the signed attributes exactly as signed, with the
	// SET tag the signature covers; nil when there are none.
	rawSignedAttrs []byte
}

// Attribute is one CMS attribute with its values as DER.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// findAttribute returns the first value of the attribute of type t in attrs,
// and whether there is exactly one such attribute with one value: CMS
// forbids repeating the attributes this package reads.
func findAttribute(attrs []Attribute, t asn1.ObjectIdentifier) ([]byte, bool) {
	var found []byte
	n := 0
	for _, a := range attrs {
		if a.Type.Equal(t) {
			n++
			if len(a.Values) == 1 {
				found = a.Values[0]
			}
		}
	}
	return found, n == 1 && found != nil
}

// SignedAttr returns the one value of the signed attribute t, if present
// once.
func (si *SignerInfo) SignedAttr(t asn1.ObjectIdentifier) ([]byte, bool) {
	return findAttribute(si.SignedAttrs, t)
}

// UnsignedAttr returns the one value of the unsigned attribute t, if
// present once.
func (si *SignerInfo) UnsignedAttr(t asn1.ObjectIdentifier) ([]byte, bool) {
	return findAttribute(si.UnsignedAttrs, t)
}

// AddUnsignedAttr adds an unsigned attribute, such as a signature
// timestamp, after signing; the signature does not cover it.
func (si *SignerInfo) AddUnsignedAttr(t asn1.ObjectIdentifier, value []byte) {
	si.UnsignedAttrs = append(si.UnsignedAttrs, Attribute{Type: t, Values: [][]byte{value}})
}

// SignerCertificate returns the certificate among certs that the signer
// info names, or nil.
func (si *SignerInfo) SignerCertificate(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if si.SubjectKeyID != nil {
			if string(c.SubjectKeyId) == string(si.SubjectKeyID) {
				return c
			}
			continue
		}
		if si.SerialNumber != nil && c.SerialNumber.Cmp(si.SerialNumber) == 0 && string(c.RawIssuer) == string(si.IssuerName) {
			return c
		}
	}
	return nil
}
