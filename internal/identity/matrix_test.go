package identity_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/web"
)

// TestPermissionMatrix walks every route the running platform registers,
// as an anonymous visitor and as a holder of each role, and checks through
// the real handler stack that exactly the roles whose permissions include the
// route's declared permission get past the permission check.
func TestPermissionMatrix(t *testing.T) {
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.RatePerIP, cfg.BurstPerIP = 1e6, 1e6
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	h := a.Web.Handler()

	// A CSRF cookie and token, so state-changing routes reach the check.
	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest("GET", "/login", nil))
	token := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(first.Body.String())
	if token == nil {
		t.Fatal("no CSRF token")
	}
	cookies := first.Result().Cookies()

	held := map[web.Permission]bool{web.Public: true}
	for _, r := range identity.Roles() {
		for _, p := range r.Grants() {
			held[p] = true
		}
	}
	routes := a.Web.Router().Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	params := regexp.MustCompile(`\{[^}]*\}`)
	for _, route := range routes {
		if !held[route.Permission] {
			t.Errorf("%s needs %q, which no role holds: nobody can use it", route.Pattern, route.Permission)
		}
		method, path, _ := strings.Cut(route.Pattern, " ")
		path = params.ReplaceAllStringFunc(path, func(p string) string {
			switch {
			case p == "{$}":
				return ""
			case strings.HasSuffix(p, "...}"):
				return "css/egov.css"
			}
			return "0123456789ab"
		})
		subjects := append([]identity.Role{""}, identity.Roles()...)
		for _, role := range subjects {
			req := httptest.NewRequest(method, path, strings.NewReader(""))
			req.RemoteAddr = "127.0.0.1:40000" // inside --metrics-allow: the matrix is about roles
			req.Header.Set("Accept", "application/problem+json")
			req.Header.Set("Accept-Language", "en")
			req.Header.Set("X-CSRF-Token", token[1])
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, c := range cookies {
				req.AddCookie(c)
			}
			if role != "" {
				p := &identity.Principal{User: &identity.User{ID: "u-" + string(role)}, Session: &identity.Session{ID: strings.Repeat("f", 64)},
					Grants: []identity.Grant{{Role: role, AgencyID: "agency-1"}}}
				req = req.WithContext(identity.WithPrincipal(req.Context(), p))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			// The permission check answers with its own problem document; a
			// handler's refusals (a failed sign-in, "not this organisation's
			// director") say something else.
			body := rec.Body.String()
			denied := (rec.Code == http.StatusUnauthorized && strings.Contains(body, `"code":"unauthorized"`)) ||
				(rec.Code == http.StatusForbidden && strings.Contains(body, `"detail":"You are not allowed to do this."`))
			want := route.Permission == web.Public || (role != "" && contains(role.Grants(), route.Permission))
			if denied == want {
				t.Errorf("%s as %q: status %d, allowed=%v, want allowed=%v", route.Pattern, role, rec.Code, !denied, want)
			}
			// Every state-changing form refuses a request without the token,
			// even from someone allowed to use it.
			if want && method == http.MethodPost && !route.CSRFExempt {
				req.Header.Del("X-CSRF-Token")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), `"detail":"The form has expired`) {
					t.Errorf("%s as %q without a CSRF token: status %d", route.Pattern, role, rec.Code)
				}
			}
		}
	}
}

func contains(ps []web.Permission, p web.Permission) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}
