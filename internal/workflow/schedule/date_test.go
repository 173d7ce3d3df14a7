package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, loc := range locations(t) {
		tests := []struct {
			in   string
			want time.Time
		}{
			{"2026-12-01", time.Date(2026, 12, 1, 0, 0, 0, 0, loc)},
			{"2026-12-01T09:00", time.Date(2026, 12, 1, 9, 0, 0, 0, loc)},
			{"2026-12-01T09:00:30", time.Date(2026, 12, 1, 9, 0, 30, 0, loc)},
			{"2026-12-01T09:00:00Z", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
			{"2026-12-01t09:00:00z", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
			{"2026-12-01T09:00:00.25Z", time.Date(2026, 12, 1, 9, 0, 0, 250_000_000, time.UTC)},
			{"2026-12-01T09:00:00,123456789Z", time.Date(2026, 12, 1, 9, 0, 0, 123_456_789, time.UTC)},
			{"2026-12-01T09:00:00+05:00", time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)},
			{"2026-12-01T09:00:00+0500", time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)},
			{"2026-12-01T09:00:00+05", time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)},
			{"2026-12-01T09:00-03:30", time.Date(2026, 12, 1, 12, 30, 0, 0, time.UTC)},
			{"2028-02-29", time.Date(2028, 2, 29, 0, 0, 0, 0, loc)},
			{"1900-01-01T00:00:00Z", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
			{"9999-12-31T23:59:59Z", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
			{" 2026-12-01 ", time.Date(2026, 12, 1, 0, 0, 0, 0, loc)},
		}
		for _, tt := range tests {
			got, err := ParseDate(tt.in, loc)
			if err != nil {
				t.Errorf("ParseDate(%q): %v", tt.in, err)
				continue
			}
			if !got.Equal(tt.want) || got.Location() != loc {
				t.Errorf("ParseDate(%q) = %s, want %s in %s", tt.in, got, tt.want, loc)
			}
		}
	}
	// A nil location is UTC.
	if got, err := ParseDate("2026-12-01", nil); err != nil || !got.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("nil location: %s, %v", got, err)
	}
}

func TestParseDateInvalid(t *testing.T) {
	for _, in := range []string{
		"", "2026", "2026-12", "2026-1-01", "26-12-01", "2026/12/01", "20261201",
		"2026-13-01", "2026-00-01", "2026-12-00", "2026-12-32", "2027-02-29", "2026-04-31",
		"1899-12-31", "0000-01-01", "10000-01-01", "+2026-12-01",
		"2026-12-01T", "2026-12-01 09:00", "2026-12-01T9:00", "2026-12-01T09", "2026-12-01T09:0",
		"2026-12-01T24:00", "2026-12-01T23:60", "2026-12-01T23:59:60Z", "2026-12-01T09:00:00.Z",
		"2026-12-01T09:00:00.1234567891Z", "2026-12-01T09:00:00+24:00", "2026-12-01T09:00:00+05:60",
		"2026-12-01T09:00:00+5", "2026-12-01T09:00:00+05:", "2026-12-01T09:00:00+05:0",
		"2026-12-01T09:00:00ZZ", "2026-12-01T09:00:00X", "2026-12-01T09:00:00Z[Asia/Tashkent]",
		"2026-12-01x", "PT5M", "2026-12-01T09:00:00Z" + strings.Repeat(" ", 90),
	} {
		got, err := ParseDate(in, time.UTC)
		if err == nil {
			t.Errorf("ParseDate(%q) = %s, want an error", in, got)
			continue
		}
		checkInvalid(t, err, in)
	}
}
