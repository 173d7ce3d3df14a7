package portal_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/portal"
)

// testForms is one live service whose form, version 3, has a step
// "about" with a "reason" of at least three characters and a "surname"
// the person register fills in, and a step "where" with an optional
// "city"; "old-service" is not live.
type testForms struct{}

const testFormDoc = `{"type":"object",
 "x-egov":{"title":{"uz-Latn":"T","uz-Cyrl":"Т","ru":"Т","en":"T"},
  "steps":[{"id":"about","title":{"uz-Latn":"A","uz-Cyrl":"А","ru":"А","en":"A"}},
           {"id":"where","title":{"uz-Latn":"W","uz-Cyrl":"W","ru":"W","en":"W"}}]},
 "properties":{
  "surname":{"type":"string","x-egov":{"label":{"uz-Latn":"F","uz-Cyrl":"Ф","ru":"Ф","en":"S"},"step":"about","prefill":"person:lastName"}},
  "reason":{"type":"string","minLength":3,"x-egov":{"label":{"uz-Latn":"S","uz-Cyrl":"С","ru":"П","en":"R"},"step":"about"}},
  "city":{"type":"string","x-egov":{"label":{"uz-Latn":"Sh","uz-Cyrl":"Ш","ru":"Г","en":"C"},"step":"where"}}},
 "required":["reason"]}`

var testForm = func() *form.Form {
	f, err := form.Parse([]byte(testFormDoc))
	if err != nil {
		panic(err)
	}
	return f
}()

func (testForms) Service(_ context.Context, code string) (portal.ServiceInfo, error) {
	if code != "birth-certificate-duplicate" && code != "signed-service" {
		return portal.ServiceInfo{}, apperr.New(apperr.ENOTFOUND, "nope")
	}
	return portal.ServiceInfo{Code: code, AgencyID: "agency-adliya", ProcessKey: "birth-certificate-duplicate", FormVersion: 3,
		Recipients: "citizen", TermDays: 3, SignatureRequired: code == "signed-service"}, nil
}

func (testForms) Form(_ context.Context, code string, version int) (*form.Form, error) {
	if (code != "birth-certificate-duplicate" && code != "signed-service") || version != 3 {
		return nil, apperr.New(apperr.ENOTFOUND, "nope")
	}
	return testForm, nil
}

// startedProcesses starts at most one instance per business key, as the
// workflow adapter does, and remembers the variables.
type startedProcesses struct {
	mu   sync.Mutex
	vars map[string]map[string]any
}

func (p *startedProcesses) StartOnce(_ context.Context, key, businessKey, agency string, vars map[string]any) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.vars[businessKey]; !ok {
		p.vars[businessKey] = vars
	}
	return "instance-" + businessKey, nil
}

// told collects the notifications of applicants.
type told struct {
	mu     sync.Mutex
	events []string
}

func (n *told) Prepare(_ context.Context, userID, service, event string) (func(context.Context, *sql.Tx, map[string]string) error, error) {
	return func(_ context.Context, _ *sql.Tx, p map[string]string) error {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.events = append(n.events, userID+" "+service+" "+event+" "+p["reference"])
		return nil
	}, nil
}

func (p *startedProcesses) get(businessKey string) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.vars[businessKey]
}

