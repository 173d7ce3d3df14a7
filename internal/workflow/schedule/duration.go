package schedule

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is an ISO 8601 duration as BPMN timers use it. Calendar parts
// (years, months, weeks, days) are kept apart from clock time so that they
// follow the wall calendar of a location: P1M from 31 January is
// time.AddDate(0, 1, 0) (3 March, or 2 March in a leap year), and P1D is the
// same clock time the next day. Clock is elapsed time.
//
// With WorkingDays set, Days counts working days of a Calendar instead of
// calendar days (the text form is PnWD). ParseDuration sets it for PnWD; a
// caller that knows a timer counts working days may set it on any Duration.
type Duration struct {
	Years, Months, Weeks, Days int
	Clock                      time.Duration
	WorkingDays                bool
}

// ParseDuration reads an ISO 8601 duration PnYnMnWnDTnHnMnS: at least one
// part, in that order, each at most once, no sign. Only the last part may
// have a fraction (with '.' or ',', at most 9 digits), and only if it is
// hours, minutes or seconds: PT1.5H, PT0.5S. The day part may be written
// nWD for working days (P5WD, P1M10WD), which sets WorkingDays. Leading and
// trailing spaces are ignored. No part may exceed 1000 years, and the clock
// parts together must fit a time.Duration (about 292 years).
//
// Errors: EINVALID (MsgInvalid, with s as argument).
func ParseDuration(s string) (Duration, error) {
	if len(s) > MaxLen {
		return Duration{}, invalid(s, "too long")
	}
	d, why := parseDuration(strings.TrimSpace(s))
	if why != "" {
		return Duration{}, invalid(s, why)
	}
	return d, nil
}

// parseDuration parses s, returning a reason on failure.
func parseDuration(s string) (Duration, string) {
	var d Duration
	if len(s) < 2 || s[0] != 'P' {
		return d, "duration must start with P"
	}
	i := 1
	last := -1 // index of the last date designator read: Y M W D
	parts := 0
	var clock int64
	inTime := false
	lastTime := -1 // H M S
	fraction := false
	for i < len(s) {
		if s[i] == 'T' {
			if inTime {
				return d, "second T"
			}
			inTime = true
			i++
			if i == len(s) {
				return d, "T without a time part"
			}
			continue
		}
		if fraction {
			return d, "fraction on a part that is not the last"
		}
		n, frac, hasFrac, next, why := readNumber(s, i)
		if why != "" {
			return d, why
		}
		i = next
		if i == len(s) {
			return d, "number without a designator"
		}
		des := s[i]
		i++
		parts++
		if !inTime {
			if hasFrac {
				return d, "fraction on a date part"
			}
			var at int
			switch des {
			case 'Y':
				at = 0
			case 'M':
				at = 1
			case 'W':
				at = 2
				if i < len(s) && s[i] == 'D' {
					at = 3
					i++
					d.WorkingDays = true
				}
			case 'D':
				at = 3
			default:
				return d, "unknown date designator"
			}
			if at <= last {
				return d, "date parts out of order"
			}
			last = at
			switch at {
			case 0:
				if n > maxYears {
					return d, "years out of range"
				}
				d.Years = int(n)
			case 1:
				if n > maxMonths {
					return d, "months out of range"
				}
				d.Months = int(n)
			case 2:
				if n > maxWeeks {
					return d, "weeks out of range"
				}
				d.Weeks = int(n)
			case 3:
				if n > maxDays {
					return d, "days out of range"
				}
				d.Days = int(n)
			}
			continue
		}
		var at int
		var unit int64
		switch des {
		case 'H':
			at, unit = 0, int64(time.Hour)
		case 'M':
			at, unit = 1, int64(time.Minute)
		case 'S':
			at, unit = 2, int64(time.Second)
		default:
			return d, "unknown time designator"
		}
		if at <= lastTime {
			return d, "time parts out of order"
		}
		lastTime = at
		if n > math.MaxInt64/unit {
			return d, "clock time out of range"
		}
		v := n * unit
		if hasFrac {
			fraction = true
			// frac is in units of 1e-9; unit is a multiple of 1e9 ns
			// times at most 3600, so frac*unit/1e9 is exact.
			f := frac * (unit / int64(time.Second))
			if v > math.MaxInt64-f {
				return d, "clock time out of range"
			}
			v += f
		}
		if clock > math.MaxInt64-v {
			return d, "clock time out of range"
		}
		clock += v
	}
	if parts == 0 {
		return d, "no parts"
	}
	d.Clock = time.Duration(clock)
	return d, ""
}

// readNumber reads digits at s[i:] and an optional fraction of at most 9
// digits, returning the whole part, the fraction in units of 1e-9, whether
// there was a fraction, and the index after the number.
func readNumber(s string, i int) (n, frac int64, hasFrac bool, next int, why string) {
	start := i
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		if n > bigNumber {
			return 0, 0, false, i, "number too large"
		}
		n = n*10 + int64(s[i]-'0')
		i++
	}
	if i == start {
		return 0, 0, false, i, "expected a number"
	}
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		fs := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			if i-fs == 9 {
				return 0, 0, false, i, "fraction has more than 9 digits"
			}
			frac = frac*10 + int64(s[i]-'0')
			i++
		}
		if i == fs {
			return 0, 0, false, i, "fraction without digits"
		}
		for k := i - fs; k < 9; k++ {
			frac *= 10
		}
		hasFrac = true
	}
	return n, frac, hasFrac, i, ""
}

// IsZero reports whether d has no length (it may still have WorkingDays
// set, in which case After moves a time forward to a working day).
func (d Duration) IsZero() bool {
	return d.Years == 0 && d.Months == 0 && d.Weeks == 0 && d.Days == 0 && d.Clock == 0
}

