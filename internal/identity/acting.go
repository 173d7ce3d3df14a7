package identity

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

const msgNotRepresentative = "identity.acting.not_representative"

// ActAs switches the person of a session to act for an organisation they
// represent (orgID "" to act for themselves). Acting for someone changes
// what the person may do, so the session is replaced by a new one — a new
// token — and the old one ends. Another organisation, or one whose power of
// attorney has expired, is EFORBIDDEN.
func (s *Service) ActAs(ctx context.Context, p *Principal, orgID string) (string, error) {
	if orgID != "" {
		reps, err := s.Representations(ctx, p.User.ID)
		if err != nil {
			return "", err
		}
		found := false
		for _, r := range reps {
			found = found || r.Org.ID == orgID
		}
		if !found {
			return "", apperr.New(apperr.EFORBIDDEN, msgNotRepresentative)
		}
	}
	token, id := newToken()
	now := s.clock.Now()
	old := p.Session
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, acting_org_id, method)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, p.User.ID, old.CreatedAt, now, old.ExpiresAt, old.IP, old.UserAgent, orgID, old.Method); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET revoked_at = $1 WHERE id = $2`, now, old.ID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: p.User.ID, Action: "identity.acting_as", ObjectType: "organisation", ObjectID: orgID})
	})
	if err != nil {
		return "", fmt.Errorf("act as: %w", err)
	}
	return token, nil
}
