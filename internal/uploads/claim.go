package uploads

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Claim marks the owner's file id as used by by (an application ID) in the
// caller's transaction, which stores the application, so that the file is
// kept exactly when the application is. Claiming a file again for the same
// by does nothing. It returns ENOTFOUND for a file that is not the owner's
// (as Find) or is being removed, and ECONFLICT (MsgClaimed) for a file
// another application uses.
func (s *Service) Claim(ctx context.Context, tx *sql.Tx, owner, id, by string) error {
	if by == "" {
		return errors.New("claim upload: no application")
	}
	res, err := tx.ExecContext(ctx, `UPDATE uploads_files SET claimed_by = $1
		WHERE id = $2 AND owner_id = $3 AND deleted_at IS NULL AND claimed_by = ''`, by, id, owner)
	if err != nil {
		return fmt.Errorf("claim upload: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("claim upload: %w", err)
	} else if n == 1 {
		return nil
	}
	f, err := findFile(ctx, tx, "id = $1 AND owner_id = $2", id, owner)
	switch {
	case err != nil:
		return fmt.Errorf("claim upload: %w", err)
	case f.ClaimedBy != by:
		return apperr.New(apperr.ECONFLICT, MsgClaimed)
	}
	return nil
}
