// Package notify sends messages to people: in-app messages they read in
// their account, e-mail and SMS. A module calls Notify (or SendSMS for a
// raw text such as a one-time code) in the same transaction as the change
// that causes the message, so a message exists if and only if the change
// does; a background job then hands each e-mail and SMS to its channel and
// records the delivery status, retrying temporary failures with backoff.
//
// The texts are templates per event and language with ((placeholders)), as
// in GOV.UK Notify, embedded from templates/notifications.json. Citizens
// choose whether they also want SMS and e-mail; in-app is always on. Until
// a real SMS gateway and mail server are configured, LogSender writes
// messages to the log, and in demo mode a page shows the stored messages
// so a tester can read the codes that would arrive by SMS.
package notify

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/platform/text"
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

// NotificationTemplates returns the embedded notification templates: one
// per event, channel and language.
func NotificationTemplates() ([]Template, error) {
	data, err := templateFS.ReadFile("templates/notifications.json")
	if err != nil {
		return nil, err
	}
	return ParseTemplates(data)
}

// deliverJob is the job kind that hands one message to its channel.
const deliverJob = "notify.deliver"

// deliverAttempts bounds how often a message is tried before it stays a
// temporary failure.
const deliverAttempts = 8

// maxErrorLen bounds the stored last error of a message.
const maxErrorLen = 1000

// Status is where a message is on its way to the person.
type Status string

// Delivery statuses, as in GOV.UK Notify. A temporary failure is retried by
// the delivery job until its attempts are used up; a permanent one is not.
const (
	Queued           Status = "queued"
	Delivered        Status = "delivered"
	TemporaryFailure Status = "temporary-failure"
	PermanentFailure Status = "permanent-failure"
)

// Queue enqueues background jobs in the caller's transaction.
type Queue interface {
	Enqueue(ctx context.Context, tx db.Runner, spec jobs.Spec) (string, error)
	Handle(kind string, h jobs.Handler)
}

// Service stores and delivers messages.
type Service struct {
	db        *db.DB
	clock     clock.Clock
	jobs      Queue
	sms       SMSGateway
	email     EmailSender
	templates templateSet
	page      *web.Page
	prefsPage *web.Page
}

// New returns the service and registers its delivery job. sms delivers
// SMS; e-mail goes out only once UseEmail names a sender (until then the
// e-mail channel is skipped, never pretended delivered). rd parses the
// pages; it may be nil when they are not served.
func New(d *db.DB, c clock.Clock, q Queue, sms SMSGateway, rd *web.Renderer) (*Service, error) {
	ts, err := NotificationTemplates()
	if err != nil {
		return nil, err
	}
	s := &Service{db: d, clock: c, jobs: q, sms: sms, templates: newTemplateSet(ts)}
	if rd != nil {
		if s.page, err = rd.Page(templateFS, "templates/messages.html"); err != nil {
			return nil, err
		}
		if s.prefsPage, err = rd.Page(templateFS, "templates/preferences.html"); err != nil {
			return nil, err
		}
	}
	q.Handle(deliverJob, s.deliver)
	return s, nil
}

// UseEmail sets the mail server e-mail goes through. Call it before the job
// queue runs. Without an EmailSender no e-mail is sent.
func (s *Service) UseEmail(e EmailSender) { s.email = e }

// Recipients are the addresses a notification may go to; empty ones are
// skipped.
type Recipients struct {
	Phone string
	Email string
}

// Notification is one event to tell a person about.
type Notification struct {
	// UserID is the person; their in-app messages and preferences are
	// keyed by it. Required.
	UserID string
	// Event names the template, e.g. "application.approved". Required.
	Event string
	// Locale is the person's language; unsupported ones fall back to the
	// default.
	Locale i18n.Locale
	// Personalisation fills the template's ((placeholders)).
	Personalisation map[string]string
	Recipients      Recipients
}

