package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/portal"
	"github.com/egovuz/egov/internal/workflow"
)

// demoSubmission is Aziz's application for a duplicate birth certificate
// on node a with the idempotency key, as the form's current version wants
// it.
func demoSubmission(t testing.TB, a *app.App, key string) portal.SubmitInput {
	t.Helper()
	ctx := context.Background()
	aziz := identity.DemoPeople()[0]
	var userID string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM identity_users WHERE pinfl = $1`, aziz.PINFL).Scan(&userID); err != nil {
		t.Fatal(err)
	}
	sf, err := a.Registry.Form(ctx, "birth-certificate-duplicate", 0)
	if err != nil {
		t.Fatal(err)
	}
	answers := sf.Form.FromPost(url.Values{
		"applicant_pinfl": {aziz.PINFL}, "applicant_last_name": {aziz.LastName}, "applicant_first_name": {aziz.FirstName},
		"relation": {"self"}, "phone": {"90 100 00 01"}, "child_last_name": {aziz.LastName}, "child_first_name": {aziz.FirstName},
		"child_birth_date": {aziz.BirthDate.Format("2006-01-02")}, "birth_region": {"samarkand"}, "reason": {"lost"},
		"delivery_method": {"post"}, "address.region": {"tashkent_city"}, "address.district": {"Yunusobod tumani"},
		"address.street": {"Amir Temur koʻchasi, 1-uy"}, "address.postcode": {"100084"}, "consent": {"true"},
	})
	return portal.SubmitInput{Applicant: portal.Applicant{UserID: userID, PINFL: aziz.PINFL}, ServiceCode: "birth-certificate-duplicate",
		FormVersion: sf.Version, Answers: answers, IdempotencyKey: key, Channel: portal.ChannelOnline, Locale: i18n.UzLatn}
}

// submitDemoApplication submits demoSubmission and checks that a stale
// form version is refused.
func submitDemoApplication(t *testing.T, a *app.App, key string) (*portal.Application, string) {
	t.Helper()
	ctx := context.Background()
	in := demoSubmission(t, a, key)
	got, err := a.Applications.Submit(ctx, in)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	// A stale form version is refused and nothing more is stored.
	stale := in
	stale.FormVersion, stale.IdempotencyKey = in.FormVersion-1, key+"-stale"
	if _, err := a.Applications.Submit(ctx, stale); !apperr.Is(err, apperr.ECONFLICT) {
		t.Errorf("stale form: %v", err)
	}
	return got, in.Applicant.UserID
}

// TestApplicationSurvivesTheNodeStopping submits an application on a node
// that stops right after the commit, before any of its work runs: the next
// node starts the application's process, once.
func TestApplicationSurvivesTheNodeStopping(t *testing.T) {
	cfg := testConfig(t, "")
	ctx := context.Background()
	first, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := first.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	submitted, userID := submitDemoApplication(t, first, "k1")
	first.Close()

	n := startNode(t, cfg)
	eventually(t, "the application in review", func() bool {
		got, err := n.app.Applications.Find(ctx, userID, submitted.ID)
		return err == nil && got.Status == "in_review"
	})
	again, _ := submitDemoApplication(t, n.app, "k1")
	if again.ID != submitted.ID {
		t.Error("the retried submission made a second application")
	}
	number := submitted.Number
	instances, err := n.app.Workflow.Instances(ctx, workflow.InstanceFilter{BusinessKey: &number})
	if err != nil || len(instances) != 1 {
		t.Errorf("%d instances for %s: %v", len(instances), number, err)
	}
}

// TestApplicationStartsItsProcess submits a citizen's application for a
// duplicate birth certificate with the catalogue's current form: it gets
// its number, its process starts with the applicant's PINFL, fetches the
// birth record from the civil registry over the bus, and reaches the
// officer; the citizen's profile shows the fetch with the application's
// number as purpose.
func TestApplicationStartsItsProcess(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		ctx := context.Background()
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		submitted, userID := submitDemoApplication(t, n.app, "form-open-1")
		eventually(t, "the application in review", func() bool {
			got, err := n.app.Applications.Find(ctx, userID, submitted.ID)
			return err == nil && got.Status == "in_review" && got.ProcessInstance != ""
		})
		got, _ := n.app.Applications.Find(ctx, userID, submitted.ID)
		// The process waits for the fee.
		payer := newVisitor(t, n.base)
		payer.login("+998901000001", identity.DemoPassword, "/profile")
		payFee(t, payer, submitted.InvoiceID)
		eventually(t, "the birth record in the process", func() bool {
			inst, err := n.app.Workflow.Instance(ctx, got.ProcessInstance)
			return err == nil && inst.Variables["birthRecord"] != nil && inst.BusinessKey == submitted.Number
		})
		officer := newVisitor(t, n.base)
		officer.login("+998901000011", identity.DemoPassword, "/work")
		eventually(t, "the task in the officer's inbox", func() bool {
			_, inbox := officer.get("/work")
			return strings.Contains(inbox, submitted.Number)
		})
		v := newVisitor(t, n.base)
		v.login("+998901000001", identity.DemoPassword, "/profile")
		if _, page := v.get("/profile?lang=en"); !strings.Contains(html.UnescapeString(page), submitted.Number) {
			t.Error("the profile lacks the fetch for the application")
		}
		if list, err := n.app.Applications.List(ctx, userID, 10); err != nil || len(list) != 1 {
			t.Errorf("Aziz's applications: %d, %v", len(list), err)
		}

		// Many at once: each gets its number, none waits on another for a
		// database connection.
		var wg sync.WaitGroup
		base := demoSubmission(t, n.app, "")
		for i := range 40 {
			wg.Go(func() {
				in := base
				in.IdempotencyKey = fmt.Sprintf("burst-%d", i)
				if _, err := n.app.Applications.Submit(ctx, in); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if list, err := n.app.Applications.List(ctx, userID, 100); err != nil || len(list) != 41 {
			t.Errorf("after the burst: %d, %v", len(list), err)
		}
	})
}

// TestApplicationsAPI submits and reads applications over the JSON API as
// the mobile app does: a retry gives the same application, bad answers
// get a problem with the field's error in the applicant's language and
// store nothing, and nobody reads another's application.
func TestApplicationsAPI(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	ctx := context.Background()
	if err := n.app.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	in := demoSubmission(t, n.app, "")
	answers, _ := json.Marshal(in.Answers)
	body := fmt.Sprintf(`{"service": "birth-certificate-duplicate", "form_version": %d, "idempotency_key": "tap-1", "answers": %s}`, in.FormVersion, answers)
	v := newVisitor(t, n.base)
	v.login("+998901000001", identity.DemoPassword, "/profile")
	type application struct {
		ID, Number, Status, Service string
		Timeline                    []struct{ Kind string }
	}
	var first, again application
	if resp := v.sendJSON("/profile", "POST", "/api/v1/applications", body, &first); resp.StatusCode != 201 ||
		resp.Header.Get("Location") != "/api/v1/applications/"+first.ID || first.Number == "" {
		t.Fatalf("submit: %d %+v", resp.StatusCode, first)
	}
	if resp := v.sendJSON("/profile", "POST", "/api/v1/applications", body, &again); resp.StatusCode != 200 || again.ID != first.ID {
		t.Errorf("retry: %d %+v", resp.StatusCode, again)
	}
	var problem struct {
		Status int
		Errors map[string]string
	}
	bad := strings.Replace(body, `"tap-1"`, `"tap-2"`, 1)
	bad = strings.Replace(bad, `"reason":"lost"`, `"reason":"stolen"`, 1)
	if resp := v.sendJSON("/profile", "POST", "/api/v1/applications?lang=en", bad, &problem); resp.StatusCode != 400 || problem.Errors["reason"] == "" {
		t.Errorf("bad answer: %d %+v", resp.StatusCode, problem)
	}
	for _, c := range []struct {
		body, why string
		status    int
	}{
		{fmt.Sprintf(`{"service": "birth-certificate-duplicate", "form_version": %d, "idempotency_key": "tap-3", "answers": %s}`,
			in.FormVersion+1, answers), "stale form", 409},
		{`{"service": "birth-certificate-duplicate", "colour": "red"}`, "unknown field", 400},
		{`{"service": "no-such-service", "form_version": 1, "idempotency_key": "tap-4", "answers": {}}`, "unknown service", 404},
	} {
		if resp := v.sendJSON("/profile", "POST", "/api/v1/applications", c.body, nil); resp.StatusCode != c.status {
			t.Errorf("%s: %d", c.why, resp.StatusCode)
		}
	}
	var mine struct{ Applications []application }
	if resp := v.sendJSON("/profile", "GET", "/api/v1/applications", "", &mine); resp.StatusCode != 200 || len(mine.Applications) != 1 {
		t.Errorf("list: %d %+v", resp.StatusCode, mine)
	}
	var shown application
	eventually(t, "the process started", func() bool {
		v.sendJSON("/profile", "GET", "/api/v1/applications/"+first.ID, "", &shown)
		return shown.Status == "in_review" && len(shown.Timeline) == 2
	})

	// Aziz is told, in his inbox (and by SMS, his default); Malika is not.
	if _, page := v.get("/account/notifications?lang=en"); !strings.Contains(page, first.Number) {
		t.Error("Aziz's notifications lack his application")
	}
	malika := newVisitor(t, n.base)
	malika.login("+998901000002", identity.DemoPassword, "/profile")
	if _, page := malika.get("/account/notifications?lang=en"); strings.Contains(page, first.Number) {
		t.Error("Malika sees Aziz's notification")
	}
	if resp := malika.sendJSON("/profile", "GET", "/api/v1/applications/"+first.ID, "", nil); resp.StatusCode != 404 {
		t.Errorf("Malika reads Aziz's application: %d", resp.StatusCode)
	}
	if resp := malika.sendJSON("/profile", "GET", "/api/v1/applications", "", &mine); resp.StatusCode != 200 || len(mine.Applications) != 0 {
		t.Errorf("Malika's list: %d %+v", resp.StatusCode, mine)
	}
	anon := newVisitor(t, n.base)
	if resp, _ := anon.get("/api/v1/applications"); resp.StatusCode != 401 {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}

// TestNotificationsPage checks that a citizen reaches their notifications
// and channel choices, and that an anonymous visitor is asked to sign in.
func TestNotificationsPage(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := newVisitor(t, n.base)
	v.login("+998901000001", identity.DemoPassword, "/profile")
	if resp, page := v.get("/account/notifications?lang=en"); resp.StatusCode != 200 || !strings.Contains(page, "csrf") {
		t.Errorf("notifications page: %d", resp.StatusCode)
	}
	if resp, _ := newVisitor(t, n.base).get("/account/notifications"); resp.StatusCode != 401 && resp.StatusCode != 303 {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}
