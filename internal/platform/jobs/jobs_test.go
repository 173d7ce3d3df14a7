package jobs_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/jobs"
)

// deadline bounds every wait for the queue; generous, so a loaded machine
// only makes tests slower, never red.
const deadline = 30 * time.Second

// epoch is where manual clocks start.
var epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func sets() []db.Migrations { return []db.Migrations{jobs.Migrations()} }

// testOptions are fast-polling options logging to the test; a nil clock
// means the system clock.
func testOptions(t *testing.T, c clock.Clock) jobs.Options {
	return jobs.Options{
		Workers: 4,
		Poll:    10 * time.Millisecond,
		Clock:   c,
		Logger:  slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// start runs q until the returned stop is called or the test ends; stop
// waits for Run to return.
func start(t *testing.T, q *jobs.Queue) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(deadline):
			t.Errorf("Run did not return within %v of cancel", deadline)
		}
	})
	t.Cleanup(stop)
	return stop
}

// enqueue adds the jobs in one committed transaction and nudges q.
func enqueue(t *testing.T, d *db.DB, q *jobs.Queue, specs ...jobs.Spec) []string {
	t.Helper()
	var ids []string
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		for _, s := range specs {
			id, err := q.Enqueue(context.Background(), tx, s)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	q.Nudge()
	return ids
}

// row is a job as stored.
type row struct {
	State     string
	Attempts  int
	LastError string
	RunAt     time.Time
	LockedBy  string
}

func readJob(t *testing.T, d *db.DB, id string) row {
	t.Helper()
	var r row
	err := d.Reader().QueryRowContext(context.Background(), `SELECT state, attempts,
		COALESCE(last_error, ''), run_at, COALESCE(locked_by, '') FROM jobs WHERE id = $1`, id).
		Scan(&r.State, &r.Attempts, &r.LastError, &r.RunAt, &r.LockedBy)
	if err != nil {
		t.Fatalf("read job %s: %v", id, err)
	}
	r.RunAt = r.RunAt.UTC()
	return r
}

func countJobs(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRow(`SELECT count(*) FROM jobs`).Scan(&n); err != nil {
		t.Fatalf("count jobs: %v", err)
	}
	return n
}

// waitFor polls cond until it holds, failing the test after deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", deadline, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitState waits until the job is in the state and returns it.
func waitState(t *testing.T, d *db.DB, id, state string) row {
	t.Helper()
	var r row
	waitFor(t, "job "+id+" to be "+state, func() bool {
		r = readJob(t, d, id)
		return r.State == state
	})
	return r
}

// recorder is a handler that counts the runs of each job.
type recorder struct {
	mu   sync.Mutex
	runs map[string][]int // job ID -> attempts seen
}

func newRecorder() *recorder { return &recorder{runs: map[string][]int{}} }

func (r *recorder) handle(_ context.Context, j jobs.Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs[j.ID] = append(r.runs[j.ID], j.Attempt)
	return nil
}

func (r *recorder) attempts(id string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.runs[id]...)
}

func TestEnqueueIsTransactional(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := jobs.New(d, testOptions(t, nil))
		rec := newRecorder()
		q.Handle("test.echo", rec.handle)
		start(t, q)

		rollback := errors.New("caller's change failed")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := q.Enqueue(ctx, tx, jobs.Spec{Kind: "test.echo", Payload: []byte(`{"n":1}`)}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("Tx = %v, want the caller's error", err)
		}
		if n := countJobs(t, d); n != 0 {
			t.Fatalf("%d jobs after rollback, want 0", n)
		}

		ids := enqueue(t, d, q, jobs.Spec{Kind: "test.echo", Payload: []byte(`{"n":2}`)}, jobs.Spec{Kind: "test.echo"})
		for _, id := range ids {
			waitState(t, d, id, "done")
			if got := rec.attempts(id); len(got) != 1 || got[0] != 1 {
				t.Errorf("job %s ran with attempts %v, want [1]", id, got)
			}
		}
		if n := countJobs(t, d); n != 2 {
			t.Errorf("%d jobs, want 2", n)
		}
	})
}

