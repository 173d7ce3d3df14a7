package payments_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// TestDemoPayment pays an invoice the way a citizen does: the invoice
// page, the demo bank's page, "Pay", the signed callback over HTTP, back
// to the receipt. Replays of the callback change nothing.
func TestDemoPayment(t *testing.T) {
	dbtest.Each(t, []db.Migrations{payments.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := newHarness(t, d)
		amount, _ := h.svc.Due(payments.Fee{BCAMultiple: 0.1}, false)
		inv := h.invoice("app-1", "alice", amount)
		receipt := "/payments/" + inv.ID + "/receipt"

		page := h.do("GET", receipt, "alice", nil)
		if page.status != 200 || !strings.Contains(page.body, "Awaiting payment") || !strings.Contains(page.body, "UZS 41,200") ||
			!strings.Contains(page.body, `name="provider" value="demo"`) {
			t.Fatalf("invoice page: %d\n%s", page.status, page.body)
		}
		token := h.token(page.body)
		start := h.do("POST", "/payments/checkout/"+inv.ID, "alice", url.Values{"csrf_token": {token}, "provider": {"demo"}, "return": {receipt}})
		if start.status != http.StatusSeeOther || !strings.HasPrefix(start.location, "/payments/demo/checkout/"+inv.ID+"?") {
			t.Fatalf("checkout: %d %q\n%s", start.status, start.location, start.body)
		}
		bank := h.do("GET", start.location, "alice", nil)
		if bank.status != 200 || !strings.Contains(bank.body, "not a real bank") || !strings.Contains(bank.body, "Davlat boji: app-1") ||
			!strings.Contains(bank.body, "Pay UZS 41,200") || !strings.Contains(bank.body, `name="return" value="`+receipt+`"`) {
			t.Fatalf("demo bank page: %d\n%s", bank.status, bank.body)
		}
		if got := h.hookCalls(); len(got) != 0 {
			t.Fatalf("paid before paying: %v", got)
		}
		pay := h.do("POST", "/payments/demo/checkout/"+inv.ID, "alice", url.Values{"csrf_token": {h.token(bank.body)}, "action": {"pay"}, "return": {receipt}})
		if pay.status != http.StatusSeeOther || pay.location != receipt {
			t.Fatalf("pay: %d %q\n%s", pay.status, pay.location, pay.body)
		}

		got, err := h.svc.Find(ctx, "alice", inv.ID)
		if err != nil || got.Status != payments.Paid || got.Provider != payments.DemoName || !strings.HasPrefix(got.ProviderTxn, "demo-") || got.PaidAt.IsZero() {
			t.Fatalf("after paying: %+v, %v", got, err)
		}
		calls := h.hookCalls()
		if len(calls) != 1 || calls[0] != got {
			t.Fatalf("hook calls = %+v; want one with %+v", calls, got)
		}

		// The gateway retries and an attacker replays: acknowledged, no effect.
		if len(h.callbacks) != 1 {
			t.Fatalf("demo gateway sent %d callbacks", len(h.callbacks))
		}
		cb := h.callbacks[0]
		var wire map[string]any
		if err := json.Unmarshal(cb.body, &wire); err != nil || wire["invoice_id"] != inv.ID || wire["amount"] != float64(41_200_00) ||
			wire["status"] != "paid" || wire["transaction_id"] != got.ProviderTxn || wire["time"] == nil || cb.signature != sign(testSecret, cb.body) {
			t.Fatalf("callback body %s, signature %s", cb.body, cb.signature)
		}
		for range 3 {
			if r := h.callback("demo", cb.body, cb.signature); r.status != 200 || !strings.Contains(r.body, `"duplicate"`) {
				t.Fatalf("replay: %d %s", r.status, r.body)
			}
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { h.callback("demo", cb.body, cb.signature) })
		}
		wg.Wait()
		if calls := h.hookCalls(); len(calls) != 1 {
			t.Fatalf("hook called %d times", len(calls))
		}
		if again, _ := h.svc.Find(ctx, "alice", inv.ID); again != got {
			t.Errorf("replay changed the invoice: %+v", again)
		}
		// Paying again on the bank's page does not charge twice.
		h.do("POST", "/payments/demo/checkout/"+inv.ID, "alice", url.Values{"csrf_token": {token}, "action": {"pay"}})
		if len(h.callbacks) != 1 || len(h.hookCalls()) != 1 {
			t.Errorf("second pay: %d callbacks, %d hook calls", len(h.callbacks), len(h.hookCalls()))
		}

		page = h.do("GET", receipt, "alice", nil)
		paidAt := got.PaidAt.In(time.FixedZone("UZT", 5*60*60)).Format("15:04")
		for _, want := range []string{"Payment receipt", "UZS 41,200", "Demo payment system", got.ProviderTxn, "Davlat boji: app-1", paidAt, "(Tashkent time)"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("receipt lacks %q:\n%s", want, page.body)
			}
		}
		req, _ := http.NewRequest("GET", h.url+receipt+"?lang=uz-Latn", nil)
		req.Header.Set("X-Test-User", "alice")
		if uz := h.send(req); !strings.Contains(uz.body, "41\u00a0200 soʻm") || !strings.Contains(uz.body, "Toʻlov kvitansiyasi") {
			t.Errorf("Uzbek receipt:\n%s", uz.body)
		}

		log, err := h.svc.RecentCallbacks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[payments.Outcome]int{}
		for _, c := range log {
			outcomes[c.Outcome]++
		}
		if outcomes[payments.OutcomePaid] != 1 || outcomes[payments.OutcomeDuplicate] != 11 || outcomes[payments.OutcomeRejected] != 0 {
			t.Errorf("callback log: %v", outcomes)
		}
	})
}

