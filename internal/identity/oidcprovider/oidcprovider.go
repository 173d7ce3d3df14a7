// Package oidcprovider makes egov an OpenID Connect provider, as OneID
// (id.gov.uz) is for Uzbekistan: agency systems and other relying parties
// registered by the platform administrator sign people in with their egov
// account and receive, with the person's consent, the claims they asked for.
//
// The protocol is zitadel/oidc's op package; this package is its storage on
// egov's own database (clients, authorization requests, codes, tokens,
// consents and signing keys, on SQLite and PostgreSQL), the sign-in and
// consent pages, the administrator's client registry, and the audit trail.
//
// Choices, and why:
//
//   - Access tokens are opaque: an AES-256-GCM sealed reference to a row.
//     Every use is checked against the database, so a token is dead the
//     moment it is revoked — which RFC 6749 §4.1.2 (a replayed code revokes
//     what the code gave) and refresh-token reuse detection need. Resource
//     servers ask the introspection endpoint.
//   - Refresh tokens are random 256-bit strings stored as SHA-256 hashes,
//     rotated on every use; presenting a rotated one revokes its family.
//   - Client secrets are 256-bit random strings generated here and stored as
//     SHA-256 hashes. A slow hash (argon2id) defends guessable human
//     passwords; against a 256-bit random secret it adds no strength, while
//     its cost on every token request would cap throughput and invite
//     denial of service.
//   - ID tokens are signed RS256 with RSA-2048 keys: RS256 is the one
//     algorithm OpenID Connect requires every party to support. Private keys
//     live only in the database, sealed with AES-256-GCM under a key derived
//     from the node secret; rotation keeps retired public keys in the JWKS
//     until every ID token they signed has expired.
//   - ID tokens carry no personal data beyond the subject: claims come from
//     the userinfo endpoint, since ID tokens travel in URLs (id_token_hint).
package oidcprovider

import (
	"context"
	"embed"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/db"
)

//go:embed migrations
var migrationFS embed.FS

//go:embed locales
var localeFS embed.FS

//go:embed templates
var templateFS embed.FS

// Migrations are the oidc tables.
func Migrations() db.Migrations { return db.Migrations{Module: "oidc", FS: migrationFS} }

// Locales is the module's message catalog.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// Templates are the module's page templates, for the message-key test.
func Templates() fs.FS { return templateFS }

// Scopes a relying party may ask for.
const (
	ScopeOpenID        = "openid"
	ScopeProfile       = "profile"
	ScopePhone         = "phone"
	ScopeEmail         = "email"
	ScopeOrganisations = "organisations"
	ScopeRoles         = "roles"
	ScopeOfflineAccess = "offline_access"
)

// AllScopes lists the supported scopes in the order the consent page and
// the client form show them.
func AllScopes() []string {
	return []string{ScopeOpenID, ScopeProfile, ScopePhone, ScopeEmail, ScopeOrganisations, ScopeRoles, ScopeOfflineAccess}
}

// ScopeClaims lists what a scope releases, as claim names; the consent page
// shows each through the message "oidc.claim.<name>". offline_access
// releases no claim but lasting access, shown the same way.
func ScopeClaims(scope string) []string {
	switch scope {
	case ScopeOpenID:
		return []string{"sub"}
	case ScopeProfile:
		return []string{"pinfl", "name", "given_name", "family_name", "birthdate", "locale"}
	case ScopePhone:
		return []string{"phone_number"}
	case ScopeEmail:
		return []string{"email"}
	case ScopeOrganisations:
		return []string{"organisations"}
	case ScopeRoles:
		return []string{"roles"}
	case ScopeOfflineAccess:
		return []string{"offline_access"}
	}
	return nil
}

// supportedClaims lists every claim, for the discovery document.
func supportedClaims() []string {
	out := []string{"iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "azp", "at_hash", "c_hash", "sid"}
	for _, s := range AllScopes() {
		if s != ScopeOfflineAccess {
			out = append(out, ScopeClaims(s)...)
		}
	}
	return out
}

// Grant types a client may be allowed.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// AllGrantTypes lists the supported grant types.
func AllGrantTypes() []string {
	return []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}
}

// ClientType says whether a client can keep a secret.
type ClientType string

