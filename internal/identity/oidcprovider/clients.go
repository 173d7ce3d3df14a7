package oidcprovider

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

const clientColumns = `id, secret_hash, name, type, redirect_uris, post_logout_redirect_uris, grant_types, scopes, created_at, updated_at`

func scanClient(row interface{ Scan(...any) error }) (*Client, error) {
	c := &Client{}
	var redirects, postLogout, grants, scopes string
	if err := row.Scan(&c.ID, &c.secretHash, &c.Name, &c.Type, &redirects, &postLogout, &grants, &scopes, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, db.MapError(err)
	}
	c.RedirectURIs, c.PostLogoutRedirectURIs = splitList(redirects), splitList(postLogout)
	c.GrantTypes, c.Scopes = splitList(grants), splitList(scopes)
	return c, nil
}

// cleanList trims, drops empty entries and duplicates, keeping order.
func cleanList(xs []string) []string {
	var out []string
	for _, x := range xs {
		x = strings.TrimSpace(x)
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// validate checks a client as entered and returns it cleaned, or EINVALID
// with a message per field. existing is the client being changed, nil for
// a new one.
func validateClient(in ClientInput, existing *Client) (ClientInput, error) {
	fields := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		fields["name"] = msgRequired
	case utf8.RuneCountInString(in.Name) > maxNameLength:
		fields["name"] = msgNameTooLong
	}
	if in.Type != Confidential && in.Type != Public {
		fields["type"] = msgType
	} else if existing != nil && existing.Type != in.Type {
		fields["type"] = msgTypeFixed
	}
	in.GrantTypes = cleanList(in.GrantTypes)
	in.RedirectURIs = cleanList(in.RedirectURIs)
	in.PostLogoutRedirectURIs = cleanList(in.PostLogoutRedirectURIs)
	in.Scopes = normalizeScopes(cleanList(in.Scopes))
	switch {
	case len(in.GrantTypes) == 0 || !subset(in.GrantTypes, AllGrantTypes()):
		fields["grant_types"] = msgGrantTypes
	case in.Type == Public && slices.Contains(in.GrantTypes, GrantClientCredentials):
		fields["grant_types"] = msgGrantPublic
	case slices.Contains(in.GrantTypes, GrantRefreshToken) && !slices.Contains(in.GrantTypes, GrantAuthorizationCode):
		fields["grant_types"] = msgGrantTypes
	}
	code := slices.Contains(in.GrantTypes, GrantAuthorizationCode)
	if code && len(in.RedirectURIs) == 0 {
		fields["redirect_uris"] = msgRedirectRequired
	}
	if len(in.RedirectURIs) > maxRedirectURIs {
		fields["redirect_uris"] = msgRedirectURI
	}
	for _, u := range in.RedirectURIs {
		if m := ValidateRedirectURI(u); m != "" {
			fields["redirect_uris"] = m
		}
	}
	if len(in.PostLogoutRedirectURIs) > maxRedirectURIs {
		fields["post_logout_redirect_uris"] = msgRedirectURI
	}
	for _, u := range in.PostLogoutRedirectURIs {
		if m := ValidateRedirectURI(u); m != "" {
			fields["post_logout_redirect_uris"] = m
		}
	}
	if !subset(in.Scopes, AllScopes()) || (code && !slices.Contains(in.Scopes, ScopeOpenID)) {
		fields["scopes"] = msgScopes
	}
	if len(fields) > 0 {
		return in, apperr.Invalid(msgFormInvalid, fields)
	}
	return in, nil
}

// CreateClient registers a client. It returns the client and, for a
// confidential client, its secret: shown once, stored only as a hash. Bad
// input is EINVALID with field messages.
func (s *Service) CreateClient(ctx context.Context, actor string, in ClientInput) (*Client, string, error) {
	in, err := validateClient(in, nil)
	if err != nil {
		return nil, "", err
	}
	now := s.clock.Now()
	c := &Client{ID: db.NewID(), Name: in.Name, Type: in.Type, RedirectURIs: in.RedirectURIs,
		PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, GrantTypes: in.GrantTypes, Scopes: in.Scopes, CreatedAt: now, UpdatedAt: now}
	var secret string
	if c.Type == Confidential {
		secret = randomToken(clientSecretBytes)
		c.secretHash = hashSecret(secret)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_clients (`+clientColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, c.secretHash, c.Name, string(c.Type), joinList(c.RedirectURIs), joinList(c.PostLogoutRedirectURIs),
			joinList(c.GrantTypes), joinList(c.Scopes), c.CreatedAt, c.UpdatedAt); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "oidc.client.created", ObjectType: "oidc_client", ObjectID: c.ID,
			Details: clientDetails(c)})
	})
	if err != nil {
		return nil, "", fmt.Errorf("create client: %w", err)
	}
	return c, secret, nil
}

// clientDetails is what the audit log keeps of a client's settings.
func clientDetails(c *Client) map[string]any {
	return map[string]any{"name": c.Name, "type": string(c.Type), "redirect_uris": joinList(c.RedirectURIs),
		"post_logout_redirect_uris": joinList(c.PostLogoutRedirectURIs), "grant_types": joinList(c.GrantTypes), "scopes": joinList(c.Scopes)}
}

// UpdateClient changes a client's settings (not its type or secret).
// ENOTFOUND if there is no such client; EINVALID with field messages for
// bad input.
func (s *Service) UpdateClient(ctx context.Context, actor, id string, in ClientInput) (*Client, error) {
	var out *Client
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := findClient(ctx, tx, id)
		if err != nil {
			return err
		}
		in, err := validateClient(in, c)
		if err != nil {
			return err
		}
		c.Name, c.RedirectURIs, c.PostLogoutRedirectURIs = in.Name, in.RedirectURIs, in.PostLogoutRedirectURIs
		c.GrantTypes, c.Scopes, c.UpdatedAt = in.GrantTypes, in.Scopes, s.clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_clients SET name = $1, redirect_uris = $2, post_logout_redirect_uris = $3,
			grant_types = $4, scopes = $5, updated_at = $6 WHERE id = $7`, c.Name, joinList(c.RedirectURIs),
			joinList(c.PostLogoutRedirectURIs), joinList(c.GrantTypes), joinList(c.Scopes), c.UpdatedAt, c.ID); err != nil {
			return err
		}
		out = c
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "oidc.client.updated", ObjectType: "oidc_client", ObjectID: c.ID,
			Details: clientDetails(c)})
	})
	if err != nil {
		return nil, fmt.Errorf("update client: %w", err)
	}
	return out, nil
}