func TestEnqueueRejectsBadSpec(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		q := jobs.New(d, testOptions(t, nil))
		tests := []struct {
			name string
			spec jobs.Spec
		}{
			{"no kind", jobs.Spec{Payload: []byte("x")}},
			{"negative attempts", jobs.Spec{Kind: "test.echo", MaxAttempts: -1}},
		}
		for _, tt := range tests {
			err := d.Tx(context.Background(), func(tx *sql.Tx) error {
				_, err := q.Enqueue(context.Background(), tx, tt.spec)
				return err
			})
			if apperr.Code(err) != apperr.EINVALID {
				t.Errorf("%s: Enqueue error %v, want %s", tt.name, err, apperr.EINVALID)
			}
		}
	})
}

func TestPayloadReachesHandler(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		c := clock.NewManual(epoch)
		q := jobs.New(d, testOptions(t, c))
		got := make(chan jobs.Job, 1)
		q.Handle("test.echo", func(_ context.Context, j jobs.Job) error {
			got <- j
			return nil
		})
		start(t, q)
		payload := []byte{0, 1, 2, 0xff, '{', '}'}
		id := enqueue(t, d, q, jobs.Spec{Kind: "test.echo", Payload: payload, MaxAttempts: 3})[0]
		select {
		case j := <-got:
			want := jobs.Job{ID: id, Kind: "test.echo", Payload: payload, Attempt: 1, MaxAttempts: 3, RunAt: epoch}
			if j.ID != want.ID || j.Kind != want.Kind || string(j.Payload) != string(want.Payload) ||
				j.Attempt != want.Attempt || j.MaxAttempts != want.MaxAttempts || !j.RunAt.Equal(want.RunAt) {
				t.Errorf("handler got %+v, want %+v", j, want)
			}
		case <-time.After(deadline):
			t.Fatal("handler did not run")
		}
	})
}

// TestOutcomes drives a job through its attempts, advancing a manual clock
// past each backoff, and checks where it ends.
func TestOutcomes(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		handler     jobs.Handler
		state       string
		attempts    int
		lastError   string
	}{
		{
			name:        "success",
			maxAttempts: 3,
			handler:     func(context.Context, jobs.Job) error { return nil },
			state:       "done", attempts: 1,
		},
		{
			name:        "succeeds on the third attempt",
			maxAttempts: 5,
			handler: func(_ context.Context, j jobs.Job) error {
				if j.Attempt < 3 {
					return fmt.Errorf("flaky %d", j.Attempt)
				}
				return nil
			},
			state: "done", attempts: 3, lastError: "flaky 2",
		},
		{
			name:        "retries then dead",
			maxAttempts: 3,
			handler: func(_ context.Context, j jobs.Job) error {
				return fmt.Errorf("boom %d", j.Attempt)
			},
			state: "dead", attempts: 3, lastError: "boom 3",
		},
		{
			name:        "permanent error is dead at once",
			maxAttempts: 5,
			handler: func(context.Context, jobs.Job) error {
				return jobs.Permanent(errors.New("no such citizen"))
			},
			state: "dead", attempts: 1, lastError: "no such citizen",
		},
		{
			name:        "panic is an error",
			maxAttempts: 2,
			handler: func(context.Context, jobs.Job) error {
				panic("nil map")
			},
			state: "dead", attempts: 2, lastError: "panic: nil map",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
				c := clock.NewManual(epoch)
				opts := testOptions(t, c)
				opts.BackoffBase, opts.BackoffMax = time.Second, 4*time.Second
				q := jobs.New(d, opts)
				q.Handle("test.job", tt.handler)
				start(t, q)
				id := enqueue(t, d, q, jobs.Spec{Kind: "test.job", MaxAttempts: tt.maxAttempts})[0]

				var r row
				seen := 0
				waitFor(t, "job to finish", func() bool {
					r = readJob(t, d, id)
					if r.State == "pending" && r.Attempts > seen {
						// A failure: check its backoff, then let it pass.
						seen = r.Attempts
						wait := r.RunAt.Sub(c.Now())
						full := min(time.Second<<(r.Attempts-1), 4*time.Second)
						if wait < full/2 || wait > full {
							t.Errorf("backoff after attempt %d = %v, want within [%v, %v]", r.Attempts, wait, full/2, full)
						}
						c.Advance(4 * time.Second)
						q.Nudge()
					}
					return r.State == "done" || r.State == "dead"
				})
				if r.State != tt.state || r.Attempts != tt.attempts || r.LastError != tt.lastError {
					t.Errorf("job ended %s after %d attempts with %q, want %s after %d with %q",
						r.State, r.Attempts, r.LastError, tt.state, tt.attempts, tt.lastError)
				}
				dead, err := q.Dead(context.Background(), 10)
				if err != nil {
					t.Fatal(err)
				}
				if wantDead := tt.state == "dead"; wantDead != (len(dead) == 1) {
					t.Fatalf("Dead() = %+v, want dead: %v", dead, wantDead)
				} else if wantDead {
					if dj := dead[0]; dj.ID != id || dj.Kind != "test.job" || dj.Attempts != tt.attempts ||
						dj.MaxAttempts != tt.maxAttempts || dj.LastError != tt.lastError || !dj.DiedAt.Equal(c.Now()) {
						t.Errorf("dead job = %+v", dj)
					}
				}
			})
		})
	}
}

