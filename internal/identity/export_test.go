package identity

import (
	"context"
	"io/fs"
)

// Templates exposes the page templates to the message-key check.
func Templates() fs.FS { return templateFS }

// WithPrincipal puts a signed-in person into a request context, for tests that
// walk the permission matrix without signing in as every role.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}
