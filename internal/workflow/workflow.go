// Package workflow is the BPMN engine of the agencies' back office: it keeps
// process definitions uploaded from ordinary modelers, runs their instances
// durably in the database and hands work to people (user tasks, through the
// inbox) and to Go handlers (service tasks, through the job queue).
//
// Execution moves tokens. A step starts from an event — an instance
// started, a task completed, a job done, a timer fired, a message
// correlated — and, in one transaction, moves the instance's tokens on
// until each waits again: at a user or service task, a catch event, a
// joining gateway or the end. The step first raises the instance's rev,
// which locks its row, so steps of one instance never interleave, on one
// node or many. Service-task handlers run outside any transaction as jobs
// (leases, retries, backoff); the step that takes their result checks that
// the token is still waiting there, so a result is never applied twice, and
// handlers receive an idempotency key for their own side effects.
package workflow

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/workflow/bpmn"
	"github.com/egovuz/egov/internal/workflow/schedule"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the engine's tables.
func Migrations() db.Migrations { return db.Migrations{Module: "workflow", FS: migrationFS} }

// Job kinds of the engine.
const (
	jobTask  = "workflow.task"
	jobTimer = "workflow.timer"
)

// Event subjects the engine publishes through the outbox, under the
// outbox's prefix (events.Outbox.Subject).
const (
	SubjectInstanceStarted = "workflow.instance.started"
	SubjectInstanceEnded   = "workflow.instance.ended"
	SubjectTaskCreated     = "workflow.task.created"
	SubjectTaskCompleted   = "workflow.task.completed"
	SubjectIncident        = "workflow.incident.created"
)

// Message keys of the engine's errors.
const (
	msgNoDefinition = "workflow.definition.not_found"
	msgNoInstance   = "workflow.instance.not_found"
	msgNotActive    = "workflow.instance.not_active"
	msgNoTask       = "workflow.task.not_found"
	msgTaskClosed   = "workflow.task.closed"
	msgNotYours     = "workflow.task.not_yours"
	msgClaimed      = "workflow.task.claimed"
	msgNoMessage    = "workflow.message.no_subscriber"
	msgNoIncident   = "workflow.incident.not_found"
)

// Handler runs a service or send task of one type. It returns variables to
// merge into the instance, or an error: a *BPMNError is thrown in the
// process (caught by an error boundary event), any other error is retried
// and becomes an incident once the task's retries are used up. A handler
// may run more than once for one task (after a crash): Task.Key is the same
// each time, so it can make its side effects idempotent.
type Handler func(ctx context.Context, t ServiceTask) (map[string]any, error)

// ServiceTask is what a handler is given.
type ServiceTask struct {
	// Key identifies this execution of the task: the same on every retry
	// and after a restart, different for another instance or another visit
	// of the same element.
	Key         string
	InstanceID  string
	BusinessKey string
	ElementID   string
	Type        string
	// Headers are the task's static settings from its definition
	// (bpmn.Element.Headers); read only.
	Headers   map[string]string
	Variables map[string]any
	Attempt   int
}

// BPMNError is a business error a handler throws into the process.
type BPMNError struct {
	Code    string
	Message string
}

func (e *BPMNError) Error() string { return "bpmn error " + e.Code + ": " + e.Message }

// Options configure the engine.
type Options struct {
	// Retries is how many times a service task runs before an incident,
	// when its definition does not say; 3 when zero.
	Retries int
	// Location is the time zone of dates and working days; UTC when nil.
	Location *time.Location
	// Calendar decides working days for timers that count them; the
	// default one of Location when nil.
	Calendar *schedule.Calendar
	// Observer, when set, hears on this node of the tasks created and the
	// instances ended by each committed step, at once (the outbox carries
	// the same news to every node, later).
	Observer func(Notice)
	Logger   *slog.Logger
}

// Engine runs processes.
type Engine struct {
	db       *db.DB
	jobs     *jobs.Queue
	outbox   *events.Outbox
	clock    clock.Clock
	opts     Options
	log      *slog.Logger
	mu       sync.RWMutex
	handlers map[string]Handler
	// defs caches parsed definitions by ID; a deployed version never
	// changes.
	defs sync.Map
}

