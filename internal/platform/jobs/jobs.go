// Package jobs is egov's durable background job queue, kept in the database so
// that every node can share it and nothing is lost when a process dies.
//
// A module enqueues a job inside its own transaction (Queue.Enqueue), so the
// job exists if and only if the module's change commits. Every node runs a
// Queue: it claims due jobs with a lease (FOR UPDATE SKIP LOCKED on
// PostgreSQL, the single writer connection on SQLite), runs them on a bounded
// pool of workers, extends the lease while a handler runs and records the
// outcome. A failed job is retried with exponential backoff and jitter until
// its attempts are used up; then it becomes a dead letter that an operator can
// inspect (Dead) and requeue (Retry). A job whose node crashed is picked up by
// any node once its lease expires.
//
// Delivery is at least once: a handler may run again after a crash or a lost
// lease, so handlers must be idempotent. A node claims only the kinds it has
// handlers for, so during a rolling upgrade a job of a new kind waits for a
// node that knows it instead of failing on one that does not; a kind that no
// node handles stays pending and shows in Stats as a growing oldest-pending
// age.
package jobs

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations returns the schema of the queue's tables (module "jobs").
func Migrations() db.Migrations {
	return db.Migrations{Module: "jobs", FS: migrationsFS}
}

// Defaults for zero Options fields.
const (
	DefaultWorkers     = 4
	DefaultLease       = 30 * time.Second
	DefaultPoll        = time.Second
	DefaultBackoffBase = time.Second
	DefaultBackoffMax  = time.Hour
	DefaultMaxAttempts = 10
	DefaultRetention   = 7 * 24 * time.Hour
)

// maxErrorLen bounds the stored last_error so a huge error message cannot
// bloat the table.
const maxErrorLen = 2000

// Spec describes a job to enqueue.
type Spec struct {
	// Kind names the handler, e.g. "notify.sms". Required.
	Kind string
	// Payload is passed to the handler unchanged; usually JSON.
	Payload []byte
	// RunAt is the earliest time the job may run; zero means now.
	RunAt time.Time
	// MaxAttempts bounds how often the job runs before it is dead; zero
	// means the queue's default.
	MaxAttempts int
	// Key, if set, de-duplicates: while a job of the same Kind and Key is
	// pending or running, Enqueue returns that job's ID and adds nothing.
	Key string
}

// Job is one run of a job, as a handler sees it.
type Job struct {
	ID      string
	Kind    string
	Payload []byte
	// Attempt counts runs including this one, from 1.
	Attempt     int
	MaxAttempts int
	// RunAt is when the job was due: its scheduled time or, after a
	// failure, the end of its backoff.
	RunAt time.Time
}

// Handler runs one kind of job. Returning nil marks the job done; an error
// schedules a retry (or a dead letter once attempts are used up);
// Permanent(err) makes it dead at once. A panic counts as an error. The
// context is cancelled, with cause ErrLeaseLost, if the job's lease is lost
// to another node; it is not cancelled when the queue shuts down, which waits
// for handlers to return.
type Handler func(ctx context.Context, j Job) error

// Commit is the part of a job's work that is recorded with its outcome: it
// runs in the transaction that marks the job done, after the handler has
// returned, so the job is done if and only if what Apply writes is stored.
// The queue records the outcomes of many jobs in one transaction, so Apply
// runs inside a savepoint: if it fails, only its writes are undone and the
// job counts as failed (retried, or dead once its attempts are used up).
type Commit struct {
	// Order sorts the commits of one transaction, e.g. by the ID of the row
	// Apply locks, so that nodes recording at the same time lock rows in
	// the same order and cannot deadlock.
	Order string
	// Apply writes the result in tx and returns what to do once tx has
	// committed (nil for nothing).
	Apply func(ctx context.Context, tx *db.Batch) (after func(), err error)
}

// ResultHandler runs one kind of job like a Handler and, on success, may
// return a Commit to record with the job's completion.
type ResultHandler func(ctx context.Context, j Job) (*Commit, error)

// ErrLeaseLost is the cause (context.Cause) of the cancellation of a
// handler's context when another node has taken its job over, after this node
// failed to renew the lease in time. The outcome of such a run is not
// recorded.
var ErrLeaseLost = errors.New("jobs: lease lost to another node")

// Permanent marks err as not worth retrying: a handler returning it sends the
// job straight to the dead letters.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Options configure a Queue. Zero fields take the Default constants.
type Options struct {
	// Workers bounds how many handlers run at once on this node.
	Workers int
	// Lease is how long a claimed job stays ours without a heartbeat; the
	// lease is extended every Lease/3 while the handler runs. A node that
	// dies loses its jobs to other nodes this long after its last heartbeat.
	Lease time.Duration
	// Poll is how often an idle queue looks for due jobs and expired leases;
	// Nudge wakes it sooner.
	Poll time.Duration
	// BackoffBase and BackoffMax shape retries: the n-th failure waits
	// between half and all of BackoffBase*2^(n-1), at most BackoffMax.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxAttempts is the default for jobs enqueued without one.
	MaxAttempts int
	// Retention is how long done jobs are kept before cleanup removes them.
	// Dead jobs are kept until an operator retries them.
	Retention time.Duration
	Clock     clock.Clock
	Logger    *slog.Logger
	// Node names this queue in locked_by; it must differ between queues
	// sharing a database. Default: host-pid-random.
	Node string
}

