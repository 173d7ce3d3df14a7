package oidcprovider_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/oidcprovider"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// node is a running egov node on a loopback port, built by app.Open exactly
// as `egov serve` builds it, with the demo accounts loaded.
type node struct {
	base     string
	mod      *oidcprovider.Module
	accounts *identity.Service
	audit    *audit.Log
	db       *db.DB
}

func startNode(t testing.TB, engine db.Engine) *node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.PublicURL = base // the issuer
	cfg.RatePerIP, cfg.BurstPerIP = 1e6, 1e6
	if engine == db.Postgres {
		cfg.DatabaseURL = dbtest.PostgresURL(t)
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	return &node{base: base, mod: a.OIDC, accounts: a.Accounts, audit: a.Audit, db: a.DB}
}

// browser is a person's browser: its own cookies, redirects followed by
// hand so the test sees each step.
type browser struct {
	t     testing.TB
	base  string
	phone string
	c     *http.Client
	// consents counts the consent pages shown.
	consents int
}

func newBrowser(t testing.TB, n *node, phone string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: n.base, phone: phone, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(method, u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	if strings.HasPrefix(u, "/") {
		u = b.base + u
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

var (
	csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	idField   = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

func field(t testing.TB, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, page)
	}
	return m[1]
}

// follow walks from an authorization URL to the client's redirect URI as a
// person would: signs in on the login form if asked, answers the consent
// page with decision, and returns where the browser is finally sent.
func (b *browser) follow(next, decision string) *url.URL {
	b.t.Helper()
	for range 12 {
		resp, body := b.do("GET", next, nil)
		switch {
		case resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther:
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				b.t.Fatal(err)
			}
			if !strings.HasPrefix(loc.String(), b.base) {
				return loc
			}
			if loc.Path == "/login" {
				_, page := b.do("GET", loc.String(), nil)
				r, _ := b.do("POST", "/login", url.Values{"csrf_token": {field(b.t, csrfField, page)}, "identifier": {b.phone},
					"password": {identity.DemoPassword}, "next": {loc.Query().Get("next")}})
				if r.StatusCode != http.StatusSeeOther {
					b.t.Fatalf("sign in: %d", r.StatusCode)
				}
				loc, _ = loc.Parse(r.Header.Get("Location"))
			}
			next = loc.String()
		case resp.StatusCode == http.StatusOK && strings.Contains(body, `action="/oidc/authorize/consent"`):
			b.consents++
			r, _ := b.do("POST", "/oidc/authorize/consent", url.Values{"csrf_token": {field(b.t, csrfField, body)},
				"id": {field(b.t, idField, body)}, "decision": {decision}})
			loc, _ := resp.Request.URL.Parse(r.Header.Get("Location"))
			if !strings.HasPrefix(loc.String(), b.base) {
				return loc
			}
			next = loc.String()
		default:
			b.t.Fatalf("GET %s: %d\n%s", next, resp.StatusCode, body)
		}
	}
	b.t.Fatal("too many redirects")
	return nil
}

// rp is a relying party built only from go-oidc and x/oauth2.
type rp struct {
	provider *oidc.Provider
	cfg      oauth2.Config
	verifier *oidc.IDTokenVerifier
}

const (
	webRedirect    = "https://soliq.example/oidc/callback"
	webLogout      = "https://soliq.example/bye"
	mobileRedirect = "http://127.0.0.1/mobile/callback"
)

func newRP(t testing.TB, ctx context.Context, issuer, id, secret, redirect string, scopes ...string) *rp {
	t.Helper()
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatal(err)
	}
	return &rp{provider: p, cfg: oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: p.Endpoint(), RedirectURL: redirect,
		Scopes: scopes}, verifier: p.Verifier(&oidc.Config{ClientID: id})}
}

// login runs a full authorization: returns the code, after checking state.
func (r *rp) login(t testing.TB, b *browser, verifier, nonce string, extra ...oauth2.AuthCodeOption) string {
	t.Helper()
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(nonce)}, extra...)
	if verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	back := b.follow(r.cfg.AuthCodeURL("state-"+nonce, opts...), "allow")
	if got := back.Scheme + "://" + back.Host + back.Path; got != r.cfg.RedirectURL {
		t.Fatalf("sent to %s, want %s", back, r.cfg.RedirectURL)
	}
	q := back.Query()
	if q.Get("state") != "state-"+nonce || q.Get("code") == "" {
		t.Fatalf("callback: %s", back)
	}
	return q.Get("code")
}

