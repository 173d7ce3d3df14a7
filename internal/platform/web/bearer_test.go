package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// bearerFixture is a server whose stand-in authentication middleware
// marks requests with "Authorization: Bearer good" as token-authenticated,
// as the identity module does after checking a real token.
func bearerFixture(t *testing.T) http.Handler {
	t.Helper()
	f := newFixture(t, nil)
	f.srv.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "Bearer good" {
				web.SetBearer(r.Context())
			}
			next.ServeHTTP(w, r)
		})
	})
	r := f.srv.Router()
	r.Handle("POST /api/v1/things", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		return web.WriteJSON(w, http.StatusCreated, map[string]string{"ok": "yes"})
	})
	r.Handle("GET /api/v1/mine", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		if r.Header.Get("Authorization") == "Bearer refused" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		return apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
	})
	return f.srv.Handler()
}

// TestBearerRequestsNeedNoCSRFToken checks that only a request the
// authenticating middleware marked skips the CSRF check.
func TestBearerRequestsNeedNoCSRFToken(t *testing.T) {
	h := bearerFixture(t)
	for _, c := range []struct {
		name, auth string
		want       int
	}{
		{"bearer", "Bearer good", http.StatusCreated},
		{"no bearer", "", http.StatusForbidden},
		{"unmarked bearer", "Bearer other", http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := post("/api/v1/things", url.Values{}, nil, "Authorization", c.auth)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Errorf("status %d, want %d: %s", rec.Code, c.want, rec.Body)
			}
		})
	}
}

// TestAPIChallengesBearer checks the RFC 6750 challenge on the API's 401s:
// the default one, and one the authentication already set.
func TestAPIChallengesBearer(t *testing.T) {
	h := bearerFixture(t)
	for auth, want := range map[string]string{"": `Bearer realm="egov"`, "Bearer refused": `Bearer error="invalid_token"`} {
		req := get("/api/v1/mine", "Authorization", auth)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != want ||
			rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%q: %d %q %q", auth, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Header().Get("Content-Type"))
		}
	}
}

// TestOpenAPISecuritySchemes checks that modules' security schemes reach
// the document and cannot be described twice.
func TestOpenAPISecuritySchemes(t *testing.T) {
	f := newFixture(t, nil)
	fragment := []byte(`{"components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}}`)
	if err := f.srv.API().Describe(fragment); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.API().Describe(fragment); err == nil || !strings.Contains(err.Error(), "bearerAuth") {
		t.Errorf("second description: %v", err)
	}
	rec := f.do(get("/api/v1/openapi.json"))
	body, _ := io.ReadAll(rec.Body)
	var doc struct {
		Components struct {
			SecuritySchemes map[string]struct{ Type, Scheme string }
			Schemas         map[string]any
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s.Type != "http" || s.Scheme != "bearer" || doc.Components.Schemas["Problem"] == nil {
		t.Errorf("document: %s", body)
	}
}
