package oidcprovider

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

// accessToken is the row an opaque access token refers to.
type accessToken struct {
	id            string
	clientID      string
	subject       string // the user, or the client for client_credentials
	userID        string // "" for client_credentials
	scopes        []string
	authRequestID string
	familyID      string
	sessionID     string
	createdAt     time.Time
	expiresAt     time.Time
}

// refreshToken is a stored refresh token; the token itself is only with
// the client.
type refreshToken struct {
	id            string
	familyID      string
	clientID      string
	userID        string
	scopes        []string
	amr           []string
	authTime      time.Time
	authRequestID string
	sessionID     string
	expiresAt     time.Time
	rotated       bool
	revoked       bool
}

// refreshRequest is a validated refresh token as op.RefreshTokenRequest;
// current holds the scopes of this refresh, which may be fewer than the
// grant's (RFC 6749 §6).
type refreshRequest struct {
	token   *refreshToken
	current []string
}

func (r *refreshRequest) GetAMR() []string                 { return r.token.amr }
func (r *refreshRequest) GetAudience() []string            { return []string{r.token.clientID} }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.token.authTime }
func (r *refreshRequest) GetClientID() string              { return r.token.clientID }
func (r *refreshRequest) GetScopes() []string              { return r.current }
func (r *refreshRequest) GetSubject() string               { return r.token.userID }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.current = scopes }

// clientRequest is a client_credentials grant as op.TokenRequest: the
// client acts for itself.
type clientRequest struct {
	clientID string
	scopes   []string
}

func (c *clientRequest) GetSubject() string    { return c.clientID }
func (c *clientRequest) GetAudience() []string { return []string{c.clientID} }
func (c *clientRequest) GetScopes() []string   { return c.scopes }

var (
	errGrantRevoked   = errors.New("the grant was revoked")
	errRefreshInvalid = errors.New("refresh token is unknown, expired or revoked")
	errRefreshReused  = errors.New("refresh token was already used; its family is revoked")
)

func insertAccessToken(ctx context.Context, tx *sql.Tx, t *accessToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO oidc_access_tokens (id, client_id, subject, user_id, scopes, auth_request_id,
		family_id, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		t.id, t.clientID, t.subject, t.userID, joinList(t.scopes), t.authRequestID, t.familyID, t.sessionID, t.createdAt, t.expiresAt)
	return err
}

// insertRefreshToken stores a new refresh token of t's family and returns
// the token to give the client.
func insertRefreshToken(ctx context.Context, tx *sql.Tx, t *refreshToken, now time.Time) (string, error) {
	token := randomToken(refreshTokenBytes)
	_, err := tx.ExecContext(ctx, `INSERT INTO oidc_refresh_tokens (id, token_hash, family_id, client_id, user_id, scopes, amr,
		auth_time, auth_request_id, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		t.id, hashSecret(token), t.familyID, t.clientID, t.userID, joinList(t.scopes), joinList(t.amr), t.authTime,
		t.authRequestID, t.sessionID, now, t.expiresAt)
	return token, err
}

// issueForCode issues the tokens of an exchanged code, once, and not after
// the code was replayed. withRefresh adds a refresh token, starting a new
// family.
func (s *Service) issueForCode(ctx context.Context, a *authRequest, withRefresh bool) (string, string, time.Time, error) {
	now := s.clock.Now()
	at := &accessToken{id: db.NewID(), clientID: a.clientID, subject: a.userID, userID: a.userID, scopes: a.scopes,
		authRequestID: a.id, sessionID: a.sessionID, createdAt: now, expiresAt: now.Add(AccessTokenTTL)}
	var refresh string
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The row lock taken here orders issuance against a concurrent
		// replay, which revokes only after this commits.
		res, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET tokens_issued_at = $1
			WHERE id = $2 AND replayed_at IS NULL AND tokens_issued_at IS NULL AND code_used_at IS NOT NULL`, now, a.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGrantRevoked
		}
		if withRefresh {
			rt := &refreshToken{id: db.NewID(), clientID: a.clientID, userID: a.userID, scopes: a.scopes, amr: a.GetAMR(),
				authTime: a.authTime, authRequestID: a.id, sessionID: a.sessionID, expiresAt: now.Add(RefreshTokenTTL)}
			rt.familyID = rt.id
			at.familyID = rt.familyID
			if refresh, err = insertRefreshToken(ctx, tx, rt, now); err != nil {
				return err
			}
		}
		if err := insertAccessToken(ctx, tx, at); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: a.userID, Action: "oidc.token.granted", ObjectType: "oidc_client", ObjectID: a.clientID,
			Details: map[string]any{"grant": GrantAuthorizationCode, "token": at.id, "refresh": withRefresh, "scopes": joinList(a.scopes)}})
	})
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("issue tokens: %w", err)
	}
	return at.id, refresh, at.expiresAt, nil
}

