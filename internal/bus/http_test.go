package bus_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
	"github.com/prometheus/client_golang/prometheus"
)

// permAdmin stands for the platform administrator's permission app
// passes in.
const permAdmin web.Permission = "bus.admin"

// testUser is the context key of the person the test's requests come
// from, set from the header X-Test-User: "admin-…" holds permAdmin,
// anyone else only their own account.
type testUser struct{}

// testStaff names the signed-in person as identity would.
type testStaff struct{}

func (testStaff) Actor(ctx context.Context) string {
	u, _ := ctx.Value(testUser{}).(string)
	return u
}

// authorize is the identity module's check, reduced to the test's two
// kinds of people.
func authorize(r *http.Request, p web.Permission) error {
	u, _ := r.Context().Value(testUser{}).(string)
	switch {
	case p == web.Public:
		return nil
	case u == "":
		return apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
	case p == permAdmin && strings.HasPrefix(u, "admin-"):
		return nil
	}
	return apperr.New(apperr.EFORBIDDEN, "error.forbidden")
}

// pagesEnv is the operations pages over a fresh registry and message
// log, behind the platform's whole HTTP stack on a loopback server.
type pagesEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *clock.Manual
	reg   *bus.Registry
	log   *msglog.Log
	url   string
	// bundle is the site's catalog, to compare the pages' texts with.
	bundle *i18n.Bundle
}

func newPagesEnv(t *testing.T, d *db.DB) *pagesEnv {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	e := &pagesEnv{t: t, ctx: context.Background(), clock: clk, reg: bus.New(d, clk, audit.New(d, clk)), log: msglog.New(d, clk)}
	var err error
	if e.bundle, err = i18n.Load(web.Locales(), bus.Locales()); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Bundle: e.bundle,
		Registerer: reg, Gatherer: reg, Secret: make([]byte, 32), MaxBodyBytes: 8 << 20, RatePerIP: 10000, BurstPerIP: 10000})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := bus.NewPages(e.reg, e.log, srv.Renderer())
	if err != nil {
		t.Fatal(err)
	}
	pages.Routes(srv.Router(), permAdmin, testStaff{})
	srv.Router().SetAuthorizer(authorize)
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(context.WithValue(r.Context(), testUser{}, u))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

// text is the message key in loc, as a page shows it once unescaped.
func (e *pagesEnv) text(loc i18n.Locale, key string, args ...any) string {
	return e.bundle.T(loc, key, args...)
}

