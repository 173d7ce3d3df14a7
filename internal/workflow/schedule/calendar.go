package schedule

import (
	"slices"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// monthDay is a holiday that falls on the same date every year.
type monthDay struct {
	m time.Month
	d int
}

// uzHolidays returns Uzbekistan's public holidays with a fixed date
// (Labour Code): New Year, International Women's Day, Navroʻz, the Day of
// Remembrance and Honour, Independence Day, Teachers' and Mentors' Day and
// Constitution Day. Ramazon hayit and Qurbon hayit move with the lunar
// calendar and are added each year with AddHoliday.
func uzHolidays() []monthDay {
	return []monthDay{
		{time.January, 1},
		{time.March, 8},
		{time.March, 21},
		{time.May, 9},
		{time.September, 1},
		{time.October, 1},
		{time.December, 8},
	}
}

// Calendar says which days are working days in one location: every day
// but the weekend days and the holidays, except the days declared working
// days. A holiday that falls on a weekend gives no extra day off by
// itself; days off the government moves or adds are declared with
// AddHoliday, and Saturdays worked in exchange with AddWorkingDay.
//
// A Calendar is not safe for concurrent modification: configure it, then
// share it (reads are safe concurrently); to change a shared one, Clone it,
// change the clone and swap the pointer.
//
// A nil *Calendar is a plain week with Saturday and Sunday off, no holidays,
// that reads each time in that time's own location.
type Calendar struct {
	loc     *time.Location
	weekend [7]bool
	fixed   []monthDay
	isFixed [13]uint32 // bit d of isFixed[m]: m/d is a fixed holiday
	// holidays and working are sorted day numbers (days since 1970-01-01)
	// of the declared days; no day is in both.
	holidays []int64
	working  []int64
}

// NewCalendar returns the working-day calendar of Uzbekistan in loc
// (normally Asia/Tashkent; nil means UTC): Saturday and Sunday off and the
// fixed public holidays (1 January, 8 March, 21 March, 9 May, 1 September,
// 1 October, 8 December). Add the movable holidays and the declared days
// off with AddHoliday and transferred working days with AddWorkingDay.
func NewCalendar(loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{loc: loc, fixed: uzHolidays()}
	c.weekend[time.Saturday] = true
	c.weekend[time.Sunday] = true
	for _, h := range c.fixed {
		c.isFixed[h.m] |= 1 << h.d
	}
	return c
}

// Clone returns a copy of c that can be changed without affecting c.
func (c *Calendar) Clone() *Calendar {
	if c == nil {
		return nil
	}
	n := *c
	n.holidays = slices.Clone(c.holidays)
	n.working = slices.Clone(c.working)
	return &n
}

// Location returns the calendar's location (nil for a nil Calendar).
func (c *Calendar) Location() *time.Location {
	if c == nil {
		return nil
	}
	return c.loc
}

// SetWeekend makes days the weekly days off, replacing Saturday and Sunday
// (none at all is allowed: a seven-day working week).
//
// Errors: EINVALID (MsgCalendarInvalid) when days names every day of the
// week or a day that is not a time.Weekday; c is then unchanged.
func (c *Calendar) SetWeekend(days ...time.Weekday) error {
	var w [7]bool
	n := 0
	for _, d := range days {
		if d < time.Sunday || d > time.Saturday {
			return apperr.New(apperr.EINVALID, MsgCalendarInvalid)
		}
		if !w[d] {
			w[d] = true
			n++
		}
	}
	if n == 7 {
		return apperr.New(apperr.EINVALID, MsgCalendarInvalid)
	}
	c.weekend = w
	return nil
}

// AddHoliday makes the day of date (the date it is in the calendar's
// location) a day off: a movable holiday or a declared extra day off. It
// undoes AddWorkingDay for that day.
func (c *Calendar) AddHoliday(date time.Time) {
	dn := c.dayOf(date)
	c.working = remove(c.working, dn)
	c.holidays = insert(c.holidays, dn)
}

// AddWorkingDay makes the day of date (the date it is in the calendar's
// location) a working day even if it is a weekend day or a holiday: a
// Saturday worked in exchange for a day off. It undoes AddHoliday for that
// day.
func (c *Calendar) AddWorkingDay(date time.Time) {
	dn := c.dayOf(date)
	c.holidays = remove(c.holidays, dn)
	c.working = insert(c.working, dn)
}

func insert(s []int64, dn int64) []int64 {
	i, found := slices.BinarySearch(s, dn)
	if found {
		return s
	}
	return slices.Insert(s, i, dn)
}

func remove(s []int64, dn int64) []int64 {
	i, found := slices.BinarySearch(s, dn)
	if !found {
		return s
	}
	return slices.Delete(s, i, i+1)
}

// IsWorkingDay reports whether the day of t, as a date in the calendar's
// location, is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.workingDay(c.dayOf(t))
}

// AddWorkingDays returns the time n working days after t at the same wall
// clock time, in the calendar's location. If t's day is not a working day,
// counting starts from the next working day, so n = 0 moves t forward to a
// working day (and leaves it alone on one). Negative n counts as 0, and n
// is capped at 3,660,000 (beyond the year 9999 from any start). Times more
// than a million years from now are treated as if a million years away.
//
// WorkingDaysBetween(t, c.AddWorkingDays(t, n)) == n (for n up to 1000
// years' worth).
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	loc := c.location(t)
	lt := t.In(loc)
	y, m, d := lt.Date()
	dn := c.addDays(clampDay(dayNumber(y, m, d)), n)
	y, m, d = civil(dn)
	hh, mm, ss := lt.Clock()
	return time.Date(y, m, d, hh, mm, ss, lt.Nanosecond(), loc)
}

