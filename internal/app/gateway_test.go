package app_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/pki"
)

// TestStandaloneGateway runs egov gateway for a member of its own (a
// notary office) against a demo central server: it works from the signed
// global configuration it downloads, asks the central OCSP responder about
// its peers, serves its service to the portal, lets its own system call the
// civil registry, and has its message log timestamped by the central TSA.
func TestStandaloneGateway(t *testing.T) {
	cfg := testConfig(t, "")
	n := startNode(t, cfg)
	ctx := context.Background()
	if err := n.app.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	reg := n.app.Exchange
	notary := xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "301234567"}
	deedsSystem := notary
	deedsSystem.Subsystem = "deeds-registry"
	deeds := xroad.ServiceID{Client: deedsSystem, ServiceCode: "deeds"}
	births, _ := xroad.ParseServiceID("UZ/GOV/201122919/civil-registry/births")
	portal, _ := xroad.ParseClientID("UZ/GOV/207283495/portal")
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"deed":"`+r.URL.Path+`"}`)
	}))
	t.Cleanup(service.Close)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(reg.CreateMember(ctx, "admin", bus.Member{Client: notary, Name: "Toshkent shahar 1-son davlat notarial idorasi"}))
	must(reg.CreateSubsystem(ctx, "admin", deedsSystem))
	must(reg.CreateService(ctx, "admin", bus.ServiceInput{Service: deeds, Title: "Deeds", BaseURL: service.URL}))
	must(reg.GrantRight(ctx, "admin", deeds, bus.Grantee{Subsystem: portal}, bus.Whole))
	must(reg.GrantRight(ctx, "admin", births, bus.Grantee{Subsystem: deedsSystem}, bus.Endpoint{Method: "GET", Path: "/*"}))

	// The operator issues the gateway's certificates; its keys go to its
	// own key directory, and the root to its trust anchors.
	chain, err := n.app.PKI.Chain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(profile pki.Profile) (crypto.Signer, []*x509.Certificate) {
		key, err := pki.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "notary-gw1"}}, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := n.app.PKI.Issue(ctx, pki.IssueRequest{Profile: profile, Subject: pki.Subject{System: "notary-gw1", Organization: "Notarial idora"},
			CSR: csr, Actor: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := c.X509()
		if err != nil {
			t.Fatal(err)
		}
		return key, append([]*x509.Certificate{leaf}, chain...)
	}
	dir := t.TempDir()
	authKey, authChain := issue(pki.ProfileGatewayAuth)
	signKey, signChain := issue(pki.ProfileGatewaySign)
	if err := gateway.WriteKeys(filepath.Join(dir, "keys"), authKey, authChain, signKey, signChain); err != nil {
		t.Fatal(err)
	}
	// Keys are never overwritten, and a refused write leaves nothing behind.
	if err := gateway.WriteKeys(filepath.Join(dir, "keys"), signKey, signChain, authKey, authChain); err == nil {
		t.Error("keys written over existing ones")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "keys.new-*")); len(left) != 0 {
		t.Errorf("a refused write left %v", left)
	}
	anchors := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(anchors, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain[len(chain)-1].Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	must(reg.CreateGateway(ctx, "admin", bus.GatewayInput{Member: notary, Name: "gw1", Address: "127.0.0.1:1",
		AuthSerial: authChain[0].SerialNumber.Text(16), SignSerial: signChain[0].SerialNumber.Text(16)}))

	g, err := app.StartGateway(ctx, app.GatewayConfig{Central: n.base, Anchors: anchors, Member: notary.String(), Name: "gw1",
		Keys: filepath.Join(dir, "keys"), ConsumerListen: "127.0.0.1:0", ProviderListen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data")},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	addr := g.ProviderAddr()
	must(reg.UpdateGateway(ctx, "admin", notary, "gw1", bus.GatewayUpdate{Address: &addr}))

	// The portal calls the notary's service through the standalone
	// provider gateway.
	key, err := os.ReadFile(filepath.Join(cfg.DataDir, "bus", "portal.api-key"))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := r1(t, n.app.DemoBusGateway(), "GET", "/r1/"+deeds.String()+"/2026/17", map[string][]string{
		"X-Road-Client": {portal.String()}, "X-Road-Api-Key": {strings.TrimSpace(string(key))}})
	if resp.StatusCode != 200 || string(body) != `{"deed":"/2026/17"}` {
		t.Fatalf("portal → notary: %d %s", resp.StatusCode, body)
	}

	// The notary's own system calls the civil registry through the
	// standalone consumer gateway, with a key of its gateway.
	_, notaryKey, err := g.Keys.Create(ctx, "admin", deedsSystem, "deeds registry")
	if err != nil {
		t.Fatal(err)
	}
	aziz := identity.DemoPeople()[0]
	resp, body = r1(t, g.ConsumerAddr(), "GET", "/r1/"+births.String()+"/"+aziz.PINFL, map[string][]string{
		"X-Road-Client": {deedsSystem.String()}, "X-Road-Api-Key": {notaryKey}})
	if resp.StatusCode != 200 || !strings.Contains(string(body), aziz.PINFL) {
		t.Fatalf("notary → civil registry: %d %s", resp.StatusCode, body)
	}
	// Not to a service it was not granted.
	resp, _ = r1(t, g.ConsumerAddr(), "GET", "/r1/UZ/GOV/201122919/civil-registry/marriages/"+aziz.PINFL, map[string][]string{
		"X-Road-Client": {deedsSystem.String()}, "X-Road-Api-Key": {notaryKey}})
	if resp.StatusCode != 500 || resp.Header.Get("X-Road-Error") != "Server.ServerProxy.AccessDenied" {
		t.Errorf("ungranted service: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
	}

	// Its message log, in its own database, is timestamped by the
	// central TSA and verifies.
	if k, err := g.Timestamp(ctx); err != nil || k != 3 {
		t.Fatalf("timestamped %d records: %v", k, err)
	}
	if err := g.MessageLog().Verify(ctx, notary.String()+"/gw1"); err != nil {
		t.Error(err)
	}
}
