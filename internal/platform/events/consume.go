package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// pullBuffer is how many messages a consumer fetches ahead.
	pullBuffer = 32
	// drainTimeout bounds how long a stopping consumer keeps handling the
	// messages it has fetched.
	drainTimeout = 10 * time.Second
	// firstRetry and lastRetry bound the delay before a failed event is
	// delivered again; the delay doubles with every attempt in between.
	firstRetry = time.Second
	lastRetry  = 5 * time.Minute
)

// Handler handles one event inside tx, the transaction that also records the
// event as processed by its consumer: its changes commit together with that
// record or not at all. An error rolls both back and the event is delivered
// again later.
type Handler func(ctx context.Context, tx *sql.Tx, e Event) error

// Consume runs the durable consumer name on the events matching subject (a
// subject under the bus prefix, which may end in ">" or contain "*") until
// ctx is done, then returns nil. Events are handled one at a time; the
// consumer and its position survive restarts, and several nodes running the
// same name share its events.
//
// For every event, in one transaction on d, Consume records (name, event ID)
// in events_processed and calls h; if the record was already there, the event
// was handled before and h is skipped. After the commit the message is
// acknowledged. If h fails, the event is delivered again after a delay that
// grows from 1 s to 5 min; after Config.MaxDeliver attempts it is logged and
// dropped. An invalid name or subject is EINVALID; a closed bus is an error.
func (b *Bus) Consume(ctx context.Context, d *db.DB, name, subject string, h Handler) error {
	if !validName(name) {
		return &apperr.Error{Code: apperr.EINVALID, Message: fmt.Sprintf("invalid consumer name %q: want letters, digits, - or _", name)}
	}
	if err := checkSubject(subject, b.cfg.Prefix, true); err != nil {
		return err
	}
	setup, cancel := context.WithTimeout(ctx, requestTimeout)
	cons, err := b.js.CreateOrUpdateConsumer(setup, b.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       name,
		FilterSubject: subject,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       b.cfg.AckWait,
		// Consume ends failing events itself, after logging them; the server
		// keeps redelivering anything else (a crash, a lost acknowledgement).
		MaxDeliver: -1,
	})
	cancel()
	if err != nil {
		return fmt.Errorf("events: consumer %s: %w", name, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(pullBuffer))
	if err != nil {
		return fmt.Errorf("events: consumer %s: %w", name, err)
	}
	defer it.Stop()
	// On shutdown the consumer stops fetching and finishes the messages it
	// has already fetched, for up to drainTimeout: the server counts them as
	// delivered, and unanswered ones would wait for Config.AckWait after a
	// restart. Handlers therefore run under work, not ctx.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
		case <-finished:
			return
		}
		it.Drain()
		select {
		case <-time.After(drainTimeout):
			stopWork()
		case <-finished:
		}
	}()
	log := b.log.With(slog.String("consumer", name))
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("events: consumer %s: %w", name, err)
		}
		b.handle(work, d, name, h, msg, log)
	}
}

// handle processes one message and answers it: ack after a commit (or a
// skip), nak with a delay after a failure, term when attempts are used up or
// the message is not an outbox event.
func (b *Bus) handle(ctx context.Context, d *db.DB, name string, h Handler, msg jetstream.Msg, log *slog.Logger) {
	e, attempt, err := decode(msg)
	if err != nil {
		log.Error("dropping message that is not an egov event", slog.String("subject", msg.Subject()), slog.String("error", err.Error()))
		_ = msg.Term()
		return
	}
	log = log.With(slog.String("event_id", e.ID), slog.String("subject", e.Subject))
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO events_processed (consumer, event_id, processed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			name, e.ID, b.cfg.Clock.Now().UTC())
		if err != nil {
			return fmt.Errorf("record processed event: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("record processed event: %w", err)
		}
		if n == 0 {
			log.Debug("skipping event handled before")
			return nil
		}
		return callHandler(ctx, h, tx, e)
	})
	switch {
	case err == nil:
		if err := msg.Ack(); err != nil {
			// The event is delivered again and then skipped.
			log.Warn("ack event", slog.String("error", err.Error()))
		}
	case ctx.Err() != nil:
		// Stopping: let the next consumer have it at once.
		_ = msg.Nak()
	case attempt >= b.cfg.MaxDeliver:
		log.Error("dropping event after its last attempt", slog.Int("attempts", attempt), slog.String("error", err.Error()))
		_ = msg.Term()
	default:
		delay := retryDelay(attempt)
		log.Warn("event handler failed; retrying", slog.Int("attempt", attempt), slog.Duration("delay", delay), slog.String("error", err.Error()))
		_ = msg.NakWithDelay(delay)
	}
}

// callHandler calls h and turns a panic into an error, so one bad event does
// not take the node down.
func callHandler(ctx context.Context, h Handler, tx *sql.Tx, e Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("event handler panicked: %v", p)
		}
	}()
	return h(ctx, tx, e)
}

// decode turns a message published by the relay back into its event and
// tells which delivery attempt this is.
func decode(msg jetstream.Msg) (Event, int, error) {
	meta, err := msg.Metadata()
	if err != nil {
		return Event{}, 0, err
	}
	id := msg.Headers().Get(jetstream.MsgIDHeader)
	if id == "" {
		return Event{}, 0, errors.New("no message ID")
	}
	at, err := time.Parse(time.RFC3339Nano, msg.Headers().Get(atHeader))
	if err != nil {
		at = meta.Timestamp
	}
	return Event{ID: id, Subject: msg.Subject(), Data: msg.Data(), At: at.UTC()}, int(meta.NumDelivered), nil
}

// retryDelay is the wait before delivery attempt+1: 1 s doubling up to 5 min.
func retryDelay(attempt int) time.Duration {
	d := firstRetry
	for i := 1; i < attempt && d < lastRetry; i++ {
		d *= 2
	}
	return min(d, lastRetry)
}
