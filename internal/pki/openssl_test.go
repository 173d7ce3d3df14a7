package pki_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/pki/tsp"
)

// These tests run the system OpenSSL against our output, as any relying
// party would. CI installs it, so they never skip.

// openssl runs the openssl command in dir and returns its output; a
// failure fails the test with the output.
func openssl(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := opensslResult(dir, args...)
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func opensslResult(dir string, args ...string) (string, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// write puts data into dir/name.
func write(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func pemOf(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// tsaCert is the TSA's current certificate.
func (e *env) tsaCert(t *testing.T) *x509.Certificate {
	t.Helper()
	p := pki.ProfileTSA
	list, err := e.svc.FindCertificates(context.Background(), pki.CertificateFilter{Profile: &p})
	if err != nil || len(list) == 0 {
		t.Fatalf("TSA certificate: %v", err)
	}
	x, _ := list[0].X509()
	return x
}

// opensslDir is a folder with the document, the root and the chain files.
func (e *env) opensslDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	issuing, root := e.chain(t)
	write(t, dir, "doc.txt", []byte("Ariza: Toshkent shahri, 2026\n"))
	write(t, dir, "root.pem", pemOf(root))
	write(t, dir, "issuing.pem", pemOf(issuing))
	write(t, dir, "tsa.pem", pemOf(e.tsaCert(t), issuing))
	return dir
}

// enrolOpenSSLKey makes a key and request with openssl req in dir
// (key.pem, req.pem), enrols it for person and writes the certificate to
// cert.pem.
func (e *env) enrolOpenSSLKey(t *testing.T, dir string) *pki.Certificate {
	t.Helper()
	openssl(t, dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem",
		"-subj", "/CN=Navoiy Alisher/serialNumber="+person.PINFL, "-out", "req.pem")
	csrPEM, _ := os.ReadFile(filepath.Join(dir, "req.pem"))
	c, err := e.svc.Issue(context.Background(), pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: csrPEM, Owner: "user-1", Actor: "user-1"})
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "cert.pem", c.PEM())
	return c
}

func TestOpenSSLVerifiesOurSignatures(t *testing.T) {
	e := sqliteEnv(t)
	dir := e.opensslDir(t)
	doc, _ := os.ReadFile(filepath.Join(dir, "doc.txt"))
	s, _ := e.signer(t, p256(t))
	for _, level := range []cades.Level{cades.LevelBB, cades.LevelBT, cades.LevelBLT} {
		sig, err := cades.Sign(context.Background(), doc, s, cades.SignOptions{Level: level, TSA: e.svc, OCSP: e.svc})
		if err != nil {
			t.Fatal(err)
		}
		name := "sig-" + string(level) + ".p7s"
		write(t, dir, name, sig)
		out := openssl(t, dir, "cms", "-verify", "-binary", "-content", "doc.txt", "-inform", "DER", "-in", name,
			"-CAfile", "root.pem", "-out", os.DevNull)
		if !strings.Contains(out, "Verification successful") {
			t.Errorf("%s: %s", level, out)
		}
		// The timestamp token inside a B-T signature verifies on its own.
		if level == cades.LevelBT {
			sd, _ := cms.Parse(sig)
			token, _ := sd.Signers[0].UnsignedAttr(cms.OIDAttrTimeStampToken)
			write(t, dir, "sig.bin", sd.Signers[0].Signature)
			write(t, dir, "token.der", token)
			out := openssl(t, dir, "ts", "-verify", "-data", "sig.bin", "-in", "token.der", "-token_in", "-CAfile", "root.pem", "-untrusted", "tsa.pem")
			if !strings.Contains(out, "Verification: OK") {
				t.Errorf("signature timestamp: %s", out)
			}
		}
	}
	// A changed document fails.
	write(t, dir, "doc.txt", []byte("Ariza: Samarqand shahri\n"))
	if out, err := opensslResult(dir, "cms", "-verify", "-binary", "-content", "doc.txt", "-inform", "DER", "-in", "sig-B-B.p7s",
		"-CAfile", "root.pem", "-out", os.DevNull); err == nil {
		t.Errorf("a changed document verified: %s", out)
	}
}

func TestOpenSSLTimestamps(t *testing.T) {
	e := sqliteEnv(t)
	ts := e.serve(t)
	dir := e.opensslDir(t)
	for _, tt := range []struct {
		hash    string
		granted bool
	}{{"-sha256", true}, {"-sha512", true}, {"-sha1", false}} {
		openssl(t, dir, "ts", "-query", "-data", "doc.txt", tt.hash, "-cert", "-out", "req.tsq")
		query, _ := os.ReadFile(filepath.Join(dir, "req.tsq"))
		status, ct, reply := fetch(t, "POST", ts.URL+pki.PathTSA, "application/timestamp-query", query)
		if status != 200 || ct != "application/timestamp-reply" {
			t.Fatalf("%s: HTTP %d %s", tt.hash, status, ct)
		}
		write(t, dir, "reply.tsr", reply)
		text := openssl(t, dir, "ts", "-reply", "-in", "reply.tsr", "-text")
		if !tt.granted {
			if !strings.Contains(text, "Status: Rejected") || !strings.Contains(text, "unrecognized or unsupported algorithm identifier") {
				t.Errorf("%s: %s", tt.hash, text)
			}
			continue
		}
		for _, want := range []string{"Status: Granted", "Accuracy: 0x01 seconds", "Nonce: 0x", "Policy OID: 2.999.3161.1"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: reply lacks %q:\n%s", tt.hash, want, text)
			}
		}
		out := openssl(t, dir, "ts", "-verify", "-queryfile", "req.tsq", "-in", "reply.tsr", "-CAfile", "root.pem", "-untrusted", "tsa.pem")
		if !strings.Contains(out, "Verification: OK") {
			t.Errorf("%s: %s", tt.hash, out)
		}
		out = openssl(t, dir, "ts", "-verify", "-data", "doc.txt", "-in", "reply.tsr", "-CAfile", "root.pem", "-untrusted", "tsa.pem")
		if !strings.Contains(out, "Verification: OK") {
			t.Errorf("%s with data: %s", tt.hash, out)
		}
	}
	// Our parser reads what OpenSSL asks.
	openssl(t, dir, "ts", "-query", "-data", "doc.txt", "-sha384", "-no_nonce", "-out", "req.tsq")
	query, _ := os.ReadFile(filepath.Join(dir, "req.tsq"))
	if req, err := tsp.ParseRequest(query); err != nil || req.Hash.Size() != 48 || req.Nonce != nil || req.CertReq {
		t.Errorf("OpenSSL query: %+v %v", req, err)
	}
}

