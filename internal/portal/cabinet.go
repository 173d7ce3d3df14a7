package portal

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// cabinetPageSize is how many applications "My applications" shows.
const cabinetPageSize = 50

// cabinetPages serve the applicant's personal cabinet: "My applications"
// and each application.
type cabinetPages struct {
	apps *Applications
	who  Applicants
	list *web.Page
	show *web.Page
}

// cabinetRow is one application in the list.
type cabinetRow struct {
	*Application
	Service string
}

// listView is "My applications".
type listView struct {
	Drafts       []draftRow
	Applications []cabinetRow
	Saved        bool
}

// draftRow is one unfinished application.
type draftRow struct {
	*Draft
	Service string
}

// applicationView is one application as its applicant sees it.
type applicationView struct {
	*Application
	Service   string
	Timeline  []TimelineEntry
	Summary   []form.SummaryStep
	Submitted bool
	// Overdue says the due date has passed without a decision.
	Overdue bool
	// Request is the officer's latest request for more information;
	// Errors the reply's.
	Request string
	Errors  map[string]string
	// Unpaid says the fee is still owed.
	Unpaid bool
	// Result is the result document, once issued.
	Result *Result
	// Stars are the choices of the rating form.
	Stars []int
}

// FeeSum is the fee in whole soʻm.
func (a *Application) FeeSum() int64 { return a.Fee / 100 }

// serviceNames names services in loc, asking the catalogue once per code.
type serviceNames struct {
	forms Forms
	loc   i18n.Locale
	seen  map[string]string
}

func (n *serviceNames) of(ctx context.Context, code string) string {
	if name, ok := n.seen[code]; ok {
		return name
	}
	name := code
	if info, err := n.forms.Service(ctx, code); err == nil {
		name = info.Name(n.loc)
	}
	n.seen[code] = name
	return name
}

func (p cabinetPages) showList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	who, _ := p.who.Applicant(ctx)
	names := &serviceNames{forms: p.apps.Forms, loc: web.Locale(ctx), seen: map[string]string{}}
	drafts, err := p.apps.Drafts(ctx, who.UserID)
	if err != nil {
		return err
	}
	apps, err := p.apps.List(ctx, who.UserID, cabinetPageSize)
	if err != nil {
		return err
	}
	v := listView{Saved: r.URL.Query().Get("saved") == "1"}
	for _, d := range drafts {
		v.Drafts = append(v.Drafts, draftRow{Draft: d, Service: names.of(ctx, d.ServiceCode)})
	}
	for _, a := range apps {
		v.Applications = append(v.Applications, cabinetRow{Application: a, Service: names.of(ctx, a.ServiceCode)})
	}
	return p.list.Render(w, r, http.StatusOK, v)
}

func (p cabinetPages) showApplication(w http.ResponseWriter, r *http.Request) error {
	return p.renderApplication(w, r, http.StatusOK, nil)
}

// reply sends the applicant's answer to the officer's request; a bad one
// comes back with its error.
func (p cabinetPages) reply(w http.ResponseWriter, r *http.Request) error {
	who, _ := p.who.Applicant(r.Context())
	err := p.apps.Reply(r.Context(), who.UserID, r.PathValue("id"), r.PostFormValue("reply"))
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		return p.renderApplication(w, r, http.StatusUnprocessableEntity, e.Fields)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, applicationURL(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

// rate keeps the applicant's rating; a bad one comes back with its error.
func (p cabinetPages) rate(w http.ResponseWriter, r *http.Request) error {
	who, _ := p.who.Applicant(r.Context())
	stars, _ := strconv.Atoi(r.PostFormValue("rating"))
	err := p.apps.Rate(r.Context(), who.UserID, r.PathValue("id"), stars, r.PostFormValue("comment"))
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		return p.renderApplication(w, r, http.StatusUnprocessableEntity, e.Fields)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, applicationURL(r.PathValue("id"))+"?rated=1", http.StatusSeeOther)
	return nil
}

func (p cabinetPages) renderApplication(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	ctx := r.Context()
	who, _ := p.who.Applicant(ctx)
	loc := web.Locale(ctx)
	app, err := p.apps.Find(ctx, who.UserID, r.PathValue("id"))
	if err != nil {
		return err
	}
	timeline, err := p.apps.Timeline(ctx, who.UserID, app.ID)
	if err != nil {
		return err
	}
	names := &serviceNames{forms: p.apps.Forms, loc: loc, seen: map[string]string{}}
	v := applicationView{Application: app, Service: names.of(ctx, app.ServiceCode), Timeline: timeline,
		Submitted: r.URL.Query().Get("submitted") == "1",
		Overdue:   !app.DueAt.IsZero() && !app.Decided() && p.apps.m.clock.Now().After(app.DueAt), Errors: errs,
		Stars: []int{5, 4, 3, 2, 1}}
	v.Unpaid = app.InvoiceID != ""
	if app.Status == StatusResultIssued {
		if v.Result, err = p.apps.ResultOf(ctx, app.ID); err != nil {
			return err
		}
	}
	for _, e := range timeline {
		switch e.Kind {
		case StatusMoreInfo:
			v.Request = e.Detail
		case eventPaid:
			v.Unpaid = false
		}
	}
	// The answers are shown with the form version they were sent with,
	// which never changes once published.
	f, err := p.apps.Forms.Form(ctx, app.ServiceCode, app.FormVersion)
	if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return err
	}
	if f != nil {
		v.Summary = f.Summary(app.Answers, loc)
	}
	return p.show.Render(w, r, status, v)
}

// Decided tells whether the application has its decision.
func (a *Application) Decided() bool {
	switch a.Status {
	case StatusApproved, StatusRejected, StatusResultIssued:
		return true
	}
	return false
}

// DueDate is the due date as a page shows it: the calendar day in
// Tashkent, where the agencies' working days are counted.
func (a *Application) DueDate() time.Time { return a.DueAt.In(clock.Tashkent) }
