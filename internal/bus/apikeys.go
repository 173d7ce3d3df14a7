package bus

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

// API keys are apiKeyPrefix and apiKeySecretBytes random bytes in
// base32; labels have at most maxAPIKeyLabel characters.
const (
	apiKeyPrefix      = "egov_"
	apiKeySecretBytes = 32
	maxAPIKeyLabel    = 200
)

// APIKey is a credential by which one of a member's information systems
// authenticates to the member's consumer gateway as Client, a subsystem:
// a key, shown once when it is made, or a TLS client certificate. Only
// the SHA-256 of either is kept.
type APIKey struct {
	ID     string
	Client xroad.ClientID
	Label  string
	// Certificate tells a registered TLS client certificate from a key.
	Certificate bool
	CreatedAt   time.Time
	CreatedBy   string
	// RevokedAt is when the key stopped working; nil while it works.
	RevokedAt *time.Time
}

// APIKeys keeps the API keys of a gateway's local clients. It is what
// gateway.LocalClients asks (ByAPIKey). It is safe for concurrent use.
type APIKeys struct {
	db    *db.DB
	clock clock.Clock
	audit Auditor
}

// NewAPIKeys returns the key store over d, which must have Migrations
// applied.
func NewAPIKeys(d *db.DB, c clock.Clock, a Auditor) *APIKeys {
	return &APIKeys{db: d, clock: c, audit: a}
}

// hashAPIKey is what the store keeps of a key. The keys are long random
// strings, so a plain SHA-256 cannot be reversed by guessing.
func hashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// Create makes a key for the subsystem client and returns it with the
// secret, which is never shown again.
//
// Errors: EINVALID MsgInvalid with the fields of client ("instance",
// "member_class", "member_code", "subsystem", which must be set) and
// "label" (empty, control characters or longer than 200 characters).
func (k *APIKeys) Create(ctx context.Context, actor string, client xroad.ClientID, label string) (*APIKey, string, error) {
	label, err := credentialLabel(client, label)
	if err != nil {
		return nil, "", err
	}
	raw := make([]byte, apiKeySecretBytes)
	_, _ = rand.Read(raw)
	secret := apiKeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	key, err := k.add(ctx, actor, client, label, hashAPIKey(secret), false)
	if err != nil {
		return nil, "", fmt.Errorf("create api key: %w", err)
	}
	return key, secret, nil
}

// AddCertificate registers cert as a TLS client certificate of the
// subsystem client, by the SHA-256 of its DER: the system presents it to
// the consumer gateway instead of a key. Like X-Road's information system
// certificates it may be self-signed; the gateway trusts exactly it.
//
// Errors: as Create; ECONFLICT MsgCertificateExists when the certificate
// is registered already.
func (k *APIKeys) AddCertificate(ctx context.Context, actor string, client xroad.ClientID, label string, cert *x509.Certificate) (*APIKey, error) {
	label, err := credentialLabel(client, label)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(cert.Raw)
	key, err := k.add(ctx, actor, client, label, sum[:], true)
	if err != nil {
		return nil, fmt.Errorf("add client certificate: %w", conflictAs(err, MsgCertificateExists))
	}
	return key, nil
}

// credentialLabel validates the subsystem and the label of a credential
// and returns the label cleaned.
func credentialLabel(client xroad.ClientID, label string) (string, error) {
	f := map[string]string{}
	validateClient(f, client, true)
	label, ok := cleanText(label, maxAPIKeyLabel, true)
	if !ok {
		f["label"] = MsgLabel
	}
	return label, invalid(f)
}

