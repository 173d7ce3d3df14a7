package oidcprovider

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// authRequest is one authorization request, from /oidc/authorize until its
// code is exchanged. It is the op.AuthRequest the library works with.
type authRequest struct {
	id                  string
	clientID            string
	redirectURI         string
	scopes              []string
	state               string
	nonce               string
	responseType        oidc.ResponseType
	responseMode        oidc.ResponseMode
	prompt              []string
	codeChallenge       string
	codeChallengeMethod oidc.CodeChallengeMethod
	userID              string
	sessionID           string // short ID of the egov session that signed in
	authTime            time.Time
	consented           bool
	codeIssued          bool
	createdAt           time.Time
	expiresAt           time.Time
}

func (a *authRequest) GetID() string                      { return a.id }
func (a *authRequest) GetACR() string                     { return "" }
func (a *authRequest) GetAMR() []string                   { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string              { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.authTime }
func (a *authRequest) GetClientID() string                { return a.clientID }
func (a *authRequest) GetNonce() string                   { return a.nonce }
func (a *authRequest) GetRedirectURI() string             { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.responseMode }
func (a *authRequest) GetScopes() []string                { return a.scopes }
func (a *authRequest) GetState() string                   { return a.state }
func (a *authRequest) GetSubject() string                 { return a.userID }

// Done tells the library the person has signed in and consented.
func (a *authRequest) Done() bool { return a.userID != "" && a.consented }

// GetCodeChallenge returns the PKCE challenge, nil when none was sent.
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.codeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.codeChallenge, Method: a.codeChallengeMethod}
}

// hasPrompt tells whether the request carries a prompt value.
func (a *authRequest) hasPrompt(p string) bool { return slices.Contains(a.prompt, p) }

const authRequestColumns = `id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode, prompt,
	code_challenge, code_challenge_method, user_id, session_id, auth_time, consented_at, code_hash, created_at, expires_at`

// scanAuthRequest reads a row of authRequestColumns followed by extra.
func scanAuthRequest(row interface{ Scan(...any) error }, extra ...any) (*authRequest, error) {
	a := &authRequest{}
	var scopes, prompt, method string
	var authTime, consented sql.NullTime
	var codeHash sql.NullString
	dest := append([]any{&a.id, &a.clientID, &a.redirectURI, &scopes, &a.state, &a.nonce, &a.responseType, &a.responseMode, &prompt,
		&a.codeChallenge, &method, &a.userID, &a.sessionID, &authTime, &consented, &codeHash, &a.createdAt, &a.expiresAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, db.MapError(err)
	}
	a.scopes, a.prompt = splitList(scopes), splitList(prompt)
	a.codeChallengeMethod = oidc.CodeChallengeMethod(method)
	a.authTime, a.consented, a.codeIssued = authTime.Time, consented.Valid, codeHash.Valid
	return a, nil
}

// createAuthRequest stores a new request.
func (s *Service) createAuthRequest(ctx context.Context, a *authRequest) error {
	_, err := s.db.Writer().ExecContext(ctx, `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, state, nonce,
		response_type, response_mode, prompt, code_challenge, code_challenge_method, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		a.id, a.clientID, a.redirectURI, joinList(a.scopes), a.state, a.nonce, string(a.responseType), string(a.responseMode),
		joinList(a.prompt), a.codeChallenge, string(a.codeChallengeMethod), a.createdAt, a.expiresAt)
	if err != nil {
		return fmt.Errorf("create auth request: %w", db.MapError(err))
	}
	return nil
}

// findAuthRequest returns a live request; an unknown or expired one is
// ENOTFOUND.
func (s *Service) findAuthRequest(ctx context.Context, id string) (*authRequest, error) {
	if id == "" || len(id) > 64 {
		return nil, apperr.New(apperr.ENOTFOUND, msgRequestNotFound)
	}
	a, err := scanAuthRequest(s.db.Reader().QueryRowContext(ctx, `SELECT `+authRequestColumns+` FROM oidc_auth_requests WHERE id = $1`, id))
	if apperr.Is(err, apperr.ENOTFOUND) || (err == nil && !s.clock.Now().Before(a.expiresAt)) {
		return nil, apperr.New(apperr.ENOTFOUND, msgRequestNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("find auth request: %w", err)
	}
	return a, nil
}

// bindAuthRequest records who signed in for a request, once: a request
// bound to one person cannot be completed by another. It returns the
// request as stored.
func (s *Service) bindAuthRequest(ctx context.Context, id, userID, sessionID string, authTime time.Time) (*authRequest, error) {
	if _, err := s.db.Writer().ExecContext(ctx, `UPDATE oidc_auth_requests SET user_id = $1, session_id = $2, auth_time = $3
		WHERE id = $4 AND user_id = ''`, userID, sessionID, authTime, id); err != nil {
		return nil, fmt.Errorf("bind auth request: %w", err)
	}
	a, err := s.findAuthRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.userID != userID {
		return nil, apperr.New(apperr.EFORBIDDEN, msgRequestOtherUser)
	}
	return a, nil
}

// consentCovers tells whether the person already allowed the client every
// one of scopes.
func (s *Service) consentCovers(ctx context.Context, userID, clientID string, scopes []string) (bool, error) {
	var granted string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT scopes FROM oidc_consents WHERE user_id = $1 AND client_id = $2`, userID, clientID).Scan(&granted)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("consent: %w", err)
	}
	return subset(scopes, splitList(granted)), nil
}

