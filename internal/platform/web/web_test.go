package web_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
	"github.com/prometheus/client_golang/prometheus"
)

// testPage is a module page as a module would write it.
var testPage = fstest.MapFS{"page.html": {Data: []byte(
	`{{define "title"}}{{.T "site.name"}}{{end}}{{define "content"}}<h1>{{.Data}}</h1>
<form method="post" action="/echo"><input type="hidden" name="csrf_token" value="{{.CSRFToken}}"></form>{{end}}`)}}

type fixture struct {
	srv     *web.Server
	handler http.Handler
}

func newFixture(t testing.TB, mutate func(*web.Options)) *fixture {
	t.Helper()
	bundle, err := i18n.Load(web.Locales())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	opts := web.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Bundle: bundle,
		Registerer: reg, Gatherer: reg, Secret: []byte(strings.Repeat("k", 32)),
		MaxBodyBytes: 1024, RatePerIP: 1000, BurstPerIP: 1000,
		MetricsAllow: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	}
	if mutate != nil {
		mutate(&opts)
	}
	srv, err := web.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	page, err := srv.Renderer().Page(testPage, "page.html")
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Router()
	r.Handle("GET /page", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		return page.Render(w, r, http.StatusOK, "Salom")
	})
	r.Handle("POST /echo", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, "accepted")
		return err
	})
	r.Handle("GET /secret", web.Permission("staff.read"), func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.WriteString(w, "classified-data")
		return err
	})
	r.Handle("GET /fail", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		return apperr.Invalid("error.invalid", map[string]string{"pinfl": "error.invalid"})
	})
	r.Handle("GET /panic", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		panic("boom")
	})
	return &fixture{srv: srv, handler: srv.Handler()}
}

