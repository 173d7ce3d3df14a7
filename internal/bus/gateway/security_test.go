package gateway_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	stdlog "log"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// secEnv is a CA, a registry and a provider gateway of the civil registry
// served over mutual TLS, with the certificates of the members' gateways.
type secEnv struct {
	ca       *pki.Service
	db       *db.DB
	clock    *clock.Manual
	reg      *bus.Registry
	trust    *gateway.Trust
	chain    []*x509.Certificate
	civil    *gateway.Security // the provider gateway's
	egov     *gateway.Security // the consumer gateway's
	tax      *gateway.Security // another member's gateway
	provider *httptest.Server
	// prov is the handler provider serves, which a test may replace.
	prov    atomic.Pointer[gateway.Provider]
	service recorder
	// sigs are the X-Egov-Signature headers the provider gateway received.
	sigs chan string
}

// issue makes a key and has the CA certify it with profile for system.
func (e *secEnv) issue(t *testing.T, profile pki.Profile, system string) (crypto.Signer, *x509.Certificate) {
	t.Helper()
	key, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	req, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: system}}, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.ca.Issue(context.Background(), pki.IssueRequest{Profile: profile,
		Subject: pki.Subject{System: system, Organization: "Test org"}, CSR: req, Actor: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.X509()
	if err != nil {
		t.Fatal(err)
	}
	return key, x
}

// security issues a gateway's authentication and signing certificates.
func (e *secEnv) security(t *testing.T, system string) *gateway.Security {
	t.Helper()
	authKey, auth := e.issue(t, pki.ProfileGatewayAuth, system)
	signKey, sign := e.issue(t, pki.ProfileGatewaySign, system)
	return &gateway.Security{
		Auth:  tls.Certificate{Certificate: [][]byte{auth.Raw, e.chain[0].Raw}, PrivateKey: authKey, Leaf: auth},
		Sign:  cms.Signer{Key: signKey, Cert: sign, Chain: e.chain},
		Trust: e.trust,
	}
}

func serialOf(c *x509.Certificate) string { return c.SerialNumber.Text(16) }

func newSecEnv(t *testing.T) *secEnv {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite, []db.Migrations{audit.Migrations(), bus.Migrations(), pki.Migrations()})
	clk := clock.NewManual(time.Now().UTC())
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
	e := &secEnv{ca: ca, db: d, clock: clk, reg: bus.New(d, clk, log), sigs: make(chan string, 16)}
	if e.chain, err = ca.Chain(ctx); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(e.chain[1])
	e.trust = &gateway.Trust{Roots: roots, Intermediates: e.chain[:1], Status: ca, Gateways: e.reg, Now: clk.Now}
	e.civil, e.egov, e.tax = e.security(t, "civil-gw"), e.security(t, "egov-gw"), e.security(t, "tax-gw")

	service := httptest.NewServer(civilRegistry(&e.service))
	t.Cleanup(service.Close)
	prov, err := gateway.NewProvider(gateway.ProviderConfig{Directory: e.reg, Member: civil, Security: e.civil})
	if err != nil {
		t.Fatal(err)
	}
	e.prov.Store(prov)
	e.provider = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case e.sigs <- r.Header.Get(gateway.HeaderSignature):
		default:
		}
		e.prov.Load().ServeHTTP(w, r)
	}))
	e.provider.TLS = e.civil.ServerTLSConfig()
	e.provider.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	e.provider.StartTLS()
	t.Cleanup(e.provider.Close)

	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []bus.Member{{Client: civil, Name: "FHDYo"}, {Client: egov, Name: "Elektron hukumat"},
		{Client: tax, Name: "Soliq"}, {Client: noGW, Name: "Kadastr"}} {
		must(e.reg.CreateMember(ctx, "admin", m))
	}
	for _, s := range []xroad.ClientID{civilRg, portal, sub(tax, "tax"), sub(noGW, "cadastre")} {
		must(e.reg.CreateSubsystem(ctx, "admin", s))
	}
	for _, g := range []struct {
		member xroad.ClientID
		addr   string
		sec    *gateway.Security
	}{{civil, e.provider.Listener.Addr().String(), e.civil}, {egov, "egov.test:8443", e.egov}, {tax, "tax.test:8443", e.tax}} {
		must(e.reg.CreateGateway(ctx, "admin", bus.GatewayInput{Member: g.member, Name: "gw1", Address: g.addr,
			AuthSerial: serialOf(g.sec.Auth.Leaf), SignSerial: serialOf(g.sec.Sign.Cert)}))
	}
	must(e.reg.CreateService(ctx, "admin", bus.ServiceInput{Service: births, Title: "Births", BaseURL: service.URL + "/api/"}))
	for _, ep := range []bus.Endpoint{{Method: "GET", Path: "/births/*"}, {Method: "POST", Path: "/births/search"}} {
		must(e.reg.GrantRight(ctx, "admin", births, bus.Grantee{Subsystem: portal}, ep))
	}
	return e
}

