// Package audit is egov's append-only, hash-chained audit log of
// security-relevant actions: sign-ins and failed sign-ins, permission changes,
// staff access to personal data and the like.
//
// Every entry carries the SHA-256 hash of its own contents and of the entry
// before it, so changing, removing or slipping in an entry breaks the chain at
// that point; Verify walks the chain and names the first break. Entries are
// numbered 1, 2, 3, … without gaps. The one-row table audit_head holds the last
// number and hash; every append locks and advances it inside the appending
// transaction, so appends from any number of nodes form a single chain, and a
// removed tail shows as a head that points past the last entry.
//
// An unkeyed chain proves the log is internally consistent, not that nobody
// rewrote it wholesale: whoever can write to the database and recompute every
// later hash (and the head) can forge a consistent history, and can cut the
// tail off if they also roll the head back. Keeping a copy of the head hash
// outside the database (an export, a signed note, another system) is what
// turns those into detectable changes too.
package audit

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/text"
)

// System is the actor of entries made by the platform itself rather than by a
// person (timers, jobs, start-up).
const System = "system"

// Limits on the parts of a Record, in bytes. They keep one entry small enough
// to read in a list and stop a caller from filling the log by mistake.
const (
	maxActor      = 200
	maxAction     = 100
	maxObjectType = 100
	maxObjectID   = 200
	maxDetails    = 16 << 10
)

// Limits on the parts of a Source, in bytes. The source comes from the
// request, so longer values are cut rather than refused: a client must not be
// able to stop its own failed sign-in from being logged.
const (
	maxIP        = 64
	maxRequestID = 128
	maxUserAgent = 512
)

// Record is one action to log.
type Record struct {
	// Actor is who acted: a user ID, System, or empty when nobody is signed
	// in (a failed sign-in by an unknown name, say).
	Actor string
	// Action names what happened as dotted lowercase words, module first:
	// "identity.login.failed". Required.
	Action string
	// ObjectType and ObjectID name what was acted on, if anything.
	ObjectType string
	ObjectID   string
	// Details is any further context. It is stored as canonical JSON (object
	// keys sorted), so numbers come back as json.Number in Entry.
	Details map[string]any
}

// Source is where a request came from. The web middleware puts it into every
// request's context with WithSource, and Record and Append take it from
// there, so callers do not pass it along.
type Source struct {
	IP        string
	RequestID string
	UserAgent string
}

// sourceKey is the context key of a Source.
type sourceKey struct{}

// WithSource returns a copy of ctx that carries s.
func WithSource(ctx context.Context, s Source) context.Context {
	return context.WithValue(ctx, sourceKey{}, s)
}

// SourceFrom returns the Source carried by ctx, or the zero Source when there
// is none (background work).
func SourceFrom(ctx context.Context) Source {
	s, _ := ctx.Value(sourceKey{}).(Source)
	return s
}

// Entry is one stored entry of the log.
type Entry struct {
	// Seq is the entry's place in the chain, counting from 1.
	Seq        int64
	ID         string
	At         time.Time
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	Source     Source
	Details    map[string]any
	// PrevHash is the Hash of the entry before (a fixed genesis value for
	// the first), and Hash covers this entry's contents and PrevHash.
	PrevHash string
	Hash     string
}

//go:embed migrations
var migrationFiles embed.FS

// Migrations returns the schema of the audit log: tables audit_log and
// audit_head.
func Migrations() db.Migrations {
	return db.Migrations{Module: "audit", FS: migrationFiles}
}

// Log appends to and reads the audit log. It is safe for concurrent use.
type Log struct {
	db    *db.DB
	clock clock.Clock
	// lockHead reads the head row and, on PostgreSQL, locks it until the
	// transaction ends.
	lockHead string
}

// New returns a Log over d that stamps entries with c's time. d must have
// Migrations applied.
func New(d *db.DB, c clock.Clock) *Log {
	q := `SELECT last_seq, last_hash FROM audit_head WHERE id = 1`
	if d.Engine() == db.Postgres {
		// Concurrent appenders, on this node or others, wait here for
		// each other. SQLite needs no lock: its single writer already
		// serialises write transactions.
		q += " FOR UPDATE"
	}
	return &Log{db: d, clock: c, lockHead: q}
}

