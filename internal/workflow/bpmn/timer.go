package bpmn

import (
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/workflow/schedule"
)

// Timers and due dates are checked with the parsers of package schedule,
// which the engine computes them with, so that a file is accepted exactly
// when its timers can run: durations PnYnMnWnDTnHnMnS (PnW, PT1.5H…, and
// the working-days marker nWD for the day part: P5WD, P1M10WD), dates in
// RFC 3339 / ISO 8601 (2026-12-01T09:00:00+05:00) and cycles R[n]/duration
// or R[n]/start/duration, each within that package's bounds.

// parseTimer checks a timer's expression of kind. It returns the
// expression to store, with a working-days marker WD normalised to D (P5WD
// is stored as P5D), whether it had that marker, and, when it is not
// valid, why.
func parseTimer(kind TimerKind, s string) (norm string, workingDays bool, why string) {
	var err error
	switch kind {
	case TimeDuration:
		var d schedule.Duration
		d, err = schedule.ParseDuration(s)
		workingDays = d.WorkingDays
	case TimeDate:
		_, err = schedule.ParseDate(s, nil)
	case TimeCycle:
		var c schedule.Cycle
		c, err = schedule.ParseCycle(s, nil)
		workingDays = c.Interval.WorkingDays
	}
	if err != nil {
		return "", false, reason(err)
	}
	if workingDays {
		// The day part is the only place "WD" can appear.
		s = strings.Replace(s, "WD", "D", 1)
	}
	return s, workingDays, ""
}

// parseDueDate checks a user task's due date as the engine reads it: a
// duration (working-days marker allowed, and kept) when it starts with P,
// else a date-time; a leading "=" is ignored. It returns why it is not
// valid, or "".
func parseDueDate(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "="))
	var err error
	if strings.HasPrefix(s, "P") {
		_, err = schedule.ParseDuration(s)
	} else {
		_, err = schedule.ParseDate(s, nil)
	}
	if err != nil {
		return reason(err)
	}
	return ""
}

// reason is why package schedule refused a text: the cause its error
// keeps, which is plain English like the expression compiler's messages.
func reason(err error) string {
	if e := apperr.As(err); e != nil && e.Err != nil {
		return e.Err.Error()
	}
	return err.Error()
}
