package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// MsgLoginCertificate says a sign-in with a certificate was refused: the
// certificate is not one of ours, not valid now, revoked, or the signature
// is not its key's. The page says no more, as for a wrong password.
const MsgLoginCertificate = "pki.login.refused"

// CheckSignIn verifies an e-signature sign-in: certDER must be a personal
// certificate this CA issued (person, legal-entity representative or
// officer), valid now, not revoked, chaining to the platform's root, and
// signature must be its key's signature over challenge (SHA-256; ECDSA in
// ASN.1 form, RSA PKCS#1 v1.5 or Ed25519). It returns the holder's PINFL.
// Anything else is EUNAUTHORIZED MsgLoginCertificate. Freshness and single
// use of the challenge are the caller's to check.
func (s *Service) CheckSignIn(ctx context.Context, certDER, challenge, signature []byte) (string, error) {
	refused := apperr.New(apperr.EUNAUTHORIZED, MsgLoginCertificate)
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return "", refused
	}
	rec, err := findCertificate(ctx, s.db.Reader(), serialHex(cert.SerialNumber))
	switch {
	case apperr.Is(err, apperr.ENOTFOUND):
		return "", refused
	case err != nil:
		return "", fmt.Errorf("sign-in certificate: %w", err)
	case !bytes.Equal(rec.DER, cert.Raw) || rec.RevokedAt != nil || !rec.Profile.personal():
		return "", refused
	}
	cas, err := s.Authorities(ctx)
	if err != nil {
		return "", err
	}
	opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool(), CurrentTime: s.clock.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	for _, ca := range cas {
		if ca.Root {
			opts.Roots.AddCert(ca.Cert)
		} else {
			opts.Intermediates.AddCert(ca.Cert)
		}
	}
	if _, err := cert.Verify(opts); err != nil {
		return "", refused
	}
	algo := x509.ECDSAWithSHA256
	switch cert.PublicKeyAlgorithm {
	case x509.RSA:
		algo = x509.SHA256WithRSA
	case x509.Ed25519:
		algo = x509.PureEd25519
	}
	if err := cert.CheckSignature(algo, challenge, signature); err != nil {
		return "", refused
	}
	return rec.PINFL, nil
}
