package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/egovuz/egov/internal/platform/jobs"
)

// crashChildEnv makes the test binary act as an egov node (see TestMain).
const crashChildEnv = "EGOV_TEST_CRASH_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(runCrashChild())
	}
	os.Exit(m.Run())
}

// runCrashChild is an egov node configured from EGOV_* variables, with a job
// kind and an event consumer that each take a little time, so that work is
// in flight when the parent kills it.
func runCrashChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg := app.Defaults()
	cfg.DataDir = os.Getenv("EGOV_DATA_DIR")
	cfg.DatabaseURL = os.Getenv("EGOV_DATABASE_URL")
	cfg.JobWorkers = 4
	cfg.JobLease = 2 * time.Second
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg, os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer a.Close()
	a.Jobs.Handle("crashtest.work", func(ctx context.Context, j jobs.Job) error {
		time.Sleep(30 * time.Millisecond)
		return nil
	})
	a.Consume("crashtest", "egov.crashtest.>", func(ctx context.Context, tx *sql.Tx, e events.Event) error {
		time.Sleep(10 * time.Millisecond)
		return nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := a.ServeListener(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startChild starts a node process on the data dir and database.
func startChild(t *testing.T, dataDir, databaseURL, logName string) *exec.Cmd {
	t.Helper()
	logFile, err := os.Create(filepath.Join(t.TempDir(), logName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("%s:\n%s", logName, tail(b, 4000))
		}
	})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", "EGOV_DATA_DIR="+dataDir, "EGOV_DATABASE_URL="+databaseURL)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// progress counts finished jobs and handled events.
func progress(t *testing.T, d *db.DB) (jobsDone, jobsOther, eventsHandled int) {
	t.Helper()
	q := func(query string) int {
		var n int
		if err := d.Reader().QueryRow(query).Scan(&n); err != nil {
			return -1 // the tables may still be being created
		}
		return n
	}
	return q(`SELECT count(*) FROM jobs WHERE kind = 'crashtest.work' AND state = 'done'`),
		q(`SELECT count(*) FROM jobs WHERE kind = 'crashtest.work' AND state <> 'done'`),
		q(`SELECT count(*) FROM events_processed WHERE consumer = 'crashtest'`)
}

// enqueue writes n jobs and n events, in one transaction per batch of 50,
// and returns the event IDs. With rollback, the transactions are rolled back.
func enqueue(t *testing.T, d *db.DB, n int, rollback bool) []string {
	t.Helper()
	q := jobs.New(d, jobs.Options{})
	out := events.NewOutbox(clock.System{}, "egov.")
	var ids []string
	for i := 0; i < n; i += 50 {
		err := d.Tx(context.Background(), func(tx *sql.Tx) error {
			for j := i; j < min(i+50, n); j++ {
				if _, err := q.Enqueue(context.Background(), tx, jobs.Spec{Kind: "crashtest.work", Payload: []byte(fmt.Sprint(j))}); err != nil {
					return err
				}
				e, err := out.Write(context.Background(), tx, "egov.crashtest.item", map[string]int{"n": j})
				if err != nil {
					return err
				}
				ids = append(ids, e.ID)
			}
			if rollback {
				return errRollback
			}
			return nil
		})
		if err != nil && !(rollback && err == errRollback) {
			t.Fatal(err)
		}
	}
	return ids
}

var errRollback = fmt.Errorf("rolled back on purpose")

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKillMidWorkLosesNothing kills a serving node with SIGKILL while jobs
// run and events are being relayed and consumed, starts it again, and checks
// that every committed job finishes and every committed event is handled
// exactly once, and that nothing from rolled-back transactions appears.
func TestKillMidWorkLosesNothing(t *testing.T) {
	for engine, u := range dbtest.URLs(t) {
		t.Run(string(engine), func(t *testing.T) {
			dataDir := t.TempDir()
			dbURL := u
			if engine == db.SQLite {
				dbURL = filepath.Join(dataDir, "egov.db")
			}
			d, err := db.Open(context.Background(), dbURL, db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()

			first := startChild(t, dataDir, dbURL, "first.log")
			waitFor(t, "the node to migrate", 60*time.Second, func() bool { _, n, _ := progress(t, d); return n >= 0 })
			ids := enqueue(t, d, 200, false)
			enqueue(t, d, 50, true)
			waitFor(t, "work to start", 60*time.Second, func() bool {
				done, _, handled := progress(t, d)
				return done >= 20 && handled >= 20
			})
			// More work arrives while the node is busy.
			ids = append(ids, enqueue(t, d, 100, false)...)
			if err := first.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			first.Wait()
			done, _, handled := progress(t, d)
			if done >= 300 && handled >= 300 {
				t.Fatalf("everything finished before the kill; the test proves nothing")
			}
			t.Logf("killed with %d/300 jobs done and %d/300 events handled", done, handled)

			second := startChild(t, dataDir, dbURL, "second.log")
			waitFor(t, "all work to finish after restart", 120*time.Second, func() bool {
				done, _, handled := progress(t, d)
				return done >= 300 && handled >= 300
			})
			// Let any duplicate deliveries arrive before counting.
			time.Sleep(500 * time.Millisecond)
			done, other, handled := progress(t, d)
			if done != 300 || other != 0 || handled != 300 {
				t.Errorf("jobs done %d (others %d), events handled %d; want 300, 0, 300", done, other, handled)
			}
			for _, id := range ids {
				var n int
				if err := d.Reader().QueryRow(`SELECT count(*) FROM events_processed WHERE consumer = 'crashtest' AND event_id = $1`, id).Scan(&n); err != nil || n != 1 {
					t.Fatalf("event %s handled %d times (%v)", id, n, err)
				}
			}
			if err := second.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := second.Wait(); err != nil {
				t.Errorf("graceful stop: %v", err)
			}
		})
	}
}
