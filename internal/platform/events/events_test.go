package events_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsEnv names the variable holding an external NATS server for tests.
const natsEnv = "EGOV_TEST_NATS_URL"

// waitTimeout is how long tests wait for a condition; generous for loaded
// machines.
const waitTimeout = 30 * time.Second

var errRollback = errors.New("roll back on purpose")

// sets are the events tables plus a table where test handlers record their
// effects, in the handler's transaction.
func sets() []db.Migrations {
	fsys := fstest.MapFS{}
	for _, engine := range []string{"sqlite", "postgres"} {
		fsys["migrations/"+engine+"/0001_seen.sql"] = &fstest.MapFile{Data: []byte(`-- +goose Up
CREATE TABLE eventstest_seen (consumer TEXT NOT NULL, event_id TEXT NOT NULL, subject TEXT NOT NULL);
-- +goose Down
DROP TABLE eventstest_seen;
`)}
	}
	return []db.Migrations{events.Migrations(), {Module: "eventstest", FS: fsys}}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openBus opens a bus, embedded in a fresh folder unless cfg says otherwise,
// closed when the test ends.
func openBus(t testing.TB, cfg events.Config) *events.Bus {
	t.Helper()
	if cfg.URL == "" && cfg.StoreDir == "" {
		cfg.StoreDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	b, err := events.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open bus: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close bus: %v", err)
		}
	})
	return b
}

