package notify_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/notify"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/prometheus/client_golang/prometheus"
)

type userKey struct{}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// TestNotificationsPage drives the profile page as two people: each sees
// only their own messages and can change only their own choices.
func TestNotificationsPage(t *testing.T) {
	dbtest.Each(t, []db.Migrations{jobs.Migrations(), notify.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		bundle, err := i18n.Load(web.Locales(), notify.Locales())
		if err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		srv, err := web.New(web.Options{Logger: log, Bundle: bundle, Registerer: reg, Gatherer: reg,
			Secret: make([]byte, 32), RatePerIP: 1000, BurstPerIP: 1000, Demo: true})
		if err != nil {
			t.Fatal(err)
		}
		q := jobs.New(d, jobs.Options{Logger: log})
		svc, err := notify.New(d, clock.System{}, q, notify.LogSender{Log: log}, srv.Renderer())
		if err != nil {
			t.Fatal(err)
		}
		srv.Router().SetAuthorizer(func(r *http.Request, p web.Permission) error { return nil })
		svc.Routes(srv.Router(), "notify.self", func(ctx context.Context) (string, bool) {
			u, _ := ctx.Value(userKey{}).(string)
			return u, u != ""
		})
		svc.DemoRoutes(srv.Router())
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := context.WithValue(r.Context(), userKey{}, r.Header.Get("X-Test-User"))
			srv.Handler().ServeHTTP(w, r.WithContext(ctx))
		}))
		defer ts.Close()
		notifyTx(t, d, svc, approved("alice", "+998901000001", ""))
		notifyTx(t, d, svc, approved("bob", "+998901000002", ""))
		bobs, _ := svc.Inbox(ctx, "bob", 1)

		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		do := func(method, path, user string, form url.Values) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Accept-Language", "en")
			if form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if user != "" {
				req.Header.Set("X-Test-User", user)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}

		if status, _ := do("GET", "/account/notifications", "", nil); status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", status)
		}
		status, page := do("GET", "/account/notifications", "alice", nil)
		if status != 200 || !strings.Contains(page, "A-alice") || strings.Contains(page, "A-bob") || !strings.Contains(page, `name="sms" value="1" checked`) {
			t.Fatalf("alice's page: %d\n%s", status, page)
		}
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no CSRF token on the page")
		}
		token := m[1]
		if status, _ := do("POST", "/account/notifications/preferences", "alice", url.Values{"csrf_token": {token}, "email": {"1"}}); status != http.StatusSeeOther {
			t.Errorf("save: %d", status)
		}
		if p, _ := svc.Preferences(ctx, "alice"); p != (notify.Prefs{Email: true}) {
			t.Errorf("alice's prefs = %+v", p)
		}
		if p, _ := svc.Preferences(ctx, "bob"); p != notify.DefaultPrefs() {
			t.Errorf("bob's prefs changed to %+v", p)
		}
		if status, _ := do("POST", "/account/notifications/preferences", "alice", url.Values{"sms": {"1"}}); status != http.StatusForbidden {
			t.Errorf("save without CSRF token: %d", status)
		}
		if status, _ := do("POST", "/account/notifications/"+bobs[0].ID+"/read", "alice", url.Values{"csrf_token": {token}}); status != http.StatusNotFound {
			t.Errorf("alice marks bob's message: %d", status)
		}
		if got, _ := svc.Inbox(ctx, "bob", 1); got[0].Read {
			t.Error("bob's message marked read by alice")
		}
		if status, page := do("GET", "/demo/messages", "", nil); status != 200 || !strings.Contains(page, "A-bob") {
			t.Errorf("demo page: %d\n%s", status, page)
		}
	})
}
