package schedule

import (
	"testing"
	"time"
)

func TestParseCycle(t *testing.T) {
	loc := tashkent(t)
	tests := []struct {
		in   string
		want Cycle
		str  string
	}{
		{"R5/PT10M", Cycle{Repeat: 5, Interval: Duration{Clock: 10 * time.Minute}}, "R5/PT10M"},
		{"R/P1D", Cycle{Repeat: Unbounded, Interval: Duration{Days: 1}}, "R/P1D"},
		{"R0/PT1S", Cycle{Repeat: 0, Interval: Duration{Clock: time.Second}}, "R0/PT1S"},
		{"R/P1WD", Cycle{Repeat: Unbounded, Interval: Duration{Days: 1, WorkingDays: true}}, "R/P1WD"},
		{"R2147483647/PT1H", Cycle{Repeat: 1<<31 - 1, Interval: Duration{Clock: time.Hour}}, "R2147483647/PT1H"},
		{"R3/2026-12-01T09:00:00Z/PT1H", Cycle{Repeat: 3, Start: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Interval: Duration{Clock: time.Hour}}, "R3/2026-12-01T14:00:00+05:00/PT1H"},
		{"R/2026-12-01/P1M", Cycle{Repeat: Unbounded, Start: time.Date(2026, 12, 1, 0, 0, 0, 0, loc), Interval: Duration{Months: 1}}, "R/2026-12-01T00:00:00+05:00/P1M"},
		{" R/PT1.5S\n", Cycle{Repeat: Unbounded, Interval: Duration{Clock: 1500 * time.Millisecond}}, "R/PT1.5S"},
	}
	for _, tt := range tests {
		got, err := ParseCycle(tt.in, loc)
		if err != nil {
			t.Errorf("ParseCycle(%q): %v", tt.in, err)
			continue
		}
		if got.Repeat != tt.want.Repeat || got.Interval != tt.want.Interval || !got.Start.Equal(tt.want.Start) {
			t.Errorf("ParseCycle(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParseCycle(%q).String() = %q, want %q", tt.in, s, tt.str)
		}
	}
}

func TestParseCycleInvalid(t *testing.T) {
	for _, in := range []string{
		"", "R", "R5", "R/", "R5/", "PT10M", "5/PT10M", "r5/PT10M", "R-1/PT10M", "R+1/PT10M", "R1.5/PT1M",
		"R2147483648/PT1H", "R99999999999999999999999/PT1H",
		"R/PT0S", "R/P0D", "R/P0WD", "R/PT0.5S", "R/PT0.999999999S", "R5/PT10", "R5/P1H",
		"R3/2026-12-01T09:00:00Z", "R3/PT1H/2026-12-01T09:00:00Z", "R3/2026-12-01T09:00:00Z/2026-12-02T09:00:00Z",
		"R3/2026-13-01/PT1H", "R3//PT1H", "R/2026-12-01/PT1H/", "R/a/b/c",
		"R/P1001Y",
	} {
		got, err := ParseCycle(in, time.UTC)
		if err == nil {
			t.Errorf("ParseCycle(%q) = %+v, want an error", in, got)
			continue
		}
		checkInvalid(t, err, in)
	}
}