func (f *fixture) do(req *http.Request) *httptest.ResponseRecorder {
	if req.RemoteAddr == "" || req.RemoteAddr == "192.0.2.1:1234" {
		req.RemoteAddr = "192.0.2.1:1234"
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func get(path string, headers ...string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

func TestShellTemplatesUseKnownKeys(t *testing.T) {
	bundle, err := i18n.Load(web.Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, bundle, web.ShellTemplates())
}

func TestPageInEveryLanguage(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name    string
		req     *http.Request
		lang    string
		skipTxt string
	}{
		{"default", get("/page"), "uz-Latn", "Asosiy mazmunga oʻtish"},
		{"accept-language ru", get("/page", "Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5"), "ru", "Перейти к основному содержанию"},
		{"query en", get("/page?lang=en", "Accept-Language", "ru"), "en", "Skip to main content"},
		{"query cyrillic", get("/page?lang=uz-Cyrl"), "uz-Cyrl", "Асосий мазмунга ўтиш"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(tt.req)
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if !strings.Contains(body, `<html lang="`+tt.lang+`"`) || !strings.Contains(body, tt.skipTxt) {
				t.Errorf("page is not in %s: %.300s", tt.lang, body)
			}
			if got := rec.Header().Get("Content-Language"); got != tt.lang {
				t.Errorf("Content-Language %q, want %q", got, tt.lang)
			}
		})
	}
	// A choice by ?lang= is remembered.
	rec := f.do(get("/page?lang=ru"))
	var langCookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "egov_lang" {
			langCookie = c
		}
	}
	if langCookie == nil || langCookie.Value != "ru" {
		t.Fatalf("no language cookie set: %v", rec.Result().Cookies())
	}
	req := get("/page", "Accept-Language", "en")
	req.AddCookie(langCookie)
	if body := f.do(req).Body.String(); !strings.Contains(body, `<html lang="ru"`) {
		t.Errorf("cookie language not used")
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do(get("/page"))
	h := rec.Header()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "strict-origin-when-cross-origin"} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	if h.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS sent over plain HTTP")
	}
	if h.Get("X-Request-ID") == "" {
		t.Errorf("no request ID")
	}
	// No inline script anywhere in the page.
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`).MatchString(rec.Body.String()) {
		t.Errorf("page has an inline script")
	}

	tls := newFixture(t, func(o *web.Options) { o.TLS = true })
	rec = tls.do(get("/page"))
	if !strings.HasPrefix(rec.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS under TLS")
	}
	for _, c := range rec.Result().Cookies() {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s under TLS: secure=%v httponly=%v", c.Name, c.Secure, c.HttpOnly)
		}
	}
}

// csrfPair gets a page and returns its CSRF cookie and form token.
func csrfPair(t *testing.T, f *fixture) (*http.Cookie, string) {
	t.Helper()
	rec := f.do(get("/page"))
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("no CSRF token in the form")
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "egov_csrf" {
			return c, m[1]
		}
	}
	t.Fatal("no CSRF cookie")
	return nil, ""
}

func post(path string, form url.Values, cookie *http.Cookie, headers ...string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

func TestCSRF(t *testing.T) {
	f := newFixture(t, nil)
	cookie, token := csrfPair(t, f)
	other, _ := csrfPair(t, f)
	tests := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"valid token", post("/echo", url.Values{"csrf_token": {token}}, cookie), http.StatusOK},
		{"token in header", post("/echo", nil, cookie, "X-CSRF-Token", token), http.StatusOK},
		{"no token", post("/echo", url.Values{}, cookie), http.StatusForbidden},
		{"no cookie", post("/echo", url.Values{"csrf_token": {token}}, nil), http.StatusForbidden},
		{"another browser's token", post("/echo", url.Values{"csrf_token": {token}}, other), http.StatusForbidden},
		{"forged token", post("/echo", url.Values{"csrf_token": {"x" + token[1:]}}, cookie), http.StatusForbidden},
		{"foreign origin", post("/echo", url.Values{"csrf_token": {token}}, cookie, "Origin", "https://evil.example"), http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(tt.req)
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d: %.200s", rec.Code, tt.want, rec.Body.String())
			}
			if tt.want == http.StatusForbidden && strings.Contains(rec.Body.String(), "accepted") {
				t.Errorf("handler ran despite a bad token")
			}
		})
	}
}

func TestErrorsAsPagesAndProblems(t *testing.T) {
	f := newFixture(t, nil)

	rec := f.do(get("/nowhere", "Accept-Language", "ru"))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "Страница не найдена") {
		t.Errorf("404 page: %d %.300s", rec.Code, rec.Body.String())
	}

	rec = f.do(get("/nowhere", "Accept", "application/json", "Accept-Language", "en"))
	var p web.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem JSON: %v: %s", err, rec.Body.String())
	}
	if rec.Header().Get("Content-Type") != "application/problem+json" || p.Status != 404 || p.Code != "not_found" || p.Title != "Page not found" || p.RequestID == "" {
		t.Errorf("problem = %+v (%s)", p, rec.Header().Get("Content-Type"))
	}

	rec = f.do(get("/fail", "Accept", "application/problem+json", "Accept-Language", "uz-Cyrl"))
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if rec.Code != 400 || p.Errors["pinfl"] != "Киритилган маълумотларни текширинг." {
		t.Errorf("field errors: %d %+v", rec.Code, p)
	}

	rec = f.do(httptest.NewRequest(http.MethodDelete, "/page", nil))
	if rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Header().Get("Allow"), "GET") {
		t.Errorf("405: %d allow=%q", rec.Code, rec.Header().Get("Allow"))
	}

	rec = f.do(get("/secret"))
	if rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "classified-data") {
		t.Errorf("non-public route without authorizer: %d", rec.Code)
	}

	rec = f.do(get("/panic", "Accept-Language", "en"))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "Sorry, something went wrong") || strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("panic: %d %.300s", rec.Code, rec.Body.String())
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, nil)
	cookie, token := csrfPair(t, f)
	req := httptest.NewRequest(http.MethodPost, "/echo", strings.NewReader(strings.Repeat("a", 4096)))
	req.AddCookie(cookie)
	req.Header.Set("X-CSRF-Token", token)
	if rec := f.do(req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", rec.Code)
	}
	// A form that carries its token in the body is too large, not
	// missing its token.
	for _, ct := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		body := "csrf_token=" + token + "&note=" + strings.Repeat("a", 4096)
		if strings.HasPrefix(ct, "multipart") {
			body = "--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n" + strings.Repeat("a", 4096) + "\r\n--x--\r\n"
		}
		req := httptest.NewRequest(http.MethodPost, "/echo", strings.NewReader(body))
		req.AddCookie(cookie)
		req.Header.Set("Content-Type", ct)
		if rec := f.do(req); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized %s form: status %d, want 413", ct, rec.Code)
		}
	}
}

func TestRateLimitPerIP(t *testing.T) {
	f := newFixture(t, func(o *web.Options) { o.RatePerIP, o.BurstPerIP = 1, 3 })
	var codes []int
	for range 5 {
		codes = append(codes, f.do(get("/page")).Code)
	}
	if codes[2] != 200 || codes[3] != 429 || codes[4] != 429 {
		t.Errorf("codes = %v, want three 200 then 429", codes)
	}
	rec := f.do(get("/page"))
	if rec.Header().Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	// Another address has its own budget; health checks are never throttled.
	other := get("/page")
	other.RemoteAddr = "198.51.100.7:5555"
	if c := f.do(other).Code; c != 200 {
		t.Errorf("other IP: %d", c)
	}
	if c := f.do(get("/healthz")).Code; c != 200 {
		t.Errorf("healthz throttled: %d", c)
	}
}

func TestTrustedProxy(t *testing.T) {
	f := newFixture(t, func(o *web.Options) {
		o.RatePerIP, o.BurstPerIP = 1, 1
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	from := func(remote, xff string) int {
		req := get("/page", "X-Forwarded-For", xff)
		req.RemoteAddr = remote
		return f.do(req).Code
	}
	// Behind the proxy, clients are told apart by X-Forwarded-For.
	if from("10.0.0.1:1", "203.0.113.1") != 200 || from("10.0.0.1:1", "203.0.113.2") != 200 {
		t.Errorf("distinct clients behind a trusted proxy were throttled together")
	}
	// An untrusted peer cannot dodge its limit by sending the header.
	if from("198.51.100.9:1", "203.0.113.3") != 200 || from("198.51.100.9:1", "203.0.113.4") != 429 {
		t.Errorf("untrusted X-Forwarded-For was believed")
	}
}

func TestGzipAndStaticAssets(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do(get("/page", "Accept-Encoding", "gzip"))
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("page not gzipped")
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if !strings.Contains(string(body), "<h1>Salom</h1>") {
		t.Errorf("gzipped page body wrong: %.200s", body)
	}
	css := regexp.MustCompile(`href="(/static/css/egov\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(string(body))
	if css == nil {
		t.Fatal("no hashed stylesheet link")
	}
	rec = f.do(get(css[1]))
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("asset: %d %q %q", rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Content-Type"))
	}
	etag := rec.Header().Get("ETag")
	if rec := f.do(get(css[1], "If-None-Match", etag)); rec.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d", rec.Code)
	}
	if rec := f.do(get("/static/css/egov.css")); rec.Code != 200 || strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("unhashed asset: %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if rec := f.do(get("/static/css/nope.css")); rec.Code != 404 {
		t.Errorf("missing asset: %d", rec.Code)
	}
}

