package pki

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// Kinds of CA.
const (
	kindRoot    = "root"
	kindIssuing = "issuing"
)

// CA is a certificate authority the platform publishes.
type CA struct {
	// Name is the short name in URLs (/pki/ca/<name>.crt).
	Name string
	// Root tells the root from an issuing CA.
	Root bool
	// Active is set on the issuing CA that issues now.
	Active    bool
	Cert      *x509.Certificate
	CreatedAt time.Time
}

// CreateIssuingCA sets up a new issuing CA named commonName (and
// organization), certified by root, and makes it the one that issues from
// now on; it also signs the root's CRL while the root key is at hand, and
// the next use of the service certifies a new OCSP responder and TSA under
// it. The first call records root; later calls must bring the same root
// (ECONFLICT MsgRootMismatch otherwise). A name already taken is ECONFLICT
// MsgCAExists; a common name that makes no name is EINVALID MsgCAName.
func (s *Service) CreateIssuingCA(ctx context.Context, actor string, root *Root, commonName, organization string) (*CA, error) {
	name := caName(commonName)
	if name == "" || root == nil {
		return nil, apperr.New(apperr.EINVALID, MsgCAName)
	}
	now := s.clock.Now()
	key, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	tmpl, err := newTemplate(key.Public(), now, minTime(now.Add(DefaultIssuingValidity), root.Cert.NotAfter))
	if err != nil {
		return nil, err
	}
	tmpl.Subject = pkix.Name{Country: []string{"UZ"}, CommonName: strings.TrimSpace(commonName)}
	if org := strings.TrimSpace(organization); org != "" {
		tmpl.Subject.Organization = []string{org}
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.MaxPathLen, tmpl.MaxPathLenZero = true, true, 0, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	tmpl.IssuingCertificateURL = []string{s.cfg.caURL(root.Name())}
	tmpl.CRLDistributionPoints = []string{s.cfg.crlURL(root.Name())}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root.Cert, key.Public(), root.Key)
	if err != nil {
		return nil, fmt.Errorf("create issuing CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	sealed, err := s.keys.seal(key, caKeyLabel(name))
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.recordRoot(ctx, tx, root, now); err != nil {
			return err
		}
		if _, err := findAuthority(ctx, tx, name); err == nil {
			return apperr.New(apperr.ECONFLICT, MsgCAExists)
		} else if !apperr.Is(err, apperr.ENOTFOUND) {
			return err
		}
		if err := insertAuthority(ctx, tx, authorityRow{name: name, kind: kindIssuing, parent: root.Name(), cert: der,
			keySealed: sealed, createdAt: now}); err != nil {
			return err
		}
		if err := activate(ctx, tx, name); err != nil {
			return err
		}
		if err := s.publishCRL(ctx, tx, actor, authority{name: root.Name(), cert: root.Cert, signer: root.Key}, now, rootCRLValidity); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "pki.ca.created", ObjectType: "ca", ObjectID: name,
			Details: map[string]any{"root": root.Name(), "serial": serialHex(cert.SerialNumber)}})
	})
	if err != nil {
		return nil, fmt.Errorf("create issuing CA: %w", err)
	}
	s.forget()
	return &CA{Name: name, Active: true, Cert: cert, CreatedAt: now}, nil
}

// recordRoot stores root the first time; afterwards it checks that root is
// the one on record.
func (s *Service) recordRoot(ctx context.Context, tx *sql.Tx, root *Root, now time.Time) error {
	rows, err := listAuthorities(ctx, tx)
	if err != nil {
		return err
	}
	for _, a := range rows {
		if a.kind != kindRoot {
			continue
		}
		if !bytes.Equal(a.cert, root.Cert.Raw) {
			return apperr.New(apperr.ECONFLICT, MsgRootMismatch)
		}
		return nil
	}
	if !root.Cert.IsCA || root.Cert.CheckSignatureFrom(root.Cert) != nil || !samePublicKey(root.Key.Public(), root.Cert.PublicKey) {
		return apperr.New(apperr.EINVALID, MsgRootFile)
	}
	if err := insertAuthority(ctx, tx, authorityRow{name: root.Name(), kind: kindRoot, cert: root.Cert.Raw, createdAt: now}); err != nil {
		return err
	}
	return s.audit.Record(ctx, tx, audit.Record{Actor: audit.System, Action: "pki.ca.root_recorded", ObjectType: "ca", ObjectID: root.Name(),
		Details: map[string]any{"serial": serialHex(root.Cert.SerialNumber)}})
}

// RenewRootCRL signs a new CRL for the root, which the root key is needed
// for; the operator brings the root file out for it before the root's CRL
// runs out (it is valid a little over a year). root must be the one on
// record (ECONFLICT MsgRootMismatch otherwise).
func (s *Service) RenewRootCRL(ctx context.Context, actor string, root *Root) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := findAuthority(ctx, tx, root.Name())
		if err != nil || !bytes.Equal(a.cert, root.Cert.Raw) {
			return apperr.New(apperr.ECONFLICT, MsgRootMismatch)
		}
		return s.publishCRL(ctx, tx, actor, authority{name: root.Name(), cert: root.Cert, signer: root.Key}, s.clock.Now(), rootCRLValidity)
	})
	if err != nil {
		return fmt.Errorf("renew root CRL: %w", err)
	}
	return nil
}

// Authorities lists the CAs, oldest first.
func (s *Service) Authorities(ctx context.Context) ([]CA, error) {
	rows, err := listAuthorities(ctx, s.db.Reader())
	if err != nil {
		return nil, fmt.Errorf("list CAs: %w", err)
	}
	out := make([]CA, 0, len(rows))
	for _, a := range rows {
		cert, err := x509.ParseCertificate(a.cert)
		if err != nil {
			return nil, fmt.Errorf("list CAs: %w", err)
		}
		out = append(out, CA{Name: a.name, Root: a.kind == kindRoot, Active: a.active, Cert: cert, CreatedAt: a.createdAt.UTC()})
	}
	return out, nil
}

// Chain returns the certificates from the active issuing CA up to the root,
// to hand out with an issued certificate (PKCS#12, CMS).
func (s *Service) Chain(ctx context.Context) ([]*x509.Certificate, error) {
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return []*x509.Certificate{st.issuing.cert, st.root}, nil
}

// signCRL makes a CRL of a, numbered number.
func signCRL(a authority, number int64, now, next time.Time, revoked []revokedEntry) ([]byte, error) {
	entries := make([]x509.RevocationListEntry, 0, len(revoked))
	for _, r := range revoked {
		n, ok := new(big.Int).SetString(r.serial, 16)
		if !ok {
			return nil, fmt.Errorf("revoked serial %q is not hex", r.serial)
		}
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: r.at, ReasonCode: int(r.reason)})
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(number), ThisUpdate: now, NextUpdate: next, RevokedCertificateEntries: entries}
	return x509.CreateRevocationList(rand.Reader, tmpl, a.cert, a.signer)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
