package cms

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ErrMalformed is wrapped by every error Parse returns for input that is
// not a DER CMS SignedData.
var ErrMalformed = errors.New("cms: malformed SignedData")

// maxSigners bounds the signer infos read; real containers have one or two.
const maxSigners = 16

// Parse reads a DER ContentInfo holding SignedData. Certificates that do
// not parse, and certificate or revocation choices other than X.509
// certificates, CRLs and OtherRevocationInfoFormat, are refused.
func Parse(der []byte) (*SignedData, error) {
	s := cryptobyte.String(der)
	var ci, body cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ct) || !ci.ReadASN1(&body, tag0C) || !ci.Empty() {
		return nil, fmt.Errorf("%w: not a ContentInfo", ErrMalformed)
	}
	if !ct.Equal(OIDSignedData) {
		return nil, fmt.Errorf("%w: content type %v is not signedData", ErrMalformed, ct)
	}
	var sdSeq cryptobyte.String
	if !body.ReadASN1(&sdSeq, cbasn1.SEQUENCE) || !body.Empty() {
		return nil, fmt.Errorf("%w: bad SignedData", ErrMalformed)
	}
	sd, err := parseBody(sdSeq)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return sd, nil
}

// parseBody reads the fields of SignedData.
func parseBody(s cryptobyte.String) (*SignedData, error) {
	var version int64
	var digestAlgs, encap cryptobyte.String
	if !s.ReadASN1Integer(&version) || !s.ReadASN1(&digestAlgs, cbasn1.SET) || !s.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, errors.New("bad header")
	}
	sd := &SignedData{}
	if !encap.ReadASN1ObjectIdentifier(&sd.ContentType) {
		return nil, errors.New("bad encapsulated content type")
	}
	if encap.PeekASN1Tag(tag0C) {
		var explicit cryptobyte.String
		var content []byte
		if !encap.ReadASN1(&explicit, tag0C) || !explicit.ReadASN1Bytes(&content, cbasn1.OCTET_STRING) || !explicit.Empty() {
			return nil, errors.New("bad encapsulated content")
		}
		sd.Content = content
	}
	if !encap.Empty() {
		return nil, errors.New("trailing data in encapsulated content")
	}
	if s.PeekASN1Tag(tag0C) {
		var certs cryptobyte.String
		if !s.ReadASN1(&certs, tag0C) {
			return nil, errors.New("bad certificates")
		}
		for !certs.Empty() {
			var raw cryptobyte.String
			if !certs.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
				return nil, errors.New("certificate choice other than an X.509 certificate")
			}
			c, err := x509.ParseCertificate(raw)
			if err != nil {
				return nil, fmt.Errorf("certificate: %v", err)
			}
			sd.Certificates = append(sd.Certificates, c)
		}
	}
	if s.PeekASN1Tag(tag1C) {
		if err := sd.parseRevocationInfo(&s); err != nil {
			return nil, err
		}
	}
	var signers cryptobyte.String
	if !s.ReadASN1(&signers, cbasn1.SET) || !s.Empty() {
		return nil, errors.New("bad signer infos")
	}
	for !signers.Empty() {
		if len(sd.Signers) == maxSigners {
			return nil, errors.New("too many signers")
		}
		var seq cryptobyte.String
		if !signers.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return nil, errors.New("bad signer info")
		}
		si, err := parseSignerInfo(seq)
		if err != nil {
			return nil, err
		}
		sd.Signers = append(sd.Signers, si)
	}
	return sd, nil
}

