package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Kinds of Problem. How Verify tells them apart is described at Verify.
const (
	KindAltered  = "altered"
	KindInserted = "inserted"
	KindDeleted  = "deleted"
)

// Problem is the first break Verify found in the chain.
type Problem struct {
	// Seq is the entry the break shows at: the altered or inserted entry,
	// or the first missing number for deleted entries. 0 means the head row.
	Seq int64
	// Kind is KindAltered, KindInserted or KindDeleted.
	Kind string
	// Detail says what was found, in one line of English for operators.
	Detail string
}

// Report is the outcome of Verify.
type Report struct {
	// Checked counts the entries found good, in seq order, before the first
	// problem (all of them when there is none).
	Checked int64
	// OK is true when the whole chain and the head agree.
	OK bool
	// Problem is the first break when OK is false.
	Problem *Problem
}

// String is a one-line report for operators, as printed by
// `egov audit verify`.
func (r Report) String() string {
	switch {
	case r.OK:
		return fmt.Sprintf("audit log OK: %s verified", entries(r.Checked))
	case r.Problem == nil:
		return "audit log not verified"
	}
	p := r.Problem
	return fmt.Sprintf("audit log BROKEN at seq %d (%s): %s; %s verified before it", p.Seq, p.Kind, p.Detail, entries(r.Checked))
}

// Verify reads the whole log in seq order from one consistent snapshot,
// recomputes every hash and link, and compares the end of the chain with the
// head. It keeps only the previous entry in memory, so any length of log can
// be verified. It reports the first problem and stops there; a returned error
// means the database could not be read, not that the log is bad.
//
// Each entry is checked in this order, and the first failing check decides:
//
//  1. An entry numbered below 1, or above the head's last number, is
//     "inserted": the log never wrote it (or the head was rolled back).
//  2. An entry whose stored hash does not match its contents is "altered".
//     This comes before the checks of links, so a row slipped in with a
//     made-up hash shows as altered, as does a genuine entry that was
//     renumbered to make room for one (its number is part of its hash).
//  3. A gap in the numbers, where the entry after the gap does not link to
//     the entry before it, is "deleted": genuine entries cannot be renumbered
//     without changing their hash, so removing entries always leaves a gap.
//     Problem.Seq is the first missing number.
//  4. An entry that skips numbers yet links to the entry before the gap is
//     "inserted": the log never writes that, so the entry is a forgery.
//  5. An entry at the next number that does not link to the entry before it
//     is "inserted": a consistent forged entry has taken the place of a real
//     one. It may be this entry or the one before (an entry altered with its
//     hash recomputed shows here, at the next entry); the chain alone cannot
//     tell which, so Problem.Seq names the first entry where the break shows.
//
// After the last entry: if the head names a later number, the entries after
// the last are "deleted" (Problem.Seq is the first missing); if it names the
// same number but another hash, the last entry was replaced or the head
// changed, reported as "inserted" at the last entry. A missing head row is
// reported as "deleted" at seq 0.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	rep, err := l.verify(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("verify audit log: %w", err)
	}
	return rep, nil
}

