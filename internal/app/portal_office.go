package app

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/portal"
	"github.com/egovuz/egov/internal/workflow"
)

// applicationOffice gives the portal's officer page the signed-in member
// of staff and the open user task of an application's process.
type applicationOffice struct {
	engine *workflow.Engine
	staff  workflowStaff
}

// Officer is the signed-in person with their name in the page's language.
func (o applicationOffice) Officer(ctx context.Context) (portal.Officer, bool) {
	p := identity.FromContext(ctx)
	if p == nil {
		return portal.Officer{}, false
	}
	return portal.Officer{ID: p.User.ID, Name: p.User.DisplayName(web.Locale(ctx))}, true
}

// MayProcess tells whether the signed-in person processes applications in
// the agency.
func (o applicationOffice) MayProcess(ctx context.Context, agencyID string) bool {
	return identity.FromContext(ctx).Can(identity.PermApplicationsProcess, agencyID)
}

// OpenTask is the instance's open user task the signed-in officer may
// take or has taken.
func (o applicationOffice) OpenTask(ctx context.Context, instanceID string) (portal.OfficeTask, error) {
	actor := o.staff.Actor(ctx)
	open := "open"
	tasks, _, err := o.engine.Tasks(ctx, workflow.TaskFilter{State: &open, InstanceID: &instanceID, Limit: 10})
	if err != nil {
		return portal.OfficeTask{}, err
	}
	for _, t := range tasks {
		if t.Assignee == actor.ID || actor.MayWork(t) {
			return portal.OfficeTask{ID: t.ID, Name: t.Name, Mine: t.Assignee == actor.ID, Free: t.Assignee == ""}, nil
		}
	}
	return portal.OfficeTask{}, apperr.New(apperr.ENOTFOUND, "error.not_found")
}

// staffAccessLog records staff's views of a citizen's data in the data
// tracker the citizen's profile shows, beside the bus's accesses.
type staffAccessLog struct{ tracker *bus.Tracker }

// StaffViewed records that officer saw what, for purpose.
func (l staffAccessLog) StaffViewed(ctx context.Context, pinfl string, officer portal.Officer, what, purpose string) error {
	return l.tracker.Record(ctx, bus.Access{PINFL: pinfl, Client: officer.Name, Service: "egov: " + what, Issue: purpose,
		QueryID: "staff-" + db.NewID()})
}

// applicationNumber is what an application's number looks like: the
// business key of its process.
var applicationNumber = regexp.MustCompile(`^\d{4}-\d{7}$`)

// applicationLink is the officer's page of the application a task works
// on, for the inbox.
func applicationLink(t workflow.Task) string {
	if !applicationNumber.MatchString(t.BusinessKey) {
		return ""
	}
	return "/office/applications/" + t.BusinessKey
}

// workflowMessages delivers the portal's messages to processes.
type workflowMessages struct{ engine *workflow.Engine }

// Publish delivers the message, keeping it for ttl when nobody waits yet.
func (m workflowMessages) Publish(ctx context.Context, name, key string, vars map[string]any, ttl time.Duration) error {
	_, err := m.engine.Publish(ctx, workflow.Message{Name: name, CorrelationKey: key, Variables: vars, TTL: ttl})
	return err
}

// runApplicationStatus runs an application.status task: the process
// tells the application's status (header "status") with, from the
// variable the header "detail" names, the officer's message or reason,
// or the header "default" when the variable is empty. A process that
// serves an application the portal does not hold (one an agency took at
// its office and started through the API) has nobody to tell here.
func (a *App) runApplicationStatus(ctx context.Context, t workflow.ServiceTask) (map[string]any, error) {
	number, _ := t.Variables["applicationId"].(string)
	if number == "" {
		return nil, fmt.Errorf("application.status: the instance has no applicationId")
	}
	detail := t.Headers["default"]
	if name := t.Headers["detail"]; name != "" {
		if s, ok := t.Variables[name].(string); ok && s != "" {
			detail = s
		}
	}
	err := a.Applications.SetStatus(ctx, number, t.Headers["status"], detail, t.Key)
	if e := apperr.As(err); e != nil && e.Code == apperr.ENOTFOUND && e.Message == portal.MsgNoApplication {
		a.log.InfoContext(ctx, "application.status: not a portal application", "number", number, "instance", t.InstanceID)
		return nil, nil
	}
	return nil, err
}