// giveConsent marks the request consented and remembers the consent, the
// union of what was allowed before and now.
func (s *Service) giveConsent(ctx context.Context, a *authRequest, remembered bool) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		res, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET consented_at = $1 WHERE id = $2 AND user_id = $3 AND code_hash IS NULL`,
			now, a.id, a.userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.ENOTFOUND, msgRequestNotFound)
		}
		if remembered {
			return nil
		}
		var before string
		err = tx.QueryRowContext(ctx, `SELECT scopes FROM oidc_consents WHERE user_id = $1 AND client_id = $2`, a.userID, a.clientID).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		scopes := normalizeScopes(append(splitList(before), a.scopes...))
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_consents (user_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
			a.userID, a.clientID, joinList(scopes), now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: a.userID, Action: "oidc.consent.given", ObjectType: "oidc_client", ObjectID: a.clientID,
			Details: map[string]any{"scopes": joinList(normalizeScopes(a.scopes))}})
	})
	if err != nil {
		return fmt.Errorf("give consent: %w", err)
	}
	return nil
}

// denyConsent records the refusal and removes the request.
func (s *Service) denyConsent(ctx context.Context, a *authRequest) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE id = $1`, a.id); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: a.userID, Action: "oidc.consent.denied", ObjectType: "oidc_client", ObjectID: a.clientID,
			Details: map[string]any{"scopes": joinList(normalizeScopes(a.scopes))}})
	})
	if err != nil {
		return fmt.Errorf("deny consent: %w", err)
	}
	return nil
}

// saveCode attaches the authorization code (its hash) to a consented
// request, once: a request never yields a second code.
func (s *Service) saveCode(ctx context.Context, id, code string) error {
	now := s.clock.Now()
	res, err := s.db.Writer().ExecContext(ctx, `UPDATE oidc_auth_requests SET code_hash = $1, code_expires_at = $2
		WHERE id = $3 AND code_hash IS NULL AND consented_at IS NOT NULL AND user_id <> ''`, hashSecret(code), now.Add(CodeTTL), id)
	if err != nil {
		return fmt.Errorf("save code: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.ECONFLICT, msgRequestCompleted)
	}
	return nil
}

var (
	errCodeInvalid  = errors.New("authorization code is unknown or expired")
	errCodeReplayed = errors.New("authorization code was already used; tokens issued for it are revoked")
)

// redeemCode takes an authorization code for exchange, exactly once. A code
// presented again revokes every token issued from it (RFC 6749 §4.1.2): a
// second presentation means someone else may hold it.
func (s *Service) redeemCode(ctx context.Context, code string) (*authRequest, error) {
	if code == "" || len(code) > 1024 {
		return nil, errCodeInvalid
	}
	hash := hashSecret(code)
	var a *authRequest
	var replay bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		var codeExpires sql.NullTime
		var used sql.NullTime
		row := tx.QueryRowContext(ctx, `SELECT `+authRequestColumns+`, code_expires_at, code_used_at FROM oidc_auth_requests WHERE code_hash = $1`, hash)
		found, err := scanAuthRequest(row, &codeExpires, &used)
		if apperr.Is(err, apperr.ENOTFOUND) {
			return errCodeInvalid
		}
		if err != nil {
			return err
		}
		if !used.Valid {
			res, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_used_at = $1 WHERE id = $2 AND code_used_at IS NULL`, now, found.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				if !codeExpires.Valid || !now.Before(codeExpires.Time) {
					return errCodeInvalid
				}
				a = found
				return nil
			}
		}
		replay = true
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET replayed_at = $1 WHERE id = $2`, now, found.id); err != nil {
			return err
		}
		n, err := revokeWhere(ctx, tx, now, `auth_request_id = $2`, found.id)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: found.userID, Action: "oidc.code.replayed", ObjectType: "oidc_client", ObjectID: found.clientID,
			Details: map[string]any{"auth_request": found.id, "tokens_revoked": n}})
	})
	if err != nil {
		return nil, err
	}
	if replay {
		return nil, errCodeReplayed
	}
	return a, nil
}

// revokeWhere revokes the access and refresh tokens matching cond, whose
// first parameter ($1) is the time of revocation; it returns how many.
func revokeWhere(ctx context.Context, tx *sql.Tx, now time.Time, cond string, args ...any) (int64, error) {
	var total int64
	for _, table := range []string{"oidc_access_tokens", "oidc_refresh_tokens"} {
		res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET revoked_at = $1 WHERE revoked_at IS NULL AND `+cond, append([]any{now}, args...)...)
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
