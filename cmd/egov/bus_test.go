package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
)

// TestBusCommands runs the message log's commands as an operator and an
// auditor would: evidence of a logged exchange that verifies with egov
// and OpenSSL, archiving with a gateway's key, the log checked across the
// archive, and the same evidence found in the archive.
func TestBusCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	t.Setenv("EGOV_PKI_PASSWORD", "root-password-for-the-test")
	if code, _, stderr := egov(t, "pki", "init-root", "--out", filepath.Join(dir, "root")); code != 0 {
		t.Fatalf("init-root: %d %s", code, stderr)
	}
	rootPEM := filepath.Join(dir, "root", "root.pem")
	if code, _, stderr := egov(t, "pki", "init-issuing", "--data-dir", data, "--root", filepath.Join(dir, "root", "root.p12")); code != 0 {
		t.Fatalf("init-issuing: %d %s", code, stderr)
	}

	// A gateway with a signing key logs a signed exchange, timestamped by
	// the node's TSA, between two others; the key also signs archives.
	cfg := app.Defaults()
	cfg.DataDir = data
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "civil-gw"}}, key)
	c, err := a.PKI.Issue(ctx, pki.IssueRequest{Profile: pki.ProfileGatewaySign, CSR: csr, Actor: "test",
		Subject: pki.Subject{System: "civil-gw", Organization: "Civil registry"}})
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := c.X509()
	chain, err := a.PKI.Chain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signer := cms.Signer{Key: key, Cert: cert, Chain: chain}
	p12, err := pki.EncodePKCS12(key, cert, chain, "gateway-password-1")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "civil-gw.p12")
	if err := os.WriteFile(keyFile, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := a.MessageLogAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const reqHash, respHash = "cmVxdWVzdCBoYXNoIG9mIHRoZSB0ZXN0", "cmVzcG9uc2UgaGFzaCBvZiB0aGUgdGVzdA=="
	var sigs [2][]byte
	for i, h := range []string{reqHash, respHash} {
		if sigs[i], err = cades.Sign(ctx, []byte(h), signer, cades.SignOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []msglog.Entry{
		{Gateway: "civil-gw", QueryID: "before", Status: 200},
		{Gateway: "civil-gw", QueryID: "audit-me", Client: "UZ/GOV/200000001/portal", Service: "UZ/GOV/200000002/civil/births",
			RequestHash: reqHash, RequestSignature: sigs[0], ResponseHash: respHash, ResponseSignature: sigs[1], Status: 200},
		{Gateway: "civil-gw", QueryID: "after", Status: 404},
	} {
		if _, err := m.Log.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := m.Log.TimestampBatch(ctx, a.PKI); err != nil || n != 3 {
		t.Fatalf("TimestampBatch = %d, %v", n, err)
	}
	a.Close()

	// The evidence, from the database.
	bundle := filepath.Join(dir, "evidence.zip")
	if code, out, stderr := egov(t, "bus", "evidence", "--data-dir", data, "--gateway", "civil-gw", "--query-id", "audit-me", "--out", bundle); code != 0 ||
		!strings.Contains(out, "evidence of 1 exchange(s)") {
		t.Fatalf("evidence: %d %s %s", code, out, stderr)
	}
	if code, _, _ := egov(t, "bus", "evidence", "--data-dir", data, "--gateway", "civil-gw", "--query-id", "audit-me", "--out", bundle); code == 0 {
		t.Error("evidence overwrote a file")
	}
	verify := func(what, roots, file string, ok bool) {
		t.Helper()
		code, out, stderr := egov(t, "bus", "verify-evidence", "--roots", roots, file)
		if ok && (code != 0 || !strings.Contains(out, "the evidence verifies") || !strings.Contains(out, `query ID "audit-me"`) ||
			!strings.Contains(out, "request signature: valid") || !strings.Contains(out, "(revocation not checked)")) {
			t.Errorf("%s: verify-evidence = %d\n%s%s", what, code, out, stderr)
		}
		if !ok && (code != 1 || !strings.Contains(out, "PROBLEM") || !strings.Contains(stderr, "does not verify")) {
			t.Errorf("%s: verify-evidence = %d, want a failure\n%s%s", what, code, out, stderr)
		}
	}
	verify("evidence from the database", rootPEM, bundle, true)
	exDir := unzipTo(t, bundle)
	for _, args := range [][]string{
		{"cms", "-verify", "-binary", "-inform", "DER", "-in", "request.sig", "-content", "request-hash.txt", "-CAfile", "../root.pem", "-purpose", "any", "-out", os.DevNull},
		{"ts", "-verify", "-data", "batch-hashes.bin", "-in", "token.der", "-token_in", "-CAfile", "../root.pem", "-untrusted", "../tsa.pem"},
	} {
		cmd := exec.Command("openssl", args...)
		cmd.Dir = filepath.Join(exDir, "exchange-1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("openssl %s: %v %s", args[0], err, out)
		}
	}
	otherRoot := filepath.Join(dir, "other")
	if code, _, stderr := egov(t, "pki", "init-root", "--out", otherRoot, "--cn", "Another Root"); code != 0 {
		t.Fatalf("init-root: %s", stderr)
	}
	verify("another root", filepath.Join(otherRoot, "root.pem"), bundle, false)
	tampered := filepath.Join(dir, "tampered.zip")
	writeChanged(t, bundle, tampered, "exchange-1/record.json", func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"status": 200`), []byte(`"status": 500`), 1)
	})
	verify("changed status", rootPEM, tampered, false)

	// Archiving with the gateway's key, then the whole log checked.
	t.Setenv("EGOV_PKI_PASSWORD", "gateway-password-1")
	time.Sleep(5 * time.Millisecond)
	code, out, stderr := egov(t, "bus", "archive", "--data-dir", data, "--gateway", "civil-gw", "--key", keyFile, "--older-than", "1ms")
	if code != 0 || !strings.Contains(out, "records 1-3 archived to bus/msglog/civil-gw/000000000001-000000000003.zip") {
		t.Fatalf("archive: %d %s %s", code, out, stderr)
	}
	if code, out, _ := egov(t, "bus", "archive", "--data-dir", data, "--gateway", "civil-gw", "--key", keyFile, "--older-than", "1ms"); code != 0 ||
		!strings.Contains(out, "no timestamped records") {
		t.Errorf("archive again: %d %s", code, out)
	}
	if code, out, stderr := egov(t, "bus", "verify-log", "--data-dir", data, "--gateway", "civil-gw"); code != 0 || !strings.Contains(out, "1 archive file(s) [1-3]") {
		t.Errorf("verify-log: %d %s %s", code, out, stderr)
	}

	// The evidence, now from the archive, is the same.
	archived := filepath.Join(dir, "archived.zip")
	if code, _, stderr := egov(t, "bus", "evidence", "--data-dir", data, "--gateway", "civil-gw", "--query-id", "audit-me", "--out", archived); code != 0 {
		t.Fatalf("evidence from the archive: %d %s", code, stderr)
	}
	verify("evidence from the archive", rootPEM, archived, true)
	if code, _, stderr := egov(t, "bus", "evidence", "--data-dir", data, "--gateway", "civil-gw", "--query-id", "nope"); code != 1 || !strings.Contains(stderr, "nope") {
		t.Errorf("unknown query ID: %d %s", code, stderr)
	}

	// A changed archive file fails the check.
	file := filepath.Join(data, "blobs", "bus", "msglog", "civil-gw", "000000000001-000000000003.zip")
	content, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	content[len(content)/2] ^= 1
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := egov(t, "bus", "verify-log", "--data-dir", data, "--gateway", "civil-gw"); code != 1 || !strings.Contains(stderr, "SHA-256 is not the one indexed") {
		t.Errorf("verify-log of a changed archive: %d %s", code, stderr)
	}
}

func TestBusCommandUsage(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if code, out, _ := egov(t, "bus"); code != 0 || !strings.Contains(out, "egov bus evidence") {
		t.Errorf("bus: %d %s", code, out)
	}
	for _, args := range [][]string{
		{"bus", "nope"},
		{"bus", "evidence", "--data-dir", data, "--gateway", "civil-gw"},
		{"bus", "verify-evidence", "bundle.zip"},
		{"bus", "verify-evidence", "--roots", filepath.Join(data, "none.pem"), "bundle.zip"},
		{"bus", "archive", "--data-dir", data, "--gateway", "civil-gw"},
		{"bus", "archive", "--data-dir", data, "--gateway", "civil-gw", "--key", "k.p12", "--older-than", "-1h"},
		{"bus", "verify-log", "--data-dir", data},
	} {
		if code, _, stderr := egov(t, args...); code != 2 || !strings.HasPrefix(stderr, "egov: ") {
			t.Errorf("%v: %d %s", args, code, stderr)
		}
	}
	if _, err := os.Stat(data); err == nil {
		t.Error("a command with bad usage created the data dir")
	}
}

// unzipTo extracts the ZIP file at path into a new folder.
func unzipTo(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(dst), 0o700)
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeChanged copies the ZIP file src to dst with the file name changed
// by change.
func writeChanged(t *testing.T, src, dst, name string, change func([]byte) []byte) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == name {
			b = change(b)
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