func (e *pagesEnv) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// browser is a person's browser: it keeps cookies, sends forms with the
// CSRF token of the pages it saw, and does not follow redirects, so that
// tests see where a form leads.
type browser struct {
	e      *pagesEnv
	user   string
	client *http.Client
	token  string
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (e *pagesEnv) browser(user string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, user: user, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer: its status, where it redirects and its body,
// unescaped so that texts with apostrophes compare plainly.
type page struct {
	status   int
	location string
	body     string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	if b.user != "" {
		req.Header.Set("X-Test-User", b.user)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(raw); m != nil {
		b.token = string(m[1])
	}
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: html.UnescapeString(string(raw))}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, err := http.NewRequest("GET", b.e.url+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form as a browser would after showing the overview page,
// which gives it its CSRF token.
func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	if b.token == "" {
		b.get("/admin/bus")
	}
	form.Set("csrf_token", b.token)
	req, err := http.NewRequest("POST", b.e.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postMultipart sends a form with a file, as the service forms do.
func (b *browser) postMultipart(path string, fields map[string]string, file string, content []byte) page {
	b.e.t.Helper()
	if b.token == "" {
		b.get("/admin/bus")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fields["csrf_token"] = b.token
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != "" {
		w, _ := mw.CreateFormFile(file, "openapi.json")
		_, _ = w.Write(content)
	}
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.e.url+path, &buf)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// wantRedirect checks that p sends the browser on to location.
func wantRedirect(t *testing.T, what string, p page, location string) {
	t.Helper()
	if p.status != http.StatusSeeOther || p.location != location {
		t.Errorf("%s: %d to %q, want 303 to %q; page:\n%s", what, p.status, p.location, location, excerpt(p.body))
	}
}

// wantPage checks the status of p and that it shows every text.
func wantPage(t *testing.T, what string, p page, status int, texts ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("%s: status %d, want %d; page:\n%s", what, p.status, status, excerpt(p.body))
		return
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: page lacks %q:\n%s", what, s, excerpt(p.body))
		}
	}
}

// excerpt is the main part of a page, for failure messages.
func excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 4000 {
		body = body[:4000]
	}
	return body
}

// counts returns the registry's counts.
func (e *pagesEnv) counts() bus.Counts {
	e.t.Helper()
	c, err := e.reg.Counts(e.ctx)
	e.must(err)
	return c
}

var (
	civilMember = xroad.ClientID{Instance: "UZ", MemberClass: bus.ClassGOV, MemberCode: "201122919"}
	egovMember  = xroad.ClientID{Instance: "UZ", MemberClass: bus.ClassGOV, MemberCode: "207000001"}
	civilReg    = sub(civilMember, "civil-registry")
	egovPortal  = sub(egovMember, "portal")
	birthsSvc   = xroad.ServiceID{Client: civilReg, ServiceCode: "births"}
)

func TestPagesPermissions(t *testing.T) {
	e := newPagesEnv(t, dbtest.Open(t, db.SQLite, schema()))
	for _, path := range []string{"/admin/bus", "/admin/bus/members", "/admin/bus/log", "/admin/bus/traffic", "/admin/bus/requests"} {
		if p := e.browser("citizen-1").get(path); p.status != http.StatusForbidden {
			t.Errorf("citizen GET %s: %d, want 403", path, p.status)
		}
		if p := e.browser("").get(path); p.status != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s: %d, want 401", path, p.status)
		}
	}
	// A citizen's form is refused before it is read, and adds nothing.
	citizen := e.browser("citizen-1")
	citizen.get("/") // a page of the site gives the CSRF cookie
	p := citizen.post("/admin/bus/members", url.Values{"instance": {"UZ"}, "member_class": {"GOV"}, "member_code": {"201122919"},
		"name": {"Adliya"}})
	if p.status != http.StatusForbidden {
		t.Errorf("citizen POST: %d, want 403", p.status)
	}
	// The administrator's form without its CSRF token is refused too.
	admin := e.browser("admin-1")
	admin.get("/admin/bus")
	admin.token = "forged"
	if p := admin.post("/admin/bus/members", url.Values{"instance": {"UZ"}, "member_class": {"GOV"}, "member_code": {"201122919"},
		"name": {"Adliya"}}); p.status != http.StatusForbidden {
		t.Errorf("POST without the CSRF token: %d, want 403", p.status)
	}
	if c := e.counts(); c.Members != 0 {
		t.Errorf("refused forms added %d members", c.Members)
	}
}

func TestPagesRegistry(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newPagesEnv(t, d)
		admin := e.browser("admin-1")
		wantPage(t, "overview", admin.get("/admin/bus"), 200, e.text(i18n.UzLatn, "bus.admin.title"), "Reyestr versiyasi: 0",
			`<span aria-current="page">`+e.text(i18n.UzLatn, "bus.admin.overview"))

		// A member: bad input in Russian is refused at the fields, and
		// nothing changes.
		p := admin.post("/admin/bus/members?lang=ru", url.Values{"instance": {"UZ"}, "member_class": {"XYZ"}, "member_code": {"12"},
			"name": {" "}})
		wantPage(t, "bad member", p, http.StatusUnprocessableEntity, e.text(i18n.Ru, "form.problem"),
			e.text(i18n.Ru, bus.MsgMemberClass), e.text(i18n.Ru, bus.MsgMemberCode), e.text(i18n.Ru, bus.MsgName), `value="12"`)
		if c := e.counts(); c.Members != 0 || c.Version != 0 {
			t.Fatalf("a refused member changed the registry: %+v", c)
		}
		p = admin.post("/admin/bus/members?lang=uz-Latn", url.Values{"instance": {"UZ"}, "member_class": {"GOV"},
			"member_code": {civilMember.MemberCode}, "name": {"Adliya vazirligi"}})
		wantRedirect(t, "create member", p, "/admin/bus/members/UZ/GOV/201122919?done=created")
		wantPage(t, "member page", admin.get(p.location), 200, "Adliya vazirligi", "UZ/GOV/201122919", e.text(i18n.UzLatn, "bus.admin.done.created"))
		p = admin.post("/admin/bus/members?lang=en", url.Values{"instance": {"UZ"}, "member_class": {"GOV"},
			"member_code": {civilMember.MemberCode}, "name": {"Again"}})
		wantPage(t, "same member again", p, http.StatusConflict, e.text(i18n.En, bus.MsgMemberExists))
		wantPage(t, "members list", admin.get("/admin/bus/members?lang=en"), 200, "1 member", "Adliya vazirligi")
		_, err := e.reg.CreateMember(e.ctx, "admin-1", bus.Member{Client: egovMember, Name: "Elektron hukumat"})
		e.must(err)

		// Subsystems and gateways on the member's page.
		memberPage := "/admin/bus/members/UZ/GOV/201122919"
		p = admin.post("/admin/bus/subsystems?lang=en", url.Values{"member": {"UZ/GOV/201122919"}, "code": {"civil registry"}})
		wantPage(t, "bad subsystem", p, http.StatusUnprocessableEntity, e.text(i18n.En, bus.MsgSubsystem), `id="sub-code"`,
			`href="#sub-code"`)
		wantRedirect(t, "create subsystem", admin.post("/admin/bus/subsystems", url.Values{"member": {"UZ/GOV/201122919"},
			"code": {"civil-registry"}}), memberPage+"?done=subsystem#subsystems")
		wantPage(t, "duplicate subsystem", admin.post("/admin/bus/subsystems?lang=en", url.Values{"member": {"UZ/GOV/201122919"},
			"code": {"civil-registry"}}), http.StatusConflict, e.text(i18n.En, bus.MsgSubsystemExists))
		_, err = e.reg.CreateSubsystem(e.ctx, "admin-1", egovPortal)
		e.must(err)
		if p := admin.post("/admin/bus/subsystems", url.Values{"member": {"UZ/GOV/999999999"}, "code": {"x"}}); p.status != 404 {
			t.Errorf("subsystem of an unknown member: %d", p.status)
		}
		p = admin.post("/admin/bus/gateways?lang=uz-Cyrl", url.Values{"member": {"UZ/GOV/201122919"}, "name": {"gw1"},
			"address": {"gw1.adliya.uz:8443"}, "auth_serial": {"0A"}, "sign_serial": {"a"}})
		wantPage(t, "gateway with one certificate twice", p, http.StatusUnprocessableEntity, e.text(i18n.UzCyrl, bus.MsgSameSerial),
			`value="gw1.adliya.uz:8443"`)
		if c := e.counts(); c.Gateways != 0 {
			t.Fatalf("a refused gateway was added: %+v", c)
		}
		wantRedirect(t, "register gateway", admin.post("/admin/bus/gateways", url.Values{"member": {"UZ/GOV/201122919"},
			"name": {"gw1"}, "address": {"gw1.adliya.uz:8443"}, "auth_serial": {"0A:01"}, "sign_serial": {"0b"}}),
			memberPage+"?done=gateway#gateways")
		wantPage(t, "member with subsystem and gateway", admin.get(memberPage), 200, "civil-registry", "gw1.adliya.uz:8443", "a01",
			`href="/admin/bus/members" aria-current="true"`)

		// A service, its description uploaded as a file.
		doc := []byte(`{"openapi": "3.0.3", "info": {"title": "Births", "version": "1"}, "paths": {"/births/{pinfl}": {}}}`)
		p = admin.postMultipart("/admin/bus/services?lang=en", map[string]string{"subsystem": "UZ/GOV/201122919/civil-registry",
			"service_code": "births", "title": "Births", "base_url": "ftp://civil.uz"}, "openapi_file", doc)
		wantPage(t, "service with a bad URL", p, http.StatusUnprocessableEntity, e.text(i18n.En, bus.MsgBaseURL), `value="births"`)
		p = admin.postMultipart("/admin/bus/services?lang=en", map[string]string{"subsystem": "UZ/GOV/201122919",
			"service_code": "births", "title": "Births", "base_url": "http://127.0.0.1:9001/api"}, "", nil)
		wantPage(t, "service of a member", p, http.StatusUnprocessableEntity, e.text(i18n.En, "bus.admin.field.subsystem_id"))
		p = admin.postMultipart("/admin/bus/services?lang=en", map[string]string{"subsystem": "UZ/GOV/201122919/civil-registry",
			"service_code": "births", "title": "Births", "base_url": "http://127.0.0.1:9001/api", "openapi": "{}"}, "", nil)
		wantPage(t, "service with a bad description", p, http.StatusUnprocessableEntity, e.text(i18n.En, bus.MsgOpenAPI))
		if c := e.counts(); c.Services != 0 {
			t.Fatalf("a refused service was added: %+v", c)
		}
		servicePage := "/admin/bus/services/UZ/GOV/201122919/civil-registry/births"
		p = admin.postMultipart("/admin/bus/services", map[string]string{"subsystem": "UZ/GOV/201122919/civil-registry",
			"service_code": "births", "title": "Tugʻilganlik yozuvlari", "base_url": "http://127.0.0.1:9001/api", "openapi": "ignored"},
			"openapi_file", doc)
		wantRedirect(t, "create service", p, servicePage+"?done=created")
		svc, err := e.reg.Service(e.ctx, birthsSvc)
		e.must(err)
		if !bytes.Equal(svc.OpenAPI, doc) || svc.Title != "Tugʻilganlik yozuvlari" {
			t.Errorf("stored service: %+v", svc)
		}
		wantPage(t, "service page", admin.get(servicePage), 200, "Tugʻilganlik yozuvlari", `href="/admin/bus/openapi/UZ/GOV/201122919/civil-registry/births"`)
		if p := admin.get("/admin/bus/openapi/UZ/GOV/201122919/civil-registry/births"); p.status != 200 || p.body != string(doc) {
			t.Errorf("OpenAPI document: %d %q", p.status, p.body)
		}
		wantPage(t, "services list", admin.get("/admin/bus/services?lang=en"), 200, "1 service", "UZ/GOV/201122919/civil-registry", "births")
		wantPage(t, "services of another subsystem", admin.get("/admin/bus/services?lang=en&subsystem=UZ/GOV/207000001/portal"), 200,
			"0 services")
		wantPage(t, "services filtered by a member", admin.get("/admin/bus/services?lang=en&subsystem=UZ/GOV/207000001"),
			http.StatusUnprocessableEntity, e.text(i18n.En, "bus.admin.field.subsystem_id"))

		// Changing it: a bad title is refused, a new one kept with the
		// description.
		p = admin.postMultipart(servicePage+"?lang=en", map[string]string{"title": "", "base_url": "http://127.0.0.1:9001/api"}, "", nil)
		wantPage(t, "empty title", p, http.StatusUnprocessableEntity, e.text(i18n.En, bus.MsgTitle), `id="edit-title"`)
		wantRedirect(t, "update service", admin.postMultipart(servicePage, map[string]string{"title": "Births",
			"base_url": "http://127.0.0.1:9002/api"}, "", nil), servicePage+"?done=updated")
		if svc, err = e.reg.Service(e.ctx, birthsSvc); err != nil || svc.Title != "Births" || svc.BaseURL != "http://127.0.0.1:9002/api" ||
			!bytes.Equal(svc.OpenAPI, doc) {
			t.Errorf("updated service: %+v, %v", svc, err)
		}

		// Access rights: a bad path is refused, a good one granted, then
		// revoked.
		grant := url.Values{"service": {"UZ/GOV/201122919/civil-registry/births"}, "grantee": {"subsystem"},
			"subsystem": {"UZ/GOV/207000001/portal"}, "method": {"GET"}, "path": {"/births/a*"}}
		wantPage(t, "bad path", admin.post("/admin/bus/rights?lang=en", grant), http.StatusUnprocessableEntity, e.text(i18n.En, bus.MsgPath),
			`value="/births/a*"`)
		grant.Set("subsystem", "UZ/GOV/207000001/nobody")
		grant.Set("path", "/births/*")
		wantPage(t, "unknown subsystem", admin.post("/admin/bus/rights?lang=en", grant), http.StatusUnprocessableEntity,
			e.text(i18n.En, bus.MsgNoSuchSubsystem))
		if c := e.counts(); c.Rights != 0 {
			t.Fatalf("a refused right was granted: %+v", c)
		}
		grant.Set("subsystem", "UZ/GOV/207000001/portal")
		wantRedirect(t, "grant", admin.post("/admin/bus/rights", grant), servicePage+"?done=granted#rights")
		wantPage(t, "same grant again", admin.post("/admin/bus/rights?lang=en", grant), http.StatusConflict, e.text(i18n.En, bus.MsgRightExists))
		if ok, err := e.reg.Allowed(e.ctx, egovPortal, birthsSvc, "GET", "/births/12345678901234"); err != nil || !ok {
			t.Errorf("granted right: %v, %v", ok, err)
		}
		rights, err := e.reg.Rights(e.ctx, birthsSvc)
		e.must(err)
		if len(rights) != 1 || rights[0].GrantedBy != "admin-1" {
			t.Fatalf("rights: %+v", rights)
		}
		wantPage(t, "service with its right", admin.get(servicePage), 200, "/births/*", "UZ/GOV/207000001/portal",
			`action="/admin/bus/rights/`+rights[0].ID+`/revoke"`)
		wantRedirect(t, "revoke", admin.post("/admin/bus/rights/"+rights[0].ID+"/revoke", url.Values{}), servicePage+"?done=revoked#rights")
		if ok, err := e.reg.Allowed(e.ctx, egovPortal, birthsSvc, "GET", "/births/12345678901234"); err != nil || ok {
			t.Errorf("revoked right: %v, %v", ok, err)
		}

		// A global group, a subsystem in it, and a right for the group.
		wantPage(t, "bad group", admin.post("/admin/bus/groups?lang=en", url.Values{"instance": {"UZ"}, "group_code": {"a b"}}),
			http.StatusUnprocessableEntity, e.text(i18n.En, bus.MsgGroupCode))
		wantRedirect(t, "create group", admin.post("/admin/bus/groups", url.Values{"instance": {"UZ"}, "group_code": {"portals"},
			"description": {"Portallar"}}), "/admin/bus/groups/UZ/portals?done=created")
		wantPage(t, "unknown subsystem for the group", admin.post("/admin/bus/group-members?lang=en", url.Values{"group": {"UZ/portals"},
			"subsystem": {"UZ/GOV/207000001/nobody"}}), http.StatusUnprocessableEntity, e.text(i18n.En, bus.MsgNoSuchSubsystem))
		wantRedirect(t, "add to group", admin.post("/admin/bus/group-members", url.Values{"group": {"UZ/portals"},
			"subsystem": {"UZ/GOV/207000001/portal"}}), "/admin/bus/groups/UZ/portals?done=added")
		wantPage(t, "group page", admin.get("/admin/bus/groups/UZ/portals"), 200, "Portallar", "UZ/GOV/207000001/portal")
		wantRedirect(t, "grant to the group", admin.post("/admin/bus/rights", url.Values{"service": {"UZ/GOV/201122919/civil-registry/births"},
			"grantee": {"group"}, "group": {"UZ/portals"}, "method": {"*"}, "path": {"**"}}), servicePage+"?done=granted#rights")
		if ok, err := e.reg.Allowed(e.ctx, egovPortal, birthsSvc, "POST", "/anything"); err != nil || !ok {
			t.Errorf("right through the group: %v, %v", ok, err)
		}
		wantRedirect(t, "remove from group", admin.post("/admin/bus/group-members/remove", url.Values{"group": {"UZ/portals"},
			"subsystem": {"UZ/GOV/207000001/portal"}}), "/admin/bus/groups/UZ/portals?done=removed")
		if ok, err := e.reg.Allowed(e.ctx, egovPortal, birthsSvc, "POST", "/anything"); err != nil || ok {
			t.Errorf("right after leaving the group: %v, %v", ok, err)
		}
		wantPage(t, "groups list", admin.get("/admin/bus/groups"), 200, "UZ/portals", "Portallar")
		wantPage(t, "overview with counts", admin.get("/admin/bus?lang=en"), 200, "Registry version: ")
	})
}

