package oidcprovider

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	jose "github.com/go-jose/go-jose/v4"
)

// signingKey is the active private key, as op.SigningKey.
type signingKey struct {
	id     string
	alg    jose.SignatureAlgorithm
	signer crypto.Signer
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.signer }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a key of the JWKS, as op.Key.
type publicKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key any
}

func (k *publicKey) ID() string                         { return k.id }
func (k *publicKey) Algorithm() jose.SignatureAlgorithm { return k.alg }
func (k *publicKey) Use() string                        { return "sig" }
func (k *publicKey) Key() any                           { return k.key }

// keyCache keeps parsed keys by ID. A key row never changes once written,
// so entries need no expiry; which key is active is read from the database
// every time, so a rotation on another node is seen at once.
type keyCache struct {
	mu      sync.Mutex
	private map[string]*signingKey
	public  map[string]*publicKey
}

func newKeyCache() *keyCache {
	return &keyCache{private: map[string]*signingKey{}, public: map[string]*publicKey{}}
}

// newRSAKey makes a fresh RSA-2048 key and its row values.
func (s *Service) newRSAKey() (id, sealedPrivate, public string, err error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", "", "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", "", "", err
	}
	id = db.NewID()
	return id, s.keySeal.seal(der, []byte(id)), base64.StdEncoding.EncodeToString(pub), nil
}

// ensureSigningKey creates the first signing key if there is no active one.
// Nodes starting together may race; the unique index on the active flag
// lets exactly one of them win.
func (s *Service) ensureSigningKey(ctx context.Context) error {
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM oidc_signing_keys WHERE active`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	id, priv, pub, err := s.newRSAKey()
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_signing_keys (id, alg, private_key, public_key, active, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, defaultSigningKeyAlg, priv, pub, true, s.clock.Now()); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: audit.System, Action: "oidc.keys.created", ObjectType: "oidc_signing_key", ObjectID: id})
	})
	if apperr.Is(err, apperr.ECONFLICT) {
		return nil // another node made it first
	}
	return err
}

// RotateKeys makes a new signing key active. The old key signs nothing
// more but stays in the JWKS for KeyRetention, until every ID token it
// signed has expired; keys retired longer ago are deleted. Two rotations
// at the same moment: one fails with ECONFLICT.
func (s *Service) RotateKeys(ctx context.Context) error {
	id, priv, pub, err := s.newRSAKey()
	if err != nil {
		return fmt.Errorf("rotate keys: %w", err)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_signing_keys SET active = FALSE, retired_at = $1 WHERE active`, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_signing_keys (id, alg, private_key, public_key, active, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, defaultSigningKeyAlg, priv, pub, true, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM oidc_signing_keys WHERE NOT active AND retired_at < $1`, now.Add(-KeyRetention))
		if err != nil {
			return err
		}
		pruned, _ := res.RowsAffected()
		return s.audit.Record(ctx, tx, audit.Record{Actor: audit.System, Action: "oidc.keys.rotated", ObjectType: "oidc_signing_key", ObjectID: id,
			Details: map[string]any{"pruned": pruned}})
	})
	if err != nil {
		return fmt.Errorf("rotate keys: %w", err)
	}
	return nil
}

var errNoSigningKey = errors.New("no usable signing key")

// signingKey returns the active key, parsed once per node.
func (s *Service) signingKey(ctx context.Context) (*signingKey, error) {
	var id, alg, sealed string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, alg, private_key FROM oidc_signing_keys WHERE active`).Scan(&id, &alg, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSigningKey
	}
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	s.keys.mu.Lock()
	k := s.keys.private[id]
	s.keys.mu.Unlock()
	if k != nil {
		return k, nil
	}
	der, err := s.keySeal.open(sealed, []byte(id))
	if err != nil {
		// Sealed under another secret: the node secret changed, or nodes
		// disagree about it. Logged loudly; RotateKeys recovers.
		s.log.ErrorContext(ctx, "oidc signing key cannot be opened with this node's secret; check --secret or rotate keys", "key", id)
		return nil, errNoSigningKey
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, errNoSigningKey
	}
	k = &signingKey{id: id, alg: jose.SignatureAlgorithm(alg), signer: signer}
	s.keys.mu.Lock()
	s.keys.private[id] = k
	s.keys.mu.Unlock()
	return k, nil
}

// keySet returns the public keys that may have signed a live token: the
// active one and those retired within KeyRetention, newest first.
func (s *Service) keySet(ctx context.Context) ([]*publicKey, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, alg, public_key FROM oidc_signing_keys
		WHERE active OR retired_at >= $1 ORDER BY created_at DESC, id DESC`, s.clock.Now().Add(-KeyRetention))
	if err != nil {
		return nil, fmt.Errorf("key set: %w", err)
	}
	defer rows.Close()
	var out []*publicKey
	for rows.Next() {
		var id, alg, pub string
		if err := rows.Scan(&id, &alg, &pub); err != nil {
			return nil, fmt.Errorf("key set: %w", err)
		}
		s.keys.mu.Lock()
		k := s.keys.public[id]
		s.keys.mu.Unlock()
		if k == nil {
			der, err := base64.StdEncoding.DecodeString(pub)
			if err != nil {
				return nil, fmt.Errorf("key set: %w", err)
			}
			parsed, err := x509.ParsePKIXPublicKey(der)
			if err != nil {
				return nil, fmt.Errorf("key set: %w", err)
			}
			k = &publicKey{id: id, alg: jose.SignatureAlgorithm(alg), key: parsed}
			s.keys.mu.Lock()
			s.keys.public[id] = k
			s.keys.mu.Unlock()
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// KeyIDs lists the IDs of the keys in the JWKS, newest first.
func (s *Service) KeyIDs(ctx context.Context) ([]string, error) {
	keys, err := s.keySet(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.id
	}
	return ids, nil
}
