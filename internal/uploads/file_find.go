package uploads

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
)

// Find returns the owner's file id. Another person's file is ENOTFOUND,
// exactly like a missing one, so the answer tells nothing about it.
func (s *Service) Find(ctx context.Context, owner, id string) (File, error) {
	f, err := findFile(ctx, s.db.Reader(), "id = $1 AND owner_id = $2", id, owner)
	if err != nil {
		return File{}, fmt.Errorf("find upload: %w", err)
	}
	return f, nil
}

// Open returns the owner's file id and its content, which the caller must
// close; another person's file is ENOTFOUND, as in Find.
func (s *Service) Open(ctx context.Context, owner, id string) (File, io.ReadCloser, error) {
	f, err := s.Find(ctx, owner, id)
	if err != nil {
		return File{}, nil, err
	}
	return s.open(ctx, f)
}

// OpenForStaff returns file id and its content, whoever owns it, or
// ENOTFOUND. It checks no permission: the caller must have checked that
// the officer may see it, and logs the access to personal data.
func (s *Service) OpenForStaff(ctx context.Context, id string) (File, io.ReadCloser, error) {
	f, err := findFile(ctx, s.db.Reader(), "id = $1", id)
	if err != nil {
		return File{}, nil, fmt.Errorf("open upload: %w", err)
	}
	return s.open(ctx, f)
}

// open returns the content of f. Content missing for a row is an internal
// error: rows are written after their content and deleted before it.
func (s *Service) open(ctx context.Context, f File) (File, io.ReadCloser, error) {
	r, err := s.bucket.NewReader(ctx, f.key, nil)
	if err != nil {
		return File{}, nil, fmt.Errorf("open upload %s: %w", f.ID, err)
	}
	return f, r, nil
}

// checkBatch bounds the references Check asks about in one query, well
// under either engine's limit of placeholders.
const checkBatch = 500

// Check returns nil if every id is a file of owner's, as the handler of an
// application form checks the references in its file fields: a reference
// the platform did not issue, or issued to someone else, is refused with
// EINVALID (MsgUnknown) whose Fields map each refused id to MsgUnknown, for
// the caller to show at the field that holds it.
func (s *Service) Check(ctx context.Context, owner string, ids ...string) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	found := make(map[string]bool, len(ids))
	for batch := range slices.Chunk(ids, checkBatch) {
		args := []any{owner}
		marks := make([]string, len(batch))
		for i, id := range batch {
			args = append(args, id)
			marks[i] = "$" + strconv.Itoa(i+2)
		}
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM uploads_files
			WHERE owner_id = $1 AND deleted_at IS NULL AND id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return fmt.Errorf("check uploads: %w", err)
		}
		ok, err := db.Collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
		if err != nil {
			return fmt.Errorf("check uploads: %w", err)
		}
		for _, id := range ok {
			found[id] = true
		}
	}
	fields := map[string]string{}
	for _, id := range ids {
		if !found[id] {
			fields[id] = MsgUnknown
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid(MsgUnknown, fields)
	}
	return nil
}
