package pki

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/egovuz/egov/internal/pki/cms"
)

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
	a, err := s.serviceAuthority(ctx, st, ProfileBusConfig, s.clock.Now())
	if err != nil {
		return cms.Signer{}, fmt.Errorf("bus configuration key: %w", err)
	}
	return cms.Signer{Key: a.signer, Cert: a.cert, Chain: []*x509.Certificate{st.issuing.cert, st.root}}, nil
}
