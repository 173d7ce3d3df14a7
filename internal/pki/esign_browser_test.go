package pki_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/web/webtest"
	"software.sslmate.com/src/go-pkcs12"
)

// The e-signature script (esign.js) is tested in Chromium against the
// real CA, go-pkcs12 and OpenSSL: what the browser makes, the server and
// any standard tool read, and what they make, the browser reads.

// esignPage is the test page: only the script, under the platform's
// content security policy, so that the script needs nothing inline.
const esignPage = `<!doctype html>
<html lang="uz"><head><meta charset="utf-8"><title>esign</title>
<script src="/esign.js"></script></head><body><h1>esign</h1></body></html>`

// esignBrowser starts Chromium on a page that loads esign.js, or skips
// when EGOV_TEST_BROWSER is not set. It returns the chromedp context and
// the errors the page reported (uncaught exceptions, console errors, CSP
// violations).
func esignBrowser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join("..", "platform", "web", "static", "js", "esign.js"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(esignPage))
	})
	mux.HandleFunc("GET /esign.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(script)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	ctx, problems := webtest.Browser(t, 3*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	if !jsRun[bool](t, ctx, `return typeof egovSign === "object" && egovSign.supported()`) {
		t.Fatal("egovSign is not loaded or not supported")
	}
	return ctx, problems
}

// jsRun runs body as an async function in the page and returns what it
// returns, failing the test on an exception.
func jsRun[T any](t *testing.T, ctx context.Context, body string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T]("(async () => {"+body+"})()", chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%v\nin: %s", err, body)
	}
	return v
}

// jsErrorCode runs body, which must fail, and returns the code of its
// EsignError.
func jsErrorCode(t *testing.T, ctx context.Context, body string) string {
	t.Helper()
	return jsRun[string](t, ctx, `try { `+body+`; return "no error"; } catch (e) {
		return e instanceof egovSign.EsignError ? e.code : "not an EsignError: " + e; }`)
}

// jsBytes is a JavaScript expression for b as a Uint8Array.
func jsBytes(b []byte) string {
	return `egovSign.fromBase64("` + base64.StdEncoding.EncodeToString(b) + `")`
}

// jsChain is a JavaScript expression for a chain of DER certificates.
func jsChain(certs ...*x509.Certificate) string {
	var parts []string
	for _, c := range certs {
		parts = append(parts, jsBytes(c.Raw))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// fromBase64 decodes what the page returned.
func fromBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// browserSigns signs msg in the page with the private key the expression
// key names, and checks that the signature verifies with cert's key, as
// the certificate login does with a challenge. It returns the signature.
func browserSigns(t *testing.T, ctx context.Context, key string, msg []byte, cert *x509.Certificate) []byte {
	t.Helper()
	sig := fromBase64(t, jsRun[string](t, ctx, `return egovSign.toBase64(await egovSign.signDigestInfo(`+key+`, `+jsBytes(msg)+`))`))
	sum := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), sum[:], sig) {
		t.Fatalf("the signature by %s does not verify", key)
	}
	return sig
}

// keyFilePassword is an Uzbek password, not ASCII, as holders choose them.
const keyFilePassword = "Parol-oʻzbek-2026"

