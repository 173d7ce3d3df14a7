// Package msglog is the message log of the exchange bus's gateways: every
// exchange a gateway passes is recorded with the signatures of its request
// and response, so that neither party can later deny it.
//
// Records are hash-chained per gateway: each record's hash (Record.Sum)
// covers its content and the previous record's hash, so changing, removing
// or inserting a record breaks the chain (Log.Verify). Recording never
// waits on the timestamp authority: a job calls Log.TimestampBatch, which
// has the TSA timestamp each gateway's new records as one batch (see
// BatchDigest), and Log.Healthy tells a gateway to stop accepting messages
// when its records have waited too long for a timestamp. Log.Evidence
// gives an auditor one exchange's record, signatures, batch and token,
// which openssl verifies without egov:
//
//	openssl cms -verify -binary -inform DER -in request.sig -content request-hash.txt -CAfile root.pem -purpose any
//	openssl ts -verify -digest <hex of Batch.Digest> -in token.der -token_in -CAfile root.pem -untrusted tsa.pem
//
// The tables are in the bus module's migrations (bus.Migrations).
package msglog

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/pki/tsp"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

// DefaultMaxBatch bounds how many records one timestamp covers, so that a
// backlog after a TSA outage is worked off in batches of a size an
// auditor's evidence can carry.
const DefaultMaxBatch = 10000

// Entry is one exchange as a gateway saw it.
type Entry struct {
	// Gateway names the gateway that logs; each has its own chain.
	Gateway string
	// QueryID is the exchange's X-Road-Id.
	QueryID string
	// Client and Service are the X-Road identifiers of the caller and the
	// service called.
	Client  string
	Service string
	// Time is when the exchange ended; zero means now. It is kept to the
	// microsecond, in UTC.
	Time time.Time
	// RequestHash and ResponseHash are the messages' hashes in the form of
	// X-Road-Request-Hash; the signatures are the DER CMS signatures over
	// them (HeaderSignature of package gateway), empty where there was
	// none, such as a gateway's own error.
	RequestHash       string
	RequestSignature  []byte
	ResponseHash      string
	ResponseSignature []byte
	// Status is the HTTP status returned to the client.
	Status int
}

// Record is a stored entry with its place in the gateway's chain.
type Record struct {
	Entry
	// Seq numbers the gateway's records from 1 without gaps.
	Seq int64
	// PrevHash is the hash of record Seq-1; empty for the first record.
	PrevHash []byte
	// Hash is Sum as it was when the record was stored.
	Hash []byte
	// Batch is the ID of the timestamped batch holding the record; empty
	// until it is timestamped.
	Batch string
}

// Sum is the record's hash: the SHA-256 of its fields, each written as a
// 4-byte big-endian length followed by its bytes, in this order:
//
//	PrevHash, Gateway, Seq (decimal), QueryID, Client, Service,
//	Time (UTC, RFC 3339 with nanoseconds), RequestHash, RequestSignature,
//	ResponseHash, ResponseSignature, Status (decimal)
//
// The lengths make the encoding unambiguous, so that no two different
// records have the same input; an auditor recomputes it from the evidence.
func (r *Record) Sum() []byte {
	sum := sha256.Sum256(r.hashInput())
	return sum[:]
}

