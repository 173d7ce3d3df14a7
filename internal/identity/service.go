package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/identity/password"
	"github.com/egovuz/egov/internal/identity/pinfl"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/i18n/translit"
	"github.com/egovuz/egov/internal/platform/text"
)

// Session lifetimes: a session ends after IdleTimeout without a request or
// AbsoluteTimeout after sign-in, whichever comes first.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
)

// Lockout: after maxFailures failed sign-ins for one identifier, it is locked
// for a period that doubles with every further failure, up to maxLockout.
const (
	maxFailures = 5
	maxLockout  = time.Hour
)

// Auditor records security-relevant actions, in the caller's transaction or
// on its own.
type Auditor interface {
	Record(ctx context.Context, tx *sql.Tx, r audit.Record) error
	Append(ctx context.Context, r audit.Record) error
}

// Service holds the accounts.
type Service struct {
	db       *db.DB
	clock    clock.Clock
	audit    Auditor
	agencies AgencyDirectory
	log      *slog.Logger
	// dummyHash is verified against when an identifier is unknown, so that
	// unknown and known accounts take the same time to refuse.
	dummyHash string
	hashing   password.Params
	notifier  Notifier
	// texts translates the messages the service itself writes (SMS).
	texts *i18n.Bundle
}

// NewService returns the account service; agencies is the register of
// state bodies that staff grants point at.
func NewService(d *db.DB, c clock.Clock, a Auditor, agencies AgencyDirectory, log *slog.Logger, hashing password.Params) (*Service, error) {
	if agencies == nil {
		return nil, errors.New("identity: no agency directory")
	}
	dummy, err := password.Hash("egov-timing-equaliser", hashing)
	if err != nil {
		return nil, err
	}
	texts, err := i18n.Load(Locales())
	if err != nil {
		return nil, err
	}
	return &Service{db: d, clock: c, audit: a, agencies: agencies, log: log, dummyHash: dummy, hashing: hashing, texts: texts}, nil
}

// Registration is what a citizen enters to open an account.
type Registration struct {
	PINFL     string
	FirstName string
	LastName  string
	Phone     string
	Email     string
	Password  string
	Confirm   string
	Locale    string
}

// Message keys of form errors.
const (
	msgRequired      = "identity.form.required"
	msgNameTooLong   = "identity.form.name_too_long"
	msgPhone         = "identity.form.phone"
	msgEmail         = "identity.form.email"
	msgConfirm       = "identity.form.confirm"
	msgPINFLTaken    = "identity.register.pinfl_taken"
	msgPhoneTaken    = "identity.register.phone_taken"
	msgLoginFailed   = "identity.login.failed"
	msgLoginLocked   = "identity.login.locked"
	msgFormInvalid   = "identity.form.invalid"
	msgSessionEnded  = "identity.session.not_found"
	errNoSuchAccount = "identity.user.not_found"
)

// NormalizePhone turns the ways people write an Uzbek mobile number
// ("90 123 45 67", "+998 (90) 123-45-67", "998901234567") into +998XXXXXXXXX.
func NormalizePhone(s string) (string, bool) {
	var digits strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '+' || r == '.':
		default:
			return "", false
		}
	}
	d := digits.String()
	if len(d) == 12 && strings.HasPrefix(d, "998") {
		d = d[3:]
	}
	if len(d) != 9 {
		return "", false
	}
	return "+998" + d, true
}

func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return len(s) <= 254 && at > 0 && at < len(s)-3 && strings.Contains(s[at:], ".") && !strings.ContainsAny(s, " \t\r\n<>\"")
}

// Register validates a registration and opens a citizen account. A bad field
// is EINVALID with a message per field; a PINFL or phone already registered
// is EINVALID on that field too, so the person learns what to fix.
func (s *Service) Register(ctx context.Context, in Registration) (*User, error) {
	fields := map[string]string{}
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	id, err := pinfl.ParsePINFL(in.PINFL, s.clock.Now())
	if err != nil {
		fields["pinfl"] = apperrMessage(err)
	}
	for name, v := range map[string]string{"first_name": in.FirstName, "last_name": in.LastName} {
		switch {
		case v == "":
			fields[name] = msgRequired
		case utf8.RuneCountInString(v) > 100:
			fields[name] = msgNameTooLong
		}
	}
	phone, ok := NormalizePhone(in.Phone)
	if !ok {
		fields["phone"] = msgPhone
	}
	in.Email = strings.TrimSpace(in.Email)
	if in.Email != "" && !validEmail(in.Email) {
		fields["email"] = msgEmail
	}
	if err := password.Check(in.Password, in.FirstName, in.LastName, in.PINFL, strings.TrimPrefix(phone, "+998")); err != nil {
		fields["password"] = apperrMessage(err)
	} else if in.Password != in.Confirm {
		fields["confirm"] = msgConfirm
	}
	if len(fields) > 0 {
		return nil, apperr.Invalid(msgFormInvalid, fields)
	}
	hash, err := password.Hash(in.Password, s.hashing)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	now := s.clock.Now()
	u := &User{ID: db.NewID(), PINFL: id.String(), FirstName: in.FirstName, LastName: in.LastName,
		NameCyrl: translit.ToCyrillic(in.FirstName + " " + in.LastName), BirthDate: id.BirthDate(),
		Phone: phone, Email: in.Email, Locale: in.Locale, CreatedAt: now}
	if u.Locale == "" {
		u.Locale = "uz-Latn"
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if taken, err := db.Exists(ctx, tx, `SELECT 1 FROM identity_users WHERE pinfl = $1`, u.PINFL); err != nil || taken {
			if taken {
				return apperr.Invalid(msgFormInvalid, map[string]string{"pinfl": msgPINFLTaken})
			}
			return err
		}
		if taken, err := db.Exists(ctx, tx, `SELECT 1 FROM identity_users WHERE phone = $1`, u.Phone); err != nil || taken {
			if taken {
				return apperr.Invalid(msgFormInvalid, map[string]string{"phone": msgPhoneTaken})
			}
			return err
		}
		if err := createUser(ctx, tx, u, hash); err != nil {
			return err
		}
		if err := grantRole(ctx, tx, u.ID, Grant{Role: RoleCitizen}, now, ""); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: u.ID, Action: "identity.user.registered", ObjectType: "user", ObjectID: u.ID})
	})
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	return u, nil
}

