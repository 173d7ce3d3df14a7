package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Stats counts the jobs in each state, for the queue-depth gauges.
type Stats struct {
	// Pending includes jobs scheduled for later and jobs waiting for a retry.
	Pending int
	Running int
	Done    int
	Dead    int
	// OldestPending is how long the oldest due pending job has waited since
	// it became due; zero if none is waiting. It grows when workers fall
	// behind or when no node handles a kind.
	OldestPending time.Duration
}

// Stats counts the jobs by state, across all nodes. Each count reads only
// the partial index of its state, so it stays cheap on a large table.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := q.db.Reader().QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM jobs WHERE state = 'pending'),
		(SELECT count(*) FROM jobs WHERE state = 'running'),
		(SELECT count(*) FROM jobs WHERE state = 'done'),
		(SELECT count(*) FROM jobs WHERE state = 'dead')`).Scan(&st.Pending, &st.Running, &st.Done, &st.Dead)
	if err != nil {
		return Stats{}, fmt.Errorf("job stats: %w", err)
	}
	now := q.now()
	var oldest time.Time
	err = q.db.Reader().QueryRowContext(ctx, `SELECT run_at FROM jobs
		WHERE state = 'pending' AND run_at <= $1 ORDER BY run_at LIMIT 1`, now).Scan(&oldest)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return Stats{}, fmt.Errorf("job stats: oldest pending: %w", err)
	default:
		st.OldestPending = now.Sub(oldest)
	}
	return st, nil
}

// DeadJob is a dead letter: a job that failed for good.
type DeadJob struct {
	ID          string
	Kind        string
	Payload     []byte
	Attempts    int
	MaxAttempts int
	LastError   string
	CreatedAt   time.Time
	DiedAt      time.Time
}

// Dead lists up to limit dead jobs, the most recently dead first. A limit
// outside 1..1000 means 100.
func (q *Queue) Dead(ctx context.Context, limit int) ([]DeadJob, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := q.db.Reader().QueryContext(ctx, `SELECT id, kind, payload, attempts, max_attempts,
		COALESCE(last_error, ''), created_at, finished_at
		FROM jobs WHERE state = 'dead' ORDER BY finished_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list dead jobs: %w", err)
	}
	defer rows.Close()
	out := []DeadJob{}
	for rows.Next() {
		var j DeadJob
		if err := rows.Scan(&j.ID, &j.Kind, &j.Payload, &j.Attempts, &j.MaxAttempts, &j.LastError, &j.CreatedAt, &j.DiedAt); err != nil {
			return nil, fmt.Errorf("list dead jobs: %w", err)
		}
		j.CreatedAt, j.DiedAt = j.CreatedAt.UTC(), j.DiedAt.UTC()
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dead jobs: %w", err)
	}
	return out, nil
}

// Retry requeues a dead job to run now with its attempts counted afresh; its
// last error stays until the next run. Errors: ENOTFOUND if there is no such
// job, ECONFLICT if it is not dead or another unfinished job now holds its
// de-duplication key.
func (q *Queue) Retry(ctx context.Context, id string) error {
	err := q.db.Tx(ctx, func(tx *sql.Tx) error {
		now := q.now()
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'pending', attempts = 0, run_at = $1,
			finished_at = NULL, lease_until = NULL, locked_by = NULL, updated_at = $1
			WHERE id = $2 AND state = 'dead'`, now, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			return nil
		}
		var found int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = $1`, id).Scan(&found); err != nil {
			return err
		}
		return apperr.New(apperr.ECONFLICT, "error.job_not_dead")
	})
	if err != nil {
		return fmt.Errorf("retry job %s: %w", id, err)
	}
	q.Nudge()
	return nil
}
