package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/text"
)

// maxBatch bounds how many jobs one claim takes, so a node with many idle
// workers does not sweep a backlog that other nodes could share.
const maxBatch = 16

// cleanupEvery is how often, across all nodes, old done jobs are removed;
// cleanupCheck is how often each node asks whether it is its turn.
const (
	cleanupEvery = time.Hour
	cleanupCheck = 5 * time.Minute
	cleanupBatch = 1000
)

// writeTimeout bounds the bookkeeping writes that must happen even while the
// queue shuts down (completion, heartbeats).
const writeTimeout = 30 * time.Second

// Run claims and runs jobs until ctx is cancelled; then it stops claiming,
// waits for the handlers still running to return, records their outcome and
// returns nil. It returns an error at once if no handler is registered, Run
// was already called or the database cannot prepare the claim.
//
// One loop does all the writing but heartbeats: each round records the
// outcomes of the workers that have finished and claims jobs for the free
// workers in one transaction, so a busy queue costs the database one commit
// per round rather than two per job.
func (q *Queue) Run(ctx context.Context) error {
	if len(q.handlers) == 0 {
		return errors.New("jobs: Run without handlers")
	}
	if !q.started.CompareAndSwap(false, true) {
		return errors.New("jobs: Run called twice")
	}
	kinds := make([]string, 0, len(q.handlers))
	for k := range q.handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	claim, err := q.db.Writer().PrepareContext(ctx, q.claimQuery(len(kinds)))
	if err != nil {
		return fmt.Errorf("jobs: prepare claim: %w", err)
	}
	defer claim.Close()
	q.log.Info("job queue started", slog.String("node", q.node), slog.Int("workers", q.workers), slog.Any("kinds", kinds))

	// Handlers outlive ctx, so that shutdown lets them finish.
	bg := context.WithoutCancel(ctx)
	finished := make(chan outcome, q.workers)
	inflight := 0
	// collect returns first and the outcomes of all other finished workers.
	collect := func(first outcome) []outcome {
		outs := []outcome{first}
		for {
			select {
			case o := <-finished:
				outs = append(outs, o)
			default:
				return outs
			}
		}
	}
	// more says the last claim may have left due jobs behind: it was never
	// made, or it took all it asked for.
	more := false
	var lastCleanup time.Time
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		var outs []outcome
		select {
		case <-ctx.Done():
			q.log.Info("job queue stopping", slog.String("node", q.node), slog.Int("in_flight", inflight))
			for inflight > 0 {
				outs := collect(<-finished)
				q.settle(ctx, nil, nil, outs, 0)
				inflight -= len(outs)
			}
			q.log.Info("job queue stopped", slog.String("node", q.node))
			return nil
		case <-poll.C:
			q.rescue(ctx)
			if time.Since(lastCleanup) >= cleanupCheck {
				lastCleanup = time.Now()
				if _, err := q.cleanup(ctx); err != nil && ctx.Err() == nil {
					q.log.Error("job cleanup", slog.Any("error", err))
				}
			}
			poll.Reset(q.poll)
			more = true
		case <-q.nudge:
			more = true
		case o := <-finished:
			outs = collect(o)
		}
		for {
			n := 0
			if more && ctx.Err() == nil {
				n = min(q.workers-inflight+len(outs), maxBatch)
			}
			if n == 0 && len(outs) == 0 {
				break
			}
			jobs, ok := q.settle(ctx, claim, kinds, outs, n)
			inflight -= len(outs)
			outs = nil
			if !ok {
				more = false
				break
			}
			if n > 0 {
				more = len(jobs) == n
			}
			for _, j := range jobs {
				inflight++
				go func() { finished <- q.execute(bg, j) }()
			}
		}
	}
}

// claimQuery is the statement that claims up to $4 due jobs of the nkinds
// kinds given from $5 on.
func (q *Queue) claimQuery(nkinds int) string {
	ph := make([]string, nkinds)
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(i+5)
	}
	return `UPDATE jobs SET state = 'running', attempts = attempts + 1,
		lease_until = $1, locked_by = $2, updated_at = $3
		WHERE id IN (SELECT id FROM jobs
			WHERE state = 'pending' AND run_at <= $3 AND kind IN (` + strings.Join(ph, ", ") + `)
			ORDER BY run_at LIMIT $4` + q.db.SkipLocked() + `)
		RETURNING id, kind, payload, attempts, max_attempts, run_at`
}

