package portal

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Message keys of ratings.
const (
	MsgRating      = "portal.rating.invalid"    // not a whole number from 1 to 5, or a comment too long
	MsgNotFinished = "portal.rating.not_done"   // the application has no decision yet
	MsgRated       = "portal.rating.given"      // the application is rated already
	maxComment     = 2000                       // characters
	eventRated     = "rated"                    // timeline: the applicant rated the service
	ratedSubject   = "portal.application.rated" // statistics event
	overdueSubject = "portal.application.overdue"
	overdueBatch   = 500 // applications marked overdue per transaction
)

// Rate keeps the applicant's 1–5 rating of their finished application,
// with an optional comment, once, and sends it to statistics.
//
// Errors: ENOTFOUND MsgNoApplication; EINVALID MsgRating; ECONFLICT
// MsgNotFinished before the decision, MsgRated when rated already.
func (a *Applications) Rate(ctx context.Context, applicant, id string, stars int, comment string) error {
	comment = strings.TrimSpace(comment)
	if stars < 1 || stars > 5 || utf8.RuneCountInString(comment) > maxComment {
		return apperr.Invalid(MsgRating, map[string]string{"rating": MsgRating})
	}
	app, err := a.Find(ctx, applicant, id)
	if err != nil {
		return err
	}
	switch {
	case !app.Decided():
		return apperr.New(apperr.ECONFLICT, MsgNotFinished)
	case app.Rating > 0:
		return apperr.New(apperr.ECONFLICT, MsgRated)
	}
	now := a.m.clock.Now().UTC().Truncate(time.Microsecond)
	err = a.m.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE portal_applications SET rating = $1, rating_comment = $2, updated_at = $3
			WHERE id = $4 AND applicant_id = $5 AND rating = 0`, stars, comment, now, app.ID, applicant)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return apperr.New(apperr.ECONFLICT, MsgRated)
		}
		if err := addEvent(ctx, tx, app.ID, now, eventRated, fmt.Sprint(stars)); err != nil {
			return err
		}
		_, err = a.Outbox.Write(ctx, tx, a.Outbox.Subject(ratedSubject), map[string]any{"id": app.ID, "number": app.Number,
			"service": app.ServiceCode, "agency": app.AgencyID, "channel": app.Channel, "region": app.Region, "rating": stars,
			"comment": comment != "", "at": now})
		return err
	})
	if err != nil {
		return err
	}
	a.Outbox.Nudge()
	return nil
}

// MarkOverdue finds the applications whose due date has passed without a
// decision, marks each once and sends the overdue event to statistics.
// It returns how many it marked; a housekeeping chore runs it.
func (a *Applications) MarkOverdue(ctx context.Context) (int, error) {
	now := a.m.clock.Now().UTC().Truncate(time.Microsecond)
	total := 0
	for {
		n := 0
		err := a.m.db.Tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT id, number, service_code, agency_id, channel, region, due_at FROM portal_applications
				WHERE overdue_at IS NULL AND due_at < $1 AND status NOT IN ($2, $3, $4) ORDER BY due_at LIMIT $5`,
				now, StatusApproved, StatusRejected, StatusResultIssued, overdueBatch)
			if err != nil {
				return err
			}
			type late struct {
				id, number, service, agency, channel, region string
				due                                          time.Time
			}
			var found []late
			for rows.Next() {
				var l late
				if err := rows.Scan(&l.id, &l.number, &l.service, &l.agency, &l.channel, &l.region, &l.due); err != nil {
					rows.Close()
					return err
				}
				found = append(found, l)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for _, l := range found {
				if _, err := tx.ExecContext(ctx, `UPDATE portal_applications SET overdue_at = $1 WHERE id = $2`, now, l.id); err != nil {
					return err
				}
				if _, err := a.Outbox.Write(ctx, tx, a.Outbox.Subject(overdueSubject), map[string]any{"id": l.id,
					"number": l.number, "service": l.service, "agency": l.agency, "channel": l.channel, "region": l.region,
					"due": l.due.UTC(),
					"at":  now}); err != nil {
					return err
				}
			}
			n = len(found)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("mark overdue applications: %w", err)
		}
		total += n
		if n < overdueBatch {
			return total, nil
		}
	}
}
