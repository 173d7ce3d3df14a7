package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/identity/totp"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// challengeTTL is how long a sign-in waits for its second factor, and
// maxChallengeAttempts how many wrong codes it takes before it is void.
const (
	challengeTTL         = 5 * time.Minute
	maxChallengeAttempts = 5
	recoveryCodeCount    = 10
	totpIssuer           = "egov"
)

// Message keys of the second factor.
const (
	msgCodeWrong     = "identity.2fa.code_wrong"
	msgChallengeGone = "identity.2fa.challenge_gone"
	msgNotSetUp      = "identity.2fa.not_set_up"
)

// TOTPSetup is an authenticator secret being set up: shown to the person to
// enter in their app, then confirmed with a code from it.
type TOTPSetup struct {
	Secret string // base32, for typing into the app
	URI    string // otpauth:// link, for apps that open it
}

// TwoFactorEnabled tells whether the person signs in with an authenticator
// code as well as the password.
func (s *Service) TwoFactorEnabled(ctx context.Context, userID string) (bool, error) {
	var confirmed sql.NullTime
	err := s.db.Reader().QueryRowContext(ctx, `SELECT confirmed_at FROM identity_totp WHERE user_id = $1`, userID).Scan(&confirmed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("two-factor state: %w", err)
	}
	return confirmed.Valid, nil
}

// BeginTOTP starts (or restarts) setting up an authenticator for a person who
// has none confirmed yet.
func (s *Service) BeginTOTP(ctx context.Context, u *User) (*TOTPSetup, error) {
	secret, err := totp.NewSecret()
	if err != nil {
		return nil, err
	}
	enc := totp.EncodeSecret(secret)
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO identity_totp (user_id, secret, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
			WHERE identity_totp.confirmed_at IS NULL`, u.ID, enc, s.clock.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.ECONFLICT, "identity.2fa.already_enabled")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("begin two-factor: %w", err)
	}
	return &TOTPSetup{Secret: enc, URI: totp.KeyURI(totpIssuer, u.Phone, secret)}, nil
}

// PendingTOTP returns the setup in progress, or ENOTFOUND.
func (s *Service) PendingTOTP(ctx context.Context, u *User) (*TOTPSetup, error) {
	var enc string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT secret FROM identity_totp WHERE user_id = $1 AND confirmed_at IS NULL`, u.ID).Scan(&enc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, msgNotSetUp)
	}
	if err != nil {
		return nil, fmt.Errorf("pending two-factor: %w", err)
	}
	secret, err := totp.DecodeSecret(enc)
	if err != nil {
		return nil, err
	}
	return &TOTPSetup{Secret: enc, URI: totp.KeyURI(totpIssuer, u.Phone, secret)}, nil
}

// ConfirmTOTP switches the second factor on once the person proves their app
// shows the right code, and returns fresh recovery codes to be shown once.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string) ([]string, error) {
	codes, err := totp.NewRecoveryCodes(recoveryCodeCount)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		secret, last, err := totpSecret(ctx, tx, userID, false)
		if err != nil {
			return err
		}
		step, ok := totp.Verify(secret, code, s.clock.Now(), last)
		if !ok {
			return apperr.Invalid(msgCodeWrong, map[string]string{"code": msgCodeWrong})
		}
		now := s.clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE identity_totp SET confirmed_at = $1, last_step = $2 WHERE user_id = $3`, now, step, userID); err != nil {
			return err
		}
		if err := replaceRecoveryCodes(ctx, tx, userID, codes); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: userID, Action: "identity.2fa.enabled", ObjectType: "user", ObjectID: userID})
	})
	if err != nil {
		return nil, fmt.Errorf("confirm two-factor: %w", err)
	}
	return codes, nil
}

// totpSecret reads a person's authenticator secret and the last step used,
// either the confirmed one or the one being set up; ENOTFOUND if none.
func totpSecret(ctx context.Context, tx *sql.Tx, userID string, confirmed bool) ([]byte, int64, error) {
	cond := "confirmed_at IS NULL"
	if confirmed {
		cond = "confirmed_at IS NOT NULL"
	}
	var enc string
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT secret, last_step FROM identity_totp WHERE user_id = $1 AND `+cond, userID).Scan(&enc, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, apperr.New(apperr.ENOTFOUND, msgNotSetUp)
	}
	if err != nil {
		return nil, 0, err
	}
	secret, err := totp.DecodeSecret(enc)
	return secret, last, err
}

func replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, userID string, codes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM identity_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, totp.HashRecoveryCode(c)); err != nil {
			return err
		}
	}
	return nil
}

// DisableTOTP switches the second factor off after checking a current code
// (or a recovery code), so a stolen session alone cannot remove it.
func (s *Service) DisableTOTP(ctx context.Context, userID, code string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkSecondFactor(ctx, tx, userID, code); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_totp WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: userID, Action: "identity.2fa.disabled", ObjectType: "user", ObjectID: userID})
	})
}

// checkSecondFactor accepts a current authenticator code, never the same
// one twice, or an unused recovery code, which it uses up.
func (s *Service) checkSecondFactor(ctx context.Context, tx *sql.Tx, userID, code string) error {
	secret, last, err := totpSecret(ctx, tx, userID, true)
	if err != nil {
		return err
	}
	if step, ok := totp.Verify(secret, code, s.clock.Now(), last); ok {
		_, err := tx.ExecContext(ctx, `UPDATE identity_totp SET last_step = $1 WHERE user_id = $2`, step, userID)
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE identity_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
		s.clock.Now(), userID, totp.HashRecoveryCode(totp.NormalizeRecoveryCode(code)))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	return apperr.Invalid(msgCodeWrong, map[string]string{"code": msgCodeWrong})
}

// StartChallenge records that the password of u was right and the second
// factor is due; the token goes into a short-lived cookie.
func (s *Service) StartChallenge(ctx context.Context, u *User, next string) (string, error) {
	token, id := newToken()
	_, err := s.db.Writer().ExecContext(ctx, `INSERT INTO identity_login_challenges (id, user_id, next, expires_at) VALUES ($1, $2, $3, $4)`,
		id, u.ID, next, s.clock.Now().Add(challengeTTL))
	if err != nil {
		return "", fmt.Errorf("start challenge: %w", err)
	}
	return token, nil
}

// AnswerChallenge checks the second factor of a pending sign-in. Right: the
// challenge is used up and the user and where to go next are returned. Wrong:
// EINVALID, and after maxChallengeAttempts wrong codes the challenge is void
// (ENOTFOUND), so the person must start again with the password.
func (s *Service) AnswerChallenge(ctx context.Context, token, code string) (*User, string, error) {
	id := hashToken(token)
	var userID, next string
	var wrong error
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var attempts int
		var expires time.Time
		err := tx.QueryRowContext(ctx, `SELECT user_id, next, attempts, expires_at FROM identity_login_challenges WHERE id = $1`, id).
			Scan(&userID, &next, &attempts, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (!s.clock.Now().Before(expires) || attempts >= maxChallengeAttempts)) {
			return apperr.New(apperr.ENOTFOUND, msgChallengeGone)
		}
		if err != nil {
			return err
		}
		if err := s.checkSecondFactor(ctx, tx, userID, code); err != nil {
			if !apperr.Is(err, apperr.EINVALID) {
				return err
			}
			// Count the wrong code and commit that, then report it.
			wrong = err
			_, err := tx.ExecContext(ctx, `UPDATE identity_login_challenges SET attempts = attempts + 1 WHERE id = $1`, id)
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM identity_login_challenges WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if wrong != nil {
		s.appendAudit(ctx, audit.Record{Actor: userID, Action: "identity.login.2fa_failed", ObjectType: "user", ObjectID: userID})
		return nil, "", wrong
	}
	u, err := s.FindUserByID(ctx, userID)
	return u, next, err
}
