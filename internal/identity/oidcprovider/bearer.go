package oidcprovider

import (
	"context"
	"strings"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// BearerToken checks an access token presented to egov's own JSON API and
// says whom it was issued to (identity.BearerTokens). The token must open
// under this node secret as the library seals it ("<row id>:<subject>"),
// and its row must be live and name the same subject; anything else —
// unknown, tampered with, sealed for another purpose, expired or revoked —
// is ENOTFOUND.
func (s *Service) BearerToken(ctx context.Context, token string) (*identity.BearerToken, error) {
	notFound := apperr.New(apperr.ENOTFOUND, "oidc.error.token")
	ref, err := s.tokens.Decrypt(token)
	if err != nil {
		return nil, notFound
	}
	id, subject, ok := strings.Cut(ref, ":")
	if !ok || id == "" || strings.Contains(subject, ":") {
		return nil, notFound
	}
	t, err := s.activeAccessToken(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.subject != subject {
		return nil, notFound
	}
	return &identity.BearerToken{UserID: t.userID, ClientID: t.clientID, Scopes: t.scopes}, nil
}
