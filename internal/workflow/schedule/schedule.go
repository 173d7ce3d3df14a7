// Package schedule computes when BPMN timers fire and when due dates fall.
//
// It reads the three ISO 8601 forms of a BPMN timer definition:
//
//   - timeDuration: ParseDuration("PT10M"), ParseDuration("P1M"), and the
//     working-day form ParseDuration("P5WD"); Duration.After gives the fire
//     time for a timer set at a given moment;
//   - timeDate: ParseDate("2026-12-01T09:00:00+05:00", loc);
//   - timeCycle: ParseCycle("R3/PT10M", loc), ParseCycle("R/P1D", loc),
//     ParseCycle("R3/2026-12-01T09:00:00Z/PT1H", loc); Cycle.At and
//     Cycle.Next give its repetitions.
//
// Calendar arithmetic (years, months, days) happens on the wall clock of an
// explicit *time.Location, normally Asia/Tashkent, which a Calendar carries;
// clock time (hours, minutes, seconds) is elapsed time. A Calendar also knows
// the working days: weekends, Uzbekistan's fixed public holidays, and the
// days that are declared each year (movable holidays, extra days off,
// transferred working Saturdays).
//
// The parsers read text from uploaded BPMN files and are bounded: input over
// MaxLen bytes, numbers that overflow, durations with a part longer than 1000
// years and dates outside the years 1900–9999 are rejected. Every parse
// error is an *apperr.Error with code EINVALID, message MsgInvalid and the
// offending text (shortened to MaxLen bytes) as its only argument.
package schedule

import (
	"errors"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/text"
)

// MsgInvalid is the message key of every parse error; its one argument is
// the text that did not parse.
const MsgInvalid = "workflow.timer.invalid"

// MsgCalendarInvalid is the message key of a Calendar configuration error.
const MsgCalendarInvalid = "workflow.calendar.invalid"

// MaxLen is the longest timer expression accepted, in bytes.
const MaxLen = 100

// Bounds on what the parsers accept and what the arithmetic computes.
const (
	maxYears  = 1000                  // a duration part may not exceed 1000 years
	maxMonths = 12 * maxYears         // 1000 years of months
	maxWeeks  = 52_178                // 1000 years of weeks
	maxDays   = 365_242               // 1000 years of days
	minYear   = 1900                  // earliest date ParseDate accepts
	maxYear   = 9999                  // latest date ParseDate accepts and Cycle computes
	maxRepeat = 1<<31 - 1             // largest repetition count of a cycle
	maxSpan   = 3_660_000             // days: more than 10,000 years, a bound for loops
	bigNumber = 1_000_000_000_000_000 // numbers are rejected once they pass this
)

// invalid returns the EINVALID error for the text s, with why as the
// logged cause.
func invalid(s, why string) *apperr.Error {
	e := apperr.New(apperr.EINVALID, MsgInvalid, text.Clip(s, MaxLen))
	e.Err = errors.New(why)
	return e
}
