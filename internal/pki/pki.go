// Package pki is the platform's electronic signature infrastructure: a root
// CA whose key the operator keeps offline, an issuing CA whose key is sealed
// in the database, certificate profiles for people, organisations, officers
// and gateways, issuance from certificate signing requests, revocation, and
// the public services that make certificates checkable by any standard tool:
// CRLs (RFC 5280), an OCSP responder (RFC 6960) and a timestamp authority
// (RFC 3161). Signing and verifying documents (CMS, CAdES) are in the
// subpackage cades, built on cms and tsp.
//
// Every key the package signs with is used through crypto.Signer, so a
// hardware module can take the place of the sealed keys later.
package pki

import (
	"context"
	"database/sql"
	"embed"
	"encoding/asn1"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the module's tables: authorities, certificates and CRLs.
func Migrations() db.Migrations { return db.Migrations{Module: "pki", FS: migrationFS} }

// Auditor records issuance, revocation and use of CA keys in the caller's
// transaction.
type Auditor interface {
	Record(ctx context.Context, tx *sql.Tx, r audit.Record) error
}

// Paths of the public services. The certificates the CA issues point at
// them (AIA and CRL distribution points) under Config.BaseURL.
const (
	PathOCSP = "/pki/ocsp"
	PathTSA  = "/pki/tsa"
	PathCA   = "/pki/ca/"  // + <name>.crt
	PathCRL  = "/pki/crl/" // + <name>.crl
)

// Lifetimes used when Config leaves them zero.
const (
	DefaultEndEntityValidity = 2 * 365 * 24 * time.Hour
	DefaultServiceValidity   = 365 * 24 * time.Hour
	DefaultOCSPValidity      = time.Hour
	DefaultCRLValidity       = 24 * time.Hour
)

// Config configures the infrastructure. BaseURL and KeySecret are required.
type Config struct {
	// BaseURL is the public address the services are reached at, such as
	// "https://egov.uz"; issued certificates carry URLs under it.
	BaseURL string
	// KeySecret seals the issuing CA's and the services' private keys in
	// the database. At least 32 bytes; every node needs the same one.
	KeySecret []byte
	// EndEntityValidity is the lifetime of certificates issued to people,
	// organisations and gateways.
	EndEntityValidity time.Duration
	// ServiceValidity is the lifetime of the OCSP responder's and the
	// TSA's certificates; they are renewed a month before they expire.
	ServiceValidity time.Duration
	// OCSPValidity is how long an OCSP response stays valid (its
	// nextUpdate); the responder caches it until shortly before then.
	OCSPValidity time.Duration
	// CRLValidity is how long a CRL stays valid (its nextUpdate).
	CRLValidity time.Duration
	// TSAPolicy is the policy OID timestamp tokens state;
	// DefaultTSAPolicy if nil.
	TSAPolicy asn1.ObjectIdentifier
	// CloudSigning lets the platform keep keys for officers and gateways
	// and sign with them (CreateCloudKey, CloudSign); off, it keeps none.
	CloudSigning bool
}

// withDefaults checks c and fills the zero durations.
func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return c, fmt.Errorf("pki: base URL %q is not an http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if len(c.KeySecret) < 32 {
		return c, errors.New("pki: key secret must be at least 32 bytes")
	}
	fill := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	fill(&c.EndEntityValidity, DefaultEndEntityValidity)
	fill(&c.ServiceValidity, DefaultServiceValidity)
	fill(&c.OCSPValidity, DefaultOCSPValidity)
	fill(&c.CRLValidity, DefaultCRLValidity)
	if c.TSAPolicy == nil {
		c.TSAPolicy = DefaultTSAPolicy
	}
	return c, nil
}

// caURL is where the certificate of the CA named name is published.
func (c Config) caURL(name string) string { return c.BaseURL + PathCA + name + ".crt" }

// crlURL is where the CRL of the CA named name is published.
func (c Config) crlURL(name string) string { return c.BaseURL + PathCRL + name + ".crl" }

// ocspURL is the OCSP responder's address.
func (c Config) ocspURL() string { return c.BaseURL + PathOCSP }
