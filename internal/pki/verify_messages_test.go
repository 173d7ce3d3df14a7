package pki_test

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
)

// messageKey matches a whole message key in Go source; the prefixes keys
// are built from ("pki.reason." + name) end otherwise and are listed by
// the test.
var messageKey = regexp.MustCompile(`^(pki|cades)\.[a-z0-9_.-]*[a-z0-9]$`)

// sourceKeys returns the message keys written as string literals in files.
func sourceKeys(t *testing.T, files ...string) []string {
	t.Helper()
	var keys []string
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && messageKey.MatchString(s) {
					keys = append(keys, s)
				}
			}
			return true
		})
	}
	return keys
}

// TestEveryMessageIsTranslated checks the keys the templates name, the
// package's error messages, the verifier's reasons and the keys the
// report builds.
func TestEveryMessageIsTranslated(t *testing.T) {
	b, err := i18n.Load(web.Locales(), pki.Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, b, os.DirFS("templates"))
	keys := sourceKeys(t, "errors.go", "signature_verify.go", "verify_report.go", filepath.Join("cades", "report.go"))
	if len(keys) < 40 {
		t.Fatalf("found only %d keys in the source: %v", len(keys), keys)
	}
	verdicts := []cades.Verdict{cades.Valid, cades.Invalid, cades.Indeterminate}
	for _, v := range verdicts {
		keys = append(keys, "pki.verify.verdict."+string(v), "pki.verify.result."+string(v), "pki.verify.status.revoked_"+string(v))
	}
	for _, l := range []cades.Level{cades.LevelCMS, cades.LevelBB, cades.LevelBT, cades.LevelBLT} {
		keys = append(keys, "pki.verify.level."+string(l))
	}
	for _, s := range []cades.TimeSource{cades.TimeFromTimestamp, cades.TimeClaimed, cades.TimeOfVerification} {
		keys = append(keys, "pki.verify.time_source."+string(s))
	}
	for _, c := range []string{cades.CheckIntegrity, cades.CheckSigningCertificate, cades.CheckTimestamp, cades.CheckChain, cades.CheckValidity, cades.CheckRevocation} {
		keys = append(keys, "pki.verify.check."+c)
	}
	for _, role := range []string{"signer", "ca", "root"} {
		keys = append(keys, "pki.verify.chain."+role)
	}
	for r := pki.Reason(0); r <= pki.ReasonAACompromise; r++ {
		if r.String() != "" {
			keys = append(keys, "pki.reason."+r.String())
		}
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}

	// Uzbek Latin writes oʻ, gʻ and the tutuq belgisi with their own
	// letters (U+02BB, U+02BC), not with quotes.
	uz, err := os.ReadFile(filepath.Join("locales", "uz-Latn.json"))
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.IndexAny(uz, "'‘’`"); i >= 0 {
		t.Errorf("uz-Latn.json has a quote for a letter near %q", uz[max(0, i-20):i+1])
	}
}

func FuzzDecodeSignature(f *testing.F) {
	der := []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	f.Add(der)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: der}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	f.Add([]byte(base64.StdEncoding.EncodeToString(der) + "\r\n"))
	f.Add([]byte("-----BEGIN PKCS7-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		out, ok := pki.DecodeSignature(in)
		switch {
		case !ok && out != nil:
			t.Fatal("output without success")
		case ok && len(in) > 0 && in[0] == 0x30 && !bytes.Equal(out, in):
			t.Fatal("DER was changed")
		case ok && !bytes.HasPrefix(bytes.TrimSpace(in), []byte("-----BEGIN ")) && (len(out) == 0 || out[0] != 0x30):
			t.Fatalf("%q decoded to %x, which is no DER SEQUENCE", in, out)
		case ok && strings.TrimSpace(string(in)) == "":
			t.Fatal("nothing decoded to something")
		}
	})
}
