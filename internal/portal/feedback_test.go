package portal_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/portal"
)

// lateCalendar puts every due date a day before the submission, so that
// applications are overdue at once.
type lateCalendar struct{}

func (lateCalendar) AddWorkingDays(t time.Time, _ int) time.Time { return t.Add(-24 * time.Hour) }

// TestOverdueAndRating finds an undecided application past its due date
// once, refuses a rating before the decision, and keeps one rating of
// 1–5 after it.
func TestOverdueAndRating(t *testing.T) {
	schema := []db.Migrations{audit.Migrations(), events.Migrations(), jobs.Migrations(), portal.Migrations()}
	dbtest.Each(t, schema, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := jobs.New(d, jobs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		apps := newModule(t, d).UseApplications(portal.Deps{Forms: testForms{}, Processes: &startedProcesses{vars: map[string]map[string]any{}},
			Jobs: q, Outbox: events.NewOutbox(clock.System{}, ""), Notifier: &told{}, Calendar: lateCalendar{}})
		aziz := portal.Applicant{UserID: "user-aziz", PINFL: "30101900000011"}
		app, err := apps.Submit(ctx, portal.SubmitInput{Applicant: aziz, ServiceCode: "birth-certificate-duplicate", FormVersion: 3,
			Answers: map[string]any{"reason": "lost"}, IdempotencyKey: "k1", Channel: portal.ChannelOnline})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := apps.MarkOverdue(ctx); err != nil || n != 1 {
			t.Errorf("first sweep: %d, %v", n, err)
		}
		if n, err := apps.MarkOverdue(ctx); err != nil || n != 0 {
			t.Errorf("second sweep: %d, %v", n, err)
		}
		if err := apps.Rate(ctx, aziz.UserID, app.ID, 5, ""); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("a rating before the decision: %v", err)
		}
		if err := apps.SetStatus(ctx, app.Number, portal.StatusApproved, "", "task-1"); err != nil {
			t.Fatal(err)
		}
		if err := apps.Rate(ctx, aziz.UserID, app.ID, 0, ""); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("a rating of 0: %v", err)
		}
		if err := apps.Rate(ctx, "user-malika", app.ID, 4, ""); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("Malika rates Aziz's application: %v", err)
		}
		if err := apps.Rate(ctx, aziz.UserID, app.ID, 4, "Tez."); err != nil {
			t.Fatal(err)
		}
		if err := apps.Rate(ctx, aziz.UserID, app.ID, 1, ""); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("a second rating: %v", err)
		}
		if got, err := apps.Find(ctx, aziz.UserID, app.ID); err != nil || got.Rating != 4 {
			t.Errorf("rating kept: %+v, %v", got, err)
		}
		// The same step of the process setting the status again changes
		// nothing.
		if err := apps.SetStatus(ctx, app.Number, portal.StatusRejected, "", "task-1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := apps.Find(ctx, aziz.UserID, app.ID); got.Status != portal.StatusApproved {
			t.Errorf("a repeated step changed the status to %s", got.Status)
		}
	})
}
