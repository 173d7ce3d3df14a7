package uploads

import (
	"context"
	"database/sql"
	"errors"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
)

const fileColumns = `id, owner_id, name, content_type, size, sha256, blob_key, claimed_by, created_at`

// insertFile writes f's row.
func insertFile(ctx context.Context, tx *sql.Tx, f File) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO uploads_files (`+fileColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		f.ID, f.OwnerID, f.Name, f.ContentType, f.Size, f.SHA256, f.key, f.ClaimedBy, f.CreatedAt)
	return err
}

// findFile returns the one live file (not being deleted) matching where (a
// condition with $n placeholders for args), read with q. No match is
// ENOTFOUND.
func findFile(ctx context.Context, q db.Runner, where string, args ...any) (File, error) {
	var f File
	err := q.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM uploads_files WHERE deleted_at IS NULL AND `+where, args...).
		Scan(&f.ID, &f.OwnerID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.key, &f.ClaimedBy, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, apperr.New(apperr.ENOTFOUND, "error.not_found")
	}
	if err != nil {
		return File{}, err
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return f, nil
}
