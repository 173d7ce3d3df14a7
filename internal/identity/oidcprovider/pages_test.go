package oidcprovider_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/oidcprovider"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
	"golang.org/x/oauth2"
)

// TestEveryMessageIsTranslated checks the keys templates name literally and
// those they build: claim, scope, grant and type names and error messages.
func TestEveryMessageIsTranslated(t *testing.T) {
	b, err := i18n.Load(web.Locales(), identity.Locales(), oidcprovider.Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, b, oidcprovider.Templates())
	keys := []string{"oidc.form.invalid", "oidc.form.required", "oidc.form.name_too_long", "oidc.form.type", "oidc.form.type_fixed",
		"oidc.form.redirect_uri", "oidc.form.redirect_required", "oidc.form.grant_types", "oidc.form.grant_public", "oidc.form.scopes",
		"oidc.client.not_found", "oidc.error.unknown_client", "oidc.error.redirect_uri", "oidc.error.request_expired",
		"oidc.error.other_user", "oidc.error.request_completed", "oidc.error.client_auth", "oidc.error.token", "oidc.consents.not_found"}
	for _, s := range oidcprovider.AllScopes() {
		keys = append(keys, "oidc.scope."+s)
		for _, c := range oidcprovider.ScopeClaims(s) {
			keys = append(keys, "oidc.claim."+c)
		}
	}
	for _, g := range oidcprovider.AllGrantTypes() {
		keys = append(keys, "oidc.grant."+g)
	}
	for _, ty := range []oidcprovider.ClientType{oidcprovider.Confidential, oidcprovider.Public} {
		keys = append(keys, "oidc.type."+string(ty), "oidc.type."+string(ty)+".hint")
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}
}

var clientIDOnPage = regexp.MustCompile(`<code id="client-id">([^<]+)</code>`)
var secretOnPage = regexp.MustCompile(`<code id="client-secret">([^<]+)</code>`)

// post submits a form from the page at from, with its CSRF token.
func (b *browser) post(from, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	_, page := b.do("GET", from, nil)
	form.Set("csrf_token", field(b.t, csrfField, page))
	return b.do("POST", path, form)
}

