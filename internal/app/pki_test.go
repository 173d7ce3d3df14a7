package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/totp"
	"github.com/egovuz/egov/internal/pki"
)

// TestDemoCertificateAuthority checks that a demo node signs from the
// start: its root is in the data dir for openssl to trust, and its TSA,
// CA certificates and CRL answer at the URLs certificates carry.
func TestDemoCertificateAuthority(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		cfg := testConfig(t, databaseURL)
		n := startNode(t, cfg)
		ctx := context.Background()
		for range 2 { // the second load changes nothing
			if err := n.app.LoadDemo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		cas, err := n.app.PKI.Authorities(ctx)
		if err != nil || len(cas) != 2 {
			t.Fatalf("authorities: %d %v", len(cas), err)
		}
		dir := t.TempDir()
		root := filepath.Join(cfg.DataDir, "pki", "root.pem")
		doc := filepath.Join(dir, "doc.txt")
		if err := os.WriteFile(doc, []byte("Ariza matni"), 0o600); err != nil {
			t.Fatal(err)
		}
		openssl := func(args ...string) string {
			t.Helper()
			out, err := exec.Command("openssl", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return string(out)
		}
		// A timestamp from the node's TSA verifies against the demo root.
		query := filepath.Join(dir, "q.tsq")
		openssl("ts", "-query", "-data", doc, "-sha256", "-cert", "-out", query)
		q, _ := os.ReadFile(query)
		resp, body := postBytes(t, n.base+"/pki/tsa", "application/timestamp-query", q)
		if resp != 200 {
			t.Fatalf("TSA: %d", resp)
		}
		reply := filepath.Join(dir, "r.tsr")
		if err := os.WriteFile(reply, body, 0o600); err != nil {
			t.Fatal(err)
		}
		chain := filepath.Join(dir, "chain.pem")
		issuing := ""
		for _, ca := range cas {
			if ca.Active {
				issuing = ca.Name
			}
		}
		_, crt := fetchBytes(t, n.base+"/pki/ca/"+issuing+".crt")
		if err := os.WriteFile(chain, crt, 0o600); err != nil {
			t.Fatal(err)
		}
		if out := openssl("ts", "-verify", "-data", doc, "-in", reply, "-CAfile", root, "-untrusted", chain); !strings.Contains(out, "Verification: OK") {
			t.Errorf("openssl ts -verify: %s", out)
		}
		// The issuing CA's CRL parses and names its issuer.
		crl := filepath.Join(dir, "ca.crl")
		code, der := fetchBytes(t, n.base+"/pki/crl/"+issuing+".crl")
		if code != 200 || os.WriteFile(crl, der, 0o600) != nil {
			t.Fatalf("CRL: %d", code)
		}
		if out := openssl("crl", "-inform", "DER", "-in", crl, "-noout", "-issuer"); !strings.Contains(out, "egov Demo Issuing CA") {
			t.Errorf("CRL issuer: %s", out)
		}
	})
}

// fetchBytes GETs u and returns the status and body.
func fetchBytes(t *testing.T, u string) (int, []byte) {
	t.Helper()
	return postBytes(t, u, "", nil)
}

// postBytes POSTs body as contentType to u (GETs u when contentType is
// empty) and returns the status and body.
func postBytes(t *testing.T, u, contentType string, body []byte) (int, []byte) {
	t.Helper()
	method := "POST"
	if contentType == "" {
		method = "GET"
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestSignInWithCertificate signs Aziz Karimov in with a key whose
// certificate the demo CA issued, over the page's one-time challenge.
func TestSignInWithCertificate(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	ctx := context.Background()
	if err := n.app.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	var pinfl string
	if err := n.app.DB.Reader().QueryRow(`SELECT pinfl FROM identity_users WHERE phone = '+998901000001'`).Scan(&pinfl); err != nil {
		t.Fatal(err)
	}
	issue := func(pinfl string) (*ecdsa.PrivateKey, []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		req, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "Aziz Karimov",
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 5}, Value: pinfl}}}}, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := n.app.PKI.Issue(ctx, pki.IssueRequest{Profile: pki.ProfilePerson, CSR: req, Actor: "test",
			Subject: pki.Subject{PINFL: pinfl, GivenName: "Aziz", Surname: "Karimov"}})
		if err != nil {
			t.Fatal(err)
		}
		return key, c.DER
	}
	key, cert := issue(pinfl)
	page := regexp.MustCompile(`data-sign-text="([^"]+)"[\s\S]*name="challenge" value="([^"]+)"`)
	// attempt opens the page and sends the certificate with a signature
	// of the page's text by key (or of other text).
	attempt := func(v *visitor, key *ecdsa.PrivateKey, cert []byte, tamper bool) (*http.Response, string, url.Values) {
		_, body := v.get("/login/certificate")
		m := page.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no challenge on the page:\n%s", body)
		}
		text := html.UnescapeString(m[1])
		if tamper {
			text += "!"
		}
		h := sha256.Sum256([]byte(text))
		sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"challenge": {m[2]}, "certificate": {base64.StdEncoding.EncodeToString(cert)},
			"signature": {base64.StdEncoding.EncodeToString(sig)}, "next": {"/profile"}}
		resp, out := v.post("/login/certificate", "/login/certificate", form)
		return resp, out, form
	}
	v := newVisitor(t, n.base)
	if resp, out, _ := attempt(v, key, cert, true); resp.StatusCode != 401 || !strings.Contains(out, "not accepted") {
		t.Errorf("a signature of other text: %d", resp.StatusCode)
	}
	resp, _, form := attempt(v, key, cert, false)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/profile" {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	if _, profile := v.get("/profile"); !strings.Contains(profile, "Aziz") {
		t.Error("the profile is not Aziz's")
	}
	// The same challenge and signature do not sign in again.
	replay := newVisitor(t, n.base)
	if resp, out := replay.post("/login/certificate", "/login/certificate", form); resp.StatusCode != 401 || !strings.Contains(out, "expired or was already used") {
		t.Errorf("replay: %d", resp.StatusCode)
	}
	// Nor does a revoked certificate, or one of a PINFL without an account.
	parsed, _ := x509.ParseCertificate(cert)
	if _, err := n.app.PKI.Revoke(ctx, "test", fmt.Sprintf("%x", parsed.SerialNumber), pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	if resp, _, _ := attempt(newVisitor(t, n.base), key, cert, false); resp.StatusCode != 401 {
		t.Errorf("revoked certificate: %d", resp.StatusCode)
	}
	key, cert = issue("31212999999999")
	if resp, out, _ := attempt(newVisitor(t, n.base), key, cert, false); resp.StatusCode != 401 || !strings.Contains(out, "register first") {
		t.Errorf("no account: %d", resp.StatusCode)
	}
}

