package uploads_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/uploads"
	"github.com/prometheus/client_golang/prometheus"
)

type userKey struct{}

// serve starts the download route on a loopback port; the X-Test-User
// header says who is signed in.
func serve(t *testing.T, svc *uploads.Service) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bundle, err := i18n.Load(web.Locales(), uploads.Locales())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{Logger: log, Bundle: bundle, Registerer: reg, Gatherer: reg,
		Secret: make([]byte, 32), RatePerIP: 1000, BurstPerIP: 1000})
	if err != nil {
		t.Fatal(err)
	}
	srv.Router().SetAuthorizer(func(*http.Request, web.Permission) error { return nil })
	svc.Routes(srv.Router(), "uploads.self", func(ctx context.Context) (string, bool) {
		u, _ := ctx.Value(userKey{}).(string)
		return u, u != ""
	})
	handler := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), userKey{}, r.Header.Get("X-Test-User"))
		handler.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestDownload(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		fx := newFixture(t, d, uploads.Config{})
		url := serve(t, fx.svc)
		body := samplePDF("")
		f := fx.store(t, "alice", "Oʻgʻil qarori.pdf", "application/pdf", body)
		get := func(user, id string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, url+"/uploads/"+id, nil)
			req.Header.Set("Accept", "application/json")
			if user != "" {
				req.Header.Set("X-Test-User", user)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, b
		}

		resp, got := get("alice", f.ID)
		if resp.StatusCode != http.StatusOK || string(got) != string(body) {
			t.Fatalf("owner's download: %d, %d bytes", resp.StatusCode, len(got))
		}
		for h, want := range map[string]string{
			"Content-Type":            uploads.PDF,
			"Content-Disposition":     uploads.ContentDisposition(f.Name),
			"X-Content-Type-Options":  "nosniff",
			"Cache-Control":           "private, no-store",
			"Content-Security-Policy": "default-src 'none'; sandbox",
		} {
			if v := resp.Header.Get(h); v != want {
				t.Errorf("%s: %q, want %q", h, v, want)
			}
		}

		other, _ := get("bob", f.ID)
		missing, _ := get("bob", "NOSUCHFILE")
		if other.StatusCode != http.StatusNotFound || missing.StatusCode != http.StatusNotFound {
			t.Errorf("someone else's file: %d, a missing one: %d; want 404 for both", other.StatusCode, missing.StatusCode)
		}
		if anon, _ := get("", f.ID); anon.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous download: %d, want 401", anon.StatusCode)
		}
	})
}
