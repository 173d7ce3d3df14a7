package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/pki"
)

// TestPKICommands runs the operator's and the holder's commands in order:
// a root, an issuing CA, a key and request, and signatures of a file that
// OpenSSL accepts against the root (B-B, and B-T with the node's TSA).
func TestPKICommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	t.Setenv("EGOV_PKI_PASSWORD", "root-password-for-the-test")
	if code, _, stderr := egov(t, "pki", "init-root", "--out", filepath.Join(dir, "root")); code != 0 {
		t.Fatalf("init-root: %d %s", code, stderr)
	}
	rootPEM := filepath.Join(dir, "root", "root.pem")
	if code, _, _ := egov(t, "pki", "init-root", "--out", filepath.Join(dir, "root")); code == 0 {
		t.Error("init-root overwrote an existing root")
	}
	if code, out, stderr := egov(t, "pki", "init-issuing", "--data-dir", data, "--root", filepath.Join(dir, "root", "root.p12")); code != 0 || !strings.Contains(out, "now issues") {
		t.Fatalf("init-issuing: %d %s %s", code, out, stderr)
	}
	t.Setenv("EGOV_PKI_PASSWORD", "wrong")
	if code, _, stderr := egov(t, "pki", "renew-root-crl", "--data-dir", data, "--root", filepath.Join(dir, "root", "root.p12")); code == 0 || !strings.Contains(stderr, "--root") {
		t.Errorf("renew-root-crl with a wrong password: %d %s", code, stderr)
	}
	if code, _, _ := egov(t, "pki", "keygen", "--pinfl", "3010190", "--name", "Ali", "--out", filepath.Join(dir, "x")); code != 2 {
		t.Errorf("keygen with a short PINFL: %d", code)
	}
	prefix := filepath.Join(dir, "ali")
	if code, _, stderr := egov(t, "pki", "keygen", "--pinfl", "30101900000011", "--name", "Ali Valiyev", "--out", prefix); code != 0 {
		t.Fatalf("keygen: %d %s", code, stderr)
	}

	// The request is enrolled (as the enrolment page will) and the holder
	// keeps key and certificate as a PKCS#12 file.
	cfg := app.Defaults()
	cfg.DataDir = data
	cfg.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	csrPEM, _ := os.ReadFile(prefix + ".csr")
	cert, err := a.PKI.Issue(ctx, pki.IssueRequest{Profile: pki.ProfilePerson, CSR: csrPEM, Owner: "ali",
		Subject: pki.Subject{PINFL: "30101900000011", GivenName: "Ali", Surname: "Valiyev"}, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := os.ReadFile(prefix + ".key")
	block, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := a.PKI.Chain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		t.Fatal(err)
	}
	p12, err := pki.EncodePKCS12(key.(crypto.Signer), leaf, chain, "holder-password-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prefix+".p12", p12, 0o600); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "ariza.txt")
	if err := os.WriteFile(doc, []byte("Tug'ilganlik haqida guvohnoma nusxasi so'raladi."), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EGOV_PKI_PASSWORD", "holder-password-1")
	for _, c := range []struct{ out, tsa string }{{doc + ".bb.p7s", ""}, {doc + ".bt.p7s", "http://" + ln.Addr().String() + "/pki/tsa"}} {
		args := []string{"pki", "sign", "--key", prefix + ".p12", "--in", doc, "--out", c.out}
		if c.tsa != "" {
			args = append(args, "--tsa", c.tsa)
		}
		if code, _, stderr := egov(t, args...); code != 0 {
			t.Fatalf("sign %v: %d %s", args, code, stderr)
		}
		out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", c.out, "-content", doc,
			"-CAfile", rootPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verification successful") {
			t.Errorf("openssl cms -verify %s: %v %s", c.out, err, out)
		}
	}
	if code, _, stderr := egov(t, "pki", "sign", "--key", prefix+".p12", "--in", doc, "--out", doc+".bb.p7s"); code == 0 {
		t.Errorf("sign overwrote a signature: %s", stderr)
	}
}