// Notify stores, in the caller's transaction, one message per channel the
// person gets: in-app always (delivered at once: the commit puts it in
// their inbox), SMS and e-mail if they have chosen them and the address is
// given. Each SMS and e-mail is queued with a delivery job, so it goes out
// if and only if tx commits. A missing user, an unknown event or a
// personalisation that lacks a placeholder's value is the caller's bug:
// an internal error, and nothing is stored.
func (s *Service) Notify(ctx context.Context, tx *sql.Tx, n Notification) error {
	if n.UserID == "" || n.Event == "" {
		return errors.New("notify: user and event are required")
	}
	loc := n.Locale
	if !slices.Contains(i18n.All(), loc) {
		loc = i18n.Default
	}
	prefs, err := findPreferences(ctx, tx, n.UserID)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	type out struct {
		ch                       Channel
		recipient, subject, body string
	}
	var msgs []out
	for _, ch := range []Channel{InApp, SMS, Email} {
		recipient := n.UserID
		switch ch {
		case SMS:
			if !prefs.SMS || n.Recipients.Phone == "" || s.sms == nil {
				continue
			}
			recipient = n.Recipients.Phone
		case Email:
			if !prefs.Email || n.Recipients.Email == "" || s.email == nil {
				continue
			}
			recipient = n.Recipients.Email
		}
		t, err := s.templates.find(n.Event, ch, loc)
		if err != nil {
			return err
		}
		subject, body, err := t.Render(n.Personalisation)
		if err != nil {
			return err
		}
		msgs = append(msgs, out{ch, recipient, subject, body})
	}
	now := s.clock.Now()
	for _, m := range msgs {
		id := db.NewID()
		status, sent := Queued, sql.NullTime{}
		if m.ch == InApp {
			status, sent = Delivered, sql.NullTime{Time: now, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notify_messages
			(id, user_id, event, locale, channel, recipient, subject, body, status, created_at, updated_at, sent_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)`,
			id, n.UserID, n.Event, string(loc), string(m.ch), m.recipient, m.subject, m.body, string(status), now, sent); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		if m.ch != InApp {
			if err := s.enqueue(ctx, tx, id); err != nil {
				return fmt.Errorf("notify: %w", err)
			}
		}
	}
	return nil
}

// SendSMS queues a raw SMS in the caller's transaction, whatever the
// person's preferences: it is sent if and only if the transaction commits,
// even if the process dies right after. It is meant for texts that must
// reach a phone, such as one-time codes.
func (s *Service) SendSMS(ctx context.Context, tx *sql.Tx, phone, text string) error {
	id := db.NewID()
	now := s.clock.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO notify_messages (id, channel, recipient, body, status, created_at, updated_at)
		VALUES ($1, 'sms', $2, $3, 'queued', $4, $4)`,
		id, phone, text, now); err != nil {
		return fmt.Errorf("queue sms: %w", err)
	}
	if err := s.enqueue(ctx, tx, id); err != nil {
		return fmt.Errorf("queue sms: %w", err)
	}
	return nil
}

func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, id string) error {
	payload, _ := json.Marshal(map[string]string{"id": id})
	_, err := s.jobs.Enqueue(ctx, tx, jobs.Spec{Kind: deliverJob, Payload: payload, MaxAttempts: deliverAttempts})
	return err
}

// deliver hands one message to its channel and records the outcome on the
// message: delivered; temporary-failure, returned as an error so the queue
// retries with backoff; or permanent-failure, which ends the job.
func (s *Service) deliver(ctx context.Context, j jobs.Job) error {
	var p struct{ ID string }
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("bad payload: %w", err))
	}
	var channel, recipient, subject, body, status string
	err := s.db.Writer().QueryRowContext(ctx, `SELECT channel, recipient, subject, body, status FROM notify_messages WHERE id = $1`, p.ID).
		Scan(&channel, &recipient, &subject, &body, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Permanent(fmt.Errorf("message %s not found", p.ID))
	}
	if err != nil {
		return fmt.Errorf("load message: %w", err)
	}
	if Status(status) == Delivered || Status(status) == PermanentFailure {
		return nil // settled before a retry of this job
	}
	var sendErr error
	switch Channel(channel) {
	case SMS:
		if s.sms == nil {
			sendErr = errors.New("no SMS gateway configured")
		} else {
			sendErr = s.sms.SendSMS(ctx, recipient, body)
		}
	case Email:
		if s.email == nil {
			sendErr = errors.New("no e-mail sender configured")
		} else {
			sendErr = s.email.SendEmail(ctx, recipient, subject, body)
		}
	default:
		sendErr = Permanent(fmt.Errorf("channel %q is not delivered by a job", channel))
	}
	now := s.clock.Now()
	if sendErr == nil {
		_, err = s.db.Writer().ExecContext(ctx, `UPDATE notify_messages
			SET status = 'delivered', attempts = attempts + 1, sent_at = $1, updated_at = $1 WHERE id = $2`, now, p.ID)
		if err != nil {
			return fmt.Errorf("record delivery: %w", err)
		}
		return nil
	}
	next := TemporaryFailure
	if IsPermanent(sendErr) {
		next = PermanentFailure
	}
	// A gateway's answer may hold any bytes: keep what a column takes.
	msg := text.Storable(sendErr.Error(), maxErrorLen)
	if _, err := s.db.Writer().ExecContext(ctx, `UPDATE notify_messages
		SET status = $1, attempts = attempts + 1, last_error = $2, updated_at = $3 WHERE id = $4`,
		string(next), msg, now, p.ID); err != nil {
		return errors.Join(sendErr, fmt.Errorf("record failure: %w", err))
	}
	if next == PermanentFailure {
		return jobs.Permanent(sendErr)
	}
	return sendErr
}

