package identity

import (
	"context"
	"net/http"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// Principal is the signed-in person of a request with what they may do.
// Exactly one of Session and Token is set: a browser's session, or the
// OAuth2 access token of an API request (see bearer.go).
type Principal struct {
	User    *User
	Session *Session
	Token   *BearerToken
	Grants  []Grant
	// Representations are the organisations the person may act for, and
	// ActingFor the one they act for now (nil: for themselves).
	Representations []Representation
	ActingFor       *Representation
}

// Can tells whether the person holds perm; for an agency-scoped permission
// agencyID names the agency of the object ("" asks whether they hold it in
// any agency, as a route check does).
func (p *Principal) Can(perm web.Permission, agencyID string) bool {
	if p == nil {
		return perm == web.Public
	}
	for _, g := range p.Grants {
		for _, gp := range g.Role.Grants() {
			if gp != perm {
				continue
			}
			if agencyID == "" || !g.Role.AgencyScoped() || g.AgencyID == agencyID {
				return true
			}
		}
	}
	return false
}

type principalKey struct{}

// FromContext returns the signed-in person of the request, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// sessionCookie holds the session token; the database holds only its hash.
const sessionCookie = "egov_session"

// loadSession is the middleware that turns a session cookie into a
// Principal in the request context and names the person in the layout. An
// API request with a bearer token is authenticated by the token instead,
// never by the cookie.
func (m *Module) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := bearerToken(r); ok && web.IsAPI(r) {
			m.serveBearer(w, r, token, next)
			return
		}
		// Static files and health checks need no person: skip the lookups.
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" || web.Operational(r) || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		p, err := m.principal(r.Context(), c.Value)
		if err != nil {
			if !apperr.Is(err, apperr.ENOTFOUND) {
				m.log.ErrorContext(r.Context(), "load session", "request_id", web.RequestID(r.Context()), "err", err)
			}
			m.clearCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		if err := m.svc.Touch(r.Context(), p.Session); err != nil {
			m.log.WarnContext(r.Context(), "touch session", "err", err)
		}
		ctx := context.WithValue(r.Context(), principalKey{}, p)
		viewer := &web.Viewer{Name: p.User.DisplayName(web.Locale(ctx))}
		if p.ActingFor != nil {
			viewer.ActingFor = p.ActingFor.Org.Name
		}
		for _, rep := range p.Representations {
			viewer.Switch = append(viewer.Switch, web.ActingOption{Value: rep.Org.ID, Label: rep.Org.Name,
				Current: p.ActingFor != nil && p.ActingFor.Org.ID == rep.Org.ID})
		}
		web.SetViewer(ctx, viewer)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (m *Module) principal(ctx context.Context, token string) (*Principal, error) {
	ss, u, err := m.svc.SessionUser(ctx, token)
	if err != nil {
		return nil, err
	}
	p, err := m.person(ctx, u)
	if err != nil {
		return nil, err
	}
	p.Session = ss
	for i := range p.Representations {
		if p.Representations[i].Org.ID == ss.ActingOrgID {
			p.ActingFor = &p.Representations[i]
		}
	}
	return p, nil
}

// person is the Principal of u, acting for themselves, with their roles
// and the organisations they may act for.
func (m *Module) person(ctx context.Context, u *User) (*Principal, error) {
	grants, err := m.svc.Grants(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	reps, err := m.svc.Representations(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return &Principal{User: u, Grants: grants, Representations: reps}, nil
}

// Authorize is the router's permission check: public routes are open, any
// other needs a signed-in person holding the permission (in some agency, for
// agency-scoped ones; handlers check the object's agency with Can).
func (m *Module) Authorize(r *http.Request, perm web.Permission) error {
	if perm == web.Public {
		return nil
	}
	p := FromContext(r.Context())
	if p == nil {
		return apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
	}
	if !p.Can(perm, "") {
		return apperr.New(apperr.EFORBIDDEN, "error.forbidden")
	}
	return nil
}

func (m *Module) setCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: m.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(AbsoluteTimeout.Seconds())})
}

func (m *Module) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: m.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
