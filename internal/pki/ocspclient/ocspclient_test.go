package ocspclient_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/ocspclient"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/ocsp"
)

// env is a CA whose public services (the OCSP responder, CA certificates)
// are served on a loopback server behind the platform's HTTP stack, at the
// base URL its certificates name, with a count of the OCSP questions.
type env struct {
	ctx     context.Context
	clock   *clock.Manual
	ca      *pki.Service
	srv     *httptest.Server
	issuing *x509.Certificate
	root    *x509.Certificate
	asked   atomic.Int32
	fetched atomic.Int32
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{ctx: context.Background(), clock: clock.NewManual(time.Now().UTC().Truncate(time.Second))}
	var handler atomic.Pointer[http.Handler]
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == pki.PathOCSP:
			e.asked.Add(1)
		case strings.HasPrefix(r.URL.Path, pki.PathCA):
			e.fetched.Add(1)
		}
		(*handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)

	d := dbtest.Open(t, db.SQLite, []db.Migrations{audit.Migrations(), pki.Migrations()})
	log := slog.New(slog.DiscardHandler)
	var err error
	e.ca, err = pki.New(d, e.clock, audit.New(d, e.clock), log,
		pki.Config{BaseURL: e.srv.URL, KeySecret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.GenerateRoot("egov Test Root CA", e.clock.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ca.CreateIssuingCA(e.ctx, "operator", root, "egov Test Issuing CA 1", "egov"); err != nil {
		t.Fatal(err)
	}
	chain, err := e.ca.Chain(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.issuing, e.root = chain[0], chain[1]

	bundle, err := i18n.Load(web.Locales(), pki.Locales())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ws, err := web.New(web.Options{Logger: log, Bundle: bundle, Registerer: reg, Gatherer: reg, Secret: make([]byte, 32),
		RatePerIP: 1000, BurstPerIP: 1000})
	if err != nil {
		t.Fatal(err)
	}
	m, err := pki.NewModule(e.ca, ws.Renderer())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Routes(ws); err != nil {
		t.Fatal(err)
	}
	h := ws.Handler()
	handler.Store(&h)
	return e
}

// issue certifies a new gateway signing key.
func (e *env) issue(t *testing.T, system string) *x509.Certificate {
	t.Helper()
	key, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	req, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: system}}, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.ca.Issue(e.ctx, pki.IssueRequest{Profile: pki.ProfileGatewaySign, Subject: pki.Subject{System: system, Organization: "Org"},
		CSR: req, Actor: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.X509()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func (e *env) client(cfg ocspclient.Config) *ocspclient.Client {
	cfg.Clock = e.clock
	return ocspclient.New(cfg)
}

func TestStatusFromOurResponder(t *testing.T) {
	e := newEnv(t)
	cert := e.issue(t, "egov-gw")
	c := e.client(ocspclient.Config{Issuers: []*x509.Certificate{e.issuing}})

	st, err := c.CertificateStatus(e.ctx, cert)
	if err != nil || !st.Known || !st.RevokedAt.IsZero() {
		t.Fatalf("good: %+v, %v", st, err)
	}
	// Kept until the answer's nextUpdate: no second question.
	e.clock.Advance(pki.DefaultOCSPValidity - time.Minute)
	if _, err := c.CertificateStatus(e.ctx, cert); err != nil || e.asked.Load() != 1 {
		t.Errorf("kept answer: %v, %d questions", err, e.asked.Load())
	}

	// Revoked: known once the kept answer ends.
	revoked, err := e.ca.Revoke(e.ctx, "admin", cert.SerialNumber.Text(16), pki.ReasonKeyCompromise)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	st, err = c.CertificateStatus(e.ctx, cert)
	if err != nil || !st.Known || !st.RevokedAt.Equal(revoked.RevokedAt.Truncate(time.Second)) || e.asked.Load() != 2 {
		t.Errorf("revoked: %+v, %v (revoked at %v), %d questions", st, err, revoked.RevokedAt, e.asked.Load())
	}

	// The platform's own services' certificates are known too.
	signer, err := e.ca.BusConfigSigner(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.CertificateStatus(e.ctx, signer.Cert); err != nil || !st.Known {
		t.Errorf("bus configuration signer: %+v, %v", st, err)
	}
}

// TestIssuerFromAIA checks that a client that knows no CA fetches the
// issuer the certificate names, once.
func TestIssuerFromAIA(t *testing.T) {
	e := newEnv(t)
	c := e.client(ocspclient.Config{})
	for _, system := range []string{"a-gw", "b-gw"} {
		if st, err := c.CertificateStatus(e.ctx, e.issue(t, system)); err != nil || !st.Known {
			t.Errorf("%s: %+v, %v", system, st, err)
		}
	}
	if e.fetched.Load() != 1 {
		t.Errorf("the issuer was fetched %d times", e.fetched.Load())
	}
}

// TestGatewayTrust checks the client in the place it is made for: the
// status source of a gateway's certificate checks.
func TestGatewayTrust(t *testing.T) {
	e := newEnv(t)
	cert := e.issue(t, "egov-gw")
	roots := x509.NewCertPool()
	roots.AddCert(e.root)
	v := &cades.Verifier{Roots: roots, Intermediates: []*x509.Certificate{e.issuing}, Now: e.clock.Now,
		Status: e.client(ocspclient.Config{Issuers: []*x509.Certificate{e.issuing}})}
	if err := v.CheckNow(e.ctx, cert, nil, x509.ExtKeyUsageEmailProtection); err != nil {
		t.Errorf("good certificate: %v", err)
	}
	if _, err := e.ca.Revoke(e.ctx, "admin", cert.SerialNumber.Text(16), pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(pki.DefaultOCSPValidity)
	if err := v.CheckNow(e.ctx, cert, nil, x509.ExtKeyUsageEmailProtection); !errors.Is(err, cades.ErrCertificateRevoked) {
		t.Errorf("revoked certificate: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	e := newEnv(t)
	cert := e.issue(t, "egov-gw")
	// Nobody listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/ocsp"
	l.Close()
	c := e.client(ocspclient.Config{Issuers: []*x509.Certificate{e.issuing}, Responder: closed})
	if _, err := c.CertificateStatus(e.ctx, cert); !errors.Is(err, ocspclient.ErrUnreachable) || !strings.Contains(err.Error(), closed) {
		t.Errorf("closed port: %v", err)
	}
	// A responder that hangs: the timeout ends the question.
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	c = e.client(ocspclient.Config{Issuers: []*x509.Certificate{e.issuing}, Responder: hang.URL, Timeout: 100 * time.Millisecond})
	start := time.Now()
	if _, err := c.CertificateStatus(e.ctx, cert); !errors.Is(err, ocspclient.ErrUnreachable) || time.Since(start) > 5*time.Second {
		t.Errorf("hanging responder: %v after %v", err, time.Since(start))
	}
	// An error page.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }))
	t.Cleanup(down.Close)
	c = e.client(ocspclient.Config{Issuers: []*x509.Certificate{e.issuing}, Responder: down.URL})
	if _, err := c.CertificateStatus(e.ctx, cert); !errors.Is(err, ocspclient.ErrUnreachable) {
		t.Errorf("503: %v", err)
	}
	// No issuer to be had.
	c = e.client(ocspclient.Config{Issuers: []*x509.Certificate{e.root}, Responder: down.URL})
	noAIA := *cert
	noAIA.IssuingCertificateURL = nil
	if _, err := c.CertificateStatus(e.ctx, &noAIA); !errors.Is(err, ocspclient.ErrNoIssuer) {
		t.Errorf("no issuer: %v", err)
	}
	// No responder named: the client cannot know.
	noOCSP := *cert
	noOCSP.OCSPServer = nil
	if st, err := e.client(ocspclient.Config{}).CertificateStatus(e.ctx, &noOCSP); err != nil || st.Known {
		t.Errorf("no responder: %+v, %v", st, err)
	}
}

// foreignPKI is a CA of its own with a certificate, and a responder that
// answers with what a test makes it.
type foreignPKI struct {
	caKey  *ecdsa.PrivateKey
	ca     *x509.Certificate
	leaf   *x509.Certificate
	answer func(req *ocsp.Request) []byte
	srv    *httptest.Server
}

func newForeign(t *testing.T, now time.Time) *foreignPKI {
	t.Helper()
	f := &foreignPKI{}
	f.caKey, f.ca = makeCert(t, "Foreign CA", nil, nil, now, func(c *x509.Certificate) {
		c.IsCA, c.BasicConstraintsValid, c.KeyUsage = true, true, x509.KeyUsageCertSign
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		_, _ = w.Write(f.answer(req))
	}))
	t.Cleanup(f.srv.Close)
	_, f.leaf = makeCert(t, "foreign-gw", f.ca, f.caKey, now, func(c *x509.Certificate) { c.OCSPServer = []string{f.srv.URL} })
	return f
}

// makeCert makes a key and a certificate for it, signed by parent (self
// if nil), adjusted by edit.
func makeCert(t *testing.T, cn string, parent *x509.Certificate, parentKey crypto.Signer, now time.Time, edit func(*x509.Certificate)) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	edit(tmpl)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, c
}

// respond signs an answer about req with key, certified by cert (none
// when the CA signs itself).
func (f *foreignPKI) respond(t *testing.T, req *ocsp.Request, status int, this, next time.Time, cert *x509.Certificate, key crypto.Signer) []byte {
	t.Helper()
	responder := cert
	if responder == nil {
		responder = f.ca
	}
	der, err := ocsp.CreateResponse(f.ca, responder, ocsp.Response{SerialNumber: req.SerialNumber, Status: status, ThisUpdate: this,
		NextUpdate: next, Certificate: cert, RevokedAt: this, IssuerHash: req.HashAlgorithm}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestAnswersChecked checks the answers a client must not believe, and
// those it must, from a responder of another CA.
func TestAnswersChecked(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	clk := clock.NewManual(now)
	f := newForeign(t, now)
	c := func() *ocspclient.Client {
		return ocspclient.New(ocspclient.Config{Issuers: []*x509.Certificate{f.ca}, Clock: clk})
	}
	dKey, dCert := makeCert(t, "Foreign OCSP", f.ca, f.caKey, now, func(c *x509.Certificate) {
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	})
	noEKUKey, noEKU := makeCert(t, "Foreign other", f.ca, f.caKey, now, func(*x509.Certificate) {})
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tests := []struct {
		name   string
		answer func(req *ocsp.Request) []byte
		want   cades.Status
		err    error
	}{
		{"signed by the CA", func(r *ocsp.Request) []byte {
			return f.respond(t, r, ocsp.Good, now, now.Add(time.Hour), nil, f.caKey)
		}, cades.Status{Known: true}, nil},
		{"delegated responder", func(r *ocsp.Request) []byte {
			return f.respond(t, r, ocsp.Good, now, now.Add(time.Hour), dCert, dKey)
		}, cades.Status{Known: true}, nil},
		{"revoked", func(r *ocsp.Request) []byte {
			return f.respond(t, r, ocsp.Revoked, now, now.Add(time.Hour), nil, f.caKey)
		}, cades.Status{Known: true, RevokedAt: now}, nil},
		{"unknown", func(r *ocsp.Request) []byte {
			return f.respond(t, r, ocsp.Unknown, now, now.Add(time.Hour), nil, f.caKey)
		}, cades.Status{}, nil},
		{"unauthorized", func(*ocsp.Request) []byte { return ocsp.UnauthorizedErrorResponse }, cades.Status{}, nil},
		{"try later", func(*ocsp.Request) []byte { return ocsp.TryLaterErrorResponse }, cades.Status{}, ocspclient.ErrBadResponse},
		{"garbage", func(*ocsp.Request) []byte { return []byte("<html/>") }, cades.Status{}, ocspclient.ErrBadResponse},
		{"signed by another key", func(r *ocsp.Request) []byte {
			return f.respond(t, r, ocsp.Good, now, now.Add(time.Hour), nil, otherKey)
		}, cades.Status{}, ocspclient.ErrBadResponse},
		{"responder without the OCSP purpose", func(r *ocsp.Request) []byte {
			return f.respond(t, r, ocsp.Revoked, now, now.Add(time.Hour), noEKU, noEKUKey)
		}, cades.Status{}, ocspclient.ErrBadResponse},
		{"expired answer", func(r *ocsp.Request) []byte {
			return f.respond(t, r, ocsp.Good, now.Add(-2*time.Hour), now.Add(-time.Hour), nil, f.caKey)
		}, cades.Status{}, ocspclient.ErrBadResponse},
		{"answer from the future", func(r *ocsp.Request) []byte {
			return f.respond(t, r, ocsp.Good, now.Add(time.Hour), now.Add(2*time.Hour), nil, f.caKey)
		}, cades.Status{}, ocspclient.ErrBadResponse},
		{"about another certificate", func(r *ocsp.Request) []byte {
			r.SerialNumber = new(big.Int).Add(r.SerialNumber, big.NewInt(1))
			return f.respond(t, r, ocsp.Good, now, now.Add(time.Hour), nil, f.caKey)
		}, cades.Status{}, ocspclient.ErrBadResponse},
	}
	for _, tt := range tests {
		f.answer = tt.answer
		st, err := c().CertificateStatus(context.Background(), f.leaf)
		if st != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%s: %+v, %v; want %+v, %v", tt.name, st, err, tt.want, tt.err)
		}
	}

	// An answer without nextUpdate is not kept; one with it until then.
	var n atomic.Int32
	f.answer = func(r *ocsp.Request) []byte {
		n.Add(1)
		return f.respond(t, r, ocsp.Good, now, time.Time{}, nil, f.caKey)
	}
	client := c()
	for range 2 {
		if _, err := client.CertificateStatus(context.Background(), f.leaf); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 2 {
		t.Errorf("no nextUpdate: %d questions", n.Load())
	}
	f.answer = func(r *ocsp.Request) []byte {
		n.Add(1)
		return f.respond(t, r, ocsp.Good, clk.Now(), clk.Now().Add(10*time.Minute), nil, f.caKey)
	}
	for range 3 {
		if _, err := client.CertificateStatus(context.Background(), f.leaf); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(10 * time.Minute)
	if _, err := client.CertificateStatus(context.Background(), f.leaf); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 4 {
		t.Errorf("with nextUpdate: %d questions", n.Load())
	}
}