// start runs fn in a goroutine until the returned stop is called (at the
// latest when the test ends) and checks that it returned nil.
func start(t testing.TB, what string, fn func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("%s: %v", what, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func startRelay(t testing.TB, r *events.Relay) (stop func()) {
	return start(t, "relay", r.Run)
}

func startConsumer(t testing.TB, b *events.Bus, d *db.DB, name, subject string, h events.Handler) (stop func()) {
	return start(t, "consumer "+name, func(ctx context.Context) error { return b.Consume(ctx, d, name, subject, h) })
}

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder is a handler that records each call and the event it got, and
// writes a row to eventstest_seen in the handler's transaction. failures
// makes the first calls for an event fail.
type recorder struct {
	consumer string
	failures int
	mu       sync.Mutex
	calls    map[string]int
	got      map[string]events.Event
}

func newRecorder(consumer string) *recorder {
	return &recorder{consumer: consumer, calls: map[string]int{}, got: map[string]events.Event{}}
}

func (r *recorder) handle(ctx context.Context, tx *sql.Tx, e events.Event) error {
	r.mu.Lock()
	r.calls[e.ID]++
	r.got[e.ID] = e
	n := r.calls[e.ID]
	r.mu.Unlock()
	if n <= r.failures {
		return fmt.Errorf("failure %d on purpose", n)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO eventstest_seen (consumer, event_id, subject) VALUES ($1, $2, $3)`, r.consumer, e.ID, e.Subject)
	return err
}

// seen returns how many distinct events the handler was called for.
func (r *recorder) seen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

func (r *recorder) callsOf(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

// event returns the event the handler last got with the ID.
func (r *recorder) event(id string) events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[id]
}

// effects counts the committed handler rows per event ID.
func effects(t testing.TB, d *db.DB) map[string]int {
	t.Helper()
	rows, err := d.Reader().Query(`SELECT event_id, count(*) FROM eventstest_seen GROUP BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// write writes n events on subject in one transaction, committed or rolled
// back, and returns them.
func write(t testing.TB, d *db.DB, ob *events.Outbox, n int, subject string, commit bool) []events.Event {
	t.Helper()
	ctx := context.Background()
	var out []events.Event
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		for i := range n {
			e, err := ob.Write(ctx, tx, subject, map[string]any{"n": i, "note": "o‘zbek"})
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		if !commit {
			return errRollback
		}
		return nil
	})
	if commit && err != nil || !commit && !errors.Is(err, errRollback) {
		t.Fatalf("write events (commit %v): %v", commit, err)
	}
	return out
}

// checkExactlyOnce checks that every committed event had its effect exactly
// once and nothing else had any.
func checkExactlyOnce(t *testing.T, d *db.DB, committed, rolledBack []events.Event) {
	t.Helper()
	got := effects(t, d)
	for _, e := range committed {
		if got[e.ID] != 1 {
			t.Errorf("event %s handled %d times, want once", e.ID, got[e.ID])
		}
	}
	for _, e := range rolledBack {
		if got[e.ID] != 0 {
			t.Errorf("rolled-back event %s handled %d times", e.ID, got[e.ID])
		}
	}
	if len(got) != len(committed) {
		t.Errorf("%d events handled, want %d", len(got), len(committed))
	}
}

func TestCommittedEventsArriveOnce(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		b := openBus(t, events.Config{})
		ob := events.NewOutbox(clock.System{}, b.Prefix())

		var committed, rolledBack []events.Event
		for range 5 {
			committed = append(committed, write(t, d, ob, 5, "egov.test.created", true)...)
			rolledBack = append(rolledBack, write(t, d, ob, 2, "egov.test.created", false)...)
		}
		other := write(t, d, ob, 3, "egov.other.created", true)

		rec := newRecorder("audit")
		startConsumer(t, b, d, "audit", "egov.test.>", rec.handle)
		// Two relays, as on two nodes; they share the rows on PostgreSQL
		// and JetStream drops what both publish on SQLite.
		relays := []*events.Relay{
			events.NewRelay(d, b, events.RelayOptions{Batch: 7, Logger: testLogger(t)}),
			events.NewRelay(d, b, events.RelayOptions{Batch: 7, Logger: testLogger(t)}),
		}
		for _, r := range relays {
			startRelay(t, r)
		}
		for range 5 {
			committed = append(committed, write(t, d, ob, 5, "egov.test.updated", true)...)
			rolledBack = append(rolledBack, write(t, d, ob, 2, "egov.test.updated", false)...)
			relays[0].Nudge()
		}

		waitFor(t, "all committed events", func() bool { return rec.seen() >= len(committed) })
		waitFor(t, "an empty outbox", func() bool {
			n, _, err := relays[0].Lag(ctx)
			return err == nil && n == 0
		})
		waitFor(t, "the consumer to finish", func() bool {
			done, err := events.ConsumerDone(ctx, b, "audit")
			return err == nil && done
		})

		checkExactlyOnce(t, d, committed, rolledBack)
		for _, want := range committed {
			if n := rec.callsOf(want.ID); n != 1 {
				t.Errorf("handler called %d times for %s, want once", n, want.ID)
			}
			got := rec.event(want.ID)
			if got.Subject != want.Subject || string(got.Data) != string(want.Data) || !got.At.Equal(want.At) || got.At.Location() != time.UTC {
				t.Errorf("received %+v, want %+v", got, want)
			}
		}
		for _, e := range other {
			if rec.callsOf(e.ID) != 0 {
				t.Errorf("event %s on %s reached a consumer of egov.test.>", e.ID, e.Subject)
			}
		}
		if want := `{"n":0,"note":"o‘zbek"}`; string(committed[0].Data) != want {
			t.Errorf("payload = %s, want %s", committed[0].Data, want)
		}
		var stored int
		if err := d.Reader().QueryRow(`SELECT count(*) FROM events_outbox`).Scan(&stored); err != nil || stored != len(committed)+len(other) {
			t.Errorf("outbox rows = %d, %v; want %d", stored, err, len(committed)+len(other))
		}
	})
}

func TestEventsSurviveRestart(t *testing.T) {
	tests := []struct {
		name string
		// abrupt closes the bus under the running relay and consumer, as
		// in a crash: messages fetched but not answered come back after the
		// ack wait, and an acknowledgement may be lost after a commit.
		abrupt bool
	}{
		{name: "graceful"},
		{name: "abrupt", abrupt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
				cfg := events.Config{StoreDir: t.TempDir(), AckWait: 2 * time.Second, Logger: testLogger(t)}
				ob := events.NewOutbox(clock.System{}, "")
				var committed, rolledBack []events.Event
				for range 4 {
					committed = append(committed, write(t, d, ob, 5, "egov.test.a", true)...)
					rolledBack = append(rolledBack, write(t, d, ob, 1, "egov.test.a", false)...)
				}

				// First run: stop once part of the events are handled.
				rec := newRecorder("restart")
				b, err := events.Open(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				stopConsumer := start(t, "consumer", func(ctx context.Context) error {
					err := b.Consume(ctx, d, "restart", "egov.test.>", rec.handle)
					if tt.abrupt {
						return nil // the bus closed under it
					}
					return err
				})
				stopRelay := startRelay(t, events.NewRelay(d, b, events.RelayOptions{Batch: 3, Logger: testLogger(t)}))
				waitFor(t, "some events handled", func() bool { return rec.seen() >= 5 })
				if !tt.abrupt {
					stopRelay()
					stopConsumer()
				}
				if err := b.Close(); err != nil {
					t.Fatalf("close: %v", err)
				}
				stopRelay()
				stopConsumer()

				// Written while the bus is down: they wait in the outbox.
				committed = append(committed, write(t, d, ob, 10, "egov.test.b", true)...)
				rolledBack = append(rolledBack, write(t, d, ob, 3, "egov.test.b", false)...)

				// Second run on the same store: the durable consumer goes on
				// where it stopped.
				b = openBus(t, cfg)
				relay := events.NewRelay(d, b, events.RelayOptions{Batch: 3, Logger: testLogger(t)})
				startRelay(t, relay)
				startConsumer(t, b, d, "restart", "egov.test.>", rec.handle)
				committed = append(committed, write(t, d, ob, 10, "egov.test.c", true)...)
				rolledBack = append(rolledBack, write(t, d, ob, 2, "egov.test.c", false)...)
				relay.Nudge()

				waitFor(t, "all committed events", func() bool { return len(effects(t, d)) >= len(committed) })
				waitFor(t, "the consumer to finish", func() bool {
					done, err := events.ConsumerDone(context.Background(), b, "restart")
					return err == nil && done
				})
				checkExactlyOnce(t, d, committed, rolledBack)
			})
		})
	}
}

