package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// Instance is a process instance as operators see it.
type Instance struct {
	ID           string
	DefinitionID string
	Key          string
	Version      int
	BusinessKey  string
	AgencyID     string
	State        string
	Variables    map[string]any
	ParentID     string
	StartedAt    time.Time
	EndedAt      *time.Time
}

// Instance returns one instance; ENOTFOUND if there is none.
func (e *Engine) Instance(ctx context.Context, id string) (*Instance, error) {
	in := &Instance{ID: id}
	var vars string
	var ended sql.NullTime
	err := e.db.Reader().QueryRowContext(ctx, `SELECT i.definition_id, i.key, d.version, i.business_key, i.agency_id, i.state, i.variables, i.parent_id, i.started_at, i.ended_at
		FROM workflow_instances i JOIN workflow_definitions d ON d.id = i.definition_id WHERE i.id = $1`, id).
		Scan(&in.DefinitionID, &in.Key, &in.Version, &in.BusinessKey, &in.AgencyID, &in.State, &vars, &in.ParentID, &in.StartedAt, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, msgNoInstance)
	}
	if err != nil {
		return nil, fmt.Errorf("instance %s: %w", id, err)
	}
	if ended.Valid {
		in.EndedAt = &ended.Time
	}
	if err := json.Unmarshal([]byte(vars), &in.Variables); err != nil {
		return nil, fmt.Errorf("instance %s variables: %w", id, err)
	}
	return in, nil
}

// HistoryEntry is one thing that happened to an instance.
type HistoryEntry struct {
	Seq       int
	At        time.Time
	ElementID string
	Event     string
	Detail    string
}

// History lists what happened to an instance, in order.
func (e *Engine) History(ctx context.Context, id string) ([]HistoryEntry, error) {
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT seq, at, element_id, event, detail FROM workflow_history WHERE instance_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		if err := rows.Scan(&h.Seq, &h.At, &h.ElementID, &h.Event, &h.Detail); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Positions counts the tokens of an instance by element: those waiting
// and those stopped by an incident, for the diagram and the instance page.
func (e *Engine) Positions(ctx context.Context, id string) (map[string]int, map[string]int, error) {
	return e.positions(ctx, `SELECT element_id, state, count(*) FROM workflow_tokens WHERE instance_id = $1 GROUP BY element_id, state`, id)
}

// positions runs a query of element, state and count.
func (e *Engine) positions(ctx context.Context, query, arg string) (map[string]int, map[string]int, error) {
	rows, err := e.db.Reader().QueryContext(ctx, query, arg)
	if err != nil {
		return nil, nil, fmt.Errorf("positions: %w", err)
	}
	defer rows.Close()
	active, incidents := map[string]int{}, map[string]int{}
	for rows.Next() {
		var el, state string
		var n int
		if err := rows.Scan(&el, &state, &n); err != nil {
			return nil, nil, err
		}
		if state == "incident" {
			incidents[el] += n
		} else {
			active[el] += n
		}
	}
	return active, incidents, rows.Err()
}

// Cancel ends an active instance and everything it waits for, and its
// called instances. ECONFLICT if it is not active.
func (e *Engine) Cancel(ctx context.Context, actor, id string) error {
	return e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		return e.cancelIn(ctx, tx, after, actor, id)
	})
}

func (e *Engine) cancelIn(ctx context.Context, tx *db.Batch, after *afterCommit, actor, id string) error {
	x, err := e.lock(ctx, tx, after, id)
	if err != nil {
		return err
	}
	if x.inst.State != "active" {
		return apperr.New(apperr.ECONFLICT, msgNotActive)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM workflow_instances WHERE parent_id = $1 AND state = 'active'`, id)
	if err != nil {
		return err
	}
	var children []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		children = append(children, c)
	}
	rows.Close()
	for _, c := range children {
		if err := e.cancelIn(ctx, tx, after, actor, c); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE workflow_incidents SET resolved_at = $1 WHERE instance_id = $2 AND resolved_at IS NULL`, x.now, id); err != nil {
		return err
	}
	x.history("", "cancel", actor)
	x.inst.ParentID = "" // a cancelled child does not move its caller on
	return x.finish("cancelled")
}

// Incident is a step that could not go on.
type Incident struct {
	ID         string
	InstanceID string
	ElementID  string
	Message    string
	CreatedAt  time.Time
}

