package app

import (
	"context"
	"database/sql"
	"time"

	"github.com/egovuz/egov/internal/platform/jobs"
)

// chore is platform housekeeping that runs on one node at set times: each
// run schedules the next, and scheduling is idempotent by a key per run time,
// so any number of nodes starting or finishing at once agree on one job.
type chore struct {
	kind string
	next func(now time.Time) time.Time
	run  func(ctx context.Context) error
}

// dailyAt is the next time of day hour:00 UTC after now.
func dailyAt(hour int) func(time.Time) time.Time {
	return func(now time.Time) time.Time {
		at := time.Date(now.Year(), now.Month(), now.Day(), hour, 0, 0, 0, time.UTC)
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
		return at
	}
}

// every is the next multiple of d after now, so that nodes agree on it.
func every(d time.Duration) func(time.Time) time.Time {
	return func(now time.Time) time.Time { return now.Truncate(d).Add(d) }
}

// monthly is 03:30 UTC on the first day of the next month.
func monthly(now time.Time) time.Time {
	return time.Date(now.Year(), now.Month()+1, 1, 3, 30, 0, 0, time.UTC)
}

func (a *App) chores() []chore {
	return []chore{
		// The audit chain is re-verified every night, so tampering is
		// noticed without an operator asking.
		{"platform.audit_verify", dailyAt(2), a.verifyAudit},
		// Expired authorization requests, codes and tokens are removed.
		{"oidc.purge_expired", dailyAt(3), func(ctx context.Context) error {
			n, err := a.OIDC.Service().PurgeExpired(ctx)
			a.log.InfoContext(ctx, "expired OIDC records removed", "count", n)
			return err
		}},
		// ID tokens are signed with a new key every month; old public keys
		// stay published until the tokens they signed have expired.
		{"oidc.rotate_keys", monthly, a.OIDC.Service().RotateKeys},
		// The gateways' message log is timestamped in batches, apart from
		// the exchanges, which never wait for it.
		{"bus.timestamp_message_log", every(time.Minute), a.timestampMessageLog},
		// Applications past their due date without a decision are
		// counted once, for the statistics of late agencies.
		// Files attached to drafts never sent are removed after a month.
		{"uploads.delete_unclaimed", dailyAt(4), func(ctx context.Context) error {
			n, err := a.uploads.DeleteUnclaimed(ctx, a.clock.Now().AddDate(0, -1, 0))
			if n > 0 {
				a.log.InfoContext(ctx, "unclaimed uploads removed", "count", n)
			}
			return err
		}},
		{"portal.mark_overdue", every(15 * time.Minute), func(ctx context.Context) error {
			n, err := a.Applications.MarkOverdue(ctx)
			if n > 0 {
				a.log.InfoContext(ctx, "applications found overdue", "count", n)
			}
			return err
		}},
	}
}

func (a *App) verifyAudit(ctx context.Context) error {
	rep, err := a.Audit.Verify(ctx)
	if err != nil {
		return err
	}
	if rep.OK {
		a.log.InfoContext(ctx, "audit chain verified", "entries", rep.Checked)
	} else {
		a.log.ErrorContext(ctx, "AUDIT CHAIN BROKEN", "report", rep.String())
	}
	return nil
}

// registerHousekeeping makes this node able to run the chores. Each run
// queues the next before it works, so that a run that fails (and is
// retried until its attempts are used up) does not end the chore.
func (a *App) registerHousekeeping() {
	for _, c := range a.chores() {
		a.Jobs.Handle(c.kind, func(ctx context.Context, _ jobs.Job) error {
			if err := a.schedule(ctx, c); err != nil {
				return err
			}
			return c.run(ctx)
		})
	}
}

// scheduleHousekeeping makes sure each chore's next run is queued.
func (a *App) scheduleHousekeeping(ctx context.Context) error {
	for _, c := range a.chores() {
		if err := a.schedule(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) schedule(ctx context.Context, c chore) error {
	at := c.next(a.clock.Now())
	return a.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := a.Jobs.Enqueue(ctx, tx, jobs.Spec{Kind: c.kind, RunAt: at, Key: at.Format(time.RFC3339)})
		return err
	})
}
