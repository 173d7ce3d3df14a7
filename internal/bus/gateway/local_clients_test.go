package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/platform/audit"
)

// selfSigned makes an information system's own certificate, as X-Road lets
// systems use: no CA, trusted because it is registered.
func selfSigned(t *testing.T, name string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// TestLocalClientCertificates checks that an information system may
// authenticate to its consumer gateway by a registered TLS client
// certificate instead of an API key, and only as the subsystem it is
// registered for.
func TestLocalClientCertificates(t *testing.T) {
	e := newSecEnv(t)
	ctx := context.Background()
	keys := bus.NewAPIKeys(e.db, e.clock, audit.New(e.db, e.clock))
	registered, other, stranger := selfSigned(t, "portal"), selfSigned(t, "archive"), selfSigned(t, "stranger")
	if _, err := keys.AddCertificate(ctx, "admin", portal, "portal back office", registered.Leaf); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.AddCertificate(ctx, "admin", sub(egov, "archive"), "archive", other.Leaf); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.AddCertificate(ctx, "admin", portal, "again", registered.Leaf); err == nil {
		t.Error("one certificate registered twice")
	}
	c, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: e.reg, Member: egov, LocalClients: keys, Security: e.egov,
		Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(c)
	srv.TLS = e.egov.ConsumerTLSConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)

	get := func(cert *tls.Certificate, client string) (*http.Response, string) {
		t.Helper()
		cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test checks the client side only
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		req, _ := http.NewRequest("GET", srv.URL+"/r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123", nil)
		req.Header.Set("X-Road-Client", client)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	if resp, body := get(&registered, portal.String()); resp.StatusCode != 200 || !strings.Contains(body, "Aziz Karimov") {
		t.Fatalf("registered certificate: %d %s", resp.StatusCode, body)
	}
	for name, c := range map[string]struct {
		cert   *tls.Certificate
		client string
	}{
		"no certificate, no key":          {nil, portal.String()},
		"unregistered certificate":        {&stranger, portal.String()},
		"another subsystem's certificate": {&other, portal.String()},
	} {
		if resp, body := get(c.cert, c.client); resp.StatusCode != 400 || resp.Header.Get("X-Road-Error") != "Client.AccessDenied" {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		}
	}
}
