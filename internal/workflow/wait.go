package workflow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// waitUserTask creates the task people work on.
func (x *exec) waitUserTask(el *bpmn.Element, scope string) error {
	tok, err := x.waitAt(el, scope)
	if err != nil {
		return err
	}
	var due any
	if el.DueDate != "" {
		t, err := x.e.due(&bpmn.TimerDef{Kind: dueKind(el.DueDate), Expr: strings.TrimPrefix(el.DueDate, "=")}, x.now)
		if err != nil {
			return x.raiseIncident(el.ID, tok, err)
		}
		due = t
	} else if t, ok := x.slaDue(el); ok {
		due = t
	}
	assignee := ""
	if el.Assignee != "" {
		if v, err := expr.Eval(strings.TrimPrefix(el.Assignee, "="), x.inst.vars); err == nil {
			assignee = fmt.Sprint(v)
		} else {
			assignee = el.Assignee
		}
	}
	id := db.NewID()
	name := el.Name
	if name == "" {
		name = el.ID
	}
	if _, err := x.tx.ExecContext(x.ctx, `INSERT INTO workflow_tasks (id, instance_id, token_id, element_id, name, agency_id, candidate_groups, assignee, form_key, state, due_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11)`, id, x.inst.ID, tok, el.ID, name, x.inst.AgencyID,
		strings.Join(el.CandidateGroups, ","), assignee, el.FormKey, due, x.now); err != nil {
		return err
	}
	x.after.notices = append(x.after.notices, Notice{Kind: "task", InstanceID: x.inst.ID, TaskID: id})
	_, err = x.e.publish(x.ctx, x.tx, x.after, SubjectTaskCreated, map[string]any{"id": id, "instance": x.inst.ID, "element": el.ID,
		"agency_id": x.inst.AgencyID, "groups": el.CandidateGroups, "business_key": x.inst.BusinessKey})
	return err
}

// slaDue is when the first timer on a task's boundary fires: without a due
// date of its own, that is the task's deadline (the SLA the diagram
// draws).
func (x *exec) slaDue(el *bpmn.Element) (time.Time, bool) {
	var first time.Time
	for _, b := range el.Boundaries {
		if b.Trigger != bpmn.Timer || b.Timer == nil {
			continue
		}
		if t, err := x.e.due(b.Timer, x.now); err == nil && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first, !first.IsZero()
}

// dueKind reads a due date as a date-time when it looks like one.
func dueKind(s string) bpmn.TimerKind {
	if strings.HasPrefix(strings.TrimPrefix(s, "="), "P") {
		return bpmn.TimeDuration
	}
	return bpmn.TimeDate
}

// call starts the called process as a child instance.
func (x *exec) call(el *bpmn.Element, scope string) error {
	tok, err := x.waitAt(el, scope)
	if err != nil {
		return err
	}
	vars, err := x.mapInto(el.Inputs, x.inst.vars)
	if err != nil {
		return x.raiseIncident(el.ID, tok, err)
	}
	if len(el.Inputs) == 0 {
		// Without input mappings the called instance gets every variable
		// (Start copies them).
		vars = x.inst.vars
	}
	_, err = x.e.startIn(x.ctx, x.tx, x.after, StartRequest{Key: el.CalledProcess, BusinessKey: x.inst.BusinessKey, AgencyID: x.inst.AgencyID, Variables: vars}, x.inst.ID, tok)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return x.raiseIncident(el.ID, tok, fmt.Errorf("no process %q to call", el.CalledProcess))
	}
	return err
}

// returnToCaller moves the call activity of a finished child on, with the
// child's output mapped into the caller.
func (e *Engine) returnToCaller(ctx context.Context, tx *db.Batch, after *afterCommit, parentID, tokenID string, childVars map[string]any) error {
	x, err := e.lock(ctx, tx, after, parentID)
	if err != nil {
		return err
	}
	return x.resume(tokenID, "", func(el *bpmn.Element) (map[string]any, error) {
		if len(el.Outputs) == 0 {
			return nil, nil
		}
		return x.mapInto(el.Outputs, childVars)
	})
}

