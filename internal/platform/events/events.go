// Package events carries egov's asynchronous reactions between modules: a NATS
// server with JetStream (in-process by default, an external cluster at scale),
// a transactional outbox that makes an event exist if and only if the change
// that caused it commits, a relay that moves outbox rows to JetStream, and
// durable consumers that handle each event once per consumer.
//
// Delivery is at least once end to end and effectively once at a handler:
//
//   - A module writes an event with Outbox.Write inside its own transaction.
//   - The Relay publishes unpublished rows with the Nats-Msg-Id header set to
//     the event ID, waits for JetStream's acknowledgement and only then marks
//     the row published. A crash in between publishes the row again; JetStream
//     drops the copy if it arrives within the stream's duplicate window.
//   - Bus.Consume records (consumer, event ID) in events_processed in the same
//     transaction as the handler's own changes and acknowledges the message
//     only after that transaction commits. A redelivered or re-published event
//     finds its row and skips the handler.
//
// Order follows the outbox sequence on a best-effort basis: rows committed out
// of sequence order, retries and several relays can reorder events, so
// handlers must not depend on strict order.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Config.
const (
	DefaultStream          = "EGOV"
	DefaultPrefix          = "egov."
	DefaultDuplicateWindow = 10 * time.Minute
	DefaultMaxAge          = 7 * 24 * time.Hour
	DefaultMaxDeliver      = 10
	DefaultAckWait         = 30 * time.Second
)

const (
	// connectTimeout bounds the wait for an external server or for the
	// embedded one to start, so a wrong URL fails startup quickly.
	connectTimeout = 5 * time.Second
	// requestTimeout bounds JetStream API calls (stream and consumer setup,
	// publish acknowledgements).
	requestTimeout = 10 * time.Second
	// atHeader carries the event's creation time from the outbox row.
	atHeader = "Egov-At"
	// maxSubjectLen matches what a subject column comfortably indexes.
	maxSubjectLen = 255
)

// Config configures the Bus.
type Config struct {
	// URL of an external NATS server or cluster (comma-separated URLs). Empty
	// starts a NATS server with JetStream inside this process, with no network
	// listener.
	URL string
	// StoreDir is the folder where the embedded server keeps its JetStream
	// data. Required when URL is empty, unused otherwise.
	StoreDir string
	// Stream is the JetStream stream holding all events; default "EGOV".
	Stream string
	// Prefix starts every event subject and ends with a dot; default "egov.".
	// The stream captures Prefix + ">".
	Prefix string
	// Replicas of the stream on an external cluster; default 1. The embedded
	// server always uses 1.
	Replicas int
	// DuplicateWindow is how long JetStream remembers message IDs to drop
	// re-published events; default 10 minutes, at least 100 ms.
	DuplicateWindow time.Duration
	// MaxAge is how long the stream keeps events; default 7 days. A consumer
	// that is down for longer misses older events.
	MaxAge time.Duration
	// MaxDeliver is how many times a consumer tries an event whose handler
	// fails before it logs and drops it; default 10.
	MaxDeliver int
	// AckWait is how long the server waits for a consumer to answer a
	// message before it delivers it again, e.g. after a node crashed while
	// handling it; default 30 s. Handlers must finish well within it.
	AckWait time.Duration
	// Clock stamps events_processed records; default the system clock.
	Clock clock.Clock
	// Logger receives the bus's and the embedded server's messages; nil
	// discards them.
	Logger *slog.Logger
}

