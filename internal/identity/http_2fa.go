package identity

import (
	"net/http"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// challengeCookie carries a sign-in that waits for its second factor.
const challengeCookie = "egov_2fa"

func (m *Module) showLoginCode(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(challengeCookie); err != nil || c.Value == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	return m.pages.loginCode.Render(w, r, http.StatusOK, formView{})
}

func (m *Module) loginCode(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(challengeCookie)
	if err != nil || c.Value == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	u, next, err := m.svc.AnswerChallenge(r.Context(), c.Value, r.PostFormValue("code"))
	switch {
	case apperr.Is(err, apperr.EINVALID):
		return m.pages.loginCode.Render(w, r, http.StatusUnauthorized, formView{Errors: apperr.As(err).Fields})
	case apperr.Is(err, apperr.ENOTFOUND):
		http.SetCookie(w, &http.Cookie{Name: challengeCookie, Path: "/login", MaxAge: -1})
		return m.pages.login.Render(w, r, http.StatusUnauthorized, formView{Message: msgChallengeGone, Next: "/profile", Values: map[string]string{}})
	case err != nil:
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: challengeCookie, Path: "/login", MaxAge: -1})
	return m.signIn(w, r, u, next, SignInTwoFactor)
}

// twoFactorView is the page where a person switches the second factor on
// or off.
type twoFactorView struct {
	Enabled bool
	Setup   *TOTPSetup
	// RecoveryCodes are shown once, right after the second factor is on.
	RecoveryCodes []string
	Errors        map[string]string
}

func (m *Module) showTwoFactor(w http.ResponseWriter, r *http.Request) error {
	return m.renderTwoFactor(w, r, http.StatusOK, twoFactorView{})
}

// renderTwoFactor shows the current state: on, or being set up (a setup is
// started if none is pending).
func (m *Module) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, v twoFactorView) error {
	p := FromContext(r.Context())
	on, err := m.svc.TwoFactorEnabled(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	v.Enabled = on
	if !on {
		v.Setup, err = m.svc.PendingTOTP(r.Context(), p.User)
		if apperr.Is(err, apperr.ENOTFOUND) {
			v.Setup, err = m.svc.BeginTOTP(r.Context(), p.User)
		}
		if err != nil {
			return err
		}
	}
	return m.pages.twoFactor.Render(w, r, status, v)
}

func (m *Module) confirmTwoFactor(w http.ResponseWriter, r *http.Request) error {
	p := FromContext(r.Context())
	codes, err := m.svc.ConfirmTOTP(r.Context(), p.User.ID, r.PostFormValue("code"))
	if apperr.Is(err, apperr.EINVALID) {
		return m.renderTwoFactor(w, r, http.StatusUnprocessableEntity, twoFactorView{Errors: apperr.As(err).Fields})
	}
	if err != nil {
		return err
	}
	return m.renderTwoFactor(w, r, http.StatusOK, twoFactorView{RecoveryCodes: codes})
}

func (m *Module) disableTwoFactor(w http.ResponseWriter, r *http.Request) error {
	p := FromContext(r.Context())
	err := m.svc.DisableTOTP(r.Context(), p.User.ID, r.PostFormValue("code"))
	if apperr.Is(err, apperr.EINVALID) {
		return m.renderTwoFactor(w, r, http.StatusUnprocessableEntity, twoFactorView{Errors: apperr.As(err).Fields})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/profile/2fa", http.StatusSeeOther)
	return nil
}
