package oidcprovider

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Public paths. The protocol endpoints live under /oidc/ so they cannot
// collide with other modules' pages; discovery is where OpenID Connect
// says, under the issuer.
const (
	PathDiscovery  = "/.well-known/openid-configuration"
	PathAuthorize  = "/oidc/authorize"
	PathCallback   = "/oidc/authorize/callback"
	PathConsent    = "/oidc/authorize/consent"
	PathToken      = "/oidc/token"
	PathUserinfo   = "/oidc/userinfo"
	PathIntrospect = "/oidc/introspect"
	PathRevoke     = "/oidc/revoke"
	PathEndSession = "/oidc/end_session"
	PathKeys       = "/oidc/keys"
	PathConsents   = "/oidc/consents"
	PathAdmin      = "/admin/oidc/clients"
)

// The provider's own paths, to which requests on the public paths are
// handed. They are the library's defaults: choosing others would write to
// the library's shared endpoint table (its With…Endpoint options modify a
// package variable), so the public paths are mapped here instead and the
// discovery document is built with them.
const (
	internalAuthorize  = "/authorize"
	internalToken      = "/oauth/token"
	internalIntrospect = "/oauth/introspect"
	internalUserinfo   = "/userinfo"
	internalRevoke     = "/revoke"
	internalEndSession = "/end_session"
	internalKeys       = "/keys"
)

// Config is what the provider needs; app fills it.
type Config struct {
	// Issuer is the public base URL (--public-url), e.g. https://id.egov.uz;
	// tokens name it and relying parties check it.
	Issuer string
	// Secret is the node secret every node shares (at least 32 bytes).
	Secret   []byte
	DB       *db.DB
	Accounts Accounts
	Audit    Auditor
	Renderer *web.Renderer
	Clock    clock.Clock
	Logger   *slog.Logger
}

// Module serves the OpenID Connect endpoints, the consent page, the
// person's list of consents and the administrator's client registry.
type Module struct {
	svc      *Service
	issuer   string
	provider *op.Provider
	log      *slog.Logger
	pages    struct{ consent, consents, clients, client, created *web.Page }
}

// New builds the provider. It creates the first signing key if there is
// none, so it needs the migrated database.
func New(ctx context.Context, cfg Config) (*Module, error) {
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("oidc: issuer %q: want an absolute http(s) URL", cfg.Issuer)
	}
	if cfg.DB == nil || cfg.Accounts == nil || cfg.Audit == nil || cfg.Renderer == nil || cfg.Clock == nil || cfg.Logger == nil {
		return nil, fmt.Errorf("oidc: database, accounts, audit, renderer, clock and logger are required")
	}
	svc, err := NewService(ctx, cfg.DB, cfg.Clock, cfg.Audit, cfg.Accounts, cfg.Logger, cfg.Secret)
	if err != nil {
		return nil, err
	}
	m := &Module{svc: svc, issuer: issuer, log: cfg.Logger}
	conf := &op.Config{
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		DefaultLogoutRedirectURI: "/",
		SupportedUILocales:       []language.Tag{language.MustParse("uz-Latn"), language.MustParse("uz-Cyrl"), language.Russian, language.English},
		SupportedScopes:          AllScopes(),
		SupportedClaims:          supportedClaims(),
	}
	opts := []op.Option{
		op.WithCrypto(svc.tokens),
		// Tokens travel in headers and bodies, never in cookies, so any
		// origin may call the endpoints but none gets credentials.
		op.WithCORSOptions(&cors.Options{AllowedOrigins: []string{"*"}, AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: []string{"Authorization", "Content-Type", "Accept"}}),
	}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	st := &storage{s: svc, callbackPath: PathCallback}
	if m.provider, err = op.NewProvider(conf, st, op.StaticIssuer(issuer), opts...); err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	for name, dst := range map[string]**web.Page{"consent": &m.pages.consent, "consents": &m.pages.consents,
		"clients": &m.pages.clients, "client": &m.pages.client, "created": &m.pages.created} {
		p, err := cfg.Renderer.Page(templateFS, "templates/"+name+".html", "templates/client_fields.html")
		if err != nil {
			return nil, err
		}
		*dst = p
	}
	return m, nil
}

// Service is the provider's data service: clients, consents, keys.
func (m *Module) Service() *Service { return m.svc }

// Issuer is the issuer tokens name.
func (m *Module) Issuer() string { return m.issuer }

