package identity_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/prometheus/client_golang/prometheus"
)

// tokenTable stands in for the OpenID Connect provider: the tokens it
// knows, and "broken" for a provider that cannot answer.
type tokenTable map[string]*identity.BearerToken

func (tt tokenTable) BearerToken(_ context.Context, token string) (*identity.BearerToken, error) {
	if token == "broken" {
		return nil, errors.New("database down")
	}
	if t, ok := tt[token]; ok {
		return t, nil
	}
	return nil, apperr.New(apperr.ENOTFOUND, "oidc.error.token")
}

// TestBearerAuthentication runs API requests with bearer tokens through the
// real middleware and router: a live token of a person signs the request
// in as them without a CSRF token; any other token is refused and never
// falls back to the session cookie; pages ignore bearer tokens.
func TestBearerAuthentication(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newService(t, d)
		ctx := context.Background()
		if err := f.svc.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		aziz, err := f.svc.Authenticate(ctx, "+998901000001", identity.DemoPassword)
		if err != nil {
			t.Fatal(err)
		}
		malika, err := f.svc.Authenticate(ctx, "+998901000002", identity.DemoPassword)
		if err != nil {
			t.Fatal(err)
		}
		session, _, err := f.svc.StartSession(ctx, malika, "192.0.2.1", "test", identity.SignInPassword)
		if err != nil {
			t.Fatal(err)
		}
		h := bearerServer(t, f.svc, tokenTable{
			"good":     {UserID: aziz.ID, ClientID: "mobile", Scopes: []string{"openid", "profile"}},
			"no-scope": {UserID: aziz.ID, ClientID: "mobile", Scopes: []string{"profile"}},
			"client":   {ClientID: "mobile", Scopes: []string{"openid"}},
			"gone":     {UserID: "no-such-user", ClientID: "mobile", Scopes: []string{"openid"}},
		})

		for _, c := range []struct {
			name, method, path, auth string
			cookie                   bool
			status                   int
			who, challenge           string
		}{
			{"token", "GET", "/api/v1/me", "Bearer good", false, 200, "token " + aziz.ID, ""},
			{"scheme in lower case", "GET", "/api/v1/me", "bearer good", false, 200, "token " + aziz.ID, ""},
			{"post without CSRF token", "POST", "/api/v1/me", "Bearer good", false, 200, "token " + aziz.ID, ""},
			{"token wins over cookie", "POST", "/api/v1/me", "Bearer good", true, 200, "token " + aziz.ID, ""},
			{"session", "GET", "/api/v1/me", "", true, 200, "session " + malika.ID, ""},
			{"session post without CSRF token", "POST", "/api/v1/me", "", true, 403, "", ""},
			{"other scheme keeps the cookie", "GET", "/api/v1/me", "Basic bWFsaWthOng=", true, 200, "session " + malika.ID, ""},
			{"unknown token", "GET", "/api/v1/me", "Bearer forged", true, 401, "", `error="invalid_token"`},
			{"empty token", "GET", "/api/v1/me", "Bearer ", true, 401, "", `error="invalid_token"`},
			{"client's own token", "GET", "/api/v1/me", "Bearer client", false, 401, "", `error="invalid_token"`},
			{"account gone", "GET", "/api/v1/me", "Bearer gone", false, 401, "", `error="invalid_token"`},
			{"no openid scope", "GET", "/api/v1/me", "Bearer no-scope", false, 403, "", `error="insufficient_scope"`},
			{"unknown token on a public API", "GET", "/api/v1/open", "Bearer forged", false, 401, "", `error="invalid_token"`},
			{"provider fails", "GET", "/api/v1/me", "Bearer broken", false, 500, "", ""},
			{"nobody", "GET", "/api/v1/me", "", false, 401, "", `Bearer realm="egov"`},
			{"page ignores the token", "GET", "/me", "Bearer good", false, 401, "", `Cookie realm="egov"`},
			{"page keeps the cookie", "GET", "/me", "Bearer forged", true, 200, "session " + malika.ID, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				req := httptest.NewRequest(c.method, c.path, strings.NewReader(`{}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept-Language", "en")
				if c.auth != "" {
					req.Header.Set("Authorization", c.auth)
				}
				if c.cookie {
					req.AddCookie(&http.Cookie{Name: "egov_session", Value: session})
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != c.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
				}
				if c.who != "" && strings.TrimSpace(rec.Body.String()) != c.who {
					t.Errorf("ran as %q, want %q", rec.Body, c.who)
				}
				if got := rec.Header().Get("WWW-Authenticate"); !strings.Contains(got, c.challenge) || (c.challenge == "") != (got == "") {
					t.Errorf("WWW-Authenticate %q, want %q", got, c.challenge)
				}
				if rec.Code == 401 && strings.HasPrefix(c.path, "/api/") {
					var p web.Problem
					if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 401 || p.Code != apperr.EUNAUTHORIZED || p.Detail == "" {
						t.Errorf("problem %+v (%v): %s", p, err, rec.Body)
					}
				}
			})
		}
	})
}

// bearerServer is the HTTP layer with the identity module installed and
// test routes that tell who the request runs as.
func bearerServer(t *testing.T, svc *identity.Service, tokens identity.BearerTokens) http.Handler {
	t.Helper()
	bundle, err := i18n.Load(web.Locales(), identity.Locales())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{Logger: log, Bundle: bundle, Registerer: reg, Gatherer: reg,
		Secret: []byte(strings.Repeat("k", 32)), MaxBodyBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	m, err := identity.New(svc, srv.Renderer(), log, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Install(srv); err != nil {
		t.Fatal(err)
	}
	m.UseBearerTokens(tokens)
	whoami := func(w http.ResponseWriter, r *http.Request) error {
		p := identity.FromContext(r.Context())
		how := "session"
		if p.Token != nil {
			how = "token"
			if p.Session != nil {
				t.Error("a token principal with a session")
			}
		}
		_, err := io.WriteString(w, how+" "+p.User.ID)
		return err
	}
	r := srv.Router()
	r.Handle("GET /api/v1/me", identity.PermSelf, whoami)
	r.Handle("POST /api/v1/me", identity.PermSelf, whoami)
	r.Handle("GET /api/v1/open", web.Public, whoami)
	r.Handle("GET /me", identity.PermSelf, whoami)
	return srv.Handler()
}