// resume moves a waiting token on from its element, merging the variables
// got returns. elementID, when given, must be where the token waits. A
// token that has moved on already is errGone.
func (x *exec) resume(tokenID, elementID string, got func(el *bpmn.Element) (map[string]any, error)) error {
	tok, err := x.token(tokenID)
	if err != nil {
		return err
	}
	if tok.state != "waiting" || (elementID != "" && tok.element != elementID) {
		return errGone
	}
	el := x.proc.Elements[tok.element]
	if el == nil {
		return fmt.Errorf("token %s waits at unknown element %s", tokenID, tok.element)
	}
	if got != nil {
		vars, err := got(el)
		if err != nil {
			return x.raiseIncident(el.ID, tokenID, err)
		}
		x.merge(vars)
	}
	if err := x.cancelToken(tok); err != nil {
		return err
	}
	x.history(el.ID, "completed", "")
	moves, err := x.leave(el, tok.scope)
	if err != nil {
		return err
	}
	if err := x.run(moves); err != nil {
		return err
	}
	return x.save()
}

// runTaskJob runs a service task's handler and returns the step that moves
// the token on with its result, which the job queue records with the job's
// completion: the task's job is done if and only if its result is in the
// instance.
func (e *Engine) runTaskJob(ctx context.Context, j jobs.Job) (*jobs.Commit, error) {
	var p taskJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, jobs.Permanent(err)
	}
	// Read what the handler needs; a token that moved on (instance
	// cancelled, interrupted by a boundary event) means nothing to do.
	var defID, state, vars, businessKey string
	err := e.db.Reader().QueryRowContext(ctx, `SELECT i.definition_id, i.business_key, i.variables, t.state FROM workflow_tokens t
		JOIN workflow_instances i ON i.id = t.instance_id WHERE t.id = $1 AND t.element_id = $2`, p.Token, p.Element).Scan(&defID, &businessKey, &vars, &state)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && state != "waiting") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l, err := e.process(ctx, e.db.Reader(), defID)
	if err != nil {
		return nil, err
	}
	el := l.proc.Elements[p.Element]
	t := ServiceTask{Key: p.Token, InstanceID: p.Instance, BusinessKey: businessKey, ElementID: p.Element, Type: el.TaskType, Headers: el.Headers, Attempt: j.Attempt}
	if err := json.Unmarshal([]byte(vars), &t.Variables); err != nil {
		return nil, jobs.Permanent(err)
	}
	h := e.handler(el.TaskType)
	var out map[string]any
	if h == nil {
		err = fmt.Errorf("no handler for task type %q", el.TaskType)
	} else {
		out, err = h(ctx, t)
	}
	var be *BPMNError
	switch {
	case errors.As(err, &be):
		return nil, e.taskThrew(ctx, p, be)
	case err != nil && j.Attempt < j.MaxAttempts:
		return nil, err
	case err != nil:
		return nil, e.taskIncident(ctx, p, err)
	}
	return e.commit(p.Instance, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		x, err := e.lock(ctx, tx, after, p.Instance)
		if err != nil {
			return err
		}
		err = x.resume(p.Token, p.Element, func(*bpmn.Element) (map[string]any, error) {
			if len(el.Outputs) > 0 {
				return x.mapInto(el.Outputs, out)
			}
			return out, nil
		})
		if errors.Is(err, errGone) || apperr.Is(err, apperr.ENOTFOUND) {
			return nil
		}
		return err
	})
}