func TestOpenSSLAsksOCSP(t *testing.T) {
	e := sqliteEnv(t)
	ts := e.serve(t)
	dir := e.opensslDir(t)
	c, x := e.issuePerson(t, p256(t))
	write(t, dir, "ee.pem", pemOf(x))
	ask := func() string {
		return openssl(t, dir, "ocsp", "-issuer", "issuing.pem", "-cert", "ee.pem", "-url", ts.URL+pki.PathOCSP, "-CAfile", "root.pem")
	}
	if out := ask(); !strings.Contains(out, "ee.pem: good") || !strings.Contains(out, "Response verify OK") {
		t.Errorf("before revocation: %s", out)
	}
	if _, err := e.svc.Revoke(context.Background(), "admin", c.Serial, pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	if out := ask(); !strings.Contains(out, "ee.pem: revoked") || !strings.Contains(out, "Reason: keyCompromise") ||
		!strings.Contains(out, "Response verify OK") {
		t.Errorf("after revocation: %s", out)
	}
}

func TestOpenSSLReadsCRL(t *testing.T) {
	e := sqliteEnv(t)
	ts := e.serve(t)
	dir := e.opensslDir(t)
	c, x := e.issuePerson(t, p256(t))
	if _, err := e.svc.Revoke(context.Background(), "admin", c.Serial, pki.ReasonAffiliationChanged); err != nil {
		t.Fatal(err)
	}
	status, _, crl := fetch(t, "GET", ts.URL+"/pki/crl/egov-test-issuing-ca-1.crl", "", nil)
	if status != 200 {
		t.Fatalf("CRL: %d", status)
	}
	write(t, dir, "ca.crl", crl)
	write(t, dir, "chain.pem", pemOf(e.chain(t)))
	out := openssl(t, dir, "crl", "-inform", "DER", "-in", "ca.crl", "-text", "-noout", "-CAfile", "chain.pem")
	serial := fmt.Sprintf("%X", x.SerialNumber.Bytes()) // OpenSSL prints whole octets
	for _, want := range []string{"verify OK", "Serial Number: " + serial, "Affiliation Changed", "X509v3 CRL Number", "Next Update"} {
		if !strings.Contains(out, want) {
			t.Errorf("CRL text lacks %q:\n%s", want, out)
		}
	}
}

func TestOpenSSLKeysEnrolAndSign(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	dir := e.opensslDir(t)
	e.enrolOpenSSLKey(t, dir)
	doc, _ := os.ReadFile(filepath.Join(dir, "doc.txt"))

	// OpenSSL signs, plain CMS and CAdES; we verify.
	for _, tt := range []struct {
		extra []string
		level cades.Level
	}{{nil, cades.LevelCMS}, {[]string{"-cades"}, cades.LevelBB}} {
		args := append([]string{"cms", "-sign", "-binary", "-in", "doc.txt", "-signer", "cert.pem", "-inkey", "key.pem",
			"-certfile", "issuing.pem", "-outform", "DER", "-out", "openssl.p7s"}, tt.extra...)
		openssl(t, dir, args...)
		sig, _ := os.ReadFile(filepath.Join(dir, "openssl.p7s"))
		rep := e.verify(t, doc, sig)
		if rep.Verdict != cades.Valid || rep.Signatures[0].Level != tt.level {
			t.Errorf("openssl cms -sign %v: %s %s, level %s", tt.extra, rep.Verdict, rep.Reason, rep.Signatures[0].Level)
		}
	}

	// An OpenSSL PKCS#12 file is read, and its key signs.
	openssl(t, dir, "pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-certfile", "issuing.pem",
		"-passout", "pass:parol-123", "-out", "id.p12")
	p12, _ := os.ReadFile(filepath.Join(dir, "id.p12"))
	kf, err := pki.ReadPKCS12(p12, "parol-123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.ReadPKCS12(p12, "wrong"); err == nil {
		t.Error("a wrong password opened the file")
	}
	sig, err := cades.Sign(ctx, doc, cms.Signer{Key: kf.Key, Cert: kf.Cert, Chain: kf.Chain}, cades.SignOptions{Level: cades.LevelBT, TSA: e.svc})
	if err != nil {
		t.Fatal(err)
	}
	if rep := e.verify(t, doc, sig); rep.Verdict != cades.Valid {
		t.Errorf("signed with the PKCS#12 key: %s %s", rep.Verdict, rep.Reason)
	}

	// What we write, OpenSSL reads: a key file for the holder and the
	// operator's root file.
	ours, err := pki.EncodePKCS12(kf.Key, kf.Cert, kf.Chain, "boshqa-parol")
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "ours.p12", ours)
	openssl(t, dir, "pkcs12", "-in", "ours.p12", "-passin", "pass:boshqa-parol", "-noout")
	rootFile, err := e.root.Marshal("root-parol")
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "root.p12", rootFile)
	if out := openssl(t, dir, "pkcs12", "-in", "root.p12", "-passin", "pass:root-parol", "-nokeys"); !strings.Contains(out, "CN = egov Test Root CA") {
		t.Errorf("root file: %s", out)
	}
}
