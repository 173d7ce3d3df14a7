package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/oidcprovider"
	"golang.org/x/oauth2"
)

// mobileRedirect is where the provider sends the mobile app's browser tab
// back with the code.
const mobileRedirect = "http://127.0.0.1/mobile/callback"

// mobileApp is the mobile app as an OAuth2 public client of egov's own
// provider, built only from x/oauth2.
func mobileApp(t *testing.T, n *node) oauth2.Config {
	t.Helper()
	c, _, err := n.app.OIDC.Service().CreateClient(context.Background(), "admin", oidcprovider.ClientInput{Name: "my.gov.uz mobil",
		Type: oidcprovider.Public, RedirectURIs: []string{mobileRedirect},
		GrantTypes: []string{oidcprovider.GrantAuthorizationCode, oidcprovider.GrantRefreshToken},
		Scopes:     []string{oidcprovider.ScopeOpenID, oidcprovider.ScopeProfile, oidcprovider.ScopeOfflineAccess}})
	if err != nil {
		t.Fatal(err)
	}
	return oauth2.Config{ClientID: c.ID, RedirectURL: mobileRedirect,
		Scopes: []string{oidcprovider.ScopeOpenID, oidcprovider.ScopeProfile, oidcprovider.ScopeOfflineAccess},
		Endpoint: oauth2.Endpoint{AuthURL: n.base + oidcprovider.PathAuthorize, TokenURL: n.base + oidcprovider.PathToken,
			AuthStyle: oauth2.AuthStyleInParams}}
}

// authorize runs the authorization code flow with PKCE in the signed-in
// visitor's browser, consenting when asked, and exchanges the code.
func authorize(t *testing.T, v *visitor, cfg oauth2.Config) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	next := cfg.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier))
	for range 10 {
		resp, body := fetch(t, v.c, "GET", next, nil, "Accept-Language", "en")
		if resp.StatusCode == http.StatusOK {
			// The consent page.
			form := url.Values{"id": {pageField(t, consentID, body)}, "decision": {"allow"},
				"csrf_token": {pageField(t, csrfField, body)}}
			resp, _ = fetch(t, v.c, "POST", v.base+oidcprovider.PathConsent, form, "Accept-Language", "en")
		}
		if resp.StatusCode < 300 || resp.StatusCode > 303 {
			t.Fatalf("GET %s: %d", next, resp.StatusCode)
		}
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(loc.String(), mobileRedirect) {
			if loc.Query().Get("state") != "state-1" || loc.Query().Get("code") == "" {
				t.Fatalf("back at the app with %s", loc)
			}
			tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		next = loc.String()
	}
	t.Fatal("too many redirects")
	return nil
}

var consentID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// pageField is the first group re finds in page.
func pageField(t *testing.T, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, page)
	}
	return m[1]
}

// bearerCall sends an API request with an access token and no cookie.
func bearerCall(t *testing.T, method, u, token, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAPIWithBearerToken is the mobile app's way in: a token from egov's
// own provider opens the applications API as the person who signed in,
// with no cookie and no CSRF token; a forged, revoked or expired token is
// refused with a problem and a Bearer challenge; pages ignore tokens.
func TestAPIWithBearerToken(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		ctx := context.Background()
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		cfg := mobileApp(t, n)
		aziz := newVisitor(t, n.base)
		if resp := aziz.login("+998901000001", identity.DemoPassword, "/profile"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %d", resp.StatusCode)
		}
		tok := authorize(t, aziz, cfg)
		apps := n.base + "/api/v1/applications"

		var list struct{ Applications []struct{ ID string } }
		resp, body := bearerCall(t, "GET", apps, tok.AccessToken, "")
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Applications) != 0 {
			t.Fatalf("list with a token: %d %s", resp.StatusCode, body)
		}

		// A submission needs no CSRF token and is Aziz's.
		in := demoSubmission(t, n.app, "")
		answers, _ := json.Marshal(in.Answers)
		submission := fmt.Sprintf(`{"service": "birth-certificate-duplicate", "form_version": %d, "idempotency_key": "mobile-1", "answers": %s}`,
			in.FormVersion, answers)
		resp, body = bearerCall(t, "POST", apps, tok.AccessToken, submission)
		var made struct{ ID string }
		if resp.StatusCode != 201 || json.Unmarshal([]byte(body), &made) != nil || made.ID == "" {
			t.Fatalf("submit with a token: %d %s", resp.StatusCode, body)
		}
		if resp := aziz.sendJSON("/profile", "GET", "/api/v1/applications/"+made.ID, "", nil); resp.StatusCode != 200 {
			t.Errorf("Aziz's session does not see the application: %d", resp.StatusCode)
		}

		refused := func(what, token string) {
			t.Helper()
			resp, body := bearerCall(t, "GET", apps, token, "")
			var p struct {
				Status int
				Code   string
			}
			if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) ||
				resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal([]byte(body), &p) != nil || p.Status != 401 {
				t.Errorf("%s: %d %q %s", what, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			}
		}
		forged := []byte(tok.AccessToken)
		forged[len(forged)/2] ^= 1
		refused("forged token", string(forged))
		refused("unknown token", "bm90LWEtdG9rZW4")

		// A page is not signed in by a token: the browser is sent to sign in.
		if resp, _ := bearerCall(t, "GET", n.base+"/profile", tok.AccessToken, ""); resp.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("page with a token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}

		// Revoked by the app (RFC 7009), the token stops at once.
		resp, _ = fetch(t, http.DefaultClient, "POST", n.base+oidcprovider.PathRevoke,
			url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}, "client_id": {cfg.ClientID}})
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		refused("revoked token", tok.AccessToken)

		// A refreshed token works until it expires.
		fresh, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			t.Fatal(err)
		}
		if resp, body := bearerCall(t, "GET", apps, fresh.AccessToken, ""); resp.StatusCode != 200 {
			t.Fatalf("refreshed token: %d %s", resp.StatusCode, body)
		}
		past := time.Now().Add(-time.Second).UTC()
		if _, err := n.app.DB.Writer().ExecContext(ctx, `UPDATE oidc_access_tokens SET expires_at = $1`, past); err != nil {
			t.Fatal(err)
		}
		refused("expired token", fresh.AccessToken)
	})
}

// TestOpenAPIDescribesBearerAuth checks that the API document tells
// clients how to authenticate, and that the applications API takes tokens.
func TestOpenAPIDescribesBearerAuth(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	_, body := fetch(t, http.DefaultClient, "GET", n.base+"/api/v1/openapi.json", nil)
	var doc struct {
		Paths      map[string]map[string]struct{ Security []map[string][]string }
		Components struct {
			SecuritySchemes map[string]struct{ Type, Scheme, In, Name string }
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("bearerAuth: %+v", s)
	}
	if s := doc.Components.SecuritySchemes["cookieAuth"]; s.Type != "apiKey" || s.In != "cookie" || s.Name != "egov_session" {
		t.Errorf("cookieAuth: %+v", s)
	}
	for _, op := range []struct{ path, method string }{{"/api/v1/applications", "get"}, {"/api/v1/applications", "post"},
		{"/api/v1/applications/{id}", "get"}} {
		sec := doc.Paths[op.path][op.method].Security
		if len(sec) != 2 || sec[0]["bearerAuth"] == nil || sec[1]["cookieAuth"] == nil {
			t.Errorf("%s %s: security %v", op.method, op.path, sec)
		}
	}
}