// taskThrew throws a handler's BPMN error from its task.
func (e *Engine) taskThrew(ctx context.Context, p taskJob, be *BPMNError) error {
	return e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		x, err := e.lock(ctx, tx, after, p.Instance)
		if err != nil {
			return ignoreGone(err)
		}
		tok, err := x.token(p.Token)
		if err != nil || tok.state != "waiting" {
			return ignoreGone(err)
		}
		el := x.proc.Elements[p.Element]
		if b := errorBoundary(el, be.Code); b != nil {
			if err := x.cancelToken(tok); err != nil {
				return err
			}
			x.merge(map[string]any{"errorCode": be.Code, "errorMessage": be.Message})
			if err := x.run([]move{{el: b, scope: tok.scope}}); err != nil {
				return err
			}
			return x.save()
		}
		// Not caught at the task: an enclosing sub-process's boundary
		// event catches it, cancelling the task with the rest of its
		// scope, or it is an incident.
		moves, err := x.throw(el, tok.scope, be)
		if err != nil {
			return err
		}
		if err := x.run(moves); err != nil {
			return err
		}
		return x.save()
	})
}

func ignoreGone(err error) error {
	if errors.Is(err, errGone) || apperr.Is(err, apperr.ENOTFOUND) {
		return nil
	}
	return err
}

// taskIncident records a service task that used up its retries.
func (e *Engine) taskIncident(ctx context.Context, p taskJob, cause error) error {
	return e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		x, err := e.lock(ctx, tx, after, p.Instance)
		if err != nil {
			return ignoreGone(err)
		}
		if tok, err := x.token(p.Token); err != nil || tok.state != "waiting" {
			return ignoreGone(err)
		}
		return x.raiseIncident(p.Element, p.Token, cause)
	})
}

// scheduleTimer arms a timer event as a job due when it fires.
func (x *exec) scheduleTimer(el *bpmn.Element, tok string) error {
	at, err := x.e.due(el.Timer, x.now)
	if err != nil {
		return x.raiseIncident(el.ID, tok, err)
	}
	return x.enqueueTimer(taskJob{Instance: x.inst.ID, Token: tok, Element: el.ID, Set: x.now}, at)
}

// enqueueTimer queues a timer's firing as a job due at at.
func (x *exec) enqueueTimer(p taskJob, at time.Time) error {
	payload, _ := json.Marshal(p)
	if _, err := x.e.jobs.Enqueue(x.ctx, x.tx, jobs.Spec{Kind: jobTimer, Payload: payload, RunAt: at, Key: fmt.Sprintf("%s/%s/%d", p.Token, p.Element, p.Fires)}); err != nil {
		return err
	}
	x.after.nudge = true
	return nil
}

// runTimerJob fires a timer: a catch event moves on; a boundary timer
// interrupts its activity or, non-interrupting, starts its own path beside
// it.
func (e *Engine) runTimerJob(ctx context.Context, j jobs.Job) error {
	var p taskJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	return e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		x, err := e.lock(ctx, tx, after, p.Instance)
		if err != nil {
			return ignoreGone(err)
		}
		ev := x.proc.Elements[p.Element]
		if err := x.fire(p.Token, ev); err != nil {
			return ignoreGone(err)
		}
		// A repeating reminder beside its activity is set again while
		// the activity waits and the cycle has firings left.
		if ev.Kind != bpmn.BoundaryEvent || ev.Interrupting || ev.Timer == nil || ev.Timer.Kind != bpmn.TimeCycle {
			return nil
		}
		if _, err := x.token(p.Token); err != nil {
			return ignoreGone(err)
		}
		next, ok, err := cycleAt(ev.Timer, p.Set, p.Fires+1, e.opts.Location, e.opts.Calendar)
		if err != nil || !ok {
			return err
		}
		p.Fires++
		return x.enqueueTimer(p, next)
	})
}