// hashInput is what Sum is the SHA-256 of, written out so that an auditor
// can compare it with the fields (record.bin in the evidence): each field
// as a 4-byte big-endian length and its bytes, in Sum's order.
func (r *Record) hashInput() []byte {
	var b []byte
	for _, f := range [][]byte{
		r.PrevHash, []byte(r.Gateway), []byte(strconv.FormatInt(r.Seq, 10)), []byte(r.QueryID),
		[]byte(r.Client), []byte(r.Service), []byte(r.Time.UTC().Format(time.RFC3339Nano)),
		[]byte(r.RequestHash), r.RequestSignature, []byte(r.ResponseHash), r.ResponseSignature,
		[]byte(strconv.Itoa(r.Status)),
	} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// Batch is a run of a gateway's records timestamped together.
type Batch struct {
	ID       string
	Gateway  string
	FirstSeq int64
	LastSeq  int64
	// Hashes are the record hashes of FirstSeq..LastSeq in order.
	Hashes [][]byte
	// Digest is BatchDigest(Hashes), what Token is over.
	Digest []byte
	// Token is the TSA's DER RFC 3161 TimeStampToken over Digest with
	// SHA-256.
	Token []byte
	// Time is the token's genTime.
	Time time.Time
}

// BatchDigest is what a batch's timestamp is over: the SHA-256 of the
// record hashes concatenated in sequence order. Each is 32 bytes, so the
// concatenation needs no separators.
func BatchDigest(hashes [][]byte) []byte {
	h := sha256.New()
	for _, x := range hashes {
		h.Write(x)
	}
	return h.Sum(nil)
}

// Evidence is what an auditor needs to check one exchange: the record with
// its signatures, and the batch that timestamped it (nil while the record
// waits for a timestamp). The record's Hash is one of Batch.Hashes, and its
// PrevHash the one before it or, for a batch's first record, the last of
// the previous batch.
type Evidence struct {
	Record Record
	Batch  *Batch
}

// Timestamper issues RFC 3161 timestamp tokens over a digest made with h.
// *pki.Service (our TSA in process) and tsp.Client (a TSA over HTTP)
// satisfy it.
type Timestamper interface {
	Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error)
}

// ErrTimestampOverdue is wrapped by Log.Healthy's error when a record has
// waited longer than allowed for its timestamp.
var ErrTimestampOverdue = errors.New("message log timestamp overdue")

// BrokenError is Log.Verify's answer when the stored log is not what was
// recorded: Seq is the first record found wrong and Reason says how.
type BrokenError struct {
	Gateway string
	Seq     int64
	QueryID string
	Reason  string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("message log of gateway %s is broken at record %d (query ID %q): %s", e.Gateway, e.Seq, e.QueryID, e.Reason)
}

// Log is the message log of any number of gateways. It is safe for
// concurrent use, on one node or many.
type Log struct {
	db    *db.DB
	clock clock.Clock
	// MaxBatch bounds the records one timestamp covers; DefaultMaxBatch
	// when not positive.
	MaxBatch int

	// mu guards the group commit of Record: queue holds the entries
	// waiting for a transaction, and writing tells that a caller is
	// writing a group, which hands the next group on when it is done.
	mu      sync.Mutex
	queue   []*pending
	writing bool
}

// New returns the log over d, which must have the bus module's migrations
// applied.
func New(d *db.DB, c clock.Clock) *Log {
	return &Log{db: d, clock: c, MaxBatch: DefaultMaxBatch}
}

// Group commit: limits of the transaction that writes a group of records.
const (
	// maxGroup bounds the records one transaction writes, so that the
	// INSERT's parameters (13 a record) stay well within both engines'
	// limits and one slow group cannot hold up every caller.
	maxGroup = 256
	// groupTimeout bounds the transaction of one group. It runs for every
	// caller in the group, so none of their contexts cancels it.
	groupTimeout = 10 * time.Second
)

// pending is an entry of Record waiting for its group's transaction, and
// that transaction's outcome for it.
type pending struct {
	rec Record
	err error
	// lead tells the caller, once done is closed, that it must write the
	// next group rather than read an outcome.
	lead bool
	done chan struct{}
}