// withDefaults fills unset fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = DefaultDuplicateWindow
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.AckWait == 0 {
		c.AckWait = DefaultAckWait
	}
	if c.Clock == nil {
		c.Clock = clock.System{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.URL == "" && c.StoreDir == "":
		return c, errors.New("events: StoreDir is required for the embedded NATS server")
	case !validName(c.Stream):
		return c, fmt.Errorf("events: invalid stream name %q", c.Stream)
	case !strings.HasSuffix(c.Prefix, ".") || !validSubject(strings.TrimSuffix(c.Prefix, "."), false):
		return c, fmt.Errorf("events: invalid subject prefix %q (want tokens of letters, digits, - or _ ending with a dot)", c.Prefix)
	case c.Replicas < 1 || c.Replicas > 5:
		return c, fmt.Errorf("events: replicas %d out of range 1..5", c.Replicas)
	case c.DuplicateWindow < 100*time.Millisecond:
		return c, fmt.Errorf("events: duplicate window %s is shorter than 100ms", c.DuplicateWindow)
	case c.MaxAge < c.DuplicateWindow:
		return c, fmt.Errorf("events: max age %s is shorter than the duplicate window %s", c.MaxAge, c.DuplicateWindow)
	case c.MaxDeliver < 1:
		return c, fmt.Errorf("events: max deliver %d is below 1", c.MaxDeliver)
	case c.AckWait < time.Second:
		return c, fmt.Errorf("events: ack wait %s is shorter than 1s", c.AckWait)
	}
	if c.URL == "" {
		c.Replicas = 1
	}
	return c, nil
}

// Bus is a connection to NATS JetStream with egov's event stream in place,
// and the embedded server when there is one.
type Bus struct {
	cfg       Config
	log       *slog.Logger
	srv       *server.Server // nil with an external server
	nc        *nats.Conn
	js        jetstream.JetStream
	closed    chan struct{} // closed when nc is closed
	closeOnce sync.Once
	closeErr  error
}

// Open starts the embedded NATS server (when cfg.URL is empty) or connects to
// the external one, and creates or updates the event stream. It fails within
// a few seconds if the server cannot be reached or has no JetStream.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &Bus{cfg: cfg, log: cfg.Logger.With(slog.String("component", "events")), closed: make(chan struct{})}
	opts := []nats.Option{
		nats.Name("egov"),
		nats.Timeout(connectTimeout),
		nats.DrainTimeout(requestTimeout),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("nats disconnected", slog.String("error", err.Error()))
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("nats reconnected", slog.String("url", nc.ConnectedUrlRedacted()))
		}),
	}
	url := cfg.URL
	if url == "" {
		if b.srv, err = startServer(cfg, b.log); err != nil {
			return nil, err
		}
		opts = append(opts, nats.InProcessServer(b.srv))
	} else {
		// Keep reconnecting once connected: a cluster node restarting must
		// not take egov down.
		opts = append(opts, nats.MaxReconnects(-1))
	}
	b.nc, err = nats.Connect(url, opts...)
	if err != nil {
		b.stopServer()
		if url == "" {
			return nil, fmt.Errorf("events: connect to the embedded NATS server: %w", err)
		}
		return nil, fmt.Errorf("events: connect to NATS at %s: %w", redactURL(url), err)
	}
	b.js, err = jetstream.New(b.nc, jetstream.WithPublishAsyncTimeout(requestTimeout), jetstream.WithDefaultTimeout(requestTimeout))
	if err == nil {
		err = b.ensureStream(ctx)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// startServer runs the embedded NATS server with JetStream in cfg.StoreDir
// and no network listener.
func startServer(cfg Config, log *slog.Logger) (*server.Server, error) {
	srv, err := server.NewServer(&server.Options{
		ServerName: "egov",
		DontListen: true,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true,
	})
	if err != nil {
		return nil, fmt.Errorf("events: embedded NATS server: %w", err)
	}
	sl := &serverLogger{log: log.With(slog.String("nats", "server"))}
	srv.SetLoggerV2(sl, false, false, false)
	// Start returns once the server runs, or early after a fatal error.
	srv.Start()
	if err := sl.fatalErr(); err != nil {
		srv.Shutdown()
		return nil, fmt.Errorf("events: embedded NATS server: %w", err)
	}
	if !srv.ReadyForConnections(connectTimeout) {
		srv.Shutdown()
		return nil, errors.New("events: embedded NATS server did not start")
	}
	return srv, nil
}

// ensureStream creates the event stream or brings its settings up to date.
func (b *Bus) ensureStream(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	_, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        b.cfg.Stream,
		Description: "egov events",
		Subjects:    []string{b.cfg.Prefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    b.cfg.Replicas,
		Duplicates:  b.cfg.DuplicateWindow,
		MaxAge:      b.cfg.MaxAge,
	})
	if err != nil {
		return fmt.Errorf("events: create stream %s: %w", b.cfg.Stream, err)
	}
	return nil
}

