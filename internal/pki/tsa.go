package pki

import (
	"context"
	"crypto"
	"encoding/asn1"

	"github.com/egovuz/egov/internal/pki/tsp"
)

// DefaultTSAPolicy is the TSA policy tokens state when Config.TSAPolicy is
// not set. It lies in the arc ITU-T X.660 keeps for examples (2.999): a
// deployment sets the policy OID registered for its TSA.
var DefaultTSAPolicy = asn1.ObjectIdentifier{2, 999, 3161, 1}

// tsaOf is the timestamp authority of st.
func (s *Service) tsaOf(st *state) *tsp.Authority {
	return &tsp.Authority{Key: st.tsa.signer, Cert: st.tsa.cert, Policy: s.cfg.TSAPolicy, Now: s.clock.Now}
}

// RespondTimestamp answers a DER RFC 3161 request with a DER response; see
// tsp.Authority.Respond for what is refused and how. Only a failure of the
// platform itself is an error.
func (s *Service) RespondTimestamp(ctx context.Context, der []byte) ([]byte, error) {
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.tsaOf(st).Respond(der)
}

// Timestamp issues a timestamp token over digest (made with h) for a
// signer in this process, such as a CAdES B-T signature.
func (s *Service) Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return s.tsaOf(st).Timestamp(h, digest)
}
