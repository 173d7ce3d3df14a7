package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
)

// TestApplicationsAPIFollowUp walks what the mobile app does after
// submitting: it asks what the registries hold to fill the form in,
// answers the officer's request, and rates the service once decided; the
// application carries its fee, invoice, due date and rating.
func TestApplicationsAPIFollowUp(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	ctx := context.Background()
	if err := n.app.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	aziz := identity.DemoPeople()[0]
	v := newVisitor(t, n.base)
	v.login("+998901000001", identity.DemoPassword, "/profile")
	var prefill struct {
		FormVersion int `json:"form_version"`
		Values      map[string]struct {
			Value  any
			Source string
		}
	}
	if resp := v.sendJSON("/profile", "GET", "/api/v1/services/birth-certificate-duplicate/prefill", "", &prefill); resp.StatusCode != 200 ||
		prefill.Values["applicant_last_name"].Value != aziz.LastName || prefill.Values["applicant_last_name"].Source != "person" ||
		prefill.Values["child_first_name"].Value != aziz.FirstName || prefill.Values["child_first_name"].Source != "birth-record" {
		t.Fatalf("prefill: %d %+v", resp.StatusCode, prefill)
	}
	if resp := v.sendJSON("/profile", "GET", "/api/v1/services/no-such-service/prefill", "", nil); resp.StatusCode != 404 {
		t.Errorf("prefill of an unknown service: %d", resp.StatusCode)
	}
	in := demoSubmission(t, n.app, "")
	answers, _ := json.Marshal(in.Answers)
	var app struct {
		ID, Number, Invoice string
		Fee                 int64
		DueAt               *string `json:"due_at"`
		Rating              int
		Timeline            []struct{ Kind string }
	}
	body := fmt.Sprintf(`{"service": "birth-certificate-duplicate", "form_version": %d, "idempotency_key": "api-1", "answers": %s}`,
		prefill.FormVersion, answers)
	if resp := v.sendJSON("/profile", "POST", "/api/v1/applications", body, &app); resp.StatusCode != 201 || app.Fee != 4_120_000 ||
		app.Invoice == "" || app.DueAt == nil {
		t.Fatalf("submit: %d %+v", resp.StatusCode, app)
	}
	// The app shows the invoice and sends the payer to the gateway.
	var inv struct {
		Status    string
		Amount    int64
		Providers []string
	}
	if resp := v.sendJSON("/profile", "GET", "/api/v1/payments/"+app.Invoice, "", &inv); resp.StatusCode != 200 || inv.Status != "pending" ||
		inv.Amount != 4_120_000 || len(inv.Providers) != 1 || inv.Providers[0] != "demo" {
		t.Errorf("the invoice: %d %+v", resp.StatusCode, inv)
	}
	var checkout struct{ Redirect string }
	if resp := v.sendJSON("/profile", "POST", "/api/v1/payments/"+app.Invoice+"/checkout", `{"provider": "demo"}`, &checkout); resp.StatusCode != 200 ||
		!strings.HasPrefix(checkout.Redirect, "/payments/demo/checkout/"+app.Invoice) {
		t.Errorf("checkout: %d %+v", resp.StatusCode, checkout)
	}
	if resp := malika(t, n).sendJSON("/profile", "GET", "/api/v1/payments/"+app.Invoice, "", nil); resp.StatusCode != 404 {
		t.Errorf("Malika reads Aziz's invoice: %d", resp.StatusCode)
	}
	path := "/api/v1/applications/" + app.ID
	if resp := v.sendJSON("/profile", "POST", path+"/reply", `{"reply": "Here it is"}`, nil); resp.StatusCode != 409 {
		t.Errorf("a reply nobody asked for: %d", resp.StatusCode)
	}
	if err := n.app.Applications.SetStatus(ctx, app.Number, "more_info", "Send your passport's first page", "step-1"); err != nil {
		t.Fatal(err)
	}
	if resp := v.sendJSON("/profile", "POST", path+"/reply", `{"reply": " "}`, nil); resp.StatusCode != 400 {
		t.Errorf("an empty reply: %d", resp.StatusCode)
	}
	if resp := v.sendJSON("/profile", "POST", path+"/reply", `{"reply": "Sent by post"}`, nil); resp.StatusCode != 204 {
		t.Errorf("reply: %d", resp.StatusCode)
	}
	if resp := v.sendJSON("/profile", "POST", path+"/rating", `{"rating": 5}`, nil); resp.StatusCode != 409 {
		t.Errorf("a rating before the decision: %d", resp.StatusCode)
	}
	if err := n.app.Applications.SetStatus(ctx, app.Number, "approved", "", "step-2"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body   string
		status int
	}{{`{"rating": 9}`, 400}, {`{"rating": 4, "comment": "Tez"}`, 204}, {`{"rating": 5}`, 409}, {`{"stars": 5}`, 400}} {
		if resp := v.sendJSON("/profile", "POST", path+"/rating", c.body, nil); resp.StatusCode != c.status {
			t.Errorf("rating %s: %d, want %d", c.body, resp.StatusCode, c.status)
		}
	}
	if resp := v.sendJSON("/profile", "GET", path, "", &app); resp.StatusCode != 200 || app.Rating != 4 {
		t.Errorf("the application: %d %+v", resp.StatusCode, app)
	}
	kinds := map[string]bool{}
	for _, e := range app.Timeline {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"submitted", "more_info", "reply", "approved", "rated"} {
		if !kinds[k] {
			t.Errorf("the timeline lacks %s: %+v", k, app.Timeline)
		}
	}
	if resp := malika(t, n).sendJSON("/profile", "POST", path+"/reply", `{"reply": "x"}`, nil); resp.StatusCode != 404 {
		t.Errorf("Malika replies to Aziz's application: %d", resp.StatusCode)
	}

	// Claiming the passport's exemption makes no invoice, and the process
	// goes on to the officer without waiting for a payment.
	var exempt struct {
		Number, Invoice string
		Fee             int64
		FeeExempt       bool `json:"fee_exempt"`
	}
	body = fmt.Sprintf(`{"service": "birth-certificate-duplicate", "form_version": %d, "idempotency_key": "api-2", "answers": %s,
		"fee_exempt": true}`, prefill.FormVersion, answers)
	if resp := v.sendJSON("/profile", "POST", "/api/v1/applications", body, &exempt); resp.StatusCode != 201 || exempt.Fee != 0 ||
		exempt.Invoice != "" || !exempt.FeeExempt {
		t.Fatalf("an exempt application: %d %+v", resp.StatusCode, exempt)
	}
	officer := newVisitor(t, n.base)
	officer.login("+998901000011", identity.DemoPassword, "/work")
	eventually(t, "the exempt application at the officer", func() bool {
		_, inbox := officer.get("/work")
		return strings.Contains(inbox, exempt.Number)
	})
	if _, page := officer.get("/office/applications/" + exempt.Number); !strings.Contains(page, "The applicant claims exemption") {
		t.Error("the officer's page does not show the exemption claimed")
	}
}