func TestBackoff(t *testing.T) {
	q := jobs.New(nil, jobs.Options{BackoffBase: time.Second, BackoffMax: time.Minute})
	tests := []struct {
		attempt   int
		low, high time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{3, 2 * time.Second, 4 * time.Second},
		{6, 16 * time.Second, 32 * time.Second},
		{7, 30 * time.Second, time.Minute},
		{100, 30 * time.Second, time.Minute},
	}
	for _, tt := range tests {
		for range 100 {
			if got := q.Backoff(tt.attempt); got < tt.low || got > tt.high {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", tt.attempt, got, tt.low, tt.high)
			}
		}
	}
}

func TestRetryDeadJob(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := jobs.New(d, testOptions(t, clock.NewManual(epoch)))
		var fixed atomic.Bool
		q.Handle("test.job", func(context.Context, jobs.Job) error {
			if !fixed.Load() {
				return jobs.Permanent(errors.New("registry down"))
			}
			return nil
		})
		start(t, q)
		ids := enqueue(t, d, q, jobs.Spec{Kind: "test.job", MaxAttempts: 2}, jobs.Spec{Kind: "test.job"})
		waitState(t, d, ids[0], "dead")
		waitState(t, d, ids[1], "dead")
		if dead, err := q.Dead(ctx, 0); err != nil || len(dead) != 2 {
			t.Fatalf("Dead() = %+v, %v; want 2 jobs", dead, err)
		}

		fixed.Store(true)
		if err := q.Retry(ctx, ids[0]); err != nil {
			t.Fatalf("Retry: %v", err)
		}
		r := waitState(t, d, ids[0], "done")
		if r.Attempts != 1 || r.LastError != "registry down" {
			t.Errorf("retried job: %d attempts, last error %q; want 1 and the old error", r.Attempts, r.LastError)
		}
		if dead, err := q.Dead(ctx, 0); err != nil || len(dead) != 1 || dead[0].ID != ids[1] {
			t.Errorf("Dead() after retry = %+v, %v; want only %s", dead, err, ids[1])
		}

		tests := []struct {
			id   string
			code string
		}{
			{ids[0], apperr.ECONFLICT},
			{db.NewID(), apperr.ENOTFOUND},
		}
		for _, tt := range tests {
			if err := q.Retry(ctx, tt.id); apperr.Code(err) != tt.code {
				t.Errorf("Retry(%s) = %v, want %s", tt.id, err, tt.code)
			}
		}
	})
}

// TestRetryKeyConflict: a dead job no longer holds its key, so a new job may
// take it; retrying the dead one then conflicts.
func TestRetryKeyConflict(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		q := jobs.New(d, testOptions(t, clock.NewManual(epoch)))
		spec := jobs.Spec{Kind: "notify.sms", Key: "appeal-7"}
		dead := enqueue(t, d, q, spec)[0]
		if _, err := d.Writer().Exec(`UPDATE jobs SET state = 'dead', finished_at = $1 WHERE id = $2`, epoch, dead); err != nil {
			t.Fatal(err)
		}
		if again := enqueue(t, d, q, spec)[0]; again == dead {
			t.Fatal("a dead job still holds its key")
		}
		if err := q.Retry(context.Background(), dead); apperr.Code(err) != apperr.ECONFLICT {
			t.Errorf("Retry = %v, want %s", err, apperr.ECONFLICT)
		}
		if r := readJob(t, d, dead); r.State != "dead" {
			t.Errorf("job after a failed retry: %+v, want dead", r)
		}
	})
}

