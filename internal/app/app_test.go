package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// node is an egov node serving on a loopback port for a test.
type node struct {
	app  *app.App
	base string
	stop func()
}

// startNode opens and serves a node with cfg, stopping it gracefully when the
// test ends.
func startNode(t testing.TB, cfg app.Config) *node {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln) }()
	var once bool
	stop := func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	}
	t.Cleanup(stop)
	return &node{app: a, base: "http://" + ln.Addr().String(), stop: stop}
}

// testConfig is the embedded default configuration in a temporary data dir,
// on the given database ("" for SQLite).
func testConfig(t testing.TB, databaseURL string) app.Config {
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = databaseURL
	cfg.Demo = true
	return cfg
}

// eachDatabase runs fn with the embedded SQLite and, when configured, with a
// fresh PostgreSQL schema.
func eachDatabase(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	for engine, u := range dbtest.URLs(t) {
		t.Run(string(engine), func(t *testing.T) {
			if engine == db.SQLite {
				u = ""
			}
			fn(t, u)
		})
	}
}

func fetch(t testing.TB, c *http.Client, method, u string, body url.Values, headers ...string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestHomePageWithDemoData(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		ctx := context.Background()
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		c := &http.Client{}
		want := map[string][]string{
			"uz-Latn": {"Davlat xizmatlari — bir joyda", "Farzand tugʻilishi", "8 ta hayotiy vaziyat"},
			"uz-Cyrl": {"Давлат хизматлари — бир жойда", "Фарзанд туғилиши", "8 та ҳаётий вазият"},
			"ru":      {"Государственные услуги — в одном месте", "Рождение ребёнка", "8 жизненных ситуаций"},
			"en":      {"State services in one place", "Birth of a child", "8 life events"},
		}
		for lang, texts := range want {
			resp, body := fetch(t, c, "GET", n.base+"/?lang="+lang, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d", lang, resp.StatusCode)
			}
			for _, s := range append(texts, `<html lang="`+lang+`"`, `class="demo-banner"`) {
				if !strings.Contains(body, s) {
					t.Errorf("%s page lacks %q", lang, s)
				}
			}
		}
		// Loading the demo again changes nothing.
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		_, body := fetch(t, c, "GET", n.base+"/?lang=en", nil)
		if strings.Count(body, `class="card"`) != 8 {
			t.Errorf("after a second demo load the home page shows %d life events, want 8", strings.Count(body, `class="card"`))
		}
	})
}

func TestOperationalEndpoints(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		c := &http.Client{}
		resp, body := fetch(t, c, "GET", n.base+"/readyz", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `"database":"ok"`) || !strings.Contains(body, `"nats":"ok"`) || !strings.Contains(body, `"blob":"ok"`) {
			t.Errorf("readyz: %d %s", resp.StatusCode, body)
		}
		fetch(t, c, "GET", n.base+"/", nil)
		_, metrics := fetch(t, c, "GET", n.base+"/metrics", nil)
		for _, m := range []string{`egov_http_requests_total{code="200",method="GET",route="GET /{$}"}`, "egov_jobs_pending", "egov_outbox_pending", "egov_outbox_lag_seconds", "go_sql_open_connections", "egov_http_request_duration_seconds_bucket"} {
			if !strings.Contains(metrics, m) {
				t.Errorf("metrics lack %s", m)
			}
		}
		resp, body = fetch(t, c, "GET", n.base+"/no/such/page", nil, "Accept-Language", "en")
		if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") {
			t.Errorf("404: %d", resp.StatusCode)
		}
	})
}

func TestFormsNeedCSRFToken(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, body := fetch(t, c, "GET", n.base+"/?lang=en", nil)
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the home page")
	}
	resp, body := fetch(t, c, "POST", n.base+"/prefs", url.Values{"toggle": {"contrast"}, "next": {"/"}})
	if resp.StatusCode != 403 || !strings.Contains(body, "The form has expired") {
		t.Errorf("POST without token: %d", resp.StatusCode)
	}
	resp, _ = fetch(t, c, "POST", n.base+"/prefs", url.Values{"toggle": {"contrast"}, "next": {"/"}, "csrf_token": {m[1]}})
	if resp.StatusCode != 303 {
		t.Fatalf("POST with token: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, "GET", n.base+"/", nil)
	if !strings.Contains(body, `class="contrast-high"`) {
		t.Errorf("high contrast not remembered")
	}
}

func TestShutdownStopsServing(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	c := &http.Client{}
	if resp, _ := fetch(t, c, "GET", n.base+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	n.stop()
	if _, err := c.Get(n.base + "/healthz"); err == nil {
		t.Errorf("server still answers after shutdown")
	}
}
