package identity

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
)

const userColumns = `id, pinfl, first_name, last_name, name_cyrl, birth_date, phone, email, locale, created_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*User, error) {
	u := &User{}
	dest := append([]any{&u.ID, &u.PINFL, &u.FirstName, &u.LastName, &u.NameCyrl, &u.BirthDate, &u.Phone, &u.Email, &u.Locale, &u.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, db.MapError(err)
	}
	return u, nil
}

func createUser(ctx context.Context, tx *sql.Tx, u *User, hash string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO identity_users (`+userColumns+`, password_hash, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)`,
		u.ID, u.PINFL, u.FirstName, u.LastName, u.NameCyrl, u.BirthDate, u.Phone, u.Email, u.Locale, u.CreatedAt, hash)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

func grantRole(ctx context.Context, tx *sql.Tx, userID string, g Grant, now time.Time, by string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO identity_grants (user_id, role, agency_id, granted_at, granted_by)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, role, agency_id) DO NOTHING`, userID, string(g.Role), g.AgencyID, now, by)
	if err != nil {
		return fmt.Errorf("grant role: %w", err)
	}
	return nil
}

// findForLogin returns the user whose column (pinfl or phone) is value, with
// the password hash.
func (s *Service) findForLogin(ctx context.Context, column, value string) (*User, string, error) {
	var hash string
	u, err := scanUser(s.db.Reader().QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM identity_users WHERE `+column+` = $1`, value), &hash)
	if err != nil {
		return nil, "", err
	}
	return u, hash, nil
}

// FindUserByID returns a user; ENOTFOUND if there is none.
func (s *Service) FindUserByID(ctx context.Context, id string) (*User, error) {
	u, err := scanUser(s.db.Reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM identity_users WHERE id = $1`, id))
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, apperr.New(apperr.ENOTFOUND, errNoSuchAccount)
	}
	return u, err
}

// FindUserByPINFL returns the user with the PINFL; ENOTFOUND if there is
// none.
func (s *Service) FindUserByPINFL(ctx context.Context, pinfl string) (*User, error) {
	u, err := scanUser(s.db.Reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM identity_users WHERE pinfl = $1`, pinfl))
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, apperr.New(apperr.ENOTFOUND, errNoSuchAccount)
	}
	return u, err
}

type sessionRow struct {
	Session
	revoked bool
}

// findSession returns a session and its user by the token's hash.
func (s *Service) findSession(ctx context.Context, id string) (*sessionRow, *User, error) {
	var ss sessionRow
	var revoked sql.NullTime
	u, err := scanUser(s.db.Reader().QueryRowContext(ctx, `SELECT u.id, u.pinfl, u.first_name, u.last_name, u.name_cyrl, u.birth_date,
			u.phone, u.email, u.locale, u.created_at,
			s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent, s.acting_org_id, s.revoked_at, s.method
		FROM identity_sessions s JOIN identity_users u ON u.id = s.user_id WHERE s.id = $1`, id),
		&ss.ID, &ss.UserID, &ss.CreatedAt, &ss.LastSeenAt, &ss.ExpiresAt, &ss.IP, &ss.UserAgent, &ss.ActingOrgID, &revoked, &ss.Method)
	if err != nil {
		if apperr.Is(err, apperr.ENOTFOUND) {
			return nil, nil, apperr.New(apperr.ENOTFOUND, msgSessionEnded)
		}
		return nil, nil, fmt.Errorf("find session: %w", err)
	}
	ss.revoked = revoked.Valid
	return &ss, u, nil
}

// Grants lists the roles a user holds.
func (s *Service) Grants(ctx context.Context, userID string) ([]Grant, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT role, agency_id FROM identity_grants WHERE user_id = $1 ORDER BY role, agency_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("grants: %w", err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.Role, &g.AgencyID); err != nil {
			return nil, fmt.Errorf("grants: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Representations lists the organisations a user may act for, leaving out
// powers of attorney that have expired.
func (s *Service) Representations(ctx context.Context, userID string) ([]Representation, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT o.id, o.stir, o.name, o.legal_form, o.address, r.basis, r.scope, r.expires_at
		FROM identity_representations r JOIN identity_orgs o ON o.id = r.org_id
		WHERE r.user_id = $1 AND (r.expires_at IS NULL OR r.expires_at > $2) ORDER BY o.name`, userID, s.clock.Now())
	if err != nil {
		return nil, fmt.Errorf("representations: %w", err)
	}
	defer rows.Close()
	var out []Representation
	for rows.Next() {
		var r Representation
		var exp sql.NullTime
		if err := rows.Scan(&r.Org.ID, &r.Org.STIR, &r.Org.Name, &r.Org.LegalForm, &r.Org.Address, &r.Basis, &r.Scope, &exp); err != nil {
			return nil, fmt.Errorf("representations: %w", err)
		}
		if exp.Valid {
			t := exp.Time
			r.ExpiresAt = &t
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