// ResetClientSecret gives a confidential client a new secret, returned
// once; the old one stops working at once. ENOTFOUND if there is no such
// client, EINVALID for a public client.
func (s *Service) ResetClientSecret(ctx context.Context, actor, id string) (string, error) {
	secret := randomToken(clientSecretBytes)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := findClient(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Type != Confidential {
			return apperr.Invalid(msgFormInvalid, map[string]string{"type": msgType})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_clients SET secret_hash = $1, updated_at = $2 WHERE id = $3`,
			hashSecret(secret), s.clock.Now(), id); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "oidc.client.secret_reset", ObjectType: "oidc_client", ObjectID: id})
	})
	if err != nil {
		return "", fmt.Errorf("reset client secret: %w", err)
	}
	return secret, nil
}

// DeleteClient removes a client with its pending requests, tokens and the
// consents given to it. ENOTFOUND if there is no such client.
func (s *Service) DeleteClient(ctx context.Context, actor, id string) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := findClient(ctx, tx, id)
		if err != nil {
			return err
		}
		// Children first: SQLite enforces the cascade only with foreign
		// keys on, and an explicit order reads the same on both engines.
		for _, table := range []string{"oidc_consents", "oidc_access_tokens", "oidc_refresh_tokens", "oidc_auth_requests"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE client_id = $1`, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_clients WHERE id = $1`, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "oidc.client.deleted", ObjectType: "oidc_client", ObjectID: id,
			Details: map[string]any{"name": c.Name}})
	})
	if err != nil {
		return fmt.Errorf("delete client: %w", err)
	}
	return nil
}

// FindClientByID returns a client; ENOTFOUND if there is none.
func (s *Service) FindClientByID(ctx context.Context, id string) (*Client, error) {
	return findClient(ctx, s.db.Reader(), id)
}

// queryer is a pool or a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func findClient(ctx context.Context, q queryer, id string) (*Client, error) {
	c, err := scanClient(q.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients WHERE id = $1`, id))
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, apperr.New(apperr.ENOTFOUND, msgClientNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("find client: %w", err)
	}
	return c, nil
}

// FindClients lists every client by name.
func (s *Service) FindClients(ctx context.Context) ([]*Client, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	defer rows.Close()
	var out []*Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("clients: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// authenticateClient checks a confidential client's secret. Any failure is
// the same EUNAUTHORIZED, so the answer does not tell which part was wrong.
func (s *Service) authenticateClient(ctx context.Context, id, secret string) (*Client, error) {
	fail := apperr.New(apperr.EUNAUTHORIZED, "oidc.error.client_auth")
	if id == "" || len(id) > 100 || len(secret) > 200 {
		return nil, fail
	}
	c, err := s.FindClientByID(ctx, id)
	if apperr.Is(err, apperr.ENOTFOUND) {
		// Spend the same hashing work as for a known client.
		secretMatches(secret, hashSecret("egov-timing-equaliser"))
		return nil, fail
	}
	if err != nil {
		return nil, err
	}
	if c.Type != Confidential || !secretMatches(secret, c.secretHash) {
		return nil, fail
	}
	return c, nil
}