// TestCancelOnTheBankPage leaves the invoice payable.
func TestCancelOnTheBankPage(t *testing.T) {
	dbtest.Each(t, []db.Migrations{payments.Migrations()}, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		inv := h.invoice("app-1", "alice", 5000_00)
		bank := h.do("GET", "/payments/demo/checkout/"+inv.ID+"?return=/applications/app-1", "alice", nil)
		r := h.do("POST", "/payments/demo/checkout/"+inv.ID, "alice", url.Values{"csrf_token": {h.token(bank.body)}, "action": {"cancel"}, "return": {"https://evil.example/"}})
		if r.status != http.StatusSeeOther || r.location != "/payments/"+inv.ID+"/receipt" {
			t.Errorf("cancel: %d %q", r.status, r.location)
		}
		if got, _ := h.svc.Find(context.Background(), "alice", inv.ID); got.Status != payments.Pending || len(h.callbacks) != 0 {
			t.Errorf("after cancel: %s, %d callbacks", got.Status, len(h.callbacks))
		}
	})
}

// TestHookFailureRollsBackThePayment answers the gateway with an error so
// it retries; the retry pays.
func TestHookFailureRollsBackThePayment(t *testing.T) {
	dbtest.Each(t, []db.Migrations{payments.Migrations()}, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		inv := h.invoice("app-1", "alice", 5000_00)
		h.fail = 1
		body := callbackBody(inv.ID, 5000_00, "UZS", "txn-1")
		if r := h.callback("demo", body, sign(testSecret, body)); r.status != http.StatusInternalServerError {
			t.Fatalf("failing hook: %d %s", r.status, r.body)
		}
		if got, _ := h.svc.Find(context.Background(), "alice", inv.ID); got.Status != payments.Pending {
			t.Fatalf("paid although the hook failed: %+v", got)
		}
		if r := h.callback("demo", body, sign(testSecret, body)); r.status != 200 || !strings.Contains(r.body, `"paid"`) {
			t.Fatalf("retry: %d %s", r.status, r.body)
		}
		if len(h.hookCalls()) != 1 {
			t.Errorf("hook calls: %d", len(h.hookCalls()))
		}
	})
}

// TestOthersCannotSeeOrPay tries another payer's invoice on every route.
func TestOthersCannotSeeOrPay(t *testing.T) {
	dbtest.Each(t, []db.Migrations{payments.Migrations()}, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		alices := h.invoice("app-1", "alice", 5000_00)
		bobs := h.invoice("app-2", "bob", 5000_00)
		token := h.token(h.do("GET", "/payments/"+bobs.ID+"/receipt", "bob", nil).body)
		missing := db.NewID()
		for _, id := range []string{alices.ID, missing} {
			for _, r := range []response{
				h.do("GET", "/payments/"+id+"/receipt", "bob", nil),
				h.do("GET", "/payments/demo/checkout/"+id, "bob", nil),
				h.do("POST", "/payments/demo/checkout/"+id, "bob", url.Values{"csrf_token": {token}, "action": {"pay"}}),
				h.do("POST", "/payments/checkout/"+id, "bob", url.Values{"csrf_token": {token}, "provider": {"demo"}}),
			} {
				if r.status != http.StatusNotFound || strings.Contains(r.body, "Davlat boji") {
					t.Errorf("bob on %s: %d\n%s", id, r.status, r.body)
				}
			}
		}
		for _, path := range []string{"/payments/" + alices.ID + "/receipt", "/payments/demo/checkout/" + alices.ID} {
			if r := h.do("GET", path, "", nil); r.status != http.StatusUnauthorized {
				t.Errorf("anonymous on %s: %d", path, r.status)
			}
		}
		if r := h.do("POST", "/payments/checkout/"+bobs.ID, "bob", url.Values{"csrf_token": {token}, "provider": {"nope"}}); r.status != http.StatusNotFound {
			t.Errorf("unknown gateway: %d", r.status)
		}
		if r := h.do("POST", "/payments/demo/checkout/"+bobs.ID, "bob", url.Values{"action": {"pay"}}); r.status != http.StatusForbidden {
			t.Errorf("pay without CSRF token: %d", r.status)
		}
		if got, _ := h.svc.Find(context.Background(), "alice", alices.ID); got.Status != payments.Pending || len(h.callbacks) != 0 || len(h.hookCalls()) != 0 {
			t.Errorf("alice's invoice after bob: %+v", got)
		}
	})
}

// callbackBody is a demo callback body as the gateway writes it.
func callbackBody(invoice string, amount int64, currency, txn string) []byte {
	return fmt.Appendf(nil, `{"invoice_id":%q,"amount":%d,"currency":%q,"transaction_id":%q,"status":"paid","time":"2026-03-01T10:00:00Z"}`,
		invoice, amount, currency, txn)
}