// WorkingDaysBetween returns how many working days there are from the day
// of a up to but not including the day of b (dates in the calendar's
// location; clock times do not matter), negative when b is before a. Spans
// over 10,000 years are counted up to 10,000 years.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	da, db := c.dayOf(a), c.dayOf(b)
	if da > db {
		return -c.count(db, min(da, db+maxSpan))
	}
	return c.count(da, min(db, da+maxSpan))
}

// location returns where the calendar reads t.
func (c *Calendar) location(t time.Time) *time.Location {
	if c == nil || c.loc == nil {
		return t.Location()
	}
	return c.loc
}

// dayOf returns the day number of t's date in the calendar's location.
func (c *Calendar) dayOf(t time.Time) int64 {
	y, m, d := t.In(c.location(t)).Date()
	return clampDay(dayNumber(y, m, d))
}

// maxDay bounds the day numbers the calendar computes with (about a
// million years either side of 1970), so that absurd times cannot
// overflow the arithmetic.
const maxDay = 365_000_000

// clampDay limits dn to ±maxDay.
func clampDay(dn int64) int64 { return max(-maxDay, min(dn, maxDay)) }

// weekendDay reports whether day number dn is a weekly day off.
func (c *Calendar) weekendDay(dn int64) bool {
	wd := weekday(dn)
	if c == nil {
		return wd == time.Saturday || wd == time.Sunday
	}
	return c.weekend[wd]
}

// fixedHoliday reports whether day number dn is a fixed holiday.
func (c *Calendar) fixedHoliday(dn int64) bool {
	if c == nil || len(c.fixed) == 0 {
		return false
	}
	_, m, d := civil(dn)
	return c.isFixed[m]&(1<<d) != 0
}

// workingDay reports whether day number dn is a working day.
func (c *Calendar) workingDay(dn int64) bool {
	if c == nil {
		return !c.weekendDay(dn)
	}
	if _, ok := slices.BinarySearch(c.working, dn); ok {
		return true
	}
	if _, ok := slices.BinarySearch(c.holidays, dn); ok {
		return false
	}
	return !c.weekendDay(dn) && !c.fixedHoliday(dn)
}

// addDays returns the day number n working days after dn, counting from
// the first working day on or after dn.
func (c *Calendar) addDays(dn int64, n int) int64 {
	n = max(0, min(n, maxSpan))
	for !c.workingDay(dn) {
		dn++
	}
	// Skip whole years while more than a year's worth remains.
	for n > 400 {
		y, _, _ := civil(dn)
		next := dayNumber(y+1, time.January, 1)
		if next <= dn { // at the clamp
			break
		}
		k := c.count(dn, next)
		if k > n {
			break
		}
		n -= k
		dn = next
	}
	for {
		if c.workingDay(dn) {
			if n == 0 {
				return dn
			}
			n--
		}
		dn++
	}
}

// count returns the number of working days in [a, b), a <= b.
func (c *Calendar) count(a, b int64) int {
	if a >= b {
		return 0
	}
	// Days that are neither weekend days nor fixed holidays ...
	free := 0
	for wd := range 7 {
		if !c.weekendDay(int64(wd) - 4) { // day -4 is a Sunday
			free++
		}
	}
	full := (b - a) / 7
	n := int(full) * free
	for dn := a + full*7; dn < b; dn++ {
		if !c.weekendDay(dn) {
			n++
		}
	}
	if c == nil {
		return n
	}
	if len(c.fixed) > 0 {
		y0, _, _ := civil(a)
		y1, _, _ := civil(b - 1)
		for y := y0; y <= y1; y++ {
			for _, h := range c.fixed {
				if h.d > daysIn(y, h.m) {
					continue
				}
				dn := dayNumber(y, h.m, h.d)
				if a <= dn && dn < b && !c.weekendDay(dn) {
					n--
				}
			}
		}
	}
	// ... less the declared holidays among them, plus the declared
	// working days that are not among them.
	i, _ := slices.BinarySearch(c.holidays, a)
	for ; i < len(c.holidays) && c.holidays[i] < b; i++ {
		if dn := c.holidays[i]; !c.weekendDay(dn) && !c.fixedHoliday(dn) {
			n--
		}
	}
	i, _ = slices.BinarySearch(c.working, a)
	for ; i < len(c.working) && c.working[i] < b; i++ {
		if dn := c.working[i]; c.weekendDay(dn) || c.fixedHoliday(dn) {
			n++
		}
	}
	return n
}

// dayNumber returns the number of days from 1970-01-01 to y-m-d
// (normalized as time.Date does).
func dayNumber(y int, m time.Month, d int) int64 {
	if y > 1_000_000 {
		return maxDay
	}
	if y < -1_000_000 {
		return -maxDay
	}
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	return floorDiv(u, 86400)
}

// civil returns the date of day number dn.
func civil(dn int64) (int, time.Month, int) {
	return time.Unix(dn*86400, 0).UTC().Date()
}

// weekday returns the day of the week of day number dn.
func weekday(dn int64) time.Weekday {
	return time.Weekday(floorMod(dn+4, 7)) // 1970-01-01 was a Thursday
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}
