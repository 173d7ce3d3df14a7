package schedule

import (
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

func TestCalendarFixedHolidays(t *testing.T) {
	for _, loc := range locations(t) {
		cal := NewCalendar(loc)
		for _, md := range []struct {
			m time.Month
			d int
		}{{1, 1}, {3, 8}, {3, 21}, {5, 9}, {9, 1}, {10, 1}, {12, 8}} {
			for y := 2024; y <= 2030; y++ {
				if day := time.Date(y, md.m, md.d, 12, 0, 0, 0, loc); cal.IsWorkingDay(day) {
					t.Errorf("%s: %s is a working day", loc, day.Format(time.DateOnly))
				}
			}
		}
		// A time is read in the calendar's location: 2026-12-07T20:00Z is
		// already Tuesday 8 December in Tashkent.
		if cal.IsWorkingDay(time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: 2026-12-07T20:00Z is a working day", loc)
		}
		if !cal.IsWorkingDay(time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: 2026-12-07T18:00Z is not a working day", loc)
		}
		// Count working days in 2026 by hand: 261 weekdays, less the fixed
		// holidays on weekdays (8 and 21 March and 9 May 2026 are weekend
		// days).
		jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
		want := 0
		for d := jan1; d.Year() == 2026; d = d.AddDate(0, 0, 1) {
			if cal.IsWorkingDay(d) {
				want++
			}
		}
		if want != 261-4 {
			t.Errorf("%s: %d working days in 2026, want %d", loc, want, 261-4)
		}
		if got := cal.WorkingDaysBetween(jan1, jan1.AddDate(1, 0, 0)); got != want {
			t.Errorf("%s: WorkingDaysBetween over 2026 = %d, want %d", loc, got, want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	for _, loc := range locations(t) {
		day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 14, 45, 30, 5, loc) }
		plain := NewCalendar(loc)
		declared := NewCalendar(loc)
		declared.AddHoliday(day(3, 20))    // Ramazon hayit 2026 (Friday), say
		declared.AddHoliday(day(3, 23))    // Navroʻz fell on Saturday: Monday off
		declared.AddWorkingDay(day(12, 5)) // a working Saturday in exchange
		declared.AddHoliday(day(12, 31))
		tests := []struct {
			name string
			cal  *Calendar
			from time.Time
			n    int
			want time.Time
		}{
			{"Friday +5 skips weekend and Constitution Day", plain, day(12, 4), 5, day(12, 14)},
			{"Monday +1", plain, day(12, 7), 1, day(12, 9)},
			{"Friday +1", plain, day(12, 4), 1, day(12, 7)},
			{"Saturday +0 is Monday", plain, day(12, 5), 0, day(12, 7)},
			{"Sunday +1 counts from Monday", plain, day(12, 6), 1, day(12, 9)},
			{"holiday +0 is the next working day", plain, day(12, 8), 0, day(12, 9)},
			{"working day +0 stays", plain, day(12, 9), 0, day(12, 9)},
			{"negative counts as 0", plain, day(12, 5), -3, day(12, 7)},
			{"Navroʻz on Saturday gives no day off by itself", plain, day(3, 20), 1, day(3, 23)},
			{"8 March on Sunday gives no day off by itself", plain, day(3, 6), 1, day(3, 9)},
			{"declared day off after a holiday on a weekend", declared, day(3, 19), 1, day(3, 24)},
			{"declared holiday as start", declared, day(3, 20), 0, day(3, 24)},
			{"transferred working Saturday", declared, day(12, 4), 1, day(12, 5)},
			{"transferred working Saturday as start", declared, day(12, 5), 0, day(12, 5)},
			{"Friday +5 with a working Saturday", declared, day(12, 4), 5, day(12, 11)},
			{"across the new year", declared, day(12, 30), 1, time.Date(2027, 1, 4, 14, 45, 30, 5, loc)},
			{"whole year", plain, day(1, 2), 257, time.Date(2027, 1, 4, 14, 45, 30, 5, loc)},
			{"nil calendar", nil, day(12, 4), 5, day(12, 11)},
		}
		for _, tt := range tests {
			got := tt.cal.AddWorkingDays(tt.from, tt.n)
			if !got.Equal(tt.want) || got.Location() != loc {
				t.Errorf("%s: %s: AddWorkingDays(%s, %d) = %s, want %s", loc, tt.name, tt.from, tt.n, got, tt.want)
			}
			if tt.n >= 0 {
				if n := tt.cal.WorkingDaysBetween(tt.from, got); n != tt.n {
					t.Errorf("%s: %s: WorkingDaysBetween = %d, want %d", loc, tt.name, n, tt.n)
				}
			}
		}
		// The same instant given in UTC gives the same day in loc.
		if got, want := plain.AddWorkingDays(day(12, 4).UTC(), 5), day(12, 14); !got.Equal(want) || got.Location() != loc {
			t.Errorf("%s: from UTC: got %s, want %s", loc, got, want)
		}
	}
}

func TestCalendarDeclaredDays(t *testing.T) {
	loc := tashkent(t)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, loc) }
	cal := NewCalendar(loc)
	// A working day declared on a fixed holiday wins; AddHoliday undoes it,
	// and the other way round.
	cal.AddWorkingDay(day(12, 8))
	if !cal.IsWorkingDay(day(12, 8)) {
		t.Error("declared working day on a holiday is not working")
	}
	cal.AddHoliday(day(12, 8))
	if cal.IsWorkingDay(day(12, 8)) {
		t.Error("AddHoliday did not undo AddWorkingDay")
	}
	cal.AddHoliday(day(12, 9))
	cal.AddHoliday(day(12, 9)) // twice is once
	cal.AddWorkingDay(day(12, 9))
	if !cal.IsWorkingDay(day(12, 9)) {
		t.Error("AddWorkingDay did not undo AddHoliday")
	}
	// Clone is independent.
	c2 := cal.Clone()
	c2.AddHoliday(day(12, 10))
	if !cal.IsWorkingDay(day(12, 10)) || c2.IsWorkingDay(day(12, 10)) {
		t.Error("Clone shares declared days")
	}
	if c2.Location() != loc {
		t.Error("Clone lost the location")
	}
}