// consumer is a consumer gateway of the egov member with sec, over
// transport (nil for sec's own).
func (e *secEnv) consumer(t *testing.T, sec *gateway.Security, transport http.RoundTripper) *httptest.Server {
	t.Helper()
	c, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: e.reg, Member: egov, LocalClients: apiKeys{"portal-key": portal},
		Security: sec, Transport: transport, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}

const getBirth = `GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key
X-Egov-Signature: forged-by-the-client`

// tamper alters the signatures passing a consumer gateway's transport.
type tamper struct {
	next              http.RoundTripper
	request, response bool
}

func flip(v string) string {
	der, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(der) == 0 {
		return v
	}
	der[len(der)-5] ^= 1
	return base64.StdEncoding.EncodeToString(der)
}

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	if tp.request {
		r.Header.Set(gateway.HeaderSignature, flip(r.Header.Get(gateway.HeaderSignature)))
	}
	resp, err := tp.next.RoundTrip(r)
	if err == nil && tp.response {
		resp.Header.Set(gateway.HeaderSignature, flip(resp.Header.Get(gateway.HeaderSignature)))
	}
	return resp, err
}

func TestMutualTLSAndSignatures(t *testing.T) {
	e := newSecEnv(t)
	ctx := context.Background()

	t.Run("signed exchange", func(t *testing.T) {
		cons := e.consumer(t, e.egov, nil)
		resp, body := call(t, cons, getBirth)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Aziz Karimov") {
			t.Fatalf("got %d %s", resp.StatusCode, body)
		}
		if resp.Header.Get(gateway.HeaderSignature) != "" {
			t.Error("the response signature reached the information system")
		}
		if got := e.service.get().header.Get(gateway.HeaderSignature); got != "" {
			t.Errorf("the service saw %s: %q", gateway.HeaderSignature, got)
		}
		var sig string
		select {
		case sig = <-e.sigs:
		case <-time.After(10 * time.Second):
			t.Fatal("the provider gateway received no signature")
		}
		der, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			t.Fatal(err)
		}
		hash := resp.Header.Get(xroad.HeaderRequestHash)
		v := cades.Verifier{Roots: e.trust.Roots, Status: e.ca, Now: time.Now}
		rep, err := v.Verify(ctx, []byte(hash), der)
		if err != nil || rep.Verdict != cades.Valid || serialOf(rep.Signatures[0].Signer) != serialOf(e.egov.Sign.Cert) {
			t.Fatalf("request signature: %v %+v", err, rep)
		}
		opensslVerify(t, e.chain[1], []byte(hash), der)

		// A body is covered too.
		resp, body = call(t, cons, `POST /r1/UZ/GOV/201122919/civil-registry/births/births/search HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key
Content-Type: application/json

{"name":"Aziz"}`)
		if resp.StatusCode != http.StatusOK || string(body) != `{"query_bytes":15}` {
			t.Fatalf("POST: got %d %s", resp.StatusCode, body)
		}
		<-e.sigs
	})

	t.Run("client certificate of another CA", func(t *testing.T) {
		sec := *e.egov
		sec.Auth = foreignCert(t)
		resp, body := call(t, e.consumer(t, &sec, nil), getBirth)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ClientProxy.SslAuthenticationFailed")
	})

	t.Run("certificate of another member's gateway", func(t *testing.T) {
		sec := *e.egov
		sec.Auth = e.tax.Auth
		resp, body := call(t, e.consumer(t, &sec, nil), getBirth)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.SslAuthenticationFailed")
		// Signing with another member's key fails alike.
		sec = *e.egov
		sec.Sign = e.tax.Sign
		resp, body = call(t, e.consumer(t, &sec, nil), getBirth)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.InvalidSignatureValue")
	})

	t.Run("tampered signatures", func(t *testing.T) {
		resp, body := call(t, e.consumer(t, e.egov, tamper{next: e.egov.ClientTransport(), request: true}), getBirth)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.InvalidSignatureValue")
		resp, body = call(t, e.consumer(t, e.egov, tamper{next: e.egov.ClientTransport(), response: true}), getBirth)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ClientProxy.InvalidSignatureValue")
	})

	t.Run("provider with an unregistered certificate", func(t *testing.T) {
		// The server at the cadastre's gateway's address presents a valid
		// certificate of our CA, but not the one registered.
		_, registered := e.issue(t, pki.ProfileGatewayAuth, "cadastre-gw")
		_, registeredSign := e.issue(t, pki.ProfileGatewaySign, "cadastre-gw")
		rogue := httptest.NewUnstartedServer(http.NotFoundHandler())
		rogue.TLS = e.security(t, "rogue-gw").ServerTLSConfig()
		rogue.StartTLS()
		t.Cleanup(rogue.Close)
		if _, err := e.reg.CreateGateway(ctx, "admin", bus.GatewayInput{Member: noGW, Name: "gw1", Address: rogue.Listener.Addr().String(),
			AuthSerial: serialOf(registered), SignSerial: serialOf(registeredSign)}); err != nil {
			t.Fatal(err)
		}
		resp, body := call(t, e.consumer(t, e.egov, nil), `GET /r1/UZ/GOV/209999999/cadastre/parcels/1 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key`)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ClientProxy.SslAuthenticationFailed")
	})

	t.Run("revoked certificates", func(t *testing.T) {
		cons := e.consumer(t, e.egov, nil)
		if resp, body := call(t, cons, getBirth); resp.StatusCode != http.StatusOK {
			t.Fatalf("before revoking: %d %s", resp.StatusCode, body)
		}
		if _, err := e.ca.Revoke(ctx, "admin", serialOf(e.egov.Sign.Cert), pki.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		// The gateways reuse their verdict on a certificate for
		// CertificateTTL: a revocation takes effect within it.
		if resp, body := call(t, cons, getBirth); resp.StatusCode != http.StatusOK {
			t.Fatalf("within the certificate TTL: %d %s", resp.StatusCode, body)
		}
		e.clock.Advance(gateway.DefaultCertificateTTL)
		resp, body := call(t, cons, getBirth)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.InvalidSignatureValue")
		if _, err := e.ca.Revoke(ctx, "admin", serialOf(e.egov.Auth.Leaf), pki.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(gateway.DefaultCertificateTTL)
		// A connection opened before the revocation is refused too.
		resp, body = call(t, cons, getBirth)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.SslAuthenticationFailed")
		// A new one fails in the TLS handshake.
		resp, body = call(t, e.consumer(t, e.egov, nil), getBirth)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ClientProxy.SslAuthenticationFailed")
	})

	t.Run("revoked provider certificate", func(t *testing.T) {
		// A consumer gateway refuses the answer of a provider gateway
		// whose certificate has been revoked since the connection was
		// opened.
		sec := *e.tax
		cons, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: e.reg, Member: tax,
			LocalClients: apiKeys{"tax-key": sub(tax, "tax")}, Security: &sec, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(cons)
		t.Cleanup(srv.Close)
		if _, err := e.reg.GrantRight(ctx, "admin", births, bus.Grantee{Subsystem: sub(tax, "tax")}, bus.Whole); err != nil {
			t.Fatal(err)
		}
		const taxGet = `GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/200935935/tax
X-Road-Api-Key: tax-key`
		if resp, body := call(t, srv, taxGet); resp.StatusCode != http.StatusOK {
			t.Fatalf("before revoking: %d %s", resp.StatusCode, body)
		}
		if _, err := e.ca.Revoke(ctx, "admin", serialOf(e.civil.Auth.Leaf), pki.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(gateway.DefaultCertificateTTL)
		for len(e.sigs) > 0 {
			<-e.sigs
		}
		resp, body := call(t, srv, taxGet)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ClientProxy.SslAuthenticationFailed")
		if len(e.sigs) != 1 {
			t.Error("the request did not go over the connection opened before the revocation")
		}
	})
}

// foreignCert is a gateway-auth-like certificate of a CA that is not ours.
func foreignCert(t *testing.T) tls.Certificate {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Other Root"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "egov-gw"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// opensslVerify checks a detached signature over content with openssl cms,
// as an auditor would.
func opensslVerify(t *testing.T, root *x509.Certificate, content, sig []byte) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is needed to check the signature as an auditor would")
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rootPEM := write("root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}))
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", write("sig.der", sig),
		"-content", write("hash.txt", content), "-CAfile", rootPEM, "-purpose", "any", "-out", filepath.Join(dir, "out")).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "out"))
	if string(got) != string(content) {
		t.Errorf("openssl verified %q", got)
	}
}
