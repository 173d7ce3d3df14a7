package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/text"
)

// locations returns Asia/Tashkent (when the system has tzdata) and a fixed
// UTC+5 zone: the results must not differ, Tashkent having no DST.
func locations(t testing.TB) []*time.Location {
	fixed := time.FixedZone("UZT", 5*3600)
	loc, err := time.LoadLocation("Asia/Tashkent")
	if err != nil {
		t.Logf("no tzdata for Asia/Tashkent (%v): fixed UTC+5 only", err)
		return []*time.Location{fixed}
	}
	return []*time.Location{loc, fixed}
}

// tashkent returns Asia/Tashkent or, without tzdata, a fixed UTC+5 zone.
func tashkent(t testing.TB) *time.Location { return locations(t)[0] }

// checkInvalid fails unless err is EINVALID with MsgInvalid and text.
func checkInvalid(t *testing.T, err error, text string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != apperr.EINVALID || e.Message != MsgInvalid {
		t.Fatalf("%q: got error %v, want EINVALID %s", text, err, MsgInvalid)
	}
	if len(e.Args) != 1 || e.Args[0] != clipped(text) {
		t.Fatalf("%q: args %q", text, e.Args)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want Duration
		str  string
	}{
		{"PT5M", Duration{Clock: 5 * time.Minute}, "PT5M"},
		{"PT10M", Duration{Clock: 10 * time.Minute}, "PT10M"},
		{"P5D", Duration{Days: 5}, "P5D"},
		{"P1M", Duration{Months: 1}, "P1M"},
		{"P1Y", Duration{Years: 1}, "P1Y"},
		{"P2W", Duration{Weeks: 2}, "P2W"},
		{"P1Y2M3W4DT5H6M7S", Duration{1, 2, 3, 4, 5*time.Hour + 6*time.Minute + 7*time.Second, false}, "P1Y2M3W4DT5H6M7S"},
		{"PT0.5S", Duration{Clock: 500 * time.Millisecond}, "PT0.5S"},
		{"PT1.5H", Duration{Clock: 90 * time.Minute}, "PT1H30M"},
		{"PT1,5M", Duration{Clock: 90 * time.Second}, "PT1M30S"},
		{"PT0.000000001S", Duration{Clock: 1}, "PT0.000000001S"},
		{"PT1H0.25M", Duration{Clock: time.Hour + 15*time.Second}, "PT1H15S"},
		{"PT90M", Duration{Clock: 90 * time.Minute}, "PT1H30M"},
		{"PT36H", Duration{Clock: 36 * time.Hour}, "PT36H"},
		{"P1DT12H", Duration{Days: 1, Clock: 12 * time.Hour}, "P1DT12H"},
		{"PT0S", Duration{}, "PT0S"},
		{"P0D", Duration{}, "PT0S"},
		{"P007D", Duration{Days: 7}, "P7D"},
		{"  PT5M\n", Duration{Clock: 5 * time.Minute}, "PT5M"},
		{"P5WD", Duration{Days: 5, WorkingDays: true}, "P5WD"},
		{"P0WD", Duration{WorkingDays: true}, "P0WD"},
		{"P1M10WD", Duration{Months: 1, Days: 10, WorkingDays: true}, "P1M10WD"},
		{"P1W2WDT3H", Duration{Weeks: 1, Days: 2, Clock: 3 * time.Hour, WorkingDays: true}, "P1W2WDT3H"},
		{"P1000Y", Duration{Years: 1000}, "P1000Y"},
		{"P12000M", Duration{Months: 12000}, "P12000M"},
		{"P365242D", Duration{Days: 365242}, "P365242D"},
		{"PT2562047H47M16.854775807S", Duration{Clock: time.Duration(1<<63 - 1)}, "PT2562047H47M16.854775807S"},
		{"PT9223372036.854775807S", Duration{Clock: time.Duration(1<<63 - 1)}, "PT2562047H47M16.854775807S"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDuration(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParseDuration(%q).String() = %q, want %q", tt.in, s, tt.str)
		}
	}
}

func TestParseDurationInvalid(t *testing.T) {
	for _, in := range []string{
		"", " ", "P", "PT", "T5M", "5M", "p1d", "pt5m", "P1d",
		"-P1D", "P-1D", "P+1D", "P1 D", "P 1D",
		"P1DT", "PT5", "P5", "P1H", "P1S", "PT1D", "PT1Y", "PT1W",
		"P1M1Y", "P1D1W", "P1Y1Y", "PT1M1H", "PT1S1M", "PT1H1H", "P1DT1HT1M", "PTT1H",
		"P1.5D", "P0.5Y", "P1.5W", "P1.5WD", "PT1.5H30M", "PT0.5M1S", "PT.5S", "PT1.S", "PT1.5.5S",
		"PT0.1234567891S", "P1D1WD", "P1WD1D", "P1WD2W", "P1WW", "PWD", "P1DD",
		"P1001Y", "P12001M", "P52179W", "P365243D", "P365243WD",
		"PT2562048H", "PT9223372037S", "PT2562047H47M16.854775808S", "PT2562047H48M",
		"P99999999999999999999999D", "PT99999999999999999999999999999S",
		"P1Y\x00", "P１D", "R5/PT1M", "2026-12-01",
		"PT" + strings.Repeat("1", 99) + "S",
		"P1D" + strings.Repeat(" ", 100),
	} {
		d, err := ParseDuration(in)
		if err == nil {
			t.Errorf("ParseDuration(%q) = %+v, want an error", in, d)
			continue
		}
		checkInvalid(t, err, in)
	}
}

func TestDurationAfterMonthEnd(t *testing.T) {
	for _, loc := range locations(t) {
		at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, loc) }
		tests := []struct {
			dur  string
			from time.Time
			want time.Time
		}{
			{"P1M", at(2026, 1, 31), at(2026, 3, 3)}, // AddDate: 31 February is 3 March
			{"P1M", at(2028, 1, 31), at(2028, 3, 2)}, // leap year
			{"P1M", at(2026, 2, 28), at(2026, 3, 28)},
			{"P1M", at(2026, 3, 31), at(2026, 5, 1)},
			{"P2M", at(2026, 12, 31), at(2027, 3, 3)},
			{"P1M1D", at(2026, 1, 31), at(2026, 3, 4)},
			{"P1Y", at(2028, 2, 29), at(2029, 3, 1)},
			{"P1Y1M", at(2027, 1, 29), at(2028, 2, 29)},
			{"P1W", at(2026, 12, 28), at(2027, 1, 4)},
			{"P1D", at(2026, 12, 31), at(2027, 1, 1)},
			{"PT14H30M", at(2026, 12, 31), time.Date(2027, 1, 1, 0, 0, 0, 0, loc)},
			{"P1DT0.5S", at(2026, 6, 1), at(2026, 6, 2).Add(500 * time.Millisecond)},
			{"PT0S", at(2026, 6, 1), at(2026, 6, 1)},
		}
		for _, tt := range tests {
			d, err := ParseDuration(tt.dur)
			if err != nil {
				t.Fatal(err)
			}
			for _, from := range []time.Time{tt.from, tt.from.UTC()} {
				got := d.After(from, NewCalendar(loc))
				if !got.Equal(tt.want) || got.Location() != loc {
					t.Errorf("%s: %s after %s = %s, want %s", loc, tt.dur, from, got, tt.want)
				}
			}
		}
	}
}