func TestScheduledJobWaitsForRunAt(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		c := clock.NewManual(epoch)
		q := jobs.New(d, testOptions(t, c))
		rec := newRecorder()
		q.Handle("test.job", rec.handle)
		start(t, q)
		runAt := epoch.Add(time.Hour)
		later := enqueue(t, d, q, jobs.Spec{Kind: "test.job", RunAt: runAt})[0]

		// Jobs due now run past it, so the queue has claimed twice since.
		for range 2 {
			now := enqueue(t, d, q, jobs.Spec{Kind: "test.job"})[0]
			waitState(t, d, now, "done")
		}
		c.Advance(time.Hour - time.Second)
		now := enqueue(t, d, q, jobs.Spec{Kind: "test.job"})[0]
		waitState(t, d, now, "done")
		if r := readJob(t, d, later); r.State != "pending" || r.Attempts != 0 {
			t.Fatalf("scheduled job before its time: %+v, want pending and not run", r)
		}

		c.Advance(time.Second)
		q.Nudge()
		waitState(t, d, later, "done")
		if got := rec.attempts(later); len(got) != 1 {
			t.Errorf("scheduled job ran %d times, want 1", len(got))
		}
	})
}

func TestDeduplicationByKey(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		q := jobs.New(d, testOptions(t, clock.NewManual(epoch)))
		rec := newRecorder()
		q.Handle("notify.sms", rec.handle)
		q.Handle("notify.email", rec.handle)

		first := enqueue(t, d, q, jobs.Spec{Kind: "notify.sms", Key: "appeal-7"})[0]
		tests := []struct {
			name string
			spec jobs.Spec
			same bool
		}{
			{"same kind and key", jobs.Spec{Kind: "notify.sms", Key: "appeal-7", Payload: []byte("other")}, true},
			{"same key, other kind", jobs.Spec{Kind: "notify.email", Key: "appeal-7"}, false},
			{"same kind, other key", jobs.Spec{Kind: "notify.sms", Key: "appeal-8"}, false},
			{"no key", jobs.Spec{Kind: "notify.sms"}, false},
		}
		for _, tt := range tests {
			// Enqueue twice in one transaction as well: the second sees the first.
			ids := enqueue(t, d, q, tt.spec, tt.spec)
			if same := ids[0] == first; same != tt.same {
				t.Errorf("%s: ID %s, first %s; same = %v, want %v", tt.name, ids[0], first, same, tt.same)
			}
			if tt.spec.Key != "" && ids[1] != ids[0] {
				t.Errorf("%s: twice in one transaction gave %s and %s", tt.name, ids[0], ids[1])
			}
		}
		// 1 first + 1 email + 1 appeal-8 + 2 without key.
		if n := countJobs(t, d); n != 5 {
			t.Errorf("%d jobs, want 5", n)
		}

		start(t, q)
		waitState(t, d, first, "done")
		// A finished job no longer holds its key.
		again := enqueue(t, d, q, jobs.Spec{Kind: "notify.sms", Key: "appeal-7"})[0]
		if again == first {
			t.Errorf("key of a done job still de-duplicates")
		}
		waitState(t, d, again, "done")
		if got := rec.attempts(first); len(got) != 1 {
			t.Errorf("first job ran %d times, want 1", len(got))
		}
	})
}