// String formats d in the form ParseDuration reads, canonically: clock
// time as hours, minutes and seconds with the fraction on the seconds,
// working days as nWD (0WD when d has WorkingDays but no days), and PT0S
// for zero. ParseDuration(d.String()) == d for every d ParseDuration
// returns.
func (d Duration) String() string {
	var b strings.Builder
	b.WriteByte('P')
	part := func(n int64, des string) {
		b.WriteString(strconv.FormatInt(n, 10))
		b.WriteString(des)
	}
	if d.Years != 0 {
		part(int64(d.Years), "Y")
	}
	if d.Months != 0 {
		part(int64(d.Months), "M")
	}
	if d.Weeks != 0 {
		part(int64(d.Weeks), "W")
	}
	if d.WorkingDays {
		part(int64(d.Days), "WD")
	} else if d.Days != 0 {
		part(int64(d.Days), "D")
	}
	c := d.Clock
	if c == 0 {
		if b.Len() == 1 {
			return "PT0S"
		}
		return b.String()
	}
	b.WriteByte('T')
	neg := c < 0
	u := uint64(c)
	if neg {
		// Not produced by ParseDuration; formatted for debugging only.
		b.WriteByte('-')
		u = -u
	}
	h := u / uint64(time.Hour)
	u %= uint64(time.Hour)
	m := u / uint64(time.Minute)
	u %= uint64(time.Minute)
	sec, ns := u/uint64(time.Second), u%uint64(time.Second)
	if h != 0 {
		b.WriteString(strconv.FormatUint(h, 10))
		b.WriteByte('H')
	}
	if m != 0 {
		b.WriteString(strconv.FormatUint(m, 10))
		b.WriteByte('M')
	}
	if sec != 0 || ns != 0 {
		b.WriteString(strconv.FormatUint(sec, 10))
		if ns != 0 {
			f := strconv.FormatUint(ns+uint64(time.Second), 10)[1:] // 9 digits
			b.WriteByte('.')
			b.WriteString(strings.TrimRight(f, "0"))
		}
		b.WriteByte('S')
	}
	return b.String()
}

// After returns when a timer of duration d set at t fires: t's wall time in
// the calendar's location (t's own location when cal is nil) moved by the
// years, months and weeks as time.AddDate does, then by the days (calendar
// days, or with WorkingDays, working days of cal as Calendar.AddWorkingDays
// counts them, which first moves a non-working day forward to a working
// day), and then by the clock time as elapsed time. The result is in that
// location.
//
// With WorkingDays and a nil cal, Saturday and Sunday are the only days
// off. d is expected to come from ParseDuration: negative working days
// count as zero.
func (d Duration) After(t time.Time, cal *Calendar) time.Time {
	r := d.calendarAfter(t, 1, cal)
	return r.Add(d.Clock)
}

// calendarAfter moves t by k times the calendar parts of d, the caller
// having checked that the products do not overflow.
func (d Duration) calendarAfter(t time.Time, k int, cal *Calendar) time.Time {
	loc := cal.location(t)
	lt := t.In(loc)
	y, m, day := lt.Date()
	hh, mm, ss := lt.Clock()
	ns := lt.Nanosecond()
	days := d.Weeks*7*k + d.Days*k
	if d.WorkingDays {
		days = d.Weeks * 7 * k
	}
	if d.Years == 0 && d.Months == 0 && days == 0 && !d.WorkingDays {
		return lt
	}
	r := time.Date(y+d.Years*k, m+time.Month(d.Months*k), day+days, hh, mm, ss, ns, loc)
	if d.WorkingDays {
		r = cal.AddWorkingDays(r, d.Days*k)
	}
	return r
}

// scaledAfter is At's arithmetic: t moved by k times d, or false when that
// is past the year 9999 (or overflows on the way there).
func (d Duration) scaledAfter(t time.Time, k int64, cal *Calendar) (time.Time, bool) {
	if k < 0 || d.Years < 0 || d.Months < 0 || d.Weeks < 0 || d.Days < 0 || d.Clock < 0 {
		return time.Time{}, false
	}
	const maxYearsSpan = maxYear + 1
	if over(d.Years, k, maxYearsSpan) || over(d.Months, k, 12*maxYearsSpan) ||
		over(d.Weeks, k, maxSpan/7) || over(d.Days, k, maxSpan) ||
		over(d.Weeks*7+d.Days, k, maxSpan) {
		return time.Time{}, false
	}
	r := d.calendarAfter(t, int(k), cal)
	if r.Year() > maxYear {
		return time.Time{}, false
	}
	if d.Clock != 0 {
		// k*Clock as whole seconds and nanoseconds without overflow.
		secs, nanos := int64(d.Clock/time.Second), int64(d.Clock%time.Second)
		const e9 = int64(time.Second)
		q, rem := k/e9, k%e9
		extra := q*nanos + rem*nanos/e9 // q < 1e10, nanos < 1e9: fits
		ns := rem * nanos % e9
		const maxSecs = int64(maxSpan) * 86400
		if secs != 0 && k > maxSecs/secs {
			return time.Time{}, false
		}
		if extra > maxSecs {
			return time.Time{}, false
		}
		total := k*secs + extra
		if total > maxSecs {
			return time.Time{}, false
		}
		r = time.Unix(r.Unix()+total, int64(r.Nanosecond())+ns).In(r.Location())
		if r.Year() > maxYear {
			return time.Time{}, false
		}
	}
	return r, true
}

// over reports whether n*k exceeds limit (n, k >= 0).
func over(n int, k int64, limit int64) bool {
	return n != 0 && k > limit/int64(n)
}
