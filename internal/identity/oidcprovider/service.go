package oidcprovider

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"

	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

// Auditor records security-relevant actions in the caller's transaction.
// audit.Log satisfies it.
type Auditor interface {
	Record(ctx context.Context, tx *sql.Tx, r audit.Record) error
}

// Service keeps the provider's data: clients, authorization requests,
// tokens, consents and signing keys.
type Service struct {
	db       *db.DB
	clock    clock.Clock
	audit    Auditor
	accounts Accounts
	log      *slog.Logger
	// keySeal seals signing keys at rest; tokens seals code and access
	// token references. Both keys are derived from the node secret.
	keySeal *sealer
	tokens  tokenCrypto
	keys    *keyCache
}

// NewService returns the service. secret is the node secret every node
// shares (at least 32 bytes); it keys token references and seals signing
// keys. A signing key is created if there is none yet.
func NewService(ctx context.Context, d *db.DB, c clock.Clock, a Auditor, accounts Accounts, log *slog.Logger, secret []byte) (*Service, error) {
	if err := checkSecret(secret); err != nil {
		return nil, err
	}
	sealKey, err := deriveKey(secret, "signing-key-seal")
	if err != nil {
		return nil, err
	}
	tokenKey, err := deriveKey(secret, "token-reference")
	if err != nil {
		return nil, err
	}
	ks, err := newSealer(sealKey)
	if err != nil {
		return nil, err
	}
	ts, err := newSealer(tokenKey)
	if err != nil {
		return nil, err
	}
	s := &Service{db: d, clock: c, audit: a, accounts: accounts, log: log, keySeal: ks, tokens: tokenCrypto{ts}, keys: newKeyCache()}
	if err := s.ensureSigningKey(ctx); err != nil {
		return nil, fmt.Errorf("oidc: signing key: %w", err)
	}
	return s, nil
}

// joinList stores a list as one space-separated column.
func joinList(xs []string) string { return strings.Join(xs, " ") }

// splitList reads a list stored by joinList.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

// normalizeScopes sorts and deduplicates scopes, so equal sets compare and
// store equal.
func normalizeScopes(scopes []string) []string {
	out := slices.Clone(scopes)
	sort.Strings(out)
	return slices.Compact(out)
}

// subset tells whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
