package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/platform/text"
	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// instance is an instance as a step sees it.
type instance struct {
	ID, DefinitionID, Key, BusinessKey, AgencyID string
	ParentID, ParentToken                        string
	State                                        string
	vars                                         map[string]any
}

// exec is one step of one instance: the moves it makes and what they
// change, all in tx.
type exec struct {
	e     *Engine
	ctx   context.Context
	tx    *db.Batch
	after *afterCommit
	inst  *instance
	proc  *bpmn.Process
	now   time.Time
	// dirty says the variables changed; ended that the instance ended.
	dirty, ended bool
	seq          int
	// deliveries are kept messages found for tokens that came to wait in
	// this step, delivered once its moves are done.
	deliveries []delivery
}

// move is a token arriving at an element: by a flow, or by nothing (a
// start event, a boundary event that fired).
type move struct {
	el    *bpmn.Element
	scope string
	via   *bpmn.Flow
}

// lock raises the instance's rev, which locks its row until the step
// commits, and loads it. ENOTFOUND if there is no such instance.
func (e *Engine) lock(ctx context.Context, tx *db.Batch, after *afterCommit, id string) (*exec, error) {
	inst := &instance{ID: id}
	var vars string
	var rev int
	err := tx.QueryRowContext(ctx, `UPDATE workflow_instances SET rev = rev + 1 WHERE id = $1
		RETURNING rev, definition_id, key, business_key, agency_id, parent_id, parent_token_id, state, variables`, id).
		Scan(&rev, &inst.DefinitionID, &inst.Key, &inst.BusinessKey, &inst.AgencyID, &inst.ParentID, &inst.ParentToken, &inst.State, &vars)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, msgNoInstance)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(vars), &inst.vars); err != nil {
		return nil, fmt.Errorf("instance %s variables: %w", id, err)
	}
	l, err := e.process(ctx, tx, inst.DefinitionID)
	if err != nil {
		return nil, err
	}
	return &exec{e: e, ctx: ctx, tx: tx, after: after, inst: inst, proc: l.proc, now: e.clock.Now(), seq: firstSeq(rev)}, nil
}

// firstSeq numbers the history of the step that raised rev to rev: steps
// of one instance are serialised by rev, so their entries never collide
// and sort in the order they happened.
func firstSeq(rev int) int { return rev * stepEntries }

// stepEntries bounds the history entries of one step.
const stepEntries = 100000

// save writes the variables back when they changed.
func (x *exec) save() error {
	if !x.dirty || x.ended {
		return nil
	}
	doc, err := json.Marshal(x.inst.vars)
	if err != nil {
		return err
	}
	_, err = x.tx.ExecContext(x.ctx, `UPDATE workflow_instances SET variables = $1 WHERE id = $2`, string(doc), x.inst.ID)
	return err
}

// merge sets variables.
func (x *exec) merge(vars map[string]any) {
	if len(vars) == 0 {
		return
	}
	maps.Copy(x.inst.vars, vars)
	x.dirty = true
}

// history records what happened at an element. The entry is written with
// the step's others just before the commit.
func (x *exec) history(elementID, event, detail string) {
	x.seq++
	x.after.history = append(x.after.history, histRow{instance: x.inst.ID, seq: x.seq, at: x.now, element: elementID, event: event, detail: detail})
}

// run executes moves until every token waits, then delivers the kept
// messages found for tokens that came to wait.
func (x *exec) run(moves []move) error {
	for len(moves) > 0 && !x.ended {
		m := moves[0]
		moves = moves[1:]
		next, err := x.execute(m)
		if err != nil {
			return err
		}
		moves = append(moves, next...)
	}
	for len(x.deliveries) > 0 && !x.ended {
		d := x.deliveries[0]
		x.deliveries = x.deliveries[1:]
		x.merge(d.vars)
		if err := x.fire(d.token, d.event); err != nil && !errors.Is(err, errGone) {
			return err
		}
	}
	return nil
}

