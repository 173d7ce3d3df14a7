package pki

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Certificate is an issued certificate as the CA keeps it.
type Certificate struct {
	// Serial is the serial number in lowercase hex.
	Serial string
	// Issuer is the name of the issuing CA.
	Issuer  string
	Profile Profile
	// Owner is the account the certificate was issued to (empty for
	// gateways and the platform's own services).
	Owner string
	PINFL string
	STIR  string
	// Subject is the subject name as NameText writes it.
	Subject   string
	NotBefore time.Time
	NotAfter  time.Time
	IssuedAt  time.Time
	IssuedBy  string
	// RevokedAt is set once the certificate is revoked, with Reason.
	RevokedAt *time.Time
	Reason    Reason
	// DER is the certificate itself.
	DER []byte
}

// Status is the state of a certificate at a given time.
type Status string

// The states of a certificate.
const (
	StatusGood    Status = "good"
	StatusRevoked Status = "revoked"
	StatusExpired Status = "expired"
)

// StatusAt tells the certificate's state at t: revoked from its revocation
// on, expired after NotAfter, good otherwise.
func (c *Certificate) StatusAt(t time.Time) Status {
	switch {
	case c.RevokedAt != nil && !t.Before(*c.RevokedAt):
		return StatusRevoked
	case t.After(c.NotAfter):
		return StatusExpired
	}
	return StatusGood
}

// X509 parses the certificate.
func (c *Certificate) X509() (*x509.Certificate, error) { return x509.ParseCertificate(c.DER) }

// PEM is the certificate in PEM.
func (c *Certificate) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
}

// ParseCertificatesPEM reads the certificates of a PEM file, in order: a
// chain, or a set of trust anchors. Every block must be a certificate, and
// there must be at least one.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a %s block where a certificate was expected", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// CertificateFilter selects certificates; nil fields do not filter.
type CertificateFilter struct {
	Owner   *string
	PINFL   *string
	Profile *Profile
	// Limit bounds the result (default and maximum 100), newest first.
	Limit int
}

// SelfSigned tells a root certificate: it names itself as issuer and its
// own key signed it (the cheap name test first).
func SelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// serialHex writes a serial number the way the store keys it.
func serialHex(n *big.Int) string { return n.Text(16) }

// ParseSerial reads a serial number written in hex (any case, with or
// without colons, as tools print them); EINVALID MsgSerial otherwise.
func ParseSerial(s string) (*big.Int, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() <= 0 || n.BitLen() > 160 {
		return nil, apperr.New(apperr.EINVALID, MsgSerial)
	}
	return n, nil
}

// attributeLabels name the attribute types subjects here use.
var attributeLabels = map[string]string{
	"2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.42": "GN", "2.5.4.5": "SERIALNUMBER", "2.5.4.97": "organizationIdentifier",
	"2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST",
}

// NameText writes a distinguished name for people to read, most specific
// attribute first ("CN=Navoiy Alisher, SERIALNUMBER=…, C=UZ"), with the
// values as they are rather than hex-encoded.
func NameText(n pkix.Name) string {
	var b strings.Builder
	for i := len(n.Names) - 1; i >= 0; i-- {
		atv := n.Names[i]
		label, ok := attributeLabels[atv.Type.String()]
		if !ok {
			label = atv.Type.String()
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%v", label, atv.Value)
	}
	return b.String()
}
