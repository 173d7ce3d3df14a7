package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of RelayOptions.
const (
	DefaultPoll      = time.Second
	DefaultBatch     = 100
	DefaultRetention = 7 * 24 * time.Hour
)

// maxBatch keeps a batch of asynchronous publishes well under the client's
// limit of pending acknowledgements.
const maxBatch = 1000

// pruneEvery is how often Run deletes rows older than the retention.
const pruneEvery = time.Minute

// RelayOptions tune a Relay.
type RelayOptions struct {
	// Poll is how often the relay looks for new rows when not nudged;
	// default 1 s.
	Poll time.Duration
	// Batch is how many rows one round publishes; default 100, at most 1000.
	Batch int
	// Retention is how long published rows and processed-event records are
	// kept; default 7 days. It must exceed the time a message can wait for
	// redelivery, which is far shorter.
	Retention time.Duration
	// Clock stamps published rows; default the system clock.
	Clock clock.Clock
	// Logger receives publish failures; nil discards them.
	Logger *slog.Logger
}

// Relay publishes outbox rows to JetStream. One relay runs per node; on
// PostgreSQL relays on several nodes share the work, claiming rows with
// FOR UPDATE SKIP LOCKED. SQLite serves one node, and the relay there does not
// hold the single writer connection while it waits for NATS.
type Relay struct {
	db      *db.DB
	bus     *Bus
	opts    RelayOptions
	log     *slog.Logger
	nudge   chan struct{}
	running atomic.Bool
}

// outboxRow is an unpublished event.
type outboxRow struct {
	seq int64
	Event
}

// NewRelay returns a relay from d's outbox to b.
func NewRelay(d *db.DB, b *Bus, opts RelayOptions) *Relay {
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	opts.Batch = min(opts.Batch, maxBatch)
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Relay{
		db:    d,
		bus:   b,
		opts:  opts,
		log:   opts.Logger.With(slog.String("component", "events.relay")),
		nudge: make(chan struct{}, 1),
	}
}

// Nudge makes a running relay look for rows now instead of at its next poll;
// call it after committing a transaction that wrote events. It never blocks.
func (r *Relay) Nudge() {
	select {
	case r.nudge <- struct{}{}:
	default:
	}
}

// Run publishes outbox rows until ctx is done, then returns nil. Failures
// (NATS or the database unavailable) are logged and retried at the poll
// interval; rows stay in the outbox until published. Every minute it also
// deletes rows older than the retention (Prune). Run fails at once if the
// relay is already running.
func (r *Relay) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("events relay: already running")
	}
	defer r.running.Store(false)
	prune := time.NewTicker(pruneEvery)
	defer prune.Stop()
	r.prune(ctx)
	for {
		n, err := r.relayBatch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.log.Error("publish events", slog.String("error", err.Error()))
		}
		if err == nil && n == r.opts.Batch {
			// More rows are probably waiting; only look at the timers.
			select {
			case <-prune.C:
				r.prune(ctx)
			default:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.nudge:
		case <-time.After(r.opts.Poll):
		case <-prune.C:
			r.prune(ctx)
		}
	}
}