// execute enters an element and returns the moves that follow at once.
func (x *exec) execute(m move) ([]move, error) {
	el := m.el
	x.history(el.ID, "entered", "")
	switch el.Kind {
	case bpmn.StartEvent, bpmn.BoundaryEvent:
		return x.leave(el, m.scope)
	case bpmn.EndEvent:
		return x.end(el, m.scope)
	case bpmn.UserTask:
		return nil, x.waitUserTask(el, m.scope)
	case bpmn.ServiceTask, bpmn.SendTask:
		return nil, x.waitServiceTask(el, m.scope)
	case bpmn.SubProcess:
		tok, err := x.waitAt(el, m.scope)
		if err != nil {
			return nil, err
		}
		if len(el.Starts) == 0 {
			return nil, fmt.Errorf("sub-process %s has no start event", el.ID)
		}
		return []move{{el: el.Starts[0], scope: tok}}, nil
	case bpmn.CallActivity:
		return nil, x.call(el, m.scope)
	case bpmn.ExclusiveGateway:
		return x.exclusive(el, m.scope)
	case bpmn.ParallelGateway, bpmn.InclusiveGateway:
		return x.gateway(el, m)
	case bpmn.IntermediateCatchEvent:
		tok, err := x.newToken(el, m.scope, "waiting", "")
		if err != nil {
			return nil, err
		}
		switch el.Trigger {
		case bpmn.Timer:
			return nil, x.scheduleTimer(el, tok)
		case bpmn.Message:
			return nil, x.subscribe(el, tok)
		}
		return nil, fmt.Errorf("catch event %s: unsupported trigger %q", el.ID, el.Trigger)
	}
	return nil, fmt.Errorf("element %s: unsupported kind %s", el.ID, el.Kind)
}

// leave takes the outgoing flows of an element: every unconditional flow
// and every conditional one whose condition holds; the default flow when
// no other is taken. A condition that fails to run is an incident.
func (x *exec) leave(el *bpmn.Element, scope string) ([]move, error) {
	var out []move
	for _, f := range el.Outgoing {
		if f == el.Default {
			continue
		}
		if f.Program != nil {
			ok, err := x.cond(f)
			if err != nil {
				return nil, x.incidentHere(el, scope, err)
			}
			if !ok {
				continue
			}
		}
		out = append(out, move{el: f.Target, scope: scope, via: f})
	}
	if len(out) == 0 && el.Default != nil {
		out = append(out, move{el: el.Default.Target, scope: scope, via: el.Default})
	}
	if len(out) == 0 && len(el.Outgoing) > 0 {
		return nil, x.incidentHere(el, scope, errors.New("no outgoing flow's condition holds and there is no default flow"))
	}
	if len(out) == 0 {
		// An activity without outgoing flows ends its path, like an
		// end event.
		return x.end(el, scope)
	}
	return out, nil
}

