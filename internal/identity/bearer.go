package identity

import (
	"context"
	_ "embed"
	"net/http"
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// ScopeAPI is the scope a token needs for the JSON API. It is OpenID
// Connect's "openid", which every sign-in through the provider asks for:
// a token grants the API whatever the person could do on the site, so any
// client the administrator registered and the person consented to may use
// it. A client can still ask for a token without it on refresh (RFC 6749
// §6), which then cannot reach the API.
const ScopeAPI = "openid"

// BearerToken is what an access token stands for.
type BearerToken struct {
	// UserID is the person the token was issued to; "" for a client
	// acting for itself.
	UserID   string
	ClientID string
	Scopes   []string
}

// BearerTokens checks the access tokens presented to the JSON API. The
// OpenID Connect provider satisfies it through app.
type BearerTokens interface {
	// BearerToken returns what a live access token stands for: one the
	// provider issued, not expired and not revoked. Any other token is
	// ENOTFOUND.
	BearerToken(ctx context.Context, token string) (*BearerToken, error)
}

// UseBearerTokens turns on bearer authentication of the JSON API, checked
// by tokens. Without it every bearer token is refused as invalid.
func (m *Module) UseBearerTokens(tokens BearerTokens) { m.bearer = tokens }

// Message keys of refused tokens.
const (
	msgBearerInvalid = "identity.bearer.invalid"
	msgBearerScope   = "identity.bearer.scope"
)

// bearerToken returns the token of the request's "Authorization: Bearer"
// header, and whether there is such a header (the scheme is
// case-insensitive, RFC 7235 §2.1). The token may be "".
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// serveBearer serves an API request that carries a bearer token (RFC 6750),
// so that the mobile app and other clients of egov's own OpenID Connect
// provider need no session cookie:
//
//   - A request to /api/… with "Authorization: Bearer <token>" runs as the
//     person the token was issued to, with the same Principal (and so the
//     same route permissions) a session gives, acting for themselves. It
//     needs no CSRF token: no cookie is involved.
//   - A token that is unknown, tampered with, expired, revoked, issued to a
//     client acting for itself (client_credentials) or for an account that
//     no longer exists gets 401 with error="invalid_token"; one without
//     ScopeAPI gets 403 with error="insufficient_scope". Neither falls back
//     to a session cookie the request may also carry.
//   - Pages are never authenticated by a bearer token; the header is
//     ignored there. Tokens in a query or form field (RFC 6750 §2.2, §2.3)
//     are not accepted: they end up in logs and histories.
func (m *Module) serveBearer(w http.ResponseWriter, r *http.Request, token string, next http.Handler) {
	p, err := m.bearerPrincipal(r.Context(), token)
	if err != nil {
		switch {
		case apperr.Is(err, apperr.EUNAUTHORIZED):
			w.Header().Set("WWW-Authenticate", `Bearer realm="egov", error="invalid_token"`)
		case apperr.Is(err, apperr.EFORBIDDEN):
			w.Header().Set("WWW-Authenticate", `Bearer realm="egov", error="insufficient_scope", scope="`+ScopeAPI+`"`)
		}
		m.rd.Error(w, r, err)
		return
	}
	ctx := context.WithValue(r.Context(), principalKey{}, p)
	web.SetBearer(ctx)
	next.ServeHTTP(w, r.WithContext(ctx))
}

// bearerPrincipal is the person a bearer token stands for: EUNAUTHORIZED
// for a token that is not a live one of a person, EFORBIDDEN for one
// without ScopeAPI.
func (m *Module) bearerPrincipal(ctx context.Context, token string) (*Principal, error) {
	invalid := apperr.New(apperr.EUNAUTHORIZED, msgBearerInvalid)
	if m.bearer == nil || token == "" {
		return nil, invalid
	}
	t, err := m.bearer.BearerToken(ctx, token)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if t.UserID == "" {
		return nil, invalid
	}
	if !slices.Contains(t.Scopes, ScopeAPI) {
		return nil, apperr.New(apperr.EFORBIDDEN, msgBearerScope)
	}
	u, err := m.svc.FindUserByID(ctx, t.UserID)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	p, err := m.person(ctx, u)
	if err != nil {
		return nil, err
	}
	p.Token = t
	return p, nil
}

// openAPIFragment describes how API clients authenticate, for the
// operations' "security".
//
//go:embed openapi.json
var openAPIFragment []byte
