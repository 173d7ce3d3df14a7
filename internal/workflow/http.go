package workflow

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/workflow/bpmn"
	"github.com/egovuz/egov/internal/workflow/diagram"
)

//go:embed templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// Locales is the engine's message catalog, with the parser's messages.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// Staff tells the pages who is signed in, as an Actor, and who works in an
// agency; the identity module provides it.
type Staff interface {
	Actor(ctx context.Context) Actor
	// Colleagues lists the people holding a role in the agency, by name
	// in the request's language.
	Colleagues(ctx context.Context, agencyID string) ([]Person, error)
	// Member returns a member of staff by user ID as an Actor; one with no
	// roles when there is no such person.
	Member(ctx context.Context, userID string) (Actor, error)
}

// Person is a member of staff as the pages name them.
type Person struct {
	ID, Name string
}

// people names the staff of the agencies of tasks, by agency and by ID.
func (m *Module) people(ctx context.Context, tasks []Task) (map[string][]Person, map[string]string, error) {
	byAgency, names := map[string][]Person{}, map[string]string{}
	for _, t := range tasks {
		if _, ok := byAgency[t.AgencyID]; ok || t.AgencyID == "" {
			continue
		}
		list, err := m.staff.Colleagues(ctx, t.AgencyID)
		if err != nil {
			return nil, nil, err
		}
		byAgency[t.AgencyID] = list
		for _, p := range list {
			names[p.ID] = p.Name
		}
	}
	return byAgency, names, nil
}

// Permissions are the route permissions of the pages: Work for officers'
// inboxes, Admin for process operations.
type Permissions struct {
	Work, Supervise, Admin web.Permission
}

// Module serves the inbox and the operations pages.
type Module struct {
	eng      *Engine
	staff    Staff
	agencies Agencies
	pages    struct{ inbox, agency, processes, process, instance, incidents, deployed *web.Page }
	// caseLink gives the page of the case a task works on (see
	// LinkCases).
	caseLink func(Task) string
}

// LinkCases has the inbox link each task to the page of the case it works
// on, where link gives one ("" for none): the portal's application page
// for a process that handles an application.
func (m *Module) LinkCases(link func(Task) string) { m.caseLink = link }