// useRefreshToken validates a presented refresh token. A token that was
// already rotated away means it leaked (or the client is confused): the
// whole family is revoked and the answer is errRefreshReused.
func (s *Service) useRefreshToken(ctx context.Context, token string) (*refreshRequest, error) {
	if token == "" || len(token) > 200 {
		return nil, errRefreshInvalid
	}
	t, err := s.findRefreshToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if t.revoked || !s.clock.Now().Before(t.expiresAt) {
		return nil, errRefreshInvalid
	}
	if t.rotated {
		if err := s.revokeFamily(ctx, t, "oidc.refresh.reused"); err != nil {
			return nil, err
		}
		return nil, errRefreshReused
	}
	return &refreshRequest{token: t, current: t.scopes}, nil
}

func (s *Service) findRefreshToken(ctx context.Context, token string) (*refreshToken, error) {
	t := &refreshToken{}
	var scopes, amr string
	var rotated, revoked sql.NullTime
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, family_id, client_id, user_id, scopes, amr, auth_time, auth_request_id,
		session_id, expires_at, rotated_at, revoked_at FROM oidc_refresh_tokens WHERE token_hash = $1`, hashSecret(token)).Scan(
		&t.id, &t.familyID, &t.clientID, &t.userID, &scopes, &amr, &t.authTime, &t.authRequestID, &t.sessionID, &t.expiresAt, &rotated, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errRefreshInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("find refresh token: %w", err)
	}
	t.scopes, t.amr, t.rotated, t.revoked = splitList(scopes), splitList(amr), rotated.Valid, revoked.Valid
	return t, nil
}

// revokeFamily revokes every refresh and access token rotated from one
// grant and audits why.
func (s *Service) revokeFamily(ctx context.Context, t *refreshToken, action string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		n, err := revokeWhere(ctx, tx, s.clock.Now(), `family_id = $2`, t.familyID)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: t.userID, Action: action, ObjectType: "oidc_client", ObjectID: t.clientID,
			Details: map[string]any{"family": t.familyID, "tokens_revoked": n}})
	})
}

// rotateRefresh spends the refresh token of r and issues its successor and
// a new access token. Losing a race with another use of the same token
// counts as reuse.
func (s *Service) rotateRefresh(ctx context.Context, r *refreshRequest) (string, string, time.Time, error) {
	now := s.clock.Now()
	old := r.token
	at := &accessToken{id: db.NewID(), clientID: old.clientID, subject: old.userID, userID: old.userID, scopes: r.current,
		authRequestID: old.authRequestID, familyID: old.familyID, sessionID: old.sessionID, createdAt: now, expiresAt: now.Add(AccessTokenTTL)}
	next := *old
	next.id, next.expiresAt = db.NewID(), now.Add(RefreshTokenTTL)
	var refresh string
	var reused bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET rotated_at = $1 WHERE id = $2 AND rotated_at IS NULL AND revoked_at IS NULL`,
			now, old.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			reused = true
			return nil
		}
		if refresh, err = insertRefreshToken(ctx, tx, &next, now); err != nil {
			return err
		}
		if err := insertAccessToken(ctx, tx, at); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: old.userID, Action: "oidc.token.granted", ObjectType: "oidc_client", ObjectID: old.clientID,
			Details: map[string]any{"grant": GrantRefreshToken, "token": at.id, "family": old.familyID, "scopes": joinList(r.current)}})
	})
	if err != nil {
		return "", "", time.Time{}, fmt.Errorf("rotate refresh token: %w", err)
	}
	if reused {
		if err := s.revokeFamily(ctx, old, "oidc.refresh.reused"); err != nil {
			return "", "", time.Time{}, err
		}
		return "", "", time.Time{}, errRefreshReused
	}
	return at.id, refresh, at.expiresAt, nil
}

// issueForClient issues an access token to a client acting for itself.
func (s *Service) issueForClient(ctx context.Context, r *clientRequest) (string, time.Time, error) {
	now := s.clock.Now()
	at := &accessToken{id: db.NewID(), clientID: r.clientID, subject: r.clientID, scopes: r.scopes, createdAt: now, expiresAt: now.Add(AccessTokenTTL)}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertAccessToken(ctx, tx, at); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: "oidc_client:" + r.clientID, Action: "oidc.token.granted", ObjectType: "oidc_client",
			ObjectID: r.clientID, Details: map[string]any{"grant": GrantClientCredentials, "token": at.id, "scopes": joinList(r.scopes)}})
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue client token: %w", err)
	}
	return at.id, at.expiresAt, nil
}

