package portal

import (
	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/web"
)

// PageRoutes registers the applicant's pages, open to holders of perm (a
// signed-in person): applying for a service step by step, and the
// personal cabinet's "My applications".
func (a *Applications) PageRoutes(r *web.Router, rd *web.Renderer, perm web.Permission, who Applicants) error {
	ap := applyPages{apps: a, who: who, rd: rd}
	var err error
	if ap.step, err = rd.Page(form.WithPartial(templateFS), "templates/apply_step.html", form.Partial); err != nil {
		return err
	}
	if ap.chk, err = rd.Page(templateFS, "templates/apply_check.html"); err != nil {
		return err
	}
	cp := cabinetPages{apps: a, who: who}
	if cp.list, err = rd.Page(templateFS, "templates/applications.html"); err != nil {
		return err
	}
	if cp.show, err = rd.Page(templateFS, "templates/application.html"); err != nil {
		return err
	}
	r.Handle("GET /apply/{service}", perm, ap.start)
	r.Handle("GET /drafts/{id}/steps/{step}", perm, ap.showStep)
	r.Handle("POST /drafts/{id}/steps/{step}", perm, ap.showStep)
	r.Handle("GET /drafts/{id}/check", perm, ap.showCheck)
	r.Handle("POST /drafts/{id}/submit", perm, ap.submit)
	r.Handle("POST /drafts/{id}/delete", perm, ap.discard)
	r.Handle("GET /account/applications", perm, cp.showList)
	r.Handle("GET /account/applications/{id}", perm, cp.showApplication)
	r.Handle("POST /account/applications/{id}/reply", perm, cp.reply)
	r.Handle("POST /account/applications/{id}/rating", perm, cp.rate)
	return nil
}