// New returns the engine and registers its job handlers on q; the queue's
// Run executes them.
func New(d *db.DB, q *jobs.Queue, o *events.Outbox, c clock.Clock, opts Options) *Engine {
	if opts.Retries <= 0 {
		opts.Retries = 3
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Calendar == nil {
		opts.Calendar = schedule.NewCalendar(opts.Location)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{db: d, jobs: q, outbox: o, clock: c, opts: opts, log: opts.Logger, handlers: map[string]Handler{}}
	q.HandleResult(jobTask, e.runTaskJob)
	q.Handle(jobTimer, e.runTimerJob)
	return e
}

// publish writes an event in tx and marks the step as having published,
// so that the relay is told after the commit.
func (e *Engine) publish(ctx context.Context, tx *db.Batch, after *afterCommit, subject string, data any) (events.Event, error) {
	after.published = true
	return e.outbox.Write(ctx, tx, e.outbox.Subject(subject), data)
}

// Register sets the handler of service and send tasks of type typ.
func (e *Engine) Register(typ string, h Handler) {
	e.mu.Lock()
	e.handlers[typ] = h
	e.mu.Unlock()
}

func (e *Engine) handler(typ string) Handler {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.handlers[typ]
}

// Definition is a deployed version of a process.
type Definition struct {
	ID         string
	Key        string
	Version    int
	Name       string
	DeployedAt time.Time
	DeployedBy string
}

// Deploy parses a BPMN file and stores each of its executable processes as
// the next version of its key. A file the parser refuses is its EINVALID
// error, listing every problem; nothing is stored then.
func (e *Engine) Deploy(ctx context.Context, actor string, source []byte) ([]Definition, error) {
	defs, err := bpmn.ParseBytes(source)
	if err != nil {
		return nil, err
	}
	var out []Definition
	err = e.db.Tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		for _, p := range defs.Processes {
			d := Definition{ID: db.NewID(), Key: p.ID, Name: p.Name, DeployedAt: e.clock.Now(), DeployedBy: actor}
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM workflow_definitions WHERE key = $1`, p.ID).Scan(&d.Version); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO workflow_definitions (id, key, version, name, source, deployed_at, deployed_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.ID, d.Key, d.Version, d.Name, string(source), d.DeployedAt, actor); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	for i, p := range defs.Processes {
		e.defs.Store(out[i].ID, &loaded{defs: defs, proc: p})
	}
	return out, nil
}

// loaded is a parsed definition.
type loaded struct {
	defs *bpmn.Definitions
	proc *bpmn.Process
}

// process returns the parsed process of a definition ID.
func (e *Engine) process(ctx context.Context, q querier, id string) (*loaded, error) {
	if l, ok := e.defs.Load(id); ok {
		return l.(*loaded), nil
	}
	var key, source string
	if err := q.QueryRowContext(ctx, `SELECT key, source FROM workflow_definitions WHERE id = $1`, id).Scan(&key, &source); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.New(apperr.ENOTFOUND, msgNoDefinition)
		}
		return nil, err
	}
	defs, err := bpmn.ParseBytes([]byte(source))
	if err != nil {
		return nil, fmt.Errorf("stored definition %s: %w", id, err)
	}
	for _, p := range defs.Processes {
		if p.ID == key {
			l := &loaded{defs: defs, proc: p}
			e.defs.Store(id, l)
			return l, nil
		}
	}
	return nil, fmt.Errorf("stored definition %s has no process %s", id, key)
}

// querier is a database or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// latest returns the ID of the newest version of key.
func latest(ctx context.Context, q querier, key string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM workflow_definitions WHERE key = $1 ORDER BY version DESC LIMIT 1`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.New(apperr.ENOTFOUND, msgNoDefinition)
	}
	return id, err
}

// StartRequest starts an instance.
type StartRequest struct {
	// Key is the process key; the newest version is started.
	Key string
	// BusinessKey ties the instance to its business object, e.g. the
	// application's number.
	BusinessKey string
	// AgencyID is the agency whose staff work on the instance's tasks.
	AgencyID  string
	Variables map[string]any
	// Once starts the instance only if no instance of Key with
	// BusinessKey was started before (Start then returns that one's ID):
	// a caller that may ask twice, such as a retried job, starts one.
	Once bool
	// message starts at the message start event of this name instead of
	// the none start event.
	message string
}

// Start starts an instance of the newest version of r.Key and runs it to
// its first wait states, in one transaction. ENOTFOUND for an unknown key.
func (e *Engine) Start(ctx context.Context, r StartRequest) (string, error) {
	var id string
	err := e.step(ctx, func(ctx context.Context, tx *db.Batch, after *afterCommit) error {
		if r.Once {
			// Two starts of the same business key wait for each other
			// here, so the second sees the first's instance.
			if err := e.db.LockKey(ctx, tx, "workflow start "+r.Key+" "+r.BusinessKey); err != nil {
				return err
			}
			err := tx.QueryRowContext(ctx, `SELECT id FROM workflow_instances WHERE key = $1 AND business_key = $2 AND parent_id = ''
				ORDER BY started_at LIMIT 1`, r.Key, r.BusinessKey).Scan(&id)
			if err == nil {
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var err error
		id, err = e.startIn(ctx, tx, after, r, "", "")
		return err
	})
	if err != nil {
		return "", fmt.Errorf("start %s: %w", r.Key, err)
	}
	return id, nil
}

// afterCommit is what a step keeps for the end of its transaction: the
// history its instances wrote, written in one statement before the commit,
// and whether to wake the job queue after it.
type afterCommit struct {
	nudge     bool
	published bool
	history   []histRow
	notices   []Notice
}

// Notice is news of a committed step for Options.Observer.
type Notice struct {
	// Kind is "task" for a user task created, "ended" for an instance
	// that ended.
	Kind       string
	InstanceID string
	TaskID     string
}

// histRow is a history entry waiting to be written.
type histRow struct {
	instance, element, event, detail string
	seq                              int
	at                               time.Time
}

// stepFunc is the work of a step: it reads and writes in tx and notes in
// after what to do once tx commits.
type stepFunc func(ctx context.Context, tx *db.Batch, after *afterCommit) error

// step runs fn in a transaction of its own (see stepIn) and then does what
// fn left for after the commit.
func (e *Engine) step(ctx context.Context, fn stepFunc) error {
	var after afterCommit
	err := e.db.Tx(ctx, func(tx *sql.Tx) error {
		after = afterCommit{}
		return e.stepIn(ctx, e.db.Batch(tx), &after, fn)
	})
	if err == nil {
		e.committed(&after)
	}
	return err
}

// commit makes fn the job queue's Commit of a job, run in the transaction
// that records the job done, together with other jobs' results. Order by
// instance keeps two nodes from locking instances in opposite orders.
func (e *Engine) commit(instanceID string, fn stepFunc) (*jobs.Commit, error) {
	return &jobs.Commit{Order: instanceID, Apply: func(ctx context.Context, tx *db.Batch) (func(), error) {
		var after afterCommit
		if err := e.stepIn(ctx, tx, &after, fn); err != nil {
			return nil, err
		}
		return func() { e.committed(&after) }, nil
	}}, nil
}

// stepIn runs fn and writes the history it recorded. Its writes go through
// a db.Batch: on PostgreSQL those between two reads reach the server
// together, so a step costs a few round trips, not one per row.
func (e *Engine) stepIn(ctx context.Context, tx *db.Batch, after *afterCommit, fn stepFunc) error {
	if err := fn(ctx, tx, after); err != nil {
		return err
	}
	if err := writeHistory(ctx, tx, after.history); err != nil {
		return err
	}
	return tx.Flush(ctx)
}

// committed does what a committed step left for afterwards: wake the job
// queue for the jobs it enqueued and the relay for its events, and tell
// the Observer.
func (e *Engine) committed(after *afterCommit) {
	if after.nudge {
		e.jobs.Nudge()
	}
	if after.published {
		e.outbox.Nudge()
	}
	if e.opts.Observer != nil {
		for _, n := range after.notices {
			e.opts.Observer(n)
		}
	}
}

// writeHistory inserts history rows, many per statement.
func writeHistory(ctx context.Context, tx *db.Batch, rows []histRow) error {
	const perStatement = 100
	for len(rows) > 0 {
		n := min(len(rows), perStatement)
		var b strings.Builder
		b.WriteString(`INSERT INTO workflow_history (instance_id, seq, at, element_id, event, detail) VALUES `)
		args := make([]any, 0, 6*n)
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			k := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6)
			args = append(args, r.instance, r.seq, r.at, r.element, r.event, r.detail)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// startIn creates an instance inside tx and runs it.
func (e *Engine) startIn(ctx context.Context, tx *db.Batch, after *afterCommit, r StartRequest, parentID, parentToken string) (string, error) {
	defID, err := latest(ctx, tx, r.Key)
	if err != nil {
		return "", err
	}
	l, err := e.process(ctx, tx, defID)
	if err != nil {
		return "", err
	}
	var start *bpmn.Element
	for _, s := range l.proc.Starts {
		if s.Trigger == bpmn.None && r.message == "" || s.Trigger == bpmn.Message && s.MessageName == r.message && r.message != "" {
			start = s
		}
	}
	if start == nil {
		return "", apperr.New(apperr.EINVALID, "workflow.bpmn.no_start")
	}
	// The instance owns its variables: the caller's map is not changed.
	vars := maps.Clone(r.Variables)
	if vars == nil {
		vars = map[string]any{}
	}
	doc, err := json.Marshal(vars)
	if err != nil {
		return "", apperr.Invalid("workflow.variables.invalid", map[string]string{"variables": "workflow.variables.invalid"})
	}
	inst := &instance{ID: db.NewID(), DefinitionID: defID, Key: r.Key, BusinessKey: r.BusinessKey, AgencyID: r.AgencyID,
		ParentID: parentID, ParentToken: parentToken, vars: vars}
	now := e.clock.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO workflow_instances (id, definition_id, key, business_key, agency_id, state, variables, parent_id, parent_token_id, rev, started_at)
		VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, 1, $9)`, inst.ID, defID, r.Key, r.BusinessKey, r.AgencyID, string(doc), parentID, parentToken, now); err != nil {
		return "", err
	}
	x := &exec{e: e, ctx: ctx, tx: tx, after: after, inst: inst, proc: l.proc, now: now, seq: firstSeq(1)}
	if _, err := e.publish(ctx, tx, after, SubjectInstanceStarted, instanceEvent{ID: inst.ID, Key: r.Key, BusinessKey: r.BusinessKey, AgencyID: r.AgencyID}); err != nil {
		return "", err
	}
	if err := x.run([]move{{el: start}}); err != nil {
		return "", err
	}
	return inst.ID, x.save()
}

// instanceEvent is the data of instance events.
type instanceEvent struct {
	ID          string `json:"id"`
	Key         string `json:"key"`
	BusinessKey string `json:"business_key,omitempty"`
	AgencyID    string `json:"agency_id,omitempty"`
	State       string `json:"state,omitempty"`
}