// Client types: a server-side application holds a secret; a mobile or
// single-page application cannot, and must prove itself with PKCE.
const (
	Confidential ClientType = "confidential"
	Public       ClientType = "public"
)

// Client is a relying party registered by the platform administrator.
type Client struct {
	ID   string
	Name string
	Type ClientType
	// RedirectURIs are compared exactly with a request's redirect_uri.
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	// Scopes the client may ask for.
	Scopes    []string
	CreatedAt time.Time
	UpdatedAt time.Time

	secretHash string
}

// Allows tells whether the client may use a grant type.
func (c *Client) Allows(grant string) bool { return slices.Contains(c.GrantTypes, grant) }

// ClientInput is what the administrator enters to register or change a
// client.
type ClientInput struct {
	Name                   string
	Type                   ClientType
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	Scopes                 []string
}

// Lifetimes.
const (
	// AuthRequestTTL is how long a person has to sign in and consent.
	AuthRequestTTL = 10 * time.Minute
	// CodeTTL is how long an authorization code can be exchanged.
	CodeTTL = 2 * time.Minute
	// AccessTokenTTL is how long an access token works.
	AccessTokenTTL = 10 * time.Minute
	// IDTokenTTL is how long an ID token is valid.
	IDTokenTTL = time.Hour
	// RefreshTokenTTL is how long an unused refresh token works.
	RefreshTokenTTL = 30 * 24 * time.Hour
	// KeyRetention is how long a retired signing key stays in the JWKS:
	// longer than any ID token it signed lives, and longer than the egov
	// session it came from, since relying parties present old ID tokens as
	// id_token_hint when the person signs out.
	KeyRetention = identity.AbsoluteTimeout + time.Hour
)

// Message keys of errors and form messages.
const (
	msgFormInvalid       = "oidc.form.invalid"
	msgRequired          = "oidc.form.required"
	msgNameTooLong       = "oidc.form.name_too_long"
	msgType              = "oidc.form.type"
	msgRedirectURI       = "oidc.form.redirect_uri"
	msgRedirectRequired  = "oidc.form.redirect_required"
	msgGrantTypes        = "oidc.form.grant_types"
	msgGrantPublic       = "oidc.form.grant_public"
	msgScopes            = "oidc.form.scopes"
	msgTypeFixed         = "oidc.form.type_fixed"
	msgClientNotFound    = "oidc.client.not_found"
	msgUnknownClient     = "oidc.error.unknown_client"
	msgBadRedirect       = "oidc.error.redirect_uri"
	msgRequestNotFound   = "oidc.error.request_expired"
	msgRequestOtherUser  = "oidc.error.other_user"
	msgRequestCompleted  = "oidc.error.request_completed"
	msgConsentNotFound   = "oidc.consents.not_found"
	maxNameLength        = 100
	maxURILength         = 2000
	maxRedirectURIs      = 20
	clientSecretBytes    = 32
	refreshTokenBytes    = 32
	defaultSigningKeyAlg = "RS256"
)

// ValidateRedirectURI checks a redirect URI as the administrator registers
// it: absolute https, or http on localhost or a loopback address for
// development; no fragment, no wildcard, no user info, nothing that could
// be read two ways. It returns the message key of what is wrong, or "".
func ValidateRedirectURI(raw string) string {
	if raw == "" || len(raw) > maxURILength || strings.ContainsAny(raw, " \t\r\n*\\<>\"{}|^`") {
		return msgRedirectURI
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" || strings.Contains(raw, "#") || u.Opaque != "" {
		return msgRedirectURI
	}
	if u.String() != raw {
		// Percent-encoding or case that a client could send differently.
		return msgRedirectURI
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		switch u.Hostname() {
		case "localhost", "127.0.0.1", "::1":
			return ""
		}
	}
	return msgRedirectURI
}

// Accounts is what the provider needs from the identity module: the
// person, their roles and organisations, and ending their egov session on
// RP-initiated logout. identity.Service satisfies it.
type Accounts interface {
	FindUserByID(ctx context.Context, id string) (*identity.User, error)
	Grants(ctx context.Context, userID string) ([]identity.Grant, error)
	Representations(ctx context.Context, userID string) ([]identity.Representation, error)
	Agencies(ctx context.Context) ([]identity.Agency, error)
	EndSession(ctx context.Context, userID, sessionID string) error
	EndSessionByShortID(ctx context.Context, userID, short string) error
}
