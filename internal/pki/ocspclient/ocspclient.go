// Package ocspclient asks OCSP responders (RFC 6960) about certificates:
// a cades.StatusSource for gateways of the exchange bus that run away from
// the central server and so cannot read the CA's records directly. It asks
// the responder each certificate names (authority information access),
// by POST, checks that the answer is signed by the certificate's issuer
// or by a responder it delegated, and keeps each answer until its
// nextUpdate, so that a gateway asks about a peer once per validity of the
// answer rather than once per message.
package ocspclient

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/clock"
	"golang.org/x/crypto/ocsp"
)

// Defaults of a Client.
const (
	// DefaultTimeout bounds one question to a responder, from connecting
	// to the end of the answer: a status check runs inside a TLS handshake
	// or a message exchange, which must not hang on it.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxAge bounds how long an answer is kept, whatever its
	// nextUpdate says.
	DefaultMaxAge = time.Hour
	// DefaultMaxEntries bounds the answers kept; past it the cache starts
	// afresh.
	DefaultMaxEntries = 10_000
	// maxResponse bounds an answer, and an issuer certificate fetched;
	// real ones are a few kilobytes.
	maxResponse = 64 << 10
	// maxSkew is how far ahead of our clock a responder's thisUpdate may
	// be.
	maxSkew = 5 * time.Minute
)

// Errors of CertificateStatus, wrapped with the details.
var (
	// ErrUnreachable: the responder (or the issuer's certificate, when
	// fetched) could not be reached or did not answer 200 in time.
	ErrUnreachable = errors.New("ocspclient: the OCSP responder is unreachable")
	// ErrBadResponse: the responder answered something other than a
	// current, properly signed answer about the certificate.
	ErrBadResponse = errors.New("ocspclient: the OCSP responder's answer is not usable")
	// ErrNoIssuer: the certificate's issuer is neither configured nor
	// obtainable from the certificate's authority information access.
	ErrNoIssuer = errors.New("ocspclient: the issuer of the certificate is unknown")
)

// Config configures a Client.
type Config struct {
	// HTTPClient carries the questions; nil means a client without
	// proxies from the environment. Its own timeout, if any, applies
	// besides Timeout.
	HTTPClient *http.Client
	// Timeout bounds one question; DefaultTimeout if zero.
	Timeout time.Duration
	// Issuers are the CA certificates the client knows, such as the
	// issuing CAs of the global configuration. The issuer of a
	// certificate not among them is fetched from the URL the certificate
	// names (caIssuers) and kept.
	Issuers []*x509.Certificate
	// Responder, if set, is asked instead of the responder each
	// certificate names.
	Responder string
	// MaxAge bounds how long an answer is kept; DefaultMaxAge if zero.
	MaxAge time.Duration
	// MaxEntries bounds the answers kept; DefaultMaxEntries if zero.
	MaxEntries int
	// Clock tells the time; nil means the system clock.
	Clock clock.Clock
}

// Client asks OCSP responders and keeps their answers. It is safe for
// concurrent use.
type Client struct {
	cfg Config

	mu      sync.Mutex
	answers map[string]answer
	issuers []*x509.Certificate
}

// answer is a kept status.
type answer struct {
	status cades.Status
	until  time.Time
}

// New returns a client configured by cfg.
func New(cfg Config) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	return &Client{cfg: cfg, answers: map[string]answer{}, issuers: slices.Clone(cfg.Issuers)}
}

var _ cades.StatusSource = (*Client)(nil)