// claim takes up to n due jobs for this node in tx. On PostgreSQL
// concurrent claimers skip each other's rows; on SQLite the transaction holds
// the single write lock.
func (q *Queue) claim(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, kinds []string, n int, now time.Time) ([]Job, error) {
	args := []any{now.Add(q.lease), q.node, now, n}
	for _, k := range kinds {
		args = append(args, k)
	}
	rows, err := tx.StmtContext(ctx, stmt).QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		if err := rows.Scan(&j.ID, &j.Kind, &j.Payload, &j.Attempt, &j.MaxAttempts, &j.RunAt); err != nil {
			return nil, fmt.Errorf("claim jobs: %w", err)
		}
		j.RunAt = j.RunAt.UTC()
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	return out, nil
}

// outcome is how one run of a job ended.
type outcome struct {
	job    Job
	err    error   // the handler's
	commit *Commit // to record with the completion, if any
	took   time.Duration
}

// execute runs one claimed job, extending its lease every Lease/3 until the
// handler returns.
func (q *Queue) execute(ctx context.Context, j Job) outcome {
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start := time.Now()
	result := make(chan outcome, 1)
	go func() {
		c, err := q.call(hctx, j)
		result <- outcome{job: j, err: err, commit: c}
	}()
	beat := time.NewTicker(max(q.lease/3, time.Millisecond))
	defer beat.Stop()
	for {
		select {
		case o := <-result:
			o.took = time.Since(start)
			return o
		case <-beat.C:
			if q.extend(ctx, j) {
				continue
			}
			// Another node took the job over: tell the handler and stop
			// heartbeating; recording will see the job is no longer ours.
			cancel(ErrLeaseLost)
			beat.Stop()
		}
	}
}

// call runs the job's handler, turning a panic into an error.
func (q *Queue) call(ctx context.Context, j Job) (c *Commit, err error) {
	defer func() {
		if p := recover(); p != nil {
			q.log.Error("job handler panicked", jobAttrs(j, slog.Any("panic", p), slog.String("stack", string(debug.Stack())))...)
			c, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	return q.handlers[j.Kind](ctx, j)
}

// extend renews the lease of a running job and reports whether the job is
// still ours. A failed write is logged and counts as still ours: the next
// heartbeat may succeed, and recording checks ownership anyway.
func (q *Queue) extend(ctx context.Context, j Job) bool {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	now := q.now()
	res, err := q.db.Writer().ExecContext(ctx, `UPDATE jobs SET lease_until = $1, updated_at = $2
		WHERE id = $3 AND state = 'running' AND locked_by = $4 AND attempts = $5`,
		now.Add(q.lease), now, j.ID, q.node, j.Attempt)
	if err != nil {
		q.log.Warn("extend job lease", jobAttrs(j, slog.Any("error", err))...)
		return true
	}
	n, err := res.RowsAffected()
	if err != nil {
		q.log.Warn("extend job lease", jobAttrs(j, slog.Any("error", err))...)
		return true
	}
	if n == 0 {
		q.log.Warn("job lease lost to another node", jobAttrs(j)...)
		return false
	}
	return true
}

// settle records outs and, if n > 0, claims up to n jobs with the claim
// statement, in one transaction. It reports false if that failed; the
// failure is logged. Recording survives the cancellation of ctx, which
// stops only the claim; if the claim fails, the outcomes are recorded on
// their own so they are not lost.
func (q *Queue) settle(ctx context.Context, claim *sql.Stmt, kinds []string, outs []outcome, n int) ([]Job, bool) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	var (
		jobs   []Job
		report func()
	)
	err := q.db.Tx(wctx, func(tx *sql.Tx) error {
		now := q.now()
		b := q.db.Batch(tx)
		var err error
		if report, err = q.record(wctx, b, now, outs); err != nil {
			return err
		}
		if err := b.Flush(wctx); err != nil {
			return err
		}
		if n > 0 {
			jobs, err = q.claim(ctx, tx, claim, kinds, n, now)
		}
		return err
	})
	if err == nil {
		report()
		return jobs, true
	}
	if ctx.Err() == nil || n == 0 {
		q.log.Error("record job outcomes and claim", slog.Int("outcomes", len(outs)), slog.Int("claim", n), slog.Any("error", err))
	}
	if n > 0 && len(outs) > 0 {
		q.settle(ctx, nil, nil, outs, 0)
	} else if len(outs) > 0 {
		for _, o := range outs {
			q.log.Error("job outcome not recorded; the job runs again once its lease expires",
				jobAttrs(o.job, slog.Duration("duration", o.took), slog.Any("handler_error", o.err))...)
		}
	}
	return nil, false
}

// record writes the outcomes of finished jobs in tx: first the commits of
// the successes, each in a savepoint (a commit that fails makes its job a
// failure), then the successes together as done, and each failure as
// pending again after a backoff or dead. Every update applies only while
// the job is still ours (this node, the same attempt), so a job taken over
// after a lost lease is not completed twice. It returns a function that
// logs the outcomes and runs the commits' after functions, to call once tx
// commits.
func (q *Queue) record(ctx context.Context, tx *db.Batch, now time.Time, outs []outcome) (func(), error) {
	outs = slices.Clone(outs)
	afters, err := q.applyCommits(ctx, tx, outs)
	if err != nil {
		return nil, err
	}
	logs := []func(){func() {
		for _, f := range afters {
			f()
		}
	}}
	var ok []outcome
	for _, o := range outs {
		if o.err == nil {
			ok = append(ok, o)
			continue
		}
		log, err := q.fail(ctx, tx, now, o)
		if err != nil {
			return nil, err
		}
		logs = append(logs, log)
	}
	if len(ok) > 0 {
		log, err := q.complete(ctx, tx, now, ok)
		if err != nil {
			return nil, err
		}
		logs = append(logs, log)
	}
	return func() {
		for _, log := range logs {
			log()
		}
	}, nil
}

// applyCommits applies the commits of the successful outcomes in Order, each
// in a savepoint; an outcome whose commit fails becomes a failure with that
// error. It returns the after functions of the applied commits.
func (q *Queue) applyCommits(ctx context.Context, tx *db.Batch, outs []outcome) ([]func(), error) {
	var idx []int
	for i, o := range outs {
		if o.err == nil && o.commit != nil {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(outs[a].commit.Order, outs[b].commit.Order) })
	var afters []func()
	for _, i := range idx {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT job_commit"); err != nil {
			return nil, err
		}
		after, err := outs[i].commit.Apply(ctx, tx)
		if err == nil {
			err = tx.Flush(ctx)
		}
		if err != nil {
			if rerr := tx.RollbackTo(ctx, "job_commit"); rerr != nil {
				return nil, errors.Join(err, rerr)
			}
			outs[i].err = fmt.Errorf("record result: %w", err)
			continue
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT job_commit"); err != nil {
			return nil, err
		}
		if after != nil {
			afters = append(afters, after)
		}
	}
	return afters, nil
}

