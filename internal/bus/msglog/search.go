package msglog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
)

// Limits of Search.
const (
	// DefaultSearchLimit is how many records Search returns when the
	// filter does not say.
	DefaultSearchLimit = 50
	// MaxSearchLimit is the most records one call of Search returns.
	MaxSearchLimit = 500
)

// Filter selects records for Search; zero fields do not filter.
type Filter struct {
	// QueryID finds the records of one exchange (X-Road-Id), on every
	// gateway that passed it.
	QueryID string
	// Member finds the records whose client is the member or one of its
	// subsystems, or whose service is one of its subsystems': the member's
	// identifier in wire form (xroad.ClientID.String), INSTANCE/CLASS/CODE.
	// A subsystem's identifier narrows it to that subsystem.
	Member string
	// Gateway finds the records of one gateway.
	Gateway string
	// From and To bound the time of the exchange: From inclusive, To
	// exclusive.
	From, To time.Time
	// After continues a listing: only records older than the cursor, the
	// Next of the previous page.
	After *Cursor
	// Limit bounds the page: DefaultSearchLimit when not positive, at most
	// MaxSearchLimit.
	Limit int
}

// Cursor is a place in the newest-first order of Search: the time, gateway
// and sequence number of the last record of a page. Records are ordered by
// time, then gateway, then sequence number, all descending, which is a
// total order because a gateway numbers its records uniquely.
type Cursor struct {
	Time    time.Time
	Gateway string
	Seq     int64
}

// String writes the cursor for a URL: the time in Unix microseconds, the
// sequence number and the gateway, separated by dots. The gateway comes
// last, so that it may hold any character.
func (c Cursor) String() string {
	return strconv.FormatInt(c.Time.UnixMicro(), 10) + "." + strconv.FormatInt(c.Seq, 10) + "." + c.Gateway
}

// ParseCursor reads a cursor written by Cursor.String. Errors: EINVALID
// "error.invalid" for anything else.
func ParseCursor(s string) (Cursor, error) {
	bad := &apperr.Error{Code: apperr.EINVALID, Message: "error.invalid", Err: fmt.Errorf("message log cursor %q", s)}
	us, rest, ok := strings.Cut(s, ".")
	if !ok {
		return Cursor{}, bad
	}
	seq, gateway, ok := strings.Cut(rest, ".")
	if !ok || gateway == "" {
		return Cursor{}, bad
	}
	t, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(seq, 10, 64)
	if err1 != nil || err2 != nil || n < 1 {
		return Cursor{}, bad
	}
	return Cursor{Time: time.UnixMicro(t).UTC(), Gateway: gateway, Seq: n}, nil
}

// Search returns the records f selects, newest first, and the cursor of the
// next page, nil when there is none. It is for finding exchanges, not for
// evidence: use Evidence for an exchange's batch and token.
func (l *Log) Search(ctx context.Context, f Filter) ([]Record, *Cursor, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	var w db.Filter
	if f.QueryID != "" {
		w.Add("query_id = %s", f.QueryID)
	}
	if f.Gateway != "" {
		w.Add("gateway = %s", f.Gateway)
	}
	if f.Member != "" {
		// A prefix compared with substr rather than LIKE, which would read
		// '_' as a wildcard and, in SQLite, ignore case. Identifiers in wire
		// form are ASCII, so characters are bytes.
		prefix := f.Member + "/"
		exact, n, p := w.Arg(f.Member), w.Arg(len(prefix)), w.Arg(prefix)
		w.Cond(fmt.Sprintf("(client_id = %s OR substr(client_id, 1, %s) = %s OR substr(service_id, 1, %s) = %s)", exact, n, p, n, p))
	}
	if !f.From.IsZero() {
		w.Add("at >= %s", f.From.UTC())
	}
	if !f.To.IsZero() {
		w.Add("at < %s", f.To.UTC())
	}
	if c := f.After; c != nil {
		t, g, s := w.Arg(c.Time.UTC()), w.Arg(c.Gateway), w.Arg(c.Seq)
		w.Cond(fmt.Sprintf("(at < %s OR (at = %s AND (gateway < %s OR (gateway = %s AND seq < %s))))", t, t, g, g, s))
	}
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT `+recordColumns+` FROM bus_message_log`+w.Where()+
		` ORDER BY at DESC, gateway DESC, seq DESC LIMIT `+w.Arg(limit+1), w.Args()...)
	if err != nil {
		return nil, nil, fmt.Errorf("search message log: %w", err)
	}
	recs, err := db.Collect(rows, scanRecord)
	if err != nil {
		return nil, nil, fmt.Errorf("search message log: %w", err)
	}
	if len(recs) <= limit {
		return recs, nil, nil
	}
	recs = recs[:limit]
	last := recs[limit-1]
	return recs, &Cursor{Time: last.Time, Gateway: last.Gateway, Seq: last.Seq}, nil
}

// TrafficRow counts the exchanges with one service that one gateway
// logged: the provider's gateway and the client's each log an exchange,
// so an exchange between two gateways is counted on both.
type TrafficRow struct {
	// Service is the service's identifier in wire form.
	Service string
	Gateway string
	// Exchanges counts the records; Errors those answered with an HTTP
	// status of 400 or more.
	Exchanges int64
	Errors    int64
}

// Traffic counts, per service and gateway, the exchanges logged at or
// after since and before until (no bound when zero), ordered by service
// and gateway as bytes, the same on every engine.
func (l *Log) Traffic(ctx context.Context, since, until time.Time) ([]TrafficRow, error) {
	if !until.IsZero() && until.Before(since) {
		return nil, &apperr.Error{Code: apperr.EINVALID, Message: "error.invalid",
			Err: errors.New("message log traffic: the period ends before it starts")}
	}
	var w db.Filter
	w.Add("at >= %s", since.UTC())
	if !until.IsZero() {
		w.Add("at < %s", until.UTC())
	}
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT service_id, gateway, COUNT(*),
		COALESCE(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) FROM bus_message_log`+w.Where()+`
		GROUP BY service_id, gateway`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("message log traffic: %w", err)
	}
	out, err := db.Collect(rows, func(s interface{ Scan(...any) error }) (TrafficRow, error) {
		var t TrafficRow
		return t, s.Scan(&t.Service, &t.Gateway, &t.Exchanges, &t.Errors)
	})
	if err != nil {
		return nil, fmt.Errorf("message log traffic: %w", err)
	}
	slices.SortFunc(out, func(a, b TrafficRow) int {
		return cmp.Or(strings.Compare(a.Service, b.Service), strings.Compare(a.Gateway, b.Gateway))
	})
	return out, nil
}