func TestRepublishedEventIsHandledOnce(t *testing.T) {
	tests := []struct {
		name   string
		window time.Duration
		// wantMsgs is how many copies the stream ends with: the server drops
		// a copy within its duplicate window, the consumer skips a later one.
		wantMsgs uint64
	}{
		{name: "within the duplicate window", window: 10 * time.Minute, wantMsgs: 1},
		{name: "after the duplicate window", window: 100 * time.Millisecond, wantMsgs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				b := openBus(t, events.Config{DuplicateWindow: tt.window})
				ob := events.NewOutbox(clock.System{}, "")
				relay := events.NewRelay(d, b, events.RelayOptions{Poll: 20 * time.Millisecond, Logger: testLogger(t)})
				rec := newRecorder("once")
				startRelay(t, relay)
				startConsumer(t, b, d, "once", "egov.>", rec.handle)
				e := write(t, d, ob, 1, "egov.test.once", true)[0]
				relay.Nudge()
				waitFor(t, "the event", func() bool { return rec.seen() == 1 })

				published := func() bool {
					var at sql.NullTime
					err := d.Reader().QueryRow(`SELECT published_at FROM events_outbox WHERE id = $1`, e.ID).Scan(&at)
					return err == nil && at.Valid
				}
				waitFor(t, "the event marked published", published)
				// A crash between publish and mark leaves the row unmarked:
				// the relay publishes it again.
				waitFor(t, fmt.Sprintf("%d copies in the stream", tt.wantMsgs), func() bool {
					if err := d.Tx(ctx, func(tx *sql.Tx) error {
						_, err := tx.ExecContext(ctx, `UPDATE events_outbox SET published_at = NULL WHERE id = $1`, e.ID)
						return err
					}); err != nil {
						t.Fatal(err)
					}
					relay.Nudge()
					waitFor(t, "the event marked published again", published)
					n, err := events.StreamMessages(ctx, b)
					return err == nil && n >= tt.wantMsgs
				})
				waitFor(t, "the consumer to finish", func() bool {
					done, err := events.ConsumerDone(ctx, b, "once")
					return err == nil && done
				})
				if n, err := events.StreamMessages(ctx, b); err != nil || n != tt.wantMsgs {
					t.Errorf("stream holds %d messages (%v), want %d", n, err, tt.wantMsgs)
				}
				if n := rec.callsOf(e.ID); n != 1 {
					t.Errorf("handler called %d times, want once", n)
				}
				checkExactlyOnce(t, d, []events.Event{e}, nil)
			})
		})
	}
}

func TestHandlerFailures(t *testing.T) {
	tests := []struct {
		name       string
		failures   int
		maxDeliver int
		wantCalls  int
		// wantDone is 1 if the handler's effect and the processed record
		// committed, 0 if the event was dropped.
		wantDone int
	}{
		{name: "error then success", failures: 1, maxDeliver: 3, wantCalls: 2, wantDone: 1},
		{name: "errors until the last attempt", failures: 100, maxDeliver: 2, wantCalls: 2, wantDone: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				b := openBus(t, events.Config{MaxDeliver: tt.maxDeliver})
				ob := events.NewOutbox(clock.System{}, "")
				rec := newRecorder("flaky")
				rec.failures = tt.failures
				startRelay(t, events.NewRelay(d, b, events.RelayOptions{Poll: 20 * time.Millisecond, Logger: testLogger(t)}))
				startConsumer(t, b, d, "flaky", "egov.>", rec.handle)
				e := write(t, d, ob, 1, "egov.test.flaky", true)[0]

				waitFor(t, "the last attempt", func() bool { return rec.callsOf(e.ID) >= tt.wantCalls })
				waitFor(t, "the consumer to finish", func() bool {
					done, err := events.ConsumerDone(ctx, b, "flaky")
					return err == nil && done
				})
				if n := rec.callsOf(e.ID); n != tt.wantCalls {
					t.Errorf("handler called %d times, want %d", n, tt.wantCalls)
				}
				var processed int
				if err := d.Reader().QueryRow(`SELECT count(*) FROM events_processed WHERE consumer = 'flaky' AND event_id = $1`, e.ID).Scan(&processed); err != nil {
					t.Fatal(err)
				}
				if processed != tt.wantDone || effects(t, d)[e.ID] != tt.wantDone {
					t.Errorf("processed %d, effects %d; want %d", processed, effects(t, d)[e.ID], tt.wantDone)
				}
			})
		})
	}
}

