// Package apperr is the one error type of egov. Every module returns *Error for
// conditions a caller or a user must understand (bad input, not found, conflict,
// permission); anything else is an internal error whose cause is logged and never
// shown. The web layer maps codes to HTTP status in one place.
package apperr

import (
	"errors"
	"fmt"
)

// Error codes. They are stable strings because they appear in API problem
// documents and logs.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOMANY      = "too_many_requests"
	EINTERNAL     = "internal"
)

// Error is an application error with a code, a message that is safe to show,
// and optional per-field messages for forms. Message and Fields hold i18n keys
// or plain text; the web layer translates keys it knows.
type Error struct {
	Code    string
	Message string
	// Fields maps a form field name to its message.
	Fields map[string]string
	// Args are substituted into a translated Message.
	Args []any
	// Err is the underlying cause, kept for logs; it is never shown.
	Err error
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Error implements error.
func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// New returns an *Error with the code and message.
func New(code, message string, args ...any) *Error {
	return &Error{Code: code, Message: message, Args: args}
}

// Invalid returns an EINVALID error carrying field messages.
func Invalid(message string, fields map[string]string) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// Code returns the code of the first *Error in err's chain, EINTERNAL for any
// other non-nil error and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Is reports whether err carries the code.
func Is(err error, code string) bool { return Code(err) == code }
