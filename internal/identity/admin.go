package identity

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n/translit"
)

const (
	msgRoleUnknown   = "identity.admin.role_unknown"
	msgAgencyNeeded  = "identity.admin.agency_needed"
	msgRoleForbidden = "identity.admin.role_forbidden"
)

// SearchUsers finds people by name (in either script), PINFL or phone,
// newest first; an empty query lists everyone.
func (s *Service) SearchUsers(ctx context.Context, query string, limit int) ([]User, error) {
	q := strings.TrimSpace(query)
	where, args := "", []any{}
	if q != "" {
		like := "%" + strings.ToLower(translit.ToLatin(q)) + "%"
		phone, _ := NormalizePhone(q)
		where = `WHERE lower(last_name || ' ' || first_name) LIKE $1 OR lower(first_name || ' ' || last_name) LIKE $1 OR pinfl = $2 OR phone = $3`
		args = append(args, like, q, phone)
	}
	args = append(args, limit)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+userColumns+` FROM identity_users `+where+
		fmt.Sprintf(` ORDER BY created_at DESC, id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("search users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// mayGrant tells whether actor may give or take g: a platform administrator
// any role; an agency administrator only agency roles inside their agency.
func mayGrant(actor *Principal, g Grant) bool {
	if actor.Can(PermUsersAdmin, "") {
		return true
	}
	return g.Role.AgencyScoped() && g.AgencyID != "" && actor.Can(PermAgencyStaff, g.AgencyID)
}

func checkGrant(actor *Principal, g Grant) error {
	switch {
	case !g.Role.Valid():
		return apperr.Invalid(msgRoleUnknown, map[string]string{"role": msgRoleUnknown})
	case g.Role.AgencyScoped() && g.AgencyID == "":
		return apperr.Invalid(msgAgencyNeeded, map[string]string{"agency": msgAgencyNeeded})
	case !g.Role.AgencyScoped() && g.AgencyID != "":
		return apperr.Invalid(msgRoleUnknown, map[string]string{"agency": msgRoleUnknown})
	case !mayGrant(actor, g):
		return apperr.New(apperr.EFORBIDDEN, msgRoleForbidden)
	}
	return nil
}

// GrantRole gives a person a role (inside an agency of the register for
// agency roles; an unknown agency is EINVALID). The actor must be allowed to
// (EFORBIDDEN); the change is audited.
func (s *Service) GrantRole(ctx context.Context, actor *Principal, userID string, g Grant) error {
	if err := checkGrant(actor, g); err != nil {
		return err
	}
	if g.AgencyID != "" {
		if err := s.checkAgency(ctx, g.AgencyID); err != nil {
			return err
		}
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if ok, err := db.Exists(ctx, tx, `SELECT 1 FROM identity_users WHERE id = $1`, userID); err != nil || !ok {
			if err == nil {
				err = apperr.New(apperr.ENOTFOUND, errNoSuchAccount)
			}
			return err
		}
		if err := grantRole(ctx, tx, userID, g, s.clock.Now(), actor.User.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor.User.ID, Action: "identity.role.granted", ObjectType: "user", ObjectID: userID,
			Details: map[string]any{"role": string(g.Role), "agency": g.AgencyID}})
	})
}

// RevokeRole takes a role away, under the same rules as GrantRole.
func (s *Service) RevokeRole(ctx context.Context, actor *Principal, userID string, g Grant) error {
	if err := checkGrant(actor, g); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM identity_grants WHERE user_id = $1 AND role = $2 AND agency_id = $3`, userID, string(g.Role), g.AgencyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.ENOTFOUND, errNoSuchAccount)
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor.User.ID, Action: "identity.role.revoked", ObjectType: "user", ObjectID: userID,
			Details: map[string]any{"role": string(g.Role), "agency": g.AgencyID}})
	})
}

// StaffOf lists the people holding a role inside an agency, by name: the
// colleagues a task can be handed to.
func (s *Service) StaffOf(ctx context.Context, agencyID string) ([]User, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+userColumns+` FROM identity_users WHERE id IN
		(SELECT user_id FROM identity_grants WHERE agency_id = $1) ORDER BY last_name, first_name, id`, agencyID)
	if err != nil {
		return nil, fmt.Errorf("staff of %s: %w", agencyID, err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("staff of %s: %w", agencyID, err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}