// apperrMessage is the message key of an apperr, for a form field.
func apperrMessage(err error) string {
	if e := apperr.As(err); e != nil {
		return e.Message
	}
	return msgFormInvalid
}

// loginKey is the throttle key of an identifier as typed: PINFL digits or
// a normalized phone, so "90 123 45 67" and "+998901234567" share a budget.
func loginKey(identifier string) (key string, isPINFL bool) {
	trimmed := strings.TrimSpace(identifier)
	if len(trimmed) == 14 && strings.Trim(trimmed, "0123456789") == "" {
		return "pinfl:" + trimmed, true
	}
	if phone, ok := NormalizePhone(trimmed); ok {
		return "phone:" + phone, false
	}
	return "other:" + strings.ToLower(trimmed), false
}

// Authenticate checks an identifier (PINFL or phone) and password. Whatever
// is wrong — unknown person, wrong password — the answer is the same
// EUNAUTHORIZED, in the same time. After repeated failures the identifier is
// locked for a growing period (ETOOMANY), whether it exists or not.
func (s *Service) Authenticate(ctx context.Context, identifier, pw string) (*User, error) {
	key, isPINFL := loginKey(identifier)
	now := s.clock.Now()
	if until, err := s.lockedUntil(ctx, key); err != nil {
		return nil, err
	} else if until.After(now) {
		return nil, &apperr.Error{Code: apperr.ETOOMANY, Message: msgLoginLocked, Args: []any{int(until.Sub(now).Minutes()) + 1}}
	}
	col := "phone"
	value := strings.TrimPrefix(key, "phone:")
	if isPINFL {
		col, value = "pinfl", strings.TrimPrefix(key, "pinfl:")
	}
	u, hash, err := s.findForLogin(ctx, col, value)
	if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return nil, err
	}
	if u == nil {
		hash = s.dummyHash
	}
	ok, rehash, verr := password.Verify(pw, hash)
	if verr != nil {
		s.log.ErrorContext(ctx, "stored password hash unreadable", "user", userID(u), "err", verr)
	}
	if u == nil || !ok {
		if err := s.recordFailure(ctx, key); err != nil {
			return nil, err
		}
		s.appendAudit(ctx, audit.Record{Actor: userID(u), Action: "identity.login.failed", ObjectType: "user", ObjectID: userID(u),
			Details: map[string]any{"identifier": maskIdentifier(key)}})
		return nil, apperr.New(apperr.EUNAUTHORIZED, msgLoginFailed)
	}
	if _, err := s.db.Writer().ExecContext(ctx, `DELETE FROM identity_login_throttle WHERE key = $1`, key); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if rehash {
		if h, err := password.Hash(pw, s.hashing); err == nil {
			_, _ = s.db.Writer().ExecContext(ctx, `UPDATE identity_users SET password_hash = $1 WHERE id = $2`, h, u.ID)
		}
	}
	return u, nil
}

func userID(u *User) string {
	if u == nil {
		return ""
	}
	return u.ID
}

// maskIdentifier keeps enough of an identifier for an investigator and no
// more: "pinfl:317059…" / "phone:+99890…".
func maskIdentifier(key string) string {
	if len(key) > 12 {
		return key[:12] + "…"
	}
	return key
}

func (s *Service) appendAudit(ctx context.Context, r audit.Record) {
	if err := s.audit.Append(ctx, r); err != nil {
		s.log.ErrorContext(ctx, "audit", "action", r.Action, "err", err)
	}
}

func (s *Service) lockedUntil(ctx context.Context, key string) (time.Time, error) {
	var until sql.NullTime
	err := s.db.Reader().QueryRowContext(ctx, `SELECT locked_until FROM identity_login_throttle WHERE key = $1`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("login throttle: %w", err)
	}
	return until.Time, nil
}