func TestWriteRejectsInvalidSubject(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ob := events.NewOutbox(clock.System{}, "")
		tests := []struct {
			subject string
			ok      bool
		}{
			{subject: "egov.appeals.created", ok: true},
			{subject: "egov.a-b_c.D9", ok: true},
			{subject: ""},
			{subject: "egov"},
			{subject: "egov."},
			{subject: "other.appeals.created"},
			{subject: "egovx.appeals"},
			{subject: "egov.appeals..created"},
			{subject: "egov.appeals."},
			{subject: "egov.appeals.*"},
			{subject: "egov.>"},
			{subject: "egov.appeals created"},
			{subject: "egov.murojaat.yaratildi‘"},
			{subject: "egov." + strings.Repeat("a", 251)},
		}
		for _, tt := range tests {
			err := d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := ob.Write(ctx, tx, tt.subject, struct{}{})
				return err
			})
			switch {
			case tt.ok && err != nil:
				t.Errorf("Write(%q) = %v, want success", tt.subject, err)
			case !tt.ok && apperr.Code(err) != apperr.EINVALID:
				t.Errorf("Write(%q) = %v, want code %s", tt.subject, err, apperr.EINVALID)
			}
		}
		var n int
		if err := d.Reader().QueryRow(`SELECT count(*) FROM events_outbox`).Scan(&n); err != nil || n != 2 {
			t.Errorf("outbox rows = %d, %v; want 2", n, err)
		}
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := ob.Write(ctx, tx, "egov.bad.data", func() {})
			return err
		})
		if err == nil {
			t.Error("Write of a value JSON cannot encode succeeded")
		}
	})
}

func TestConsumeRejectsInvalidArguments(t *testing.T) {
	b := openBus(t, events.Config{})
	d := dbtest.Open(t, db.SQLite, sets())
	tests := []struct{ name, subject string }{
		{name: "", subject: "egov.>"},
		{name: "a.b", subject: "egov.>"},
		{name: "a b", subject: "egov.>"},
		{name: "ok", subject: "other.>"},
		{name: "ok", subject: "egov.>.x"},
		{name: "ok", subject: "egov."},
	}
	for _, tt := range tests {
		err := b.Consume(context.Background(), d, tt.name, tt.subject, func(context.Context, *sql.Tx, events.Event) error { return nil })
		if apperr.Code(err) != apperr.EINVALID {
			t.Errorf("Consume(%q, %q) = %v, want code %s", tt.name, tt.subject, err, apperr.EINVALID)
		}
	}
}

func TestLagAndPrune(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		b := openBus(t, events.Config{Clock: clk})
		ob := events.NewOutbox(clk, "")
		relay := events.NewRelay(d, b, events.RelayOptions{Clock: clk, Retention: time.Hour, Logger: testLogger(t)})

		write(t, d, ob, 2, "egov.test.lag", true)
		clk.Advance(3 * time.Second)
		write(t, d, ob, 1, "egov.test.lag", true)
		clk.Advance(2 * time.Second)
		pending, oldest, err := relay.Lag(ctx)
		if err != nil || pending != 3 || oldest != 5*time.Second {
			t.Fatalf("Lag = %d, %v, %v; want 3, 5s", pending, oldest, err)
		}

		stop := startRelay(t, relay)
		waitFor(t, "an empty outbox", func() bool {
			n, _, err := relay.Lag(ctx)
			return err == nil && n == 0
		})
		if err := relay.Run(ctx); err == nil {
			t.Error("a second Run of a running relay succeeded")
		}
		stop()
		if pending, oldest, err := relay.Lag(ctx); err != nil || pending != 0 || oldest != 0 {
			t.Errorf("Lag after relay = %d, %v, %v; want 0, 0", pending, oldest, err)
		}

		rec := newRecorder("lag")
		startConsumer(t, b, d, "lag", "egov.>", rec.handle)
		waitFor(t, "all events", func() bool { return rec.seen() == 3 })
		waitFor(t, "the consumer to finish", func() bool {
			done, err := events.ConsumerDone(ctx, b, "lag")
			return err == nil && done
		})

		// Nothing is old enough yet; past the retention everything goes.
		if n, err := relay.Prune(ctx); err != nil || n != 0 {
			t.Errorf("Prune = %d, %v; want 0", n, err)
		}
		clk.Advance(time.Hour + time.Second)
		if n, err := relay.Prune(ctx); err != nil || n != 6 {
			t.Errorf("Prune = %d, %v; want 6 (3 outbox rows, 3 processed records)", n, err)
		}
	})
}