// CertificateStatus asks the OCSP responder about cert: Known and not
// revoked for a good answer, Known with RevokedAt for a revoked one, not
// Known for an unknown answer, an answer that the responder is not
// authorised to give about cert's CA, or a certificate that names no
// responder. Answers are kept until their nextUpdate (at most MaxAge).
//
// Errors wrap ErrNoIssuer, ErrUnreachable or ErrBadResponse.
func (c *Client) CertificateStatus(ctx context.Context, cert *x509.Certificate) (cades.Status, error) {
	responder := c.cfg.Responder
	if responder == "" && len(cert.OCSPServer) > 0 {
		responder = cert.OCSPServer[0]
	}
	if responder == "" {
		return cades.Status{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	issuer, err := c.issuerOf(ctx, cert)
	if err != nil {
		return cades.Status{}, err
	}
	key := cacheKey(cert, issuer)
	now := c.cfg.Clock.Now()
	if st, ok := c.kept(key, now); ok {
		return st, nil
	}
	st, until, err := c.ask(ctx, responder, cert, issuer, now)
	if err != nil {
		return cades.Status{}, fmt.Errorf("status of certificate %s: %w", cert.SerialNumber.Text(16), err)
	}
	if until.After(now) {
		c.keep(key, answer{status: st, until: until})
	}
	return st, nil
}

// ask puts the question to the responder and checks the answer; until is
// how long it may be kept.
func (c *Client) ask(ctx context.Context, responder string, cert, issuer *x509.Certificate, now time.Time) (cades.Status, time.Time, error) {
	reqDER, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		return cades.Status{}, time.Time{}, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	body, err := c.post(ctx, responder, reqDER)
	if err != nil {
		return cades.Status{}, time.Time{}, err
	}
	resp, err := ocsp.ParseResponseForCert(body, cert, issuer)
	var re ocsp.ResponseError
	switch {
	case errors.As(err, &re) && re.Status == ocsp.Unauthorized:
		// The responder does not answer for this CA: it does not know
		// the certificate. Not kept: the next question may go elsewhere.
		return cades.Status{}, time.Time{}, nil
	case err != nil:
		return cades.Status{}, time.Time{}, fmt.Errorf("%w: %s: %v", ErrBadResponse, responder, err)
	}
	if err := checkSigner(resp, issuer, now); err != nil {
		return cades.Status{}, time.Time{}, fmt.Errorf("%w: %s: %v", ErrBadResponse, responder, err)
	}
	if resp.ThisUpdate.After(now.Add(maxSkew)) {
		return cades.Status{}, time.Time{}, fmt.Errorf("%w: %s: the answer is from the future (%s)", ErrBadResponse, responder,
			resp.ThisUpdate.Format(time.RFC3339))
	}
	until := now.Add(c.cfg.MaxAge)
	switch {
	case resp.NextUpdate.IsZero():
		// Newer information is always available (RFC 6960 2.4): keep
		// nothing.
		until = now
	case !resp.NextUpdate.After(now):
		return cades.Status{}, time.Time{}, fmt.Errorf("%w: %s: the answer expired at %s", ErrBadResponse, responder,
			resp.NextUpdate.Format(time.RFC3339))
	case resp.NextUpdate.Before(until):
		until = resp.NextUpdate
	}
	switch resp.Status {
	case ocsp.Good:
		return cades.Status{Known: true}, until, nil
	case ocsp.Revoked:
		return cades.Status{Known: true, RevokedAt: resp.RevokedAt}, until, nil
	}
	return cades.Status{}, until, nil
}

// checkSigner checks who signed resp: the issuer itself, or a responder
// certificate the issuer signed (ParseResponseForCert checked both
// signatures) for OCSP signing, valid now.
func checkSigner(resp *ocsp.Response, issuer *x509.Certificate, now time.Time) error {
	r := resp.Certificate
	if r == nil || r.Equal(issuer) {
		return nil
	}
	if !slices.Contains(r.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
		return errors.New("signed by a certificate that is not the issuer's OCSP responder")
	}
	if now.Before(r.NotBefore) || now.After(r.NotAfter) {
		return errors.New("signed by a responder certificate that is not valid now")
	}
	return nil
}

// post sends an OCSP request and returns the answer's body.
func (c *Client) post(ctx context.Context, url string, der []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(der))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, url, err)
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	req.Header.Set("Accept", "application/ocsp-response")
	return c.fetch(req)
}

// fetch does req and reads a 200 answer of at most maxResponse bytes.
func (c *Client) fetch(req *http.Request) ([]byte, error) {
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, req.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s", ErrUnreachable, req.URL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, req.URL, err)
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("%w: %s: the answer is larger than %d bytes", ErrBadResponse, req.URL, maxResponse)
	}
	return body, nil
}

// issuerOf returns the certificate that signed cert: a known one, or the
// one its caIssuers URL gives, which is kept once it proves to have signed
// cert (so a forged one at that URL gains nothing).
func (c *Client) issuerOf(ctx context.Context, cert *x509.Certificate) (*x509.Certificate, error) {
	c.mu.Lock()
	known := slices.Clone(c.issuers)
	c.mu.Unlock()
	for _, i := range known {
		if signedBy(cert, i) {
			return i, nil
		}
	}
	for _, u := range cert.IssuingCertificateURL {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			continue
		}
		body, err := c.fetch(req)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoIssuer, err)
		}
		if b, _ := pem.Decode(body); b != nil && b.Type == "CERTIFICATE" {
			body = b.Bytes
		}
		i, err := x509.ParseCertificate(body)
		if err != nil || !signedBy(cert, i) {
			continue
		}
		c.mu.Lock()
		if !slices.ContainsFunc(c.issuers, i.Equal) {
			c.issuers = append(c.issuers, i)
		}
		c.mu.Unlock()
		return i, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoIssuer, cert.Issuer)
}

func signedBy(cert, issuer *x509.Certificate) bool {
	return bytes.Equal(cert.RawIssuer, issuer.RawSubject) && cert.CheckSignatureFrom(issuer) == nil
}

// cacheKey names cert's status: its issuer's key and its serial.
func cacheKey(cert, issuer *x509.Certificate) string {
	sum := sha256.Sum256(issuer.RawSubjectPublicKeyInfo)
	return fmt.Sprintf("%x/%x", sum, cert.SerialNumber)
}

func (c *Client) kept(key string, now time.Time) (cades.Status, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.answers[key]
	if !ok || !now.Before(a.until) {
		return cades.Status{}, false
	}
	return a.status, true
}

func (c *Client) keep(key string, a answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.answers) >= c.cfg.MaxEntries {
		clear(c.answers)
	}
	c.answers[key] = a
}
