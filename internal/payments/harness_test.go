package payments_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/prometheus/client_golang/prometheus"
)

type userKey struct{}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// testSecret keys the demo gateway's signatures in tests.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// sent is a callback the demo gateway sent.
type sent struct {
	body      []byte
	signature string
}

// harness is a real server on a loopback port with the payment routes,
// the demo gateway posting its callbacks back to it, and a recording hook.
type harness struct {
	t      *testing.T
	d      *db.DB
	svc    *payments.Service
	url    string
	client *http.Client

	mu sync.Mutex
	// paid lists the invoices the OnPaid hook saw, in order.
	paid []payments.Invoice
	// fail makes the hook fail this many more times.
	fail int
	// callbacks are what the demo gateway sent.
	callbacks []sent
}

// recordingTransport remembers the callbacks the demo gateway sends.
type recordingTransport struct{ h *harness }

func (rt recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	rt.h.mu.Lock()
	rt.h.callbacks = append(rt.h.callbacks, sent{body, r.Header.Get(payments.SignatureHeader)})
	rt.h.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(r)
}

func newHarness(t *testing.T, d *db.DB) *harness {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bundle, err := i18n.Load(web.Locales(), payments.Locales())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{Logger: log, Bundle: bundle, Registerer: reg, Gatherer: reg,
		Secret: make([]byte, 32), RatePerIP: 1000, BurstPerIP: 1000, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), userKey{}, r.Header.Get("X-Test-User"))
		handler.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(ts.Close)

	h := &harness{t: t, d: d, url: ts.URL}
	h.svc, err = payments.New(d, clock.System{}, log, srv.Renderer(), payments.Config{})
	if err != nil {
		t.Fatal(err)
	}
	demo, err := payments.NewDemoProvider(payments.DemoConfig{Secret: testSecret,
		CallbackURL: ts.URL + payments.CallbackPath(payments.DemoName),
		Client:      &http.Client{Transport: recordingTransport{h}}}, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	h.svc.AddProvider(demo)
	h.svc.OnPaid(func(ctx context.Context, tx *sql.Tx, inv payments.Invoice) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM payments_invoices WHERE id = $1`, inv.ID).Scan(&status); err != nil {
			return err
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if status != string(payments.Paid) {
			t.Errorf("hook runs outside the paying transaction: status %s", status)
		}
		if h.fail > 0 {
			h.fail--
			return io.ErrUnexpectedEOF
		}
		h.paid = append(h.paid, inv)
		return nil
	})
	srv.Router().SetAuthorizer(func(*http.Request, web.Permission) error { return nil })
	user := func(ctx context.Context) (string, bool) {
		u, _ := ctx.Value(userKey{}).(string)
		return u, u != ""
	}
	h.svc.Routes(srv.Router(), "payments.self", user)
	h.svc.DemoRoutes(srv.Router(), "payments.self", user, demo)
	handler = srv.Handler()

	jar, _ := cookiejar.New(nil)
	h.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

// invoice creates a pending invoice for payer.
func (h *harness) invoice(ref, payer string, amount int64) payments.Invoice {
	h.t.Helper()
	inv, err := createInvoice(h.t, h.d, h.svc, payments.Invoice{Reference: ref, PayerID: payer, Description: "Davlat boji: " + ref, Amount: amount})
	if err != nil {
		h.t.Fatal(err)
	}
	return inv
}

// response is what the server answered.
type response struct {
	status   int
	location string
	header   http.Header
	body     string
}

// do sends a request as user ("" for anonymous) in English; a non-nil form
// is posted.
func (h *harness) do(method, path, user string, form url.Values) response {
	h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, h.url+path, body)
	req.Header.Set("Accept-Language", "en")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	return h.send(req)
}

func (h *harness) send(req *http.Request) response {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header.Get("Location"), resp.Header, string(b)}
}

// token returns the CSRF token of a page.
func (h *harness) token(page string) string {
	h.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// callback posts body to the gateway's callback route with signature, as
// a gateway would.
func (h *harness) callback(provider string, body []byte, signature string) response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+payments.CallbackPath(provider), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(payments.SignatureHeader, signature)
	}
	return h.send(req)
}

// hookCalls returns the invoices the hook saw.
func (h *harness) hookCalls() []payments.Invoice {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]payments.Invoice(nil), h.paid...)
}

// sign signs body with secret as the demo gateway does.
func sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