func TestDurationAfterNilCalendar(t *testing.T) {
	loc := tashkent(t)
	from := time.Date(2026, 1, 31, 23, 0, 0, 0, loc)
	// Without a calendar, days are read in from's own location.
	d := Duration{Months: 1}
	if got, want := d.After(from, nil), time.Date(2026, 3, 3, 23, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("in loc: got %s, want %s", got, want)
	}
	// 23:00 in Tashkent is 18:00 UTC on the same day.
	if got, want := d.After(from.UTC(), nil), time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("in UTC: got %s, want %s", got, want)
	}
	// Working days without a calendar: Saturday and Sunday only.
	fri := time.Date(2026, 12, 4, 10, 0, 0, 0, loc)
	wd := Duration{Days: 5, WorkingDays: true}
	if got, want := wd.After(fri, nil), time.Date(2026, 12, 11, 10, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("working days: got %s, want %s", got, want)
	}
}

// TestTashkentNoDST checks that a calendar day is 24 hours all year in
// Tashkent (it has had no daylight saving time since 1992) and that
// calendar arithmetic keeps the wall clock where a zone does have DST.
func TestTashkentNoDST(t *testing.T) {
	for _, loc := range locations(t) {
		d := Duration{Days: 1}
		for from := time.Date(2026, 1, 1, 2, 30, 0, 0, loc); from.Year() == 2026; from = from.AddDate(0, 0, 1) {
			got := d.After(from, NewCalendar(loc))
			if got.Sub(from) != 24*time.Hour {
				t.Fatalf("%s: P1D after %s is %s later", loc, from, got.Sub(from))
			}
			if _, off := got.Zone(); off != 5*3600 {
				t.Fatalf("%s: offset %d on %s", loc, off, got)
			}
		}
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	from := time.Date(2026, 3, 28, 12, 0, 0, 0, berlin) // the day before DST starts
	if got, want := (Duration{Days: 1}).After(from, NewCalendar(berlin)), time.Date(2026, 3, 29, 12, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("P1D across DST: got %s, want %s", got, want)
	}
	if got, want := (Duration{Clock: 24 * time.Hour}).After(from, NewCalendar(berlin)), time.Date(2026, 3, 29, 13, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("PT24H across DST: got %s, want %s", got, want)
	}
}

func TestDurationAfterWorkingDays(t *testing.T) {
	for _, loc := range locations(t) {
		cal := NewCalendar(loc)
		at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 15, 0, 0, loc) }
		tests := []struct {
			dur  string
			from time.Time
			want time.Time
		}{
			{"P5WD", at(12, 4, 10), at(12, 14, 10)}, // Friday; skips the weekend and Tuesday 8 December
			{"P5WD", at(12, 5, 10), at(12, 15, 10)}, // Saturday: counting starts Monday
			{"P0WD", at(12, 5, 10), at(12, 7, 10)},
			{"P0WD", at(12, 8, 10), at(12, 9, 10)}, // Constitution Day
			{"P0WD", at(12, 9, 10), at(12, 9, 10)},
			{"P1WDT2H", at(12, 4, 10), at(12, 7, 12)},
			{"P1WDT16H", at(12, 4, 10), at(12, 8, 2)}, // the clock part is elapsed time, added last
			{"P1W1WD", at(12, 1, 10), at(12, 10, 10)}, // 1 December + 7 days is Tuesday 8 December, then 1 working day
			{"P1M0WD", at(10, 8, 9), at(11, 9, 9)},    // 8 November is a Sunday
		}
		for _, tt := range tests {
			d, err := ParseDuration(tt.dur)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.After(tt.from, cal); !got.Equal(tt.want) {
				t.Errorf("%s: %s after %s = %s, want %s", loc, tt.dur, tt.from, got, tt.want)
			}
		}
		// A caller may force working days on a plain duration.
		d, _ := ParseDuration("P5D")
		d.WorkingDays = true
		if got, want := d.After(at(12, 4, 10), cal), at(12, 14, 10); !got.Equal(want) {
			t.Errorf("forced P5D: got %s, want %s", got, want)
		}
		if d.String() != "P5WD" {
			t.Errorf("forced P5D formats as %q", d.String())
		}
	}
}

// clipped is the argument an error carries for the input s.
func clipped(s string) string { return text.Clip(s, MaxLen) }
