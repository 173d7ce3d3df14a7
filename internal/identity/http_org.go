package identity

import (
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// orgView is an organisation's page for its director: who may act for it.
type orgView struct {
	Org       Organisation
	Attorneys []Attorney
	Values    map[string]string
	Errors    map[string]string
}

func (m *Module) showOrg(w http.ResponseWriter, r *http.Request) error {
	return m.renderOrg(w, r, http.StatusOK, orgView{Values: map[string]string{}})
}

func (m *Module) renderOrg(w http.ResponseWriter, r *http.Request, status int, v orgView) error {
	p := FromContext(r.Context())
	orgID := r.PathValue("org")
	list, err := m.svc.Attorneys(r.Context(), p, orgID)
	if err != nil {
		return err
	}
	for _, rep := range p.Representations {
		if rep.Org.ID == orgID {
			v.Org = rep.Org
		}
	}
	v.Attorneys = list
	return m.pages.org.Render(w, r, status, v)
}

func (m *Module) grantAttorney(w http.ResponseWriter, r *http.Request) error {
	p := FromContext(r.Context())
	v := orgView{Values: map[string]string{"pinfl": r.PostFormValue("pinfl"), "scope": r.PostFormValue("scope"), "expires": r.PostFormValue("expires")}}
	expires, perr := time.Parse(time.DateOnly, r.PostFormValue("expires"))
	var err error
	if perr != nil {
		err = apperr.Invalid(msgFormInvalid, map[string]string{"expires": msgAttorneyExpiry})
	} else {
		// A power of attorney runs to the end of its last day.
		err = m.svc.GrantAttorney(r.Context(), p, r.PathValue("org"), v.Values["pinfl"], v.Values["scope"], expires.Add(24*time.Hour-time.Second))
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		v.Errors = e.Fields
		return m.renderOrg(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/profile/organisations/"+r.PathValue("org"), http.StatusSeeOther)
	return nil
}

func (m *Module) revokeAttorney(w http.ResponseWriter, r *http.Request) error {
	if err := m.svc.RevokeAttorney(r.Context(), FromContext(r.Context()), r.PathValue("org"), r.PostFormValue("user")); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile/organisations/"+r.PathValue("org"), http.StatusSeeOther)
	return nil
}
