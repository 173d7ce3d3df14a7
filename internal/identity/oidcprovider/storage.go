package oidcprovider

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// storage is the op.Storage the library calls, on top of Service. It is
// kept apart so the Service's own API stays about egov's concepts.
type storage struct {
	s *Service
	// callbackPath is where the library sends the browser after creating
	// an authorization request (Client.LoginURL).
	callbackPath string
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
)

// opClient is a Client as op.Client.
type opClient struct {
	c        *Client
	loginURL func(id string) string
}

func (o *opClient) GetID() string                    { return o.c.ID }
func (o *opClient) RedirectURIs() []string           { return o.c.RedirectURIs }
func (o *opClient) PostLogoutRedirectURIs() []string { return o.c.PostLogoutRedirectURIs }
func (o *opClient) LoginURL(id string) string        { return o.loginURL(id) }
func (o *opClient) AccessTokenType() op.AccessTokenType {
	return op.AccessTokenTypeBearer
}
func (o *opClient) IDTokenLifetime() time.Duration       { return IDTokenTTL }
func (o *opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (o *opClient) ClockSkew() time.Duration             { return 0 }
func (o *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (o *opClient) IsScopeAllowed(scope string) bool { return slices.Contains(o.c.Scopes, scope) }
func (o *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// ApplicationType: a confidential client is a web server; a public one is
// treated as a browser application, so its redirect URIs are matched
// exactly (the library's native type would accept any loopback port).
func (o *opClient) ApplicationType() op.ApplicationType {
	if o.c.Type == Confidential {
		return op.ApplicationTypeWeb
	}
	return op.ApplicationTypeUserAgent
}

func (o *opClient) AuthMethod() oidc.AuthMethod {
	if o.c.Type == Confidential {
		return oidc.AuthMethodBasic
	}
	return oidc.AuthMethodNone
}

func (o *opClient) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, 0, len(o.c.GrantTypes))
	for _, g := range o.c.GrantTypes {
		out = append(out, oidc.GrantType(g))
	}
	return out
}

// DevMode lets the library accept the http://localhost redirect URIs that
// registration allows for development; registration refuses every other
// http URI, so nothing else gets through.
func (o *opClient) DevMode() bool {
	for _, u := range o.c.RedirectURIs {
		if _, loopback := op.HTTPLoopbackOrLocalhost(u); loopback {
			return true
		}
	}
	return false
}

func (st *storage) client(c *Client) *opClient {
	return &opClient{c: c, loginURL: func(id string) string { return st.callbackPath + "?id=" + id }}
}

// GetClientByClientID implements op.OPStorage.
func (st *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	if clientID == "" || len(clientID) > 100 {
		return nil, oidc.ErrInvalidClient()
	}
	c, err := st.s.FindClientByID(ctx, clientID)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	}
	if err != nil {
		return nil, err
	}
	return st.client(c), nil
}