// Incidents lists the unresolved incidents, oldest first.
func (e *Engine) Incidents(ctx context.Context, limit int) ([]Incident, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT id, instance_id, element_id, message, created_at FROM workflow_incidents
		WHERE resolved_at IS NULL ORDER BY created_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		var in Incident
		if err := rows.Scan(&in.ID, &in.InstanceID, &in.ElementID, &in.Message, &in.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// Retry resolves an incident and runs its element again: a service task's
// handler gets a fresh set of retries, a gateway evaluates its conditions
// again (after someone corrected the variables). ENOTFOUND if the incident
// is unknown or resolved.
func (e *Engine) Retry(ctx context.Context, actor, incidentID string) error {
	return e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		var instanceID, tokenID, elementID string
		err := tx.QueryRowContext(ctx, `SELECT instance_id, token_id, element_id FROM workflow_incidents WHERE id = $1 AND resolved_at IS NULL`, incidentID).
			Scan(&instanceID, &tokenID, &elementID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.ENOTFOUND, msgNoIncident)
		}
		if err != nil {
			return err
		}
		x, err := e.lock(ctx, tx, after, instanceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workflow_incidents SET resolved_at = $1 WHERE id = $2`, x.now, incidentID); err != nil {
			return err
		}
		x.history(elementID, "retry", actor)
		tok, err := x.token(tokenID)
		if err != nil {
			return err
		}
		el := x.proc.Elements[elementID]
		switch el.Kind {
		case bpmn.ServiceTask, bpmn.SendTask:
			if _, err := tx.ExecContext(ctx, `UPDATE workflow_tokens SET state = 'waiting' WHERE id = $1`, tokenID); err != nil {
				return err
			}
			return x.enqueueTask(el, tokenID)
		}
		if err := x.removeToken(tokenID); err != nil {
			return err
		}
		var moves []move
		switch el.Kind {
		case bpmn.ExclusiveGateway:
			// Choose again: joins were done before the incident.
			moves, err = x.exclusive(el, tok.scope)
		case bpmn.InclusiveGateway, bpmn.ParallelGateway, bpmn.StartEvent, bpmn.BoundaryEvent, bpmn.IntermediateCatchEvent:
			moves, err = x.leave(el, tok.scope)
		default:
			// An activity runs again from its start.
			moves = []move{{el: el, scope: tok.scope}}
		}
		if err != nil {
			return err
		}
		if err := x.run(moves); err != nil {
			return err
		}
		return x.save()
	})
}

// DefinitionSummary is a deployed version with its running figures.
type DefinitionSummary struct {
	Definition
	Active    int
	Incidents int
}

// Definitions lists every deployed version, newest of each key first, with
// the number of active instances and open incidents.
func (e *Engine) Definitions(ctx context.Context) ([]DefinitionSummary, error) {
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT d.id, d.key, d.version, d.name, d.deployed_at, d.deployed_by,
		(SELECT count(*) FROM workflow_instances i WHERE i.definition_id = d.id AND i.state = 'active'),
		(SELECT count(*) FROM workflow_incidents n JOIN workflow_instances i ON i.id = n.instance_id WHERE i.definition_id = d.id AND n.resolved_at IS NULL)
		FROM workflow_definitions d ORDER BY d.key, d.version DESC`)
	if err != nil {
		return nil, fmt.Errorf("definitions: %w", err)
	}
	defer rows.Close()
	var out []DefinitionSummary
	for rows.Next() {
		var s DefinitionSummary
		if err := rows.Scan(&s.ID, &s.Key, &s.Version, &s.Name, &s.DeployedAt, &s.DeployedBy, &s.Active, &s.Incidents); err != nil {
			return nil, fmt.Errorf("definitions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Definition returns a deployed version with its parsed file; ENOTFOUND if
// there is none.
func (e *Engine) Definition(ctx context.Context, id string) (*Definition, *bpmn.Definitions, *bpmn.Process, error) {
	d := &Definition{ID: id}
	err := e.db.Reader().QueryRowContext(ctx, `SELECT key, version, name, deployed_at, deployed_by FROM workflow_definitions WHERE id = $1`, id).
		Scan(&d.Key, &d.Version, &d.Name, &d.DeployedAt, &d.DeployedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil, apperr.New(apperr.ENOTFOUND, msgNoDefinition)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("definition %s: %w", id, err)
	}
	l, err := e.process(ctx, e.db.Reader(), id)
	if err != nil {
		return nil, nil, nil, err
	}
	return d, l.defs, l.proc, nil
}

// InstanceFilter selects instances; nil fields do not filter.
type InstanceFilter struct {
	DefinitionID *string
	State        *string
	BusinessKey  *string
	Limit        int
}

// Instances lists instances, newest first.
func (e *Engine) Instances(ctx context.Context, f InstanceFilter) ([]Instance, error) {
	var q db.Filter
	q.AddIf("i.definition_id = %s", f.DefinitionID)
	q.AddIf("i.state = %s", f.State)
	q.AddIf("i.business_key = %s", f.BusinessKey)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	where := q.Where()
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT i.id, i.definition_id, i.key, d.version, i.business_key, i.agency_id, i.state, i.parent_id, i.started_at, i.ended_at
		FROM workflow_instances i JOIN workflow_definitions d ON d.id = i.definition_id`+where+` ORDER BY i.started_at DESC, i.id`+q.Page(f.Limit, 0), q.Args()...)
	if err != nil {
		return nil, fmt.Errorf("instances: %w", err)
	}
	defer rows.Close()
	var out []Instance
	for rows.Next() {
		var in Instance
		var ended sql.NullTime
		if err := rows.Scan(&in.ID, &in.DefinitionID, &in.Key, &in.Version, &in.BusinessKey, &in.AgencyID, &in.State, &in.ParentID, &in.StartedAt, &ended); err != nil {
			return nil, fmt.Errorf("instances: %w", err)
		}
		if ended.Valid {
			in.EndedAt = &ended.Time
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// DefinitionPositions counts the tokens of a definition's instances by
// element: where work is, and where it is stuck.
func (e *Engine) DefinitionPositions(ctx context.Context, id string) (map[string]int, map[string]int, error) {
	return e.positions(ctx, `SELECT t.element_id, t.state, count(*) FROM workflow_tokens t
		JOIN workflow_instances i ON i.id = t.instance_id WHERE i.definition_id = $1 GROUP BY t.element_id, t.state`, id)
}

// MigrationResult says what Migrate did.
type MigrationResult struct {
	Migrated int
	// Skipped are instances left on their version, each with the element
	// the newer version lacks.
	Skipped map[string]string
}

// Migrate moves the active instances of definition from onto definition
// to, a version of the same key, where every element they wait at exists
// in the newer version as the same kind of element; the others stay where
// they are and are listed. Each instance moves in its own step, so a
// running instance is never half moved.
func (e *Engine) Migrate(ctx context.Context, actor, from, to string) (MigrationResult, error) {
	res := MigrationResult{Skipped: map[string]string{}}
	fromDef, _, _, err := e.Definition(ctx, from)
	if err != nil {
		return res, err
	}
	toDef, _, target, err := e.Definition(ctx, to)
	if err != nil {
		return res, err
	}
	if fromDef.Key != toDef.Key || from == to {
		return res, apperr.Invalid("workflow.migrate.key", map[string]string{"to": "workflow.migrate.key"})
	}
	active := "active"
	list, err := e.Instances(ctx, InstanceFilter{DefinitionID: &from, State: &active, Limit: 500})
	if err != nil {
		return res, err
	}
	for _, in := range list {
		err := e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
			x, err := e.lock(ctx, tx, after, in.ID)
			if err != nil {
				return err
			}
			if x.inst.DefinitionID != from || x.inst.State != "active" {
				return errGone
			}
			rows, err := tx.QueryContext(ctx, `SELECT DISTINCT element_id FROM workflow_tokens WHERE instance_id = $1`, in.ID)
			if err != nil {
				return err
			}
			var elements []string
			for rows.Next() {
				var el string
				if err := rows.Scan(&el); err != nil {
					rows.Close()
					return err
				}
				elements = append(elements, el)
			}
			rows.Close()
			for _, el := range elements {
				if n := target.Elements[el]; n == nil || n.Kind != x.proc.Elements[el].Kind {
					res.Skipped[in.ID] = el
					return errGone
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE workflow_instances SET definition_id = $1 WHERE id = $2`, to, in.ID); err != nil {
				return err
			}
			x.history("", "migrated", fmt.Sprintf("v%d → v%d by %s", fromDef.Version, toDef.Version, actor))
			return nil
		})
		switch {
		case err == nil:
			res.Migrated++
		case !errors.Is(err, errGone):
			return res, fmt.Errorf("migrate %s: %w", in.ID, err)
		}
	}
	return res, nil
}
