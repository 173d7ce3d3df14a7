package db

import (
	"database/sql"
	"errors"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite extended result codes for constraint violations.
const (
	sqliteConstraintCheck      = 275
	sqliteConstraintForeignKey = 787
	sqliteConstraintNotNull    = 1299
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// MapError turns driver errors into apperr errors, the same way for both
// engines: a unique or primary-key violation is ECONFLICT, a foreign-key, not-null
// or check violation is EINVALID, sql.ErrNoRows is ENOTFOUND. The driver error is
// kept as the cause. Errors that already carry an apperr code, and other
// errors, are returned unchanged.
func MapError(err error) error {
	if err == nil || apperr.As(err) != nil {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &apperr.Error{Code: apperr.ENOTFOUND, Message: "error.not_found", Err: err}
	}
	var code string
	var pg *pgconn.PgError
	var lite *sqlite.Error
	switch {
	case errors.As(err, &pg):
		switch pg.Code {
		case "23505":
			code = apperr.ECONFLICT
		case "23503", "23502", "23514":
			code = apperr.EINVALID
		}
	case errors.As(err, &lite):
		switch lite.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
			code = apperr.ECONFLICT
		case sqliteConstraintForeignKey, sqliteConstraintNotNull, sqliteConstraintCheck:
			code = apperr.EINVALID
		}
	}
	switch code {
	case apperr.ECONFLICT:
		return &apperr.Error{Code: code, Message: "error.conflict", Err: err}
	case apperr.EINVALID:
		return &apperr.Error{Code: code, Message: "error.invalid_reference", Err: err}
	}
	return err
}
