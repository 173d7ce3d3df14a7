package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"golang.org/x/crypto/ocsp"
)

// OCSPResponse is an answer of the responder with how long it may be kept.
type OCSPResponse struct {
	// DER is the OCSPResponse to send.
	DER []byte
	// NextUpdate is when the answer expires; zero for error answers, which
	// are not to be kept.
	NextUpdate time.Time
}

// OCSP answers a DER OCSP request (RFC 6960) about a certificate of the
// active issuing CA: good, revoked (with time and reason) or unknown,
// signed by the delegated responder, valid for Config.OCSPValidity. A
// request that cannot be read gets a malformedRequest answer and one about
// another CA an unauthorized answer (RFC 5019); those are answers to send,
// not errors. Answers are kept until shortly before their nextUpdate, so a
// burst of requests for one certificate costs one signature; a revocation
// drops them at once on this node and within a second on the others.
// Requests with a nonce get the kept answer without it, as RFC 5019 allows.
func (s *Service) OCSP(ctx context.Context, der []byte) (OCSPResponse, error) {
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		return OCSPResponse{DER: ocsp.MalformedRequestErrorResponse}, nil
	}
	st, err := s.current(ctx)
	if err != nil {
		return OCSPResponse{}, err
	}
	if !issuedBy(req, st.issuing.cert) {
		return OCSPResponse{DER: ocsp.UnauthorizedErrorResponse}, nil
	}
	now := s.clock.Now()
	if err := s.ocsp.refresh(ctx, s, st.issuing.name, now); err != nil {
		return OCSPResponse{}, err
	}
	key := fmt.Sprintf("%s/%d/%x", st.issuing.name, req.HashAlgorithm, req.SerialNumber)
	if r, ok := s.ocsp.get(key, now); ok {
		return r, nil
	}
	r, err := s.signOCSP(ctx, st, req, now)
	if err != nil {
		return OCSPResponse{}, fmt.Errorf("ocsp: %w", err)
	}
	s.ocsp.put(key, r, now.Add(s.cfg.OCSPValidity-s.cfg.OCSPValidity/10))
	return r, nil
}

// signOCSP makes the answer to req.
func (s *Service) signOCSP(ctx context.Context, st *state, req *ocsp.Request, now time.Time) (OCSPResponse, error) {
	tmpl := ocsp.Response{SerialNumber: req.SerialNumber, IssuerHash: req.HashAlgorithm, Certificate: st.responder.cert,
		ThisUpdate: now.Truncate(time.Second), NextUpdate: now.Add(s.cfg.OCSPValidity).Truncate(time.Second), Status: ocsp.Unknown}
	c, err := findCertificate(ctx, s.db.Reader(), serialHex(req.SerialNumber))
	switch {
	case err == nil && c.Issuer == st.issuing.name:
		tmpl.Status = ocsp.Good
		if c.RevokedAt != nil {
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, *c.RevokedAt, int(c.Reason)
		}
	case err != nil && !apperr.Is(err, apperr.ENOTFOUND):
		return OCSPResponse{}, err
	}
	der, err := ocsp.CreateResponse(st.issuing.cert, st.responder.cert, tmpl, st.responder.signer)
	if err != nil {
		return OCSPResponse{}, err
	}
	return OCSPResponse{DER: der, NextUpdate: tmpl.NextUpdate}, nil
}

// issuedBy tells whether req asks about a certificate of ca, by the hashes
// of its name and key.
func issuedBy(req *ocsp.Request, ca *x509.Certificate) bool {
	if !req.HashAlgorithm.Available() {
		return false
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(ca.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h := req.HashAlgorithm.New()
	h.Write(ca.RawSubject)
	name := h.Sum(nil)
	h.Reset()
	h.Write(spki.Key.RightAlign())
	return bytes.Equal(name, req.IssuerNameHash) && bytes.Equal(h.Sum(nil), req.IssuerKeyHash)
}

// maxOCSPCache bounds the kept answers; past it the cache starts afresh.
const maxOCSPCache = 100_000

// ocspRecheck is how often a node looks whether another node revoked a
// certificate, which makes its kept answers stale.
const ocspRecheck = time.Second

// ocspCache keeps signed answers by hash algorithm and serial.
type ocspCache struct {
	mu      sync.Mutex
	entries map[string]ocspEntry
	// checked is when the CA's revocation counter was last read, and
	// revocations its value then.
	checked     time.Time
	revocations int64
}

type ocspEntry struct {
	resp  OCSPResponse
	until time.Time
}

func newOCSPCache() *ocspCache { return &ocspCache{entries: map[string]ocspEntry{}} }

func (c *ocspCache) get(key string, now time.Time) (OCSPResponse, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until) {
		return OCSPResponse{}, false
	}
	return e.resp, true
}

func (c *ocspCache) put(key string, r OCSPResponse, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxOCSPCache {
		clear(c.entries)
	}
	c.entries[key] = ocspEntry{resp: r, until: until}
}

func (c *ocspCache) clear() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// refresh drops every kept answer if the CA's revocation counter moved
// since it was last read, reading it at most every ocspRecheck.
func (c *ocspCache) refresh(ctx context.Context, s *Service, issuer string, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.checked) < ocspRecheck && !c.checked.IsZero() {
		return nil
	}
	var n int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT revocations FROM pki_authorities WHERE name = $1`, issuer).Scan(&n)
	if err != nil {
		return fmt.Errorf("ocsp: %w", err)
	}
	if n != c.revocations {
		clear(c.entries)
		c.revocations = n
	}
	c.checked = now
	return nil
}

// OCSPFor answers, as OCSP would, about cert issued by issuer; it gives
// signers the answers they embed (CAdES B-LT) without a network round trip.
func (s *Service) OCSPFor(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		return nil, fmt.Errorf("ocsp request: %w", err)
	}
	r, err := s.OCSP(ctx, req)
	if err != nil {
		return nil, err
	}
	if r.NextUpdate.IsZero() {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoSuchCA)
	}
	return r.DER, nil
}
