package uploads

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/text"
	gblob "gocloud.dev/blob"
)

// Store checks u and keeps it, returning the stored File whose ID the
// caller puts in the application's values. It returns EINVALID, with one of
// the Msg keys, for a file over the size limit, an empty one, one whose
// bytes are not an allowed type, one whose declared type disagrees with its
// bytes, and one the Scanner refuses (with the scanner's key). The content
// is written to the bucket before the row, so a File is never returned, nor
// found, without its content; if the row cannot be written the content is
// removed again.
func (s *Service) Store(ctx context.Context, u Upload) (File, error) {
	if u.Owner == "" {
		return File{}, errors.New("store upload: no owner")
	}
	f, body, err := s.inspect(u)
	if err != nil {
		return File{}, err
	}
	f.ID, f.key, f.CreatedAt = rand.Text(), "uploads/"+rand.Text(), s.now()
	if err := s.scan(ctx, f, body); err != nil {
		return File{}, err
	}
	if err := s.bucket.WriteAll(ctx, f.key, body, &gblob.WriterOptions{ContentType: f.ContentType}); err != nil {
		return File{}, fmt.Errorf("store upload: %w", err)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error { return insertFile(ctx, tx, f) })
	if err != nil {
		// The request may be gone; the content must go all the same.
		if derr := s.bucket.Delete(context.WithoutCancel(ctx), f.key); derr != nil {
			s.log.ErrorContext(ctx, "remove content of unsaved upload", "key", f.key, "err", derr)
		}
		return File{}, fmt.Errorf("store upload: %w", err)
	}
	return f, nil
}

// inspect reads u's body and decides whether it may be stored: not over the
// limit, not empty, its bytes of an allowed type that agrees with the
// declared one. It returns the File without ID, key and time, and the body.
func (s *Service) inspect(u Upload) (File, []byte, error) {
	var body []byte
	if u.Body != nil {
		var err error
		if body, err = io.ReadAll(io.LimitReader(u.Body, s.max+1)); err != nil {
			return File{}, nil, fmt.Errorf("read upload: %w", err)
		}
	}
	switch {
	case int64(len(body)) > s.max && s.max >= 1<<20:
		return File{}, nil, apperr.New(apperr.EINVALID, MsgTooLargeMB, s.max>>20)
	case int64(len(body)) > s.max:
		return File{}, nil, apperr.New(apperr.EINVALID, MsgTooLargeKB, s.max>>10)
	case len(body) == 0:
		return File{}, nil, apperr.New(apperr.EINVALID, MsgEmpty)
	}
	ct := Sniff(body)
	if !slices.Contains(s.types, ct) {
		return File{}, nil, apperr.New(apperr.EINVALID, MsgType, labels(s.types))
	}
	switch declared, ok := declaredType(u.Declared); {
	case !ok:
		return File{}, nil, apperr.New(apperr.EINVALID, MsgMismatch, printable(u.Declared), kinds[ct].label)
	case declared != "" && declared != ct:
		return File{}, nil, apperr.New(apperr.EINVALID, MsgMismatch, label(declared), kinds[ct].label)
	}
	sum := sha256.Sum256(body)
	return File{OwnerID: u.Owner, Name: displayName(u.Name, ct), ContentType: ct,
		Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}, body, nil
}

// scan runs the Scanner on f: its refusal is logged, for the security
// team, and becomes EINVALID with its message; a scanner that fails
// refuses the file too, as an internal error.
func (s *Service) scan(ctx context.Context, f File, body []byte) error {
	err := s.scanner.Scan(ctx, f, body)
	if err == nil {
		return nil
	}
	if e := apperr.As(err); e != nil {
		s.log.WarnContext(ctx, "upload refused by scanner", "owner", f.OwnerID, "sha256", f.SHA256, "verdict", e.Message)
		return &apperr.Error{Code: apperr.EINVALID, Message: e.Message, Args: e.Args, Err: err}
	}
	return fmt.Errorf("scan upload: %w", err)
}

// label names the declared type t to people: "PDF", or the media type.
func label(t string) string {
	if k, ok := kinds[t]; ok {
		return k.label
	}
	return printable(t)
}

// printable is s from outside made safe to quote in a message: printable
// characters only, at most 60 bytes, "?" for nothing.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, strings.ToValidUTF8(s, ""))
	if s == "" {
		return "?"
	}
	return text.Clip(s, 60)
}
