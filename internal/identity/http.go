package identity

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed migrations
var migrationFS embed.FS

//go:embed locales
var localeFS embed.FS

//go:embed templates
var templateFS embed.FS

// Migrations are the identity tables.
func Migrations() db.Migrations { return db.Migrations{Module: "identity", FS: migrationFS} }

// Locales is the identity module's message catalog.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// Module serves sign-in, registration and the profile, and installs the
// session middleware and permission check.
type Module struct {
	svc     *Service
	rd      *web.Renderer
	log     *slog.Logger
	secure  bool
	ipLimit *web.Limiter
	// certs checks e-signature sign-ins; nil turns them off.
	certs Certificates
	// accesses tells who looked at a person's data; nil leaves it off the
	// profile.
	accesses DataAccesses
	// bearer checks the access tokens of API requests; nil refuses them.
	bearer BearerTokens
	pages  struct {
		login, register, profile, sessions, loginCode, twoFactor, forgot, reset, adminUsers, adminUser, org, loginCertificate *web.Page
	}
}

// UseCertificates turns on e-signature sign-in, checked by certs.
func (m *Module) UseCertificates(certs Certificates) { m.certs = certs }

// New builds the module's pages. secure marks cookies Secure (HTTPS).
func New(svc *Service, rd *web.Renderer, log *slog.Logger, secure bool) (*Module, error) {
	m := &Module{svc: svc, rd: rd, log: log, secure: secure,
		// Sign-in and registration attempts per client address: 10 at once,
		// then one every 6 seconds.
		ipLimit: web.NewLimiter(1.0/6, 10)}
	for name, dst := range map[string]**web.Page{"login": &m.pages.login, "register": &m.pages.register,
		"profile": &m.pages.profile, "sessions": &m.pages.sessions, "login_code": &m.pages.loginCode,
		"two_factor": &m.pages.twoFactor, "forgot": &m.pages.forgot, "reset": &m.pages.reset,
		"admin_users": &m.pages.adminUsers, "admin_user": &m.pages.adminUser, "org": &m.pages.org,
		"login_certificate": &m.pages.loginCertificate} {
		p, err := rd.Page(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		*dst = p
	}
	return m, nil
}

// Service is the account service, for other modules through app.
func (m *Module) Service() *Service { return m.svc }

// Install puts the session (and bearer token) middleware and the permission
// check on the server, registers the module's routes and describes how API
// clients authenticate in the OpenAPI document.
func (m *Module) Install(s *web.Server) error {
	s.Use(m.loadSession)
	r := s.Router()
	r.SetAuthorizer(m.Authorize)
	r.Handle("GET /login", web.Public, m.showLogin)
	r.Handle("POST /login", web.Public, m.login)
	r.Handle("GET /login/certificate", web.Public, m.showCertificateLogin)
	r.Handle("POST /login/certificate", web.Public, m.certificateLogin)
	r.Handle("GET /login/code", web.Public, m.showLoginCode)
	r.Handle("POST /login/code", web.Public, m.loginCode)
	r.Handle("GET /password/forgot", web.Public, m.showForgot)
	r.Handle("POST /password/forgot", web.Public, m.forgot)
	r.Handle("GET /password/reset", web.Public, m.showReset)
	r.Handle("POST /password/reset", web.Public, m.reset)
	r.Handle("GET /register", web.Public, m.showRegister)
	r.Handle("POST /register", web.Public, m.register)
	r.Handle("POST /logout", PermSelf, m.logout)
	r.Handle("GET /profile", PermSelf, m.showProfile)
	r.Handle("GET /profile/sessions", PermSelf, m.showSessions)
	r.Handle("POST /profile/sessions/{id}/end", PermSelf, m.endSession)
	r.Handle("POST /profile/sessions/end-others", PermSelf, m.endOtherSessions)
	r.Handle("POST /profile/acting-as", PermSelf, m.actAs)
	r.Handle("GET /profile/organisations/{org}", PermActForOrg, m.showOrg)
	r.Handle("POST /profile/organisations/{org}/attorneys", PermActForOrg, m.grantAttorney)
	r.Handle("POST /profile/organisations/{org}/attorneys/revoke", PermActForOrg, m.revokeAttorney)
	r.Handle("GET /admin/users", PermAgencyStaff, m.showAdminUsers)
	r.Handle("GET /admin/users/{id}", PermAgencyStaff, m.showAdminUser)
	r.Handle("POST /admin/users/{id}/roles", PermAgencyStaff, m.changeRole)
	r.Handle("GET /profile/2fa", PermSelf, m.showTwoFactor)
	r.Handle("POST /profile/2fa/confirm", PermSelf, m.confirmTwoFactor)
	r.Handle("POST /profile/2fa/disable", PermSelf, m.disableTwoFactor)
	return s.API().Describe(openAPIFragment)
}

// formView is a form page: what was entered, what is wrong, where to go next.
type formView struct {
	Values map[string]string
	Errors map[string]string
	// Message is a whole-form message key (failed sign-in, lockout).
	Message     string
	MessageArgs []any
	Next        string
	// Notice is a message key of good news (a password was changed).
	Notice string
}

// noticeFrom reads the notice a redirect asked the next page to show.
func noticeFrom(r *http.Request) string {
	switch r.URL.Query().Get("notice") {
	case "reset":
		return "identity.reset.done"
	case "sent":
		return "identity.reset.sent"
	}
	return ""
}

// throttle refuses a client address that tries to sign in or register too
// often.
func (m *Module) throttle(r *http.Request) error {
	if ok, wait := m.ipLimit.Allow(web.ClientIP(r.Context())); !ok {
		return &apperr.Error{Code: apperr.ETOOMANY, Message: msgLoginLocked, Args: []any{int(wait.Minutes()) + 1}}
	}
	return nil
}

func (m *Module) showLogin(w http.ResponseWriter, r *http.Request) error {
	next := web.SafeRedirect(r.URL.Query().Get("next"), "/profile")
	if FromContext(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return m.pages.login.Render(w, r, http.StatusOK, formView{Next: next, Values: map[string]string{}, Notice: noticeFrom(r)})
}

func (m *Module) login(w http.ResponseWriter, r *http.Request) error {
	next := web.SafeRedirect(r.PostFormValue("next"), "/profile")
	identifier := r.PostFormValue("identifier")
	view := formView{Next: next, Values: map[string]string{"identifier": identifier}}
	err := m.throttle(r)
	var u *User
	if err == nil {
		u, err = m.svc.Authenticate(r.Context(), identifier, r.PostFormValue("password"))
	}
	if err != nil {
		e := apperr.As(err)
		if e == nil || (e.Code != apperr.EUNAUTHORIZED && e.Code != apperr.ETOOMANY) {
			return err
		}
		view.Message, view.MessageArgs = e.Message, e.Args
		status := http.StatusUnauthorized
		if e.Code == apperr.ETOOMANY {
			status = http.StatusTooManyRequests
		}
		return m.pages.login.Render(w, r, status, view)
	}
	on, err := m.svc.TwoFactorEnabled(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if on {
		token, err := m.svc.StartChallenge(r.Context(), u, next)
		if err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: challengeCookie, Value: token, Path: "/login", HttpOnly: true,
			Secure: m.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(challengeTTL.Seconds())})
		http.Redirect(w, r, "/login/code", http.StatusSeeOther)
		return nil
	}
	return m.signIn(w, r, u, next, SignInPassword)
}

// signIn starts a fresh session (rotating away any earlier one), signed in
// by method, and goes on.
func (m *Module) signIn(w http.ResponseWriter, r *http.Request, u *User, next string, method SignInMethod) error {
	if old := FromContext(r.Context()); old != nil {
		_ = m.svc.EndSession(r.Context(), old.User.ID, old.Session.ID)
	}
	token, _, err := m.svc.StartSession(r.Context(), u, web.ClientIP(r.Context()), r.UserAgent(), method)
	if err != nil {
		return err
	}
	m.setCookie(w, token)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (m *Module) showRegister(w http.ResponseWriter, r *http.Request) error {
	if FromContext(r.Context()) != nil {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return nil
	}
	return m.pages.register.Render(w, r, http.StatusOK, formView{Values: map[string]string{}})
}

func (m *Module) register(w http.ResponseWriter, r *http.Request) error {
	in := Registration{PINFL: r.PostFormValue("pinfl"), FirstName: r.PostFormValue("first_name"),
		LastName: r.PostFormValue("last_name"), Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), Confirm: r.PostFormValue("confirm"), Locale: string(web.Locale(r.Context()))}
	view := formView{Values: map[string]string{"pinfl": in.PINFL, "first_name": in.FirstName, "last_name": in.LastName,
		"phone": in.Phone, "email": in.Email}}
	if err := m.throttle(r); err != nil {
		return err
	}
	u, err := m.svc.Register(r.Context(), in)
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID && len(e.Fields) > 0 {
		view.Errors = e.Fields
		return m.pages.register.Render(w, r, http.StatusUnprocessableEntity, view)
	}
	if err != nil {
		return err
	}
	return m.signIn(w, r, u, "/profile", SignInPassword)
}

func (m *Module) logout(w http.ResponseWriter, r *http.Request) error {
	p := FromContext(r.Context())
	if err := m.svc.EndSession(r.Context(), p.User.ID, p.Session.ID); err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return err
	}
	m.clearCookie(w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// profileView is the profile page.
type profileView struct {
	User            *User
	Representations []Representation
	Roles           []roleLine
	// Tracked tells whether the data tracker is on, and DataAccesses are
	// its latest entries about the person.
	Tracked      bool
	DataAccesses []DataAccess
}

// roleLine is a role as the profile shows it, with its agency's name.
type roleLine struct {
	Role   Role
	Agency string
}

func (m *Module) showProfile(w http.ResponseWriter, r *http.Request) error {
	p := FromContext(r.Context())
	reps, err := m.svc.Representations(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	agencies, err := m.svc.Agencies(r.Context())
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range agencies {
		names[a.ID] = a.Name(web.Locale(r.Context()))
	}
	v := profileView{User: p.User, Representations: reps, Tracked: m.accesses != nil}
	for _, g := range p.Grants {
		v.Roles = append(v.Roles, roleLine{Role: g.Role, Agency: names[g.AgencyID]})
	}
	if v.Tracked {
		if v.DataAccesses, err = m.accesses.Accesses(r.Context(), p.User.PINFL, dataAccessLimit); err != nil {
			return err
		}
	}
	return m.pages.profile.Render(w, r, http.StatusOK, v)
}

// sessionsView is the page of one's own sessions.
type sessionsView struct {
	Sessions []sessionLine
	Ended    bool
}

type sessionLine struct {
	Short     string
	Current   bool
	CreatedAt time.Time
	LastSeen  time.Time
	IP        string
	UserAgent string
}

func (m *Module) showSessions(w http.ResponseWriter, r *http.Request) error {
	p := FromContext(r.Context())
	list, err := m.svc.Sessions(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	v := sessionsView{Ended: r.URL.Query().Get("ended") != ""}
	for _, s := range list {
		v.Sessions = append(v.Sessions, sessionLine{Short: shortID(s.ID), Current: s.ID == p.Session.ID,
			CreatedAt: s.CreatedAt, LastSeen: s.LastSeenAt, IP: s.IP, UserAgent: s.UserAgent})
	}
	return m.pages.sessions.Render(w, r, http.StatusOK, v)
}

func (m *Module) endSession(w http.ResponseWriter, r *http.Request) error {
	p := FromContext(r.Context())
	id := r.PathValue("id")
	if id == shortID(p.Session.ID) {
		return m.logout(w, r)
	}
	if err := m.svc.EndSessionByShortID(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile/sessions?ended=1", http.StatusSeeOther)
	return nil
}

func (m *Module) endOtherSessions(w http.ResponseWriter, r *http.Request) error {
	p := FromContext(r.Context())
	if err := m.svc.EndOtherSessions(r.Context(), p.User.ID, p.Session.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile/sessions?ended=1", http.StatusSeeOther)
	return nil
}

// actAs switches whom the person acts for and returns to the page they were on.
func (m *Module) actAs(w http.ResponseWriter, r *http.Request) error {
	token, err := m.svc.ActAs(r.Context(), FromContext(r.Context()), r.PostFormValue("org"))
	if err != nil {
		return err
	}
	m.setCookie(w, token)
	http.Redirect(w, r, web.SafeRedirect(r.PostFormValue("next"), "/profile"), http.StatusSeeOther)
	return nil
}