// Message is one stored message on any channel.
type Message struct {
	ID        string
	UserID    string
	Event     string
	Channel   Channel
	Recipient string
	Subject   string
	Body      string
	Status    Status
	Attempts  int
	LastError string
	CreatedAt time.Time
	// SentAt is when the message was delivered; zero until then.
	SentAt time.Time
	// Read is true once the person has marked an in-app message read.
	Read bool
}

const messageColumns = `id, COALESCE(user_id, ''), event, channel, recipient, subject, body, status, attempts, last_error, created_at, sent_at, read_at IS NOT NULL`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var ch, st string
	var sent sql.NullTime
	err := row.Scan(&m.ID, &m.UserID, &m.Event, &ch, &m.Recipient, &m.Subject, &m.Body, &st, &m.Attempts, &m.LastError, &m.CreatedAt, &sent, &m.Read)
	m.Channel, m.Status, m.SentAt = Channel(ch), Status(st), sent.Time
	return m, err
}

func (s *Service) list(ctx context.Context, query string, args ...any) ([]Message, error) {
	rows, err := s.db.Reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanMessage)
}

// Recent lists the newest messages on every channel, newest first, for the
// demo page and operators.
func (s *Service) Recent(ctx context.Context, limit int) ([]Message, error) {
	out, err := s.list(ctx, `SELECT `+messageColumns+` FROM notify_messages
		ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("recent messages: %w", err)
	}
	return out, nil
}

// Inbox lists the person's in-app messages, newest first. Nobody else's
// messages are ever included.
func (s *Service) Inbox(ctx context.Context, userID string, limit int) ([]Message, error) {
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	out, err := s.list(ctx, `SELECT `+messageColumns+` FROM notify_messages
		WHERE user_id = $1 AND channel = 'inapp' ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return out, nil
}

// MarkRead marks one of the person's in-app messages read. It returns
// ENOTFOUND for a message that does not exist or is someone else's, so
// that the answer tells nothing about other people's messages.
func (s *Service) MarkRead(ctx context.Context, userID, id string) error {
	res, err := s.db.Writer().ExecContext(ctx, `UPDATE notify_messages SET read_at = COALESCE(read_at, $1)
		WHERE id = $2 AND user_id = $3 AND channel = 'inapp'`, s.clock.Now(), id, userID)
	if err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark read: %w", err)
	} else if n == 0 {
		return apperr.New(apperr.ENOTFOUND, "error.not_found")
	}
	return nil
}

// Prefs are the channels a person has chosen besides in-app, which is
// always on.
type Prefs struct {
	SMS   bool
	Email bool
}

// DefaultPrefs apply to a person who has not chosen: every channel they
// have an address for, so that nobody misses a decision about them.
func DefaultPrefs() Prefs { return Prefs{SMS: true, Email: true} }

// Preferences returns the person's chosen channels, or DefaultPrefs.
func (s *Service) Preferences(ctx context.Context, userID string) (Prefs, error) {
	return findPreferences(ctx, s.db.Reader(), userID)
}

// findPreferences reads the person's channels with q, a pool or the
// caller's transaction; DefaultPrefs when they never chose.
func findPreferences(ctx context.Context, q db.Runner, userID string) (Prefs, error) {
	var p Prefs
	err := q.QueryRowContext(ctx, `SELECT sms, email FROM notify_preferences WHERE user_id = $1`, userID).Scan(&p.SMS, &p.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPrefs(), nil
	}
	if err != nil {
		return Prefs{}, fmt.Errorf("preferences: %w", err)
	}
	return p, nil
}

// SetPreferences stores the person's chosen channels. It returns EINVALID
// for an empty user ID.
func (s *Service) SetPreferences(ctx context.Context, userID string, p Prefs) error {
	if userID == "" {
		return apperr.New(apperr.EINVALID, "notify: user is required")
	}
	_, err := s.db.Writer().ExecContext(ctx, `INSERT INTO notify_preferences (user_id, sms, email, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET sms = excluded.sms, email = excluded.email, updated_at = excluded.updated_at`,
		userID, p.SMS, p.Email, s.clock.Now())
	if err != nil {
		return fmt.Errorf("set preferences: %w", err)
	}
	return nil
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