// recordFailure counts a failed sign-in and locks the identifier once it has
// failed maxFailures times: 1 minute, then doubling, up to maxLockout.
func (s *Service) recordFailure(ctx context.Context, key string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		var failures int
		err := tx.QueryRowContext(ctx, `SELECT failures FROM identity_login_throttle WHERE key = $1`, key).Scan(&failures)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		failures++
		var until any
		if failures >= maxFailures {
			lock := time.Minute << min(failures-maxFailures, 10)
			until = now.Add(min(lock, maxLockout))
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO identity_login_throttle (key, failures, locked_until, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
			key, failures, until, now)
		return err
	})
}

// newToken returns a session token for the cookie and its hash for the
// database: a stolen database does not yield usable sessions.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession signs the user in on a new session — always new, so a session
// ID planted before sign-in (fixation) is worthless — and audits it with
// how they signed in (method).
func (s *Service) StartSession(ctx context.Context, u *User, ip, userAgent string, method SignInMethod) (string, *Session, error) {
	token, id := newToken()
	now := s.clock.Now()
	ss := &Session{ID: id, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(AbsoluteTimeout),
		IP: ip, UserAgent: text.Cut(userAgent, 300), Method: method}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, method)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ss.ID, ss.UserID, ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt, ss.IP, ss.UserAgent, string(method)); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: u.ID, Action: "identity.login", ObjectType: "session", ObjectID: shortID(ss.ID),
			Details: map[string]any{"method": string(method)}})
	})
	if err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	return token, ss, nil
}

// shortID names a session in logs and pages without revealing enough of its
// hash to matter.
func shortID(id string) string { return id[:12] }

// SessionByToken returns the live session of a cookie token; an unknown,
// revoked, expired or idle session is ENOTFOUND.
func (s *Service) SessionByToken(ctx context.Context, token string) (*Session, error) {
	ss, _, err := s.SessionUser(ctx, token)
	return ss, err
}

// SessionUser returns the live session of a cookie token and its person in
// one query, as every signed-in request needs both.
func (s *Service) SessionUser(ctx context.Context, token string) (*Session, *User, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, apperr.New(apperr.ENOTFOUND, msgSessionEnded)
	}
	ss, u, err := s.findSession(ctx, hashToken(token))
	if err != nil {
		return nil, nil, err
	}
	now := s.clock.Now()
	if ss.revoked || !now.Before(ss.ExpiresAt) || now.Sub(ss.LastSeenAt) > IdleTimeout {
		return nil, nil, apperr.New(apperr.ENOTFOUND, msgSessionEnded)
	}
	return &ss.Session, u, nil
}

// Touch records activity on a session, at most once a minute, so the idle
// timeout counts from the last request without a write on every request.
func (s *Service) Touch(ctx context.Context, ss *Session) error {
	now := s.clock.Now()
	if now.Sub(ss.LastSeenAt) < time.Minute {
		return nil
	}
	_, err := s.db.Writer().ExecContext(ctx, `UPDATE identity_sessions SET last_seen_at = $1 WHERE id = $2`, now, ss.ID)
	return err
}

// EndSession signs a session out.
func (s *Service) EndSession(ctx context.Context, userID, sessionID string) error {
	return s.revoke(ctx, userID, `id = $3`, sessionID, "identity.logout")
}

// EndSessionByShortID signs out one of the user's own sessions, named as on
// the sessions page; another person's session is ENOTFOUND.
func (s *Service) EndSessionByShortID(ctx context.Context, userID, short string) error {
	if len(short) != 12 || strings.Trim(short, "0123456789abcdef") != "" {
		return apperr.New(apperr.ENOTFOUND, msgSessionEnded)
	}
	return s.revoke(ctx, userID, `id LIKE $3`, short+"%", "identity.session.revoked")
}

// EndOtherSessions signs out every session of the user but keep.
func (s *Service) EndOtherSessions(ctx context.Context, userID, keep string) error {
	return s.revoke(ctx, userID, `id <> $3`, keep, "identity.session.revoked_others")
}

func (s *Service) revoke(ctx context.Context, userID, cond, arg, action string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET revoked_at = $1
			WHERE user_id = $2 AND revoked_at IS NULL AND `+cond, s.clock.Now(), userID, arg)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if n == 0 && action != "identity.session.revoked_others" {
			return apperr.New(apperr.ENOTFOUND, msgSessionEnded)
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: userID, Action: action, ObjectType: "user", ObjectID: userID,
			Details: map[string]any{"sessions": n}})
	})
}

// Sessions lists the user's live sessions, newest first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]Session, error) {
	now := s.clock.Now()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, acting_org_id
		FROM identity_sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3
		ORDER BY created_at DESC`, userID, now, now.Add(-IdleTimeout))
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var ss Session
		if err := rows.Scan(&ss.ID, &ss.UserID, &ss.CreatedAt, &ss.LastSeenAt, &ss.ExpiresAt, &ss.IP, &ss.UserAgent, &ss.ActingOrgID); err != nil {
			return nil, fmt.Errorf("sessions: %w", err)
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}
