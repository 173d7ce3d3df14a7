package identity

import (
	"net/http"

	"github.com/egovuz/egov/internal/platform/apperr"
)

func (m *Module) showForgot(w http.ResponseWriter, r *http.Request) error {
	return m.pages.forgot.Render(w, r, http.StatusOK, formView{Values: map[string]string{}})
}

// forgot sends a reset code and goes on to the reset form, saying the same
// whether or not the account exists.
func (m *Module) forgot(w http.ResponseWriter, r *http.Request) error {
	if err := m.throttle(r); err != nil {
		return err
	}
	if err := m.svc.RequestPasswordReset(r.Context(), r.PostFormValue("identifier")); err != nil {
		return err
	}
	http.Redirect(w, r, "/password/reset?notice=sent", http.StatusSeeOther)
	return nil
}

func (m *Module) showReset(w http.ResponseWriter, r *http.Request) error {
	return m.pages.reset.Render(w, r, http.StatusOK, formView{Values: map[string]string{}, Notice: noticeFrom(r)})
}

func (m *Module) reset(w http.ResponseWriter, r *http.Request) error {
	if err := m.throttle(r); err != nil {
		return err
	}
	identifier := r.PostFormValue("identifier")
	err := m.svc.ResetPassword(r.Context(), identifier, r.PostFormValue("code"), r.PostFormValue("password"), r.PostFormValue("confirm"))
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		return m.pages.reset.Render(w, r, http.StatusUnprocessableEntity, formView{Values: map[string]string{"identifier": identifier}, Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/login?notice=reset", http.StatusSeeOther)
	return nil
}
