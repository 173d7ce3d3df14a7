package globalconf_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/globalconf"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// Identifiers of the tests' registry.
var (
	civil   = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "201122919"}
	egov    = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "207000001"}
	bank    = xroad.ClientID{Instance: "UZ", MemberClass: "COM", MemberCode: "300000001"}
	civilRg = sub(civil, "civil-registry")
	portal  = sub(egov, "portal")
	bpm     = sub(egov, "bpm")
	loans   = sub(bank, "loans")
	births  = xroad.ServiceID{Client: civilRg, ServiceCode: "births"}
	deaths  = xroad.ServiceID{Client: civilRg, ServiceCode: "deaths"}
	state   = bus.GroupID{Instance: "UZ", Code: "state-bodies"}
)

func sub(m xroad.ClientID, code string) xroad.ClientID {
	m.Subsystem = code
	return m
}

// openAPI is the births service's description, with spacing and an
// escape that re-encoding would change.
const openAPI = `{"openapi": "3.0.3",
  "info": {"title": "Births <FHDYo>", "version": "1"},
  "paths": {"/births/{pinfl}": {}}}`

// env is a CA and a registry on one database, with a clock that moves
// only when told.
type env struct {
	ctx   context.Context
	db    *db.DB
	clock *clock.Manual
	ca    *pki.Service
	reg   *bus.Registry
	chain []*x509.Certificate // issuing CA, root
	roots *x509.CertPool
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite, []db.Migrations{audit.Migrations(), bus.Migrations(), pki.Migrations()})
	clk := clock.NewManual(time.Now().UTC().Truncate(time.Second))
	log := audit.New(d, clk)
	ca, err := pki.New(d, clk, log, slog.New(slog.DiscardHandler),
		pki.Config{BaseURL: "https://egov.test", KeySecret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.GenerateRoot("egov Test Root CA", clk.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.CreateIssuingCA(ctx, "operator", root, "egov Test Issuing CA 1", "egov"); err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, db: d, clock: clk, ca: ca, reg: bus.New(d, clk, log), roots: x509.NewCertPool()}
	if e.chain, err = ca.Chain(ctx); err != nil {
		t.Fatal(err)
	}
	e.roots.AddCert(e.chain[1])
	e.fill(t)
	return e
}

// fill registers members, subsystems, gateways, services, a group and
// rights of every kind.
func (e *env) fill(t *testing.T) {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []bus.Member{{Client: civil, Name: "Adliya vazirligi FHDYo"}, {Client: egov, Name: "Elektron hukumat"},
		{Client: bank, Name: "Bank \"Ipoteka\""}} {
		must(e.reg.CreateMember(e.ctx, "admin", m))
	}
	for _, s := range []xroad.ClientID{civilRg, portal, bpm, loans} {
		must(e.reg.CreateSubsystem(e.ctx, "admin", s))
	}
	must(e.reg.CreateGateway(e.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw1", Address: "civil.test:8443",
		AuthSerial: "a1", SignSerial: "51"}))
	must(e.reg.CreateGateway(e.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw2", Address: "10.0.0.2:8443",
		AuthSerial: "a3", SignSerial: "51"}))
	must(e.reg.CreateGateway(e.ctx, "admin", bus.GatewayInput{Member: egov, Name: "gw1", Address: "egov.test",
		AuthSerial: "a2", SignSerial: "52"}))
	must(e.reg.CreateService(e.ctx, "admin", bus.ServiceInput{Service: births, Title: "Tugʻilganlik", BaseURL: "https://civil.test/api/",
		OpenAPI: []byte(openAPI)}))
	must(e.reg.CreateService(e.ctx, "admin", bus.ServiceInput{Service: deaths, Title: "Deaths", BaseURL: "http://civil.test/deaths"}))
	must(e.reg.CreateGroup(e.ctx, "admin", bus.Group{Group: state, Description: "Davlat organlari"}))
	must(e.reg.CreateGroup(e.ctx, "admin", bus.Group{Group: bus.GroupID{Instance: "UZ", Code: "empty"}}))
	for _, s := range []xroad.ClientID{bpm, civilRg} {
		if err := e.reg.AddGroupMember(e.ctx, "admin", state, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []struct {
		service xroad.ServiceID
		to      bus.Grantee
		e       bus.Endpoint
	}{
		{births, bus.Grantee{Subsystem: portal}, bus.Endpoint{Method: "GET", Path: "/births/*"}},
		{births, bus.Grantee{Subsystem: portal}, bus.Endpoint{Method: "POST", Path: "/births/search"}},
		{births, bus.Grantee{Group: state}, bus.Endpoint{Method: "*", Path: "/births/*/certificate"}},
		{births, bus.Grantee{Subsystem: bpm}, bus.Endpoint{Method: "*", Path: "/births/*/certificate"}},
		{births, bus.Grantee{Subsystem: bpm}, bus.Endpoint{Method: "GET", Path: "/"}},
		{deaths, bus.Grantee{Subsystem: loans}, bus.Whole},
		{deaths, bus.Grantee{Group: state}, bus.Endpoint{Method: "GET", Path: "/persons/*/deaths"}},
	} {
		must(e.reg.GrantRight(e.ctx, "admin", g.service, g.to, g.e))
	}
}

// build makes the registry's configuration as of the clock.
func (e *env) build(t *testing.T) *globalconf.Config {
	t.Helper()
	c, err := globalconf.Build(e.ctx, e.reg, globalconf.BuildOptions{Instance: "UZ", Now: e.clock.Now(),
		Trust: globalconf.Trust{Roots: e.chain[1:], Intermediates: e.chain[:1], OCSPURL: "https://egov.test/pki/ocsp"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signer is the platform's configuration-signing key.
func (e *env) signer(t *testing.T) cms.Signer {
	t.Helper()
	s, err := e.ca.BusConfigSigner(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sign signs c B-LT with the platform's key.
func (e *env) sign(t *testing.T, c *globalconf.Config) []byte {
	t.Helper()
	der, err := globalconf.Sign(e.ctx, c, e.signer(t), globalconf.SignOptions{Time: e.clock.Now(), TSA: e.ca, OCSP: e.ca})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// verifier trusts the test root, on the test clock.
func (e *env) verifier() *globalconf.Verifier {
	return &globalconf.Verifier{Roots: e.roots, Instance: "UZ", Now: e.clock.Now}
}

// issue has the CA certify a new key with profile for system.
func (e *env) issue(t *testing.T, profile pki.Profile, system string) cms.Signer {
	t.Helper()
	key, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	req, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: system}}, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.ca.Issue(e.ctx, pki.IssueRequest{Profile: profile, Subject: pki.Subject{System: system, Organization: "Test org"},
		CSR: req, Actor: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.X509()
	if err != nil {
		t.Fatal(err)
	}
	return cms.Signer{Key: key, Cert: x, Chain: e.chain}
}
