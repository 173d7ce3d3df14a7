package payments_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/platform/clock"
)

// FuzzCallbackVerify feeds the demo gateway's callback reader signed and
// unsigned bodies: it must never panic, must refuse every body not signed
// with the secret, and must return only notifications that are whole and
// read back the same.
func FuzzCallbackVerify(f *testing.F) {
	for _, seed := range []string{
		string(callbackBody("01a23547-d70f-71d9-9f28-589249ebbcb8", 4120000, "UZS", "demo-1")),
		`{"invoice_id":"a","amount":1,"currency":"UZS","transaction_id":"t","status":"paid","time":"2026-03-01T10:00:00Z","x":1}`,
		`{"invoice_id":"a","amount":-1,"currency":"UZS","transaction_id":"t","status":"paid","time":"2026-03-01T10:00:00Z"}`,
		`{"invoice_id":"a\u0000","amount":1,"currency":"uzs","transaction_id":"t","status":"paid","time":"2026-03-01T10:00:00Z"}`,
		`{"invoice_id":"a","amount":1e3,"currency":"UZS","transaction_id":"t","status":"paid","time":"x"}`,
		`{"INVOICE_ID":"a","amount":1,"currency":"UZS","transaction_id":"t","status":"paid","time":"2026-03-01T10:00:00Z"}} `,
		`{}`, `[]`, `null`, ``, `{"amount":9223372036854775808}`,
	} {
		f.Add([]byte(seed))
	}
	demo, err := payments.NewDemoProvider(payments.DemoConfig{Secret: testSecret, CallbackURL: "http://127.0.0.1/payments/callback/demo"}, clock.System{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := http.Header{}
		if _, err := demo.Verify(h, body); !errors.Is(err, payments.ErrSignature) {
			t.Fatalf("unsigned body accepted: %v", err)
		}
		h.Set(payments.SignatureHeader, sign([]byte("another-secret-another-secret-xx"), body))
		if _, err := demo.Verify(h, body); !errors.Is(err, payments.ErrSignature) {
			t.Fatalf("body signed with another key accepted: %v", err)
		}
		h.Set(payments.SignatureHeader, sign(testSecret, body))
		n, err := demo.Verify(h, body)
		if err != nil {
			if errors.Is(err, payments.ErrSignature) {
				t.Fatalf("signed body refused as unsigned: %v", err)
			}
			return
		}
		if n.InvoiceID == "" || n.ProviderTxn == "" || n.Amount <= 0 || len(n.Currency) != 3 || n.Status != payments.Paid {
			t.Fatalf("incomplete notification %+v from %q", n, body)
		}
		again, _ := json.Marshal(map[string]any{"invoice_id": n.InvoiceID, "amount": n.Amount, "currency": n.Currency,
			"transaction_id": n.ProviderTxn, "status": "paid", "time": "2026-03-01T10:00:00Z"})
		h.Set(payments.SignatureHeader, sign(testSecret, again))
		if n2, err := demo.Verify(h, again); err != nil || n2 != n {
			t.Fatalf("%+v does not read back: %+v, %v", n, n2, err)
		}
	})
}