// add stores a credential by its hash, audited.
func (k *APIKeys) add(ctx context.Context, actor string, client xroad.ClientID, label string, hash []byte, certificate bool) (*APIKey, error) {
	key := &APIKey{ID: db.NewID(), Client: client, Label: label, Certificate: certificate,
		CreatedAt: k.clock.Now().UTC().Truncate(time.Microsecond), CreatedBy: actor}
	kind, action := "key", "bus.api_key.created"
	if certificate {
		kind, action = "certificate", "bus.client_certificate.added"
	}
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bus_api_keys (id, client_id, label, key_hash, kind, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, key.ID, client.String(), label, hash, kind, key.CreatedAt, actor); err != nil {
			return err
		}
		return k.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: action, ObjectType: "bus_api_key",
			ObjectID: key.ID, Details: map[string]any{"client": client.String(), "label": label}})
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// Revoke stops the key with the ID from working.
//
// Errors: ENOTFOUND MsgNoSuchAPIKey; ECONFLICT MsgAPIKeyRevoked.
func (k *APIKeys) Revoke(ctx context.Context, actor, id string) error {
	now := k.clock.Now().UTC().Truncate(time.Microsecond)
	err := k.db.Tx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM bus_api_keys WHERE id = $1`, id).Scan(&revoked)
		if err != nil {
			return notFound(err, MsgNoSuchAPIKey)
		}
		if revoked.Valid {
			return &apperr.Error{Code: apperr.ECONFLICT, Message: MsgAPIKeyRevoked}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bus_api_keys SET revoked_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		return k.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "bus.api_key.revoked", ObjectType: "bus_api_key", ObjectID: id})
	})
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	return nil
}

// List returns the keys of client, oldest first, revoked ones included.
func (k *APIKeys) List(ctx context.Context, client xroad.ClientID) ([]*APIKey, error) {
	rows, err := k.db.Reader().QueryContext(ctx, `SELECT id, client_id, label, kind, created_at, created_by, revoked_at
		FROM bus_api_keys WHERE client_id = $1 ORDER BY created_at, id`, client.String())
	if err != nil {
		return nil, fmt.Errorf("api keys: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (*APIKey, error) {
		var (
			key     APIKey
			client  string
			kind    string
			revoked sql.NullTime
		)
		if err := row.Scan(&key.ID, &client, &key.Label, &kind, &key.CreatedAt, &key.CreatedBy, &revoked); err != nil {
			return nil, err
		}
		key.Certificate = kind == "certificate"
		key.CreatedAt = key.CreatedAt.UTC()
		if revoked.Valid {
			t := revoked.Time.UTC()
			key.RevokedAt = &t
		}
		var err error
		key.Client, err = xroad.ParseClientID(client)
		return &key, err
	})
	if err != nil {
		return nil, fmt.Errorf("api keys: %w", err)
	}
	return out, nil
}

// ByAPIKey returns the subsystem a working key is bound to; ok is false
// for an unknown or revoked key.
func (k *APIKeys) ByAPIKey(ctx context.Context, key string) (xroad.ClientID, bool, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) {
		return xroad.ClientID{}, false, nil
	}
	return k.holder(ctx, hashAPIKey(key), "key")
}

// ByCertificate returns the subsystem a registered, unrevoked client
// certificate is bound to; ok is false for any other certificate.
func (k *APIKeys) ByCertificate(ctx context.Context, cert *x509.Certificate) (xroad.ClientID, bool, error) {
	sum := sha256.Sum256(cert.Raw)
	return k.holder(ctx, sum[:], "certificate")
}

// holder finds the subsystem of a working credential of kind by its hash.
func (k *APIKeys) holder(ctx context.Context, hash []byte, kind string) (xroad.ClientID, bool, error) {
	var client string
	err := k.db.Reader().QueryRowContext(ctx, `SELECT client_id FROM bus_api_keys WHERE key_hash = $1 AND kind = $2
		AND revoked_at IS NULL`, hash, kind).Scan(&client)
	if errors.Is(err, sql.ErrNoRows) {
		return xroad.ClientID{}, false, nil
	}
	if err != nil {
		return xroad.ClientID{}, false, fmt.Errorf("api key: %w", err)
	}
	id, err := xroad.ParseClientID(client)
	if err != nil {
		return xroad.ClientID{}, false, fmt.Errorf("api key: %w", err)
	}
	return id, true, nil
}
