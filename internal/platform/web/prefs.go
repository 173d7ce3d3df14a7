package web

import (
	"net/http"
	"strings"
)

// Prefs are the display preferences a visitor can set without an account:
// larger text and high contrast, remembered in a cookie and applied by CSS
// classes on <html>, so they work without JavaScript.
type Prefs struct {
	LargeText    bool
	HighContrast bool
}

// Classes are the <html> classes that apply the preferences.
func (p Prefs) Classes() string {
	var c []string
	if p.LargeText {
		c = append(c, "text-large")
	}
	if p.HighContrast {
		c = append(c, "contrast-high")
	}
	return strings.Join(c, " ")
}

const prefsCookie = "egov_prefs"

func prefsFrom(r *http.Request) Prefs {
	c, err := r.Cookie(prefsCookie)
	if err != nil {
		return Prefs{}
	}
	var p Prefs
	for _, f := range strings.Split(c.Value, ".") {
		switch f {
		case "large":
			p.LargeText = true
		case "contrast":
			p.HighContrast = true
		}
	}
	return p
}

func (p Prefs) cookieValue() string {
	var f []string
	if p.LargeText {
		f = append(f, "large")
	}
	if p.HighContrast {
		f = append(f, "contrast")
	}
	return strings.Join(f, ".")
}

// savePrefs handles the display-preference form: each button toggles one
// preference, and the visitor returns to the page they were on.
func (s *Server) savePrefs(w http.ResponseWriter, r *http.Request) error {
	p := prefsFrom(r)
	switch r.PostFormValue("toggle") {
	case "text":
		p.LargeText = !p.LargeText
	case "contrast":
		p.HighContrast = !p.HighContrast
	}
	c := &http.Cookie{Name: prefsCookie, Value: p.cookieValue(), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.opts.TLS, SameSite: http.SameSiteLaxMode}
	if c.Value == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, SafeRedirect(r.PostFormValue("next"), "/"), http.StatusSeeOther)
	return nil
}