// Routes registers the module's routes. The protocol endpoints are public
// (clients authenticate themselves to the library); those that clients
// POST to without cookies are exempt from the CSRF check.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET "+PathDiscovery, web.Public, m.discovery)
	r.Handle("GET "+PathKeys, web.Public, m.forward(internalKeys))
	r.Handle("GET "+PathAuthorize, web.Public, m.authorize)
	// An authorization request may be a form POSTed from the client's
	// site: it changes nothing for the person until they consent here.
	r.Handle("POST "+PathAuthorize, web.Public, m.authorize, web.CSRFExempt())
	r.Handle("GET "+PathCallback, web.Public, m.callback)
	r.Handle("POST "+PathConsent, identity.PermSelf, m.consent)
	for _, e := range []struct{ path, internal string }{
		{PathToken, internalToken}, {PathIntrospect, internalIntrospect}, {PathRevoke, internalRevoke}, {PathUserinfo, internalUserinfo},
	} {
		r.Handle("POST "+e.path, web.Public, m.forward(e.internal), web.CSRFExempt())
		r.Handle("OPTIONS "+e.path, web.Public, m.forward(e.internal))
	}
	r.Handle("GET "+PathUserinfo, web.Public, m.forward(internalUserinfo))
	r.Handle("GET "+PathEndSession, web.Public, m.forward(internalEndSession))
	r.Handle("POST "+PathEndSession, web.Public, m.forward(internalEndSession), web.CSRFExempt())

	r.Handle("GET "+PathConsents, identity.PermSelf, m.showConsents)
	r.Handle("POST "+PathConsents+"/{client}/revoke", identity.PermSelf, m.revokeConsent)

	r.Handle("GET "+PathAdmin, identity.PermClientsAdmin, m.listClients)
	r.Handle("POST "+PathAdmin, identity.PermClientsAdmin, m.createClient)
	r.Handle("GET "+PathAdmin+"/{id}", identity.PermClientsAdmin, m.editClient)
	r.Handle("POST "+PathAdmin+"/{id}", identity.PermClientsAdmin, m.updateClient)
	r.Handle("POST "+PathAdmin+"/{id}/secret", identity.PermClientsAdmin, m.resetSecret)
	r.Handle("POST "+PathAdmin+"/{id}/delete", identity.PermClientsAdmin, m.deleteClient)
}

// forward hands a request to the library's handler under its own path,
// after our middleware (request ID, logging, metrics, headers, limits) has
// run.
func (m *Module) forward(path string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		r2 := new(http.Request)
		*r2 = *r
		r2.URL = new(url.URL)
		*r2.URL = *r.URL
		r2.URL.Path, r2.URL.RawPath = path, ""
		m.provider.ServeHTTP(w, r2)
		return nil
	}
}

// discovery serves the OpenID Provider metadata with egov's paths and only
// what egov offers: the code flow, refresh and client credentials grants,
// secrets by Basic or POST, S256 PKCE.
func (m *Module) discovery(w http.ResponseWriter, r *http.Request) error {
	ctx := op.ContextWithIssuer(r.Context(), m.issuer)
	c := op.CreateDiscoveryConfig(ctx, m.provider, m.provider.Storage())
	c.AuthorizationEndpoint = m.issuer + PathAuthorize
	c.TokenEndpoint = m.issuer + PathToken
	c.IntrospectionEndpoint = m.issuer + PathIntrospect
	c.UserinfoEndpoint = m.issuer + PathUserinfo
	c.RevocationEndpoint = m.issuer + PathRevoke
	c.EndSessionEndpoint = m.issuer + PathEndSession
	c.JwksURI = m.issuer + PathKeys
	c.DeviceAuthorizationEndpoint, c.CheckSessionIframe = "", ""
	c.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	c.ResponseModesSupported = []string{string(oidc.ResponseModeQuery), string(oidc.ResponseModeFormPost)}
	c.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials}
	c.TokenEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost, oidc.AuthMethodNone}
	c.RevocationEndpointAuthMethodsSupported = c.TokenEndpointAuthMethodsSupported
	c.IntrospectionEndpointAuthMethodsSupported = []oidc.AuthMethod{oidc.AuthMethodBasic}
	c.TokenEndpointAuthSigningAlgValuesSupported = nil
	c.RevocationEndpointAuthSigningAlgValuesSupported = nil
	c.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	c.RequestObjectSigningAlgValuesSupported = nil
	c.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=300")
	return web.WriteJSON(w, http.StatusOK, c)
}

// authorize checks the client and its redirect URI before the library sees
// the request: an unknown client or a redirect URI not registered exactly
// gets an error page here and never a redirect, so the endpoint cannot be
// used to send people elsewhere.
func (m *Module) authorize(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.EINVALID, msgBadRedirect)
	}
	c, err := m.svc.FindClientByID(r.Context(), r.Form.Get("client_id"))
	if apperr.Is(err, apperr.ENOTFOUND) || (err == nil && r.Form.Get("client_id") == "") {
		return apperr.New(apperr.EINVALID, msgUnknownClient)
	}
	if err != nil {
		return err
	}
	if !slices.Contains(c.RedirectURIs, r.Form.Get("redirect_uri")) {
		return apperr.New(apperr.EINVALID, msgBadRedirect)
	}
	return m.forward(internalAuthorize)(w, r)
}

// loginURL is the sign-in page that comes back to the request.
func loginURL(id string) string {
	return "/login?next=" + url.QueryEscape(PathCallback+"?id="+url.QueryEscape(id))
}

