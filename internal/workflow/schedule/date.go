package schedule

import (
	"strings"
	"time"
)

// ParseDate reads an ISO 8601 / RFC 3339 date or date-time and returns it
// in loc (nil means UTC):
//
//	2026-12-01                    midnight in loc
//	2026-12-01T09:00              wall time in loc
//	2026-12-01T09:00:00           wall time in loc
//	2026-12-01T09:00:00.250Z      UTC
//	2026-12-01T09:00:00+05:00     that offset (also +0500 and +05)
//
// Seconds and their fraction (at most 9 digits, '.' or ',') are optional;
// 't' and 'z' may be lower case. The year must be 1900–9999. Leading and
// trailing spaces are ignored.
//
// Errors: EINVALID (MsgInvalid, with s as argument).
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if len(s) > MaxLen {
		return time.Time{}, invalid(s, "too long")
	}
	t, why := parseDate(strings.TrimSpace(s), loc)
	if why != "" {
		return time.Time{}, invalid(s, why)
	}
	return t, nil
}

// parseDate parses s, returning a reason on failure.
func parseDate(s string, loc *time.Location) (time.Time, string) {
	if loc == nil {
		loc = time.UTC
	}
	p := dateParser{s: s}
	y := p.digits(4)
	p.lit('-')
	mo := p.digits(2)
	p.lit('-')
	d := p.digits(2)
	if p.bad {
		return time.Time{}, "expected YYYY-MM-DD"
	}
	if y < minYear || y > maxYear || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, time.Month(mo)) {
		return time.Time{}, "date out of range"
	}
	if p.i == len(s) {
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc), ""
	}
	if s[p.i] != 'T' && s[p.i] != 't' {
		return time.Time{}, "expected T after the date"
	}
	p.i++
	hh := p.digits(2)
	p.lit(':')
	mm := p.digits(2)
	ss, ns := 0, 0
	if p.more() && s[p.i] == ':' {
		p.i++
		ss = p.digits(2)
		if p.more() && (s[p.i] == '.' || s[p.i] == ',') {
			p.i++
			start := p.i
			for p.more() && isDigit(s[p.i]) {
				if p.i-start == 9 {
					return time.Time{}, "fraction has more than 9 digits"
				}
				ns = ns*10 + int(s[p.i]-'0')
				p.i++
			}
			if p.i == start {
				return time.Time{}, "fraction without digits"
			}
			for k := p.i - start; k < 9; k++ {
				ns *= 10
			}
		}
	}
	if p.bad {
		return time.Time{}, "expected hh:mm[:ss]"
	}
	if hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, "time out of range"
	}
	if !p.more() {
		return time.Date(y, time.Month(mo), d, hh, mm, ss, ns, loc), ""
	}
	var zone *time.Location
	switch c := s[p.i]; c {
	case 'Z', 'z':
		p.i++
		zone = time.UTC
	case '+', '-':
		p.i++
		oh := p.digits(2)
		om := 0
		if p.more() {
			if s[p.i] == ':' {
				p.i++
			}
			om = p.digits(2)
		}
		if p.bad || oh > 23 || om > 59 {
			return time.Time{}, "bad offset"
		}
		off := oh*3600 + om*60
		if c == '-' {
			off = -off
		}
		zone = time.FixedZone("", off)
	default:
		return time.Time{}, "expected Z or an offset"
	}
	if p.more() {
		return time.Time{}, "text after the date-time"
	}
	return time.Date(y, time.Month(mo), d, hh, mm, ss, ns, zone).In(loc), ""
}

// dateParser reads fixed-width fields; bad is set by the first mismatch.
type dateParser struct {
	s   string
	i   int
	bad bool
}

func (p *dateParser) more() bool { return p.i < len(p.s) }

func (p *dateParser) digits(n int) int {
	v := 0
	for range n {
		if p.bad || !p.more() || !isDigit(p.s[p.i]) {
			p.bad = true
			return 0
		}
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
	}
	return v
}

func (p *dateParser) lit(c byte) {
	if p.bad || !p.more() || p.s[p.i] != c {
		p.bad = true
		return
	}
	p.i++
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
