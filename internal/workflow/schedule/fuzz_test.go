package schedule

import (
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// slow is how long parsing and computing one timer may take on any input,
// with room for a busy machine running fuzz workers side by side.
const slow = time.Second

func fuzzCalendar(loc *time.Location) *Calendar {
	cal := NewCalendar(loc)
	cal.AddHoliday(time.Date(2026, 3, 20, 0, 0, 0, 0, loc))
	cal.AddWorkingDay(time.Date(2026, 12, 5, 0, 0, 0, 0, loc))
	return cal
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{
		"PT5M", "P5D", "P1M", "P2W", "P5WD", "P0WD", "P1Y2M3W4DT5H6M7.5S", "PT1.5H", "PT0,5S",
		"PT2562047H47M16.854775807S", "P1000Y12000M52178W365242WD", "P1D1W", "PT1.5H30M", "-P1D", "P",
	} {
		f.Add(s)
	}
	loc := time.FixedZone("UZT", 5*3600)
	cal := fuzzCalendar(loc)
	from := time.Date(2026, 12, 4, 17, 30, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		d, err := ParseDuration(s)
		if err != nil {
			if e := apperr.As(err); e == nil || e.Code != apperr.EINVALID || e.Message != MsgInvalid || len(e.Args) != 1 {
				t.Fatalf("%q: error %#v", s, err)
			}
			return
		}
		if len(s) > MaxLen {
			t.Fatalf("%q: accepted %d bytes", s, len(s))
		}
		out := d.String()
		d2, err := ParseDuration(out)
		if err != nil {
			t.Fatalf("%q: String %q does not parse: %v", s, out, err)
		}
		if d2 != d {
			t.Fatalf("%q: %+v, String %q, re-parsed %+v", s, d, out, d2)
		}
		if d.Years > maxYears || d.Months > maxMonths || d.Weeks > maxWeeks || d.Days > maxDays || d.Clock < 0 {
			t.Fatalf("%q: out of bounds: %+v", s, d)
		}
		r := d.After(from, cal)
		if r.Before(from) {
			t.Fatalf("%q: After(%s) = %s is earlier", s, from, r)
		}
		if d.WorkingDays && d.Clock == 0 && !cal.IsWorkingDay(r) {
			t.Fatalf("%q: After(%s) = %s is not a working day", s, from, r)
		}
		if el := time.Since(start); el > slow {
			t.Fatalf("%q: took %s", s, el)
		}
	})
}

func FuzzParseCycle(f *testing.F) {
	for _, s := range []string{
		"R5/PT10M", "R/P1D", "R3/2026-12-01T09:00:00Z/PT1H", "R/2026-12-04/P1WD", "R0/PT1S",
		"R/2026-01-31T12:00+05:00/P1M", "R2147483647/PT1S", "R/1900-01-01T00:00:00-23:59/PT1S",
		"R/9999-12-31T23:59:59.999999999+05:00/P1Y", "R3/PT1H/2026-12-01T09:00:00Z", "R/PT0S",
	} {
		f.Add(s)
	}
	loc := time.FixedZone("UZT", 5*3600)
	cal := fuzzCalendar(loc)
	from := time.Date(2026, 12, 4, 17, 30, 0, 0, loc)
	after := time.Date(2027, 6, 1, 12, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		c, err := ParseCycle(s, loc)
		if err != nil {
			if e := apperr.As(err); e == nil || e.Code != apperr.EINVALID || e.Message != MsgInvalid || len(e.Args) != 1 {
				t.Fatalf("%q: error %#v", s, err)
			}
			return
		}
		out := c.String()
		c2, err := ParseCycle(out, loc)
		if err != nil {
			t.Fatalf("%q: String %q does not parse: %v", s, out, err)
		}
		if c2.Repeat != c.Repeat || c2.Interval != c.Interval || !c2.Start.Equal(c.Start) {
			t.Fatalf("%q: %+v, String %q, re-parsed %+v", s, c, out, c2)
		}
		if c.Repeat < Unbounded || (c.Interval.IsZero()) {
			t.Fatalf("%q: %+v", s, c)
		}
		// Firings increase, and Next finds the first one after a time.
		var prev time.Time
		for i := range 4 {
			at, ok := c.At(from, i, cal)
			if !ok {
				break
			}
			if i > 0 && !at.After(prev) {
				t.Fatalf("%q: At(%d) = %s, not after %s", s, i, at, prev)
			}
			prev = at
		}
		next, i, ok := c.Next(from, after, cal)
		if ok {
			if !next.After(after) {
				t.Fatalf("%q: Next(%s) = %s", s, after, next)
			}
			if at, ok := c.At(from, i, cal); !ok || !at.Equal(next) {
				t.Fatalf("%q: Next gave firing %d at %s, At gives %s", s, i, next, at)
			}
			if i > 0 {
				if at, ok := c.At(from, i-1, cal); !ok || at.After(after) {
					t.Fatalf("%q: firing %d at %s is already after %s", s, i-1, at, after)
				}
			}
		} else if at, ok := c.At(from, 0, cal); ok && at.After(after) {
			t.Fatalf("%q: Next found nothing, but At(0) = %s", s, at)
		}
		if el := time.Since(start); el > slow {
			t.Fatalf("%q: took %s", s, el)
		}
	})
}