func TestPagesRequests(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newPagesEnv(t, d)
		_, err := e.reg.CreateMember(e.ctx, "admin-1", bus.Member{Client: civilMember, Name: "Adliya vazirligi"})
		e.must(err)
		theirs, err := e.reg.SubmitRequest(e.ctx, "rep-1", bus.RequestInput{Kind: bus.RequestSubsystem, Subsystem: civilReg})
		e.must(err)
		own, err := e.reg.SubmitRequest(e.ctx, "admin-1", bus.RequestInput{Kind: bus.RequestGateway, Gateway: bus.GatewayInput{
			Member: civilMember, Name: "gw1", Address: "gw1.adliya.uz", AuthSerial: "1a", SignSerial: "1b"}})
		e.must(err)
		rejected, err := e.reg.SubmitRequest(e.ctx, "rep-1", bus.RequestInput{Kind: bus.RequestSubsystem, Subsystem: sub(civilMember, "spam")})
		e.must(err)
		admin := e.browser("admin-1")
		wantPage(t, "pending requests", admin.get("/admin/bus/requests?lang=en"), 200, "3 requests", "civil-registry", "gw1.adliya.uz",
			"/admin/bus/requests/"+theirs.ID+"/approve")

		// One's own request cannot be decided: the page says so.
		p := admin.post("/admin/bus/requests/"+own.ID+"/approve?lang=ru", url.Values{})
		wantPage(t, "approve own request", p, http.StatusForbidden, e.text(i18n.Ru, bus.MsgRequestOwn))
		if q, err := e.reg.FindRequest(e.ctx, own.ID); err != nil || q.State != bus.RequestPending {
			t.Errorf("own request after approving: %+v, %v", q, err)
		}
		wantRedirect(t, "approve", admin.post("/admin/bus/requests/"+theirs.ID+"/approve", url.Values{}), "/admin/bus/requests?done=approved")
		if subs, err := e.reg.Subsystems(e.ctx, civilMember); err != nil || len(subs) != 1 || subs[0].Client != civilReg {
			t.Errorf("approved subsystem: %+v, %v", subs, err)
		}
		wantPage(t, "approve again", admin.post("/admin/bus/requests/"+theirs.ID+"/approve?lang=en", url.Values{}), http.StatusConflict,
			e.text(i18n.En, bus.MsgRequestDecided))
		wantPage(t, "reject without a reason", admin.post("/admin/bus/requests/"+rejected.ID+"/reject?lang=uz-Latn",
			url.Values{"reason": {"  "}}), http.StatusUnprocessableEntity, e.text(i18n.UzLatn, bus.MsgReason), `href="#reason-`+rejected.ID+`"`)
		wantRedirect(t, "reject", admin.post("/admin/bus/requests/"+rejected.ID+"/reject", url.Values{"reason": {"Takroriy soʻrov"}}),
			"/admin/bus/requests?done=rejected")
		wantPage(t, "decided requests", admin.get("/admin/bus/requests?state=decided&lang=en"), 200, "2 requests", "Takroriy soʻrov",
			e.text(i18n.En, "bus.admin.request.state.approved"), e.text(i18n.En, "bus.admin.request.state.rejected"))
		wantPage(t, "still pending", admin.get("/admin/bus/requests?lang=en"), 200, "1 request", "gw1.adliya.uz")
		if p := admin.post("/admin/bus/requests/nope/approve", url.Values{}); p.status != http.StatusNotFound {
			t.Errorf("unknown request: %d", p.status)
		}
	})
}

