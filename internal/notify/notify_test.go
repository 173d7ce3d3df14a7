package notify_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/notify"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
)

// recorder is a Sender that remembers what it sent and fails the first n
// times, like a flaky gateway.
type recorder struct {
	mu       sync.Mutex
	sent     []string
	failures int
}

func (r *recorder) SendSMS(_ context.Context, phone, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures > 0 {
		r.failures--
		return errors.New("gateway timeout")
	}
	r.sent = append(r.sent, phone+": "+text)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

func TestMessagesGoOutOnlyWhenTheChangeCommits(t *testing.T) {
	dbtest.Each(t, []db.Migrations{jobs.Migrations(), notify.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		q := jobs.New(d, jobs.Options{Poll: 20 * time.Millisecond, BackoffBase: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		gw := &recorder{failures: 1}
		svc, err := notify.New(d, clock.System{}, q, gw, nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { q.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		rollback := errors.New("rolled back")
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if err := svc.SendSMS(ctx, tx, "+998901000001", "never"); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return svc.SendSMS(ctx, tx, "+998901000002", "kod 123456") }); err != nil {
			t.Fatal(err)
		}
		q.Nudge()
		deadline := time.Now().Add(30 * time.Second)
		for gw.count() < 1 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if gw.count() != 1 || gw.sent[0] != "+998901000002: kod 123456" {
			t.Fatalf("sent = %v", gw.sent)
		}
		msgs, err := svc.Recent(ctx, 10)
		if err != nil || len(msgs) != 1 || msgs[0].Recipient != "+998901000002" {
			t.Fatalf("recent = %v, %v", msgs, err)
		}
		deadline = time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if msgs, _ = svc.Recent(ctx, 10); !msgs[0].SentAt.IsZero() {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if msgs[0].SentAt.IsZero() {
			t.Errorf("message not marked sent")
		}
	})
}

func TestTemplatesUseKnownKeys(t *testing.T) {
	b, err := i18n.Load(web.Locales(), notify.Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, b, notify.Templates())
}
