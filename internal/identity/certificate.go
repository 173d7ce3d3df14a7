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
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// Certificates checks e-signature sign-ins; the pki module provides it.
type Certificates interface {
	// CheckSignIn verifies that signature over challenge was made with
	// the key of the personal certificate certDER, which must be valid,
	// not revoked and issued under the platform's root; it returns the
	// holder's PINFL, or EUNAUTHORIZED.
	CheckSignIn(ctx context.Context, certDER, challenge, signature []byte) (string, error)
}

// signInChallengeTTL is how long the sign-in page's challenge may be
// signed and sent back.
const signInChallengeTTL = 5 * time.Minute

// Message keys of the e-signature sign-in.
const (
	msgCertChallenge = "identity.certificate.challenge"
	msgCertRefused   = "identity.certificate.refused"
	msgCertNoAccount = "identity.certificate.no_account"
)

// NewSignInChallenge returns a fresh one-time challenge for an e-signature
// sign-in; only its hash is kept.
func (s *Service) NewSignInChallenge(ctx context.Context) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	challenge := base64.RawURLEncoding.EncodeToString(b)
	now := s.clock.Now()
	if _, err := s.db.Writer().ExecContext(ctx, `DELETE FROM identity_signin_challenges WHERE expires_at <= $1`, now); err != nil {
		return "", fmt.Errorf("sign-in challenge: %w", err)
	}
	if _, err := s.db.Writer().ExecContext(ctx, `INSERT INTO identity_signin_challenges (id, expires_at) VALUES ($1, $2)`,
		challengeHash(challenge), now.Add(signInChallengeTTL)); err != nil {
		return "", fmt.Errorf("sign-in challenge: %w", err)
	}
	return challenge, nil
}

func challengeHash(challenge string) string {
	h := sha256.Sum256([]byte(challenge))
	return hex.EncodeToString(h[:])
}

// SignInText is what the holder's key signs to sign in at site with
// challenge: naming the site keeps a signature made for another site from
// being replayed here.
func SignInText(site, challenge string) []byte {
	return []byte("egov sign-in\n" + site + "\n" + challenge)
}

// SignInWithCertificate signs in the holder of certDER: the challenge must
// be one this platform gave out, unused and not expired (it is used up
// here, whatever follows), signature must be the certificate's key's over
// SignInText(site, challenge), and an account must exist for the
// certificate's PINFL. EUNAUTHORIZED with a message saying which, so the
// page can tell a stale page from a refused certificate.
func (s *Service) SignInWithCertificate(ctx context.Context, certs Certificates, site, challenge string, certDER, signature []byte) (*User, error) {
	var id string
	err := s.db.Writer().QueryRowContext(ctx, `DELETE FROM identity_signin_challenges WHERE id = $1 AND expires_at > $2 RETURNING id`,
		challengeHash(challenge), s.clock.Now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.EUNAUTHORIZED, msgCertChallenge)
	}
	if err != nil {
		return nil, fmt.Errorf("sign in with certificate: %w", err)
	}
	pinfl, err := certs.CheckSignIn(ctx, certDER, SignInText(site, challenge), signature)
	if apperr.Is(err, apperr.EUNAUTHORIZED) {
		s.appendAudit(ctx, audit.Record{Action: "identity.login.certificate_refused", ObjectType: "user"})
		return nil, apperr.New(apperr.EUNAUTHORIZED, msgCertRefused)
	}
	if err != nil {
		return nil, err
	}
	u, _, err := s.findForLogin(ctx, "pinfl", pinfl)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, apperr.New(apperr.EUNAUTHORIZED, msgCertNoAccount)
	}
	if err != nil {
		return nil, err
	}
	s.appendAudit(ctx, audit.Record{Actor: u.ID, Action: "identity.login.certificate", ObjectType: "user", ObjectID: u.ID})
	return u, nil
}