// Queue enqueues jobs and, once Run is called, runs them. Create it with New.
type Queue struct {
	db          *db.DB
	workers     int
	lease       time.Duration
	poll        time.Duration
	backoffBase time.Duration
	backoffMax  time.Duration
	maxAttempts int
	retention   time.Duration
	clock       clock.Clock
	log         *slog.Logger
	node        string

	handlers map[string]ResultHandler
	started  atomic.Bool
	nudge    chan struct{}
}

// New returns a queue on d, which must have Migrations applied.
func New(d *db.DB, opts Options) *Queue {
	q := &Queue{
		db:          d,
		workers:     positive(opts.Workers, DefaultWorkers),
		lease:       positive(opts.Lease, DefaultLease),
		poll:        positive(opts.Poll, DefaultPoll),
		backoffBase: positive(opts.BackoffBase, DefaultBackoffBase),
		backoffMax:  positive(opts.BackoffMax, DefaultBackoffMax),
		maxAttempts: positive(opts.MaxAttempts, DefaultMaxAttempts),
		retention:   positive(opts.Retention, DefaultRetention),
		clock:       opts.Clock,
		log:         opts.Logger,
		node:        opts.Node,
		handlers:    map[string]ResultHandler{},
		nudge:       make(chan struct{}, 1),
	}
	if q.clock == nil {
		q.clock = clock.System{}
	}
	if q.log == nil {
		q.log = slog.New(slog.DiscardHandler)
	}
	if q.node == "" {
		host, _ := os.Hostname()
		id := db.NewID()
		q.node = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), id[len(id)-6:])
	}
	return q
}

func positive[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Handle registers the handler for a kind. Call it before Run; it panics on
// an empty kind, a nil handler, a kind registered twice or a call after Run
// has started, all programming errors.
func (q *Queue) Handle(kind string, h Handler) {
	if h == nil {
		panic("jobs: Handle needs a kind and a handler")
	}
	q.HandleResult(kind, func(ctx context.Context, j Job) (*Commit, error) { return nil, h(ctx, j) })
}

// HandleResult registers a handler whose result is recorded in the same
// transaction as the job's completion (see Commit). The same rules as for
// Handle apply.
func (q *Queue) HandleResult(kind string, h ResultHandler) {
	switch {
	case kind == "" || h == nil:
		panic("jobs: Handle needs a kind and a handler")
	case q.started.Load():
		panic("jobs: Handle called after Run for " + kind)
	case q.handlers[kind] != nil:
		panic("jobs: second handler for " + kind)
	}
	q.handlers[kind] = h
}

// Nudge wakes the claim loop now instead of at the next poll. Call it after
// committing a transaction that enqueued work, so the work starts at once. It
// never blocks.
func (q *Queue) Nudge() {
	select {
	case q.nudge <- struct{}{}:
	default:
	}
}

// now is the queue's clock in UTC at the microsecond precision both engines
// store, so a time read back equals the time written.
func (q *Queue) now() time.Time {
	return q.clock.Now().UTC().Truncate(time.Microsecond)
}

// Enqueue adds a job inside the caller's transaction tx, so the job exists if
// and only if tx commits; call Nudge after the commit. It returns the job's
// ID, or with Spec.Key the ID of the unfinished job already holding that key.
// Without a key the insert is one write, which a db.Batch may send later
// with others. Errors: EINVALID for a spec without Kind or with negative
// MaxAttempts.
func (q *Queue) Enqueue(ctx context.Context, tx db.Runner, spec Spec) (string, error) {
	if spec.Kind == "" {
		return "", apperr.Invalid("error.invalid", map[string]string{"kind": "error.required"})
	}
	if spec.MaxAttempts < 0 {
		return "", apperr.Invalid("error.invalid", map[string]string{"max_attempts": "error.negative"})
	}
	now := q.now()
	runAt := now
	if !spec.RunAt.IsZero() {
		runAt = spec.RunAt.UTC().Truncate(time.Microsecond)
	}
	payload := spec.Payload
	if payload == nil {
		payload = []byte{}
	}
	key := sql.NullString{String: spec.Key, Valid: spec.Key != ""}
	maxAttempts := positive(spec.MaxAttempts, q.maxAttempts)
	const insert = `INSERT INTO jobs
		(id, kind, payload, dedup_key, state, attempts, max_attempts, run_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $7, $7)`
	if spec.Key == "" {
		id := db.NewID()
		if _, err := tx.ExecContext(ctx, insert, id, spec.Kind, payload, key, maxAttempts, runAt, now); err != nil {
			return "", fmt.Errorf("enqueue %s: %w", spec.Kind, db.MapError(err))
		}
		return id, nil
	}
	// The job holding the key may finish between the insert that yields to
	// it and the lookup; then the insert is tried again.
	for range 3 {
		id := db.NewID()
		err := tx.QueryRowContext(ctx, insert+`
			ON CONFLICT (kind, dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('pending', 'running') DO NOTHING
			RETURNING id`, id, spec.Kind, payload, key, maxAttempts, runAt, now).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("enqueue %s: %w", spec.Kind, db.MapError(err))
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM jobs
			WHERE kind = $1 AND dedup_key = $2 AND state IN ('pending', 'running')`,
			spec.Kind, spec.Key).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("enqueue %s: find job with key: %w", spec.Kind, err)
		}
	}
	return "", fmt.Errorf("enqueue %s: key %q keeps changing hands", spec.Kind, spec.Key)
}