// Record appends e to its gateway's chain and returns the stored record,
// once its transaction has committed. It does not timestamp; see
// TimestampBatch.
//
// Records are committed in groups: while one caller's transaction runs,
// the entries of concurrent callers queue, and the next transaction
// writes all of them (up to 256) at once, so that a busy gateway pays one
// transaction, not one each, for its records. Within a group every
// gateway's records chain in the order Record was called, and each caller
// gets its own record with its Seq and Hash. The group is one
// transaction: if it fails, it fails for every caller in it, and none of
// their records is stored. A caller whose ctx ends while its entry still
// waits for a transaction gets ctx's error and its entry is not written;
// once the entry is being written, the caller waits for the outcome
// (at most 10 s), so that it is never told "failed" of a record that was
// stored.
func (l *Log) Record(ctx context.Context, e Entry) (Record, error) {
	if e.Gateway == "" || e.QueryID == "" {
		return Record{}, &apperr.Error{Code: apperr.EINVALID, Message: "error.invalid",
			Err: errors.New("message log entry without gateway or query ID")}
	}
	if err := ctx.Err(); err != nil {
		return Record{}, fmt.Errorf("record message log entry: %w", err)
	}
	if e.Time.IsZero() {
		e.Time = l.clock.Now()
	}
	// PostgreSQL keeps microseconds: the hash must cover what is read back.
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.RequestSignature, e.ResponseSignature = orEmpty(e.RequestSignature), orEmpty(e.ResponseSignature)
	p := &pending{rec: Record{Entry: e}, done: make(chan struct{})}

	l.mu.Lock()
	l.queue = append(l.queue, p)
	lead := !l.writing
	l.writing = true
	l.mu.Unlock()
	if !lead {
		select {
		case <-p.done:
		case <-ctx.Done():
			if l.withdraw(p) {
				return Record{}, fmt.Errorf("record message log entry: %w", ctx.Err())
			}
			<-p.done
		}
		if !p.lead {
			return p.rec, p.err
		}
	}
	l.writeNext(ctx)
	return p.rec, p.err
}

// withdraw takes p out of the queue if it is still waiting there and has
// not been handed the next group; it reports whether it did.
func (l *Log) withdraw(p *pending) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p.lead {
		return false
	}
	for i, q := range l.queue {
		if q == p {
			l.queue = append(l.queue[:i], l.queue[i+1:]...)
			return true
		}
	}
	return false
}