// relayBatch publishes up to one batch of unpublished rows in sequence order
// and marks those JetStream acknowledged. It returns how many rows it read.
func (r *Relay) relayBatch(ctx context.Context) (int, error) {
	if r.db.Engine() == db.SQLite {
		// One node per SQLite file: read without a lock, publish, then mark
		// in a short write transaction.
		rows, err := r.pending(ctx, r.db.Reader(), "")
		if err != nil || len(rows) == 0 {
			return 0, err
		}
		done, pubErr := r.publish(ctx, rows)
		err = r.db.Tx(ctx, func(tx *sql.Tx) error { return r.markPublished(ctx, tx, done) })
		return len(rows), errors.Join(pubErr, err)
	}
	// Claim the rows so relays on other nodes skip them, and keep the claim
	// until they are marked.
	var n int
	var pubErr error
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := r.pending(ctx, tx, r.db.SkipLocked())
		if err != nil || len(rows) == 0 {
			return err
		}
		n = len(rows)
		var done []int64
		done, pubErr = r.publish(ctx, rows)
		return r.markPublished(ctx, tx, done)
	})
	return n, errors.Join(pubErr, err)
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// pending reads up to one batch of unpublished rows in sequence order; lock
// is appended to the query.
func (r *Relay) pending(ctx context.Context, q querier, lock string) ([]outboxRow, error) {
	rs, err := q.QueryContext(ctx, `SELECT seq, id, subject, payload, created_at FROM events_outbox
		WHERE published_at IS NULL ORDER BY seq LIMIT $1`+lock, r.opts.Batch)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rs.Close()
	var rows []outboxRow
	for rs.Next() {
		var row outboxRow
		if err := rs.Scan(&row.seq, &row.ID, &row.Subject, &row.Data, &row.At); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		row.At = row.At.UTC()
		rows = append(rows, row)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return rows, nil
}

// publish sends rows to JetStream without waiting between them, each with
// its event ID as message ID, then waits for the acknowledgements. It returns
// the sequence numbers of the acknowledged rows (JetStream has stored them,
// or had them already) and an error for the others, which stay unpublished
// and are sent again next round.
func (r *Relay) publish(ctx context.Context, rows []outboxRow) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	futures := make([]jetstream.PubAckFuture, 0, len(rows))
	var errs []error
	for _, row := range rows {
		msg := &nats.Msg{Subject: row.Subject, Data: row.Data, Header: nats.Header{}}
		msg.Header.Set(atHeader, row.At.Format(time.RFC3339Nano))
		f, err := r.bus.js.PublishMsgAsync(msg, jetstream.WithMsgID(row.ID))
		if err != nil {
			errs = append(errs, fmt.Errorf("publish event %s: %w", row.ID, err))
			break
		}
		futures = append(futures, f)
	}
	done := make([]int64, 0, len(futures))
	duplicates := 0
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			done = append(done, rows[i].seq)
			if ack.Duplicate {
				duplicates++
			}
		case err := <-f.Err():
			errs = append(errs, fmt.Errorf("publish event %s: %w", rows[i].ID, err))
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("publish events: %d acknowledgements missing: %w", len(futures)-i, ctx.Err()))
			return done, errors.Join(errs...)
		}
	}
	if duplicates > 0 {
		r.log.Debug("events published again were dropped as duplicates", slog.Int("count", duplicates))
	}
	return done, errors.Join(errs...)
}

// markPublished stamps the rows with seqs as published.
func (r *Relay) markPublished(ctx context.Context, tx *sql.Tx, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	args := make([]any, 0, len(seqs)+1)
	args = append(args, r.opts.Clock.Now().UTC())
	marks := make([]string, len(seqs))
	for i, seq := range seqs {
		args = append(args, seq)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	_, err := tx.ExecContext(ctx, `UPDATE events_outbox SET published_at = $1 WHERE seq IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("mark events published: %w", err)
	}
	return nil
}

// Lag reports the outbox lag: how many events are not yet published and how
// long the oldest of them has waited (0 when none is).
func (r *Relay) Lag(ctx context.Context) (pending int, oldest time.Duration, err error) {
	q := r.db.Reader()
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM events_outbox WHERE published_at IS NULL`).Scan(&pending); err != nil {
		return 0, 0, fmt.Errorf("outbox lag: %w", err)
	}
	if pending == 0 {
		return 0, 0, nil
	}
	var at time.Time
	err = q.QueryRowContext(ctx, `SELECT created_at FROM events_outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1`).Scan(&at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Published since the count.
		return pending, 0, nil
	case err != nil:
		return 0, 0, fmt.Errorf("outbox lag: %w", err)
	}
	return pending, max(r.opts.Clock.Now().Sub(at), 0), nil
}

// Prune deletes published outbox rows and processed-event records older
// than the retention, and returns how many rows it deleted. Run calls it
// every minute.
func (r *Relay) Prune(ctx context.Context) (int64, error) {
	before := r.opts.Clock.Now().UTC().Add(-r.opts.Retention)
	var n int64
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM events_outbox WHERE published_at IS NOT NULL AND published_at < $1`,
			`DELETE FROM events_processed WHERE processed_at < $1`,
		} {
			res, err := tx.ExecContext(ctx, q, before)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	return n, nil
}

// prune runs Prune and logs a failure.
func (r *Relay) prune(ctx context.Context) {
	n, err := r.Prune(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		r.log.Error("prune outbox", slog.String("error", err.Error()))
	case n > 0:
		r.log.Debug("pruned outbox", slog.Int64("rows", n))
	}
}