// logRow finds a row of the message log's results: gateway, seq and
// query ID.
func logRow(gateway string, seq int64, queryID string) string {
	return fmt.Sprintf(`<td><code>%s</code></td>\s*<td>%d</td>.*?<code>%s</code>`, gateway, seq, queryID)
}

func TestPagesMessageLog(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newPagesEnv(t, d)
		now := e.clock.Now()
		record := func(gateway, id string, ago time.Duration, client, service string, status int) {
			_, err := e.log.Record(e.ctx, msglog.Entry{Gateway: gateway, QueryID: id, Client: client, Service: service,
				Time: now.Add(-ago), RequestHash: "h", Status: status})
			e.must(err)
		}
		portal, births, tax := egovPortal.String(), birthsSvc.String(), "UZ/GOV/200935935/tax/info"
		record("civil-gw", "q-old", 8*24*time.Hour, portal, births, 200)
		record("civil-gw", "q-day", 3*time.Hour, portal, births, 500)
		record("egov-gw", "q-day", 3*time.Hour, portal, births, 500)
		record("egov-gw", "q-hour", 30*time.Minute, portal, births, 200)
		record("civil-gw", "q-hour", 30*time.Minute, portal, births, 200)
		record("tax-gw", "q-tax", 10*time.Minute, "UZ/COM/300000003/shop", tax, 404)
		admin := e.browser("admin-1")

		p := admin.get("/admin/bus/log?lang=en&member=UZ/GOV/207000001")
		wantPage(t, "by member", p, 200, "q-hour", "q-day", "q-old", `href="/admin/bus/evidence?gateway=civil-gw&query=q-hour"`)
		if strings.Contains(p.body, "q-tax") {
			t.Error("search by member found another member's exchange")
		}
		// Newest first: the hour's exchanges before the day's.
		if i, j := strings.Index(p.body, "q-hour"), strings.Index(p.body, "q-day"); i > j {
			t.Error("results are not newest first")
		}
		p = admin.get("/admin/bus/log?lang=en&query=q-day&gateway=egov-gw")
		if ok, _ := regexp.MatchString(`(?s)`+logRow("egov-gw", 1, "q-day"), p.body); !ok || strings.Count(p.body, "<code>q-day</code>") != 1 {
			t.Errorf("by query ID and gateway:\n%s", excerpt(p.body))
		}
		wantPage(t, "error status shown", p, 200, "<strong>500</strong>", e.text(i18n.En, "bus.admin.log.waiting"))
		p = admin.get("/admin/bus/log?lang=en&from=" + url.QueryEscape(now.Add(-time.Hour).Format("2006-01-02T15:04")) + "&member=UZ/COM/300000003")
		wantPage(t, "by time and member", p, 200, "q-tax")
		if strings.Contains(p.body, "q-hour") {
			t.Error("time and member search found another member's exchange")
		}
		p = admin.get("/admin/bus/log?lang=ru&from=yesterday&to=2026-11-23T08:00&member=UZ/GOV")
		wantPage(t, "bad search", p, http.StatusUnprocessableEntity, e.text(i18n.Ru, "bus.admin.field.time"),
			e.text(i18n.Ru, "bus.admin.field.party_id"), `value="yesterday"`)
		p = admin.get("/admin/bus/log?lang=en&from=2026-11-23T08:00&to=2026-11-23T07:00")
		wantPage(t, "range backwards", p, http.StatusUnprocessableEntity, e.text(i18n.En, "bus.admin.field.time_order"))

		// Pages of the log follow each other through the "older" link.
		for i := range 55 {
			record("bulk-gw", fmt.Sprintf("bulk-%02d", i), time.Duration(60-i)*time.Second, portal, births, 200)
		}
		p = admin.get("/admin/bus/log?lang=en&gateway=bulk-gw")
		next := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(p.body)
		if strings.Count(p.body, "bulk-gw</code>") != 50 || next == nil || !strings.Contains(p.body, "bulk-54") || strings.Contains(p.body, "bulk-04") {
			t.Fatalf("first page of the bulk gateway:\n%s", excerpt(p.body))
		}
		p = admin.get(next[1])
		if strings.Count(p.body, "bulk-gw</code>") != 5 || !strings.Contains(p.body, "bulk-00") || strings.Contains(p.body, `rel="next"`) ||
			!strings.Contains(p.body, `href="/admin/bus/log?gateway=bulk-gw"`) {
			t.Errorf("second page of the bulk gateway:\n%s", excerpt(p.body))
		}
		wantPage(t, "tampered cursor", admin.get("/admin/bus/log?lang=en&after=x"), http.StatusUnprocessableEntity,
			e.text(i18n.En, "bus.admin.field.cursor"))

		// Traffic per service and gateway over the period.
		trafficRow := func(service, gateway string, exchanges, errors int) string {
			return fmt.Sprintf(`<code>%s</code>(</a>)?</td>\s*<td><code>%s</code></td>\s*<td>%d</td>\s*<td>%d</td>`,
				regexp.QuoteMeta(service), regexp.QuoteMeta(gateway), exchanges, errors)
		}
		for _, tc := range []struct {
			period string
			rows   []string
			absent []string
		}{
			{"hour", []string{trafficRow(births, "civil-gw", 1, 0), trafficRow(births, "egov-gw", 1, 0), trafficRow(tax, "tax-gw", 1, 1),
				trafficRow(births, "bulk-gw", 55, 0)}, nil},
			{"day", []string{trafficRow(births, "civil-gw", 2, 1), trafficRow(births, "egov-gw", 2, 1), trafficRow(tax, "tax-gw", 1, 1)}, nil},
			{"week", []string{trafficRow(births, "civil-gw", 2, 1)}, []string{trafficRow(births, "civil-gw", 3, 1)}},
		} {
			p := admin.get("/admin/bus/traffic?lang=en&period=" + tc.period)
			if p.status != 200 {
				t.Errorf("traffic of the %s: %d", tc.period, p.status)
			}
			for _, row := range tc.rows {
				if ok, _ := regexp.MatchString(row, p.body); !ok {
					t.Errorf("traffic of the %s lacks %s:\n%s", tc.period, row, excerpt(p.body))
				}
			}
			for _, row := range tc.absent {
				if ok, _ := regexp.MatchString(row, p.body); ok {
					t.Errorf("traffic of the %s has %s", tc.period, row)
				}
			}
		}
		wantPage(t, "traffic of a month", admin.get("/admin/bus/traffic?lang=en&period=month"), http.StatusUnprocessableEntity,
			e.text(i18n.En, "bus.admin.field.period"))
		// The overview counts the last day: 4 exchanges, 2 errors, and the
		// bulk gateway's 55.
		wantPage(t, "overview", admin.get("/admin/bus?lang=en"), 200, "<dd>60</dd>", "<dd>3</dd>")
	})
}

// TestPagesTexts checks that every message key the templates use, and
// those they build, is translated.
func TestPagesTexts(t *testing.T) {
	b, err := i18n.Load(web.Locales(), bus.Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, b, bus.Templates())
	var keys []string
	for _, d := range []string{"created", "subsystem", "gateway", "updated", "granted", "revoked", "added", "removed", "approved", "rejected"} {
		keys = append(keys, "bus.admin.done."+d)
	}
	for _, c := range []string{bus.ClassGOV, bus.ClassCOM, bus.ClassNGO, bus.ClassORG} {
		keys = append(keys, "bus.admin.class."+c)
	}
	for _, s := range []bus.RequestState{bus.RequestPending, bus.RequestApproved, bus.RequestRejected} {
		keys = append(keys, "bus.admin.request.state."+string(s))
	}
	for _, p := range []string{"hour", "day", "week"} {
		keys = append(keys, "bus.admin.traffic.period."+p)
	}
	for _, s := range []string{"overview", "members", "services", "groups", "requests", "log", "traffic"} {
		keys = append(keys, "bus.admin."+s)
	}
	for _, f := range []string{"subsystem_id", "party_id", "time", "time_order", "period", "cursor"} {
		keys = append(keys, "bus.admin.field."+f)
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}
}