// fire triggers a timer or message event waiting on token tok.
func (x *exec) fire(tok string, ev *bpmn.Element) error {
	if ev == nil {
		return errGone
	}
	t, err := x.token(tok)
	if err != nil {
		return err
	}
	if t.state != "waiting" {
		return errGone
	}
	if ev.Kind != bpmn.BoundaryEvent {
		if t.element != ev.ID {
			return errGone
		}
		return x.resume(tok, ev.ID, nil)
	}
	if ev.AttachedTo == nil || t.element != ev.AttachedTo.ID {
		return errGone
	}
	x.history(ev.ID, "triggered", "")
	if ev.Interrupting {
		if err := x.cancelToken(t); err != nil {
			return err
		}
	}
	if err := x.run([]move{{el: ev, scope: t.scope}}); err != nil {
		return err
	}
	return x.save()
}

// subscribe waits for a message at a catch or boundary event, under the
// correlation key evaluated now. A message published for it before it came
// to wait, and still kept, is delivered once the step's moves are done.
func (x *exec) subscribe(el *bpmn.Element, tok string) error {
	key := ""
	if el.CorrelationKey != "" {
		v, err := expr.Eval(strings.TrimPrefix(el.CorrelationKey, "="), x.inst.vars)
		if err != nil {
			return x.raiseIncident(el.ID, tok, fmt.Errorf("correlation key: %w", err))
		}
		key = fmt.Sprint(v)
	}
	if _, err := x.tx.ExecContext(x.ctx, `INSERT INTO workflow_subscriptions (id, instance_id, token_id, element_id, message_name, correlation_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, db.NewID(), x.inst.ID, tok, el.ID, el.MessageName, key, x.now); err != nil {
		return err
	}
	if err := x.e.db.LockKey(x.ctx, x.tx, messageLock(el.MessageName, key)); err != nil {
		return err
	}
	var id, vars string
	err := x.tx.QueryRowContext(x.ctx, `SELECT id, variables FROM workflow_messages WHERE message_name = $1 AND correlation_key = $2 AND expires_at > $3
		ORDER BY created_at, id LIMIT 1`, el.MessageName, key, x.now).Scan(&id, &vars)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	d := delivery{token: tok, event: el}
	if err := json.Unmarshal([]byte(vars), &d.vars); err != nil {
		return fmt.Errorf("kept message %s: %w", id, err)
	}
	if _, err := x.tx.ExecContext(x.ctx, `DELETE FROM workflow_messages WHERE id = $1`, id); err != nil {
		return err
	}
	x.history(el.ID, "message", "kept")
	x.deliveries = append(x.deliveries, d)
	return nil
}

// delivery is a kept message for a token that has just come to wait.
type delivery struct {
	token string
	event *bpmn.Element
	vars  map[string]any
}

// messageLock names the lock that orders the publishing of a message and
// the coming of a token to wait for it, so that neither misses the other.
func messageLock(name, key string) string {
	return fmt.Sprintf("workflow.message/%d/%s/%s", len(name), name, key)
}

// Message is a message to Publish.
type Message struct {
	Name           string
	CorrelationKey string
	Variables      map[string]any
	// TTL is how long the message is kept for an instance to come and
	// wait for it when none waits yet; zero delivers it now or never.
	TTL time.Duration
}

// MaxMessageTTL bounds how long a message is kept.
const MaxMessageTTL = 90 * 24 * time.Hour

// Correlate delivers a message to the instance waiting for it under
// correlationKey, with vars merged into its variables, and returns the
// instance's ID. When nobody waits, a process with a message start event
// of that name starts instead (the correlation key becomes its business
// key). ENOTFOUND when neither is there.
func (e *Engine) Correlate(ctx context.Context, name, correlationKey string, vars map[string]any) (string, error) {
	return e.Publish(ctx, Message{Name: name, CorrelationKey: correlationKey, Variables: vars})
}

// Publish delivers m as Correlate does; but when nobody waits for it and
// no process starts on it, a message with a TTL is kept that long and
// delivered to the first instance that comes to wait for it under its key
// (a citizen's document may arrive before the process asks for it). It
// returns the instance's ID, or "" for a message kept. EINVALID for a
// message without a name or with a TTL out of range.
func (e *Engine) Publish(ctx context.Context, m Message) (string, error) {
	if strings.TrimSpace(m.Name) == "" {
		return "", apperr.Invalid("workflow.message.invalid", map[string]string{"name": "workflow.message.name"})
	}
	if m.TTL < 0 || m.TTL > MaxMessageTTL {
		return "", apperr.Invalid("workflow.message.invalid", map[string]string{"ttl": "workflow.message.ttl"})
	}
	doc, err := json.Marshal(m.Variables)
	if err != nil || string(doc) == "null" {
		doc = []byte("{}")
	}
	var instanceID string
	err = e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		instanceID = ""
		var tok, elementID string
		find := func() error {
			return tx.QueryRowContext(ctx, `SELECT instance_id, token_id, element_id FROM workflow_subscriptions
				WHERE message_name = $1 AND correlation_key = $2 ORDER BY created_at LIMIT 1`, m.Name, m.CorrelationKey).Scan(&instanceID, &tok, &elementID)
		}
		err := find()
		if errors.Is(err, sql.ErrNoRows) && m.TTL > 0 {
			// Look again holding the message's lock: a token coming to
			// wait now either is seen here or sees the kept message.
			if err := e.db.LockKey(ctx, tx, messageLock(m.Name, m.CorrelationKey)); err != nil {
				return err
			}
			err = find()
		}
		if errors.Is(err, sql.ErrNoRows) {
			// Nobody waits: a process with a message start event of this
			// name starts, with the correlation key as business key.
			key, err := e.messageStart(ctx, tx, m.Name)
			if apperr.Is(err, apperr.ENOTFOUND) && m.TTL > 0 {
				return e.keep(ctx, tx, m, doc)
			}
			if err != nil {
				return err
			}
			instanceID, err = e.startIn(ctx, tx, after, StartRequest{Key: key, BusinessKey: m.CorrelationKey, Variables: m.Variables, message: m.Name}, "", "")
			return err
		}
		if err != nil {
			return err
		}
		x, err := e.lock(ctx, tx, after, instanceID)
		if err != nil {
			return err
		}
		x.merge(m.Variables)
		if err := x.fire(tok, x.proc.Elements[elementID]); err != nil {
			if errors.Is(err, errGone) {
				return apperr.New(apperr.ENOTFOUND, msgNoMessage)
			}
			return err
		}
		return x.save()
	})
	if err != nil {
		return "", fmt.Errorf("correlate %s: %w", m.Name, err)
	}
	return instanceID, nil
}

// keep stores a message nobody waits for until its TTL ends, removing the
// messages whose time is up.
func (e *Engine) keep(ctx context.Context, tx *db.Batch, m Message, vars []byte) error {
	now := e.clock.Now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM workflow_messages WHERE expires_at <= $1`, now); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO workflow_messages (id, message_name, correlation_key, variables, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, db.NewID(), m.Name, m.CorrelationKey, string(vars), now, now.Add(m.TTL))
	return err
}

// messageStart finds the process whose newest version starts on message
// name; ENOTFOUND if none does.
func (e *Engine) messageStart(ctx context.Context, tx *db.Batch, name string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.id FROM workflow_definitions d
		WHERE d.version = (SELECT MAX(v.version) FROM workflow_definitions v WHERE v.key = d.key) ORDER BY d.key`)
	if err != nil {
		return "", err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return "", err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	for _, id := range ids {
		l, err := e.process(ctx, tx, id)
		if err != nil {
			return "", err
		}
		for _, s := range l.proc.Starts {
			if s.Trigger == bpmn.Message && s.MessageName == name {
				return l.proc.ID, nil
			}
		}
	}
	return "", apperr.New(apperr.ENOTFOUND, msgNoMessage)
}

// due computes when a timer fires, from now.
func (e *Engine) due(t *bpmn.TimerDef, now time.Time) (time.Time, error) {
	return timerDue(t, now, e.opts.Location, e.opts.Calendar)
}
