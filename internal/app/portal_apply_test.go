package app_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
)

var draftStep = regexp.MustCompile(`^/drafts/([^/]+)/steps/([a-z_]+)$`)

// openDraft presses "Apply now" for the duplicate birth certificate as v
// and returns the draft it opens at its first step.
func openDraft(t *testing.T, v *visitor) string {
	t.Helper()
	resp, _ := v.get("/apply/birth-certificate-duplicate")
	m := draftStep.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != 303 || m == nil || m[2] != "applicant" {
		t.Fatalf("apply: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return m[1]
}

// TestApplyOnline walks Aziz through the duplicate birth certificate's
// pages as a browser would: the form comes filled in from the identity
// register and, over the bus, the civil registry, each value with its
// source; a step with a missing answer comes back with the error and
// keeps what was typed; he saves and comes back; "check your answers"
// lists everything; sending twice makes one application, which his
// cabinet shows with its status and due date. Malika reaches neither his
// draft nor his application, and his profile shows the civil registry
// lookup with its purpose.
func TestApplyOnline(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		if err := n.app.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		aziz := identity.DemoPeople()[0]
		v := newVisitor(t, n.base)
		v.login("+998901000001", identity.DemoPassword, "/profile")

		draft := openDraft(t, v)
		step := func(id string) string { return "/drafts/" + draft + "/steps/" + id }
		_, page := v.get(step("applicant"))
		page = html.UnescapeString(page)
		for _, want := range []string{`value="` + aziz.LastName + `"`, `value="` + aziz.PINFL + `"`, "From the national identity register",
			"Step 1 of 3"} {
			if !strings.Contains(page, want) {
				t.Errorf("applicant step lacks %q", want)
			}
		}
		if resp, _ := v.post(step("applicant"), step("applicant"), url.Values{"applicant_pinfl": {aziz.PINFL},
			"applicant_last_name": {aziz.LastName}, "applicant_first_name": {aziz.FirstName}, "relation": {"self"},
			"phone": {"+998901000001"}, "action": {"next"}}); resp.StatusCode != 303 || resp.Header.Get("Location") != step("child") {
			t.Fatalf("applicant step: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}

		// The child step comes from Aziz's birth record, over the bus.
		_, page = v.get(step("child"))
		page = html.UnescapeString(page)
		office := regexp.MustCompile(`id="registry_office" name="registry_office" value="([^"]+FHDYo boʻlimi)"`).FindStringSubmatch(page)
		if office == nil || !strings.Contains(page, `value="`+aziz.FirstName+`"`) ||
			!strings.Contains(page, "From the civil registry (Ministry of Justice)") || !strings.Contains(page, "selected") {
			t.Fatalf("child step is not filled in from the civil registry:\n%s", page)
		}
		region := regexp.MustCompile(`<option value="([a-z_]+)" selected>`).FindStringSubmatch(page)
		child := url.Values{"child_last_name": {aziz.LastName}, "child_first_name": {aziz.FirstName},
			"child_birth_date": {aziz.BirthDate.Format("2006-01-02")}, "birth_region": {region[1]}, "registry_office": {office[1]},
			"reason": {""}, "action": {"next"}}
		resp, page := v.post(step("child"), step("child"), child)
		if resp.StatusCode != 422 || !strings.Contains(page, `id="reason-error"`) || !strings.Contains(page, office[1]) {
			t.Errorf("a missing reason: %d", resp.StatusCode)
		}
		child.Set("reason", "lost")
		if resp, _ := v.post(step("child"), step("child"), child); resp.StatusCode != 303 || resp.Header.Get("Location") != step("delivery") {
			t.Fatalf("child step: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}

		// Save and come back later: the cabinet lists the draft.
		delivery := url.Values{"delivery_method": {"office"}, "action": {"save"}}
		if resp, _ := v.post(step("delivery"), step("delivery"), delivery); resp.StatusCode != 303 ||
			resp.Header.Get("Location") != "/account/applications?saved=1" {
			t.Fatalf("save: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, page := v.get("/account/applications?saved=1"); !strings.Contains(page, "/drafts/"+draft+"/check") ||
			!strings.Contains(page, "Your answers are saved") {
			t.Error("the cabinet does not list the draft")
		}
		if _, page := v.get(step("delivery")); !strings.Contains(page, `value="office" checked`) {
			t.Error("the saved answer is not shown again")
		}
		delivery = url.Values{"delivery_method": {"office"}, "pickup_region": {"tashkent_city"}, "consent": {"false", "true"},
			"action": {"next"}}
		if resp, _ := v.post(step("delivery"), step("delivery"), delivery); resp.StatusCode != 303 ||
			resp.Header.Get("Location") != "/drafts/"+draft+"/check" {
			t.Fatalf("delivery step: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, page = v.get("/drafts/" + draft + "/check")
		page = html.UnescapeString(page)
		if resp.StatusCode != 200 || !strings.Contains(page, "Check your answers") || !strings.Contains(page, office[1]) ||
			!strings.Contains(page, "From the civil registry") || !strings.Contains(page, "Send application") {
			t.Fatalf("check your answers: %d\n%s", resp.StatusCode, page)
		}

		// Malika reaches nothing of it.
		malika := newVisitor(t, n.base)
		malika.login("+998901000002", identity.DemoPassword, "/profile")
		for _, path := range []string{"/drafts/" + draft + "/check", step("child")} {
			if resp, _ := malika.get(path); resp.StatusCode != 404 {
				t.Errorf("Malika GET %s: %d", path, resp.StatusCode)
			}
		}

		// Sending twice makes one application.
		resp, _ = v.post("/drafts/"+draft+"/check", "/drafts/"+draft+"/submit", url.Values{})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/account/applications/") || !strings.HasSuffix(loc, "?submitted=1") {
			t.Fatalf("submit: %d %q", resp.StatusCode, loc)
		}
		appPath := strings.TrimSuffix(loc, "?submitted=1")
		resp, _ = v.post("/account/applications", "/drafts/"+draft+"/submit", url.Values{})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != appPath {
			t.Errorf("second submit: %d %q, want %s", resp.StatusCode, resp.Header.Get("Location"), appPath)
		}
		_, page = v.get(loc)
		number := regexp.MustCompile(`Your application number is (\d{4}-\d{7})`).FindStringSubmatch(page)
		if number == nil || !strings.Contains(page, "Decision due by") || !strings.Contains(page, "Application sent") {
			t.Fatalf("application page:\n%s", page)
		}
		// The duplicate costs a tenth of the base calculation amount.
		invoice := regexp.MustCompile(`href="/payments/([^/"]+)/receipt"`).FindStringSubmatch(page)
		if invoice == nil || !strings.Contains(html.UnescapeString(page), "Amount: 41,200 soʻm") {
			t.Fatalf("the application page does not ask for the fee:\n%s", page)
		}
		payFee(t, v, invoice[1])
		eventually(t, "the agency receives it", func() bool {
			_, page := v.get(appPath)
			return strings.Contains(page, "Being reviewed") && strings.Contains(page, "The agency received the application") &&
				strings.Contains(page, "The fee was paid") && strings.Contains(page, "Payment receipt")
		})
		if _, page := v.get("/account/applications"); !strings.Contains(page, number[1]) || strings.Contains(page, "/drafts/"+draft) {
			t.Error("the cabinet does not list the application alone")
		}
		if list, err := n.app.Applications.List(context.Background(), userIDOf(t, n, aziz.PINFL), 10); err != nil || len(list) != 1 ||
			list[0].Region != "tashkent_city" {
			t.Errorf("applications: %d, %v", len(list), err)
		}
		// Statistics hear of it with its service, agency, channel and
		// region (where the certificate is collected).
		var payload string
		if err := n.app.DB.Reader().QueryRowContext(context.Background(), `SELECT payload FROM events_outbox
			WHERE subject LIKE '%portal.application.submitted' ORDER BY id DESC LIMIT 1`).Scan(&payload); err != nil ||
			!strings.Contains(payload, `"region":"tashkent_city"`) || !strings.Contains(payload, `"channel":"online"`) ||
			!strings.Contains(payload, `"service":"birth-certificate-duplicate"`) {
			t.Errorf("the submitted event: %s %v", payload, err)
		}
		if resp, _ := malika.get(appPath); resp.StatusCode != 404 {
			t.Errorf("Malika reads Aziz's application: %d", resp.StatusCode)
		}

		// The lookup shows in Aziz's data tracker, with its purpose.
		_, page = v.get("/profile?lang=en")
		if page = html.UnescapeString(page); !strings.Contains(page, "application/birth-certificate-duplicate") {
			t.Error("Aziz's profile lacks the prefill lookup")
		}
	})
}

// userIDOf is the account ID of the person with the PINFL.
func userIDOf(t testing.TB, n *node, pinfl string) string {
	t.Helper()
	var id string
	if err := n.app.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM identity_users WHERE pinfl = $1`, pinfl).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// payFee pays the application's fee as its applicant v does: from the
// receipt page to the demo gateway's page, whose "Pay" sends the signed
// callback; the receipt then shows the payment.
func payFee(t *testing.T, v *visitor, invoiceID string) {
	t.Helper()
	receipt := "/payments/" + invoiceID + "/receipt"
	resp, _ := v.post(receipt, "/payments/checkout/"+invoiceID, url.Values{"provider": {"demo"}})
	bank := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(bank, "/payments/demo/checkout/"+invoiceID) {
		t.Fatalf("checkout: %d %q", resp.StatusCode, bank)
	}
	if resp, _ := v.post(bank, "/payments/demo/checkout/"+invoiceID, url.Values{"action": {"pay"}, "return": {receipt}}); resp.StatusCode != 303 {
		t.Fatalf("pay: %d", resp.StatusCode)
	}
	if _, page := v.get(receipt); strings.Contains(page, `action="/payments/checkout/`) {
		t.Fatal("the invoice is still to pay after paying")
	}
}
