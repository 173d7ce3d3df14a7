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
		c, err := schedule.ParseCycle(text, loc)
		if err != nil {
			return time.Time{}, err
		}
		at, ok := c.At(now, 0, cal)
		if !ok {
			return time.Time{}, fmt.Errorf("timer cycle %q has no repetition after %s", text, now.Format(time.RFC3339))
		}
		return at, nil
	}
	d, err := schedule.ParseDuration(text)
	if err != nil {
		return time.Time{}, err
	}
	d.WorkingDays = d.WorkingDays || t.WorkingDays
	return d.After(now.In(loc), cal), nil
}
