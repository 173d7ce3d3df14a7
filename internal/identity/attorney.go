package identity

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// A power of attorney lasts at most maxAttorneyTerm.
const maxAttorneyTerm = 3 * 365 * 24 * time.Hour

const (
	msgNotDirector     = "identity.attorney.not_director"
	msgAttorneyPerson  = "identity.attorney.no_person"
	msgAttorneyExpiry  = "identity.attorney.expiry"
	msgAttorneyScope   = "identity.attorney.scope"
	msgAttorneyHimself = "identity.attorney.self"
)

// Attorney is a person who acts for an organisation by a power of attorney.
type Attorney struct {
	User      User
	Scope     string
	ExpiresAt time.Time
}

// isDirector tells whether the person is the organisation's director.
func (s *Service) isDirector(ctx context.Context, userID, orgID string) (bool, error) {
	var one int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT 1 FROM identity_representations WHERE user_id = $1 AND org_id = $2 AND basis = 'director'`,
		userID, orgID).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// Attorneys lists who holds a live power of attorney for an organisation; only
// its director may ask (EFORBIDDEN).
func (s *Service) Attorneys(ctx context.Context, actor *Principal, orgID string) ([]Attorney, error) {
	if ok, err := s.isDirector(ctx, actor.User.ID, orgID); err != nil || !ok {
		if err == nil {
			err = apperr.New(apperr.EFORBIDDEN, msgNotDirector)
		}
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+prefixed("u.", userColumns)+`, r.scope, r.expires_at
		FROM identity_representations r JOIN identity_users u ON u.id = r.user_id
		WHERE r.org_id = $1 AND r.basis = 'attorney' AND r.expires_at > $2 ORDER BY u.last_name, u.first_name`, orgID, s.clock.Now())
	if err != nil {
		return nil, fmt.Errorf("attorneys: %w", err)
	}
	defer rows.Close()
	var out []Attorney
	for rows.Next() {
		var a Attorney
		u, err := scanUser(rows, &a.Scope, &a.ExpiresAt)
		if err != nil {
			return nil, fmt.Errorf("attorneys: %w", err)
		}
		a.User = *u
		out = append(out, a)
	}
	return out, rows.Err()
}

// prefixed qualifies a comma-separated column list with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ", ")
	for i := range parts {
		parts[i] = alias + parts[i]
	}
	return strings.Join(parts, ", ")
}

// GrantAttorney lets the director of an organisation give a person (named by
// PINFL) a power of attorney with a scope and an expiry. The person becomes a
// business representative and can switch to acting for the organisation
// until the expiry; granting again replaces the scope and expiry.
func (s *Service) GrantAttorney(ctx context.Context, actor *Principal, orgID, pinfl, scope string, expires time.Time) error {
	if ok, err := s.isDirector(ctx, actor.User.ID, orgID); err != nil || !ok {
		if err == nil {
			err = apperr.New(apperr.EFORBIDDEN, msgNotDirector)
		}
		return err
	}
	fields := map[string]string{}
	now := s.clock.Now()
	if !expires.After(now) || expires.Sub(now) > maxAttorneyTerm {
		fields["expires"] = msgAttorneyExpiry
	}
	scope = strings.TrimSpace(scope)
	if scope == "" || utf8.RuneCountInString(scope) > 200 {
		fields["scope"] = msgAttorneyScope
	}
	attorney, _, err := s.findForLogin(ctx, "pinfl", strings.TrimSpace(pinfl))
	switch {
	case apperr.Is(err, apperr.ENOTFOUND):
		fields["pinfl"] = msgAttorneyPerson
	case err != nil:
		return err
	case attorney.ID == actor.User.ID:
		fields["pinfl"] = msgAttorneyHimself
	}
	if len(fields) > 0 {
		return apperr.Invalid(msgFormInvalid, fields)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_representations (user_id, org_id, basis, scope, expires_at, created_at)
			VALUES ($1, $2, 'attorney', $3, $4, $5)
			ON CONFLICT (user_id, org_id) DO UPDATE SET scope = excluded.scope, expires_at = excluded.expires_at
			WHERE identity_representations.basis = 'attorney'`, attorney.ID, orgID, scope, expires, now); err != nil {
			return err
		}
		if err := grantRole(ctx, tx, attorney.ID, Grant{Role: RoleBusinessRep}, now, actor.User.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor.User.ID, Action: "identity.attorney.granted", ObjectType: "organisation",
			ObjectID: orgID, Details: map[string]any{"attorney": attorney.ID, "scope": scope, "expires": expires.Format(time.DateOnly)}})
	})
}

// RevokeAttorney ends a power of attorney before its expiry.
func (s *Service) RevokeAttorney(ctx context.Context, actor *Principal, orgID, userID string) error {
	if ok, err := s.isDirector(ctx, actor.User.ID, orgID); err != nil || !ok {
		if err == nil {
			err = apperr.New(apperr.EFORBIDDEN, msgNotDirector)
		}
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM identity_representations WHERE user_id = $1 AND org_id = $2 AND basis = 'attorney'`, userID, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.ENOTFOUND, errNoSuchAccount)
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor.User.ID, Action: "identity.attorney.revoked", ObjectType: "organisation",
			ObjectID: orgID, Details: map[string]any{"attorney": userID}})
	})
}
