package identity

import (
	"encoding/base64"
	"net/http"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// certificateLoginView is the e-signature sign-in page: the challenge and
// the exact text the holder's key signs.
type certificateLoginView struct {
	Next, Challenge, Text string
	// Message is why the last attempt was refused.
	Message string
}

// showCertificateLogin offers to sign in with an e-signature key kept in
// this browser: the page's script signs the text with it.
func (m *Module) showCertificateLogin(w http.ResponseWriter, r *http.Request) error {
	next := web.SafeRedirect(r.URL.Query().Get("next"), "/profile")
	if FromContext(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return m.renderCertificateLogin(w, r, http.StatusOK, certificateLoginView{Next: next})
}

// renderCertificateLogin shows the page with a fresh challenge.
func (m *Module) renderCertificateLogin(w http.ResponseWriter, r *http.Request, status int, v certificateLoginView) error {
	if m.certs == nil {
		return apperr.New(apperr.ENOTFOUND, "error.page_not_found")
	}
	// Only sending a signature counts against the sign-in limit; pages
	// are bounded by the per-address request limit, and their challenges
	// are purged when they expire.
	challenge, err := m.svc.NewSignInChallenge(r.Context())
	if err != nil {
		return err
	}
	v.Challenge, v.Text = challenge, string(SignInText(r.Host, challenge))
	return m.pages.loginCertificate.Render(w, r, status, v)
}

// certificateLogin signs in the holder of the certificate whose key signed
// the page's text. A refusal shows the page again with a new challenge.
func (m *Module) certificateLogin(w http.ResponseWriter, r *http.Request) error {
	if m.certs == nil {
		return apperr.New(apperr.ENOTFOUND, "error.page_not_found")
	}
	next := web.SafeRedirect(r.PostFormValue("next"), "/profile")
	cert, err1 := base64.StdEncoding.DecodeString(r.PostFormValue("certificate"))
	sig, err2 := base64.StdEncoding.DecodeString(r.PostFormValue("signature"))
	var u *User
	err := m.throttle(r)
	switch {
	case err != nil:
	case err1 != nil || err2 != nil || len(cert) == 0 || len(sig) == 0:
		err = apperr.New(apperr.EUNAUTHORIZED, msgCertRefused)
	default:
		u, err = m.svc.SignInWithCertificate(r.Context(), m.certs, r.Host, r.PostFormValue("challenge"), cert, sig)
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.EUNAUTHORIZED {
		return m.renderCertificateLogin(w, r, http.StatusUnauthorized, certificateLoginView{Next: next, Message: e.Message})
	}
	if err != nil {
		return err
	}
	return m.signIn(w, r, u, next, SignInCertificate)
}
