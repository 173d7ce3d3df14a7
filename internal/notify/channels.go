package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// SMSGateway hands an SMS to an operator. An error wrapped by
// Permanent means the message can never be delivered (bad number,
// rejected request) and is not retried; any other error is temporary.
type SMSGateway interface {
	SendSMS(ctx context.Context, phone, text string) error
}

// EmailSender hands an e-mail to a mail server, with the same error
// convention as SMSGateway.
type EmailSender interface {
	SendEmail(ctx context.Context, to, subject, body string) error
}

// deliveryError marks a failure that retrying cannot fix.
type deliveryError struct{ err error }

func (e *deliveryError) Error() string { return e.err.Error() }
func (e *deliveryError) Unwrap() error { return e.err }

// Permanent marks err as a delivery failure that retrying cannot
// fix: the message is recorded as permanent-failure and not tried again.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &deliveryError{err: err}
}

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var d *deliveryError
	return errors.As(err, &d)
}

// LogSender "delivers" by writing the message to the log: the channel used
// until a real SMS gateway or mail server is configured, and in demo mode,
// where the demo page shows the stored messages.
type LogSender struct{ Log *slog.Logger }

// SendSMS logs the message.
func (s LogSender) SendSMS(ctx context.Context, phone, text string) error {
	s.Log.InfoContext(ctx, "SMS", "to", phone, "text", text)
	return nil
}

// SendEmail logs the message.
func (s LogSender) SendEmail(ctx context.Context, to, subject, body string) error {
	s.Log.InfoContext(ctx, "e-mail", "to", to, "subject", subject, "body", body)
	return nil
}

// HTTPGateway sends SMS through an operator's HTTP API: it POSTs
// {"to": phone, "text": text} as JSON to URL with the bearer Token. A 2xx
// answer means delivered; 408 and 429 are temporary like 5xx and network
// errors; any other 4xx is a permanent failure (the gateway refused the
// request, so sending it again would not help).
type HTTPGateway struct {
	URL   string
	Token string
	// Client defaults to one with a 15 second timeout.
	Client *http.Client
}

// SendSMS posts the message to the gateway.
func (g *HTTPGateway) SendSMS(ctx context.Context, phone, text string) error {
	payload, err := json.Marshal(struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}{phone, text})
	if err != nil {
		return Permanent(fmt.Errorf("sms gateway: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(payload))
	if err != nil {
		return Permanent(fmt.Errorf("sms gateway: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	c := g.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("sms gateway: %s: %s", resp.Status, bytes.TrimSpace(detail))
	default:
		return Permanent(fmt.Errorf("sms gateway: %s: %s", resp.Status, bytes.TrimSpace(detail)))
	}
}

// SMTPSender sends plain-text UTF-8 e-mail through a mail server with
// net/smtp. Replies 5xx from the server are permanent failures; 4xx,
// network and TLS errors are temporary.
type SMTPSender struct {
	// Addr is the server's host:port.
	Addr string
	// From is the sender address, e.g. "egov <noreply@my.gov.uz>".
	From string
	// Username and Password, if Username is set, authenticate with PLAIN,
	// which net/smtp allows only over TLS or to localhost.
	Username string
	Password string
	// StartTLS upgrades the connection before anything else is sent.
	StartTLS bool
	// TLS configures StartTLS; nil verifies the server's name.
	TLS *tls.Config
	// Timeout bounds the whole exchange; zero means 30 seconds.
	Timeout time.Duration
	// Hostname is sent in EHLO; empty means "localhost".
	Hostname string
	// Now stamps the Date header; nil means time.Now.
	Now func() time.Time
}

// SendEmail delivers one message to one recipient.
func (s *SMTPSender) SendEmail(ctx context.Context, to, subject, body string) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return Permanent(fmt.Errorf("smtp: sender %q: %w", s.From, err))
	}
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return Permanent(fmt.Errorf("smtp: recipient: %w", err))
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg, err := FormatEmail(from, rcpt, subject, body, now())
	if err != nil {
		return Permanent(fmt.Errorf("smtp: %w", err))
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = s.send(ctx, from.Address, rcpt.Address, msg)
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return Permanent(fmt.Errorf("smtp: %w", err))
	}
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}

func (s *SMTPSender) send(ctx context.Context, from, to string, msg []byte) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	hostname := s.Hostname
	if hostname == "" {
		hostname = "localhost"
	}
	if err := c.Hello(hostname); err != nil {
		return err
	}
	if s.StartTLS {
		cfg := s.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// FormatEmail builds a plain-text UTF-8 message with CRLF line ends: the
// subject is MIME-encoded and stripped of line breaks so it cannot add
// headers, and the body is quoted-printable.
func FormatEmail(from, to *mail.Address, subject, body string, date time.Time) ([]byte, error) {
	subject = strings.Join(strings.Fields(subject), " ")
	var id [12]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	domain := "egov.invalid"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 {
		domain = from.Address[i+1:]
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body = strings.ReplaceAll(body, "\r\n", "\n")
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}
