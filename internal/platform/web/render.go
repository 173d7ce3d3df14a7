package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

//go:embed templates
var shellTemplates embed.FS

// Renderer turns typed view data into pages inside the shared layout, in the
// request's language.
type Renderer struct {
	bundle *i18n.Bundle
	assets *Assets
	log    *slog.Logger
	demo   bool
	// loginPath is where anonymous visitors of protected pages are sent.
	loginPath string
	base      *template.Template
	errors    *Page
	bufs      sync.Pool
}

func newRenderer(bundle *i18n.Bundle, assets *Assets, log *slog.Logger, demo bool, loginPath string) (*Renderer, error) {
	base, err := template.New("layout.html").ParseFS(shellTemplates, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	rd := &Renderer{bundle: bundle, assets: assets, log: log, demo: demo, loginPath: loginPath, base: base,
		bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
	rd.errors, err = rd.Page(shellTemplates, "templates/error.html")
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Page is one parsed page template: the layout plus the page's own "title"
// and "content" blocks.
type Page struct {
	r    *Renderer
	name string
	tmpl *template.Template
}

// Page parses the page template at name in fsys into the layout, with any
// partials (files of {{define}} blocks) the page shares with others. Modules
// call it once at start-up for each page they serve.
func (rd *Renderer) Page(fsys fs.FS, name string, partials ...string) (*Page, error) {
	t, err := rd.base.Clone()
	if err != nil {
		return nil, err
	}
	if _, err := t.ParseFS(fsys, append([]string{name}, partials...)...); err != nil {
		return nil, fmt.Errorf("parse page %s: %w", name, err)
	}
	return &Page{r: rd, name: name, tmpl: t}, nil
}

// View is what every template sees: the page's own Data plus what the layout
// needs, with helpers for translation and assets.
type View struct {
	Data      any
	Locale    i18n.Locale
	Locales   []i18n.Locale
	CSRFToken string
	RequestID string
	Path      string
	Prefs     Prefs
	Demo      bool
	// Viewer is the signed-in person, nil for an anonymous visitor.
	Viewer *Viewer
	// Status is the HTTP status, shown by error pages.
	Status int
	bundle *i18n.Bundle
	assets *Assets
	query  url.Values
}

// T translates key into the page's language. It takes no arguments so
// templates call it without building a slice; Tf substitutes arguments.
func (v *View) T(key string) string { return v.bundle.T(v.Locale, key) }

// Tf translates key and substitutes {0}, {1}… with args.
func (v *View) Tf(key string, args ...any) string { return v.bundle.T(v.Locale, key, args...) }

// N translates a counted phrase with the plural form for n.
func (v *View) N(key string, n int) string { return v.bundle.N(v.Locale, key, n) }

// Date formats t as a long date in the page's language.
func (v *View) Date(t time.Time) string { return i18n.FormatDate(v.Locale, t) }

// Int formats a whole number with the page language's digit grouping.
func (v *View) Int(n int64) string { return i18n.FormatInt(v.Locale, n) }

// Asset returns the cache-busting URL of a static file such as "css/egov.css".
func (v *View) Asset(name string) string { return v.assets.URL(name) }

// LangLink is one entry of the language switcher.
type LangLink struct {
	Tag     string // BCP 47, for lang and hreflang
	Name    string // the language's name in itself
	URL     string // the current page in that language; works without script
	Current bool
}

// Languages lists the switcher's entries, built in Go once per page rather
// than by many template calls.
func (v *View) Languages() []LangLink {
	out := make([]LangLink, 0, len(v.Locales))
	q := url.Values{}
	for k, vs := range v.query {
		q[k] = vs
	}
	for _, l := range v.Locales {
		q.Set("lang", string(l))
		out = append(out, LangLink{Tag: l.HTMLLang(), Name: l.NativeName(), URL: v.Path + "?" + q.Encode(), Current: l == v.Locale})
	}
	return out
}

func (rd *Renderer) view(r *http.Request, status int, data any) *View {
	info := infoFrom(r.Context())
	return &View{Data: data, Locale: info.locale, Locales: i18n.All(), CSRFToken: info.csrf,
		RequestID: info.id, Path: r.URL.Path, Prefs: info.prefs, Demo: rd.demo, Viewer: info.viewer, Status: status,
		bundle: rd.bundle, assets: rd.assets, query: r.URL.Query()}
}

// Render writes the page with status and data. A template error becomes a
// plain 500: the page is rendered into a buffer first, so a half-written page
// never reaches the browser.
func (p *Page) Render(w http.ResponseWriter, r *http.Request, status int, data any) error {
	buf := p.r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer p.r.bufs.Put(buf)
	if err := p.tmpl.ExecuteTemplate(buf, "layout.html", p.r.view(r, status, data)); err != nil {
		return fmt.Errorf("render %s: %w", p.name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", string(Locale(r.Context())))
	h.Add("Vary", "Cookie, Accept-Language")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// ErrorView is the data of the error page.
type ErrorView struct {
	Title   string
	Message string
	Fields  map[string]string
}

// statusOf maps an error code to its HTTP status; the only place that does.
func statusOf(code string) int {
	switch code {
	case apperr.EINVALID:
		return http.StatusBadRequest
	case apperr.ENOTFOUND:
		return http.StatusNotFound
	case apperr.ECONFLICT:
		return http.StatusConflict
	case apperr.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case apperr.EFORBIDDEN:
		return http.StatusForbidden
	case apperr.ETOOMANY:
		return http.StatusTooManyRequests
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// codeTooLarge is reported when a request body exceeds the limit.
const codeTooLarge = "too_large"

// Error shows err to the user: as problem details for API clients, else as an
// error page in their language. Internal errors are logged with the request
// ID and shown only as a generic message with that ID.
func (rd *Renderer) Error(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = apperr.New(codeTooLarge, "error.too_large")
	}
	e := apperr.As(err)
	if e == nil {
		rd.log.ErrorContext(r.Context(), "request failed", "request_id", RequestID(r.Context()), "err", err)
		e = apperr.New(apperr.EINTERNAL, "error.internal")
	}
	status := statusOf(e.Code)
	loc := Locale(r.Context())
	msg := rd.T(loc, e.Message, e.Args...)
	fields := make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		fields[k] = rd.T(loc, v)
	}
	if status == http.StatusUnauthorized && IsAPI(r) && w.Header().Get("WWW-Authenticate") == "" {
		// RFC 6750 §3: the API takes bearer tokens; a challenge the
		// authenticating middleware set (invalid_token) stays.
		w.Header().Set("WWW-Authenticate", `Bearer realm="egov"`)
	}
	if status == http.StatusUnauthorized && !wantsJSON(r) {
		if rd.loginPath != "" && r.Method == http.MethodGet {
			next := r.URL.RequestURI()
			http.Redirect(w, r, rd.loginPath+"?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		w.Header().Set("WWW-Authenticate", `Cookie realm="egov"`)
	}
	if wantsJSON(r) {
		writeProblem(w, r, status, rd.bundle.T(loc, fmt.Sprintf("status.%d", status)), msg, e.Code, fields)
		return
	}
	view := ErrorView{Title: rd.bundle.T(loc, fmt.Sprintf("status.%d", status)), Message: msg, Fields: fields}
	if rerr := rd.errors.Render(w, r, status, view); rerr != nil {
		rd.log.ErrorContext(r.Context(), "render error page", "request_id", RequestID(r.Context()), "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// T returns the message for key in loc from the site's catalog, or key
// itself when it is plain text rather than a catalog key: for texts a
// module writes outside pages, such as the messages of its JSON answers.
func (rd *Renderer) T(loc i18n.Locale, key string, args ...any) string {
	if rd.bundle.Has(key) {
		return rd.bundle.T(loc, key, args...)
	}
	return key
}