// AuthorizeClientIDSecret implements op.OPStorage.
func (st *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, clientSecret string) error {
	_, err := st.s.authenticateClient(ctx, clientID, clientSecret)
	if apperr.Is(err, apperr.EUNAUTHORIZED) {
		return oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	return err
}

// ClientCredentials implements op.ClientCredentialsStorage: only a
// confidential client with the grant may act for itself.
func (st *storage) ClientCredentials(ctx context.Context, clientID, clientSecret string) (op.Client, error) {
	c, err := st.s.authenticateClient(ctx, clientID, clientSecret)
	if apperr.Is(err, apperr.EUNAUTHORIZED) {
		return nil, oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	if err != nil {
		return nil, err
	}
	return st.client(c), nil
}

// ClientCredentialsTokenRequest implements op.ClientCredentialsStorage.
// Every scope egov defines is about a person, so a client acting for
// itself is granted none of them (they are dropped) and its token says
// only who the client is; a scope egov does not know is invalid_scope.
func (st *storage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	for _, sc := range scopes {
		if !slices.Contains(AllScopes(), sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not known", sc)
		}
	}
	return &clientRequest{clientID: clientID}, nil
}

// CreateAuthRequest implements op.AuthStorage. It enforces what the
// library leaves to storage: PKCE with S256 for public clients, no "plain"
// method for anyone, scopes limited to what the client was allowed.
func (st *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := st.s.FindClientByID(ctx, req.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithParent(err)
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if req.CodeChallenge == "" && req.CodeChallengeMethod != "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method without code_challenge")
	}
	if c.Type == Public && req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with S256 is required for this client")
	}
	if len(req.CodeChallenge) > 128 || len(req.State) > 1000 || len(req.Nonce) > 1000 {
		return nil, oidc.ErrInvalidRequest().WithDescription("parameter too long")
	}
	if !c.Allows(GrantAuthorizationCode) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("client may not use the authorization code grant")
	}
	var scopes []string
	for _, sc := range req.Scopes {
		if slices.Contains(c.Scopes, sc) && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if !slices.Contains(scopes, ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	now := st.s.clock.Now()
	a := &authRequest{id: db.NewID(), clientID: c.ID, redirectURI: req.RedirectURI, scopes: scopes, state: req.State, nonce: req.Nonce,
		responseType: req.ResponseType, responseMode: req.ResponseMode, prompt: req.Prompt, codeChallenge: req.CodeChallenge,
		codeChallengeMethod: req.CodeChallengeMethod, createdAt: now, expiresAt: now.Add(AuthRequestTTL)}
	if err := st.s.createAuthRequest(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// AuthRequestByID implements op.AuthStorage.
func (st *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return st.s.findAuthRequest(ctx, id)
}

// AuthRequestByCode implements op.AuthStorage: it redeems the code, once.
func (st *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	a, err := st.s.redeemCode(ctx, code)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SaveAuthCode implements op.AuthStorage.
func (st *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return st.s.saveCode(ctx, id, code)
}

// DeleteAuthRequest implements op.AuthStorage. The library calls it once
// the code's tokens are issued; the row is kept (until PurgeExpired) so a
// replayed code is recognised and revokes them.
func (st *storage) DeleteAuthRequest(context.Context, string) error { return nil }

// CreateAccessToken implements op.AuthStorage.
func (st *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	switch r := req.(type) {
	case *authRequest:
		id, _, exp, err := st.s.issueForCode(ctx, r, false)
		return id, exp, grantError(err)
	case *clientRequest:
		return st.s.issueForClient(ctx, r)
	}
	return "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

// CreateAccessAndRefreshTokens implements op.AuthStorage.
func (st *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, _ string) (string, string, time.Time, error) {
	switch r := req.(type) {
	case *authRequest:
		id, refresh, exp, err := st.s.issueForCode(ctx, r, true)
		return id, refresh, exp, grantError(err)
	case *refreshRequest:
		id, refresh, exp, err := st.s.rotateRefresh(ctx, r)
		return id, refresh, exp, grantError(err)
	}
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

// grantError turns a refused grant into invalid_grant for the client.
func grantError(err error) error {
	if errors.Is(err, errGrantRevoked) || errors.Is(err, errRefreshReused) || errors.Is(err, errRefreshInvalid) {
		return oidc.ErrInvalidGrant().WithParent(err)
	}
	return err
}

// TokenRequestByRefreshToken implements op.AuthStorage.
func (st *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	r, err := st.s.useRefreshToken(ctx, token)
	if err != nil {
		return nil, grantError(err)
	}
	return r, nil
}

// TerminateSession implements op.AuthStorage; TerminateSessionFromRequest
// is used instead.
func (st *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	return st.s.endClientSession(ctx, userID, clientID, "")
}

// TerminateSessionFromRequest implements RP-initiated logout. With a valid
// id_token_hint it ends the egov session the ID token came from (its sid
// claim) — even when the logout is POSTed cross-site without cookies — or
// else the browser's own session when it belongs to the hint's subject,
// and revokes the client's tokens from that session. Without a hint
// nothing is ended: the request could come from anywhere, and the person
// can sign out themselves.
func (st *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	if req.UserID == "" || req.IDTokenHintClaims == nil {
		return req.RedirectURI, nil
	}
	sid := req.IDTokenHintClaims.SessionID
	if sid != "" {
		if err := st.s.accounts.EndSessionByShortID(ctx, req.UserID, sid); err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
			return "", err
		}
	} else if p := identity.FromContext(ctx); p != nil && p.User.ID == req.UserID {
		if err := st.s.accounts.EndSession(ctx, p.User.ID, p.Session.ID); err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
			return "", err
		}
	}
	if req.ClientID != "" {
		if err := st.s.endClientSession(ctx, req.UserID, req.ClientID, sid); err != nil {
			return "", err
		}
	}
	return req.RedirectURI, nil
}

// RevokeToken implements op.AuthStorage (RFC 7009).
func (st *storage) RevokeToken(ctx context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	if len(tokenOrID) > 100 {
		// Not an ID: an unknown token, which RFC 7009 answers with success.
		return nil
	}
	err := st.s.revokeToken(ctx, tokenOrID, clientID)
	if apperr.Is(err, apperr.EFORBIDDEN) {
		return oidc.ErrUnauthorizedClient().WithDescription("the token belongs to another client")
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// GetRefreshTokenInfo implements op.AuthStorage.
func (st *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	user, id, err := st.s.refreshTokenInfo(ctx, clientID, token)
	if errors.Is(err, errRefreshInvalid) {
		return "", "", op.ErrInvalidRefreshToken
	}
	return user, id, err
}

// SigningKey implements op.AuthStorage.
func (st *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	return st.s.signingKey(ctx)
}

// SignatureAlgorithms implements op.AuthStorage.
func (st *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.AuthStorage.
func (st *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := st.s.keySet(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

// SetUserinfoFromScopes implements op.OPStorage; the library calls it for
// ID tokens, which carry only the subject (see SetUserinfoFromRequest).
func (st *storage) SetUserinfoFromScopes(_ context.Context, info *oidc.UserInfo, userID, _ string, _ []string) error {
	info.Subject = userID
	return nil
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the ID
// token gets the subject and the egov session (sid) it was issued from,
// which RP-initiated logout uses.
func (st *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	info.Subject = req.GetSubject()
	var sid string
	switch r := req.(type) {
	case *authRequest:
		sid = r.sessionID
	case *refreshRequest:
		sid = r.token.sessionID
	}
	if sid != "" {
		info.AppendClaims("sid", sid)
	}
	return nil
}

// SetUserinfoFromToken implements op.OPStorage: the userinfo endpoint.
func (st *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := st.s.activeAccessToken(ctx, tokenID)
	if err != nil || t.subject != subject || t.userID == "" {
		return oidc.ErrAccessDenied().WithDescription("access token invalid")
	}
	return st.s.userinfo(ctx, info, t.userID, t.scopes)
}

// SetIntrospectionFromToken implements op.OPStorage. Any authenticated
// confidential client may introspect: resource servers are registered as
// clients.
func (st *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, _ string) error {
	t, err := st.s.activeAccessToken(ctx, tokenID)
	if err != nil || t.subject != subject {
		return oidc.ErrInvalidRequest().WithDescription("token inactive")
	}
	resp.Scope = t.scopes
	resp.ClientID = t.clientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(t.expiresAt)
	resp.IssuedAt = oidc.FromTime(t.createdAt)
	resp.Subject = t.subject
	resp.Audience = oidc.Audience{t.clientID}
	resp.JWTID = t.id
	return nil
}

// GetPrivateClaimsFromScopes implements op.OPStorage; access tokens are
// opaque, so there are no JWT claims to add.
func (st *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID implements op.OPStorage: private_key_jwt client
// authentication and the JWT bearer grant are not offered.
func (st *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, oidc.ErrInvalidClient().WithDescription("JWT client authentication is not supported")
}

// ValidateJWTProfileScopes implements op.OPStorage; see
// GetKeyByIDAndClientID.
func (st *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

// Health implements op.Storage.
func (st *storage) Health(ctx context.Context) error { return st.s.db.Ping(ctx) }

// organisationClaim is one entry of the organisations claim.
type organisationClaim struct {
	STIR  string `json:"stir"`
	Name  string `json:"name"`
	Basis string `json:"basis"`
}

// roleClaim is one entry of the roles claim; Agency is the agency's code
// for roles held inside one agency.
type roleClaim struct {
	Role   string `json:"role"`
	Agency string `json:"agency,omitempty"`
}

// userinfo fills the claims the scopes release about a person.
func (s *Service) userinfo(ctx context.Context, info *oidc.UserInfo, userID string, scopes []string) error {
	u, err := s.accounts.FindUserByID(ctx, userID)
	if err != nil {
		return oidc.ErrAccessDenied().WithDescription("the account no longer exists").WithParent(err)
	}
	info.Subject = u.ID
	for _, sc := range scopes {
		switch sc {
		case ScopeProfile:
			info.GivenName, info.FamilyName, info.Name = u.FirstName, u.LastName, u.FullName()
			info.Birthdate = u.BirthDate.Format(time.DateOnly)
			if tag, err := language.Parse(u.Locale); err == nil {
				info.Locale = oidc.NewLocale(tag)
			}
			info.AppendClaims("pinfl", u.PINFL)
		case ScopePhone:
			info.PhoneNumber = u.Phone
		case ScopeEmail:
			info.Email = u.Email
		case ScopeOrganisations:
			reps, err := s.accounts.Representations(ctx, u.ID)
			if err != nil {
				return err
			}
			orgs := make([]organisationClaim, 0, len(reps))
			for _, r := range reps {
				orgs = append(orgs, organisationClaim{STIR: r.Org.STIR, Name: r.Org.Name, Basis: r.Basis})
			}
			info.AppendClaims("organisations", orgs)
		case ScopeRoles:
			grants, err := s.accounts.Grants(ctx, u.ID)
			if err != nil {
				return err
			}
			agencies, err := s.accounts.Agencies(ctx)
			if err != nil {
				return err
			}
			codes := map[string]string{}
			for _, a := range agencies {
				codes[a.ID] = a.Code
			}
			roles := make([]roleClaim, 0, len(grants))
			for _, g := range grants {
				roles = append(roles, roleClaim{Role: string(g.Role), Agency: codes[g.AgencyID]})
			}
			info.AppendClaims("roles", roles)
		}
	}
	return nil
}
