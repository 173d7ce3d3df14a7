// Package notify sends messages to people. A module queues a message in the
// same transaction as the change that causes it; a background job hands it to
// the channel's Sender. Until the operators' SMS gateway is connected, the
// LogSender writes messages to the log, and in demo mode a page shows them so
// a tester can read the codes that would arrive by SMS.
package notify

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed migrations
var migrationFS embed.FS

//go:embed templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// Migrations are the module's tables.
func Migrations() db.Migrations { return db.Migrations{Module: "notify", FS: migrationFS} }

// Locales is the module's message catalog.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// deliverJob is the job kind that hands one message to its channel.
const deliverJob = "notify.deliver"

// Sender delivers an SMS.
type Sender interface {
	SendSMS(ctx context.Context, phone, text string) error
}

// LogSender "delivers" by writing the message to the log: the channel used
// until a real SMS gateway is configured.
type LogSender struct{ Log *slog.Logger }

// SendSMS logs the message.
func (s LogSender) SendSMS(ctx context.Context, phone, text string) error {
	s.Log.InfoContext(ctx, "SMS", "to", phone, "text", text)
	return nil
}

// Queue enqueues background jobs in the caller's transaction.
type Queue interface {
	Enqueue(ctx context.Context, tx db.Runner, spec jobs.Spec) (string, error)
	Handle(kind string, h jobs.Handler)
}

// Service queues and delivers messages.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	jobs   Queue
	sender Sender
	page   *web.Page
}

// New returns the service and registers its delivery job. rd parses the
// demo page; it may be nil when the page is not served.
func New(d *db.DB, c clock.Clock, q Queue, sender Sender, rd *web.Renderer) (*Service, error) {
	s := &Service{db: d, clock: c, jobs: q, sender: sender}
	if rd != nil {
		p, err := rd.Page(templateFS, "templates/messages.html")
		if err != nil {
			return nil, err
		}
		s.page = p
	}
	q.Handle(deliverJob, s.deliver)
	return s, nil
}

// SendSMS queues an SMS in the caller's transaction: it is sent if and only
// if the transaction commits, even if the process dies right after.
func (s *Service) SendSMS(ctx context.Context, tx *sql.Tx, phone, text string) error {
	id := db.NewID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO notify_messages (id, channel, recipient, body, created_at) VALUES ($1, 'sms', $2, $3, $4)`,
		id, phone, text, s.clock.Now()); err != nil {
		return fmt.Errorf("queue sms: %w", err)
	}
	payload, _ := json.Marshal(map[string]string{"id": id})
	if _, err := s.jobs.Enqueue(ctx, tx, jobs.Spec{Kind: deliverJob, Payload: payload, MaxAttempts: 8}); err != nil {
		return fmt.Errorf("queue sms: %w", err)
	}
	return nil
}

func (s *Service) deliver(ctx context.Context, j jobs.Job) error {
	var p struct{ ID string }
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("bad payload: %w", err))
	}
	var phone, body string
	var sent sql.NullTime
	err := s.db.Reader().QueryRowContext(ctx, `SELECT recipient, body, sent_at FROM notify_messages WHERE id = $1`, p.ID).Scan(&phone, &body, &sent)
	if err != nil {
		return fmt.Errorf("load message: %w", err)
	}
	if sent.Valid {
		return nil // delivered before a retry of this job
	}
	if err := s.sender.SendSMS(ctx, phone, body); err != nil {
		return err
	}
	_, err = s.db.Writer().ExecContext(ctx, `UPDATE notify_messages SET sent_at = $1 WHERE id = $2`, s.clock.Now(), p.ID)
	return err
}

// Message is one queued or sent message.
type Message struct {
	Recipient string
	Body      string
	CreatedAt time.Time
	Sent      bool
}

// Recent lists the newest messages, newest first.
func (s *Service) Recent(ctx context.Context, limit int) ([]Message, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT recipient, body, created_at, sent_at IS NOT NULL FROM notify_messages
		ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.Recipient, &m.Body, &m.CreatedAt, &m.Sent); err != nil {
			return nil, fmt.Errorf("recent messages: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DemoRoutes registers the page that shows the messages that would have
// been sent, for testers. Only a demo node serves it: real messages carry
// one-time codes.
func (s *Service) DemoRoutes(r *web.Router) {
	r.Handle("GET /demo/messages", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		msgs, err := s.Recent(r.Context(), 50)
		if err != nil {
			return err
		}
		return s.page.Render(w, r, http.StatusOK, msgs)
	})
}
