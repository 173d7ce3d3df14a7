package portal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/jobs"
)

// TaskTypeStatus is the type of the service tasks by which an
// application's process sets the application's status (see SetStatus).
const TaskTypeStatus = "application.status"

// Messages an application's process receives, correlated by the
// application's number (the process variable applicationId). A service's
// process waits for them with message catch events of these names.
const (
	// MessageReply carries the applicant's answer to a request for more
	// information, in the variable "reply".
	MessageReply = "application.reply"
	// MessagePaid tells that the fee is paid; a process whose variable
	// feeDue (tiyin) is above 0 waits for it.
	MessagePaid = "application.paid"
)

// Message keys of status changes and replies.
const (
	MsgStatus     = "portal.application.status"   // a status the process may not set
	MsgNotWaiting = "portal.application.no_reply" // nobody asked the applicant for more information
	MsgReply      = "portal.application.reply"    // a reply that is empty or too long
	maxReply      = 4000                          // characters
	replyTTL      = 30 * 24 * time.Hour           // how long a reply waits for the process to come for it
	deliverJob    = "portal.deliver_message"      // job kind
	eventReply    = "reply"                       // timeline: the applicant answered
	eventPaid     = "paid"                        // timeline: the fee is paid
	statusSubject = "portal.application.status_changed"
	decideSubject = "portal.application.decided"
)

// Publisher delivers messages to the applications' processes; the
// workflow engine satisfies it through internal/app. A message nobody
// waits for yet is kept for ttl.
type Publisher interface {
	Publish(ctx context.Context, name, correlationKey string, vars map[string]any, ttl time.Duration) error
}

// notices are the notification events of the statuses a process sets.
var notices = map[string]string{
	StatusMoreInfo:     "application.more_info_requested",
	StatusApproved:     "application.approved",
	StatusRejected:     "application.rejected",
	StatusResultIssued: "application.result_issued",
}

// SetStatus records what the application's process did: the new status,
// a timeline entry with detail (the officer's request or reason), the
// applicant's notification and the statistics events, in one
// transaction. ref names the step of the process that calls it (its task
// key): a second call with the same ref, after a retry, changes nothing.
//
// Errors: ENOTFOUND MsgNoApplication; EINVALID MsgStatus for a status
// other than more_info, in_review, approved, rejected, result_issued.
func (a *Applications) SetStatus(ctx context.Context, number, status, detail, ref string) error {
	if _, ok := notices[status]; !ok && status != StatusInReview {
		return apperr.New(apperr.EINVALID, MsgStatus)
	}
	var (
		id, applicant, service, agency, channel, region, from string
	)
	err := a.m.db.Reader().QueryRowContext(ctx, `SELECT id, applicant_id, service_code, agency_id, channel, region, status
		FROM portal_applications WHERE number = $1`, number).Scan(&id, &applicant, &service, &agency, &channel, &region, &from)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.ENOTFOUND, MsgNoApplication)
	}
	if err != nil {
		return fmt.Errorf("set status of %s: %w", number, err)
	}
	var notice func(context.Context, *sql.Tx, map[string]string) error
	if event, ok := notices[status]; ok {
		if notice, err = a.Notifier.Prepare(ctx, applicant, service, event); err != nil {
			return fmt.Errorf("set status of %s: %w", number, err)
		}
	}
	now := a.m.clock.Now().UTC().Truncate(time.Microsecond)
	err = a.m.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := addEventRef(ctx, tx, id, now, status, detail, ref); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE portal_applications SET status = $1, updated_at = $2 WHERE id = $3`,
			status, now, id); err != nil {
			return err
		}
		data := map[string]any{"id": id, "number": number, "service": service, "agency": agency, "channel": channel, "region": region,
			"from": from, "to": status, "at": now}
		if _, err := a.Outbox.Write(ctx, tx, a.Outbox.Subject(statusSubject), data); err != nil {
			return err
		}
		if status == StatusApproved || status == StatusRejected {
			if _, err := a.Outbox.Write(ctx, tx, a.Outbox.Subject(decideSubject), data); err != nil {
				return err
			}
		}
		if notice == nil {
			return nil
		}
		return notice(ctx, tx, map[string]string{"reference": number, "comment": detail, "reason": detail})
	})
	if apperr.Is(db.MapError(err), apperr.ECONFLICT) {
		return nil // this step's change is already recorded
	}
	if err != nil {
		return fmt.Errorf("set status of %s: %w", number, err)
	}
	a.Outbox.Nudge()
	return nil
}

// addEventRef adds a timeline entry that a step of the process, ref, made;
// a second one with the same ref is a conflict.
func addEventRef(ctx context.Context, tx *sql.Tx, id string, at time.Time, kind, detail, ref string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO portal_application_events (application_id, seq, at, kind, detail, ref)
		VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM portal_application_events WHERE application_id = $1), $2, $3, $4, $5)`,
		id, at, kind, detail, ref)
	return err
}

