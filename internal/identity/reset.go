package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/identity/password"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// Notifier sends text messages; the message is queued in the caller's
// transaction, so it goes out exactly when the change commits.
type Notifier interface {
	SendSMS(ctx context.Context, tx *sql.Tx, phone, text string) error
}

// Password reset limits: a code lives resetTTL, allows maxResetAttempts
// guesses, and one identifier gets at most one code per resetInterval.
const (
	resetTTL         = 10 * time.Minute
	maxResetAttempts = 5
	resetInterval    = time.Minute
	msgResetWrong    = "identity.reset.code_wrong"
)

// UseNotifier connects the service to the channel that sends one-time
// codes by SMS.
func (s *Service) UseNotifier(n Notifier) { s.notifier = n }

// RequestPasswordReset sends a one-time code to the phone of the account an
// identifier names. It answers the same whether or not such an account
// exists, and sends at most one code per identifier a minute, so it reveals
// nothing and cannot be used to flood a phone.
func (s *Service) RequestPasswordReset(ctx context.Context, identifier string) error {
	if s.notifier == nil {
		return errors.New("password reset: no SMS channel configured")
	}
	key, isPINFL := loginKey(identifier)
	throttleKey := "reset:" + key
	now := s.clock.Now()
	if until, err := s.lockedUntil(ctx, throttleKey); err != nil || until.After(now) {
		return err
	}
	col, value := "phone", strings.TrimPrefix(key, "phone:")
	if isPINFL {
		col, value = "pinfl", strings.TrimPrefix(key, "pinfl:")
	}
	u, _, err := s.findForLogin(ctx, col, value)
	if apperr.Is(err, apperr.ENOTFOUND) {
		u = nil
	} else if err != nil {
		return err
	}
	code, err := sixDigits()
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_login_throttle (key, failures, locked_until, updated_at) VALUES ($1, 0, $2, $3)
			ON CONFLICT (key) DO UPDATE SET locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
			throttleKey, now.Add(resetInterval), now); err != nil {
			return err
		}
		if u == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_reset_codes (user_id, code_hash, attempts, expires_at) VALUES ($1, $2, 0, $3)
			ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0, expires_at = excluded.expires_at`,
			u.ID, hashToken(u.ID+":"+code), now.Add(resetTTL)); err != nil {
			return err
		}
		loc, _ := i18n.ParseLocale(u.Locale)
		if err := s.notifier.SendSMS(ctx, tx, u.Phone, s.texts.T(loc, "identity.reset.sms", code)); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: u.ID, Action: "identity.password.reset_requested", ObjectType: "user", ObjectID: u.ID})
	})
}

// sixDigits is a uniformly random six-digit code.
func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// ResetPassword sets a new password with the code from the SMS. A wrong or
// expired code, or an unknown identifier, is the same EINVALID; after
// maxResetAttempts wrong codes the code is void. On success every session of
// the account ends, since whoever knew the old password is signed out.
func (s *Service) ResetPassword(ctx context.Context, identifier, code, newPassword, confirm string) error {
	key, isPINFL := loginKey(identifier)
	col, value := "phone", strings.TrimPrefix(key, "phone:")
	if isPINFL {
		col, value = "pinfl", strings.TrimPrefix(key, "pinfl:")
	}
	wrong := apperr.Invalid(msgFormInvalid, map[string]string{"code": msgResetWrong})
	u, _, err := s.findForLogin(ctx, col, value)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return wrong
	} else if err != nil {
		return err
	}
	if err := password.Check(newPassword, u.FirstName, u.LastName, u.PINFL, strings.TrimPrefix(u.Phone, "+998")); err != nil {
		return apperr.Invalid(msgFormInvalid, map[string]string{"password": apperrMessage(err)})
	}
	if newPassword != confirm {
		return apperr.Invalid(msgFormInvalid, map[string]string{"confirm": msgConfirm})
	}
	hash, err := password.Hash(newPassword, s.hashing)
	if err != nil {
		return err
	}
	var failed bool
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var stored string
		var attempts int
		var expires time.Time
		err := tx.QueryRowContext(ctx, `SELECT code_hash, attempts, expires_at FROM identity_reset_codes WHERE user_id = $1`, u.ID).
			Scan(&stored, &attempts, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return wrong
		}
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if !now.Before(expires) || attempts >= maxResetAttempts {
			return wrong
		}
		if subtle.ConstantTimeCompare([]byte(stored), []byte(hashToken(u.ID+":"+strings.TrimSpace(code)))) != 1 {
			failed = true
			_, err := tx.ExecContext(ctx, `UPDATE identity_reset_codes SET attempts = attempts + 1 WHERE user_id = $1`, u.ID)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, now, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, now, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_reset_codes WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_login_throttle WHERE key IN ($1, $2)`, "pinfl:"+u.PINFL, "phone:"+u.Phone); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: u.ID, Action: "identity.password.reset", ObjectType: "user", ObjectID: u.ID})
	})
	if err != nil {
		return err
	}
	if failed {
		return wrong
	}
	return nil
}
