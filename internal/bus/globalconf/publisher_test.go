package globalconf_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/globalconf"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/prometheus/client_golang/prometheus"
)

// flakyRegistry is the registry that fails while down is set.
type flakyRegistry struct {
	*bus.Registry
	down atomic.Bool
}

var errDown = errors.New("database down")

func (r *flakyRegistry) Version(ctx context.Context) (int64, error) {
	if r.down.Load() {
		return 0, errDown
	}
	return r.Registry.Version(ctx)
}

func (r *flakyRegistry) Snapshot(ctx context.Context) (*bus.Snapshot, error) {
	if r.down.Load() {
		return nil, errDown
	}
	return r.Registry.Snapshot(ctx)
}

// publisher is a publisher over e's registry that counts its signatures.
type publisher struct {
	*globalconf.Publisher
	reg   *flakyRegistry
	signs atomic.Int32
}

func newPublisher(t *testing.T, e *env) *publisher {
	t.Helper()
	p := &publisher{reg: &flakyRegistry{Registry: e.reg}}
	var err error
	p.Publisher, err = globalconf.NewPublisher(globalconf.PublisherConfig{Registry: p.reg, Instance: "UZ", TSA: e.ca, OCSP: e.ca,
		TSAURL: "https://egov.test/pki/tsa", Clock: e.clock,
		Signer: func(ctx context.Context) (cms.Signer, error) {
			p.signs.Add(1)
			return e.ca.BusConfigSigner(ctx)
		}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// get asks srv for the configuration, with If-None-Match etag if given.
func get(t *testing.T, srv *httptest.Server, method, etag string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+globalconf.Path, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestPublisher(t *testing.T) {
	e := newEnv(t)
	p := newPublisher(t, e)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)

	resp, body := get(t, srv, "GET", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != globalconf.MediaType || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
	}
	c, err := e.verifier().Verify(e.ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := e.reg.Version(e.ctx)
	etag := resp.Header.Get("ETag")
	if c.Version != v || etag == "" {
		t.Errorf("version %d of %d, ETag %q", c.Version, v, etag)
	}
	if len(c.Trust.Roots) != 1 || !c.Trust.Roots[0].Equal(e.chain[1]) || len(c.Trust.Intermediates) != 1 ||
		c.Trust.OCSPURL != "https://egov.test/pki/ocsp" || c.Trust.TSAURL != "https://egov.test/pki/tsa" {
		t.Errorf("trust %+v", c.Trust)
	}

	// The same document until something changes; 304 for who has it.
	e.clock.Advance(globalconf.DefaultValidity/2 - time.Second)
	resp, again := get(t, srv, "GET", "")
	if !bytes.Equal(again, body) || resp.Header.Get("ETag") != etag || p.signs.Load() != 1 {
		t.Errorf("signed again without a change (%d signatures)", p.signs.Load())
	}
	for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
		if resp, body := get(t, srv, "GET", inm); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match %s: %d", inm, resp.StatusCode)
		}
	}
	if resp, _ := get(t, srv, "GET", `"0-0"`); resp.StatusCode != 200 {
		t.Errorf("another ETag: %d", resp.StatusCode)
	}
	if resp, body := get(t, srv, "HEAD", ""); resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("ETag") != etag {
		t.Errorf("HEAD: %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := get(t, srv, "POST", ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}

	// Half the validity: signed again, same version, later expiry.
	e.clock.Advance(time.Second)
	resp, body = get(t, srv, "GET", etag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag || p.signs.Load() != 2 {
		t.Fatalf("after half the validity: %d, ETag %s, %d signatures", resp.StatusCode, resp.Header.Get("ETag"), p.signs.Load())
	}
	renewed, err := e.verifier().Verify(e.ctx, body)
	if err != nil || renewed.Version != c.Version || !renewed.ExpiresAt.After(c.ExpiresAt) {
		t.Errorf("renewed: %v", err)
	}
	etag = resp.Header.Get("ETag")

	// A change: a new version at once.
	if _, err := e.reg.RevokeRight(e.ctx, "admin", mustRights(t, e)[0].ID); err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, srv, "GET", etag)
	changed, err := e.verifier().Verify(e.ctx, body)
	if resp.StatusCode != 200 || err != nil || changed.Version != c.Version+1 || len(changed.Rights) != len(c.Rights)-1 {
		t.Fatalf("after a change: %d %v", resp.StatusCode, err)
	}
	etag = resp.Header.Get("ETag")

	// The database down: the last document while it is valid, then 503.
	p.reg.down.Store(true)
	e.clock.Advance(globalconf.DefaultValidity - time.Second)
	if resp, _ := get(t, srv, "GET", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("database down, document valid: %d", resp.StatusCode)
	}
	e.clock.Advance(time.Second)
	if resp, _ := get(t, srv, "GET", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("database down, document expired: %d", resp.StatusCode)
	}
	p.reg.down.Store(false)
	if resp, _ := get(t, srv, "GET", etag); resp.StatusCode != 200 {
		t.Errorf("database back: %d", resp.StatusCode)
	}
}

func mustRights(t *testing.T, e *env) []*bus.Right {
	t.Helper()
	rs, err := e.reg.Rights(e.ctx, births)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestPublisherSignsOnceForMany checks that concurrent requests for a new
// document wait for one signature.
func TestPublisherSignsOnceForMany(t *testing.T) {
	e := newEnv(t)
	p := newPublisher(t, e)
	var wg sync.WaitGroup
	docs := make([]*globalconf.Document, 8)
	for i := range docs {
		wg.Go(func() {
			d, err := p.Document(e.ctx)
			if err != nil {
				t.Error(err)
			}
			docs[i] = d
		})
	}
	wg.Wait()
	for _, d := range docs {
		if d != docs[0] {
			t.Error("different documents")
		}
	}
	if p.signs.Load() != 1 {
		t.Errorf("%d signatures", p.signs.Load())
	}
}

func TestNewPublisherChecks(t *testing.T) {
	e := newEnv(t)
	signer := e.ca.BusConfigSigner
	for name, cfg := range map[string]globalconf.PublisherConfig{
		"no registry":      {Signer: signer, Instance: "UZ"},
		"no signer":        {Registry: e.reg, Instance: "UZ"},
		"no instance":      {Registry: e.reg, Signer: signer},
		"negative":         {Registry: e.reg, Signer: signer, Instance: "UZ", Validity: -time.Second},
		"a second":         {Registry: e.reg, Signer: signer, Instance: "UZ", Validity: time.Second},
		"a bad instance":   {Registry: e.reg, Signer: signer, Instance: "U/Z"},
		"a bad instance 2": {Registry: e.reg, Signer: signer, Instance: ".."},
	} {
		if _, err := globalconf.NewPublisher(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestPublisherRoutes serves the publisher behind the platform's whole
// HTTP stack, as the central server does.
func TestPublisherRoutes(t *testing.T) {
	e := newEnv(t)
	p := newPublisher(t, e)
	bundle, err := i18n.Load(web.Locales())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ws, err := web.New(web.Options{Logger: slog.New(slog.DiscardHandler), Bundle: bundle, Registerer: reg, Gatherer: reg,
		Secret: make([]byte, 32), RatePerIP: 1000, BurstPerIP: 1000})
	if err != nil {
		t.Fatal(err)
	}
	p.Routes(ws.Router())
	srv := httptest.NewServer(ws.Handler())
	t.Cleanup(srv.Close)

	req, _ := http.NewRequest("GET", srv.URL+globalconf.Path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != globalconf.MediaType {
		t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
	}
	if _, err := e.verifier().Verify(e.ctx, body); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, srv, "GET", resp.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	if resp, body := get(t, srv, "HEAD", ""); resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD: %d", resp.StatusCode)
	}
	p.reg.down.Store(true)
	e.clock.Advance(globalconf.DefaultValidity)
	if resp, _ := get(t, srv, "GET", ""); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("without a document: %d", resp.StatusCode)
	}
}
