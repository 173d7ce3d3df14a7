package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// RSA key sizes the CA certifies: at least 3072 bits (NIST SP 800-57 for
// use past 2030), at most 8192 so a request cannot make verification slow.
const (
	minRSABits = 3072
	maxRSABits = 8192
)

// maxCSRSize bounds a request; real ones are a few kilobytes.
const maxCSRSize = 64 << 10

// ParseCSR reads a PKCS#10 certificate signing request, PEM ("CERTIFICATE
// REQUEST" or "NEW CERTIFICATE REQUEST") or DER, checks its signature and
// that its key is one the CA certifies: ECDSA P-256, P-384 or P-521, Ed25519,
// or RSA of 3072 to 8192 bits. Errors are EINVALID with MsgCSRMalformed,
// MsgCSRSignature, MsgKeyUnsupported or MsgKeyRSATooSmall.
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	if len(data) > maxCSRSize {
		return nil, apperr.New(apperr.EINVALID, MsgCSRMalformed)
	}
	der := data
	if trimmed := bytes.TrimSpace(data); bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		block, _ := pem.Decode(trimmed)
		if block == nil || (block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST") {
			return nil, apperr.New(apperr.EINVALID, MsgCSRMalformed)
		}
		der = block.Bytes
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.EINVALID, Message: MsgCSRMalformed, Err: err}
	}
	if err := checkPublicKey(csr.PublicKey); err != nil {
		return nil, err
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, &apperr.Error{Code: apperr.EINVALID, Message: MsgCSRSignature, Err: err}
	}
	return csr, nil
}

// checkPublicKey refuses keys the CA does not certify.
func checkPublicKey(pub any) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
	case ed25519.PublicKey:
		return nil
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		if bits < minRSABits {
			return apperr.New(apperr.EINVALID, MsgKeyRSATooSmall, minRSABits)
		}
		if bits <= maxRSABits {
			return nil
		}
	}
	return apperr.New(apperr.EINVALID, MsgKeyUnsupported)
}

// matchRequest checks that the request names the subject the certificate
// is for: the same PINFL in serialNumber for a person, the same STIR if the
// request states one, the same system name in the common name for a
// gateway. Other attributes of the request are not copied: the
// certificate's subject is built from the verified Subject alone.
func matchRequest(csr *x509.CertificateRequest, p Profile, s Subject) error {
	mismatch := func(what string) error {
		return &apperr.Error{Code: apperr.EINVALID, Message: MsgSubjectMismatch, Err: fmt.Errorf("request %s does not match", what)}
	}
	want, have := oidCommonName, strings.TrimSpace(s.System)
	if p.personal() {
		want, have = oidSerialNumber, s.PINFL
	}
	found := false
	for _, atv := range csr.Subject.Names {
		v, _ := atv.Value.(string)
		switch {
		case atv.Type.Equal(want):
			if !strings.EqualFold(strings.TrimSpace(v), have) {
				return mismatch(want.String())
			}
			found = true
		case atv.Type.Equal(oidOrganizationIdentifier):
			if p != ProfileLegal || (v != stirIdentifier(s.STIR) && v != s.STIR) {
				return mismatch("organizationIdentifier")
			}
		}
	}
	if !found {
		return mismatch(want.String())
	}
	return nil
}
