package workflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/workflow/bpmn"
	"github.com/egovuz/egov/internal/workflow/schedule"
)

// timerDue computes when a timer set at now fires: after a duration (in
// working days of cal when the timer says so), at a date, or at the first
// repetition of a cycle.
func timerDue(t *bpmn.TimerDef, now time.Time, loc *time.Location, cal *schedule.Calendar) (time.Time, error) {
	if t == nil {
		return time.Time{}, fmt.Errorf("timer without a definition")
	}
	text := strings.TrimPrefix(strings.TrimSpace(t.Expr), "=")
	switch t.Kind {
	case bpmn.TimeDate:
		return schedule.ParseDate(text, loc)
	case bpmn.TimeCycle:
		at, ok, err := cycleAt(t, now, 0, loc, cal)
		if err == nil && !ok {
			err = fmt.Errorf("timer cycle %q never fires", text)
		}
		return at, err
	}
	d, err := schedule.ParseDuration(text)
	if err != nil {
		return time.Time{}, err
	}
	d.WorkingDays = d.WorkingDays || t.WorkingDays
	return d.After(now.In(loc), cal), nil
}

// cycleAt is firing i (from 0) of a cycle timer set at set; false when the
// cycle has no such firing.
func cycleAt(t *bpmn.TimerDef, set time.Time, i int, loc *time.Location, cal *schedule.Calendar) (time.Time, bool, error) {
	c, err := schedule.ParseCycle(strings.TrimPrefix(strings.TrimSpace(t.Expr), "="), loc)
	if err != nil {
		return time.Time{}, false, err
	}
	if t.WorkingDays {
		c.Interval.WorkingDays = true
	}
	at, ok := c.At(set, i, cal)
	return at, ok, nil
}
