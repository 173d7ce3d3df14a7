package cms

import (
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SigningTimeAttr is the signing-time attribute for t: UTCTime from 1950
// to 2049 and GeneralizedTime otherwise, as RFC 5652 11.3 requires.
func SigningTimeAttr(t time.Time) Attribute {
	t = t.UTC().Truncate(time.Second)
	var b cryptobyte.Builder
	if t.Year() >= 1950 && t.Year() < 2050 {
		b.AddASN1UTCTime(t)
	} else {
		b.AddASN1GeneralizedTime(t)
	}
	return Attribute{Type: OIDAttrSigningTime, Values: [][]byte{b.BytesOrPanic()}}
}

// SigningTime returns the signing-time the signer claims, if the signer
// info has one.
func (si *SignerInfo) SigningTime() (time.Time, bool) {
	der, ok := si.SignedAttr(OIDAttrSigningTime)
	if !ok {
		return time.Time{}, false
	}
	s := cryptobyte.String(der)
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		ok = s.ReadASN1UTCTime(&t)
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		ok = s.ReadASN1GeneralizedTime(&t)
	default:
		ok = false
	}
	return t.UTC(), ok && s.Empty()
}

// SigningCertificateV2Attr is the ESS signing-certificate-v2 attribute
// (RFC 5035) naming cert by its SHA-256 hash and issuer and serial number,
// which binds the signature to that certificate (CAdES, RFC 3161 tokens).
func SigningCertificateV2Attr(cert *x509.Certificate) Attribute {
	sum := sha256.Sum256(cert.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				// hashAlgorithm is left out: SHA-256 is its DEFAULT.
				b.AddASN1OctetString(sum[:])
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer) // directoryName
						})
					})
					b.AddASN1BigInt(cert.SerialNumber)
				})
			})
		})
	})
	return Attribute{Type: OIDAttrSigningCertificateV2, Values: [][]byte{b.BytesOrPanic()}}
}

// ErrSigningCertificate is returned by CheckSigningCertificate when the
// signer info binds another certificate or none.
var ErrSigningCertificate = errors.New("cms: signing-certificate-v2 does not name the signer's certificate")

// CheckSigningCertificate checks that the signer info's
// signing-certificate-v2 attribute names cert first, by hash and, if
// stated, by issuer and serial number.
func (si *SignerInfo) CheckSigningCertificate(cert *x509.Certificate) error {
	der, ok := si.SignedAttr(OIDAttrSigningCertificateV2)
	if !ok {
		return ErrSigningCertificate
	}
	s := cryptobyte.String(der)
	var scv2, certs, id cryptobyte.String
	if !s.ReadASN1(&scv2, cbasn1.SEQUENCE) || !scv2.ReadASN1(&certs, cbasn1.SEQUENCE) || !certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return ErrSigningCertificate
	}
	h := crypto.SHA256
	if id.PeekASN1Tag(cbasn1.SEQUENCE) {
		var alg cryptobyte.String
		id.ReadASN1Element(&alg, cbasn1.SEQUENCE)
		oid, err := parseAlgorithmID(alg)
		if h = HashOf(oid); err != nil || h == 0 {
			return ErrSigningCertificate
		}
	}
	var hash []byte
	if !id.ReadASN1Bytes(&hash, cbasn1.OCTET_STRING) {
		return ErrSigningCertificate
	}
	d := h.New()
	d.Write(cert.Raw)
	if subtle.ConstantTimeCompare(d.Sum(nil), hash) != 1 {
		return ErrSigningCertificate
	}
	if id.Empty() {
		return nil
	}
	var issuerSerial, names, name cryptobyte.String
	serial := new(big.Int)
	if !id.ReadASN1(&issuerSerial, cbasn1.SEQUENCE) || !issuerSerial.ReadASN1(&names, cbasn1.SEQUENCE) ||
		!names.ReadASN1(&name, cbasn1.Tag(4).ContextSpecific().Constructed()) || !issuerSerial.ReadASN1Integer(serial) {
		return ErrSigningCertificate
	}
	if string(name) != string(cert.RawIssuer) || serial.Cmp(cert.SerialNumber) != 0 {
		return ErrSigningCertificate
	}
	return nil
}