// TestExpiredLeaseIsRescued simulates a node that claimed a job and died: the
// job is running under a lease nobody renews. Once the lease expires another
// node runs it, or makes it dead if that was its last attempt.
func TestExpiredLeaseIsRescued(t *testing.T) {
	tests := []struct {
		name      string
		attempts  int
		state     string
		attempt   int // attempt the handler sees; 0: it does not run
		lastError string
	}{
		{"runs again", 1, "done", 2, "lease expired: the node running the job stopped"},
		{"last attempt is dead", 3, "dead", 0, "lease expired: the node running the job stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
				c := clock.NewManual(epoch)
				q := jobs.New(d, testOptions(t, c))
				rec := newRecorder()
				q.Handle("test.job", rec.handle)
				id := enqueue(t, d, q, jobs.Spec{Kind: "test.job", MaxAttempts: 3})[0]
				_, err := d.Writer().Exec(`UPDATE jobs SET state = 'running', attempts = $1,
					locked_by = 'crashed-node', lease_until = $2 WHERE id = $3`, tt.attempts, epoch.Add(30*time.Second), id)
				if err != nil {
					t.Fatal(err)
				}
				start(t, q)
				// Still leased: the queue must leave it alone.
				other := enqueue(t, d, q, jobs.Spec{Kind: "test.job"})[0]
				waitState(t, d, other, "done")
				if r := readJob(t, d, id); r.State != "running" || r.LockedBy != "crashed-node" {
					t.Fatalf("job under a live lease: %+v, want running by crashed-node", r)
				}

				c.Advance(31 * time.Second)
				r := waitState(t, d, id, tt.state)
				if r.Attempts != max(tt.attempt, tt.attempts) || r.LastError != tt.lastError {
					t.Errorf("job %+v, want %d attempts and last error %q", r, max(tt.attempt, tt.attempts), tt.lastError)
				}
				want := []int{}
				if tt.attempt > 0 {
					want = []int{tt.attempt}
				}
				if got := rec.attempts(id); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("handler saw attempts %v, want %v", got, want)
				}
			})
		})
	}
}

// TestHeartbeatKeepsLease runs a job for far longer than its lease while a
// second node watches: the heartbeat renews the lease, so the second node
// never takes the job.
func TestHeartbeatKeepsLease(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		const lease = 300 * time.Millisecond
		c := clock.NewManual(epoch)
		release := make(chan struct{})
		started := make(chan struct{}, 2)
		var runs atomic.Int32
		h := func(_ context.Context, j jobs.Job) error {
			runs.Add(1)
			started <- struct{}{}
			<-release
			return nil
		}
		nodes := make([]*jobs.Queue, 2)
		for i := range nodes {
			opts := testOptions(t, c)
			opts.Lease, opts.Node = lease, fmt.Sprintf("node-%d", i)
			nodes[i] = jobs.New(d, opts)
			nodes[i].Handle("test.long", h)
		}
		start(t, nodes[0])
		id := enqueue(t, d, nodes[0], jobs.Spec{Kind: "test.long"})[0]
		select {
		case <-started:
		case <-time.After(deadline):
			t.Fatal("job did not start")
		}
		start(t, nodes[1])

		// Move time on in steps shorter than the lease, each time waiting
		// for a heartbeat, until the job has run for several leases.
		leaseUntil := func() time.Time {
			var lu time.Time
			if err := d.Reader().QueryRow(`SELECT lease_until FROM jobs WHERE id = $1`, id).Scan(&lu); err != nil {
				t.Fatal(err)
			}
			return lu
		}
		for range 5 {
			c.Advance(2 * lease / 3)
			want := c.Now().Add(lease)
			waitFor(t, "a heartbeat", func() bool { return !leaseUntil().Before(want) })
		}
		close(release)
		r := waitState(t, d, id, "done")
		if r.Attempts != 1 || r.LockedBy != "node-0" || runs.Load() != 1 {
			t.Errorf("job %+v ran %d times; want once, attempt 1, by node-0", r, runs.Load())
		}
	})
}

// TestLostLease takes a running job away from its node, as another node does
// after the lease expired: the handler's context is cancelled with
// ErrLeaseLost, and the first node's outcome is not recorded over the new
// owner's claim.
func TestLostLease(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		opts := testOptions(t, clock.NewManual(epoch))
		opts.Lease, opts.Node = 300*time.Millisecond, "slow-node"
		opts.Logger = slog.New(slog.DiscardHandler) // the lost lease is logged as a warning
		q := jobs.New(d, opts)
		started := make(chan struct{}, 1)
		cause := make(chan error, 1)
		q.Handle("test.job", func(ctx context.Context, j jobs.Job) error {
			started <- struct{}{}
			<-ctx.Done()
			cause <- context.Cause(ctx)
			return nil
		})
		stop := start(t, q)
		id := enqueue(t, d, q, jobs.Spec{Kind: "test.job"})[0]
		select {
		case <-started:
		case <-time.After(deadline):
			t.Fatal("job did not start")
		}
		_, err := d.Writer().Exec(`UPDATE jobs SET locked_by = 'thief', attempts = attempts + 1,
			lease_until = $1 WHERE id = $2`, epoch.Add(time.Hour), id)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-cause:
			if !errors.Is(err, jobs.ErrLeaseLost) {
				t.Errorf("handler context cause = %v, want ErrLeaseLost", err)
			}
		case <-time.After(deadline):
			t.Fatal("handler context was not cancelled")
		}
		stop() // waits for the outcome to be recorded, or not
		if r := readJob(t, d, id); r.State != "running" || r.LockedBy != "thief" || r.Attempts != 2 {
			t.Errorf("job after the old owner finished: %+v, want still running by thief", r)
		}
	})
}