// activeAccessToken returns a live access token by ID; an unknown, expired
// or revoked one is ENOTFOUND.
func (s *Service) activeAccessToken(ctx context.Context, id string) (*accessToken, error) {
	t := &accessToken{}
	var scopes string
	var revoked sql.NullTime
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, client_id, subject, user_id, scopes, auth_request_id, family_id, session_id,
		created_at, expires_at, revoked_at FROM oidc_access_tokens WHERE id = $1`, id).Scan(&t.id, &t.clientID, &t.subject, &t.userID,
		&scopes, &t.authRequestID, &t.familyID, &t.sessionID, &t.createdAt, &t.expiresAt, &revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (revoked.Valid || !s.clock.Now().Before(t.expiresAt))) {
		return nil, apperr.New(apperr.ENOTFOUND, "oidc.error.token")
	}
	if err != nil {
		return nil, fmt.Errorf("find access token: %w", err)
	}
	t.scopes = splitList(scopes)
	return t, nil
}

// revokeToken revokes a token of the client by its ID (RFC 7009): an
// access token alone, a refresh token with its family. An unknown ID is
// not an error; a token of another client is EFORBIDDEN.
func (s *Service) revokeToken(ctx context.Context, id, clientID string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		var owner, family, user string
		err := tx.QueryRowContext(ctx, `SELECT client_id, user_id FROM oidc_access_tokens WHERE id = $1`, id).Scan(&owner, &user)
		if err == nil {
			if owner != clientID {
				return apperr.New(apperr.EFORBIDDEN, "oidc.error.token")
			}
			if _, err := revokeWhere(ctx, tx, now, `id = $2 AND client_id = $3`, id, clientID); err != nil {
				return err
			}
			return s.audit.Record(ctx, tx, audit.Record{Actor: "oidc_client:" + clientID, Action: "oidc.token.revoked", ObjectType: "oidc_client",
				ObjectID: clientID, Details: map[string]any{"token": id, "user": user}})
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT client_id, family_id, user_id FROM oidc_refresh_tokens WHERE id = $1`, id).Scan(&owner, &family, &user)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if owner != clientID {
			return apperr.New(apperr.EFORBIDDEN, "oidc.error.token")
		}
		if _, err := revokeWhere(ctx, tx, now, `family_id = $2`, family); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: "oidc_client:" + clientID, Action: "oidc.token.revoked", ObjectType: "oidc_client",
			ObjectID: clientID, Details: map[string]any{"family": family, "user": user}})
	})
}

// refreshTokenInfo returns the user and ID of a refresh token of the
// client, for revocation.
func (s *Service) refreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.findRefreshToken(ctx, token)
	if err != nil {
		return "", "", err
	}
	if t.clientID != clientID {
		return "", "", errRefreshInvalid
	}
	return t.userID, t.id, nil
}

// endClientSession revokes what a client holds from one egov session (or,
// with sessionID "", every token it holds for the user), on RP-initiated
// logout.
func (s *Service) endClientSession(ctx context.Context, userID, clientID, sessionID string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		cond, args := `user_id = $2 AND client_id = $3`, []any{userID, clientID}
		if sessionID != "" {
			cond, args = cond+` AND session_id = $4`, append(args, sessionID)
		}
		n, err := revokeWhere(ctx, tx, s.clock.Now(), cond, args...)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: userID, Action: "oidc.logout", ObjectType: "oidc_client", ObjectID: clientID,
			Details: map[string]any{"tokens_revoked": n}})
	})
}

// Consent is what a person allowed a client.
type Consent struct {
	ClientID   string
	ClientName string
	Scopes     []string
	GrantedAt  time.Time
}

// Consents lists what the person allowed which clients, newest first.
func (s *Service) Consents(ctx context.Context, userID string) ([]Consent, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.client_id, k.name, c.scopes, c.granted_at FROM oidc_consents c
		JOIN oidc_clients k ON k.id = c.client_id WHERE c.user_id = $1 ORDER BY c.granted_at DESC, k.name`, userID)
	if err != nil {
		return nil, fmt.Errorf("consents: %w", err)
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		var c Consent
		var scopes string
		if err := rows.Scan(&c.ClientID, &c.ClientName, &scopes, &c.GrantedAt); err != nil {
			return nil, fmt.Errorf("consents: %w", err)
		}
		c.Scopes = splitList(scopes)
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeConsent withdraws what the person allowed the client, and every
// token the client holds for them. ENOTFOUND if there was no consent.
func (s *Service) RevokeConsent(ctx context.Context, userID, clientID string) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM oidc_consents WHERE user_id = $1 AND client_id = $2`, userID, clientID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.ENOTFOUND, msgConsentNotFound)
		}
		n, err := revokeWhere(ctx, tx, s.clock.Now(), `user_id = $2 AND client_id = $3`, userID, clientID)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: userID, Action: "oidc.consent.revoked", ObjectType: "oidc_client", ObjectID: clientID,
			Details: map[string]any{"tokens_revoked": n}})
	})
	if err != nil {
		return fmt.Errorf("revoke consent: %w", err)
	}
	return nil
}

// PurgeExpired deletes expired tokens, and authorization requests a day
// after they expired (kept that long so a replayed code is still
// recognised and revokes what it gave). It returns how many rows went.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	var total int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql string
			at  time.Time
		}{
			{`DELETE FROM oidc_access_tokens WHERE expires_at < $1`, now},
			{`DELETE FROM oidc_refresh_tokens WHERE expires_at < $1`, now},
			{`DELETE FROM oidc_auth_requests WHERE expires_at < $1`, now.Add(-24 * time.Hour)},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.at)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge expired: %w", err)
	}
	return total, nil
}
