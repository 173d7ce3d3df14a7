package pki

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/egovuz/egov/internal/pki/cades"
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
	case !rec.Profile.personal():
		return "", refused
	}
	v, err := s.Verifier(ctx)
	if err != nil {
		return "", err
	}
	// Status is this CA's records: a certificate of ours with other bytes
	// is unknown there, a revoked one revoked.
	switch err := v.CheckNow(ctx, cert, nil, x509.ExtKeyUsageAny); {
	case errors.Is(err, cades.ErrCertificateChain), errors.Is(err, cades.ErrCertificateUnknown), errors.Is(err, cades.ErrCertificateRevoked):
		return "", refused
	case err != nil:
		return "", fmt.Errorf("sign-in certificate: %w", err)
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
