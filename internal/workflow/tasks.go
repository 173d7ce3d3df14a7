package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// Actor is a member of staff working on tasks: who they are and the roles
// they hold in which agency (the identity module's grants, by role name).
type Actor struct {
	ID     string
	Grants []Grant
}

// Grant is a role held in an agency ("" for a role held everywhere).
type Grant struct {
	Role     string
	AgencyID string
}

// MayWork tells whether the actor may take the task: they hold one of its
// candidate groups in its agency.
func (a Actor) MayWork(t Task) bool { return a.holds(t.CandidateGroups, t.AgencyID) }

// holds tells whether the actor holds one of groups in agencyID.
func (a Actor) holds(groups []string, agencyID string) bool {
	for _, g := range a.Grants {
		if (g.AgencyID == "" || g.AgencyID == agencyID) && slices.Contains(groups, g.Role) {
			return true
		}
	}
	return false
}

// Task is a user task.
type Task struct {
	ID              string
	InstanceID      string
	BusinessKey     string
	ProcessKey      string
	ElementID       string
	Name            string
	AgencyID        string
	CandidateGroups []string
	Assignee        string
	FormKey         string
	State           string
	DueAt           *time.Time
	CreatedAt       time.Time
	EndedAt         *time.Time
	EndedBy         string
}

// Overdue tells whether an open task is past its due date at now.
func (t Task) Overdue(now time.Time) bool {
	return t.State == "open" && t.DueAt != nil && now.After(*t.DueAt)
}

// TaskFilter selects tasks; nil fields do not filter.
type TaskFilter struct {
	State    *string
	AgencyID *string
	Assignee *string
	// Groups keeps tasks offered to one of these groups.
	Groups     []string
	InstanceID *string
	Limit      int
	Offset     int
}

// Tasks lists tasks, oldest due first, with the number that match.
func (e *Engine) Tasks(ctx context.Context, f TaskFilter) ([]Task, int, error) {
	var q db.Filter
	q.AddIf("t.state = %s", f.State)
	q.AddIf("t.agency_id = %s", f.AgencyID)
	q.AddIf("t.assignee = %s", f.Assignee)
	q.AddIf("t.instance_id = %s", f.InstanceID)
	if len(f.Groups) > 0 {
		var ors []string
		for _, g := range f.Groups {
			ors = append(ors, "(',' || t.candidate_groups || ',') LIKE "+q.Arg("%,"+g+",%"))
		}
		q.Cond("(" + strings.Join(ors, " OR ") + ")")
	}
	var total int
	if err := e.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM workflow_tasks t`+q.Where(), q.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count tasks: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	where := q.Where()
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT t.id, t.instance_id, i.business_key, i.key, t.element_id, t.name, t.agency_id,
		t.candidate_groups, t.assignee, t.form_key, t.state, t.due_at, t.created_at, t.ended_at, t.ended_by
		FROM workflow_tasks t JOIN workflow_instances i ON i.id = t.instance_id`+where+`
		ORDER BY CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END, t.due_at, t.created_at, t.id`+q.Page(f.Limit, max(f.Offset, 0)), q.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("tasks: %w", err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		var groups string
		var due, ended sql.NullTime
		if err := rows.Scan(&t.ID, &t.InstanceID, &t.BusinessKey, &t.ProcessKey, &t.ElementID, &t.Name, &t.AgencyID, &groups, &t.Assignee,
			&t.FormKey, &t.State, &due, &t.CreatedAt, &ended, &t.EndedBy); err != nil {
			return nil, 0, fmt.Errorf("tasks: %w", err)
		}
		if groups != "" {
			t.CandidateGroups = strings.Split(groups, ",")
		}
		if due.Valid {
			t.DueAt = &due.Time
		}
		if ended.Valid {
			t.EndedAt = &ended.Time
		}
		out = append(out, t)
	}
	return out, total, rows.Err()
}

// openTask is an open task as a change to it sees it.
type openTaskRow struct {
	instanceID, tokenID, elementID, assignee, agency string
	groups                                           []string
}

// openTask loads an open task in tx for a change by actor, who must hold
// one of its groups in its agency (or be its assignee).
func openTask(ctx context.Context, tx *db.Batch, actor Actor, id string) (openTaskRow, error) {
	var t openTaskRow
	var groups, state string
	err := tx.QueryRowContext(ctx, `SELECT instance_id, token_id, element_id, assignee, candidate_groups, agency_id, state FROM workflow_tasks WHERE id = $1`, id).
		Scan(&t.instanceID, &t.tokenID, &t.elementID, &t.assignee, &groups, &t.agency, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.New(apperr.ENOTFOUND, msgNoTask)
	}
	if err != nil {
		return t, err
	}
	if state != "open" {
		return t, apperr.New(apperr.ECONFLICT, msgTaskClosed)
	}
	t.groups = strings.Split(groups, ",")
	if t.assignee != actor.ID && !actor.holds(t.groups, t.agency) {
		return t, apperr.New(apperr.EFORBIDDEN, msgNotYours)
	}
	return t, nil
}

