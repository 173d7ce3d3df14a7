package globalconf_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus/globalconf"
)

// centralServer serves a publisher's document, or what a test puts in its
// place, and remembers the statuses it answered.
type centralServer struct {
	*httptest.Server
	mu       sync.Mutex
	override http.HandlerFunc
	statuses []int
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	w.status = s
	w.ResponseWriter.WriteHeader(s)
}

func newCentral(t *testing.T, p http.Handler) *centralServer {
	t.Helper()
	cs := &centralServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		h := cs.override
		cs.mu.Unlock()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		if h != nil {
			h(sw, r)
		} else {
			p.ServeHTTP(sw, r)
		}
		cs.mu.Lock()
		cs.statuses = append(cs.statuses, sw.status)
		cs.mu.Unlock()
	}))
	t.Cleanup(cs.Close)
	return cs
}

// serve makes the server answer with h; nil gives the publisher back.
func (cs *centralServer) serve(h http.HandlerFunc) {
	cs.mu.Lock()
	cs.override = h
	cs.mu.Unlock()
}

// last is the status of the last answer.
func (cs *centralServer) last() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.statuses[len(cs.statuses)-1]
}

// document answers with der.
func document(der []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", globalconf.MediaType)
		_, _ = w.Write(der)
	}
}

func newFetcher(t *testing.T, e *env, url, file string) *globalconf.Fetcher {
	t.Helper()
	f, err := globalconf.NewFetcher(e.ctx, globalconf.FetcherConfig{URL: url + globalconf.Path, Verifier: e.verifier(), File: file,
		Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFetcher(t *testing.T) {
	e := newEnv(t)
	p := newPublisher(t, e)
	cs := newCentral(t, p)
	file := filepath.Join(t.TempDir(), "globalconf.der")
	f := newFetcher(t, e, cs.URL, file)

	if _, err := f.Current(); !errors.Is(err, globalconf.ErrNotLoaded) || !errors.Is(err, globalconf.ErrUnavailable) {
		t.Errorf("before any download: %v", err)
	}
	if err := f.Refresh(e.ctx); err != nil {
		t.Fatal(err)
	}
	c, err := f.Current()
	if err != nil {
		t.Fatal(err)
	}
	v, _ := e.reg.Version(e.ctx)
	if c.Version != v {
		t.Errorf("version %d of %d", c.Version, v)
	}
	first, _ := os.ReadFile(file)
	if len(first) == 0 {
		t.Error("the document was not kept")
	}

	// Nothing new: 304, the same configuration.
	e.clock.Advance(time.Minute)
	if err := f.Refresh(e.ctx); err != nil || cs.last() != http.StatusNotModified {
		t.Errorf("unchanged: %v, status %d", err, cs.last())
	}
	if again, _ := f.Current(); again != c {
		t.Error("the configuration was replaced by the same")
	}

	// A change reaches the gateway with the next download.
	if _, err := e.reg.RevokeRight(e.ctx, "admin", mustRights(t, e)[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.Refresh(e.ctx); err != nil {
		t.Fatal(err)
	}
	newer, _ := f.Current()
	if newer.Version != c.Version+1 {
		t.Errorf("after a change: version %d", newer.Version)
	}

	// An older version is refused, and the newer one kept.
	cs.serve(document(first))
	if err := f.Refresh(e.ctx); !errors.Is(err, globalconf.ErrVersion) {
		t.Errorf("older version: %v", err)
	}
	// So is a tampered document.
	tampered := bytes.Clone(first)
	tampered[bytes.Index(tampered, []byte(`"instance":"UZ"`))+len(`"instance":"`)] = 'V'
	cs.serve(document(tampered))
	if err := f.Refresh(e.ctx); !errors.Is(err, globalconf.ErrSignature) {
		t.Errorf("tampered: %v", err)
	}
	// And garbage, an error status, one too large.
	cs.serve(document([]byte("<html>maintenance</html>")))
	if err := f.Refresh(e.ctx); !errors.Is(err, globalconf.ErrSignature) {
		t.Errorf("garbage: %v", err)
	}
	cs.serve(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	if err := f.Refresh(e.ctx); err == nil {
		t.Error("502 accepted")
	}
	if st := f.State(); st.Version != newer.Version || st.LastError == nil {
		t.Errorf("state %+v", st)
	}
	if got, err := f.Current(); err != nil || got != newer {
		t.Errorf("after failures: %v", err)
	}

	// No new document until it expires: every answer then is the
	// protocol's OutdatedGlobalConf, with the time.
	e.clock.Advance(newer.ExpiresAt.Sub(e.clock.Now()) - time.Second)
	if _, err := f.Current(); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	e.clock.Advance(time.Second)
	_, err = f.Current()
	var exp *globalconf.ExpiredError
	if !errors.As(err, &exp) || !exp.ExpiresAt.Equal(newer.ExpiresAt) || exp.Version != newer.Version ||
		!errors.Is(err, globalconf.ErrUnavailable) || err.Error() != "the global configuration has expired since "+newer.ExpiresAt.Format(time.RFC3339) {
		t.Errorf("expired: %v", err)
	}
	// An expired document from the server does not help.
	cs.serve(document(first))
	if err := f.Refresh(e.ctx); !errors.Is(err, globalconf.ErrUnavailable) {
		t.Errorf("expired download: %v", err)
	}

	// The server back: working again.
	cs.serve(nil)
	if err := f.Refresh(e.ctx); err != nil {
		t.Fatal(err)
	}
	current, err := f.Current()
	if err != nil || current.Version != newer.Version || !current.ExpiresAt.After(e.clock.Now()) {
		t.Fatalf("server back: %v", err)
	}
	if st := f.State(); st.LastError != nil || !st.LastSuccess.Equal(e.clock.Now()) || !st.ExpiresAt.Equal(current.ExpiresAt) {
		t.Errorf("state %+v", st)
	}

	// A restarted gateway starts from the kept document, until it expires.
	restarted := newFetcher(t, e, "http://127.0.0.1:1", file)
	if got, err := restarted.Current(); err != nil || got.Version != current.Version {
		t.Errorf("restarted: %v", err)
	}
	e.clock.Advance(globalconf.DefaultValidity)
	if _, err := restarted.Current(); !errors.As(err, &exp) {
		t.Errorf("restarted, later: %v", err)
	}
	if err := restarted.Refresh(e.ctx); err == nil {
		t.Error("downloaded from nowhere")
	}
	// A damaged file is no configuration.
	if err := os.WriteFile(file, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := newFetcher(t, e, cs.URL, file).Current(); !errors.Is(err, globalconf.ErrNotLoaded) {
		t.Errorf("damaged file: %v", err)
	}
}

// TestFetcherRun checks the download loop: at once, then on every tick.
func TestFetcherRun(t *testing.T) {
	e := newEnv(t)
	cs := newCentral(t, newPublisher(t, e))
	f, err := globalconf.NewFetcher(e.ctx, globalconf.FetcherConfig{URL: cs.URL + globalconf.Path, Verifier: e.verifier(),
		Clock: e.clock, Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error)
	go func() { done <- f.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		cs.mu.Lock()
		n := len(cs.statuses)
		cs.mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d downloads", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if _, err := f.Current(); err != nil {
		t.Error(err)
	}

	for name, cfg := range map[string]globalconf.FetcherConfig{
		"no URL":      {Verifier: e.verifier()},
		"no verifier": {URL: cs.URL},
		"negative":    {URL: cs.URL, Verifier: e.verifier(), Interval: -1},
	} {
		if _, err := globalconf.NewFetcher(e.ctx, cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