// NewModule parses the pages.
func NewModule(eng *Engine, staff Staff, agencies Agencies, rd *web.Renderer) (*Module, error) {
	m := &Module{eng: eng, staff: staff, agencies: agencies}
	for name, dst := range map[string]**web.Page{"inbox": &m.pages.inbox, "agency": &m.pages.agency, "processes": &m.pages.processes, "process": &m.pages.process,
		"instance": &m.pages.instance, "incidents": &m.pages.incidents, "deployed": &m.pages.deployed} {
		p, err := rd.Page(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		*dst = p
	}
	return m, nil
}

// Routes registers the pages and the API, and describes the API in the
// OpenAPI document.
func (m *Module) Routes(s *web.Server, p Permissions) error {
	r := s.Router()
	r.Handle("GET /work", p.Work, m.showInbox)
	r.Handle("GET /work/agency", p.Supervise, m.showAgencyWork)
	r.Handle("POST /work/{id}", p.Work, m.actOnTask)
	r.Handle("GET /api/v1/tasks", p.Work, m.apiTasks)
	r.Handle("GET /admin/processes", p.Admin, m.showProcesses)
	r.Handle("POST /admin/processes", p.Admin, m.deploy)
	r.Handle("GET /admin/processes/{id}", p.Admin, m.showProcess)
	r.Handle("GET /admin/processes/{id}/diagram.svg", p.Admin, m.processDiagram)
	r.Handle("POST /admin/processes/{id}/migrate", p.Admin, m.migrate)
	r.Handle("GET /admin/instances/{id}", p.Admin, m.showInstance)
	r.Handle("GET /admin/instances/{id}/diagram.svg", p.Admin, m.instanceDiagram)
	r.Handle("POST /admin/instances/{id}/cancel", p.Admin, m.cancel)
	r.Handle("GET /admin/incidents", p.Admin, m.showIncidents)
	r.Handle("POST /admin/incidents/{id}/retry", p.Admin, m.retry)
	m.apiRoutes(r, p)
	return s.API().Describe(openAPIFragment)
}

// inboxView is an officer's work.
type inboxView struct {
	Mine, Offered []Task
	Now           time.Time
	Me            string
	// Staff are the colleagues of each agency, to hand a task to.
	Staff map[string][]Person
	link  func(Task) string
}

// Case is the page of the case t works on, or "".
func (v inboxView) Case(t Task) string {
	if v.link == nil {
		return ""
	}
	return v.link(t)
}

// groups lists the roles the actor holds, for the offered tasks.
func (a Actor) groups() []string {
	var out []string
	for _, g := range a.Grants {
		out = append(out, g.Role)
	}
	return out
}

// offered keeps the tasks the actor may take: their groups in the task's
// agency.
func (a Actor) offered(list []Task) []Task {
	var out []Task
	for _, t := range list {
		if t.Assignee == "" && a.holds(t.CandidateGroups, t.AgencyID) {
			out = append(out, t)
		}
	}
	return out
}

func (m *Module) inbox(ctx context.Context) (inboxView, error) {
	actor := m.staff.Actor(ctx)
	open := "open"
	v := inboxView{Now: m.eng.clock.Now(), link: m.caseLink}
	mine, _, err := m.eng.Tasks(ctx, TaskFilter{State: &open, Assignee: &actor.ID, Limit: 200})
	if err != nil {
		return v, err
	}
	unassigned := ""
	offered, _, err := m.eng.Tasks(ctx, TaskFilter{State: &open, Assignee: &unassigned, Groups: actor.groups(), Limit: 500})
	if err != nil {
		return v, err
	}
	v.Mine, v.Offered, v.Me = mine, actor.offered(offered), actor.ID
	return v, nil
}

func (m *Module) showInbox(w http.ResponseWriter, r *http.Request) error {
	v, err := m.inbox(r.Context())
	if err != nil {
		return err
	}
	if v.Staff, _, err = m.people(r.Context(), v.Mine); err != nil {
		return err
	}
	return m.pages.inbox.Render(w, r, http.StatusOK, v)
}

// agencyView is the open work of the agencies a supervisor works in.
type agencyView struct {
	Tasks []Task
	Now   time.Time
	// Names names the holders of tasks.
	Names map[string]string
}

// showAgencyWork lists every open task of the agencies the person holds a
// role in, with who holds each and what is overdue.
func (m *Module) showAgencyWork(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := m.staff.Actor(ctx)
	open := "open"
	v := agencyView{Now: m.eng.clock.Now()}
	seen := map[string]bool{}
	for _, g := range actor.Grants {
		if g.AgencyID == "" || seen[g.AgencyID] {
			continue
		}
		seen[g.AgencyID] = true
		list, _, err := m.eng.Tasks(ctx, TaskFilter{State: &open, AgencyID: &g.AgencyID, Limit: 500})
		if err != nil {
			return err
		}
		v.Tasks = append(v.Tasks, list...)
	}
	var err error
	if _, v.Names, err = m.people(ctx, v.Tasks); err != nil {
		return err
	}
	return m.pages.agency.Render(w, r, http.StatusOK, v)
}

// taskJSON is a task in the API.
type taskJSON struct {
	ID          string     `json:"id"`
	Instance    string     `json:"instance"`
	BusinessKey string     `json:"business_key,omitempty"`
	Process     string     `json:"process"`
	Element     string     `json:"element"`
	Name        string     `json:"name"`
	Groups      []string   `json:"candidate_groups"`
	Assignee    string     `json:"assignee,omitempty"`
	DueAt       *time.Time `json:"due_at,omitempty"`
	Overdue     bool       `json:"overdue"`
	CreatedAt   time.Time  `json:"created_at"`
}

func (m *Module) apiTasks(w http.ResponseWriter, r *http.Request) error {
	v, err := m.inbox(r.Context())
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"assigned": tasksJSON(v.Mine, v.Now), "offered": tasksJSON(v.Offered, v.Now)})
}