func TestSubmitApplications(t *testing.T) {
	schema := []db.Migrations{audit.Migrations(), events.Migrations(), jobs.Migrations(), portal.Migrations()}
	dbtest.Each(t, schema, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		m := newModule(t, d)
		q := jobs.New(d, jobs.Options{Poll: 20 * time.Millisecond, BackoffBase: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		procs := &startedProcesses{vars: map[string]map[string]any{}}
		notes := &told{}
		apps := m.UseApplications(portal.Deps{Forms: testForms{}, Processes: procs, Jobs: q,
			Outbox: events.NewOutbox(clock.System{}, ""), Notifier: notes})
		done := make(chan struct{})
		go func() { q.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		aziz := portal.Applicant{UserID: "user-aziz", PINFL: "30101900000011"}
		malika := portal.Applicant{UserID: "user-malika", PINFL: "40202900000022"}
		in := portal.SubmitInput{Applicant: aziz, ServiceCode: "birth-certificate-duplicate", FormVersion: 3,
			Answers: map[string]any{"reason": "lost", "extra": "dropped"}, IdempotencyKey: "k1", Channel: portal.ChannelOnline}
		first, err := apps.Submit(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^\d{4}-\d{7}$`).MatchString(first.Number) || first.Status != "received" || first.Answers["extra"] != nil {
			t.Errorf("application %+v", first)
		}
		if len(notes.events) != 1 || notes.events[0] != "user-aziz birth-certificate-duplicate application.submitted "+first.Number {
			t.Errorf("notifications %v", notes.events)
		}
		// A double click or a retry gives the same application.
		again, err := apps.Submit(ctx, in)
		if err != nil || again.ID != first.ID || again.Number != first.Number {
			t.Errorf("resubmitted: %+v, %v", again, err)
		}

		// Bad input gets its error and stores nothing.
		for name, c := range map[string]struct {
			change func(*portal.SubmitInput)
			code   string
			msg    string
		}{
			"no key":               {func(i *portal.SubmitInput) { i.IdempotencyKey = " " }, apperr.EINVALID, portal.MsgIdempotencyKey},
			"stale form":           {func(i *portal.SubmitInput) { i.FormVersion = 2 }, apperr.ECONFLICT, portal.MsgStaleForm},
			"unknown service":      {func(i *portal.SubmitInput) { i.ServiceCode = "old-service" }, apperr.ENOTFOUND, portal.MsgNoService},
			"bad answers":          {func(i *portal.SubmitInput) { i.Answers = map[string]any{"reason": "x"} }, apperr.EINVALID, portal.MsgInvalidAnswers},
			"psc without operator": {func(i *portal.SubmitInput) { i.Channel = portal.ChannelPSC }, apperr.EINVALID, portal.MsgChannel},
			"key of another service": {func(i *portal.SubmitInput) { i.IdempotencyKey = "k1"; i.ServiceCode = "old-service" },
				apperr.ECONFLICT, portal.MsgKeyReused},
		} {
			bad := in
			bad.IdempotencyKey = "k-" + name
			c.change(&bad)
			_, err := apps.Submit(ctx, bad)
			if e := apperr.As(err); e == nil || e.Code != c.code || e.Message != c.msg {
				t.Errorf("%s: %v", name, err)
			}
		}
		if e := apperr.As(func() error {
			_, err := apps.Submit(ctx, portal.SubmitInput{Applicant: aziz, ServiceCode: "birth-certificate-duplicate", FormVersion: 3,
				Answers: map[string]any{"reason": "x"}, IdempotencyKey: "k9", Channel: portal.ChannelOnline})
			return err
		}()); e == nil || e.Fields["reason"] != form.MsgTooShort {
			t.Errorf("field error: %+v", e)
		}
		if list, err := apps.List(ctx, aziz.UserID, 10); err != nil || len(list) != 1 {
			t.Fatalf("Aziz's applications after refused ones: %d, %v", len(list), err)
		}

		// Concurrent submissions with one key make one application;
		// with different keys, distinct numbers.
		var wg sync.WaitGroup
		ids := make(chan string, 16)
		for i := range 16 {
			wg.Go(func() {
				sub := in
				sub.Applicant = malika
				sub.IdempotencyKey = "same"
				if i%2 == 1 {
					sub.IdempotencyKey = "own-" + string(rune('a'+i))
				}
				app, err := apps.Submit(ctx, sub)
				if err != nil {
					t.Error(err)
					return
				}
				ids <- app.Number
			})
		}
		wg.Wait()
		close(ids)
		numbers := map[string]int{}
		for n := range ids {
			numbers[n]++
		}
		if len(numbers) != 9 {
			t.Errorf("16 submissions, 8 with one key, gave %d numbers: %v", len(numbers), numbers)
		}

		// The process starts with the application's number as business
		// key and the applicant's PINFL.
		eventually(t, func() bool { return procs.get(first.Number) != nil })
		vars := procs.get(first.Number)
		if vars["applicationId"] != first.Number || vars["applicant"].(map[string]any)["pinfl"] != aziz.PINFL {
			t.Errorf("process variables %v", vars)
		}
		eventually(t, func() bool {
			app, err := apps.Find(ctx, aziz.UserID, first.ID)
			return err == nil && app.Status == "in_review" && app.ProcessInstance == "instance-"+first.Number
		})
		timeline, err := apps.Timeline(ctx, aziz.UserID, first.ID)
		if err != nil || len(timeline) != 2 || timeline[0].Kind != "submitted" || timeline[1].Kind != "process_started" {
			t.Errorf("timeline %+v, %v", timeline, err)
		}

		// A citizen never sees another's application.
		if _, err := apps.Find(ctx, malika.UserID, first.ID); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("Malika finds Aziz's application: %v", err)
		}
		if _, err := apps.Timeline(ctx, malika.UserID, first.ID); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("Malika reads Aziz's timeline: %v", err)
		}
	})
}

func eventually(t *testing.T, ok func() bool) {
	t.Helper()
	for range 250 {
		if ok() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("timed out")
}
