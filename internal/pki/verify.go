package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// CertificateStatus tells whether cert is one this CA issued and when it
// was revoked, for cades.Verifier.
func (s *Service) CertificateStatus(ctx context.Context, cert *x509.Certificate) (cades.Status, error) {
	c, err := findCertificate(ctx, s.db.Reader(), serialHex(cert.SerialNumber))
	switch {
	case apperr.Is(err, apperr.ENOTFOUND):
		return cades.Status{}, nil
	case err != nil:
		return cades.Status{}, fmt.Errorf("certificate status: %w", err)
	case !bytes.Equal(c.DER, cert.Raw):
		return cades.Status{}, nil
	case c.RevokedAt != nil:
		return cades.Status{Known: true, RevokedAt: *c.RevokedAt}, nil
	}
	return cades.Status{Known: true}, nil
}

// Verifier returns a signature verifier that trusts this platform's root,
// knows its issuing CAs and asks this CA's records about revocation.
func (s *Service) Verifier(ctx context.Context) (*cades.Verifier, error) {
	cas, err := s.Authorities(ctx)
	if err != nil {
		return nil, err
	}
	v := &cades.Verifier{Roots: x509.NewCertPool(), Status: s, Now: s.clock.Now}
	for _, ca := range cas {
		if ca.Root {
			v.Roots.AddCert(ca.Cert)
		} else {
			v.Intermediates = append(v.Intermediates, ca.Cert)
		}
	}
	return v, nil
}
