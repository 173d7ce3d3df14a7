package payments_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/web"
)

// TestRejectedCallbacks sends callbacks a gateway must not get accepted:
// each is answered with problem details, changes no invoice, runs no hook
// and is recorded with its reason.
func TestRejectedCallbacks(t *testing.T) {
	dbtest.Each(t, []db.Migrations{payments.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := newHarness(t, d)
		inv := h.invoice("app-1", "alice", 41_200_00)
		cancelled := h.invoice("app-2", "alice", 41_200_00)
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return h.svc.Cancel(ctx, tx, "app-2") }); err != nil {
			t.Fatal(err)
		}
		paid := h.invoice("app-3", "alice", 100_00)
		paidBody := callbackBody(paid.ID, 100_00, "UZS", "txn-paid")
		if r := h.callback("demo", paidBody, sign(testSecret, paidBody)); r.status != 200 {
			t.Fatalf("paying app-3: %d %s", r.status, r.body)
		}
		good := callbackBody(inv.ID, 41_200_00, "UZS", "txn-1")
		signed := func(b []byte) string { return sign(testSecret, b) }
		tests := []struct {
			name      string
			provider  string
			body      []byte
			signature string
			status    int
			reason    string
		}{
			{"no signature", "demo", good, "", http.StatusUnauthorized, "signature"},
			{"another key's signature", "demo", good, sign([]byte("another-secret-another-secret-xx"), good), http.StatusUnauthorized, "signature"},
			{"signature of another body", "demo", good, signed(callbackBody(inv.ID, 1, "UZS", "txn-1")), http.StatusUnauthorized, "signature"},
			{"signature not hex", "demo", good, "zz", http.StatusUnauthorized, "signature"},
			{"wrong amount", "demo", callbackBody(inv.ID, 41_200_00-1, "UZS", "txn-1"), "", http.StatusBadRequest, "amount"},
			{"wrong currency", "demo", callbackBody(inv.ID, 41_200_00, "USD", "txn-1"), "", http.StatusBadRequest, "currency"},
			{"unknown invoice", "demo", callbackBody(db.NewID(), 41_200_00, "UZS", "txn-1"), "", http.StatusNotFound, "invoice"},
			{"cancelled invoice", "demo", callbackBody(cancelled.ID, 41_200_00, "UZS", "txn-1"), "", http.StatusConflict, "cancelled"},
			{"paid by another transaction", "demo", callbackBody(paid.ID, 100_00, "UZS", "txn-2"), "", http.StatusConflict, "already_paid"},
			{"transaction that paid another invoice", "demo", callbackBody(inv.ID, 41_200_00, "UZS", "txn-paid"), "", http.StatusConflict, "txn_reused"},
			{"unknown field", "demo", []byte(`{"invoice_id":"` + inv.ID + `","amount":4120000,"currency":"UZS","transaction_id":"t","status":"paid","time":"2026-03-01T10:00:00Z","fee":0}`), "", http.StatusBadRequest, "malformed"},
			{"failed payment", "demo", []byte(`{"invoice_id":"` + inv.ID + `","amount":4120000,"currency":"UZS","transaction_id":"t","status":"failed","time":"2026-03-01T10:00:00Z"}`), "", http.StatusBadRequest, "malformed"},
			{"two objects", "demo", append(good, good...), "", http.StatusBadRequest, "malformed"},
			{"too large", "demo", []byte(`{"invoice_id":"` + strings.Repeat(" ", 10<<10) + `"}`), "", http.StatusBadRequest, "malformed"},
			{"unknown gateway", "click", good, "", http.StatusNotFound, "provider"},
		}
		for _, tt := range tests {
			sig := tt.signature
			if sig == "" && tt.reason != "signature" {
				sig = signed(tt.body)
			}
			r := h.callback(tt.provider, tt.body, sig)
			var p web.Problem
			if err := json.Unmarshal([]byte(r.body), &p); err != nil || r.status != tt.status || p.Status != tt.status ||
				r.header.Get("Content-Type") != "application/problem+json" || p.Detail == "" || strings.HasPrefix(p.Detail, "payments.") {
				t.Errorf("%s: %d %s %s", tt.name, r.status, r.header.Get("Content-Type"), r.body)
			}
		}
		if got, _ := h.svc.Find(ctx, "alice", inv.ID); got.Status != payments.Pending || got.ProviderTxn != "" {
			t.Errorf("invoice after rejected callbacks: %+v", got)
		}
		if got, _ := h.svc.Find(ctx, "alice", cancelled.ID); got.Status != payments.Cancelled {
			t.Errorf("cancelled invoice became %s", got.Status)
		}
		if got, _ := h.svc.Find(ctx, "alice", paid.ID); got.ProviderTxn != "txn-paid" {
			t.Errorf("paid invoice's transaction became %s", got.ProviderTxn)
		}
		if calls := h.hookCalls(); len(calls) != 1 || calls[0].ID != paid.ID {
			t.Errorf("hook calls: %+v", calls)
		}
		log, err := h.svc.RecentCallbacks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, c := range log {
			if c.Outcome == payments.OutcomeRejected {
				reasons = append(reasons, c.Reason)
				if c.RequestID == "" || c.RemoteAddr == "" || c.ReceivedAt.IsZero() {
					t.Errorf("rejection recorded without request: %+v", c)
				}
			}
		}
		if len(reasons) != len(tests) {
			t.Errorf("recorded rejections %v; want %d", reasons, len(tests))
		}
		for i, tt := range tests {
			if want := tt.reason; i < len(reasons) && reasons[len(reasons)-1-i] != want {
				t.Errorf("rejection %d (%s) recorded as %q, want %q", i, tt.name, reasons[len(reasons)-1-i], want)
			}
		}
	})
}

// TestConcurrentCallbacksPayOnce races the gateway's first callback with
// its retries: one pays, the others are duplicates.
func TestConcurrentCallbacksPayOnce(t *testing.T) {
	dbtest.Each(t, []db.Migrations{payments.Migrations()}, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		inv := h.invoice("app-1", "alice", 41_200_00)
		body := callbackBody(inv.ID, 41_200_00, "UZS", "txn-1")
		var mu sync.Mutex
		outcomes := map[string]int{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				r := h.callback("demo", body, sign(testSecret, body))
				var got struct{ Outcome string }
				if err := json.Unmarshal([]byte(r.body), &got); err != nil || got.Outcome == "" {
					t.Logf("%d %s", r.status, r.body)
				}
				mu.Lock()
				outcomes[got.Outcome]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if outcomes["paid"] != 1 || outcomes["duplicate"] != 7 || len(h.hookCalls()) != 1 {
			t.Errorf("outcomes %v, %d hook calls", outcomes, len(h.hookCalls()))
		}
	})
}