// shortSession is the short session ID the identity module shows and ends
// sessions by; ID tokens carry it as sid.
func shortSession(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// callback is where the library sends the browser with a new request: an
// anonymous person signs in first; a signed-in one is bound to the request,
// asked for consent unless they gave it before, and sent back to the client
// with a code.
func (m *Module) callback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := m.svc.findAuthRequest(ctx, r.URL.Query().Get("id"))
	if err != nil {
		return err
	}
	if a.codeIssued {
		return apperr.New(apperr.ECONFLICT, msgRequestCompleted)
	}
	p := identity.FromContext(ctx)
	if p == nil {
		if a.hasPrompt(oidc.PromptNone) {
			op.AuthRequestError(w, r, a, oidc.ErrLoginRequired(), m.provider)
			return nil
		}
		http.Redirect(w, r, loginURL(a.id), http.StatusSeeOther)
		return nil
	}
	if a.userID == "" {
		if a, err = m.svc.bindAuthRequest(ctx, a.id, p.User.ID, shortSession(p.Session.ID), p.Session.CreatedAt); err != nil {
			return err
		}
	} else if a.userID != p.User.ID {
		return apperr.New(apperr.EFORBIDDEN, msgRequestOtherUser)
	}
	if !a.consented {
		covered, err := m.svc.consentCovers(ctx, a.userID, a.clientID, a.scopes)
		if err != nil {
			return err
		}
		switch {
		case covered && !a.hasPrompt(oidc.PromptConsent):
			if err := m.svc.giveConsent(ctx, a, true); err != nil {
				return err
			}
			a.consented = true
		case a.hasPrompt(oidc.PromptNone):
			// consent_required (OpenID Connect Core §3.1.2.6); the library
			// has no constructor for it.
			op.AuthRequestError(w, r, a, &oidc.Error{ErrorType: "consent_required", Description: "the person has not consented"}, m.provider)
			return nil
		default:
			return m.showConsent(w, r, a, p)
		}
	}
	op.AuthResponse(a, m.provider, w, r.WithContext(op.ContextWithIssuer(ctx, m.issuer)))
	return nil
}

// consentView is the consent page.
type consentView struct {
	ID       string
	Client   string
	Person   string
	Claims   []string // message keys, one per claim released
	Offline  bool
	Redirect string
}

func (m *Module) showConsent(w http.ResponseWriter, r *http.Request, a *authRequest, p *identity.Principal) error {
	c, err := m.svc.FindClientByID(r.Context(), a.clientID)
	if err != nil {
		return err
	}
	v := consentView{ID: a.id, Client: c.Name, Person: p.User.DisplayName(web.Locale(r.Context()))}
	if u, err := url.Parse(a.redirectURI); err == nil {
		v.Redirect = u.Host
	}
	for _, sc := range AllScopes() {
		if !slices.Contains(a.scopes, sc) {
			continue
		}
		if sc == ScopeOfflineAccess {
			v.Offline = true
			continue
		}
		for _, claim := range ScopeClaims(sc) {
			v.Claims = append(v.Claims, "oidc.claim."+claim)
		}
	}
	return m.pages.consent.Render(w, r, http.StatusOK, v)
}

// consent takes the person's answer: Allow remembers it and goes on to the
// client with a code; Deny sends the client access_denied.
func (m *Module) consent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := identity.FromContext(ctx)
	a, err := m.svc.findAuthRequest(ctx, r.PostFormValue("id"))
	if err != nil {
		return err
	}
	if a.userID != p.User.ID {
		return apperr.New(apperr.EFORBIDDEN, msgRequestOtherUser)
	}
	if a.codeIssued {
		return apperr.New(apperr.ECONFLICT, msgRequestCompleted)
	}
	switch r.PostFormValue("decision") {
	case "allow":
		if err := m.svc.giveConsent(ctx, a, false); err != nil {
			return err
		}
		http.Redirect(w, r, PathCallback+"?id="+url.QueryEscape(a.id), http.StatusSeeOther)
		return nil
	case "deny":
		if err := m.svc.denyConsent(ctx, a); err != nil {
			return err
		}
		op.AuthRequestError(w, r, a, oidc.ErrAccessDenied().WithDescription("the person declined the request"), m.provider)
		return nil
	}
	return apperr.New(apperr.EINVALID, msgFormInvalid)
}

// consentsView is the page of what the person allowed which clients.
type consentsView struct {
	Consents []Consent
	Revoked  bool
}

// ClaimKeys lists the message keys of the claims a consent released, for
// the template.
func (c Consent) ClaimKeys() []string {
	var out []string
	for _, sc := range AllScopes() {
		if slices.Contains(c.Scopes, sc) {
			for _, claim := range ScopeClaims(sc) {
				out = append(out, "oidc.claim."+claim)
			}
		}
	}
	return out
}

func (m *Module) showConsents(w http.ResponseWriter, r *http.Request) error {
	p := identity.FromContext(r.Context())
	list, err := m.svc.Consents(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	return m.pages.consents.Render(w, r, http.StatusOK, consentsView{Consents: list, Revoked: r.URL.Query().Get("revoked") != ""})
}

func (m *Module) revokeConsent(w http.ResponseWriter, r *http.Request) error {
	p := identity.FromContext(r.Context())
	if err := m.svc.RevokeConsent(r.Context(), p.User.ID, r.PathValue("client")); err != nil {
		return err
	}
	http.Redirect(w, r, PathConsents+"?revoked=1", http.StatusSeeOther)
	return nil
}