// complete marks jobs done in one statement and returns a function that
// logs what happened.
func (q *Queue) complete(ctx context.Context, tx *db.Batch, now time.Time, outs []outcome) (func(), error) {
	args := []any{now, q.node}
	match := make([]string, len(outs))
	for i, o := range outs {
		match[i] = fmt.Sprintf("(id = $%d AND attempts = $%d)", len(args)+1, len(args)+2)
		args = append(args, o.job.ID, o.job.Attempt)
	}
	// last_error keeps the error of an earlier attempt, if any.
	rows, err := tx.QueryContext(ctx, `UPDATE jobs
		SET state = 'done', lease_until = NULL, finished_at = $1, updated_at = $1
		WHERE state = 'running' AND locked_by = $2 AND (`+strings.Join(match, " OR ")+`)
		RETURNING id`, args...)
	if err != nil {
		return nil, fmt.Errorf("complete jobs: %w", err)
	}
	defer rows.Close()
	recorded := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("complete jobs: %w", err)
		}
		recorded[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("complete jobs: %w", err)
	}
	return func() {
		for _, o := range outs {
			attrs := jobAttrs(o.job, slog.Duration("duration", o.took))
			if recorded[o.job.ID] {
				q.log.Debug("job done", attrs...)
			} else {
				q.log.Warn("job done but not recorded: lease lost to another node", attrs...)
			}
		}
	}, nil
}

