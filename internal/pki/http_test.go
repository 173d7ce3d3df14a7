package pki_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/tsp"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/ocsp"
)

// serve starts the module's routes (the protocol endpoints and the
// verification service) on a loopback server behind the platform's whole
// HTTP stack, with the module's catalog in the bundle as the app loads it.
func (e *env) serve(t testing.TB) *httptest.Server {
	t.Helper()
	bundle, err := i18n.Load(web.Locales(), pki.Locales())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Bundle: bundle,
		Registerer: reg, Gatherer: reg, Secret: make([]byte, 32), RatePerIP: 1000, BurstPerIP: 1000})
	if err != nil {
		t.Fatal(err)
	}
	m, err := pki.NewModule(e.svc, srv.Renderer())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Routes(srv); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// fetch does a request and returns the status, content type and body.
func fetch(t testing.TB, method, u, contentType string, body []byte) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func TestHTTPEndpoints(t *testing.T) {
	e := sqliteEnv(t)
	ts := e.serve(t)
	issuing, root := e.chain(t)
	_, x := e.issuePerson(t, p256(t))

	// The URLs written into the certificates answer.
	for file, want := range map[string]*x509.Certificate{"egov-test-issuing-ca-1.crt": issuing, "egov-test-root-ca.crt": root} {
		status, ct, body := fetch(t, "GET", ts.URL+"/pki/ca/"+file, "", nil)
		if status != 200 || ct != "application/pkix-cert" || !bytes.Equal(body, want.Raw) {
			t.Errorf("%s: %d %s", file, status, ct)
		}
	}
	crlPath := strings.TrimPrefix(x.CRLDistributionPoints[0], "https://egov.test")
	if status, ct, body := fetch(t, "GET", ts.URL+crlPath, "", nil); status != 200 || ct != "application/pkix-crl" {
		t.Errorf("CRL: %d %s", status, ct)
	} else {
		parseCRL(t, body, issuing)
	}
	for _, p := range []string{"/pki/ca/nobody.crt", "/pki/ca/egov-test-root-ca.pem", "/pki/crl/nobody.crl"} {
		if status, _, _ := fetch(t, "GET", ts.URL+p, "", nil); status != 404 {
			t.Errorf("%s: %d, want 404", p, status)
		}
	}

	// OCSP by POST and by GET, with the base64 escaped as RFC 6960 asks.
	req, _ := ocsp.CreateRequest(x, issuing, &ocsp.RequestOptions{Hash: crypto.SHA256})
	ocspPath := strings.TrimPrefix(x.OCSPServer[0], "https://egov.test")
	status, ct, body := fetch(t, "POST", ts.URL+ocspPath, "application/ocsp-request", req)
	if status != 200 || ct != "application/ocsp-response" {
		t.Fatalf("OCSP POST: %d %s", status, ct)
	}
	if resp, err := ocsp.ParseResponseForCert(body, x, issuing); err != nil || resp.Status != ocsp.Good {
		t.Errorf("OCSP POST: %v", err)
	}
	get, err := http.Get(ts.URL + ocspPath + "/" + url.PathEscape(base64.StdEncoding.EncodeToString(req)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(get.Body)
	get.Body.Close()
	if resp, err := ocsp.ParseResponseForCert(body, x, issuing); err != nil || resp.Status != ocsp.Good ||
		!strings.Contains(get.Header.Get("Cache-Control"), "max-age=") {
		t.Errorf("OCSP GET: %v, Cache-Control %q", err, get.Header.Get("Cache-Control"))
	}
	if status, _, body := fetch(t, "POST", ts.URL+ocspPath, "application/ocsp-request", []byte("junk")); status != 200 ||
		!bytes.Equal(body, ocsp.MalformedRequestErrorResponse) {
		t.Errorf("OCSP junk: %d %x", status, body)
	}

	// The TSA answers queries, and refuses others than timestamp queries.
	sum := sha256.Sum256([]byte("doc"))
	tq, _ := tsp.NewRequest(crypto.SHA256, sum[:])
	der, _ := tq.Marshal()
	status, ct, body = fetch(t, "POST", ts.URL+"/pki/tsa", "application/timestamp-query", der)
	if status != 200 || ct != "application/timestamp-reply" {
		t.Fatalf("TSA: %d %s", status, ct)
	}
	if resp, err := tsp.ParseResponse(body); err != nil || resp.Status != tsp.StatusGranted {
		t.Errorf("TSA: %+v %v", resp, err)
	}
	if status, _, _ := fetch(t, "POST", ts.URL+"/pki/tsa", "text/plain", der); status != 400 {
		t.Errorf("TSA with a wrong type: %d", status)
	}
	if status, _, _ := fetch(t, "POST", ts.URL+"/pki/tsa", "application/timestamp-query", make([]byte, 1<<20)); status != 400 {
		t.Errorf("TSA with a huge body: %d", status)
	}
}