func (b *browser) signIn() {
	b.t.Helper()
	_, page := b.do("GET", "/login", nil)
	resp, _ := b.do("POST", "/login", url.Values{"csrf_token": {field(b.t, csrfField, page)}, "identifier": {b.phone},
		"password": {identity.DemoPassword}, "next": {"/profile"}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d", b.phone, resp.StatusCode)
	}
}

func TestClientRegistrationPages(t *testing.T) {
	n := startNode(t, db.SQLite)
	admin := newBrowser(t, n, "+998901000031")
	citizen := newBrowser(t, n, "+998901000001")

	if resp, _ := admin.do("GET", "/admin/oidc/clients", nil); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous admin page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	citizen.signIn()
	if resp, _ := citizen.do("GET", "/admin/oidc/clients", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("citizen sees the client registry: %d", resp.StatusCode)
	}
	admin.signIn()

	for lang, text := range map[string]string{"uz-Latn": "OpenID Connect mijozlari", "uz-Cyrl": "OpenID Connect мижозлари",
		"ru": "Клиенты OpenID Connect", "en": "OpenID Connect clients"} {
		if _, body := admin.do("GET", "/admin/oidc/clients?lang="+lang, nil); !strings.Contains(body, text) {
			t.Errorf("%s: page lacks %q", lang, text)
		}
	}
	admin.do("GET", "/admin/oidc/clients?lang=en", nil)

	bad := url.Values{"name": {"Kadastr"}, "type": {"confidential"}, "redirect_uris": {"http://kadastr.example/cb\nhttps://k.example/*"},
		"grant_types": {"authorization_code"}, "scopes": {"openid"}}
	resp, body := admin.post("/admin/oidc/clients", "/admin/oidc/clients", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be a full https:// URL") ||
		!strings.Contains(body, "http://kadastr.example/cb") {
		t.Fatalf("bad redirect URIs: %d", resp.StatusCode)
	}

	good := url.Values{"name": {"Kadastr"}, "type": {"confidential"},
		"redirect_uris": {"https://kadastr.example/cb\r\nhttp://localhost:8080/cb"}, "post_logout_redirect_uris": {"https://kadastr.example/"},
		"grant_types": {"authorization_code", "refresh_token", "client_credentials"}, "scopes": {"openid", "profile", "organisations"}}
	resp, body = admin.post("/admin/oidc/clients", "/admin/oidc/clients", good)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d\n%s", resp.StatusCode, body)
	}
	id, secret := field(t, clientIDOnPage, body), field(t, secretOnPage, body)
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("the page with the secret may be cached")
	}
	c, err := n.mod.Service().FindClientByID(context.Background(), id)
	if err != nil || len(c.RedirectURIs) != 2 || len(c.GrantTypes) != 3 {
		t.Fatalf("stored client: %+v %v", c, err)
	}
	if _, body := admin.do("GET", "/admin/oidc/clients", nil); !strings.Contains(body, "Kadastr") || strings.Contains(body, secret) {
		t.Error("list: client missing or secret shown again")
	}
	_, body = admin.do("GET", "/admin/oidc/clients/"+id, nil)
	if strings.Contains(body, secret) || !strings.Contains(body, "https://kadastr.example/cb") {
		t.Error("edit page: secret shown or URIs missing")
	}

	edit := url.Values{"name": {"Davlat kadastri"}, "redirect_uris": {"https://kadastr.example/cb"}, "grant_types": {"authorization_code"},
		"scopes": {"openid", "profile"}, "type": {"public"}}
	resp, _ = admin.post("/admin/oidc/clients/"+id, "/admin/oidc/clients/"+id, edit)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	c, _ = n.mod.Service().FindClientByID(context.Background(), id)
	if c.Name != "Davlat kadastri" || c.Type != oidcprovider.Confidential || len(c.RedirectURIs) != 1 {
		t.Errorf("after update: %+v", c)
	}

	resp, body = admin.post("/admin/oidc/clients/"+id, "/admin/oidc/clients/"+id+"/secret", url.Values{})
	fresh := field(t, secretOnPage, body)
	if resp.StatusCode != http.StatusOK || fresh == secret {
		t.Errorf("reset secret: %d", resp.StatusCode)
	}

	// A forged form (no CSRF token) changes nothing.
	if resp, _ := admin.do("POST", "/admin/oidc/clients/"+id+"/delete", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("delete without CSRF token: %d", resp.StatusCode)
	}
	resp, _ = admin.post("/admin/oidc/clients/"+id, "/admin/oidc/clients/"+id+"/delete", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := admin.do("GET", "/admin/oidc/clients/"+id, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted client page: %d", resp.StatusCode)
	}
}

func TestConsentPageAndConsentsList(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, db.SQLite)
	webc, _, secret := registerClients(t, ctx, n)
	site := newRP(t, ctx, n.base, webc.ID, secret, webRedirect, "openid", "profile", "phone", "offline_access")
	b := newBrowser(t, n, "+998901000001")

	// The consent page lists exactly what the scopes release, in the
	// person's language.
	resp, _ := b.do("GET", site.cfg.AuthCodeURL("s", oauth2.SetAuthURLParam("lang", "ru")), nil)
	loc := resp.Header.Get("Location")
	resp, _ = b.do("GET", loc, nil)
	next, _ := url.Parse(resp.Header.Get("Location"))
	_, page := b.do("GET", next.String(), nil)
	b.do("POST", "/login", url.Values{"csrf_token": {field(t, csrfField, page)}, "identifier": {b.phone},
		"password": {identity.DemoPassword}, "next": {next.Query().Get("next")}})
	_, body := b.do("GET", loc, nil)
	for _, want := range []string{"Soliq kabineti запрашивает ваши данные", "ПИНФЛ", "Дата рождения", "Номер телефона",
		"после вашего выхода из egov", "Разрешить", "Отказать"} {
		if !strings.Contains(body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	for _, absent := range []string{"Адрес электронной почты", "Организации, которые вы представляете"} {
		if strings.Contains(body, absent) {
			t.Errorf("consent page lists %q, which was not asked for", absent)
		}
	}
	// The consent form needs the person's CSRF token.
	if resp, _ := b.do("POST", "/oidc/authorize/consent", url.Values{"id": {field(t, idField, body)}, "decision": {"allow"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("consent without CSRF token: %d", resp.StatusCode)
	}
	// Another person cannot answer it.
	other := newBrowser(t, n, "+998901000002")
	other.signIn()
	if resp, _ := other.post("/profile", "/oidc/authorize/consent", url.Values{"id": {field(t, idField, body)}, "decision": {"allow"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another person answered the consent: %d", resp.StatusCode)
	}
	resp, _ = b.do("POST", "/oidc/authorize/consent", url.Values{"csrf_token": {field(t, csrfField, body)}, "id": {field(t, idField, body)}, "decision": {"allow"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("allow: %d", resp.StatusCode)
	}
	resp, _ = b.do("GET", resp.Header.Get("Location"), nil)
	if !strings.HasPrefix(resp.Header.Get("Location"), webRedirect+"?code=") {
		t.Fatalf("after consent: %q", resp.Header.Get("Location"))
	}
	// The request cannot be completed twice.
	if resp, _ := b.do("GET", loc, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("second completion: %d", resp.StatusCode)
	}

	_, body = b.do("GET", "/oidc/consents", nil)
	if !strings.Contains(body, "Soliq kabineti") || !strings.Contains(body, "Номер телефона") {
		t.Fatal("consents page does not list the client")
	}
	resp, _ = b.post("/oidc/consents", "/oidc/consents/"+webc.ID+"/revoke", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if _, body := b.do("GET", "/oidc/consents", nil); strings.Contains(body, "Soliq kabineti") {
		t.Error("revoked consent still listed")
	}
	// Asked again after revoking.
	b.consents = 0
	site.login(t, b, oauth2.GenerateVerifier(), "again")
	if b.consents != 1 {
		t.Errorf("consent pages after revoking: %d", b.consents)
	}
}
