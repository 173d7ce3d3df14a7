package schedule

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Unbounded is Cycle.Repeat for a cycle that repeats without end (R/…).
const Unbounded = -1

// Cycle is an ISO 8601 repeating interval as a BPMN timeCycle: Repeat
// firings (or without end), Interval apart. With a Start, the first firing
// is at Start; without one, it is one Interval after the timer is set (the
// "from" time of At and Next).
//
// Firing i is computed from the first one as i whole intervals, not by
// adding the interval i times, so month ends do not drift: R/P1M from 31
// January fires on 31 January, 3 March (time.AddDate), 31 March, 1 May, ….
type Cycle struct {
	// Repeat is how many times the timer fires, or Unbounded.
	Repeat int
	// Start is the first firing, or the zero Time for none.
	Start time.Time
	// Interval is the time between firings: at least one second, or one
	// calendar or working day.
	Interval Duration
}

// ParseCycle reads an ISO 8601 repeating interval in one of the forms
//
//	Rn/duration          R5/PT10M: 5 firings, the first 10 minutes after the timer is set
//	R/duration           R/P1D: without end
//	Rn/start/duration    R3/2026-12-01T09:00:00Z/PT1H: the first at start
//
// with the duration as ParseDuration reads it and the start as ParseDate
// reads it in loc. n is at most 2^31-1 (R0 never fires); the interval must
// be at least one second or have a calendar part. Leading and trailing
// spaces are ignored.
//
// Errors: EINVALID (MsgInvalid, with s as argument).
func ParseCycle(s string, loc *time.Location) (Cycle, error) {
	if len(s) > MaxLen {
		return Cycle{}, invalid(s, "too long")
	}
	c, why := parseCycle(strings.TrimSpace(s), loc)
	if why != "" {
		return Cycle{}, invalid(s, why)
	}
	return c, nil
}

func parseCycle(s string, loc *time.Location) (Cycle, string) {
	var c Cycle
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return c, "expected R[n]/[start/]duration"
	}
	r := parts[0]
	if len(r) == 0 || r[0] != 'R' {
		return c, "expected R"
	}
	if len(r) == 1 {
		c.Repeat = Unbounded
	} else {
		for i := 1; i < len(r); i++ {
			if !isDigit(r[i]) {
				return c, "bad repetition count"
			}
		}
		n, err := strconv.ParseInt(r[1:], 10, 64)
		if err != nil || n > maxRepeat {
			return c, "repetition count out of range"
		}
		c.Repeat = int(n)
	}
	if len(parts) == 3 {
		if strings.HasPrefix(parts[1], "P") {
			return c, "duration/end form not supported"
		}
		t, why := parseDate(parts[1], loc)
		if why != "" {
			return c, "start: " + why
		}
		c.Start = t
	}
	d, why := parseDuration(parts[len(parts)-1])
	if why != "" {
		return c, "interval: " + why
	}
	if d.Years == 0 && d.Months == 0 && d.Weeks == 0 && d.Days == 0 && d.Clock < time.Second {
		return c, "interval shorter than a second"
	}
	c.Interval = d
	return c, ""
}

// String formats c in the form ParseCycle reads, the start in RFC 3339
// with its offset. ParseCycle(c.String(), loc) gives back c (with an equal
// Start) for every c ParseCycle returns.
func (c Cycle) String() string {
	var b strings.Builder
	b.WriteByte('R')
	if c.Repeat >= 0 {
		b.WriteString(strconv.Itoa(c.Repeat))
	}
	b.WriteByte('/')
	if !c.Start.IsZero() {
		b.WriteString(c.Start.Format(time.RFC3339Nano))
		b.WriteByte('/')
	}
	b.WriteString(c.Interval.String())
	return b.String()
}

// At returns firing i (0 for the first) of the cycle for a timer set at
// from (ignored when the cycle has a Start), with working-day intervals
// counted by cal and calendar arithmetic in cal's location (from's or
// Start's own location when cal is nil). It returns false when there is
// no firing i: i < 0, i >= Repeat, or the firing would be after the year
// 9999.
func (c Cycle) At(from time.Time, i int, cal *Calendar) (time.Time, bool) {
	if i < 0 || (c.Repeat >= 0 && i >= c.Repeat) {
		return time.Time{}, false
	}
	base, k := from, int64(i)+1
	if !c.Start.IsZero() {
		base, k = c.Start, int64(i)
	}
	return c.Interval.scaledAfter(base, k, cal)
}

// Next returns the first firing strictly after after, and its index, for a
// timer set at from (ignored when the cycle has a Start), as At computes
// them. It returns false when no firing is left after after. An engine
// that was down skips the firings it missed by calling Next with the
// current time.
func (c Cycle) Next(from, after time.Time, cal *Calendar) (time.Time, int, bool) {
	// fires reports whether firing i is after after, or there is none.
	fires := func(i int) bool {
		t, ok := c.At(from, i, cal)
		return !ok || t.After(after)
	}
	// Firings are strictly increasing: gallop to a bracket lo < hi with
	// !fires(lo) and fires(hi), then bisect.
	lo, hi := -1, 0
	for !fires(hi) {
		if hi > math.MaxInt/4 { // only a zero Interval gets here
			return time.Time{}, 0, false
		}
		lo = hi
		hi = 2*hi + 1
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if fires(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	t, ok := c.At(from, hi, cal)
	if !ok {
		return time.Time{}, 0, false
	}
	return t, hi, true
}
