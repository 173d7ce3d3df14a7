package bus_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

func TestPINFLOf(t *testing.T) {
	for _, tc := range []struct {
		userID, pinfl string
		ok            bool
	}{
		{"UZ30101900000011", "30101900000011", true},
		{"UZ00000000000000", "00000000000000", true},
		{"", "", false},
		{"UZ", "", false},
		{"30101900000011", "", false},          // no country
		{"EE30101900000011", "", false},        // another country's person
		{"uz30101900000011", "", false},        // the prefix is upper case
		{"UZ3010190000001", "", false},         // 13 digits
		{"UZ301019000000111", "", false},       // 15 digits
		{"UZ3010190000001a", "", false},        // a letter
		{"UZ 30101900000011", "", false},       // a space
		{"UZ30101900000011 ", "", false},       // trailing space
		{"UZ３0101900000011", "", false},        // a full-width digit
		{"UZ/GOV/201122919/portal", "", false}, // a client, not a person
	} {
		pinfl, ok := bus.PINFLOf(tc.userID)
		if pinfl != tc.pinfl || ok != tc.ok {
			t.Errorf("PINFLOf(%q) = %q, %v; want %q, %v", tc.userID, pinfl, ok, tc.pinfl, tc.ok)
		}
	}
}

func TestTracker(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		c := clock.NewManual(start)
		tr := bus.NewTracker(d, c)
		const aziz, malika = "30101900000011", "40202900000022"
		births := "UZ/GOV/201122919/civil-registry/births"
		first := bus.Access{PINFL: aziz, Client: "UZ/GOV/207000001/bpm", Service: births,
			Issue: "ARIZA-2026-0042", QueryID: "q1", At: start.Add(-time.Hour)}
		for _, a := range []bus.Access{
			first,
			// A zero time is the tracker's now; the purpose is optional.
			{PINFL: aziz, Client: "UZ/GOV/207000001/portal", Service: births, QueryID: "q2"},
			{PINFL: malika, Client: "UZ/GOV/200935935/tax", Service: "UZ/GOV/201122919/civil-registry/marriages",
				Issue: "Soliq tekshiruvi", QueryID: "q3", At: start.Add(-time.Minute)},
		} {
			if err := tr.Record(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := tr.Accesses(ctx, aziz, 20)
		if err != nil {
			t.Fatal(err)
		}
		second := bus.Access{PINFL: aziz, Client: "UZ/GOV/207000001/portal", Service: births, QueryID: "q2", At: start}
		if len(got) != 2 || got[0] != second || got[1] != first {
			t.Errorf("Aziz's accesses %+v", got)
		}
		if got, err := tr.Accesses(ctx, aziz, 1); err != nil || len(got) != 1 || got[0].QueryID != "q2" {
			t.Errorf("the latest access: %+v %v", got, err)
		}
		if got, err := tr.Accesses(ctx, malika, 20); err != nil || len(got) != 1 || got[0].QueryID != "q3" {
			t.Errorf("Malika's accesses %+v %v", got, err)
		}
		if got, err := tr.Accesses(ctx, "50303900000033", 20); err != nil || len(got) != 0 {
			t.Errorf("nobody's accesses %+v %v", got, err)
		}

		// Accesses in the same instant come newest first too.
		c.Advance(time.Minute)
		for _, q := range []string{"s1", "s2", "s3"} {
			if err := tr.Record(ctx, bus.Access{PINFL: malika, Client: "UZ/GOV/207000001/portal", Service: births, QueryID: q}); err != nil {
				t.Fatal(err)
			}
		}
		got, err = tr.Accesses(ctx, malika, 3)
		if err != nil || len(got) != 3 || got[0].QueryID != "s3" || got[1].QueryID != "s2" || got[2].QueryID != "s1" {
			t.Errorf("same-instant accesses %+v %v", got, err)
		}

		// A long purpose is cut, not refused, and stored as valid UTF-8.
		long := strings.Repeat("ʻ", 600) + "\xff"
		if err := tr.Record(ctx, bus.Access{PINFL: "50303900000033", Client: "UZ/GOV/207000001/portal", Service: births,
			Issue: long, QueryID: "long"}); err != nil {
			t.Fatal(err)
		}
		if got, err := tr.Accesses(ctx, "50303900000033", 1); err != nil || len(got) != 1 ||
			utf8.RuneCountInString(got[0].Issue) != 500 || got[0].Issue != strings.Repeat("ʻ", 500) {
			t.Errorf("long purpose: %d characters, %v", utf8.RuneCountInString(got[0].Issue), err)
		}

		for _, a := range []bus.Access{
			{PINFL: "3010190000001", Client: "c", Service: "s", QueryID: "q"},
			{PINFL: "UZ30101900000011", Client: "c", Service: "s", QueryID: "q"},
			{PINFL: aziz, Service: "s", QueryID: "q"},
			{PINFL: aziz, Client: "c", QueryID: "q"},
			{PINFL: aziz, Client: "c", Service: "s"},
		} {
			if err := tr.Record(ctx, a); !apperr.Is(err, apperr.EINVALID) {
				t.Errorf("Record(%+v) = %v, want EINVALID", a, err)
			}
		}
		for _, n := range []int{0, -1, bus.MaxAccesses + 1} {
			if _, err := tr.Accesses(ctx, aziz, n); !apperr.Is(err, apperr.EINVALID) {
				t.Errorf("Accesses limit %d: %v, want EINVALID", n, err)
			}
		}
	})
}