// cond evaluates a flow's condition over the variables.
func (x *exec) cond(f *bpmn.Flow) (bool, error) {
	v, err := expr.Run(f.Program, x.inst.vars)
	if err != nil {
		return false, fmt.Errorf("condition of flow %s: %w", f.ID, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition of flow %s gave %T, not a boolean", f.ID, v)
	}
	return b, nil
}

// exclusive takes the first outgoing flow whose condition holds, else the
// default; none is an incident.
func (x *exec) exclusive(el *bpmn.Element, scope string) ([]move, error) {
	for _, f := range el.Outgoing {
		if f == el.Default {
			continue
		}
		if f.Program == nil {
			return []move{{el: f.Target, scope: scope, via: f}}, nil
		}
		ok, err := x.cond(f)
		if err != nil {
			return nil, x.incidentHere(el, scope, err)
		}
		if ok {
			x.history(el.ID, "took", f.ID)
			return []move{{el: f.Target, scope: scope, via: f}}, nil
		}
	}
	if el.Default != nil {
		return []move{{el: el.Default.Target, scope: scope, via: el.Default}}, nil
	}
	return nil, x.incidentHere(el, scope, errors.New("no outgoing flow's condition holds and there is no default flow"))
}

// gateway joins and forks parallel and inclusive gateways. A gateway with
// several incoming flows waits until a token has come by each of them
// (parallel) or until no other token of its scope is still on the way
// (inclusive), then forks: every outgoing flow (parallel) or those whose
// condition holds (inclusive).
func (x *exec) gateway(el *bpmn.Element, m move) ([]move, error) {
	if len(el.Incoming) > 1 {
		if _, err := x.newToken(el, m.scope, "joining", flowID(m.via)); err != nil {
			return nil, err
		}
		ready, err := x.joinReady(el, m.scope)
		if err != nil || !ready {
			return nil, err
		}
		if _, err := x.tx.ExecContext(x.ctx, `DELETE FROM workflow_tokens WHERE instance_id = $1 AND element_id = $2 AND scope_id = $3 AND state = 'joining'`,
			x.inst.ID, el.ID, m.scope); err != nil {
			return nil, err
		}
		x.history(el.ID, "joined", "")
	}
	if el.Kind == bpmn.ParallelGateway {
		out := make([]move, 0, len(el.Outgoing))
		for _, f := range el.Outgoing {
			out = append(out, move{el: f.Target, scope: m.scope, via: f})
		}
		return out, nil
	}
	return x.leave(el, m.scope)
}

func flowID(f *bpmn.Flow) string {
	if f == nil {
		return ""
	}
	return f.ID
}

// joinReady tells whether a joining gateway may fire.
func (x *exec) joinReady(el *bpmn.Element, scope string) (bool, error) {
	rows, err := x.tx.QueryContext(x.ctx, `SELECT element_id, state, via_flow FROM workflow_tokens WHERE instance_id = $1 AND scope_id = $2`, x.inst.ID, scope)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	arrived := map[string]bool{}
	others := 0
	for rows.Next() {
		var elementID, state, via string
		if err := rows.Scan(&elementID, &state, &via); err != nil {
			return false, err
		}
		if elementID == el.ID && state == "joining" {
			arrived[via] = true
		} else {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if el.Kind == bpmn.ParallelGateway {
		return len(arrived) >= len(el.Incoming), nil
	}
	// Inclusive: fire once every token of the scope has arrived. Tokens
	// elsewhere in the scope are taken to be on their way here, which
	// holds for the block-structured processes modelers draw.
	return others == 0, nil
}

// newToken records a token waiting at el.
func (x *exec) newToken(el *bpmn.Element, scope, state, via string) (string, error) {
	id := db.NewID()
	_, err := x.tx.ExecContext(x.ctx, `INSERT INTO workflow_tokens (id, instance_id, element_id, scope_id, state, via_flow, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, x.inst.ID, el.ID, scope, state, via, x.now)
	return id, err
}

// waitAt records a token waiting at an activity and arms its boundary
// events.
func (x *exec) waitAt(el *bpmn.Element, scope string) (string, error) {
	tok, err := x.newToken(el, scope, "waiting", "")
	if err != nil {
		return "", err
	}
	for _, b := range el.Boundaries {
		switch b.Trigger {
		case bpmn.Timer:
			err = x.scheduleTimer(b, tok)
		case bpmn.Message:
			err = x.subscribe(b, tok)
		}
		if err != nil {
			return "", err
		}
	}
	return tok, nil
}

// waitServiceTask queues the task's handler as a job keyed by its token.
func (x *exec) waitServiceTask(el *bpmn.Element, scope string) error {
	tok, err := x.waitAt(el, scope)
	if err != nil {
		return err
	}
	return x.enqueueTask(el, tok)
}

func (x *exec) enqueueTask(el *bpmn.Element, tok string) error {
	payload, _ := json.Marshal(taskJob{Instance: x.inst.ID, Token: tok, Element: el.ID})
	retries := el.Retries
	if retries <= 0 {
		retries = x.e.opts.Retries
	}
	if _, err := x.e.jobs.Enqueue(x.ctx, x.tx, jobs.Spec{Kind: jobTask, Payload: payload, MaxAttempts: retries}); err != nil {
		return err
	}
	x.after.nudge = true
	return nil
}

// taskJob is the payload of service-task and timer jobs.
type taskJob struct {
	Instance string `json:"instance"`
	Token    string `json:"token"`
	Element  string `json:"element"`
	// Set is when a timer was set and Fires how often a cycle timer has
	// fired, from which its next firing follows.
	Set   time.Time `json:"set,omitzero"`
	Fires int       `json:"fires,omitempty"`
}

// end consumes a token at an end event (or an activity without outgoing
// flows) and completes its scope when it was the last one.
func (x *exec) end(el *bpmn.Element, scope string) ([]move, error) {
	switch el.Trigger {
	case bpmn.Terminate:
		if scope == "" {
			return nil, x.finish("terminated")
		}
		if err := x.cancelScope(scope); err != nil {
			return nil, err
		}
		return x.completeScope(scope)
	case bpmn.Error:
		return x.throw(el, scope, &BPMNError{Code: el.ErrorCode})
	}
	var left int
	if err := x.tx.QueryRowContext(x.ctx, `SELECT count(*) FROM workflow_tokens WHERE instance_id = $1 AND scope_id = $2`, x.inst.ID, scope).Scan(&left); err != nil {
		return nil, err
	}
	if left > 0 {
		return nil, nil
	}
	if scope == "" {
		return nil, x.finish("completed")
	}
	return x.completeScope(scope)
}

// completeScope moves the sub-process holding scope on.
func (x *exec) completeScope(scope string) ([]move, error) {
	tok, err := x.token(scope)
	if err != nil {
		return nil, err
	}
	el := x.proc.Elements[tok.element]
	if err := x.removeToken(scope); err != nil {
		return nil, err
	}
	x.history(el.ID, "completed", "")
	return x.leave(el, tok.scope)
}

// throw raises a BPMN error from scope: the nearest enclosing activity
// with a matching error boundary event catches it; nobody catching it is
// an incident.
func (x *exec) throw(from *bpmn.Element, scope string, be *BPMNError) ([]move, error) {
	for scope != "" {
		tok, err := x.token(scope)
		if err != nil {
			return nil, err
		}
		holder := x.proc.Elements[tok.element]
		if b := errorBoundary(holder, be.Code); b != nil {
			if err := x.cancelToken(tok); err != nil {
				return nil, err
			}
			return []move{{el: b, scope: tok.scope}}, nil
		}
		scope = tok.scope
	}
	return nil, x.incidentHere(from, scope, fmt.Errorf("error %q is not caught", be.Code))
}

// errorBoundary finds the error boundary event of an activity that catches
// code.
func errorBoundary(el *bpmn.Element, code string) *bpmn.Element {
	var any *bpmn.Element
	for _, b := range el.Boundaries {
		if b.Trigger != bpmn.Error {
			continue
		}
		if b.ErrorCode == code {
			return b
		}
		if b.ErrorCode == "" {
			any = b
		}
	}
	return any
}

// finish ends the instance and, for a called instance, moves its caller on.
func (x *exec) finish(state string) error {
	x.ended = true
	if _, err := x.tx.ExecContext(x.ctx, `UPDATE workflow_tasks SET state = 'cancelled', ended_at = $1 WHERE instance_id = $2 AND state = 'open'`, x.now, x.inst.ID); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM workflow_tokens WHERE instance_id = $1`, `DELETE FROM workflow_subscriptions WHERE instance_id = $1`} {
		if _, err := x.tx.ExecContext(x.ctx, q, x.inst.ID); err != nil {
			return err
		}
	}
	doc, err := json.Marshal(x.inst.vars)
	if err != nil {
		return err
	}
	if _, err := x.tx.ExecContext(x.ctx, `UPDATE workflow_instances SET state = $1, ended_at = $2, variables = $3 WHERE id = $4`, state, x.now, string(doc), x.inst.ID); err != nil {
		return err
	}
	x.history("", state, "")
	x.after.notices = append(x.after.notices, Notice{Kind: "ended", InstanceID: x.inst.ID})
	if _, err := x.e.publish(x.ctx, x.tx, x.after, SubjectInstanceEnded, instanceEvent{ID: x.inst.ID, Key: x.inst.Key, BusinessKey: x.inst.BusinessKey,
		AgencyID: x.inst.AgencyID, State: state}); err != nil {
		return err
	}
	if x.inst.ParentID != "" && state == "completed" {
		return x.e.returnToCaller(x.ctx, x.tx, x.after, x.inst.ParentID, x.inst.ParentToken, x.inst.vars)
	}
	return nil
}

// tokenRow is a stored token.
type tokenRow struct {
	id, element, scope, state string
}

func (x *exec) token(id string) (tokenRow, error) {
	t := tokenRow{id: id}
	err := x.tx.QueryRowContext(x.ctx, `SELECT element_id, scope_id, state FROM workflow_tokens WHERE id = $1 AND instance_id = $2`, id, x.inst.ID).
		Scan(&t.element, &t.scope, &t.state)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errGone
	}
	return t, err
}

// errGone says a token has moved on: the event that wanted it is late.
var errGone = errors.New("token has moved on")

// removeToken deletes a token that moves on, with its subscriptions.
func (x *exec) removeToken(id string) error {
	if _, err := x.tx.ExecContext(x.ctx, `DELETE FROM workflow_tokens WHERE id = $1`, id); err != nil {
		return err
	}
	_, err := x.tx.ExecContext(x.ctx, `DELETE FROM workflow_subscriptions WHERE token_id = $1`, id)
	return err
}

// cancelToken removes a waiting token with what hangs on it: the tokens
// inside a sub-process, a user task's open task, an incident, message
// subscriptions. The element the token waits at says which of these can
// exist, so a plain service task costs one statement.
func (x *exec) cancelToken(t tokenRow) error {
	id := t.id
	el := x.proc.Elements[t.element]
	if el == nil || el.Kind == bpmn.SubProcess {
		if err := x.cancelScope(id); err != nil {
			return err
		}
	}
	if el == nil || el.Kind == bpmn.UserTask {
		if _, err := x.tx.ExecContext(x.ctx, `UPDATE workflow_tasks SET state = 'cancelled', ended_at = $1 WHERE token_id = $2 AND state = 'open'`, x.now, id); err != nil {
			return err
		}
	}
	if t.state == "incident" {
		if _, err := x.tx.ExecContext(x.ctx, `UPDATE workflow_incidents SET resolved_at = $1 WHERE token_id = $2 AND resolved_at IS NULL`, x.now, id); err != nil {
			return err
		}
	}
	if _, err := x.tx.ExecContext(x.ctx, `DELETE FROM workflow_tokens WHERE id = $1`, id); err != nil {
		return err
	}
	if el == nil || subscribes(el) {
		if _, err := x.tx.ExecContext(x.ctx, `DELETE FROM workflow_subscriptions WHERE token_id = $1`, id); err != nil {
			return err
		}
	}
	return nil
}

// subscribes tells whether a token waiting at el may hold message
// subscriptions.
func subscribes(el *bpmn.Element) bool {
	if el.Trigger == bpmn.Message {
		return true
	}
	for _, b := range el.Boundaries {
		if b.Trigger == bpmn.Message {
			return true
		}
	}
	return false
}

// cancelScope removes every token inside a sub-process token.
func (x *exec) cancelScope(scope string) error {
	rows, err := x.tx.QueryContext(x.ctx, `SELECT id, element_id, scope_id, state FROM workflow_tokens WHERE instance_id = $1 AND scope_id = $2`, x.inst.ID, scope)
	if err != nil {
		return err
	}
	var inner []tokenRow
	for rows.Next() {
		var t tokenRow
		if err := rows.Scan(&t.id, &t.element, &t.scope, &t.state); err != nil {
			rows.Close()
			return err
		}
		inner = append(inner, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range inner {
		if err := x.cancelToken(t); err != nil {
			return err
		}
	}
	return nil
}

// incidentHere stops a path at el with an incident: a token waits there
// in state incident until someone retries it.
func (x *exec) incidentHere(el *bpmn.Element, scope string, cause error) error {
	tok, err := x.newToken(el, scope, "incident", "")
	if err != nil {
		return err
	}
	return x.raiseIncident(el.ID, tok, cause)
}

func (x *exec) raiseIncident(elementID, tok string, cause error) error {
	// The cause may quote a handler's error: make it storable.
	msg := text.Storable(cause.Error(), 2000)
	id := db.NewID()
	if _, err := x.tx.ExecContext(x.ctx, `INSERT INTO workflow_incidents (id, instance_id, token_id, element_id, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, x.inst.ID, tok, elementID, msg, x.now); err != nil {
		return err
	}
	if _, err := x.tx.ExecContext(x.ctx, `UPDATE workflow_tokens SET state = 'incident' WHERE id = $1`, tok); err != nil {
		return err
	}
	x.history(elementID, "incident", msg)
	_, err := x.e.publish(x.ctx, x.tx, x.after, SubjectIncident, map[string]any{"id": id, "instance": x.inst.ID, "element": elementID, "message": msg})
	return err
}

// mapInto evaluates mappings over the variables into a new map.
func (x *exec) mapInto(ms []bpmn.Mapping, from map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, m := range ms {
		if m.Program == nil {
			continue
		}
		v, err := expr.Run(m.Program, from)
		if err != nil {
			return nil, fmt.Errorf("mapping to %s: %w", m.Target, err)
		}
		out[strings.TrimSpace(m.Target)] = v
	}
	return out, nil
}