// childDBEnv tells TestKilledNodeChild, run as a separate process, which
// database to work on.
const childDBEnv = "EGOV_JOBS_TEST_CHILD_DB"

func TestMain(m *testing.M) {
	if url := os.Getenv(childDBEnv); url != "" {
		killedNodeChild(url)
		return
	}
	os.Exit(m.Run())
}

// killedNodeChild is the node that TestKilledNode kills: the test binary,
// started again with childDBEnv set, claims a job and hangs in its handler.
func killedNodeChild(url string) {
	d, err := db.Open(context.Background(), url, db.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	q := jobs.New(d, jobs.Options{Lease: time.Second, Poll: 10 * time.Millisecond, Node: "doomed"})
	q.Handle("test.job", func(_ context.Context, j jobs.Job) error {
		fmt.Printf("claimed %s\n", j.ID)
		time.Sleep(time.Hour)
		return nil
	})
	_ = q.Run(context.Background())
}

// TestKilledNode kills (SIGKILL) a process in the middle of a job and checks
// that another node runs the job once the dead node's lease expires.
func TestKilledNode(t *testing.T) {
	if os.Getenv(childDBEnv) != "" {
		t.Skip("in the child process")
	}
	for engine, url := range dbtest.URLs(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, url, db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := d.Migrate(ctx, sets(), nil); err != nil {
				t.Fatal(err)
			}
			opts := testOptions(t, nil)
			opts.Lease = time.Second
			q := jobs.New(d, opts)
			rec := newRecorder()
			q.Handle("test.job", rec.handle)
			id := enqueue(t, d, q, jobs.Spec{Kind: "test.job"})[0]

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childDBEnv+"="+url)
			cmd.Stderr = t.Output()
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			claimed := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if s, ok := strings.CutPrefix(sc.Text(), "claimed "); ok {
						claimed <- s
						break
					}
				}
				close(claimed)
			}()
			select {
			case got := <-claimed:
				if got != id {
					t.Fatalf("child claimed %q, want %s", got, id)
				}
			case <-time.After(deadline):
				t.Fatal("child did not claim the job")
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if r := readJob(t, d, id); r.State != "running" || r.LockedBy != "doomed" {
				t.Fatalf("job after the kill: %+v, want running by doomed", r)
			}

			start(t, q)
			r := waitState(t, d, id, "done")
			if got := rec.attempts(id); fmt.Sprint(got) != "[2]" || r.Attempts != 2 {
				t.Errorf("job %+v, handler saw attempts %v; want it run once more as attempt 2", r, got)
			}
		})
	}
}

// TestExactlyOnceAcrossNodes runs many jobs on two nodes with their own
// connections to one database: every job runs once and ends done.
func TestExactlyOnceAcrossNodes(t *testing.T) {
	const total = 600
	for engine, url := range dbtest.URLs(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			var nodes []*jobs.Queue
			var dbs []*db.DB
			rec := newRecorder()
			for i := range 2 {
				d, err := db.Open(ctx, url, db.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				if err := d.Migrate(ctx, sets(), nil); err != nil {
					t.Fatal(err)
				}
				opts := testOptions(t, nil)
				opts.Node = fmt.Sprintf("node-%d", i)
				q := jobs.New(d, opts)
				q.Handle("test.job", rec.handle)
				nodes, dbs = append(nodes, q), append(dbs, d)
			}
			batch := func(i int) []jobs.Spec {
				specs := make([]jobs.Spec, 50)
				for k := range specs {
					specs[k] = jobs.Spec{Kind: "test.job", Payload: fmt.Appendf(nil, "%d-%d", i, k)}
				}
				return specs
			}
			var ids []string
			// Half before the nodes start, half while they run.
			for i := range total / 100 {
				ids = append(ids, enqueue(t, dbs[i%2], nodes[i%2], batch(i)...)...)
			}
			for _, q := range nodes {
				start(t, q)
			}
			for i := total / 100; i < total/50; i++ {
				ids = append(ids, enqueue(t, dbs[i%2], nodes[i%2], batch(i)...)...)
			}
			waitFor(t, "all jobs done", func() bool {
				st, err := nodes[0].Stats(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return st.Done == total
			})
			st, err := nodes[1].Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st != (jobs.Stats{Done: total}) {
				t.Errorf("Stats = %+v, want all %d done", st, total)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.runs) != total {
				t.Errorf("%d distinct jobs ran, want %d", len(rec.runs), total)
			}
			for _, id := range ids {
				if got := rec.runs[id]; fmt.Sprint(got) != "[1]" {
					t.Errorf("job %s ran with attempts %v, want [1]", id, got)
				}
			}
			var byNode [2]int
			rows, err := dbs[0].Reader().Query(`SELECT locked_by, count(*) FROM jobs GROUP BY locked_by`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var node string
				var n int
				if err := rows.Scan(&node, &n); err != nil {
					t.Fatal(err)
				}
				if node == "node-1" {
					byNode[1] = n
				} else {
					byNode[0] = n
				}
			}
			t.Logf("jobs per node: %v", byNode)
		})
	}
}