// parseRevocationInfo reads RevocationInfoChoices: CRLs and other formats.
func (sd *SignedData) parseRevocationInfo(s *cryptobyte.String) error {
	var infos cryptobyte.String
	if !s.ReadASN1(&infos, tag1C) {
		return errors.New("bad revocation information")
	}
	for !infos.Empty() {
		switch {
		case infos.PeekASN1Tag(cbasn1.SEQUENCE):
			var raw cryptobyte.String
			infos.ReadASN1Element(&raw, cbasn1.SEQUENCE)
			sd.CRLs = append(sd.CRLs, raw)
		case infos.PeekASN1Tag(tag1C):
			var other cryptobyte.String
			var o OtherRevocationInfo
			if !infos.ReadASN1(&other, tag1C) || !other.ReadASN1ObjectIdentifier(&o.Format) || other.Empty() {
				return errors.New("bad other revocation information")
			}
			o.Info = other
			sd.OtherRevocationInfo = append(sd.OtherRevocationInfo, o)
		default:
			return errors.New("unknown revocation information choice")
		}
	}
	return nil
}

// parseSignerInfo reads the fields of a SignerInfo.
func parseSignerInfo(s cryptobyte.String) (*SignerInfo, error) {
	si := &SignerInfo{}
	var version int64
	if !s.ReadASN1Integer(&version) {
		return nil, errors.New("bad signer info version")
	}
	switch {
	case s.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		si.SerialNumber = new(big.Int)
		if !s.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(si.SerialNumber) || !ias.Empty() {
			return nil, errors.New("bad issuer and serial number")
		}
		si.IssuerName = issuer
	case s.PeekASN1Tag(tag0):
		var ski []byte
		if !s.ReadASN1Bytes(&ski, tag0) {
			return nil, errors.New("bad subject key identifier")
		}
		si.SubjectKeyID = ski
	default:
		return nil, errors.New("bad signer identifier")
	}
	var digestAlg, sigAlg cryptobyte.String
	if !s.ReadASN1Element(&digestAlg, cbasn1.SEQUENCE) {
		return nil, errors.New("bad digest algorithm")
	}
	si.DigestAlgorithm = digestAlg
	if s.PeekASN1Tag(tag0C) {
		var raw cryptobyte.String
		if !s.ReadASN1Element(&raw, tag0C) {
			return nil, errors.New("bad signed attributes")
		}
		// The signature covers the attributes under a SET tag.
		si.rawSignedAttrs = append([]byte{byte(cbasn1.SET)}, raw[1:]...)
		attrs, err := parseAttributes(si.rawSignedAttrs)
		if err != nil {
			return nil, fmt.Errorf("signed attributes: %v", err)
		}
		si.SignedAttrs = attrs
	}
	if !s.ReadASN1Element(&sigAlg, cbasn1.SEQUENCE) || !s.ReadASN1Bytes(&si.Signature, cbasn1.OCTET_STRING) {
		return nil, errors.New("bad signature")
	}
	si.SignatureAlgorithm = sigAlg
	if s.PeekASN1Tag(tag1C) {
		var raw cryptobyte.String
		if !s.ReadASN1Element(&raw, tag1C) {
			return nil, errors.New("bad unsigned attributes")
		}
		attrs, err := parseAttributes(append([]byte{byte(cbasn1.SET)}, raw[1:]...))
		if err != nil {
			return nil, fmt.Errorf("unsigned attributes: %v", err)
		}
		si.UnsignedAttrs = attrs
	}
	if !s.Empty() {
		return nil, errors.New("trailing data in signer info")
	}
	return si, nil
}

// parseAttributes reads a DER SET OF Attribute.
func parseAttributes(der []byte) ([]Attribute, error) {
	s := cryptobyte.String(der)
	var set cryptobyte.String
	if !s.ReadASN1(&set, cbasn1.SET) || !s.Empty() {
		return nil, errors.New("not a set")
	}
	var out []Attribute
	for !set.Empty() {
		var seq, values cryptobyte.String
		var a Attribute
		if !set.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.Type) ||
			!seq.ReadASN1(&values, cbasn1.SET) || !seq.Empty() {
			return nil, errors.New("bad attribute")
		}
		for !values.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !values.ReadAnyASN1Element(&v, &tag) {
				return nil, errors.New("bad attribute value")
			}
			a.Values = append(a.Values, v)
		}
		out = append(out, a)
	}
	return out, nil
}