func (l *Log) verify(ctx context.Context) (Report, error) {
	// Repeatable read gives one snapshot on PostgreSQL; on SQLite any read
	// transaction does. Appends that commit meanwhile are not seen.
	tx, err := l.db.Reader().BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Report{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()

	c := chain{next: 1, prevHash: genesisHash}
	err = tx.QueryRowContext(ctx, `SELECT last_seq, last_hash FROM audit_head WHERE id = 1`).Scan(&c.headSeq, &c.headHash)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{Problem: &Problem{Seq: 0, Kind: KindDeleted, Detail: "the head row of the log is missing"}}, nil
	}
	if err != nil {
		return Report{}, fmt.Errorf("read head: %w", err)
	}

	rows, err := tx.QueryContext(ctx, `SELECT seq, at, id, actor, action, object_type, object_id,
		ip, request_id, user_agent, details, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return Report{}, fmt.Errorf("read entries: %w", err)
	}
	defer rows.Close()
	var (
		rep  Report
		r    row
		at   any
		text [11]sql.NullString
	)
	dest := []any{&r.seq, &at}
	for i := range text {
		dest = append(dest, &text[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return Report{}, fmt.Errorf("read entry after %d: %w", c.next-1, err)
		}
		// A NULL or a time that does not parse cannot be what was hashed;
		// such an entry is treated as altered.
		var readable bool
		r.at, readable = at.(time.Time)
		for _, t := range text {
			readable = readable && t.Valid
		}
		r.id, r.actor, r.action, r.objectType, r.objectID = text[0].String, text[1].String, text[2].String, text[3].String, text[4].String
		r.ip, r.requestID, r.userAgent, r.details = text[5].String, text[6].String, text[7].String, text[8].String
		r.prevHash, r.hash = text[9].String, text[10].String
		if p := c.check(&r, readable); p != nil {
			rep.Problem = p
			return rep, nil
		}
		rep.Checked++
	}
	if err := rows.Err(); err != nil {
		return Report{}, fmt.Errorf("read entries: %w", err)
	}
	if p := c.finish(); p != nil {
		// A replaced last entry was counted as good above.
		rep.Checked = min(rep.Checked, max(p.Seq-1, 0))
		rep.Problem = p
		return rep, nil
	}
	rep.OK = true
	return rep, nil
}

// chain is Verify's state between entries.
type chain struct {
	headSeq  int64
	headHash string
	// next is the number the next entry must have, and prevHash the hash
	// it must link to: those of the last good entry, or of the genesis.
	next     int64
	prevHash string
	h        hasher
}

// check applies the rules documented at Verify to r, the entry after the
// last good one, and returns the problem it shows or nil (and then moves on).
func (c *chain) check(r *row, readable bool) *Problem {
	prev := c.next - 1
	switch {
	case r.seq < c.next:
		return &Problem{Seq: r.seq, Kind: KindInserted,
			Detail: fmt.Sprintf("entry %d is numbered below 1, where the log starts", r.seq)}
	case r.seq > c.headSeq:
		return &Problem{Seq: r.seq, Kind: KindInserted,
			Detail: fmt.Sprintf("entry %d lies beyond the head (last entry %d): it was not appended through the log, or the head was rolled back", r.seq, c.headSeq)}
	case !readable:
		return &Problem{Seq: r.seq, Kind: KindAltered,
			Detail: fmt.Sprintf("entry %d has a NULL field or an unreadable time", r.seq)}
	case string(c.h.sum(r)) != r.hash:
		return &Problem{Seq: r.seq, Kind: KindAltered,
			Detail: fmt.Sprintf("the stored hash of entry %d does not match its contents", r.seq)}
	case r.seq > c.next && r.prevHash != c.prevHash:
		return &Problem{Seq: c.next, Kind: KindDeleted,
			Detail: fmt.Sprintf("%s missing: entry %d does not link to %s", span(c.next, r.seq-1), r.seq, entryName(prev))}
	case r.seq > c.next:
		return &Problem{Seq: r.seq, Kind: KindInserted,
			Detail: fmt.Sprintf("entry %d links to %s but skips %s, which the log never does", r.seq, entryName(prev), numbers(c.next, r.seq-1))}
	case r.prevHash != c.prevHash:
		return &Problem{Seq: r.seq, Kind: KindInserted,
			Detail: fmt.Sprintf("entry %d does not link to %s: a forged entry has replaced one of them", r.seq, entryName(prev))}
	}
	c.next = r.seq + 1
	c.prevHash = r.hash
	return nil
}

// finish compares the end of the chain with the head and returns the problem
// it shows, or nil.
func (c *chain) finish() *Problem {
	last := c.next - 1
	switch {
	case last < c.headSeq:
		return &Problem{Seq: c.next, Kind: KindDeleted,
			Detail: fmt.Sprintf("%s missing from the end: the head says the last entry is %d", span(c.next, c.headSeq), c.headSeq)}
	case c.prevHash != c.headHash && last == 0:
		return &Problem{Seq: 0, Kind: KindAltered,
			Detail: "the head of the empty log holds a hash other than the genesis"}
	case c.prevHash != c.headHash:
		return &Problem{Seq: last, Kind: KindInserted,
			Detail: fmt.Sprintf("entry %d is not the entry the head recorded: a forged entry has replaced it, or the head was changed", last)}
	}
	return nil
}

// span names the entries from to to, inclusive, with a verb.
func span(from, to int64) string {
	if from == to {
		return fmt.Sprintf("entry %d is", from)
	}
	return fmt.Sprintf("entries %d to %d are", from, to)
}

// numbers names the numbers from to to, inclusive.
func numbers(from, to int64) string {
	if from == to {
		return fmt.Sprintf("number %d", from)
	}
	return fmt.Sprintf("numbers %d to %d", from, to)
}

// entries counts n entries in words.
func entries(n int64) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

// entryName names entry seq, or the start of the log for 0.
func entryName(seq int64) string {
	if seq == 0 {
		return "the start of the log"
	}
	return fmt.Sprintf("entry %d", seq)
}