// claims is what the test reads from userinfo.
type claims struct {
	Sub           string `json:"sub"`
	PINFL         string `json:"pinfl"`
	Name          string `json:"name"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
	Birthdate     string `json:"birthdate"`
	Locale        string `json:"locale"`
	Phone         string `json:"phone_number"`
	Organisations []struct {
		STIR, Name, Basis string
	} `json:"organisations"`
	Roles []struct{ Role, Agency string } `json:"roles"`
}

func registerClients(t testing.TB, ctx context.Context, n *node) (site, mobile *oidcprovider.Client, siteSecret string) {
	t.Helper()
	site, siteSecret, err := n.mod.Service().CreateClient(ctx, "admin", oidcprovider.ClientInput{Name: "Soliq kabineti", Type: oidcprovider.Confidential,
		RedirectURIs: []string{webRedirect}, PostLogoutRedirectURIs: []string{webLogout},
		GrantTypes: oidcprovider.AllGrantTypes(), Scopes: oidcprovider.AllScopes()})
	if err != nil {
		t.Fatal(err)
	}
	mobile, _, err = n.mod.Service().CreateClient(ctx, "admin", oidcprovider.ClientInput{Name: "my.gov.uz mobil", Type: oidcprovider.Public,
		RedirectURIs: []string{mobileRedirect}, GrantTypes: []string{oidcprovider.GrantAuthorizationCode, oidcprovider.GrantRefreshToken},
		Scopes: []string{"openid", "profile", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	return site, mobile, siteSecret
}

func TestEndToEndWithIndependentRelyingParty(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) { endToEnd(t, engine) })
	}
}

func endToEnd(t *testing.T, engine db.Engine) {
	ctx := context.Background()
	n := startNode(t, engine)
	webc, mobile, secret := registerClients(t, ctx, n)
	all := []string{oidc.ScopeOpenID, "profile", "phone", "email", "organisations", "roles", oidc.ScopeOfflineAccess}
	site := newRP(t, ctx, n.base, webc.ID, secret, webRedirect, all...)
	bobur := newBrowser(t, n, "+998901000004") // director of a business

	t.Run("discovery", func(t *testing.T) {
		var meta struct {
			Issuer, AuthorizationEndpoint, TokenEndpoint, JwksURI string
			EndSession                                            string   `json:"end_session_endpoint"`
			Grants                                                []string `json:"grant_types_supported"`
			PKCE                                                  []string `json:"code_challenge_methods_supported"`
			Scopes                                                []string `json:"scopes_supported"`
		}
		if err := site.provider.Claims(&meta); err != nil {
			t.Fatal(err)
		}
		if meta.EndSession != n.base+"/oidc/end_session" || strings.Join(meta.PKCE, ",") != "S256" ||
			strings.Join(meta.Grants, ",") != "authorization_code,refresh_token,client_credentials" || len(meta.Scopes) != 7 {
			t.Errorf("discovery: %+v", meta)
		}
		if site.provider.Endpoint().TokenURL != n.base+"/oidc/token" {
			t.Errorf("token endpoint %s", site.provider.Endpoint().TokenURL)
		}
	})

	var firstRefresh, firstIDToken string
	t.Run("code flow with PKCE, ID token, userinfo", func(t *testing.T) {
		verifier := oauth2.GenerateVerifier()
		code := site.login(t, bobur, verifier, "n-first")
		if bobur.consents != 1 {
			t.Errorf("consent pages: %d", bobur.consents)
		}
		tok, err := site.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := site.verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		if idt.Nonce != "n-first" || idt.Issuer != n.base || idt.Audience[0] != webc.ID {
			t.Errorf("ID token: nonce %q issuer %q audience %v", idt.Nonce, idt.Issuer, idt.Audience)
		}
		var inToken map[string]any
		_ = idt.Claims(&inToken)
		if _, leaked := inToken["pinfl"]; leaked || inToken["sid"] == nil {
			t.Errorf("ID token claims: %v", inToken)
		}
		ui, err := site.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		var c claims
		if err := ui.Claims(&c); err != nil {
			t.Fatal(err)
		}
		u, _ := n.accounts.FindUserByID(ctx, idt.Subject)
		if c.Sub != idt.Subject || u == nil || c.PINFL != u.PINFL || c.Name != "Bobur Toshmatov" || c.GivenName != "Bobur" ||
			c.FamilyName != "Toshmatov" || c.Birthdate != "1978-08-21" || c.Phone != "+998901000004" || c.Locale != "uz-Latn" {
			t.Errorf("userinfo: %+v", c)
		}
		if len(c.Organisations) != 1 || c.Organisations[0].STIR != "305123456" || c.Organisations[0].Basis != "director" {
			t.Errorf("organisations: %+v", c.Organisations)
		}
		if len(c.Roles) != 2 {
			t.Errorf("roles: %+v", c.Roles)
		}
		firstRefresh, firstIDToken = tok.RefreshToken, raw
		if firstRefresh == "" {
			t.Error("no refresh token with offline_access")
		}
	})

	t.Run("consent is remembered", func(t *testing.T) {
		site.login(t, bobur, oauth2.GenerateVerifier(), "n-again")
		if bobur.consents != 1 {
			t.Errorf("asked for consent again: %d pages", bobur.consents)
		}
	})

	t.Run("code replay fails and revokes the first tokens", func(t *testing.T) {
		verifier := oauth2.GenerateVerifier()
		code := site.login(t, bobur, verifier, "n-replay")
		tok, err := site.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := site.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
			t.Fatal(err)
		}
		_, err = site.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
			t.Fatalf("second exchange: %v", err)
		}
		if _, err := site.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Error("access token works after the code was replayed")
		}
		if _, err := site.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Error("refresh token works after the code was replayed")
		}
	})

	t.Run("PKCE is required and cannot be downgraded", func(t *testing.T) {
		app := newRP(t, ctx, n.base, mobile.ID, "", mobileRedirect, "openid", "profile")
		for name, u := range map[string]string{
			"no challenge":    app.cfg.AuthCodeURL("s1"),
			"plain challenge": app.cfg.AuthCodeURL("s2", oauth2.SetAuthURLParam("code_challenge", oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("code_challenge_method", "plain")),
		} {
			back := bobur.follow(u, "allow")
			if back.Query().Get("error") != "invalid_request" || back.Query().Get("code") != "" {
				t.Errorf("%s: sent back %s", name, back)
			}
		}
		verifier := oauth2.GenerateVerifier()
		code := app.login(t, bobur, verifier, "n-mobile")
		if _, err := app.cfg.Exchange(ctx, code); err == nil {
			t.Error("exchange without the verifier succeeded")
		}
		code = app.login(t, bobur, verifier, "n-mobile2")
		if _, err := app.cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Error("exchange with a wrong verifier succeeded")
		}
		code = app.login(t, bobur, verifier, "n-mobile3")
		tok, err := app.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.verifier.Verify(ctx, tok.Extra("id_token").(string)); err != nil {
			t.Error(err)
		}
		// A confidential client that sent a challenge must send the verifier.
		code = site.login(t, bobur, verifier, "n-conf")
		if _, err := site.cfg.Exchange(ctx, code); err == nil {
			t.Error("confidential client skipped the verifier of its challenge")
		}
	})

	t.Run("unregistered redirect URI gets an error page, not a redirect", func(t *testing.T) {
		for name, q := range map[string]url.Values{
			"wrong redirect": {"client_id": {webc.ID}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"code"}, "scope": {"openid"}},
			"near miss":      {"client_id": {webc.ID}, "redirect_uri": {webRedirect + "/"}, "response_type": {"code"}, "scope": {"openid"}},
			"unknown client": {"client_id": {"nobody"}, "redirect_uri": {webRedirect}, "response_type": {"code"}, "scope": {"openid"}},
		} {
			resp, body := bobur.do("GET", "/oidc/authorize?"+q.Encode(), nil)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
				!strings.Contains(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(body, `href="https://evil`) ||
				!strings.Contains(body, "not registered") {
				t.Errorf("%s: %d Location=%q", name, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})

	t.Run("client credentials for agency systems", func(t *testing.T) {
		cc := clientcredentials.Config{ClientID: webc.ID, ClientSecret: secret, TokenURL: n.base + "/oidc/token"}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken == "" || tok.RefreshToken != "" || time.Until(tok.Expiry) > oidcprovider.AccessTokenTTL+time.Minute {
			t.Errorf("token: %+v", tok)
		}
		// A resource server asks whether the token is good.
		intro := introspect(t, n, webc.ID, secret, tok.AccessToken)
		if intro["active"] != true || intro["client_id"] != webc.ID || intro["sub"] != webc.ID {
			t.Errorf("introspection: %v", intro)
		}
		// It does not open userinfo: there is no person behind it.
		if _, err := site.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Error("client token opened userinfo")
		}
		for name, c := range map[string]clientcredentials.Config{
			"wrong secret":  {ClientID: webc.ID, ClientSecret: secret + "x", TokenURL: cc.TokenURL},
			"public client": {ClientID: mobile.ID, TokenURL: cc.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		} {
			if _, err := c.Token(ctx); err == nil {
				t.Errorf("%s got a token", name)
			}
		}
		if intro := introspect(t, n, webc.ID, secret, "garbage"); intro["active"] != false {
			t.Errorf("garbage introspected as %v", intro)
		}
	})

	t.Run("refresh tokens rotate and reuse revokes the family", func(t *testing.T) {
		old := &oauth2.Token{RefreshToken: firstRefresh, Expiry: time.Now().Add(-time.Minute)}
		next, err := site.cfg.TokenSource(ctx, old).Token()
		if err != nil {
			t.Fatal(err)
		}
		if next.RefreshToken == "" || next.RefreshToken == firstRefresh || next.AccessToken == "" {
			t.Fatalf("rotation: %+v", next)
		}
		if _, err := site.provider.UserInfo(ctx, oauth2.StaticTokenSource(next)); err != nil {
			t.Fatalf("rotated access token: %v", err)
		}
		if _, err := site.cfg.TokenSource(ctx, old).Token(); err == nil {
			t.Fatal("rotated-away refresh token accepted")
		}
		if _, err := site.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: next.RefreshToken}).Token(); err == nil {
			t.Error("successor still works after reuse was detected")
		}
		if _, err := site.provider.UserInfo(ctx, oauth2.StaticTokenSource(next)); err == nil {
			t.Error("family's access token still works")
		}
	})

	t.Run("deny sends access_denied", func(t *testing.T) {
		app := newRP(t, ctx, n.base, mobile.ID, "", mobileRedirect, "openid", "profile", "offline_access")
		back := bobur.follow(app.cfg.AuthCodeURL("st-deny", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "deny")
		if back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "st-deny" || back.Query().Get("code") != "" {
			t.Errorf("deny: %s", back)
		}
	})

	t.Run("prompt=none without a session", func(t *testing.T) {
		anon := newBrowser(t, n, "")
		back := anon.follow(site.cfg.AuthCodeURL("st-none", oauth2.SetAuthURLParam("prompt", "none")), "allow")
		if back.Query().Get("error") != "login_required" {
			t.Errorf("prompt=none: %s", back)
		}
	})

	t.Run("RP-initiated logout ends the egov session", func(t *testing.T) {
		malika := newBrowser(t, n, "+998901000002")
		verifier := oauth2.GenerateVerifier()
		code := site.login(t, malika, verifier, "n-logout")
		tok, err := site.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := malika.do("GET", "/profile", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("profile before logout: %d", resp.StatusCode)
		}
		// The RP posts the logout from its own page: no cookies, no CSRF
		// token; the ID token's sid names the session.
		form := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {webLogout}, "state": {"bye"}}
		rpServer := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := rpServer.Post(n.base+"/oidc/end_session", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != webLogout+"?state=bye" {
			t.Fatalf("end session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := malika.do("GET", "/profile", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("egov session survived logout: %d", resp.StatusCode)
		}
		if _, err := site.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Error("access token survived logout")
		}
		// A post-logout URI that is not registered is refused.
		resp2, _ := bobur.do("GET", "/oidc/end_session?"+url.Values{"id_token_hint": {firstIDToken}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode(), nil)
		if resp2.StatusCode == http.StatusFound {
			t.Errorf("logout redirected to an unregistered URI: %s", resp2.Header.Get("Location"))
		}
	})

	t.Run("audit trail", func(t *testing.T) {
		entries, _, err := n.audit.List(ctx, audit.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		grants := map[string]int{}
		for _, e := range entries {
			seen[e.Action]++
			if e.Action == "oidc.token.granted" {
				grants[e.Details["grant"].(string)]++
			}
		}
		for _, a := range []string{"oidc.client.created", "oidc.consent.given", "oidc.consent.denied", "oidc.code.replayed",
			"oidc.refresh.reused", "oidc.logout", "oidc.keys.created"} {
			if seen[a] == 0 {
				t.Errorf("no %s entry", a)
			}
		}
		for _, g := range []string{"authorization_code", "refresh_token", "client_credentials"} {
			if grants[g] == 0 {
				t.Errorf("no token.granted entry for %s", g)
			}
		}
		if rep, err := n.audit.Verify(ctx); err != nil || !rep.OK {
			t.Errorf("audit chain: %v %v", rep, err)
		}
	})
}

func introspect(t *testing.T, n *node, id, secret, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", n.base+"/oidc/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("introspection %d: %v", resp.StatusCode, err)
	}
	return out
}