// Prefix is the subject prefix of every event on this bus, for NewOutbox.
func (b *Bus) Prefix() string { return b.cfg.Prefix }

// Ready reports whether the bus is connected and JetStream answers for the
// event stream; for the readiness check.
func (b *Bus) Ready(ctx context.Context) error {
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("events: nats connection is %s", st)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	if _, err := b.js.Stream(ctx, b.cfg.Stream); err != nil {
		return fmt.Errorf("events: stream %s: %w", b.cfg.Stream, err)
	}
	return nil
}

// Close drains the connection, so that acknowledgements already sent reach
// the server, and then stops the embedded server. Consumers still running
// return an error; stop them first. Close may be called more than once.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() {
		if err := b.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			b.closeErr = fmt.Errorf("events: drain: %w", err)
			b.nc.Close()
		}
		select {
		case <-b.closed:
		case <-time.After(2 * requestTimeout):
			b.nc.Close()
		}
		b.stopServer()
	})
	return b.closeErr
}

// stopServer shuts the embedded server down, if there is one, and waits for
// it so its store is consistent on disk.
func (b *Bus) stopServer() {
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}

// Event is one event as written to the outbox and delivered to consumers.
type Event struct {
	// ID is a UUIDv7, also the JetStream message ID.
	ID string
	// Subject starts with the bus prefix, e.g. "egov.appeals.created".
	Subject string
	// Data is the JSON encoding of the value written.
	Data []byte
	// At is when the event was written, in UTC.
	At time.Time
}

// checkSubject returns an EINVALID error unless subject is a literal subject
// under prefix. Subject tokens are letters, digits, '-' and '_' so that
// subjects mean the same to every NATS client and tool.
func checkSubject(subject, prefix string, wildcards bool) error {
	rest, ok := strings.CutPrefix(subject, prefix)
	if !ok || rest == "" || len(subject) > maxSubjectLen || !validSubject(rest, wildcards) {
		return &apperr.Error{
			Code:    apperr.EINVALID,
			Message: fmt.Sprintf("invalid event subject %q: want %q followed by dot-separated tokens of letters, digits, - or _", subject, prefix),
		}
	}
	return nil
}

// validSubject reports whether s is dot-separated tokens of letters, digits,
// '-' and '_'; with wildcards, a token may also be "*" and the last one ">".
func validSubject(s string, wildcards bool) bool {
	tokens := strings.Split(s, ".")
	for i, tok := range tokens {
		if wildcards && (tok == "*" || tok == ">" && i == len(tokens)-1) {
			continue
		}
		if !validName(tok) {
			return false
		}
	}
	return true
}

// validName reports whether s is a non-empty run of letters, digits, '-'
// and '_': a subject token, a stream or a consumer name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// redactURL hides passwords and tokens in NATS URLs for messages.
func redactURL(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		if at := strings.LastIndex(p, "@"); at >= 0 {
			if scheme := strings.Index(p, "://"); scheme >= 0 && scheme < at {
				parts[i] = p[:scheme+3] + "xxxxx" + p[at:]
			} else {
				parts[i] = "xxxxx" + p[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}

// serverLogger passes the embedded server's messages to slog and keeps the
// first fatal one, which the server reports before giving up on Start.
type serverLogger struct {
	log   *slog.Logger
	mu    sync.Mutex
	fatal error
}

func (l *serverLogger) fatalErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fatal
}

// Noticef logs at debug level: notices are the server's start-up chatter.
func (l *serverLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }

func (l *serverLogger) Warnf(format string, v ...any) { l.log.Warn(fmt.Sprintf(format, v...)) }

func (l *serverLogger) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }

// Fatalf logs and remembers the error; unlike the server's own logger it
// does not exit the process.
func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(msg)
	l.mu.Lock()
	if l.fatal == nil {
		l.fatal = errors.New(msg)
	}
	l.mu.Unlock()
}

func (l *serverLogger) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }

func (l *serverLogger) Tracef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