// TestCertificatePagesRefuseWhatIsNotYours covers the holder's pages and
// the signing API with bad input: a request naming someone else, another
// person's certificate, a tampered signing state, a signature by another
// key.
func TestCertificatePagesRefuseWhatIsNotYours(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	ctx := context.Background()
	if err := n.app.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	pinflOf := func(phone string) string {
		var p string
		if err := n.app.DB.Reader().QueryRow(`SELECT pinfl FROM identity_users WHERE phone = $1`, phone).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	request := func(key *ecdsa.PrivateKey, pinfl string) string {
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "X",
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 5}, Value: pinfl}}}}, key)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	aziz := newVisitor(t, n.base)
	aziz.login("+998901000001", identity.DemoPassword, "/profile/certificates")
	// A password alone gets no certificate.
	if resp, _ := aziz.post("/profile/certificates", "/profile/certificates", url.Values{"csr": {request(key, pinflOf("+998901000001"))}}); resp.StatusCode != 403 {
		t.Errorf("enrolment after a password alone: %d", resp.StatusCode)
	}
	if _, page := aziz.get("/profile/certificates"); !strings.Contains(page, "second step") || strings.Contains(page, `id="certificate-enrol"`) {
		t.Error("the page offers enrolment after a password alone")
	}
	aziz = newVisitor(t, n.base)
	aziz.loginTwoStep("+998901000001")
	// A request with Malika's PINFL is refused; one with his own is issued.
	if resp, page := aziz.post("/profile/certificates", "/profile/certificates", url.Values{"csr": {request(key, pinflOf("+998901000002"))}}); resp.StatusCode != 422 ||
		!strings.Contains(page, "error-summary") {
		t.Errorf("a request naming someone else: %d", resp.StatusCode)
	}
	resp, _ := aziz.post("/profile/certificates", "/profile/certificates", url.Values{"csr": {request(key, pinflOf("+998901000001"))}})
	serial := strings.TrimPrefix(resp.Header.Get("Location"), "/profile/certificates?issued=")
	if resp.StatusCode != 303 || serial == "" {
		t.Fatalf("enrol: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := aziz.get("/profile/certificates/" + serial + ".pem"); resp.StatusCode != 200 || !strings.Contains(body, "BEGIN CERTIFICATE") {
		t.Errorf("download: %d", resp.StatusCode)
	}
	malika := newVisitor(t, n.base)
	malika.login("+998901000002", identity.DemoPassword, "/profile/certificates")
	if resp, _ := malika.get("/profile/certificates/" + serial + ".pem"); resp.StatusCode != 404 {
		t.Errorf("another person's certificate: %d", resp.StatusCode)
	}
	if resp, _ := malika.post("/profile/certificates", "/profile/certificates/"+serial+"/revoke", url.Values{"reason": {"key_compromise"}}); resp.StatusCode != 404 {
		t.Errorf("revoking another person's certificate: %d", resp.StatusCode)
	}
	if resp, _ := newVisitor(t, n.base).get("/profile/certificates"); resp.StatusCode != 303 {
		t.Errorf("the page without signing in: %d", resp.StatusCode)
	}

	// The signing API: prepare, then tampered state and another key's
	// signature are refused; the key's own signature gives a CAdES file.
	c, err := n.app.PKI.FindCertificate(ctx, serial)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("hujjat"))
	var prep struct {
		ToBeSigned []byte `json:"to_be_signed"`
		State      []byte
	}
	body := fmt.Sprintf(`{"digest": %q, "certificate": %q}`, base64.StdEncoding.EncodeToString(digest[:]), base64.StdEncoding.EncodeToString(c.DER))
	if resp, err := callJSON(http.DefaultClient, "", "POST", n.base+"/api/v1/signatures/prepare", body, &prep); err != nil || resp.StatusCode != 200 {
		t.Fatalf("prepare: %v %v", resp, err)
	}
	if resp, _ := callJSON(http.DefaultClient, "", "POST", n.base+"/api/v1/signatures/prepare", `{"digest": "AAAA", "certificate": "AAAA"}`, nil); resp.StatusCode != 400 {
		t.Errorf("prepare with garbage: %d", resp.StatusCode)
	}
	h := sha256.Sum256(prep.ToBeSigned)
	good, _ := ecdsa.SignASN1(rand.Reader, key, h[:])
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bad, _ := ecdsa.SignASN1(rand.Reader, other, h[:])
	tampered := bytes.Clone(prep.State)
	tampered[len(tampered)-1] ^= 1
	for name, c := range map[string]struct {
		state, sig []byte
		status     int
	}{"tampered state": {tampered, good, 400}, "another key": {prep.State, bad, 400}, "the key": {prep.State, good, 200}} {
		var out struct{ Signature []byte }
		body := fmt.Sprintf(`{"state": %q, "signature": %q}`, base64.StdEncoding.EncodeToString(c.state), base64.StdEncoding.EncodeToString(c.sig))
		resp, err := callJSON(http.DefaultClient, "", "POST", n.base+"/api/v1/signatures/assemble", body, &out)
		if err != nil || resp.StatusCode != c.status || (c.status == 200 && len(out.Signature) < 500) {
			t.Errorf("%s: %v %v", name, resp, err)
		}
	}
	// Revoked by its holder, the certificate no longer prepares signatures.
	if resp, _ := aziz.post("/profile/certificates", "/profile/certificates/"+serial+"/revoke", url.Values{"reason": {"key_compromise"}}); resp.StatusCode != 303 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := callJSON(http.DefaultClient, "", "POST", n.base+"/api/v1/signatures/prepare", body, nil); resp.StatusCode != 400 {
		t.Errorf("prepare with a revoked certificate: %d", resp.StatusCode)
	}

	// Renewal: a new certificate replaces a valid one of his, which is
	// revoked as superseded; not a revoked one, nor someone else's.
	enrol := func(v *visitor, replaces string) *http.Response {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		resp, _ := v.post("/profile/certificates", "/profile/certificates", url.Values{"csr": {request(k, pinflOf("+998901000001"))}, "replaces": {replaces}})
		return resp
	}
	resp = enrol(aziz, "")
	current := strings.TrimPrefix(resp.Header.Get("Location"), "/profile/certificates?issued=")
	if resp := enrol(aziz, serial); resp.StatusCode != 422 {
		t.Errorf("renewing a revoked certificate: %d", resp.StatusCode)
	}
	malika = newVisitor(t, n.base)
	malika.loginTwoStep("+998901000002")
	if resp := enrol(malika, current); resp.StatusCode != 404 {
		t.Errorf("renewing someone else's certificate: %d", resp.StatusCode)
	}
	resp = enrol(aziz, current)
	renewed := strings.TrimPrefix(resp.Header.Get("Location"), "/profile/certificates?issued=")
	if resp.StatusCode != 303 || renewed == current {
		t.Fatalf("renew: %d", resp.StatusCode)
	}
	if old, err := n.app.PKI.FindCertificate(ctx, current); err != nil || old.RevokedAt == nil || old.Reason != pki.ReasonSuperseded {
		t.Errorf("the renewed certificate: %+v %v", old, err)
	}
}