// tasksJSON converts tasks for the API, marking those overdue at now.
func tasksJSON(list []Task, now time.Time) []taskJSON {
	out := make([]taskJSON, 0, len(list))
	for _, t := range list {
		out = append(out, taskJSON{ID: t.ID, Instance: t.InstanceID, BusinessKey: t.BusinessKey, Process: t.ProcessKey, Element: t.ElementID,
			Name: t.Name, Groups: t.CandidateGroups, Assignee: t.Assignee, DueAt: t.DueAt, Overdue: t.Overdue(now), CreatedAt: t.CreatedAt})
	}
	return out
}

// delegate hands a task to the colleague with user ID to.
func (m *Module) delegate(ctx context.Context, actor Actor, id, to string) error {
	recipient, err := m.staff.Member(ctx, to)
	if err != nil {
		return err
	}
	recipient.ID = to
	return m.eng.Delegate(ctx, actor, id, recipient)
}

// actOnTask claims, returns, delegates or completes a task from the inbox.
func (m *Module) actOnTask(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := m.staff.Actor(ctx)
	id := r.PathValue("id")
	var err error
	switch r.PostFormValue("action") {
	case "claim":
		err = m.eng.Claim(ctx, actor, id)
	case "unclaim":
		err = m.eng.Unclaim(ctx, actor, id)
	case "delegate":
		err = m.delegate(ctx, actor, id, r.PostFormValue("to"))
	case "complete":
		outcome := map[string]any{}
		c := strings.TrimSpace(r.PostFormValue("comment"))
		switch d := r.PostFormValue("decision"); d {
		case "approve", "reject", "more-info":
			outcome["decision"] = d
		default:
			return apperr.Invalid("workflow.task.decision", map[string]string{"decision": "workflow.task.decision"})
		}
		if c != "" {
			outcome["comment"] = c
		}
		err = m.eng.Complete(ctx, actor, id, outcome)
	default:
		return apperr.Invalid("workflow.task.action", map[string]string{"action": "workflow.task.action"})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, web.SafeRedirect(r.PostFormValue("next"), "/work"), http.StatusSeeOther)
	return nil
}

// processesView lists the definitions.
type processesView struct {
	Definitions []DefinitionSummary
	Problems    []bpmn.Problem
}

func (m *Module) showProcesses(w http.ResponseWriter, r *http.Request) error {
	defs, err := m.eng.Definitions(r.Context())
	if err != nil {
		return err
	}
	return m.pages.processes.Render(w, r, http.StatusOK, processesView{Definitions: defs})
}

// deploy takes an uploaded BPMN file; a refused one shows every problem.
func (m *Module) deploy(w http.ResponseWriter, r *http.Request) error {
	f, _, err := r.FormFile("file")
	if err != nil {
		return apperr.Invalid("workflow.deploy.file", map[string]string{"file": "workflow.deploy.file"})
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, bpmn.MaxBytes+1))
	if err != nil {
		return err
	}
	deployed, err := m.eng.Deploy(r.Context(), m.staff.Actor(r.Context()).ID, src)
	var perr *bpmn.ParseError
	if errors.As(err, &perr) {
		defs, lerr := m.eng.Definitions(r.Context())
		if lerr != nil {
			return lerr
		}
		return m.pages.processes.Render(w, r, http.StatusUnprocessableEntity, processesView{Definitions: defs, Problems: perr.Problems})
	}
	if err != nil {
		return err
	}
	return m.pages.deployed.Render(w, r, http.StatusOK, deployed)
}

// processView is one definition with its diagram and instances, and the
// newest version of its key when this one is older.
type processView struct {
	Definition *Definition
	Process    *bpmn.Process
	Instances  []Instance
	Newer      *DefinitionSummary
	Migrated   *MigrationResult
}

