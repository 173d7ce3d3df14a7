package pki

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// crlRefresh is how long before its nextUpdate a CRL is replaced, so that
// clients never fetch one about to run out.
func crlRefresh(validity time.Duration) time.Duration { return validity / 4 }

// CRL returns the current CRL (DER) of the CA named name. The issuing CA's
// CRL is signed afresh when there is none, when it nears its nextUpdate or
// when a certificate was revoked after it was signed; the root's CRL is the
// one last signed with the root key. Unknown name: ENOTFOUND MsgNoSuchCA.
func (s *Service) CRL(ctx context.Context, name string) ([]byte, error) {
	now := s.clock.Now()
	c, stale, err := latestCRL(ctx, s.db.Reader(), name)
	if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return nil, fmt.Errorf("crl: %w", err)
	}
	fresh := err == nil && !stale && now.Before(c.nextUpdate.Add(-crlRefresh(s.cfg.CRLValidity)))
	if fresh {
		return c.der, nil
	}
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	if name != st.issuing.name {
		// The root's CRL (or a retired CA's) is not signed here: serve
		// the last one.
		if c.der == nil {
			return nil, apperr.New(apperr.ENOTFOUND, MsgNoSuchCA)
		}
		return c.der, nil
	}
	var der []byte
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Another node may have signed one meanwhile.
		c, stale, err := latestCRL(ctx, tx, name)
		if err == nil && !stale && now.Before(c.nextUpdate.Add(-crlRefresh(s.cfg.CRLValidity))) {
			der = c.der
			return nil
		}
		der, err = s.signAndStoreCRL(ctx, tx, audit.System, st.issuing, now, s.cfg.CRLValidity)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("crl: %w", err)
	}
	return der, nil
}

// publishCRL signs and stores a new CRL of a in tx.
func (s *Service) publishCRL(ctx context.Context, tx *sql.Tx, actor string, a authority, now time.Time, validity time.Duration) error {
	_, err := s.signAndStoreCRL(ctx, tx, actor, a, now, validity)
	return err
}

// signAndStoreCRL signs a CRL of a listing its revoked, unexpired
// certificates, with the next CRL number, stores it in tx and records the
// use of the CA key.
func (s *Service) signAndStoreCRL(ctx context.Context, tx *sql.Tx, actor string, a authority, now time.Time, validity time.Duration) ([]byte, error) {
	number, revocations, err := nextCRLNumber(ctx, tx, a.name)
	if err != nil {
		return nil, err
	}
	revoked, err := listRevoked(ctx, tx, a.name, now)
	if err != nil {
		return nil, err
	}
	row := crlRow{number: number, revocations: revocations, thisUpdate: now.Truncate(time.Second), nextUpdate: now.Add(validity).Truncate(time.Second)}
	if row.der, err = signCRL(a, number, row.thisUpdate, row.nextUpdate, revoked); err != nil {
		return nil, err
	}
	if err := insertCRL(ctx, tx, a.name, row); err != nil {
		return nil, err
	}
	return row.der, s.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "pki.crl.signed", ObjectType: "ca", ObjectID: a.name,
		Details: map[string]any{"number": number, "revoked": len(revoked)}})
}
