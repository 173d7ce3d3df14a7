package workflow_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/workflow"
	"github.com/egovuz/egov/internal/workflow/demo"
)

// completeAll completes every open task of an instance with outcome.
func completeAll(t *testing.T, e *workflow.Engine, id string, actor workflow.Actor, outcome map[string]any) int {
	t.Helper()
	tasks := openTasks(t, e, id)
	for _, tk := range tasks {
		if err := e.Complete(context.Background(), actor, tk.ID, outcome); err != nil {
			t.Fatal(err)
		}
	}
	return len(tasks)
}

// TestModelerFilesRunToTheEnd deploys the demo services' processes exactly
// as Camunda Modeler wrote them (with DI and extension elements) and runs
// each to its end.
func TestModelerFilesRunToTheEnd(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		n := startEngine(t, d, c, "n1")
		var runs counter
		for _, typ := range []string{"registry.check", "notify.send", "documents.check", "permit.issue",
			"tax.register", "tax.assign-regime", "vat.register", "cash-register.register", "bus.call", "application.status", "application.result"} {
			n.eng.Register(typ, runs.handler(nil))
		}
		if err := n.eng.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		if err := n.eng.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		defs, err := n.eng.Definitions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		names, _ := fs.Glob(demo.Files, "*.bpmn")
		if len(defs) != len(names) {
			t.Fatalf("%d definitions after loading the demo twice, want %d", len(defs), len(names))
		}

		// Duplicate birth certificate: the officer asks for documents,
		// the citizen supplies them, the officer approves.
		birth, err := n.eng.Start(ctx, workflow.StartRequest{Key: "birth-certificate-duplicate", BusinessKey: "2026-0000101", AgencyID: "adliya",
			Variables: map[string]any{"applicationId": "2026-0000101"}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the officer's review", func() bool { return len(openTasks(t, n.eng, birth)) == 1 })
		completeAll(t, n.eng, birth, officer, map[string]any{"decision": "more-info", "comment": "Pasportingiz nusxasini yuboring."})
		// The applicant is told first; then the process waits for the reply.
		eventually(t, "the wait for the reply", func() bool {
			_, err := n.eng.Correlate(ctx, "application.reply", "2026-0000101", nil)
			return err == nil
		})
		eventually(t, "the second review", func() bool { return len(openTasks(t, n.eng, birth)) == 1 })
		completeAll(t, n.eng, birth, officer, map[string]any{"decision": "approve"})
		eventually(t, "the certificate", func() bool { return state(t, n.eng, birth) == "completed" })
		if h, _ := n.eng.History(ctx, birth); !hasEntered(h, "Event_0zzmt3c") {
			t.Error("the birth certificate did not end at 'Guvohnoma berildi'")
		}

		// Building permit: two reviews in parallel, then the call to the
		// notification process.
		permit, err := n.eng.Start(ctx, workflow.StartRequest{Key: "building-permit", BusinessKey: "2026-0000102", AgencyID: "adliya",
			Variables: map[string]any{"applicationId": "2026-0000102"}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "both reviews", func() bool { return len(openTasks(t, n.eng, permit)) == 2 })
		completeAll(t, n.eng, permit, officer, map[string]any{"decision": "approve"})
		eventually(t, "the permit", func() bool { return state(t, n.eng, permit) == "completed" })
		h, _ := n.eng.History(ctx, permit)
		if !hasEntered(h, "Event_0tue5zd") {
			t.Error("the permit did not end at 'Ruxsatnoma berildi'")
		}
		children, err := n.eng.Instances(ctx, workflow.InstanceFilter{BusinessKey: ptr("2026-0000102")})
		if err != nil || len(children) != 2 {
			t.Errorf("the call activity's instance: %d instances, %v", len(children), err)
		}

		// Sole proprietor: sub-process, inclusive choice of VAT only, an
		// hour's wait, the notice.
		sole, err := n.eng.Start(ctx, workflow.StartRequest{Key: "sole-proprietor-registration", BusinessKey: "2026-0000103", AgencyID: "dxa",
			Variables: map[string]any{"applicationId": "2026-0000103", "needsVat": true, "needsCashRegister": false}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the hour's wait", func() bool {
			h, _ := n.eng.History(ctx, sole)
			return hasEntered(h, "Event_176kwgg")
		})
		c.Advance(61 * time.Minute)
		n.queue.Nudge()
		eventually(t, "the registration", func() bool { return state(t, n.eng, sole) == "completed" })
		h, _ = n.eng.History(ctx, sole)
		if !hasEntered(h, "Activity_0zsc7b8") || hasEntered(h, "Activity_1tb12t0") {
			t.Error("the inclusive gateway did not choose VAT alone")
		}
		if d := runs.twice(); len(d) > 0 {
			t.Error(d)
		}

		// An application withdrawn while the tax office's system is down
		// (its task failing inside the sub-process) is terminated.
		n.eng.Register("tax.register", func(context.Context, workflow.ServiceTask) (map[string]any, error) {
			return nil, errors.New("tax office unavailable")
		})
		withdrawn, err := n.eng.Start(ctx, workflow.StartRequest{Key: "sole-proprietor-registration", BusinessKey: "2026-0000104", AgencyID: "dxa",
			Variables: map[string]any{"applicationId": "2026-0000104"}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the sub-process", func() bool {
			h, _ := n.eng.History(ctx, withdrawn)
			return hasEntered(h, "Activity_14lpzw7")
		})
		if _, err := n.eng.Correlate(ctx, "application-withdrawn", "2026-0000104", nil); err != nil {
			t.Fatal(err)
		}
		if st := state(t, n.eng, withdrawn); st != "terminated" {
			t.Errorf("withdrawn application: %s", st)
		}
	})
}

func ptr(s string) *string { return &s }