func TestGracefulShutdown(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		q := jobs.New(d, testOptions(t, nil))
		started := make(chan struct{}, 1)
		release := make(chan struct{})
		q.Handle("test.job", func(ctx context.Context, j jobs.Job) error {
			started <- struct{}{}
			<-release
			return ctx.Err() // the handler's context outlives Run's
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		returned := make(chan error, 1)
		go func() { returned <- q.Run(ctx) }()
		id := enqueue(t, d, q, jobs.Spec{Kind: "test.job"})[0]
		select {
		case <-started:
		case <-time.After(deadline):
			t.Fatal("job did not start")
		}

		cancel()
		// No job is claimed once Run's context is done.
		late := enqueue(t, d, q, jobs.Spec{Kind: "test.job"})[0]
		select {
		case err := <-returned:
			t.Fatalf("Run returned (%v) while a handler was running", err)
		default:
		}
		close(release)
		select {
		case err := <-returned:
			if err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
		case <-time.After(deadline):
			t.Fatal("Run did not return after the handler finished")
		}
		if r := readJob(t, d, id); r.State != "done" {
			t.Errorf("in-flight job ended %+v, want done", r)
		}
		if r := readJob(t, d, late); r.State != "pending" || r.Attempts != 0 {
			t.Errorf("job enqueued after shutdown began: %+v, want pending and not run", r)
		}
	})
}

func TestStats(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(epoch)
		q := jobs.New(d, testOptions(t, c))
		release := make(chan struct{})
		defer close(release)
		q.Handle("test.ok", func(context.Context, jobs.Job) error { return nil })
		q.Handle("test.fail", func(context.Context, jobs.Job) error { return jobs.Permanent(errors.New("bad")) })
		q.Handle("test.block", func(context.Context, jobs.Job) error { <-release; return nil })

		if st, err := q.Stats(ctx); err != nil || st != (jobs.Stats{}) {
			t.Fatalf("Stats of an empty queue = %+v, %v", st, err)
		}
		// No node handles test.unknown: its jobs stay pending.
		enqueue(t, d, q,
			jobs.Spec{Kind: "test.ok"},
			jobs.Spec{Kind: "test.fail"},
			jobs.Spec{Kind: "test.block"},
			jobs.Spec{Kind: "test.unknown", RunAt: epoch.Add(-5 * time.Minute)},
			jobs.Spec{Kind: "test.unknown", RunAt: epoch.Add(time.Hour)},
		)
		stop := start(t, q)
		want := jobs.Stats{Pending: 2, Running: 1, Done: 1, Dead: 1, OldestPending: 5 * time.Minute}
		var st jobs.Stats
		waitFor(t, "jobs to settle", func() bool {
			var err error
			if st, err = q.Stats(ctx); err != nil {
				t.Fatal(err)
			}
			return st == want
		})
		release <- struct{}{}
		stop()
		c.Advance(time.Minute)
		want = jobs.Stats{Pending: 2, Done: 2, Dead: 1, OldestPending: 6 * time.Minute}
		if st, err := q.Stats(ctx); err != nil || st != want {
			t.Errorf("Stats = %+v, %v; want %+v", st, err, want)
		}
	})
}