func TestReadyAndClose(t *testing.T) {
	b, err := events.Open(context.Background(), events.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Ready(context.Background()); err != nil {
		t.Errorf("Ready = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := b.Ready(context.Background()); err == nil {
		t.Error("Ready after Close succeeded")
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  events.Config
	}{
		{name: "no store folder", cfg: events.Config{}},
		{name: "stream name with a dot", cfg: events.Config{StoreDir: "x", Stream: "A.B"}},
		{name: "prefix without a dot", cfg: events.Config{StoreDir: "x", Prefix: "egov"}},
		{name: "wildcard prefix", cfg: events.Config{StoreDir: "x", Prefix: "egov.*."}},
		{name: "short duplicate window", cfg: events.Config{StoreDir: "x", DuplicateWindow: time.Millisecond}},
		{name: "max age below the window", cfg: events.Config{StoreDir: "x", MaxAge: time.Minute}},
		{name: "negative max deliver", cfg: events.Config{StoreDir: "x", MaxDeliver: -1}},
	}
	for _, tt := range tests {
		if b, err := events.Open(context.Background(), tt.cfg); err == nil {
			b.Close()
			t.Errorf("%s: Open succeeded", tt.name)
		}
	}
}

func TestOpenUnreachableServer(t *testing.T) {
	began := time.Now()
	_, err := events.Open(context.Background(), events.Config{URL: "nats://egov:secret@127.0.0.1:1"})
	if err == nil {
		t.Fatal("Open of an unreachable NATS succeeded")
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %q should name the server without its password", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
}

func TestExternalServer(t *testing.T) {
	url := os.Getenv(natsEnv)
	if url == "" {
		t.Skipf("%s is not set", natsEnv)
	}
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// A stream and prefix of the test's own, so runs sharing the server
		// do not see each other.
		unique := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
		stream, prefix := "EGOVTEST_"+unique, "egovtest"+unique+"."
		t.Cleanup(func() { deleteStream(t, url, stream) })
		b := openBus(t, events.Config{URL: url, Stream: stream, Prefix: prefix})
		if err := b.Ready(ctx); err != nil {
			t.Fatalf("Ready = %v", err)
		}
		ob := events.NewOutbox(clock.System{}, b.Prefix())
		committed := write(t, d, ob, 10, prefix+"appeals.created", true)
		rolledBack := write(t, d, ob, 2, prefix+"appeals.created", false)
		if _, err := ob.Write(ctx, nil, "egov.appeals.created", nil); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("Write outside the prefix = %v, want %s", err, apperr.EINVALID)
		}
		rec := newRecorder("external")
		startRelay(t, events.NewRelay(d, b, events.RelayOptions{Logger: testLogger(t)}))
		startConsumer(t, b, d, "external", prefix+">", rec.handle)
		waitFor(t, "all committed events", func() bool { return rec.seen() >= len(committed) })
		waitFor(t, "the consumer to finish", func() bool {
			done, err := events.ConsumerDone(ctx, b, "external")
			return err == nil && done
		})
		checkExactlyOnce(t, d, committed, rolledBack)
	})
}

// deleteStream removes a test's stream from the external server.
func deleteStream(t testing.TB, url, stream string) {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Errorf("connect to delete stream: %v", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Errorf("jetstream: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := js.DeleteStream(ctx, stream); err != nil {
		t.Errorf("delete stream %s: %v", stream, err)
	}
}

func TestOutboxNudgeWakesTheRelay(t *testing.T) {
	o := events.NewOutbox(clock.System{}, "")
	o.Nudge() // no relay on this node: nothing to wake
	woken := 0
	o.WakeWith(func() { woken++ })
	o.Nudge()
	if woken != 1 {
		t.Errorf("woken %d times, want 1", woken)
	}
}
