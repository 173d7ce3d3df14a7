package pki

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// Message keys of server-side ("cloud") signing.
const (
	MsgCloudDisabled = "pki.cloud.disabled" // the operator has not enabled server-side keys
	MsgCloudProfile  = "pki.cloud.profile"  // only officers and gateways get server-side keys
	MsgCloudUnusable = "pki.cloud.unusable" // the key's certificate is revoked or expired
)

// CloudKeyRequest asks for a key the platform keeps and signs with: an
// officer's "cloud" key, for documents signed from the back office, or a
// gateway's signing key for the exchange bus.
type CloudKeyRequest struct {
	// Profile is ProfileOfficer or ProfileGatewaySign.
	Profile Profile
	// Subject is whom the certificate names, as the caller verified it.
	Subject Subject
	// Owner is the account (officer) or the member's subsystem (gateway)
	// allowed to sign with it.
	Owner string
	Actor string
}

// CreateCloudKey makes a key on the server, sealed at rest like the CA's,
// and certifies it. The operator must have enabled server-side keys
// (Config.CloudSigning): otherwise EFORBIDDEN MsgCloudDisabled. Citizens
// never get one: their keys stay on their devices (EINVALID
// MsgCloudProfile for any profile but officer and gateway signing).
func (s *Service) CreateCloudKey(ctx context.Context, req CloudKeyRequest) (*Certificate, error) {
	if !s.cfg.CloudSigning {
		return nil, apperr.New(apperr.EFORBIDDEN, MsgCloudDisabled)
	}
	if req.Profile != ProfileOfficer && req.Profile != ProfileGatewaySign {
		return nil, apperr.New(apperr.EINVALID, MsgCloudProfile)
	}
	if f := req.Subject.validate(req.Profile); len(f) > 0 {
		return nil, apperr.Invalid(MsgSubjectMismatch, f)
	}
	key, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.issue(ctx, st, issueParams{profile: req.Profile, subject: req.Subject, pub: key.Public(), owner: req.Owner,
		actor: req.Actor, validity: s.cfg.EndEntityValidity, now: s.clock.Now(),
		seal: func(serial string) ([]byte, error) { return s.keys.seal(key, certKeyLabel(serial)) }})
	if err != nil {
		return nil, fmt.Errorf("create cloud key: %w", err)
	}
	return c, nil
}

// CloudSign signs content with the kept key of the certificate serial, for
// its owner: CAdES B-T (B-LT with lt) with this CA's timestamp. Every
// signature is in the audit log, with the document's SHA-256, before it is
// made. The certificate must
// be valid and not revoked (EINVALID MsgCloudUnusable); another owner's
// key is ENOTFOUND, like no key at all.
func (s *Service) CloudSign(ctx context.Context, owner, serial string, content []byte, lt bool) ([]byte, error) {
	if !s.cfg.CloudSigning {
		return nil, apperr.New(apperr.EFORBIDDEN, MsgCloudDisabled)
	}
	sk, err := findSealedKey(ctx, s.db.Reader(), serial)
	if err != nil {
		return nil, err
	}
	c := sk.cert
	if c.Owner != owner || c.Owner == "" {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoSuchCertificate)
	}
	now := s.clock.Now()
	if c.RevokedAt != nil || now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return nil, apperr.New(apperr.EINVALID, MsgCloudUnusable)
	}
	cert, err := c.X509()
	if err != nil {
		return nil, err
	}
	signer, err := s.keys.open(sk.sealed, certKeyLabel(c.Serial))
	if err != nil {
		return nil, fmt.Errorf("cloud key %s: %w", c.Serial, err)
	}
	chain, err := s.Chain(ctx)
	if err != nil {
		return nil, err
	}
	// The log has the signature before anyone has it.
	sum := sha256.Sum256(content)
	opts := cades.SignOptions{Level: cades.LevelBT, TSA: s, Time: now}
	if lt {
		opts.Level, opts.OCSP = cades.LevelBLT, s
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.audit.Record(ctx, tx, audit.Record{Actor: owner, Action: "pki.signature.server_side", ObjectType: "certificate", ObjectID: c.Serial,
			Details: map[string]any{"sha256": hex.EncodeToString(sum[:]), "level": string(opts.Level)}})
	})
	if err != nil {
		return nil, fmt.Errorf("cloud sign: %w", err)
	}
	sig, err := cades.Sign(ctx, content, cms.Signer{Key: signer, Cert: cert, Chain: chain}, opts)
	if err != nil {
		return nil, fmt.Errorf("cloud sign: %w", err)
	}
	return sig, nil
}
