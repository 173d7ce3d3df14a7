package catalog

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// formPreview is the preview of a service's application form: one step as
// applicants will see it, with the steps listed and checks run on "Next".
type formPreview struct {
	Service   *Service
	Published *ServiceForm
	Title     string
	Steps     []form.Step
	// Form is the step shown, for the "form-fields" partial; Next is the
	// step after it ("" on the last).
	Form   form.StepView
	Next   string
	Errors map[string]string
	// Checked says the shown step was just checked and has no errors.
	Checked bool
}

// Action is where the step's <form> posts: the preview itself, keeping the
// version and step.
func (v formPreview) Action() string {
	q := url.Values{"step": {v.Form.ID}, "version": {strconv.Itoa(v.Published.Version)}}
	return "/services/" + url.PathEscape(v.Service.Code) + "/form?" + q.Encode()
}

func (m *Module) showFormPreview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	version, err := intParam(r, "version", 0)
	if err != nil {
		return err
	}
	s, err := m.reg.ServiceByCode(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	sf, err := m.reg.Form(ctx, s.Code, version)
	if err != nil {
		return err
	}
	loc := web.Locale(ctx)
	v := formPreview{Service: s, Published: sf, Title: sf.Form.Title(loc), Steps: sf.Form.Steps(loc)}
	stepID := r.URL.Query().Get("step")
	if stepID == "" {
		stepID = v.Steps[0].ID
	}
	values := map[string]any{}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		// Check the posted step as the application will, and keep only
		// the errors of this step: the others are not filled in yet.
		if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return apperr.New(apperr.EINVALID, "error.invalid")
		}
		// A preview keeps no files: a chosen file only counts as given.
		if r.MultipartForm != nil {
			for name := range r.MultipartForm.File {
				r.PostForm.Set(name, "preview")
			}
		}
		values = sf.Form.FromPost(r.PostForm)
		_, errs := sf.Form.Validate(values, loc)
		v.Errors = map[string]string{}
		for name, msg := range errs {
			if sf.Form.StepOf(name) == stepID {
				v.Errors[name] = msg
			}
		}
		if len(v.Errors) > 0 {
			status = http.StatusUnprocessableEntity
		} else {
			v.Checked = true
		}
	}
	step, ok := sf.Form.View(stepID, loc, values, v.Errors)
	if !ok {
		return apperr.New(apperr.ENOTFOUND, msgNoSuchStep)
	}
	v.Form = step
	if step.Number < step.Count {
		v.Next = v.Steps[step.Number].ID
	}
	return m.pages.form.Render(w, r, status, v)
}

// formJSON is a form version in the API.
type formJSON struct {
	Service     string          `json:"service"`
	Version     int             `json:"version"`
	PublishedAt time.Time       `json:"published_at"`
	Schema      json.RawMessage `json:"schema"`
}

func (m *Module) apiForm(w http.ResponseWriter, r *http.Request) error {
	version, err := intParam(r, "version", 0)
	if err != nil {
		return err
	}
	sf, err := m.reg.Form(r.Context(), r.PathValue("code"), version)
	if err != nil {
		return err
	}
	// A published version never changes: clients may keep it.
	if version > 0 {
		w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	}
	return web.WriteJSON(w, http.StatusOK, formJSON{Service: sf.Code, Version: sf.Version, PublishedAt: sf.PublishedAt, Schema: sf.Form.Canonical()})
}
