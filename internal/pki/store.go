package pki

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// authorityRow is a row of pki_authorities.
type authorityRow struct {
	name, kind, parent string
	cert, keySealed    []byte
	active             bool
	createdAt          time.Time
}

// querier is what both *sql.DB and *sql.Tx offer for reading.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func insertAuthority(ctx context.Context, tx *sql.Tx, a authorityRow) error {
	var parent any
	if a.parent != "" {
		parent = a.parent
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO pki_authorities (name, kind, parent, cert, key_sealed, active, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.name, a.kind, parent, a.cert, a.keySealed, a.active, a.createdAt)
	return err
}

const authorityColumns = `name, kind, COALESCE(parent, ''), cert, key_sealed, active, created_at`

func scanAuthority(row interface{ Scan(...any) error }) (authorityRow, error) {
	var a authorityRow
	err := row.Scan(&a.name, &a.kind, &a.parent, &a.cert, &a.keySealed, &a.active, &a.createdAt)
	return a, err
}

// findAuthority returns the CA named name; ENOTFOUND MsgNoSuchCA if there
// is none.
func findAuthority(ctx context.Context, q querier, name string) (authorityRow, error) {
	a, err := scanAuthority(q.QueryRowContext(ctx, `SELECT `+authorityColumns+` FROM pki_authorities WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.ENOTFOUND, MsgNoSuchCA)
	}
	return a, err
}

// listAuthorities returns every CA, oldest first.
func listAuthorities(ctx context.Context, q querier) ([]authorityRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+authorityColumns+` FROM pki_authorities ORDER BY created_at, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []authorityRow
	for rows.Next() {
		a, err := scanAuthority(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// activate makes name the issuing CA that issues from now on.
func activate(ctx context.Context, tx *sql.Tx, name string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE pki_authorities SET active = $1 WHERE kind = 'issuing' AND name <> $2`, false, name); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE pki_authorities SET active = $1 WHERE name = $2`, true, name)
	return err
}

func insertCertificate(ctx context.Context, tx *sql.Tx, c *Certificate, keySealed []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO pki_certificates (serial, issuer, profile, owner, pinfl, stir, subject,
		not_before, not_after, cert, key_sealed, issued_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		c.Serial, c.Issuer, string(c.Profile), c.Owner, c.PINFL, c.STIR, c.Subject, c.NotBefore, c.NotAfter, c.DER, keySealed,
		c.IssuedAt, c.IssuedBy)
	return err
}

const certificateColumns = `serial, issuer, profile, owner, pinfl, stir, subject, not_before, not_after, cert, issued_at, issued_by,
	revoked_at, revocation_reason`

func scanCertificate(row interface{ Scan(...any) error }) (*Certificate, error) {
	var c Certificate
	var revokedAt sql.NullTime
	var reason sql.NullInt64
	var profile string
	if err := row.Scan(&c.Serial, &c.Issuer, &profile, &c.Owner, &c.PINFL, &c.STIR, &c.Subject, &c.NotBefore, &c.NotAfter,
		&c.DER, &c.IssuedAt, &c.IssuedBy, &revokedAt, &reason); err != nil {
		return nil, err
	}
	c.Profile = Profile(profile)
	c.NotBefore, c.NotAfter, c.IssuedAt = c.NotBefore.UTC(), c.NotAfter.UTC(), c.IssuedAt.UTC()
	if revokedAt.Valid {
		t := revokedAt.Time.UTC()
		c.RevokedAt = &t
		c.Reason = Reason(reason.Int64)
	}
	return &c, nil
}

// findCertificate returns the certificate with the serial; ENOTFOUND
// MsgNoSuchCertificate if there is none.
func findCertificate(ctx context.Context, q querier, serial string) (*Certificate, error) {
	c, err := scanCertificate(q.QueryRowContext(ctx, `SELECT `+certificateColumns+` FROM pki_certificates WHERE serial = $1`, serial))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoSuchCertificate)
	}
	return c, err
}

// findCertificates lists certificates matching f, newest first.
func findCertificates(ctx context.Context, q querier, f CertificateFilter) ([]*Certificate, error) {
	where, args := "1 = 1", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(" AND %s = $%d", cond, len(args))
	}
	if f.Owner != nil {
		add("owner", *f.Owner)
	}
	if f.PINFL != nil {
		add("pinfl", *f.PINFL)
	}
	if f.Profile != nil {
		add("profile", string(*f.Profile))
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	rows, err := q.QueryContext(ctx, `SELECT `+certificateColumns+` FROM pki_certificates WHERE `+where+
		fmt.Sprintf(` ORDER BY issued_at DESC, serial LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// serviceKey is a certificate of the platform's own with its sealed key.
type serviceKey struct {
	cert   *Certificate
	sealed []byte
}

// findServiceKey returns the newest unrevoked certificate of profile p by
// issuer that is still valid at until, with its sealed key; ENOTFOUND if
// there is none.
func findServiceKey(ctx context.Context, q querier, issuer string, p Profile, until time.Time) (serviceKey, error) {
	var sk serviceKey
	row := q.QueryRowContext(ctx, `SELECT `+certificateColumns+`, key_sealed FROM pki_certificates
		WHERE issuer = $1 AND profile = $2 AND revoked_at IS NULL AND key_sealed IS NOT NULL AND not_after > $3
		ORDER BY not_after DESC LIMIT 1`, issuer, string(p), until)
	var err error
	sk.cert, err = scanCertificate(scanTail{row, &sk.sealed})
	if errors.Is(err, sql.ErrNoRows) {
		return sk, apperr.New(apperr.ENOTFOUND, MsgNoSuchCertificate)
	}
	return sk, err
}

// scanTail scans a row whose columns are certificateColumns followed by
// extra ones.
type scanTail struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }

// revokeCertificate marks serial revoked at t for reason; ENOTFOUND if
// there is no such certificate, ECONFLICT MsgAlreadyRevoked if it was.
func revokeCertificate(ctx context.Context, tx *sql.Tx, serial string, t time.Time, r Reason) error {
	res, err := tx.ExecContext(ctx, `UPDATE pki_certificates SET revoked_at = $1, revocation_reason = $2
		WHERE serial = $3 AND revoked_at IS NULL`, t, int(r), serial)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := findCertificate(ctx, tx, serial); err != nil {
		return err
	}
	return apperr.New(apperr.ECONFLICT, MsgAlreadyRevoked)
}

// revokedEntry is one line of a CRL.
type revokedEntry struct {
	serial string
	at     time.Time
	reason Reason
}

// listRevoked returns the revoked certificates of issuer that have not
// expired by now (RFC 5280 lets a CRL drop expired ones).
func listRevoked(ctx context.Context, q querier, issuer string, now time.Time) ([]revokedEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT serial, revoked_at, revocation_reason FROM pki_certificates
		WHERE issuer = $1 AND revoked_at IS NOT NULL AND not_after > $2 ORDER BY revoked_at, serial`, issuer, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []revokedEntry
	for rows.Next() {
		var e revokedEntry
		var reason int64
		if err := rows.Scan(&e.serial, &e.at, &reason); err != nil {
			return nil, err
		}
		e.at, e.reason = e.at.UTC(), Reason(reason)
		out = append(out, e)
	}
	return out, rows.Err()
}

// crlRow is a row of pki_crls.
type crlRow struct {
	number      int64
	revocations int64
	thisUpdate  time.Time
	nextUpdate  time.Time
	der         []byte
}

// latestCRL returns the newest CRL of issuer and whether a certificate was
// revoked since it was signed; ENOTFOUND MsgNoSuchCA if it has none.
func latestCRL(ctx context.Context, q querier, issuer string) (crlRow, bool, error) {
	var c crlRow
	var revocations int64
	err := q.QueryRowContext(ctx, `SELECT c.number, c.revocations, c.this_update, c.next_update, c.der, a.revocations
		FROM pki_crls c JOIN pki_authorities a ON a.name = c.issuer WHERE c.issuer = $1 ORDER BY c.number DESC LIMIT 1`, issuer).
		Scan(&c.number, &c.revocations, &c.thisUpdate, &c.nextUpdate, &c.der, &revocations)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, apperr.New(apperr.ENOTFOUND, MsgNoSuchCA)
	}
	c.thisUpdate, c.nextUpdate = c.thisUpdate.UTC(), c.nextUpdate.UTC()
	return c, revocations != c.revocations, err
}

// nextCRLNumber takes the next CRL number of issuer, which only grows
// whichever node asks, and tells how many revocations the CRL must cover.
// It locks the CA's row until tx ends, so a revocation (see
// countRevocation) is either wholly before this CRL or counted after it.
func nextCRLNumber(ctx context.Context, tx *sql.Tx, issuer string) (number, revocations int64, err error) {
	err = tx.QueryRowContext(ctx, `UPDATE pki_authorities SET crl_number = crl_number + 1 WHERE name = $1
		RETURNING crl_number, revocations`, issuer).Scan(&number, &revocations)
	return number, revocations, err
}

// countRevocation counts a revocation of serial against its CA, locking
// the CA's row until tx ends (see nextCRLNumber).
func countRevocation(ctx context.Context, tx *sql.Tx, serial string) error {
	_, err := tx.ExecContext(ctx, `UPDATE pki_authorities SET revocations = revocations + 1
		WHERE name = (SELECT issuer FROM pki_certificates WHERE serial = $1)`, serial)
	return err
}

// insertCRL stores c as the newest CRL of issuer and drops the older ones,
// which nobody is served any more.
func insertCRL(ctx context.Context, tx *sql.Tx, issuer string, c crlRow) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO pki_crls (issuer, number, revocations, this_update, next_update, der)
		VALUES ($1, $2, $3, $4, $5, $6)`, issuer, c.number, c.revocations, c.thisUpdate, c.nextUpdate, c.der); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM pki_crls WHERE issuer = $1 AND number < $2`, issuer, c.number)
	return err
}

// findSealedKey returns the certificate with the serial and the key the
// platform keeps for it; ENOTFOUND MsgNoSuchCertificate if there is no such
// certificate or the platform keeps no key for it.
func findSealedKey(ctx context.Context, q querier, serial string) (serviceKey, error) {
	var sk serviceKey
	row := q.QueryRowContext(ctx, `SELECT `+certificateColumns+`, key_sealed FROM pki_certificates
		WHERE serial = $1 AND key_sealed IS NOT NULL`, serial)
	var err error
	sk.cert, err = scanCertificate(scanTail{row, &sk.sealed})
	if errors.Is(err, sql.ErrNoRows) {
		return sk, apperr.New(apperr.ENOTFOUND, MsgNoSuchCertificate)
	}
	return sk, err
}