func TestPrefsForm(t *testing.T) {
	f := newFixture(t, nil)
	cookie, token := csrfPair(t, f)
	rec := f.do(post("/prefs", url.Values{"csrf_token": {token}, "toggle": {"text"}, "next": {"/page"}}, cookie))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/page" {
		t.Fatalf("prefs: %d -> %q", rec.Code, rec.Header().Get("Location"))
	}
	var prefs *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "egov_prefs" {
			prefs = c
		}
	}
	if prefs == nil {
		t.Fatal("no prefs cookie")
	}
	req := get("/page")
	req.AddCookie(prefs)
	if body := f.do(req).Body.String(); !strings.Contains(body, `class="text-large"`) || !strings.Contains(body, `aria-pressed="true"`) {
		t.Errorf("large text not applied: %.400s", body)
	}
	// "next" cannot send the visitor to another site.
	rec = f.do(post("/prefs", url.Values{"csrf_token": {token}, "toggle": {"contrast"}, "next": {"//evil.example/x"}}, cookie))
	if rec.Header().Get("Location") != "/" {
		t.Errorf("open redirect: %q", rec.Header().Get("Location"))
	}
}

func TestSafeRedirect(t *testing.T) {
	for in, want := range map[string]string{
		"/services/1?x=2":      "/services/1?x=2",
		"":                     "/",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
		"/ok\r\nSet-Cookie:x":  "/",
	} {
		if got := web.SafeRedirect(in, "/"); got != want {
			t.Errorf("SafeRedirect(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	f := newFixture(t, nil)
	healthy := true
	f.srv.AddCheck("database", func(ctx context.Context) error {
		if healthy {
			return nil
		}
		return errors.New("down")
	})
	if rec := f.do(get("/healthz")); rec.Code != 200 {
		t.Errorf("healthz %d", rec.Code)
	}
	rec := f.do(get("/readyz"))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"database":"ok"`) {
		t.Errorf("readyz: %d %s", rec.Code, rec.Body.String())
	}
	healthy = false
	rec = f.do(get("/readyz"))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"database":"failed"`) {
		t.Errorf("readyz with a failed check: %d %s", rec.Code, rec.Body.String())
	}
	f.do(get("/page"))
	rec = f.do(get("/metrics"))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `egov_http_requests_total{code="200",method="GET",route="GET /page"}`) ||
		!strings.Contains(rec.Body.String(), `egov_http_request_duration_seconds_bucket{method="GET",route="GET /page"`) {
		t.Errorf("metrics: %d %.2000s", rec.Code, rec.Body.String())
	}
	outsider := get("/metrics")
	outsider.RemoteAddr = "203.0.113.50:999"
	if rec := f.do(outsider); rec.Code != 403 {
		t.Errorf("metrics open to anyone: %d", rec.Code)
	}
}

func TestGzipNegotiation(t *testing.T) {
	f := newFixture(t, nil)
	for enc, want := range map[string]bool{
		"gzip": true, "gzip;q=0.5": true, "br, gzip": true, "*": true, "GZIP": true,
		"gzip;q=0": false, "gzip; q=0.0": false, "identity": false, "": false, "br": false,
	} {
		got := f.do(get("/page", "Accept-Encoding", enc)).Header().Get("Content-Encoding") == "gzip"
		if got != want {
			t.Errorf("Accept-Encoding %q: gzipped=%v, want %v", enc, got, want)
		}
	}
}
