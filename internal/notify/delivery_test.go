package notify_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/notify"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/jobs"
)

// harness runs fn with a service on a fresh database on every engine and a
// running job queue.
func harness(t *testing.T, sms notify.SMSGateway, email notify.EmailSender, fn func(t *testing.T, d *db.DB, svc *notify.Service, q *jobs.Queue)) {
	dbtest.Each(t, []db.Migrations{jobs.Migrations(), notify.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		q := jobs.New(d, jobs.Options{Poll: 20 * time.Millisecond, BackoffBase: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		svc, err := notify.New(d, clock.System{}, q, sms, nil)
		if err != nil {
			t.Fatal(err)
		}
		if email != nil {
			svc.UseEmail(email)
		}
		done := make(chan struct{})
		go func() { _ = q.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		fn(t, d, svc, q)
	})
}

func notifyTx(t *testing.T, d *db.DB, svc *notify.Service, n notify.Notification) {
	t.Helper()
	if err := d.Tx(context.Background(), func(tx *sql.Tx) error { return svc.Notify(context.Background(), tx, n) }); err != nil {
		t.Fatal(err)
	}
}

func approved(user, phone, email string) notify.Notification {
	return notify.Notification{UserID: user, Event: "application.approved", Locale: i18n.En,
		Personalisation: map[string]string{"name": "Aziza", "service": "Passport", "reference": "A-" + user},
		Recipients:      notify.Recipients{Phone: phone, Email: email}}
}

// messages returns the stored messages by channel and recipient.
func messages(t *testing.T, svc *notify.Service) map[string]notify.Message {
	t.Helper()
	ms, err := svc.Recent(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]notify.Message{}
	for _, m := range ms {
		out[string(m.Channel)+" "+m.Recipient] = m
	}
	return out
}

// settle waits until no message is queued or temporarily failed.
func settle(t *testing.T, svc *notify.Service, q *jobs.Queue) map[string]notify.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		q.Nudge()
		ms := messages(t, svc)
		done := true
		for _, m := range ms {
			if m.Status == notify.Queued || m.Status == notify.TemporaryFailure {
				done = false
			}
		}
		if done {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("messages did not settle: %+v", ms)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNotifyInRolledBackTransactionLeavesNothing(t *testing.T) {
	harness(t, notify.LogSender{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil, func(t *testing.T, d *db.DB, svc *notify.Service, _ *jobs.Queue) {
		ctx := context.Background()
		rollback := errors.New("rolled back")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := svc.Notify(ctx, tx, approved("u1", "+998901000001", "a@example.uz")); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		var n int
		if err := d.Reader().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM notify_messages) + (SELECT COUNT(*) FROM jobs)`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows left = %d, %v", n, err)
		}
	})
}

func TestNotifyValidates(t *testing.T) {
	harness(t, notify.LogSender{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil, func(t *testing.T, d *db.DB, svc *notify.Service, _ *jobs.Queue) {
		ctx := context.Background()
		missing := approved("u1", "+998901000001", "")
		delete(missing.Personalisation, "reference")
		unknown := approved("u1", "", "")
		unknown.Event = "no.such.event"
		noUser := approved("", "", "")
		for name, n := range map[string]notify.Notification{"missing personalisation": missing, "unknown event": unknown, "no user": noUser} {
			err := d.Tx(ctx, func(tx *sql.Tx) error { return svc.Notify(ctx, tx, n) })
			// The caller's bug, never shown to a person as their mistake.
			if apperr.Code(err) != apperr.EINTERNAL {
				t.Errorf("%s: err = %v, want an internal error", name, err)
			}
		}
		if ms := messages(t, svc); len(ms) != 0 {
			t.Errorf("stored %v", ms)
		}
	})
}

func TestSMSThroughHTTPGateway(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct{ To, Text string }
		if r.Header.Get("Authorization") != "Bearer secret" || json.NewDecoder(r.Body).Decode(&m) != nil || m.Text == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		hits[m.To]++
		n := hits[m.To]
		mu.Unlock()
		switch {
		case m.To == "+998900000002":
			http.Error(w, "invalid number", http.StatusBadRequest)
		case m.To == "+998900000003" && n < 3:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	gw := &notify.HTTPGateway{URL: srv.URL, Token: "secret", Client: srv.Client()}
	harness(t, gw, nil, func(t *testing.T, d *db.DB, svc *notify.Service, q *jobs.Queue) {
		mu.Lock()
		clear(hits)
		mu.Unlock()
		for i, phone := range []string{"+998900000001", "+998900000002", "+998900000003"} {
			notifyTx(t, d, svc, approved(string(rune('a'+i)), phone, ""))
		}
		ms := settle(t, svc, q)
		for _, c := range []struct {
			phone    string
			status   notify.Status
			attempts int
			lastErr  string
		}{
			{"+998900000001", notify.Delivered, 1, ""},
			{"+998900000002", notify.PermanentFailure, 1, "400"},
			{"+998900000003", notify.Delivered, 3, "503"},
		} {
			m := ms["sms "+c.phone]
			if m.Status != c.status || m.Attempts != c.attempts || !strings.Contains(m.LastError, c.lastErr) {
				t.Errorf("%s: %s after %d attempts (%q), want %s after %d (%q)", c.phone, m.Status, m.Attempts, m.LastError, c.status, c.attempts, c.lastErr)
			}
			if (c.status == notify.Delivered) == m.SentAt.IsZero() {
				t.Errorf("%s: not marked sent", c.phone)
			}
		}
		if m := ms["sms +998900000001"]; m.Body != "egov: Aziza, application A-a for “Passport” approved." {
			t.Errorf("body = %q", m.Body)
		}
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if hits["+998900000002"] != 1 {
			t.Errorf("permanent failure tried %d times", hits["+998900000002"])
		}
		if n := len(ms); n != 6 {
			t.Errorf("%d messages, want 3 in-app and 3 SMS", n)
		}
	})
}

// smtpServer is a minimal SMTP server for tests: it accepts every message
// and sends its data on got, or answers RCPT with a 550 for addresses
// starting with "nobody".
func smtpServer(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 10)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				tp := textproto.NewConn(conn)
				_ = tp.PrintfLine("220 test ESMTP")
				for {
					line, err := tp.ReadLine()
					if err != nil {
						return
					}
					verb, arg, _ := strings.Cut(line, " ")
					switch strings.ToUpper(verb) {
					case "EHLO", "HELO":
						_ = tp.PrintfLine("250 test")
					case "MAIL", "RSET", "NOOP":
						_ = tp.PrintfLine("250 OK")
					case "RCPT":
						if strings.HasPrefix(strings.ToLower(arg), "to:<nobody") {
							_ = tp.PrintfLine("550 5.1.1 no such user")
						} else {
							_ = tp.PrintfLine("250 OK")
						}
					case "DATA":
						_ = tp.PrintfLine("354 go ahead")
						data, err := tp.ReadDotBytes()
						if err != nil {
							return
						}
						ch <- string(data)
						_ = tp.PrintfLine("250 queued")
					case "QUIT":
						_ = tp.PrintfLine("221 bye")
						return
					default:
						_ = tp.PrintfLine("502 not implemented")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), ch
}

func TestEmailThroughSMTP(t *testing.T) {
	addr, got := smtpServer(t)
	sender := &notify.SMTPSender{Addr: addr, From: "egov <noreply@my.gov.uz>", Timeout: 10 * time.Second}
	harness(t, notify.LogSender{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, sender, func(t *testing.T, d *db.DB, svc *notify.Service, q *jobs.Queue) {
		ctx := context.Background()
		for _, u := range []string{"u1", "u2"} {
			if err := svc.SetPreferences(ctx, u, notify.Prefs{Email: true}); err != nil {
				t.Fatal(err)
			}
		}
		n := approved("u1", "+998901000001", "Aziza <aziza@example.uz>")
		n.Locale = i18n.UzLatn
		n.Personalisation["service"] = "Pasport\r\nBcc: evil@example.com"
		notifyTx(t, d, svc, n)
		notifyTx(t, d, svc, approved("u2", "", "nobody@example.uz"))
		ms := settle(t, svc, q)
		if m := ms["email Aziza <aziza@example.uz>"]; m.Status != notify.Delivered || m.Attempts != 1 {
			t.Errorf("email: %+v", m)
		}
		if m := ms["email nobody@example.uz"]; m.Status != notify.PermanentFailure || !strings.Contains(m.LastError, "550") {
			t.Errorf("rejected email: %+v", m)
		}
		if _, ok := ms["sms +998901000001"]; ok {
			t.Errorf("SMS sent although the person turned it off")
		}
		var data string
		select {
		case data = <-got:
		case <-time.After(10 * time.Second):
			t.Fatal("no e-mail arrived")
		}
		msg, err := mail.ReadMessage(strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subject != "Arizangiz maʼqullandi: A-u1" {
			t.Errorf("subject = %q, %v", subject, err)
		}
		if msg.Header.Get("Bcc") != "" || msg.Header.Get("To") == "" || msg.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("header = %v", msg.Header)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil || !strings.Contains(string(body), "Hurmatli Aziza, “Pasport\nBcc: evil@example.com” xizmatiga A-u1 raqamli arizangiz maʼqullandi.") {
			t.Errorf("body = %q, %v", body, err)
		}
	})
}

func TestPreferences(t *testing.T) {
	logged := notify.LogSender{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	harness(t, logged, logged, func(t *testing.T, d *db.DB, svc *notify.Service, q *jobs.Queue) {
		ctx := context.Background()
		if p, err := svc.Preferences(ctx, "u1"); err != nil || p != notify.DefaultPrefs() {
			t.Fatalf("default = %+v, %v", p, err)
		}
		for _, p := range []notify.Prefs{{SMS: false, Email: true}, {SMS: true, Email: false}, {}} {
			if err := svc.SetPreferences(ctx, "u1", p); err != nil {
				t.Fatal(err)
			}
			if got, err := svc.Preferences(ctx, "u1"); err != nil || got != p {
				t.Fatalf("got %+v, %v; want %+v", got, err, p)
			}
		}
		notifyTx(t, d, svc, approved("u1", "+998901000001", "u1@example.uz"))
		notifyTx(t, d, svc, approved("u2", "+998901000002", "u2@example.uz"))
		ms := settle(t, svc, q)
		want := []string{"inapp u1", "inapp u2", "sms +998901000002", "email u2@example.uz"}
		if len(ms) != len(want) {
			t.Errorf("messages = %v", ms)
		}
		for _, k := range want {
			if m, ok := ms[k]; !ok || m.Status != notify.Delivered {
				t.Errorf("%s: %+v, %v", k, m, ok)
			}
		}
	})
}

// TestNoEmailWithoutSender: a node with no mail sender keeps no e-mail
// at all, rather than one marked delivered that went nowhere.
func TestNoEmailWithoutSender(t *testing.T) {
	harness(t, notify.LogSender{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil, func(t *testing.T, d *db.DB, svc *notify.Service, q *jobs.Queue) {
		if err := svc.SetPreferences(context.Background(), "u1", notify.Prefs{SMS: true, Email: true}); err != nil {
			t.Fatal(err)
		}
		notifyTx(t, d, svc, approved("u1", "+998901000001", "u1@example.uz"))
		ms := settle(t, svc, q)
		if _, ok := ms["email u1@example.uz"]; ok || len(ms) != 2 {
			t.Errorf("messages = %v, want in-app and SMS only", ms)
		}
	})
}

func TestInboxIsolation(t *testing.T) {
	harness(t, notify.LogSender{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil, func(t *testing.T, d *db.DB, svc *notify.Service, _ *jobs.Queue) {
		ctx := context.Background()
		notifyTx(t, d, svc, approved("alice", "+998901000001", ""))
		notifyTx(t, d, svc, approved("bob", "+998901000002", ""))
		alice, err := svc.Inbox(ctx, "alice", 10)
		if err != nil || len(alice) != 1 || alice[0].UserID != "alice" || alice[0].Read {
			t.Fatalf("alice's inbox = %+v, %v", alice, err)
		}
		if alice[0].Subject != "Your application has been approved: A-alice" {
			t.Errorf("subject = %q", alice[0].Subject)
		}
		bob, err := svc.Inbox(ctx, "bob", 10)
		if err != nil || len(bob) != 1 || bob[0].UserID != "bob" {
			t.Fatalf("bob's inbox = %+v, %v", bob, err)
		}
		if err := svc.MarkRead(ctx, "bob", alice[0].ID); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("bob marks alice's message read: %v", err)
		}
		sms := messages(t, svc)["sms +998901000001"]
		if err := svc.MarkRead(ctx, "alice", sms.ID); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("marking an SMS read: %v", err)
		}
		if got, _ := svc.Inbox(ctx, "alice", 10); got[0].Read {
			t.Errorf("alice's message read by bob")
		}
		for range 2 {
			if err := svc.MarkRead(ctx, "alice", alice[0].ID); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := svc.Inbox(ctx, "alice", 10); !got[0].Read {
			t.Errorf("not marked read")
		}
		if got, _ := svc.Inbox(ctx, "nobody", 10); len(got) != 0 {
			t.Errorf("stranger sees %v", got)
		}
	})
}