// writeNext writes the group at the head of the queue, which holds the
// caller's own entry, then hands the queue on to the first entry that
// arrived meanwhile, or marks that nobody is writing. The hand-over is
// deferred, so that a panic in writing cannot leave the queue without a
// writer.
func (l *Log) writeNext(ctx context.Context) {
	l.mu.Lock()
	n := min(len(l.queue), maxGroup)
	group := slices.Clone(l.queue[:n])
	rest := copy(l.queue, l.queue[n:])
	clear(l.queue[rest:])
	l.queue = l.queue[:rest]
	l.mu.Unlock()

	err := errGroupAborted
	defer func() {
		l.mu.Lock()
		if len(l.queue) > 0 {
			next := l.queue[0]
			next.lead = true
			close(next.done)
		} else {
			l.writing = false
		}
		l.mu.Unlock()
		for _, p := range group {
			if err != nil {
				p.rec, p.err = Record{}, err
			}
			// The writer's own done is closed already if the group was
			// handed to it, and nobody waits on it otherwise.
			if !p.lead {
				close(p.done)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	defer cancel()
	err = l.writeGroup(ctx, group)
}

// errGroupAborted is the outcome of a group whose writing never returned.
var errGroupAborted = errors.New("message log group commit aborted")

// recordParams are the columns of a bus_message_log row that Record
// writes, in the order of recordValues.
const recordParams = 13

// writeGroup appends the entries of group to their gateways' chains in one
// transaction, setting each one's record. Each gateway's head is read and
// locked first, in the order of the gateways' names so that two nodes
// writing groups of the same gateways cannot deadlock; on PostgreSQL the
// lock holds until commit, so that groups of several nodes chain in
// commit order.
func (l *Log) writeGroup(ctx context.Context, group []*pending) error {
	var gateways []string
	for _, p := range group {
		if !slices.Contains(gateways, p.rec.Gateway) {
			gateways = append(gateways, p.rec.Gateway)
		}
	}
	slices.Sort(gateways)
	return l.db.Tx(ctx, func(tx *sql.Tx) error {
		// The no-op update creates a head on a gateway's first record and
		// locks it on PostgreSQL.
		var q strings.Builder
		args := make([]any, 0, 2*len(gateways))
		q.WriteString(`INSERT INTO bus_message_log_heads (gateway, seq, hash) VALUES `)
		for i, g := range gateways {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "($%d, 0, $%d)", 2*i+1, 2*i+2)
			args = append(args, g, []byte{})
		}
		q.WriteString(` ON CONFLICT (gateway) DO UPDATE SET seq = bus_message_log_heads.seq RETURNING gateway, seq, hash`)
		rows, err := tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("message log heads: %w", err)
		}
		type head struct {
			seq  int64
			hash []byte
		}
		heads := make(map[string]*head, len(gateways))
		for rows.Next() {
			var g string
			h := &head{}
			if err := rows.Scan(&g, &h.seq, &h.hash); err != nil {
				_ = rows.Close()
				return fmt.Errorf("message log heads: %w", err)
			}
			heads[g] = h
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("message log heads: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("message log heads: %w", err)
		}
		for _, p := range group {
			h := heads[p.rec.Gateway]
			if h == nil {
				return fmt.Errorf("message log head of %s was not returned", p.rec.Gateway)
			}
			r := &p.rec
			r.Seq, r.PrevHash = h.seq+1, orEmpty(h.hash)
			r.Hash = r.Sum()
			h.seq, h.hash = r.Seq, r.Hash
		}
		b := l.db.Batch(tx)
		q.Reset()
		args = make([]any, 0, recordParams*len(group))
		q.WriteString(`INSERT INTO bus_message_log (gateway, seq, query_id, client_id, service_id, at,
			request_hash, request_signature, response_hash, response_signature, status, prev_hash, record_hash) VALUES `)
		for i, p := range group {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j := range recordParams {
				if j > 0 {
					q.WriteString(", ")
				}
				fmt.Fprintf(&q, "$%d", recordParams*i+j+1)
			}
			q.WriteByte(')')
			r := p.rec
			args = append(args, r.Gateway, r.Seq, r.QueryID, r.Client, r.Service, r.Time, r.RequestHash, r.RequestSignature,
				r.ResponseHash, r.ResponseSignature, r.Status, r.PrevHash, r.Hash)
		}
		if _, err := b.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("insert message log records: %w", err)
		}
		for _, g := range gateways {
			h := heads[g]
			if _, err := b.ExecContext(ctx, `UPDATE bus_message_log_heads SET seq = $1, hash = $2 WHERE gateway = $3`,
				h.seq, h.hash, g); err != nil {
				return fmt.Errorf("advance message log head: %w", err)
			}
		}
		if err := b.Flush(ctx); err != nil {
			return fmt.Errorf("insert message log records: %w", err)
		}
		return nil
	})
}

// orEmpty turns nil into an empty slice, which the NOT NULL columns take.
func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// TimestampBatch timestamps, for every gateway with records waiting, its
// oldest waiting records (at most MaxBatch) as one batch: it asks tsa for
// a token over BatchDigest of their hashes, outside any transaction, then
// stores the token and marks the records. It returns how many records it
// timestamped. A gateway whose records another node timestamped meanwhile
// is skipped; a failure for one gateway does not stop the others and is
// returned joined with the rest.
func (l *Log) TimestampBatch(ctx context.Context, tsa Timestamper) (int, error) {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT DISTINCT gateway FROM bus_message_log WHERE batch_id IS NULL ORDER BY gateway`)
	if err != nil {
		return 0, fmt.Errorf("gateways waiting for timestamps: %w", err)
	}
	gateways, err := db.Collect(rows, func(s interface{ Scan(...any) error }) (string, error) {
		var g string
		return g, s.Scan(&g)
	})
	if err != nil {
		return 0, fmt.Errorf("gateways waiting for timestamps: %w", err)
	}
	total := 0
	var errs []error
	for _, g := range gateways {
		n, err := l.timestampGateway(ctx, tsa, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("timestamp message log of %s: %w", g, err))
		}
		total += n
	}
	return total, errors.Join(errs...)
}

// timestampGateway timestamps one batch of gateway's waiting records.
func (l *Log) timestampGateway(ctx context.Context, tsa Timestamper, gateway string) (int, error) {
	limit := l.MaxBatch
	if limit <= 0 {
		limit = DefaultMaxBatch
	}
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT seq, record_hash FROM bus_message_log
		WHERE gateway = $1 AND batch_id IS NULL ORDER BY seq LIMIT $2`, gateway, limit)
	if err != nil {
		return 0, err
	}
	type pending struct {
		seq  int64
		hash []byte
	}
	recs, err := db.Collect(rows, func(s interface{ Scan(...any) error }) (pending, error) {
		var p pending
		return p, s.Scan(&p.seq, &p.hash)
	})
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	hashes := make([][]byte, len(recs))
	for i, p := range recs {
		hashes[i] = p.hash
	}
	digest := BatchDigest(hashes)
	token, err := tsa.Timestamp(ctx, crypto.SHA256, digest)
	if err != nil {
		return 0, fmt.Errorf("TSA: %w", err)
	}
	// A token that is not over the digest would be worthless evidence.
	genTime, ok := tokenTime(token, digest)
	if !ok {
		return 0, errors.New("the TSA's token is not a SHA-256 token over the batch digest")
	}
	first, last := recs[0].seq, recs[len(recs)-1].seq
	id := db.NewID()
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bus_message_log_batches (id, gateway, first_seq, last_seq, digest, token, timestamped_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, gateway, first, last, digest, token,
			genTime.UTC().Truncate(time.Microsecond)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE bus_message_log SET batch_id = $1
			WHERE gateway = $2 AND seq BETWEEN $3 AND $4 AND batch_id IS NULL`, id, gateway, first, last)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(recs)) {
			return errRaced
		}
		return nil
	})
	if e := apperr.As(err); errors.Is(err, errRaced) || e != nil && e.Code == apperr.ECONFLICT {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return len(recs), nil
}

// errRaced rolls back a batch whose records another node timestamped
// between reading and marking them.
var errRaced = errors.New("records timestamped meanwhile")

// Healthy returns nil when gateway may accept messages: none of its records
// has waited longer than maxAge for a timestamp. Otherwise it returns an
// error wrapping ErrTimestampOverdue that says which record waits since
// when, and when the gateway's last batch was timestamped.
func (l *Log) Healthy(ctx context.Context, gateway string, maxAge time.Duration) error {
	var (
		seq     int64
		queryID string
		at      time.Time
	)
	err := l.db.Reader().QueryRowContext(ctx, `SELECT seq, query_id, at FROM bus_message_log
		WHERE gateway = $1 AND batch_id IS NULL ORDER BY seq LIMIT 1`, gateway).Scan(&seq, &queryID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("message log health of %s: %w", gateway, err)
	}
	waited := l.clock.Now().Sub(at)
	if waited <= maxAge {
		return nil
	}
	last := "no batch of it has been timestamped yet"
	var ts time.Time
	err = l.db.Reader().QueryRowContext(ctx, `SELECT timestamped_at FROM bus_message_log_batches
		WHERE gateway = $1 ORDER BY last_seq DESC LIMIT 1`, gateway).Scan(&ts)
	switch {
	case err == nil:
		last = "its last batch was timestamped at " + ts.UTC().Format(time.RFC3339)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("message log health of %s: %w", gateway, err)
	}
	return fmt.Errorf("%w: gateway %s: record %d (query ID %q) of %s has waited %s for a timestamp, more than the %s allowed; %s",
		ErrTimestampOverdue, gateway, seq, queryID, at.UTC().Format(time.RFC3339), waited.Round(time.Second), maxAge, last)
}

// recordColumns are the columns scanRecord reads, in its order.
const recordColumns = `gateway, seq, query_id, client_id, service_id, at, request_hash, request_signature,
	response_hash, response_signature, status, prev_hash, record_hash, COALESCE(batch_id, '')`

func scanRecord(s interface{ Scan(...any) error }) (Record, error) {
	var r Record
	err := s.Scan(&r.Gateway, &r.Seq, &r.QueryID, &r.Client, &r.Service, &r.Time, &r.RequestHash, &r.RequestSignature,
		&r.ResponseHash, &r.ResponseSignature, &r.Status, &r.PrevHash, &r.Hash, &r.Batch)
	r.Time = r.Time.UTC()
	return r, err
}

// Evidence returns the evidence of the exchanges with queryID on gateway,
// in the order recorded: one, unless a client reused the ID. No record is
// ENOTFOUND.
func (l *Log) Evidence(ctx context.Context, gateway, queryID string) ([]Evidence, error) {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT `+recordColumns+` FROM bus_message_log
		WHERE gateway = $1 AND query_id = $2 ORDER BY seq`, gateway, queryID)
	if err != nil {
		return nil, fmt.Errorf("message log evidence: %w", err)
	}
	recs, err := db.Collect(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("message log evidence: %w", err)
	}
	if len(recs) == 0 {
		return nil, &apperr.Error{Code: apperr.ENOTFOUND, Message: "error.not_found",
			Err: fmt.Errorf("no message log record of query ID %q on gateway %s", queryID, gateway)}
	}
	out := make([]Evidence, len(recs))
	for i, r := range recs {
		out[i].Record = r
		if r.Batch != "" {
			if out[i].Batch, err = l.batch(ctx, r.Batch); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// batch reads batch id with its records' hashes.
func (l *Log) batch(ctx context.Context, id string) (*Batch, error) {
	b := &Batch{ID: id}
	if err := l.db.Reader().QueryRowContext(ctx, `SELECT gateway, first_seq, last_seq, digest, token, timestamped_at
		FROM bus_message_log_batches WHERE id = $1`, id).Scan(&b.Gateway, &b.FirstSeq, &b.LastSeq, &b.Digest, &b.Token, &b.Time); err != nil {
		return nil, fmt.Errorf("message log batch %s: %w", id, err)
	}
	b.Time = b.Time.UTC()
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT record_hash FROM bus_message_log
		WHERE gateway = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`, b.Gateway, b.FirstSeq, b.LastSeq)
	if err != nil {
		return nil, fmt.Errorf("message log batch %s: %w", id, err)
	}
	if b.Hashes, err = db.Collect(rows, func(s interface{ Scan(...any) error }) ([]byte, error) {
		var h []byte
		return h, s.Scan(&h)
	}); err != nil {
		return nil, fmt.Errorf("message log batch %s: %w", id, err)
	}
	return b, nil
}

// tokenTime returns the time of token when it is a SHA-256 timestamp token
// over digest; ok is false otherwise.
func tokenTime(token, digest []byte) (t time.Time, ok bool) {
	tok, err := tsp.ParseToken(token)
	if err != nil || tok.Info.Hash != crypto.SHA256 || !bytes.Equal(tok.Info.HashedMessage, digest) {
		return time.Time{}, false
	}
	return tok.Info.Time, true
}

// Verify recomputes gateway's chain in the database from its first
// record, or from the last archived one: every record's hash must be its
// Sum, link to the previous record's hash, and number one more than it;
// the last must be the chain's head; and every batch's digest must be
// BatchDigest of its records' hashes and its token over that digest. It
// returns nil when all hold, else a *BrokenError naming the first record
// found wrong. The archive files themselves are checked by VerifyArchive.
func (l *Log) Verify(ctx context.Context, gateway string) error {
	seq, hash, err := l.archivedTail(ctx, gateway)
	if err != nil {
		return err
	}
	return l.VerifyFrom(ctx, gateway, seq, hash)
}

// verifyBatches checks gateway's batches against the record hashes found
// in each (hashes, by batch ID, in sequence order).
func (l *Log) verifyBatches(ctx context.Context, gateway string, hashes map[string][][]byte) error {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT id, first_seq, last_seq, digest, token FROM bus_message_log_batches
		WHERE gateway = $1 ORDER BY first_seq`, gateway)
	if err != nil {
		return fmt.Errorf("verify message log batches of %s: %w", gateway, err)
	}
	batches, err := db.Collect(rows, func(s interface{ Scan(...any) error }) (Batch, error) {
		var b Batch
		return b, s.Scan(&b.ID, &b.FirstSeq, &b.LastSeq, &b.Digest, &b.Token)
	})
	if err != nil {
		return fmt.Errorf("verify message log batches of %s: %w", gateway, err)
	}
	for _, b := range batches {
		fail := func(reason string) error {
			return &BrokenError{Gateway: gateway, Seq: b.FirstSeq, Reason: fmt.Sprintf("batch %s of records %d-%d: %s", b.ID, b.FirstSeq, b.LastSeq, reason)}
		}
		hs := hashes[b.ID]
		if int64(len(hs)) != b.LastSeq-b.FirstSeq+1 {
			return fail("its records are not all marked with it")
		}
		if !bytes.Equal(BatchDigest(hs), b.Digest) {
			return fail("its digest does not match its records")
		}
		if _, ok := tokenTime(b.Token, b.Digest); !ok {
			return fail("its timestamp token is not over its digest")
		}
	}
	return nil
}
