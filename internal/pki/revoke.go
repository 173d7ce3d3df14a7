package pki

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// Revoke revokes the certificate with the serial (hex) from now on (to the
// second), for reason. The next CRL lists it and the OCSP responder answers "revoked"
// at once on this node and within a second on the others.
//
// Errors: EINVALID MsgSerial or MsgReason; ENOTFOUND MsgNoSuchCertificate;
// ECONFLICT MsgAlreadyRevoked.
func (s *Service) Revoke(ctx context.Context, actor, serial string, reason Reason) (*Certificate, error) {
	n, err := ParseSerial(serial)
	if err != nil {
		return nil, err
	}
	if !reason.valid() {
		return nil, apperr.New(apperr.EINVALID, MsgReason)
	}
	serial = serialHex(n)
	// Whole seconds, as CRLs and OCSP responses state it.
	now := s.clock.Now().Truncate(time.Second)
	var c *Certificate
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := countRevocation(ctx, tx, serial); err != nil {
			return err
		}
		if err := revokeCertificate(ctx, tx, serial, now, reason); err != nil {
			return err
		}
		var err error
		if c, err = findCertificate(ctx, tx, serial); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "pki.certificate.revoked", ObjectType: "certificate",
			ObjectID: serial, Details: map[string]any{"ca": c.Issuer, "reason": reason.String(), "owner": c.Owner}})
	})
	if err != nil {
		return nil, fmt.Errorf("revoke certificate: %w", err)
	}
	s.ocsp.clear()
	return c, nil
}

// FindCertificate returns the certificate with the serial (hex).
// Errors: EINVALID MsgSerial; ENOTFOUND MsgNoSuchCertificate.
func (s *Service) FindCertificate(ctx context.Context, serial string) (*Certificate, error) {
	n, err := ParseSerial(serial)
	if err != nil {
		return nil, err
	}
	c, err := findCertificate(ctx, s.db.Reader(), serialHex(n))
	if err != nil {
		return nil, fmt.Errorf("find certificate: %w", err)
	}
	return c, nil
}

// FindCertificates lists the certificates f selects, newest first.
func (s *Service) FindCertificates(ctx context.Context, f CertificateFilter) ([]*Certificate, error) {
	out, err := findCertificates(ctx, s.db.Reader(), f)
	if err != nil {
		return nil, fmt.Errorf("find certificates: %w", err)
	}
	return out, nil
}
