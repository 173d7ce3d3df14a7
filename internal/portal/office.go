package portal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// Office tells the officer's page who is signed in and what the
// application's process waits for; internal/app provides it from the
// identity and workflow modules.
type Office interface {
	// Officer is the signed-in member of staff; false for anyone else.
	Officer(ctx context.Context) (Officer, bool)
	// MayProcess tells whether the signed-in officer works on
	// applications in the agency.
	MayProcess(ctx context.Context, agencyID string) bool
	// OpenTask is the open user task of the process instance that the
	// signed-in officer may work on; ENOTFOUND when there is none.
	OpenTask(ctx context.Context, instanceID string) (OfficeTask, error)
}

// Officer is a member of staff.
type Officer struct {
	ID   string
	Name string
}

// OfficeTask is a user task of an application's process.
type OfficeTask struct {
	ID   string
	Name string
	// Mine says the officer has claimed it; Free that nobody has.
	Mine, Free bool
}

// AccessLog records every view of a citizen's personal data by staff, for
// the citizen's data tracker; internal/app writes it where the exchange
// bus's accesses go.
type AccessLog interface {
	StaffViewed(ctx context.Context, pinfl string, officer Officer, what, purpose string) error
}

// officePages serve the officer's view of an application.
type officePages struct {
	apps   *Applications
	office Office
	log    AccessLog
	rd     *web.Renderer
	show   *web.Page
}

// officeView is an application as the officer sees it.
type officeView struct {
	*Application
	Service  string
	Summary  []form.SummaryStep
	Timeline []TimelineEntry
	// Task is the step the process waits for, nil when it waits for
	// nobody on staff.
	Task *OfficeTask
	// Sources names the registry of each prefilled field, Changed the
	// fields whose registry value the applicant changed.
	Sources map[string]string
	Changed map[string]bool
}

// ByNumber returns the application with the number for staff, without an
// owner check: the caller checks that the officer works in its agency.
//
// Errors: ENOTFOUND MsgNoApplication.
func (a *Applications) ByNumber(ctx context.Context, number string) (*Application, string, error) {
	row := a.m.db.Reader().QueryRowContext(ctx, `SELECT `+applicationColumns+`, applicant_pinfl FROM portal_applications
		WHERE number = $1`, number)
	var pinfl string
	app, err := scanApplication(scanTail{row, &pinfl})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.New(apperr.ENOTFOUND, MsgNoApplication)
	}
	if err != nil {
		return nil, "", fmt.Errorf("application %s: %w", number, err)
	}
	return app, pinfl, nil
}

// scanTail scans a row of applicationColumns followed by more columns.
type scanTail struct {
	row  interface{ Scan(...any) error }
	tail *string
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.tail)...) }

// application is the application of the request's {number}, with the
// applicant's PINFL, for the signed-in officer of its agency; an officer
// of another agency gets ENOTFOUND, as for a number that does not exist.
func (p officePages) application(r *http.Request) (Officer, *Application, string, error) {
	ctx := r.Context()
	officer, ok := p.office.Officer(ctx)
	if !ok {
		return Officer{}, nil, "", apperr.New(apperr.EFORBIDDEN, "error.forbidden")
	}
	app, pinfl, err := p.apps.ByNumber(ctx, r.PathValue("number"))
	if err != nil {
		return Officer{}, nil, "", err
	}
	if !p.office.MayProcess(ctx, app.AgencyID) {
		return Officer{}, nil, "", apperr.New(apperr.ENOTFOUND, MsgNoApplication)
	}
	return officer, app, pinfl, nil
}

// showApplication shows the application to an officer of its agency, and
// records the view, with the task as its purpose, in the citizen's data
// tracker. An officer of another agency gets 404, as for a number that
// does not exist.
func (p officePages) showApplication(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	officer, app, pinfl, err := p.application(r)
	if err != nil {
		return err
	}
	loc := web.Locale(ctx)
	v := officeView{Application: app, Sources: map[string]string{}, Changed: map[string]bool{}}
	names := &serviceNames{forms: p.apps.Forms, loc: loc, seen: map[string]string{}}
	v.Service = names.of(ctx, app.ServiceCode)
	purpose := "application " + app.Number
	if app.ProcessInstance != "" {
		t, err := p.office.OpenTask(ctx, app.ProcessInstance)
		switch {
		case err == nil:
			v.Task = &t
			purpose = fmt.Sprintf("task %s (%s), application %s", t.Name, t.ID, app.Number)
		case !apperr.Is(err, apperr.ENOTFOUND):
			return err
		}
	}
	if v.Timeline, err = p.apps.Timeline(ctx, app.ApplicantID, app.ID); err != nil {
		return err
	}
	f, err := p.apps.Forms.Form(ctx, app.ServiceCode, app.FormVersion)
	if err != nil {
		return err
	}
	v.Summary = f.Summary(app.Answers, loc)
	for name, pv := range app.Prefilled {
		v.Sources[name] = p.rd.T(loc, "portal.source."+pv.Source)
		v.Changed[name] = pv.Changed
	}
	// The view is recorded before the data is shown: a view that cannot
	// be recorded is not shown.
	if err := p.log.StaffViewed(ctx, pinfl, officer, "application "+app.Number, purpose); err != nil {
		return err
	}
	return p.show.Render(w, r, http.StatusOK, v)
}

// OfficeRoutes registers the officer's view of an application, open to
// holders of perm (staff who process applications) in the application's
// agency. Decisions go to the workflow's task actions.
func (a *Applications) OfficeRoutes(r *web.Router, rd *web.Renderer, perm web.Permission, office Office, log AccessLog) error {
	show, err := rd.Page(templateFS, "templates/office_application.html")
	if err != nil {
		return err
	}
	p := officePages{apps: a, office: office, log: log, rd: rd, show: show}
	r.Handle("GET /office/applications/{number}", perm, p.showApplication)
	r.Handle("GET /office/applications/{number}/files/{ref}", perm, p.showFile)
	return nil
}

// showFile sends an officer of the application's agency a file attached
// to it, recording the view in the citizen's data tracker first.
func (p officePages) showFile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	officer, app, pinfl, err := p.application(r)
	if err != nil {
		return err
	}
	f, err := p.apps.Forms.Form(ctx, app.ServiceCode, app.FormVersion)
	if err != nil {
		return err
	}
	ref := r.PathValue("ref")
	if !slices.Contains(f.FileRefs(app.Answers), ref) {
		return apperr.New(apperr.ENOTFOUND, MsgNoApplication)
	}
	if err := p.log.StaffViewed(ctx, pinfl, officer, "attachment of application "+app.Number,
		"application "+app.Number); err != nil {
		return err
	}
	return p.apps.Attachments.Serve(w, r, ref)
}
