package web

import (
	"context"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// reqInfo is what the middleware learns about a request and what later layers
// need: it lives in the request context as a pointer so that layers further in
// (the router) can fill fields that layers further out (logging, metrics) read
// after the handler returns.
type reqInfo struct {
	id      string
	ip      string
	pattern string
	locale  i18n.Locale
	prefs   Prefs
	csrf    string
	tls     bool
	viewer  *Viewer
	// bearer: the request is authenticated by a bearer token, not a cookie.
	bearer bool
}

// Viewer is the signed-in person as the page layout shows them. The identity
// module sets it; the platform knows nothing else about accounts.
type Viewer struct {
	Name string
	// ActingFor names the organisation the person acts for, if any.
	ActingFor string
	// Switch lists the organisations the person may act for; the header
	// offers them with "myself" when there is any.
	Switch []ActingOption
}

// ActingOption is one organisation in the header's acting-as switch.
type ActingOption struct {
	Value   string
	Label   string
	Current bool
}

// SetViewer records who is signed in for the layout of this request.
func SetViewer(ctx context.Context, v *Viewer) { infoFrom(ctx).viewer = v }

type ctxKey struct{}

func withInfo(ctx context.Context, info *reqInfo) context.Context {
	return context.WithValue(ctx, ctxKey{}, info)
}

func infoFrom(ctx context.Context) *reqInfo {
	if info, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return info
	}
	return &reqInfo{locale: i18n.Default}
}

// RequestID returns the ID of the request being served ("" outside one).
func RequestID(ctx context.Context) string { return infoFrom(ctx).id }

// ClientIP returns the address of the client, taking trusted proxies into
// account.
func ClientIP(ctx context.Context) string { return infoFrom(ctx).ip }

// Locale returns the language the request is served in.
func Locale(ctx context.Context) i18n.Locale { return infoFrom(ctx).locale }

// SetBearer records that the request is authenticated by a bearer token in
// its Authorization header rather than by a cookie. A browser never adds
// such a header to a request another site makes it send, so the router
// checks no CSRF token on it. Only the authenticating middleware calls it,
// and only after the token proved valid.
func SetBearer(ctx context.Context) { infoFrom(ctx).bearer = true }

// CSRFToken returns the token a form on this page must send back.
func CSRFToken(ctx context.Context) string { return infoFrom(ctx).csrf }
