package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGatewayCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := egov(t, "gateway", "api-key", "--client", "UZ/GOV/301234567/deeds-registry", "--label", "Deeds registry",
		"--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "egov_") {
		t.Fatalf("api-key: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := egov(t, "gateway", "api-key", "--client", "UZ/GOV/301234567", "--label", "x", "--data-dir", dir); code == 0 ||
		!strings.Contains(errOut, "subsystem") {
		t.Errorf("a member's key: %d %q", code, errOut)
	}
	// A system's own certificate, registered once.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "deeds"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(dir, "deeds.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	register := []string{"gateway", "client-cert", "--client", "UZ/GOV/301234567/deeds-registry", "--label", "Deeds registry",
		"--cert", certFile, "--data-dir", dir}
	if code, _, errOut := egov(t, register...); code != 0 {
		t.Fatalf("client-cert: %d %q", code, errOut)
	}
	if code, _, _ := egov(t, register...); code == 0 {
		t.Error("the same certificate registered twice")
	}
	if code, _, errOut := egov(t, "gateway", "client-cert", "--client", "UZ/GOV/301234567/deeds-registry", "--label", "x",
		"--cert", filepath.Join(dir, "gateway.db"), "--data-dir", dir); code != 2 || !strings.Contains(errOut, "not a PEM certificate") {
		t.Errorf("not a certificate: %d %q", code, errOut)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--central", "ftp://x"}, "--central"},
		{[]string{"--central", "http://127.0.0.1:1", "--member", "UZ/GOV/301234567/sub"}, "--member"},
		{[]string{"--central", "http://127.0.0.1:1", "--member", "UZ/GOV/301234567", "--name", "gw1",
			"--anchors", filepath.Join(dir, "none.pem")}, "--anchors"},
	} {
		code, _, errOut := egov(t, append([]string{"gateway", "--data-dir", dir}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gateway %v: %d %q", c.args, code, errOut)
		}
	}
	if code, _, errOut := egov(t, "gateway", "--help"); !strings.Contains(errOut+out, "--provider-listen") {
		t.Errorf("help: %d %q", code, errOut)
	}
}
