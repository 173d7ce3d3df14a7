package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
)

// Page sizes of List.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// Filter selects entries for List. Nil fields match everything.
type Filter struct {
	Actor      *string
	ObjectType *string
	ObjectID   *string
	// Limit is the page size: 50 when 0, at most 1000. Offset skips that
	// many matching entries.
	Limit  int
	Offset int
}

// List returns the entries matching f, newest first, one page at a time, and
// how many match in all. Returns EINVALID for a negative Limit or Offset.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, int, error) {
	page, total, err := l.list(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit entries: %w", err)
	}
	return page, total, nil
}

func (l *Log) list(ctx context.Context, f Filter) ([]Entry, int, error) {
	bad := map[string]string{}
	if f.Limit < 0 {
		bad["limit"] = "must not be negative"
	}
	if f.Offset < 0 {
		bad["offset"] = "must not be negative"
	}
	if len(bad) > 0 {
		return nil, 0, apperr.Invalid("invalid audit filter", bad)
	}
	limit := f.Limit
	if limit == 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)

	var q db.Filter
	q.AddIf("actor = %s", f.Actor)
	q.AddIf("object_type = %s", f.ObjectType)
	q.AddIf("object_id = %s", f.ObjectID)
	cond := q.Where()

	var total int
	if err := l.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM audit_log`+cond, q.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT seq, id, at, actor, action, object_type, object_id,
		ip, request_id, user_agent, details, prev_hash, hash
		FROM audit_log`+cond+" ORDER BY seq DESC"+q.Page(limit, f.Offset), q.Args()...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		var at time.Time
		var details string
		if err := rows.Scan(&e.Seq, &e.ID, &at, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.Source.IP, &e.Source.RequestID, &e.Source.UserAgent, &details, &e.PrevHash, &e.Hash); err != nil {
			return nil, 0, err
		}
		e.At = at.UTC()
		dec := json.NewDecoder(strings.NewReader(details))
		dec.UseNumber()
		if err := dec.Decode(&e.Details); err != nil {
			return nil, 0, fmt.Errorf("details of entry %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