func TestSetWeekend(t *testing.T) {
	loc := tashkent(t)
	cal := NewCalendar(loc)
	// A six-day week: only Sunday off.
	if err := cal.SetWeekend(time.Sunday); err != nil {
		t.Fatal(err)
	}
	fri := time.Date(2026, 12, 4, 9, 0, 0, 0, loc)
	if got, want := cal.AddWorkingDays(fri, 5), time.Date(2026, 12, 11, 9, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("six-day week: got %s, want %s", got, want)
	}
	// Friday and Saturday off.
	if err := cal.SetWeekend(time.Friday, time.Saturday); err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkingDay(fri) || !cal.IsWorkingDay(fri.AddDate(0, 0, 2)) {
		t.Error("Friday/Saturday weekend")
	}
	// No weekend at all.
	if err := cal.SetWeekend(); err != nil {
		t.Fatal(err)
	}
	if !cal.IsWorkingDay(fri.AddDate(0, 0, 1)) {
		t.Error("empty weekend: Saturday is not working")
	}
	all := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	for _, bad := range [][]time.Weekday{all, {time.Weekday(7)}, {-1}} {
		if err := cal.SetWeekend(bad...); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("SetWeekend(%v) = %v, want EINVALID", bad, err)
		}
	}
	if !cal.IsWorkingDay(fri.AddDate(0, 0, 1)) {
		t.Error("a failed SetWeekend changed the calendar")
	}
}

// TestWorkingDaysAgainstLoop checks the counting shortcuts (whole weeks,
// whole years) against day-by-day counting over many spans.
func TestWorkingDaysAgainstLoop(t *testing.T) {
	loc := tashkent(t)
	cal := NewCalendar(loc)
	for _, d := range []string{"2026-03-20", "2026-03-23", "2027-03-10", "2028-06-06", "2030-01-02"} {
		h, _ := ParseDate(d, loc)
		cal.AddHoliday(h)
	}
	for _, d := range []string{"2026-12-05", "2027-01-02", "2029-05-09", "2030-01-01"} {
		w, _ := ParseDate(d, loc)
		cal.AddWorkingDay(w)
	}
	start := time.Date(2025, 12, 20, 8, 0, 0, 0, loc)
	for _, from := range []time.Time{start, start.AddDate(0, 0, 1), start.AddDate(0, 2, 3)} {
		// Day by day: the n-th working day on or after from's working day.
		d := from
		for !cal.IsWorkingDay(d) {
			d = d.AddDate(0, 0, 1)
		}
		for n := 0; n <= 1500; n++ {
			if got := cal.AddWorkingDays(from, n); !got.Equal(d) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", from, n, got, d)
			}
			if got := cal.WorkingDaysBetween(from, d); got != n {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", from, d, got, n)
			}
			if got := cal.WorkingDaysBetween(d, from); got != -n {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", d, from, got, -n)
			}
			d = d.AddDate(0, 0, 1)
			for !cal.IsWorkingDay(d) {
				d = d.AddDate(0, 0, 1)
			}
		}
	}
}

func TestAddWorkingDaysFar(t *testing.T) {
	loc := tashkent(t)
	cal := NewCalendar(loc)
	from := time.Date(2026, 1, 5, 9, 0, 0, 0, loc)
	for _, n := range []int{maxDays, maxSpan, 1 << 40} {
		got := cal.AddWorkingDays(from, n)
		if got.Before(from) || !cal.IsWorkingDay(got) {
			t.Errorf("AddWorkingDays(%d) = %s", n, got)
		}
		if n <= maxDays { // WorkingDaysBetween counts up to maxSpan calendar days
			if b := cal.WorkingDaysBetween(from, got); b != n {
				t.Errorf("WorkingDaysBetween after %d = %d", n, b)
			}
		}
	}
}

func BenchmarkAddWorkingDays(b *testing.B) {
	loc := tashkent(b)
	cal := NewCalendar(loc)
	cal.AddHoliday(time.Date(2026, 3, 20, 0, 0, 0, 0, loc))
	cal.AddHoliday(time.Date(2026, 5, 27, 0, 0, 0, 0, loc))
	cal.AddWorkingDay(time.Date(2026, 12, 5, 0, 0, 0, 0, loc))
	from := time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)
	for b.Loop() {
		cal.AddWorkingDays(from, 30)
	}
}
