package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

// Limits of the data tracker.
const (
	// MaxAccesses is the most accesses Accesses returns at once.
	MaxAccesses = 1000
	// maxIssue bounds the purpose stored, in characters. A longer one is
	// cut rather than refused, so that no caller keeps its access off a
	// person's list by stating a long purpose.
	maxIssue = 500
)

// Access is one exchange about a person that reached a provider service:
// who asked, for which service, why, and when.
type Access struct {
	// PINFL is the person's personal identification number, 14 digits.
	PINFL string
	// Client is the calling subsystem, as xroad.ClientID.String writes it.
	Client string
	// Service is the service called, as xroad.ServiceID.String writes it.
	Service string
	// Issue is X-Road-Issue, the purpose the caller stated; may be empty.
	Issue string
	// QueryID is X-Road-Id, which finds the exchange in the message log.
	QueryID string
	// At is when the service was called; Record fills in the tracker's
	// clock when it is zero.
	At time.Time
}

// Tracker is the data tracker: it keeps which information systems asked
// the bus about which person, so that the person can see who looked at
// their data. It is safe for concurrent use.
type Tracker struct {
	db    *db.DB
	clock clock.Clock
}

// NewTracker returns the tracker over d, which must have Migrations applied.
func NewTracker(d *db.DB, c clock.Clock) *Tracker {
	return &Tracker{db: d, clock: c}
}

// PINFLOf returns the PINFL that an X-Road-UserId carries: the country
// prefix "UZ" followed by exactly 14 digits. Anything else names no person
// of ours and reports false.
func PINFLOf(userID string) (string, bool) {
	pinfl, ok := strings.CutPrefix(userID, "UZ")
	if !ok || !isPINFL(pinfl) {
		return "", false
	}
	return pinfl, true
}

// isPINFL tells whether s is 14 ASCII digits.
func isPINFL(s string) bool {
	if len(s) != 14 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Record stores a, with its purpose cut to 500 characters. Its errors are
// for logs, not people: EINVALID without a 14-digit PINFL, a client, a
// service or a query ID.
func (t *Tracker) Record(ctx context.Context, a Access) error {
	if !isPINFL(a.PINFL) || a.Client == "" || a.Service == "" || a.QueryID == "" {
		return &apperr.Error{Code: apperr.EINVALID, Message: "error.invalid",
			Err: errors.New("data access without a PINFL, client, service or query ID")}
	}
	if a.At.IsZero() {
		a.At = t.clock.Now()
	}
	issue := strings.ToValidUTF8(a.Issue, "\uFFFD")
	if utf8.RuneCountInString(issue) > maxIssue {
		issue = string([]rune(issue)[:maxIssue])
	}
	_, err := t.db.Writer().ExecContext(ctx, `INSERT INTO bus_data_accesses (id, pinfl, client_id, service_id, issue, query_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		db.NewID(), a.PINFL, a.Client, a.Service, issue, a.QueryID, a.At.UTC().Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("record data access: %w", err)
	}
	return nil
}

// Accesses returns the latest accesses to the data of the person with
// pinfl, newest first, at most limit of them (1..MaxAccesses).
func (t *Tracker) Accesses(ctx context.Context, pinfl string, limit int) ([]Access, error) {
	if limit < 1 || limit > MaxAccesses {
		return nil, &apperr.Error{Code: apperr.EINVALID, Message: "error.invalid",
			Err: fmt.Errorf("data access limit %d outside 1..%d", limit, MaxAccesses)}
	}
	rows, err := t.db.Reader().QueryContext(ctx, `SELECT pinfl, client_id, service_id, issue, query_id, at
		FROM bus_data_accesses WHERE pinfl = $1 ORDER BY at DESC, id DESC LIMIT $2`, pinfl, limit)
	if err != nil {
		return nil, fmt.Errorf("data accesses: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (Access, error) {
		var a Access
		err := row.Scan(&a.PINFL, &a.Client, &a.Service, &a.Issue, &a.QueryID, &a.At)
		a.At = a.At.UTC()
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("data accesses: %w", err)
	}
	return out, nil
}
