package uploads

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/db"
	"gocloud.dev/gcerrors"
)

// cleanupBatch is how many files DeleteUnclaimed removes per round.
const cleanupBatch = 500

// DeleteUnclaimed removes the files created before olderThan that no
// application claimed — attachments of abandoned drafts — content and row,
// and returns how many it removed. It is a housekeeping chore: safe to run
// on several nodes at once and to interrupt. Files are first marked, in one
// transaction that a concurrent Claim either precedes (the file is kept)
// or follows (the claim finds nothing); from then on they are not found.
// Then the content of each is deleted, and only after that its row, so a
// failure leaves a marked row that the next run finishes, never a row
// without content nor content nobody can reach. An error for some files
// does not stop the others; it is returned with the count of those removed.
func (s *Service) DeleteUnclaimed(ctx context.Context, olderThan time.Time) (int, error) {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE uploads_files SET deleted_at = $1
			WHERE claimed_by = '' AND created_at < $2 AND deleted_at IS NULL`, s.now(), olderThan.UTC())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete unclaimed uploads: %w", err)
	}
	var (
		removed int
		failed  []error
	)
	for after := ""; ; {
		batch, err := s.deleting(ctx, after)
		if err != nil {
			return removed, fmt.Errorf("delete unclaimed uploads: %w", errors.Join(append(failed, err)...))
		}
		var gone []string
		for _, f := range batch {
			if err := s.bucket.Delete(ctx, f.key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				failed = append(failed, fmt.Errorf("content of %s: %w", f.ID, err))
				continue
			}
			gone = append(gone, f.ID)
		}
		n, err := s.deleteRows(ctx, gone)
		removed += n
		if err != nil {
			return removed, fmt.Errorf("delete unclaimed uploads: %w", errors.Join(append(failed, err)...))
		}
		if len(batch) < cleanupBatch {
			break
		}
		after = batch[len(batch)-1].ID
	}
	if len(failed) > 0 {
		return removed, fmt.Errorf("delete unclaimed uploads: %w", errors.Join(failed...))
	}
	return removed, nil
}

// deleting returns the next files marked for deletion after the ID after,
// in ID order, with only their ID and key.
func (s *Service) deleting(ctx context.Context, after string) ([]File, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, blob_key FROM uploads_files
		WHERE deleted_at IS NOT NULL AND id > $1 ORDER BY id LIMIT $2`, after, cleanupBatch)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(r interface{ Scan(...any) error }) (File, error) {
		var f File
		return f, r.Scan(&f.ID, &f.key)
	})
}

// deleteRows deletes the marked rows of ids, whose content is gone, and
// returns how many there were: another node may have deleted some.
func (s *Service) deleteRows(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `DELETE FROM uploads_files WHERE id = $1 AND deleted_at IS NOT NULL`, id)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
