package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

// Service is the certificate authority with its public services. It is
// safe for concurrent use, and any number of nodes may run one over the
// same database.
type Service struct {
	db    *db.DB
	clock clock.Clock
	audit Auditor
	log   *slog.Logger
	cfg   Config
	keys  sealer
	ocsp  *ocspCache

	mu    sync.Mutex
	state *state
}

// state is what the service signs with, loaded from the database and
// reloaded every stateTTL so that a new issuing CA or a renewed service
// certificate made on another node is taken up.
type state struct {
	loadedAt time.Time
	root     *x509.Certificate
	issuing  authority
	// responder signs OCSP responses; tsa signs timestamp tokens. Both
	// are certified by issuing.
	responder authority
	tsa       authority
}

// stateTTL bounds how long a node signs with what it loaded.
const stateTTL = 10 * time.Minute

// serviceRenewal is how long before its end a service certificate is
// replaced.
const serviceRenewal = 30 * 24 * time.Hour

// authority is a certificate with the key that signs for it.
type authority struct {
	name   string
	cert   *x509.Certificate
	signer crypto.Signer
}

// New returns the service. cfg is checked here: a missing base URL or a
// short key secret is an error.
func New(d *db.DB, c clock.Clock, a Auditor, log *slog.Logger, cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if d == nil || c == nil || a == nil || log == nil {
		return nil, errors.New("pki: database, clock, auditor and logger are required")
	}
	return &Service{db: d, clock: c, audit: a, log: log, cfg: cfg, keys: sealer{secret: cfg.KeySecret}, ocsp: newOCSPCache()}, nil
}

// current returns what the service signs with, loading it when it is
// missing or old. Loading issues the OCSP responder's and the TSA's
// certificates when they are missing or about to expire. With no issuing
// CA set up it returns EINTERNAL MsgNoCA.
func (s *Service) current(ctx context.Context) (*state, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if s.state != nil && now.Sub(s.state.loadedAt) < stateTTL {
		return s.state, nil
	}
	st, err := s.load(ctx, now)
	if err != nil {
		return nil, err
	}
	s.state = st
	return st, nil
}

// forget drops the loaded state so the next use loads it afresh.
func (s *Service) forget() {
	s.mu.Lock()
	s.state = nil
	s.mu.Unlock()
}

// load reads the active issuing CA and the service keys.
func (s *Service) load(ctx context.Context, now time.Time) (*state, error) {
	rows, err := listAuthorities(ctx, s.db.Reader())
	if err != nil {
		return nil, fmt.Errorf("load pki: %w", err)
	}
	st := &state{loadedAt: now}
	for _, a := range rows {
		switch {
		case a.kind == kindRoot:
			if st.root, err = x509.ParseCertificate(a.cert); err != nil {
				return nil, fmt.Errorf("load root %s: %w", a.name, err)
			}
		case a.active:
			cert, err := x509.ParseCertificate(a.cert)
			if err != nil {
				return nil, fmt.Errorf("load CA %s: %w", a.name, err)
			}
			signer, err := s.keys.open(a.keySealed, caKeyLabel(a.name))
			if err != nil {
				return nil, fmt.Errorf("load CA %s: %w", a.name, err)
			}
			st.issuing = authority{name: a.name, cert: cert, signer: signer}
		}
	}
	if st.issuing.cert == nil || st.root == nil {
		return nil, apperr.New(apperr.EINTERNAL, MsgNoCA)
	}
	if st.responder, err = s.serviceAuthority(ctx, st, ProfileOCSP, now); err != nil {
		return nil, err
	}
	if st.tsa, err = s.serviceAuthority(ctx, st, ProfileTSA, now); err != nil {
		return nil, err
	}
	return st, nil
}

// serviceAuthority returns the platform's own certificate of profile p
// under the issuing CA, issuing a new one when there is none valid for
// another serviceRenewal. Two nodes renewing at once make two certificates,
// both good.
func (s *Service) serviceAuthority(ctx context.Context, st *state, p Profile, now time.Time) (authority, error) {
	sk, err := findServiceKey(ctx, s.db.Reader(), st.issuing.name, p, now.Add(serviceRenewal))
	if apperr.Is(err, apperr.ENOTFOUND) {
		sk, err = s.issueServiceKey(ctx, st, p, now)
	}
	if err != nil {
		return authority{}, fmt.Errorf("load %s key: %w", p, err)
	}
	cert, err := sk.cert.X509()
	if err != nil {
		return authority{}, err
	}
	signer, err := s.keys.open(sk.sealed, certKeyLabel(sk.cert.Serial))
	if err != nil {
		return authority{}, fmt.Errorf("load %s key: %w", p, err)
	}
	return authority{name: sk.cert.Serial, cert: cert, signer: signer}, nil
}

// issueServiceKey makes a key and a certificate of profile p for the
// platform itself and stores both.
func (s *Service) issueServiceKey(ctx context.Context, st *state, p Profile, now time.Time) (serviceKey, error) {
	key, err := GenerateKey()
	if err != nil {
		return serviceKey{}, err
	}
	sub := Subject{System: st.issuing.cert.Subject.CommonName + serviceNames[p], Organization: firstOf(st.issuing.cert.Subject.Organization)}
	var sealed []byte
	c, err := s.issue(ctx, st, issueParams{profile: p, subject: sub, pub: key.Public(), actor: audit.System, validity: s.cfg.ServiceValidity, now: now,
		seal: func(serial string) ([]byte, error) {
			sealed, err = s.keys.seal(key, certKeyLabel(serial))
			return sealed, err
		}})
	if err != nil {
		return serviceKey{}, err
	}
	return serviceKey{cert: c, sealed: sealed}, nil
}

// serviceNames complete the common names of the service certificates.
var serviceNames = map[Profile]string{ProfileOCSP: " OCSP Responder", ProfileTSA: " Time Stamping Authority",
	ProfileBusConfig: " Bus Configuration Signer"}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Labels bind a sealed key to its owner (see sealer).
func caKeyLabel(name string) string     { return "ca:" + name }
func certKeyLabel(serial string) string { return "cert:" + serial }
