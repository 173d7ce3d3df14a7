package pki_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// migrations are the tables the service needs.
func migrations() []db.Migrations { return []db.Migrations{audit.Migrations(), pki.Migrations()} }

// secret is the key secret of test services.
var secret = []byte("0123456789abcdef0123456789abcdef")

// env is a service with a root and an active issuing CA.
type env struct {
	svc   *pki.Service
	db    *db.DB
	clock *clock.Manual
	audit *audit.Log
	root  *pki.Root
	cfg   pki.Config
}

// newEnv sets up a CA on d whose clock starts at the real time (OpenSSL
// checks times against its own clock).
func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	clk := clock.NewManual(time.Now().UTC())
	e := &env{db: d, clock: clk, audit: audit.New(d, clk), cfg: pki.Config{BaseURL: "https://egov.test", KeySecret: secret}}
	var err error
	if e.svc, err = pki.New(d, clk, e.audit, slog.New(slog.NewTextHandler(io.Discard, nil)), e.cfg); err != nil {
		t.Fatal(err)
	}
	if e.root, err = pki.GenerateRoot("egov Test Root CA", clk.Now(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateIssuingCA(context.Background(), "operator", e.root, "egov Test Issuing CA 1", "egov"); err != nil {
		t.Fatal(err)
	}
	return e
}

// node is a second service over the same database, as another node runs.
func (e *env) node(t testing.TB) *pki.Service {
	t.Helper()
	s, err := pki.New(e.db, e.clock, e.audit, slog.New(slog.NewTextHandler(io.Discard, nil)), e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sqliteEnv is an env on SQLite, for tests that are not about storage.
func sqliteEnv(t testing.TB) *env {
	t.Helper()
	return newEnv(t, dbtest.Open(t, db.SQLite, migrations()))
}

// keys made once: RSA key generation is slow.
var (
	keysOnce sync.Once
	rsa3072  *rsa.PrivateKey
	rsa2048  *rsa.PrivateKey
)

func rsaKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		rsa3072, _ = rsa.GenerateKey(rand.Reader, 3072)
		rsa2048, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	return rsa3072, rsa2048
}

func p256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ed(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// csr makes a signing request for key naming subject.
func csr(t testing.TB, key crypto.Signer, subject pkix.Name) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// person is a natural person of the tests.
var person = pki.Subject{PINFL: "31705900000017", GivenName: "Alisher", Surname: "Navoiy"}

// personName is what a person's request says.
func personName(pinfl string) pkix.Name {
	return pkix.Name{CommonName: "Navoiy Alisher", SerialNumber: pinfl}
}

// issuePerson issues a person certificate for key.
func (e *env) issuePerson(t testing.TB, key crypto.Signer) (*pki.Certificate, *x509.Certificate) {
	t.Helper()
	c, err := e.svc.Issue(context.Background(), pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person,
		CSR: csr(t, key, personName(person.PINFL)), Owner: "user-1", Actor: "user-1"})
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.X509()
	if err != nil {
		t.Fatal(err)
	}
	return c, x
}

// chain is the active issuing CA and the root.
func (e *env) chain(t testing.TB) (issuing, root *x509.Certificate) {
	t.Helper()
	ch, err := e.svc.Chain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ch[0], ch[1]
}

// hasOID tells whether exts has an extension id, and whether critical.
func hasOID(exts []pkix.Extension, id asn1.ObjectIdentifier) (found, critical bool) {
	for _, e := range exts {
		if e.Id.Equal(id) {
			return true, e.Critical
		}
	}
	return false, false
}