// Record appends r to the log inside the caller's transaction tx, which must
// be a write transaction on the Log's database (from db.DB.Tx), so the entry
// exists if and only if the action it describes commits. The source is taken
// from ctx (SourceFrom).
//
// Record locks the head of the log until tx ends, so every other audited
// transaction waits for this one: call it as the last step before commit. On
// PostgreSQL, tx must run at READ COMMITTED (the default).
//
// Returns EINVALID when r is not acceptable (see Record's fields); nothing is
// written then.
func (l *Log) Record(ctx context.Context, tx *sql.Tx, r Record) error {
	e, err := newRow(r, SourceFrom(ctx))
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	if err := l.appendRow(ctx, tx, e); err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// Append appends r to the log in a transaction of its own. Use it for events
// with no business transaction to join, such as a failed sign-in; otherwise
// use Record. The source is taken from ctx (SourceFrom).
//
// Returns EINVALID when r is not acceptable; nothing is written then.
func (l *Log) Append(ctx context.Context, r Record) error {
	e, err := newRow(r, SourceFrom(ctx))
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		return l.appendRow(ctx, tx, e)
	})
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// appendRow gives e its place in the chain (seq, ID, time, previous hash and
// hash) and stores it, advancing the head, in tx.
func (l *Log) appendRow(ctx context.Context, tx *sql.Tx, e *row) error {
	var last int64
	var prev string
	if err := tx.QueryRowContext(ctx, l.lockHead).Scan(&last, &prev); err != nil {
		return fmt.Errorf("read head: %w", err)
	}
	e.seq = last + 1
	e.prevHash = prev
	e.id = db.NewID()
	// Read after the head is locked, so times follow seq on one node.
	// PostgreSQL keeps microseconds; cutting there makes the time read
	// back, and so the hash, the same on both engines.
	e.at = l.clock.Now().UTC().Truncate(time.Microsecond)
	var h hasher
	e.hash = string(h.sum(e))
	if err := insertRow(ctx, tx, e); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1`, e.seq, e.hash); err != nil {
		return fmt.Errorf("advance head: %w", err)
	}
	return nil
}

// insertRow stores e as it is.
func insertRow(ctx context.Context, tx *sql.Tx, e *row) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, id, at, actor, action, object_type, object_id, ip, request_id, user_agent, details, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		e.seq, e.id, e.at, e.actor, e.action, e.objectType, e.objectID,
		e.ip, e.requestID, e.userAgent, e.details, e.prevHash, e.hash)
	if err != nil {
		return fmt.Errorf("insert entry %d: %w", e.seq, err)
	}
	return nil
}

// newRow validates r, cleans s and returns the entry's contents, not yet
// placed in the chain. It returns EINVALID with a message per bad field.
func newRow(r Record, s Source) (*row, error) {
	bad := map[string]string{}
	switch {
	case r.Action == "":
		bad["action"] = "required"
	case len(r.Action) > maxAction:
		bad["action"] = fmt.Sprintf("longer than %d bytes", maxAction)
	case strings.ContainsFunc(r.Action, func(c rune) bool {
		return (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '_' && c != '-'
	}):
		bad["action"] = "only a-z, 0-9, '.', '_' and '-' are allowed"
	}
	checkText(bad, "actor", r.Actor, maxActor)
	checkText(bad, "object_type", r.ObjectType, maxObjectType)
	checkText(bad, "object_id", r.ObjectID, maxObjectID)
	details, err := canonicalJSON(r.Details)
	switch {
	case err != nil:
		bad["details"] = "not encodable as JSON: " + err.Error()
	case len(details) > maxDetails:
		bad["details"] = fmt.Sprintf("longer than %d bytes as JSON", maxDetails)
	}
	if len(bad) > 0 {
		return nil, apperr.Invalid("invalid audit record", bad)
	}
	return &row{
		actor:      r.Actor,
		action:     r.Action,
		objectType: r.ObjectType,
		objectID:   r.ObjectID,
		ip:         cleanText(s.IP, maxIP),
		requestID:  cleanText(s.RequestID, maxRequestID),
		userAgent:  cleanText(s.UserAgent, maxUserAgent),
		details:    details,
	}, nil
}

// checkText records in bad why s is not an acceptable value of field: too
// long, not UTF-8, or holding control characters (which could forge lines in
// a text rendering of the log, and NUL, which PostgreSQL cannot store).
func checkText(bad map[string]string, field, s string, limit int) {
	switch {
	case len(s) > limit:
		bad[field] = fmt.Sprintf("longer than %d bytes", limit)
	case !utf8.ValidString(s):
		bad[field] = "not valid UTF-8"
	case strings.ContainsFunc(s, isControl):
		bad[field] = "contains control characters"
	}
}

// cleanText makes outside input storable: invalid UTF-8 becomes U+FFFD,
// control characters are dropped and the result is cut to at most limit bytes
// on a character boundary.
func cleanText(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(c rune) rune {
		if isControl(c) {
			return -1
		}
		return c
	}, s)
	return text.Cut(s, limit)
}

// isControl reports whether c is a C0 or C1 control character or DEL.
func isControl(c rune) bool { return c < 0x20 || (c >= 0x7f && c < 0xa0) }

// canonicalJSON encodes details as JSON with object keys sorted at every
// level (encoding/json sorts map keys) and without HTML escaping; no details
// is "{}".
func canonicalJSON(details map[string]any) (string, error) {
	if len(details) == 0 {
		return "{}", nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(details); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
