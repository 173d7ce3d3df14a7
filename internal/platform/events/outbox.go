package events

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the events module's tables: events_outbox and
// events_processed.
func Migrations() db.Migrations {
	return db.Migrations{Module: "events", FS: migrationsFS}
}

// Outbox writes events into the caller's transaction.
type Outbox struct {
	clock  clock.Clock
	prefix string
	wake   atomic.Pointer[func()]
}

// WakeWith sets what Nudge calls: the Nudge of the node's relay.
func (o *Outbox) WakeWith(f func()) { o.wake.Store(&f) }

// Nudge tells the node's relay, if WakeWith named one, that a transaction
// that wrote events has committed, so they are published now rather than at
// the relay's next poll. It never blocks.
func (o *Outbox) Nudge() {
	if f := o.wake.Load(); f != nil {
		(*f)()
	}
}

// NewOutbox returns an Outbox stamping events with c's time and accepting
// subjects under prefix, which must be the bus's (Bus.Prefix); empty means
// DefaultPrefix.
func NewOutbox(c clock.Clock, prefix string) *Outbox {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Outbox{clock: c, prefix: prefix}
}

// Subject is the full subject of an event called name (e.g.
// "portal.application.submitted") under the outbox's prefix.
func (o *Outbox) Subject(name string) string {
	return strings.TrimSuffix(o.prefix, ".") + "." + name
}

// Write JSON-encodes data (a json.RawMessage goes in as it is) and adds it as
// an event on subject to the outbox inside tx, so the event exists if and
// only if tx commits. The insert is one write, which a db.Batch may send
// later with others. The relay publishes it afterwards; call Nudge after
// the commit to publish it at once. An invalid subject is EINVALID.
func (o *Outbox) Write(ctx context.Context, tx db.Runner, subject string, data any) (Event, error) {
	if err := checkSubject(subject, o.prefix, false); err != nil {
		return Event{}, err
	}
	payload, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("write event %s: encode: %w", subject, err)
	}
	// PostgreSQL keeps microseconds; truncating here makes the returned
	// event equal to the one consumers receive.
	e := Event{ID: db.NewID(), Subject: subject, Data: payload, At: o.clock.Now().UTC().Truncate(time.Microsecond)}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO events_outbox (id, subject, payload, created_at) VALUES ($1, $2, $3, $4)`,
		e.ID, e.Subject, e.Data, e.At)
	if err != nil {
		return Event{}, db.MapError(fmt.Errorf("write event %s: %w", subject, err))
	}
	return e, nil
}