func (m *Module) process(ctx context.Context, id string) (processView, error) {
	d, _, p, err := m.eng.Definition(ctx, id)
	if err != nil {
		return processView{}, err
	}
	v := processView{Definition: d, Process: p}
	if v.Instances, err = m.eng.Instances(ctx, InstanceFilter{DefinitionID: &d.ID}); err != nil {
		return v, err
	}
	all, err := m.eng.Definitions(ctx)
	if err != nil {
		return v, err
	}
	for i := range all {
		if all[i].Key == d.Key && all[i].Version > d.Version && (v.Newer == nil || all[i].Version > v.Newer.Version) {
			v.Newer = &all[i]
		}
	}
	return v, nil
}

func (m *Module) showProcess(w http.ResponseWriter, r *http.Request) error {
	v, err := m.process(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return m.pages.process.Render(w, r, http.StatusOK, v)
}

// migrate moves this version's active instances to the newest version.
func (m *Module) migrate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, err := m.process(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if v.Newer == nil || r.PostFormValue("to") != v.Newer.ID {
		return apperr.Invalid("workflow.migrate.key", map[string]string{"to": "workflow.migrate.key"})
	}
	res, err := m.eng.Migrate(ctx, m.staff.Actor(ctx).ID, v.Definition.ID, v.Newer.ID)
	if err != nil {
		return err
	}
	if v, err = m.process(ctx, v.Definition.ID); err != nil {
		return err
	}
	v.Migrated = &res
	return m.pages.process.Render(w, r, http.StatusOK, v)
}

// svg writes a diagram.
func svg(w http.ResponseWriter, defs *bpmn.Definitions, p *bpmn.Process, h diagram.Highlights) error {
	var b bytes.Buffer
	if err := diagram.Render(&b, defs, p, h); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(b.Bytes())
	return err
}

func (m *Module) processDiagram(w http.ResponseWriter, r *http.Request) error {
	d, defs, p, err := m.eng.Definition(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	active, incidents, err := m.eng.DefinitionPositions(r.Context(), d.ID)
	if err != nil {
		return err
	}
	return svg(w, defs, p, diagram.Highlights{Active: active, Incidents: incidents})
}

// instanceView is one instance: variables, positions, tasks, history.
type instanceView struct {
	Instance  *Instance
	Active    map[string]int
	Incidents map[string]int
	Tasks     []Task
	History   []HistoryEntry
}

func (m *Module) showInstance(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	in, err := m.eng.Instance(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := instanceView{Instance: in}
	if v.Active, v.Incidents, err = m.eng.Positions(ctx, in.ID); err != nil {
		return err
	}
	if v.Tasks, _, err = m.eng.Tasks(ctx, TaskFilter{InstanceID: &in.ID}); err != nil {
		return err
	}
	if v.History, err = m.eng.History(ctx, in.ID); err != nil {
		return err
	}
	return m.pages.instance.Render(w, r, http.StatusOK, v)
}

func (m *Module) instanceDiagram(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	in, err := m.eng.Instance(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	_, defs, p, err := m.eng.Definition(ctx, in.DefinitionID)
	if err != nil {
		return err
	}
	active, incidents, err := m.eng.Positions(ctx, in.ID)
	if err != nil {
		return err
	}
	hist, err := m.eng.History(ctx, in.ID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, h := range hist {
		if h.ElementID != "" {
			done[h.ElementID] = true
		}
	}
	return svg(w, defs, p, diagram.Highlights{Active: active, Incidents: incidents, Completed: done})
}

func (m *Module) cancel(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := m.eng.Cancel(r.Context(), m.staff.Actor(r.Context()).ID, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/instances/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (m *Module) showIncidents(w http.ResponseWriter, r *http.Request) error {
	list, err := m.eng.Incidents(r.Context(), 500)
	if err != nil {
		return err
	}
	return m.pages.incidents.Render(w, r, http.StatusOK, list)
}

func (m *Module) retry(w http.ResponseWriter, r *http.Request) error {
	if err := m.eng.Retry(r.Context(), m.staff.Actor(r.Context()).ID, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/incidents", http.StatusSeeOther)
	return nil
}