func TestCleanupRemovesOldDoneJobs(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(epoch)
		opts := testOptions(t, c)
		opts.Retention = 24 * time.Hour
		q := jobs.New(d, opts)
		ids := enqueue(t, d, q, jobs.Spec{Kind: "a"}, jobs.Spec{Kind: "b"}, jobs.Spec{Kind: "c"})
		finish := func(id, state string, at time.Time) {
			t.Helper()
			if _, err := d.Writer().Exec(`UPDATE jobs SET state = $1, finished_at = $2 WHERE id = $3`, state, at, id); err != nil {
				t.Fatal(err)
			}
		}
		finish(ids[0], "done", epoch)
		finish(ids[1], "dead", epoch)

		steps := []struct {
			name    string
			advance time.Duration
			before  func()
			removed int64
			left    int
		}{
			{name: "first run, nothing old yet", removed: 0, left: 3},
			{name: "old done job goes, dead and pending stay", advance: 25 * time.Hour, removed: 1, left: 2},
			{name: "not again within the hour", advance: 30 * time.Minute, before: func() { finish(ids[2], "done", epoch) }, removed: 0, left: 2},
			{name: "an hour later", advance: 30 * time.Minute, removed: 1, left: 1},
		}
		for _, s := range steps {
			c.Advance(s.advance)
			if s.before != nil {
				s.before()
			}
			n, err := q.Cleanup(ctx)
			if err != nil || n != s.removed {
				t.Errorf("%s: Cleanup = %d, %v; want %d", s.name, n, err, s.removed)
			}
			if got := countJobs(t, d); got != s.left {
				t.Errorf("%s: %d jobs left, want %d", s.name, got, s.left)
			}
		}
	})
}

func TestRunNeedsHandlers(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		if err := jobs.New(d, jobs.Options{}).Run(context.Background()); err == nil {
			t.Error("Run without handlers succeeded")
		}
	})
}

func TestCommitIsRecordedWithTheCompletion(t *testing.T) {
	dbtest.Each(t, sets(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Writer().ExecContext(ctx, `CREATE TABLE results (job_id TEXT PRIMARY KEY, attempt INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		opts := testOptions(t, nil)
		opts.BackoffBase = 10 * time.Millisecond
		q := jobs.New(d, opts)
		var afters sync.Map
		q.HandleResult("result", func(_ context.Context, j jobs.Job) (*jobs.Commit, error) {
			return &jobs.Commit{Order: j.ID, Apply: func(ctx context.Context, tx *db.Batch) (func(), error) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO results (job_id, attempt) VALUES ($1, $2)`, j.ID, j.Attempt); err != nil {
					return nil, err
				}
				if string(j.Payload) == "fails once" && j.Attempt == 1 {
					// The row written above must be undone with this
					// commit, and the other jobs' results kept.
					_, err := tx.ExecContext(ctx, `INSERT INTO results (job_id, attempt) VALUES ($1, 0)`, j.ID)
					return nil, err
				}
				return func() { afters.Store(j.ID, true) }, nil
			}}, nil
		})
		ids := enqueue(t, d, q, jobs.Spec{Kind: "result", Payload: []byte("a")}, jobs.Spec{Kind: "result", Payload: []byte("fails once")},
			jobs.Spec{Kind: "result", Payload: []byte("b")}, jobs.Spec{Kind: "result", Payload: []byte("c")})
		start(t, q)
		for i, id := range ids {
			r := waitState(t, d, id, "done")
			var attempt int
			if err := d.Reader().QueryRowContext(ctx, `SELECT attempt FROM results WHERE job_id = $1`, id).Scan(&attempt); err != nil {
				t.Fatalf("result of job %d: %v", i, err)
			}
			want := 1
			if i == 1 {
				want = 2
			}
			if r.Attempts != want || attempt != want {
				t.Errorf("job %d: %d attempts, result of attempt %d; want %d", i, r.Attempts, attempt, want)
			}
			if _, ok := afters.Load(id); !ok {
				t.Errorf("job %d: the after function did not run", i)
			}
		}
		if r := readJob(t, d, ids[1]); !strings.Contains(r.LastError, "record result") {
			t.Errorf("the failed commit is not the job's last error: %q", r.LastError)
		}
	})
}
