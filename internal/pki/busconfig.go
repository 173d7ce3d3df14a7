package pki

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// busConfigName completes the common name of the ProfileBusConfig
// certificate after the issuing CA's.
const busConfigName = " Bus Configuration Signer"

// BusConfigSigner returns what the central server signs the exchange bus's
// global configuration with: the platform's own ProfileBusConfig key, its
// certificate and the chain up to the root. Like the OCSP responder's and
// the TSA's, the key is made on first use, sealed in the database under
// Config.KeySecret and replaced a month before its certificate ends or
// once it is revoked, so every node signs with the same one. Callers ask
// again for each signature rather than keep the result, to take up a
// replacement.
//
// Errors: EINTERNAL MsgNoCA when no issuing CA is set up.
func (s *Service) BusConfigSigner(ctx context.Context) (cms.Signer, error) {
	st, err := s.current(ctx)
	if err != nil {
		return cms.Signer{}, err
	}
	now := s.clock.Now()
	sk, err := findServiceKey(ctx, s.db.Reader(), st.issuing.name, ProfileBusConfig, now.Add(serviceRenewal))
	if apperr.Is(err, apperr.ENOTFOUND) {
		sk, err = s.issueBusConfigKey(ctx, st, now)
	}
	if err != nil {
		return cms.Signer{}, fmt.Errorf("bus configuration key: %w", err)
	}
	cert, err := sk.cert.X509()
	if err != nil {
		return cms.Signer{}, fmt.Errorf("bus configuration key: %w", err)
	}
	key, err := s.keys.open(sk.sealed, certKeyLabel(sk.cert.Serial))
	if err != nil {
		return cms.Signer{}, fmt.Errorf("bus configuration key: %w", err)
	}
	return cms.Signer{Key: key, Cert: cert, Chain: []*x509.Certificate{st.issuing.cert, st.root}}, nil
}

// issueBusConfigKey makes the configuration-signing key and its
// certificate, valid for Config.ServiceValidity, and stores both.
func (s *Service) issueBusConfigKey(ctx context.Context, st *state, now time.Time) (serviceKey, error) {
	key, err := GenerateKey()
	if err != nil {
		return serviceKey{}, err
	}
	sub := Subject{System: st.issuing.cert.Subject.CommonName + busConfigName, Organization: firstOf(st.issuing.cert.Subject.Organization)}
	var sealed []byte
	c, err := s.issue(ctx, st, issueParams{profile: ProfileBusConfig, subject: sub, pub: key.Public(), actor: audit.System,
		validity: s.cfg.ServiceValidity, now: now,
		seal: func(serial string) ([]byte, error) {
			sealed, err = s.keys.seal(key, certKeyLabel(serial))
			return sealed, err
		}})
	if err != nil {
		return serviceKey{}, err
	}
	return serviceKey{cert: c, sealed: sealed}, nil
}