// Claim assigns an open task to the actor. EFORBIDDEN if they may not work
// on it; ECONFLICT if someone else holds it or it is closed.
func (e *Engine) Claim(ctx context.Context, actor Actor, id string) error {
	return e.assign(ctx, actor, id, &actor, true)
}

// Unclaim gives a task the actor holds back to its groups.
func (e *Engine) Unclaim(ctx context.Context, actor Actor, id string) error {
	return e.assign(ctx, actor, id, nil, false)
}

// Delegate hands a task the actor may work on to another member of staff,
// to, who must be able to work on it too: hold one of its groups in its
// agency (EINVALID otherwise, naming the field "to").
func (e *Engine) Delegate(ctx context.Context, actor Actor, id string, to Actor) error {
	if strings.TrimSpace(to.ID) == "" {
		return apperr.Invalid("workflow.task.delegate_to", map[string]string{"to": "workflow.task.delegate_to"})
	}
	return e.assign(ctx, actor, id, &to, false)
}

// assign gives the task to, or back to its groups when to is nil.
func (e *Engine) assign(ctx context.Context, actor Actor, id string, to *Actor, claim bool) error {
	return e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		t, err := openTask(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if claim && t.assignee != "" && t.assignee != actor.ID {
			return apperr.New(apperr.ECONFLICT, msgClaimed)
		}
		assignee, event := "", "unassigned"
		if to != nil {
			if !to.holds(t.groups, t.agency) {
				return apperr.Invalid("workflow.task.delegate_unable", map[string]string{"to": "workflow.task.delegate_unable"})
			}
			assignee, event = to.ID, "assigned"
		}
		x, err := e.lock(ctx, tx, after, t.instanceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workflow_tasks SET assignee = $1 WHERE id = $2 AND state = 'open'`, assignee, id); err != nil {
			return err
		}
		x.history(t.elementID, event, assignee)
		return nil
	})
}

// CompletedBy is the variable in which Complete records who completed a
// user task, for the steps that act in their name (a result document the
// officer signs): the engine sets it, whatever the outcome says.
const CompletedBy = "completedBy"

// Complete finishes a user task with the actor's outcome (merged into the
// instance's variables, with CompletedBy set to the actor) and moves the
// process on. An outcome that decides to reject or to ask for more
// information ("decision" "reject" or "more-info") must say why in
// "comment": a person reads it. EINVALID for one that does not; EFORBIDDEN
// if the actor may not work on the task; ECONFLICT if it is closed or
// someone else holds it.
func (e *Engine) Complete(ctx context.Context, actor Actor, id string, outcome map[string]any) error {
	if d := outcome["decision"]; d == "reject" || d == "more-info" {
		if c, _ := outcome["comment"].(string); strings.TrimSpace(c) == "" {
			return apperr.Invalid("workflow.task.decision", map[string]string{"comment": "workflow.task.comment_required"})
		}
	}
	outcome = maps.Clone(outcome)
	if outcome == nil {
		outcome = map[string]any{}
	}
	outcome[CompletedBy] = actor.ID
	doc, err := json.Marshal(outcome)
	if err != nil {
		return apperr.Invalid("workflow.variables.invalid", map[string]string{"outcome": "workflow.variables.invalid"})
	}
	return e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		t, err := openTask(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		instanceID, tokenID, elementID := t.instanceID, t.tokenID, t.elementID
		if t.assignee != "" && t.assignee != actor.ID {
			return apperr.New(apperr.ECONFLICT, msgClaimed)
		}
		x, err := e.lock(ctx, tx, after, instanceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workflow_tasks SET state = 'completed', ended_at = $1, ended_by = $2, outcome = $3 WHERE id = $4 AND state = 'open'`,
			x.now, actor.ID, string(doc), id); err != nil {
			return err
		}
		if _, err := e.publish(ctx, tx, after, SubjectTaskCompleted, map[string]any{"id": id, "instance": instanceID, "element": elementID, "by": actor.ID}); err != nil {
			return err
		}
		err = x.resume(tokenID, elementID, func(el *bpmn.Element) (map[string]any, error) {
			if len(el.Outputs) > 0 {
				return x.mapInto(el.Outputs, outcome)
			}
			return outcome, nil
		})
		if errors.Is(err, errGone) {
			return apperr.New(apperr.ECONFLICT, msgTaskClosed)
		}
		return err
	})
}
