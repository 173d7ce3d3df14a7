package web

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Permission names what a caller must be allowed to do to reach a route.
// Every route declares one; there is no route without a permission.
type Permission string

// Public is the permission of routes anyone may use, signed in or not.
const Public Permission = "public"

// Authorizer decides whether the request may use a route that needs p. It
// returns nil to allow, or an apperr with EUNAUTHORIZED (not signed in) or
// EFORBIDDEN.
type Authorizer func(r *http.Request, p Permission) error

// denyAllButPublic is the default Authorizer: default deny until an identity
// module installs a real one.
func denyAllButPublic(_ *http.Request, p Permission) error {
	if p == Public {
		return nil
	}
	return apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
}

// HandlerFunc serves a request and returns an error to be shown to the user:
// as a page in their language or as problem details, by the request's Accept.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one registered route, listed for documentation and for the
// permission-matrix test.
type Route struct {
	Pattern    string
	Permission Permission
	// CSRFExempt routes take no CSRF token: machine APIs authenticated by a
	// bearer token, never by a cookie.
	CSRFExempt bool
}

// RouteOption adjusts a route.
type RouteOption func(*Route)

// CSRFExempt marks a route that is not protected by a CSRF token. Use it only
// for endpoints authenticated without cookies.
func CSRFExempt() RouteOption { return func(r *Route) { r.CSRFExempt = true } }

// Router maps Go 1.22 patterns ("GET /services/{id}") to handlers and runs the
// per-route checks: permission, CSRF and error rendering.
type Router struct {
	mux       *http.ServeMux
	routes    []Route
	authorize Authorizer
	errors    *Renderer
	csrf      *csrf
}

func newRouter(errors *Renderer, c *csrf) *Router {
	return &Router{mux: http.NewServeMux(), authorize: denyAllButPublic, errors: errors, csrf: c}
}

// SetAuthorizer installs the function that checks permissions.
func (rt *Router) SetAuthorizer(a Authorizer) { rt.authorize = a }

// Handle registers h for pattern, reachable by callers allowed perm.
func (rt *Router) Handle(pattern string, perm Permission, h HandlerFunc, opts ...RouteOption) {
	if perm == "" {
		panic("web: route " + pattern + " declares no permission")
	}
	route := Route{Pattern: pattern, Permission: perm}
	for _, o := range opts {
		o(&route)
	}
	rt.routes = append(rt.routes, route)
	rt.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		info.pattern = pattern
		if err := rt.authorize(r, perm); err != nil {
			rt.errors.Error(w, r, err)
			return
		}
		if !route.CSRFExempt && !info.bearer && !isSafeMethod(r.Method) {
			if err := rt.csrf.check(r); err != nil {
				rt.errors.Error(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			rt.errors.Error(w, r, err)
		}
	}))
}

// Routes lists the registered routes in registration order.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// ServeHTTP dispatches to the matching route. Requests no route matches get the
// same error page or problem document as any other error, not the mux's plain
// text.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern != "" {
		// The mux itself sets the path values the handler reads.
		rt.mux.ServeHTTP(w, r)
		return
	}
	probe := &statusProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", probe.header.Get("Allow"))
		rt.errors.Error(w, r, apperr.New(codeMethodNotAllowed, "error.method_not_allowed"))
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// The mux cleans paths ("/a/../b") by redirecting.
		w.Header().Set("Location", probe.header.Get("Location"))
		w.WriteHeader(probe.status)
	default:
		rt.errors.Error(w, r, apperr.New(apperr.ENOTFOUND, "error.page_not_found"))
	}
}

// codeMethodNotAllowed is the one HTTP-only condition the router reports.
const codeMethodNotAllowed = "method_not_allowed"

// statusProbe records what the mux's own 404/405/redirect handler would send.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// constantTimeEqual compares secrets without leaking their length of match.
func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SafeRedirect returns target if it is a path on this site, else fallback.
// It defends "next" parameters against open redirects.
func SafeRedirect(target, fallback string) string {
	if target == "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") ||
		strings.HasPrefix(target, "/\\") || strings.ContainsAny(target, "\r\n\t\\") {
		return fallback
	}
	return target
}