// fail records a failed run: pending again after a backoff, or dead if the
// error is permanent or the attempts are used up. It returns a function that
// logs what happened.
func (q *Queue) fail(ctx context.Context, tx *db.Batch, now time.Time, o outcome) (func(), error) {
	j := o.job
	state, runAt, finishedAt := "dead", j.RunAt, sql.NullTime{Time: now, Valid: true}
	var perm *permanentError
	if !errors.As(o.err, &perm) && j.Attempt < j.MaxAttempts {
		state, runAt, finishedAt = "pending", now.Add(q.backoff(j.Attempt)), sql.NullTime{}
	}
	var id string
	err := tx.QueryRowContext(ctx, `UPDATE jobs
		SET state = $1, run_at = $2, last_error = $3, lease_until = NULL, finished_at = $4, updated_at = $5
		WHERE id = $6 AND state = 'running' AND locked_by = $7 AND attempts = $8
		RETURNING id`,
		state, runAt, errorText(o.err), finishedAt, now, j.ID, q.node, j.Attempt).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("record failure of job %s: %w", j.ID, err)
	}
	recorded := err == nil
	return func() {
		attrs := jobAttrs(j, slog.String("state", state), slog.Duration("duration", o.took), slog.Any("error", o.err))
		switch {
		case !recorded:
			q.log.Warn("job failed but not recorded: lease lost to another node", attrs...)
		case state == "pending":
			q.log.Warn("job failed, will retry", append(attrs, slog.Time("retry_at", runAt))...)
		default:
			q.log.Error("job failed, dead", attrs...)
		}
	}, nil
}

// backoff is the wait after the attempt-th failure: a random time between
// half and all of BackoffBase*2^(attempt-1), capped at BackoffMax. The
// jitter spreads retries of jobs that failed together.
func (q *Queue) backoff(attempt int) time.Duration {
	d := q.backoffBase
	for i := 1; i < attempt && d < q.backoffMax; i++ {
		if d > q.backoffMax/2 {
			d = q.backoffMax
		} else {
			d *= 2
		}
	}
	d = min(d, q.backoffMax)
	half := d / 2
	return half + rand.N(d-half+1)
}

// rescue returns running jobs whose lease has expired — their node died or
// lost touch — to pending so any node can run them again, or makes them dead
// if that was their last attempt (a job that keeps killing its process must
// not loop forever).
func (q *Queue) rescue(ctx context.Context) {
	now := q.now()
	const lost = "lease expired: the node running the job stopped"
	var total int64
	for _, query := range []string{
		`UPDATE jobs SET state = 'dead', lease_until = NULL, finished_at = $1, updated_at = $1, last_error = $2
			WHERE state = 'running' AND lease_until < $1 AND attempts >= max_attempts`,
		`UPDATE jobs SET state = 'pending', lease_until = NULL, updated_at = $1, last_error = $2
			WHERE state = 'running' AND lease_until < $1`,
	} {
		res, err := q.db.Writer().ExecContext(ctx, query, now, lost)
		if err != nil {
			if ctx.Err() == nil {
				q.log.Error("rescue jobs with expired leases", slog.Any("error", err))
			}
			return
		}
		n, _ := res.RowsAffected()
		total += n
	}
	if total > 0 {
		q.log.Warn("rescued jobs with expired leases", slog.Int64("jobs", total))
	}
}

// cleanup removes done jobs older than the retention, if no node has done so
// within the last cleanupEvery; it reports how many it removed. Deletes go in
// batches so the write lock is never held long.
func (q *Queue) cleanup(ctx context.Context) (int64, error) {
	now := q.now()
	rows, err := q.db.Writer().QueryContext(ctx, `INSERT INTO jobs_maintenance (task, next_run) VALUES ('cleanup', $1)
		ON CONFLICT (task) DO UPDATE SET next_run = excluded.next_run WHERE jobs_maintenance.next_run <= $2
		RETURNING task`, now.Add(cleanupEvery), now)
	if err != nil {
		return 0, fmt.Errorf("claim cleanup: %w", err)
	}
	ours := rows.Next()
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("claim cleanup: %w", err)
	}
	if !ours {
		return 0, nil
	}
	var total int64
	for {
		res, err := q.db.Writer().ExecContext(ctx, `DELETE FROM jobs WHERE id IN
			(SELECT id FROM jobs WHERE state = 'done' AND finished_at < $1 LIMIT $2)`,
			now.Add(-q.retention), cleanupBatch)
		if err != nil {
			return total, fmt.Errorf("delete done jobs: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("delete done jobs: %w", err)
		}
		total += n
		if n < cleanupBatch {
			break
		}
	}
	if total > 0 {
		q.log.Info("removed old done jobs", slog.Int64("jobs", total), slog.Duration("retention", q.retention))
	}
	return total, nil
}

// errorText is err's message made fit to store: valid UTF-8 without NUL
// (PostgreSQL text accepts neither) and at most maxErrorLen bytes.
func errorText(err error) string {
	return text.Storable(err.Error(), maxErrorLen)
}

// jobAttrs are the log attributes naming a job, followed by extra.
func jobAttrs(j Job, extra ...any) []any {
	return append([]any{slog.String("job_id", j.ID), slog.String("kind", j.Kind), slog.Int("attempt", j.Attempt)}, extra...)
}
