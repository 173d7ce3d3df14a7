package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// csrfCookie holds a random per-browser value; forms carry an HMAC of it that
// only the server can compute, so another site can neither read nor forge the
// token (a signed double-submit cookie). It needs no server-side state, so any
// node can check any form.
const (
	csrfCookie = "egov_csrf"
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

type csrf struct {
	secret []byte
}

// ensure gives the browser a CSRF cookie if it has none and returns the token
// for forms on this response.
func (c *csrf) ensure(w http.ResponseWriter, r *http.Request, secure bool) string {
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
		return c.token(ck.Value)
	}
	buf := make([]byte, 32)
	_, _ = rand.Read(buf)
	v := base64.RawURLEncoding.EncodeToString(buf)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	// The cookie is also visible to the rest of this request.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return c.token(v)
}

func (c *csrf) token(cookie string) string {
	m := hmac.New(sha256.New, c.secret)
	m.Write([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// check verifies a state-changing request: the Origin, when the browser sends
// one, must be this site, and the token from the form or header must match
// the cookie.
func (c *csrf) check(r *http.Request) error {
	fail := apperr.New(apperr.EFORBIDDEN, "error.csrf")
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" {
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return fail
		}
	}
	ck, err := r.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return fail
	}
	sent := r.Header.Get(csrfHeader)
	if sent == "" {
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = r.ParseMultipartForm(8 << 20)
		} else {
			err = r.ParseForm()
		}
		// A form over the size limit is that, not a missing token.
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		sent = r.PostFormValue(csrfField)
	}
	if sent == "" || !constantTimeEqual(sent, c.token(ck.Value)) {
		return fail
	}
	return nil
}
