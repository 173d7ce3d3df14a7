package workflow

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed openapi.json
var openAPIFragment []byte

// maxAPIBody bounds the JSON an API call may send: variables of an instance
// or of a task's outcome, not documents (those go to blob storage).
const maxAPIBody = 256 << 10

// Agencies translates between the agency codes the API speaks (e.g.
// "adliya") and the IDs instances keep; the catalog provides it.
type Agencies interface {
	// AgencyID returns the ID of the agency with code; ENOTFOUND if none.
	AgencyID(ctx context.Context, code string) (string, error)
	// AgencyCode returns the code of the agency with id, "" if none.
	AgencyCode(ctx context.Context, id string) (string, error)
}

// apiRoutes registers the JSON API of agencies' systems and the officers'
// apps: start an instance, read it, act on a task.
func (m *Module) apiRoutes(r *web.Router, p Permissions) {
	r.Handle("POST /api/v1/processes/{key}/instances", p.Admin, m.apiStart)
	r.Handle("GET /api/v1/instances/{id}", p.Admin, m.apiInstance)
	r.Handle("POST /api/v1/tasks/{id}/{action}", p.Work, m.apiActOnTask)
	r.Handle("POST /api/v1/messages", p.Admin, m.apiPublish)
}

// messageJSON is a message to publish.
type messageJSON struct {
	Name           string         `json:"name"`
	CorrelationKey string         `json:"correlation_key"`
	Variables      map[string]any `json:"variables"`
	// TTLSeconds keeps a message nobody waits for yet that long.
	TTLSeconds int64 `json:"ttl_seconds"`
}

// apiPublish delivers a message to the instance waiting for it (200 with
// the instance), starts a process on it (200), or keeps it for its TTL
// (202); with no TTL and nobody waiting, 404.
func (m *Module) apiPublish(w http.ResponseWriter, r *http.Request) error {
	var body messageJSON
	if err := web.ReadJSON(r, maxAPIBody, &body); err != nil {
		return err
	}
	if body.TTLSeconds < 0 || body.TTLSeconds > int64(MaxMessageTTL/time.Second) {
		return apperr.Invalid("workflow.message.invalid", map[string]string{"ttl_seconds": "workflow.message.ttl"})
	}
	id, err := m.eng.Publish(r.Context(), Message{Name: body.Name, CorrelationKey: body.CorrelationKey, Variables: body.Variables,
		TTL: time.Duration(body.TTLSeconds) * time.Second})
	if err != nil {
		return err
	}
	if id == "" {
		return web.WriteJSON(w, http.StatusAccepted, map[string]any{"kept": true})
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"instance": id})
}

// startJSON is the body of a start request.
type startJSON struct {
	BusinessKey string         `json:"business_key"`
	Agency      string         `json:"agency"`
	Variables   map[string]any `json:"variables"`
}

// instanceJSON is an instance in the API.
type instanceJSON struct {
	ID          string         `json:"id"`
	Process     string         `json:"process"`
	Version     int            `json:"version"`
	BusinessKey string         `json:"business_key,omitempty"`
	Agency      string         `json:"agency,omitempty"`
	State       string         `json:"state"`
	Variables   map[string]any `json:"variables"`
	StartedAt   time.Time      `json:"started_at"`
	EndedAt     *time.Time     `json:"ended_at,omitempty"`
	// Active and Incidents count the tokens at each element.
	Active    map[string]int `json:"active"`
	Incidents map[string]int `json:"incidents"`
	Tasks     []taskJSON     `json:"tasks"`
}

// apiStart starts the newest version of a process and answers with the
// instance as it stands after its first step.
func (m *Module) apiStart(w http.ResponseWriter, r *http.Request) error {
	var body startJSON
	if err := web.ReadJSON(r, maxAPIBody, &body); err != nil {
		return err
	}
	ctx := r.Context()
	req := StartRequest{Key: r.PathValue("key"), BusinessKey: body.BusinessKey, Variables: body.Variables}
	if body.Agency != "" {
		id, err := m.agencies.AgencyID(ctx, body.Agency)
		if apperr.Is(err, apperr.ENOTFOUND) {
			return apperr.Invalid("workflow.api.agency", map[string]string{"agency": "workflow.api.agency"})
		}
		if err != nil {
			return err
		}
		req.AgencyID = id
	}
	id, err := m.eng.Start(ctx, req)
	if err != nil {
		return err
	}
	v, err := m.instanceJSON(ctx, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/instances/"+id)
	return web.WriteJSON(w, http.StatusCreated, v)
}

func (m *Module) apiInstance(w http.ResponseWriter, r *http.Request) error {
	v, err := m.instanceJSON(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, v)
}

// instanceJSON reads an instance with its positions and open tasks.
func (m *Module) instanceJSON(ctx context.Context, id string) (*instanceJSON, error) {
	in, err := m.eng.Instance(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &instanceJSON{ID: in.ID, Process: in.Key, Version: in.Version, BusinessKey: in.BusinessKey, State: in.State,
		Variables: in.Variables, StartedAt: in.StartedAt, EndedAt: in.EndedAt}
	if in.AgencyID != "" {
		if v.Agency, err = m.agencies.AgencyCode(ctx, in.AgencyID); err != nil {
			return nil, err
		}
	}
	if v.Active, v.Incidents, err = m.eng.Positions(ctx, in.ID); err != nil {
		return nil, err
	}
	open := "open"
	tasks, _, err := m.eng.Tasks(ctx, TaskFilter{InstanceID: &in.ID, State: &open})
	if err != nil {
		return nil, err
	}
	v.Tasks = tasksJSON(tasks, m.eng.clock.Now())
	return v, nil
}

// taskActionJSON is the body of a task action: the outcome of "complete",
// the colleague of "delegate".
type taskActionJSON struct {
	Variables map[string]any `json:"variables"`
	To        string         `json:"to"`
}

// apiActOnTask claims, gives back, delegates or completes a task; it
// answers 204.
func (m *Module) apiActOnTask(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := m.staff.Actor(ctx)
	id := r.PathValue("id")
	var err error
	switch r.PathValue("action") {
	case "claim":
		err = m.eng.Claim(ctx, actor, id)
	case "unclaim":
		err = m.eng.Unclaim(ctx, actor, id)
	case "delegate", "complete":
		var body taskActionJSON
		if err := web.ReadJSON(r, maxAPIBody, &body); err != nil {
			return err
		}
		if r.PathValue("action") == "delegate" {
			err = m.delegate(ctx, actor, id, body.To)
		} else {
			err = m.eng.Complete(ctx, actor, id, body.Variables)
		}
	default:
		return apperr.New(apperr.ENOTFOUND, "error.page_not_found")
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