func TestBrowserESignature(t *testing.T) {
	ctx, problems := esignBrowser(t)
	e := sqliteEnv(t)
	issuing, root := e.chain(t)

	// Enrolment: the browser makes the key and the request, the CA issues.
	csrPEM := jsRun[string](t, ctx, `window.kp = await egovSign.generateKey();
		const r = await egovSign.csr(kp, {pinfl: "`+person.PINFL+`", commonName: "Navoiy Alisher"});
		if (!r.pem.includes(egovSign.toBase64(r.der).slice(0, 64))) { throw new Error("PEM and DER differ"); }
		return r.pem`)
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("not a PEM request: %q", csrPEM)
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.CheckSignature(); err != nil {
		t.Fatal(err)
	}
	if req.Subject.SerialNumber != person.PINFL || req.Subject.CommonName != "Navoiy Alisher" || req.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("request: %s, %v", req.Subject, req.SignatureAlgorithm)
	}
	issued, err := e.svc.Issue(context.Background(), pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person,
		CSR: []byte(csrPEM), Owner: "user-1", Actor: "user-1"})
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := issued.X509()
	jsRun[any](t, ctx, `window.chain = `+jsChain(cert, issuing, root)+`; return null`)
	for subject, want := range map[string]string{`{pinfl: "123"}`: "invalid-subject", `{stir: "12345"}`: "invalid-subject", `{}`: "invalid-subject"} {
		if code := jsErrorCode(t, ctx, `await egovSign.csr(kp, `+subject+`)`); code != want {
			t.Errorf("csr %s: %s, want %s", subject, code, want)
		}
	}

	t.Run("key store", func(t *testing.T) {
		var got struct {
			Serial, PINFL, Name, NotAfter string
			Listed                        []string
			Extractable, Missing          bool
			ChainLength                   int
		}
		raw := jsRun[json.RawMessage](t, ctx, `const info = await egovSign.keyStore.save(kp, chain);
			window.stored = await egovSign.keyStore.load(info.serial);
			return {Serial: info.serial, PINFL: stored.info.subject.serialNumber, Name: stored.info.subject.commonName,
				NotAfter: stored.info.notAfter.toISOString(), ChainLength: stored.chain.length,
				Listed: (await egovSign.keyStore.list()).map((k) => k.serial),
				Extractable: stored.keyPair.privateKey.extractable,
				Missing: await egovSign.keyStore.load("ff") === null}`)
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if got.Serial != issued.Serial || got.PINFL != person.PINFL || got.Name != cert.Subject.CommonName ||
			got.NotAfter != cert.NotAfter.UTC().Format("2006-01-02T15:04:05.000Z") || got.ChainLength != 3 {
			t.Errorf("stored %+v, issued %s %s %v", got, issued.Serial, cert.Subject, cert.NotAfter)
		}
		if len(got.Listed) != 1 || got.Listed[0] != issued.Serial || got.Extractable || !got.Missing {
			t.Errorf("listed %v, extractable %v, missing %v", got.Listed, got.Extractable, got.Missing)
		}
		// The stored key signs a login challenge; the server checks it.
		challenge := make([]byte, 32)
		rand.Read(challenge)
		browserSigns(t, ctx, "stored.keyPair.privateKey", challenge, cert)
		// It cannot be read out of the browser, and a certificate for
		// another key is refused.
		if code := jsErrorCode(t, ctx, `await egovSign.exportPKCS12(stored.keyPair, chain, "x")`); code != "not-extractable" {
			t.Errorf("export of the stored key: %s", code)
		}
		if code := jsErrorCode(t, ctx, `await egovSign.keyStore.save(await egovSign.generateKey(), chain)`); code != "key-mismatch" {
			t.Errorf("save with another key: %s", code)
		}
	})

	t.Run("export PKCS12", func(t *testing.T) {
		p12 := fromBase64(t, jsRun[string](t, ctx, `return egovSign.toBase64(await egovSign.exportPKCS12(kp, chain, "`+keyFilePassword+`"))`))
		key, leaf, cas, err := pkcs12.DecodeChain(p12, keyFilePassword)
		if err != nil {
			t.Fatal(err)
		}
		if !leaf.Equal(cert) || len(cas) != 2 || !cas[0].Equal(issuing) || !cas[1].Equal(root) ||
			!key.(*ecdsa.PrivateKey).PublicKey.Equal(cert.PublicKey) {
			t.Errorf("go-pkcs12 read %s with %d CA certificates", leaf.Subject, len(cas))
		}
		if _, err := pki.ReadPKCS12(p12, "parol"); err == nil {
			t.Error("a wrong password opened the file")
		}
		dir := t.TempDir()
		write(t, dir, "browser.p12", p12)
		out := openssl(t, dir, "pkcs12", "-in", "browser.p12", "-info", "-nodes", "-passin", "pass:"+keyFilePassword)
		for _, want := range []string{"MAC: sha256, Iteration 600000", "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256",
			"PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC", "BEGIN PRIVATE KEY", "serialNumber = " + person.PINFL} {
			if !strings.Contains(out, want) {
				t.Errorf("openssl pkcs12 -info lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("import PKCS12", func(t *testing.T) {
		dir := e.opensslDir(t)
		c := e.enrolOpenSSLKey(t, dir)
		openssl(t, dir, "pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-certfile", "issuing.pem",
			"-passout", "pass:"+keyFilePassword, "-out", "openssl.p12")
		opensslP12, _ := os.ReadFile(filepath.Join(dir, "openssl.p12"))
		opensslCert, _ := c.X509()

		goKey := p256(t)
		_, goCert := e.issuePerson(t, goKey)
		goP12, err := pki.EncodePKCS12(goKey, goCert, []*x509.Certificate{issuing, root}, keyFilePassword)
		if err != nil {
			t.Fatal(err)
		}
		pbmac1P12, err := pkcs12.Modern2026.Encode(goKey, goCert, []*x509.Certificate{issuing, root}, keyFilePassword)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name  string
			p12   []byte
			cert  *x509.Certificate
			chain int
		}{
			{"openssl pkcs12 -export", opensslP12, opensslCert, 2},
			{"pki.EncodePKCS12", goP12, goCert, 3},
			{"PBMAC1 (RFC 9579)", pbmac1P12, goCert, 3},
		} {
			var got struct {
				Serial      string
				Chain       int
				Extractable bool
			}
			raw := jsRun[json.RawMessage](t, ctx, `window.imported = await egovSign.importPKCS12(`+jsBytes(tt.p12)+`, "`+keyFilePassword+`");
				return {Serial: egovSign.certificateInfo(imported.chain[0]).serial, Chain: imported.chain.length,
					Extractable: imported.keyPair.privateKey.extractable}`)
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if got.Serial != tt.cert.SerialNumber.Text(16) || got.Chain != tt.chain || got.Extractable {
				t.Errorf("%s: imported %+v", tt.name, got)
			}
			browserSigns(t, ctx, "imported.keyPair.privateKey", []byte("challenge "+tt.name), tt.cert)
		}
		// An imported key is kept like a generated one, and forgotten.
		if n := jsRun[int](t, ctx, `const info = await egovSign.keyStore.save(imported.keyPair, imported.chain);
			const before = (await egovSign.keyStore.list()).length;
			await egovSign.keyStore.delete(info.serial);
			return before * 10 + (await egovSign.keyStore.list()).length`); n != 21 {
			t.Errorf("keys kept before and after delete: %d", n)
		}

		legacy, _ := pkcs12.LegacyDES.Encode(goKey, goCert, nil, keyFilePassword)
		otherKey, _ := pkcs12.Modern2023.Encode(p256(t), goCert, nil, keyFilePassword)
		passwordless, _ := pkcs12.Passwordless.Encode(goKey, goCert, nil, "")
		for name, tt := range map[string]struct {
			p12      []byte
			password string
			code     string
		}{
			"wrong password":   {goP12, "parol", "wrong-password"},
			"legacy 3DES":      {legacy, keyFilePassword, "unsupported"},
			"without a MAC":    {passwordless, keyFilePassword, "unsupported"},
			"not the cert key": {otherKey, keyFilePassword, "key-mismatch"},
			"not PKCS12":       {[]byte("not a key file"), keyFilePassword, "malformed"},
			"truncated":        {opensslP12[:len(opensslP12)/2], keyFilePassword, "malformed"},
			"no password":      {goP12, "", "invalid-password"},
		} {
			if code := jsErrorCode(t, ctx, `await egovSign.importPKCS12(`+jsBytes(tt.p12)+`, "`+tt.password+`")`); code != tt.code {
				t.Errorf("%s: %s, want %s", name, code, tt.code)
			}
		}
	})

	t.Run("CAdES signed in the browser", func(t *testing.T) {
		dir := e.opensslDir(t)
		doc, _ := os.ReadFile(filepath.Join(dir, "doc.txt"))
		digest := sha256.Sum256(doc)
		for _, level := range []cades.Level{cades.LevelBB, cades.LevelBT, cades.LevelBLT} {
			// First request: the server prepares and keeps the state.
			p, tbs, err := cades.Prepare(digest[:], cert, []*x509.Certificate{issuing, root}, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			state, err := p.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			// The browser signs what it was given, with the stored key.
			sig := browserSigns(t, ctx, "stored.keyPair.privateKey", tbs, cert)
			// Second request: the server assembles from the kept state.
			var kept cades.Prepared
			if err := kept.UnmarshalBinary(state); err != nil {
				t.Fatal(err)
			}
			der, err := kept.Assemble(context.Background(), sig, cades.AssembleOptions{Level: level, TSA: e.svc, OCSP: e.svc})
			if err != nil {
				t.Fatal(err)
			}
			rep := e.verify(t, doc, der)
			if rep.Verdict != cades.Valid || rep.Signatures[0].Level != level || !rep.Signatures[0].Signer.Equal(cert) {
				t.Errorf("%s: %s %s, level %s", level, rep.Verdict, rep.Reason, rep.Signatures[0].Level)
			}
			name := fmt.Sprintf("browser-%s.p7s", level)
			write(t, dir, name, der)
			out := openssl(t, dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", name, "-content", "doc.txt",
				"-CAfile", "root.pem", "-out", os.DevNull)
			if !strings.Contains(out, "Verification successful") {
				t.Errorf("%s: openssl cms -verify: %s", level, out)
			}
		}
		// A signature over anything else is refused before it is kept.
		p, _, err := cades.Prepare(digest[:], cert, []*x509.Certificate{issuing, root}, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		other := browserSigns(t, ctx, "stored.keyPair.privateKey", []byte("boshqa"), cert)
		if _, err := p.Assemble(context.Background(), other, cades.AssembleOptions{}); err == nil {
			t.Error("assembled a signature over other bytes")
		}
	})

	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported: %v", p)
	}
}