// Reply sends the applicant's answer to the officer's request for more
// information: the timeline keeps it, the application is back in review,
// and a job delivers it to the waiting process (kept there for a while if
// the process has not come to wait yet).
//
// Errors: ENOTFOUND MsgNoApplication; ECONFLICT MsgNotWaiting when no
// information was requested; EINVALID MsgReply for an empty or too long
// reply.
func (a *Applications) Reply(ctx context.Context, applicant, id, text string) error {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > maxReply {
		return apperr.Invalid(MsgReply, map[string]string{"reply": MsgReply})
	}
	app, err := a.Find(ctx, applicant, id)
	if err != nil {
		return err
	}
	now := a.m.clock.Now().UTC().Truncate(time.Microsecond)
	err = a.m.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE portal_applications SET status = $1, updated_at = $2
			WHERE id = $3 AND applicant_id = $4 AND status = $5`, StatusInReview, now, app.ID, applicant, StatusMoreInfo)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return apperr.New(apperr.ECONFLICT, MsgNotWaiting)
		}
		if err := addEvent(ctx, tx, app.ID, now, eventReply, text); err != nil {
			return err
		}
		payload, _ := json.Marshal(delivery{Name: MessageReply, Number: app.Number, Vars: map[string]any{"reply": text}})
		_, err = a.Jobs.Enqueue(ctx, tx, jobs.Spec{Kind: deliverJob, Payload: payload})
		return err
	})
	if err != nil {
		return err
	}
	return nil
}

// delivery is a message for an application's process, as the job that
// delivers it keeps it.
type delivery struct {
	Name   string         `json:"name"`
	Number string         `json:"number"`
	Vars   map[string]any `json:"vars"`
}

// deliver hands a message to the application's process, kept there for a
// while if the process has not come to wait for it yet.
func (a *Applications) deliver(ctx context.Context, j jobs.Job) error {
	var d delivery
	if err := json.Unmarshal(j.Payload, &d); err != nil || d.Name == "" || d.Number == "" {
		return jobs.Permanent(fmt.Errorf("bad payload: %s", j.Payload))
	}
	return a.Publisher.Publish(ctx, d.Name, d.Number, d.Vars, replyTTL)
}

// Paid records, in the payment's transaction tx, that the fee of the
// application with the ID is paid, and has the job queue tell its process.
// A payment for something that is not an application is not this
// module's: Paid ignores it.
func (a *Applications) Paid(ctx context.Context, tx *sql.Tx, id string) error {
	var number string
	err := tx.QueryRowContext(ctx, `SELECT number FROM portal_applications WHERE id = $1`, id).Scan(&number)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("application %s paid: %w", id, err)
	}
	now := a.m.clock.Now().UTC().Truncate(time.Microsecond)
	if err := addEvent(ctx, tx, id, now, eventPaid, ""); err != nil {
		return err
	}
	payload, _ := json.Marshal(delivery{Name: MessagePaid, Number: number, Vars: map[string]any{"paid": true}})
	_, err = a.Jobs.Enqueue(ctx, tx, jobs.Spec{Kind: deliverJob, Payload: payload})
	return err
}