// loginTwoStep signs v in as phone with the demo password and a code: it
// turns two-step sign-in on first, then signs in again with the code, as
// enrolling for a certificate asks for more than a password.
func (v *visitor) loginTwoStep(phone string) {
	v.t.Helper()
	v.login(phone, identity.DemoPassword, "/profile")
	secret := v.enableTwoStep()
	v.post("/profile", "/logout", url.Values{})
	v.login(phone, identity.DemoPassword, "/profile")
	if resp, _ := v.post("/login/code", "/login/code", url.Values{"code": {totp.Code(secret, time.Now().Add(30*time.Second))}}); resp.StatusCode != 303 {
		v.t.Fatalf("sign in with a code: %d", resp.StatusCode)
	}
}

// enableTwoStep turns two-step sign-in on for the signed-in v and returns
// its secret.
func (v *visitor) enableTwoStep() []byte {
	v.t.Helper()
	_, page := v.get("/profile/2fa")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	if m == nil {
		v.t.Fatal("no secret on the two-step page")
	}
	secret, err := totp.DecodeSecret(m[1])
	if err != nil {
		v.t.Fatal(err)
	}
	if resp, _ := v.post("/profile/2fa", "/profile/2fa/confirm", url.Values{"code": {totp.Code(secret, time.Now())}}); resp.StatusCode != 200 {
		v.t.Fatalf("turn two-step sign-in on: %d", resp.StatusCode)
	}
	return secret
}