func TestCycleAtNext(t *testing.T) {
	for _, loc := range locations(t) {
		cal := NewCalendar(loc)
		set := time.Date(2026, 12, 1, 9, 0, 0, 0, loc) // when the timer is set
		hm := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
		tests := []struct {
			cycle string
			fires []time.Time // all firings, or the first ones for unbounded cycles
			count int         // -1: unbounded
		}{
			{"R3/PT10M", []time.Time{hm(1, 9, 10), hm(1, 9, 20), hm(1, 9, 30)}, 3},
			{"R0/PT10M", nil, 0},
			{"R3/2026-12-01T04:00:00Z/PT1H", []time.Time{hm(1, 9, 0), hm(1, 10, 0), hm(1, 11, 0)}, 3},
			{"R/P1D", []time.Time{hm(2, 9, 0), hm(3, 9, 0), hm(4, 9, 0)}, -1},
			{"R/2026-12-04T10:00+05:00/P1WD", []time.Time{hm(4, 10, 0), hm(7, 10, 0), hm(9, 10, 0), hm(10, 10, 0), hm(11, 10, 0), hm(14, 10, 0)}, -1},
			{"R2/2026-12-05T10:00+05:00/P1WD", []time.Time{hm(7, 10, 0), hm(9, 10, 0)}, 2}, // starts on a Saturday
			{"R/2026-01-31T12:00+05:00/P1M", []time.Time{
				time.Date(2026, 1, 31, 12, 0, 0, 0, loc), time.Date(2026, 3, 3, 12, 0, 0, 0, loc),
				time.Date(2026, 3, 31, 12, 0, 0, 0, loc), time.Date(2026, 5, 1, 12, 0, 0, 0, loc),
				time.Date(2026, 5, 31, 12, 0, 0, 0, loc),
			}, -1},
		}
		for _, tt := range tests {
			c, err := ParseCycle(tt.cycle, loc)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.fires {
				got, ok := c.At(set, i, cal)
				if !ok || !got.Equal(want) {
					t.Errorf("%s: %s At(%d) = %s %v, want %s", loc, tt.cycle, i, got, ok, want)
				}
				// Next from just before and exactly at a firing.
				if got, j, ok := c.Next(set, want.Add(-time.Nanosecond), cal); !ok || j != i || !got.Equal(want) {
					t.Errorf("%s: %s Next(before firing %d) = %s %d %v", loc, tt.cycle, i, got, j, ok)
				}
				next, hasNext := c.At(set, i+1, cal)
				got, j, ok := c.Next(set, want, cal)
				if ok != hasNext || (ok && (j != i+1 || !got.Equal(next))) {
					t.Errorf("%s: %s Next(firing %d) = %s %d %v, want %s %v", loc, tt.cycle, i, got, j, ok, next, hasNext)
				}
			}
			if tt.count >= 0 {
				if got, ok := c.At(set, tt.count, cal); ok {
					t.Errorf("%s: %s At(%d) = %s, want none", loc, tt.cycle, tt.count, got)
				}
			}
			if got, ok := c.At(set, -1, cal); ok {
				t.Errorf("%s: %s At(-1) = %s", loc, tt.cycle, got)
			}
		}
	}
}

func TestCycleNextFar(t *testing.T) {
	loc := tashkent(t)
	cal := NewCalendar(loc)
	set := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	tests := []struct {
		cycle string
		after time.Time
		want  time.Time
		i     int
	}{
		// An engine that was down a year skips the firings it missed.
		{"R/PT1S", set.AddDate(1, 0, 0), set.AddDate(1, 0, 0).Add(time.Second), 365 * 86400},
		{"R/PT1H", time.Date(2100, 6, 1, 0, 30, 0, 0, loc), time.Date(2100, 6, 1, 1, 0, 0, 0, loc), 0},
		{"R/P1D", time.Date(9999, 12, 30, 12, 0, 0, 0, loc), time.Date(9999, 12, 31, 9, 0, 0, 0, loc), 0},
	}
	for _, tt := range tests {
		c, err := ParseCycle(tt.cycle, loc)
		if err != nil {
			t.Fatal(err)
		}
		got, i, ok := c.Next(set, tt.after, cal)
		if !ok || !got.Equal(tt.want) || (tt.i != 0 && i != tt.i) {
			t.Errorf("%s: Next(%s) = %s %d %v, want %s %d", tt.cycle, tt.after, got, i, ok, tt.want, tt.i)
		}
		if at, ok := c.At(set, i, cal); !ok || !at.Equal(got) {
			t.Errorf("%s: At(%d) = %s, Next gave %s", tt.cycle, i, at, got)
		}
	}
	// Nothing after the year 9999.
	c, _ := ParseCycle("R/P1D", loc)
	if got, _, ok := c.Next(set, time.Date(9999, 12, 31, 10, 0, 0, 0, loc), cal); ok {
		t.Errorf("R/P1D fires in the year 10000: %s", got)
	}
	// A bounded cycle that has finished.
	c, _ = ParseCycle("R3/PT1H", loc)
	if got, _, ok := c.Next(set, set.Add(3*time.Hour), cal); ok {
		t.Errorf("R3/PT1H fires a fourth time: %s", got)
	}
}

// TestCycleZeroInterval checks that a Cycle built by hand with no interval
// (ParseCycle rejects one) does not fire forever at one instant.
func TestCycleZeroInterval(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []Cycle{
		{Repeat: Unbounded},
		{Repeat: Unbounded, Interval: Duration{WorkingDays: true}},
		{Repeat: Unbounded, Interval: Duration{Days: -1}},
	} {
		if got, i, ok := c.Next(now, now.Add(time.Hour), nil); ok {
			t.Errorf("%+v: Next = %s %d", c, got, i)
		}
	}
}
