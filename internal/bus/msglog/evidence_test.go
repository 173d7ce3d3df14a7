package msglog_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// Hashes in the form of X-Road-Request-Hash, as the gateways sign them.
const (
	auditReqHash  = "m2P1yV0D2kq4nU4t0j5fQ1Zb9Qy8l7m6p5o4i3u2y1t0r9e8w7q6a5s4d3f2g1h0j9k8l7z6x5c4v3b2n1m0=="
	auditRespHash = "c29tZSByZXNwb25zZSBoYXNo"
)

// recordSigned logs an exchange with query ID id on gateway whose request
// and response carry real signatures by consumer and provider.
func (f *fixture) recordSigned(gateway, id string, consumer, provider cms.Signer) msglog.Record {
	f.t.Helper()
	reqSig, err := cades.Sign(f.ctx, []byte(auditReqHash), consumer, cades.SignOptions{Time: f.clock.Now()})
	if err != nil {
		f.t.Fatal(err)
	}
	respSig, err := cades.Sign(f.ctx, []byte(auditRespHash), provider, cades.SignOptions{Time: f.clock.Now()})
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := f.log.Record(f.ctx, msglog.Entry{Gateway: gateway, QueryID: id, Client: "UZ/GOV/200000001/portal",
		Service: "UZ/GOV/200000002/civil/births", RequestHash: auditReqHash, RequestSignature: reqSig,
		ResponseHash: auditRespHash, ResponseSignature: respSig, Status: 200})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// authorities are the CA's root and issuing certificates, as a bundle
// carries them, and a pool of its roots.
func (f *fixture) authorities() ([]*x509.Certificate, *x509.CertPool) {
	f.t.Helper()
	cas, err := f.ca.Authorities(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	var certs []*x509.Certificate
	for _, ca := range cas {
		certs = append(certs, ca.Cert)
		if ca.Root {
			pool.AddCert(ca.Cert)
		}
	}
	return certs, pool
}

// bundle writes the evidence of query ID id on gateway.
func (f *fixture) bundle(gateway, id string) []byte {
	f.t.Helper()
	ev, err := f.log.Evidence(f.ctx, gateway, id)
	if err != nil {
		f.t.Fatal(err)
	}
	certs, _ := f.authorities()
	var buf bytes.Buffer
	if err := msglog.WriteEvidence(&buf, ev, certs...); err != nil {
		f.t.Fatal(err)
	}
	return buf.Bytes()
}

// unzip extracts a ZIP file into a new folder.
func unzip(t testing.TB, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(zf.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rezip returns data with the file name changed by change, or removed
// when change returns nil.
func rezip(t testing.TB, data []byte, name string, change func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if zf.Name == name {
			found = true
			if b = change(b); b == nil {
				continue
			}
		}
		w, _ := zw.Create(zf.Name)
		w.Write(b)
	}
	if !found {
		t.Fatalf("no %s in the ZIP file", name)
	}
	zw.Close()
	return buf.Bytes()
}

// flip changes one byte of b, n bytes from its end.
func flip(n int) func([]byte) []byte {
	return func(b []byte) []byte {
		c := bytes.Clone(b)
		c[len(c)-n] ^= 0x01
		return c
	}
}

// shell runs a shell command line in dir.
func shell(t *testing.T, dir, line string) string {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	return string(out)
}

// readmeCommand returns the command numbered n in the bundle's README,
// with N set as for exchange-1, so that the test runs what an auditor
// reads.
func readmeCommand(t *testing.T, readme string, n int) string {
	t.Helper()
	tag := "[" + strconv.Itoa(n) + "] "
	var last string
	for line := range strings.Lines(readme) {
		cmd, ok := strings.CutPrefix(strings.TrimSpace(line), tag)
		if ok && (strings.HasPrefix(cmd, "openssl ") || strings.HasPrefix(cmd, "dd ")) {
			last = cmd
		}
	}
	if last == "" {
		t.Fatalf("README has no command %s", tag)
	}
	return last
}

func TestEvidenceBundleVerifiesWithOpenSSL(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		consumer, provider := f.signer("egov-gw"), f.signer("civil-gw")
		f.record("civil-gw", "before")
		rec := f.recordSigned("civil-gw", "audit-me", consumer, provider)
		f.record("civil-gw", "after")
		f.timestamp(3)
		bundle := f.bundle("civil-gw", "audit-me")
		dir := unzip(t, bundle)
		ex := filepath.Join(dir, "exchange-1")
		readme, _ := os.ReadFile(filepath.Join(dir, "README.txt"))
		for _, want := range []string{"== English ==", "== Oʻzbekcha ==", "== Русский ==", "N = 1", `query ID "audit-me"`} {
			if !strings.Contains(string(readme), want) {
				t.Errorf("README lacks %q", want)
			}
		}
		for _, name := range []string{"root.pem", "issuing.pem", "tsa.pem", "exchange-1/record.json", "exchange-1/record.bin",
			"exchange-1/request-hash.txt", "exchange-1/request.sig", "exchange-1/response-hash.txt", "exchange-1/response.sig",
			"exchange-1/batch-hashes.bin", "exchange-1/token.der"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("bundle: %v", err)
			}
		}
		var rf struct {
			Hash  string `json:"hash"`
			Batch struct {
				Position int64  `json:"position"`
				Digest   string `json:"digest"`
			} `json:"batch"`
		}
		raw, _ := os.ReadFile(filepath.Join(ex, "record.json"))
		if err := json.Unmarshal(raw, &rf); err != nil || rf.Hash != hex.EncodeToString(rec.Hash) || rf.Batch.Position != 1 {
			t.Fatalf("record.json: %v %s", err, raw)
		}
		// The README's own commands, as an auditor runs them.
		for _, n := range []int{1, 2} {
			if out := shell(t, ex, readmeCommand(t, string(readme), n)); !strings.Contains(out, "Verification successful") {
				t.Errorf("[%d]: %s", n, out)
			}
		}
		if out := shell(t, ex, readmeCommand(t, string(readme), 3)); !strings.Contains(out, rf.Hash) {
			t.Errorf("[3] record hash: %s, want %s", out, rf.Hash)
		}
		if out := shell(t, ex, readmeCommand(t, string(readme), 4)); !strings.Contains(out, rf.Batch.Digest) {
			t.Errorf("[4] batch digest: %s, want %s", out, rf.Batch.Digest)
		}
		if out := shell(t, ex, readmeCommand(t, string(readme), 5)); !strings.Contains(out, "Verification: OK") {
			t.Errorf("[5]: %s", out)
		}
		if out := strings.TrimSpace(shell(t, ex, readmeCommand(t, string(readme), 6))); out != rf.Hash {
			t.Errorf("[6] entry N of the batch: %q, want %q", out, rf.Hash)
		}
		// record.bin is the documented encoding: its SHA-256 is the record
		// hash the test computes from the fields on its own.
		bin, _ := os.ReadFile(filepath.Join(ex, "record.bin"))
		if s := sha256.Sum256(bin); !bytes.Equal(s[:], sum(rec)) {
			t.Error("record.bin does not hash to the record's sum")
		}

		// A changed byte makes OpenSSL fail.
		for _, tc := range []struct{ file, line string }{
			{"request-hash.txt", readmeCommand(t, string(readme), 1)},
			{"response.sig", readmeCommand(t, string(readme), 2)},
			{"batch-hashes.bin", readmeCommand(t, string(readme), 5)},
			{"token.der", readmeCommand(t, string(readme), 5)},
		} {
			path := filepath.Join(ex, tc.file)
			orig, _ := os.ReadFile(path)
			if err := os.WriteFile(path, flip(10)(orig), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("/bin/sh", "-c", tc.line)
			cmd.Dir = ex
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Errorf("OpenSSL accepted a changed %s: %s", tc.file, out)
			}
			os.WriteFile(path, orig, 0o600)
		}

		// The Go verifier agrees.
		_, roots := f.authorities()
		rep, err := msglog.VerifyEvidence(f.ctx, bytes.NewReader(bundle), int64(len(bundle)), roots, f.ca)
		if err != nil || !rep.OK || len(rep.Exchanges) != 1 {
			t.Fatalf("VerifyEvidence = %+v, %v", rep, err)
		}
		x := rep.Exchanges[0]
		if x.Record.Seq != 2 || x.Record.QueryID != "audit-me" || !x.Request.Present || x.Request.Verdict != cades.Valid ||
			!x.Request.RevocationChecked || x.Request.Signer.Subject.CommonName != "egov-gw" || x.Response.Signer.Subject.CommonName != "civil-gw" ||
			x.Batch == nil || x.Batch.Position != 1 || x.Batch.TSA == nil || x.Batch.Time.IsZero() {
			t.Errorf("exchange report: %+v", x)
		}
		// Offline, without a status source, revocation is unchecked, and
		// the exchange still holds.
		rep, err = msglog.VerifyEvidence(f.ctx, bytes.NewReader(bundle), int64(len(bundle)), roots, nil)
		if err != nil || !rep.OK || rep.Exchanges[0].Request.RevocationChecked {
			t.Errorf("offline: %+v, %v", rep, err)
		}
	})
}

func TestVerifyEvidenceFindsTampering(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		consumer, provider := f.signer("egov-gw"), f.signer("civil-gw")
		f.record("civil-gw", "before")
		rec := f.recordSigned("civil-gw", "audit-me", consumer, provider)
		f.timestamp(2)
		f.record("civil-gw", "waiting")
		bundle := f.bundle("civil-gw", "audit-me")
		_, roots := f.authorities()

		// A record whose content is changed and hashed again no longer is
		// the one in the timestamped batch.
		forged := func(b []byte) []byte {
			var m map[string]any
			json.Unmarshal(b, &m)
			r := rec
			r.Status = 500
			m["status"], m["hash"] = 500, hex.EncodeToString(sum(r))
			out, _ := json.Marshal(m)
			return out
		}
		setField := func(k string, v any) func([]byte) []byte {
			return func(b []byte) []byte {
				var m map[string]any
				json.Unmarshal(b, &m)
				m[k] = v
				out, _ := json.Marshal(m)
				return out
			}
		}
		otherRoot, err := pki.GenerateRoot("Another Root CA", f.clock.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		others := x509.NewCertPool()
		others.AddCert(otherRoot.Cert)
		for _, tc := range []struct {
			name   string
			bundle []byte
			roots  *x509.CertPool
			want   []string
		}{
			{"changed request hash file", rezip(t, bundle, "exchange-1/request-hash.txt", flip(3)), roots,
				[]string{"request-hash.txt is not the request hash"}},
			{"changed status", rezip(t, bundle, "exchange-1/record.json", setField("status", 500)), roots,
				[]string{"record hash in record.json is not the SHA-256", "record.bin is not the encoding"}},
			{"changed and rehashed record", rezip(t, bundle, "exchange-1/record.json", forged), roots,
				[]string{"entry 1 of batch-hashes.bin is not the record hash"}},
			{"wrong position", rezip(t, bundle, "exchange-1/record.json", setField("batch", map[string]any{
				"id": "x", "first_seq": 1, "last_seq": 2, "position": 0, "digest": "00", "timestamped_at": ""})), roots,
				[]string{"position 0 is not record 2's place", "batch digest is not the SHA-256"}},
			{"changed batch hashes", rezip(t, bundle, "exchange-1/batch-hashes.bin", flip(40)), roots,
				[]string{"prev_hash is not entry 0", "batch digest is not the SHA-256", "timestamp token does not hold"}},
			{"changed token", rezip(t, bundle, "exchange-1/token.der", flip(5)), roots,
				[]string{"timestamp token does not hold"}},
			{"no token", rezip(t, bundle, "exchange-1/token.der", func([]byte) []byte { return nil }), roots,
				[]string{"token.der is missing"}},
			{"changed request signature", rezip(t, bundle, "exchange-1/request.sig", flip(5)), roots,
				[]string{"the request signature is invalid"}},
			{"another root", bundle, others,
				[]string{"the request signature is indeterminate", "the response signature is indeterminate", "does not chain to a trusted root"}},
			{"untimestamped record", f.bundle("civil-gw", "waiting"), roots,
				[]string{"the record is not timestamped"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rep, err := msglog.VerifyEvidence(f.ctx, bytes.NewReader(tc.bundle), int64(len(tc.bundle)), tc.roots, f.ca)
				if err != nil {
					t.Fatal(err)
				}
				problems := strings.Join(rep.Exchanges[0].Problems, "\n")
				if rep.OK || rep.Exchanges[0].OK {
					t.Errorf("report OK: %s", problems)
				}
				for _, w := range tc.want {
					if !strings.Contains(problems, w) {
						t.Errorf("problems lack %q:\n%s", w, problems)
					}
				}
			})
		}
		for name, data := range map[string][]byte{
			"not a ZIP file":      []byte("PK not really"),
			"no exchange":         rezip(t, bundle, "exchange-1/record.json", func([]byte) []byte { return nil }),
			"broken record.json":  rezip(t, bundle, "exchange-1/record.json", func([]byte) []byte { return []byte("{") }),
			"missing request.sig": rezip(t, bundle, "exchange-1/request.sig", func([]byte) []byte { return nil }),
			"time not as hashed":  rezip(t, bundle, "exchange-1/record.json", setField("time", "2026-01-02T03:04:05+05:00")),
			"hash not a SHA-256":  rezip(t, bundle, "exchange-1/record.json", setField("hash", "abcd")),
			"signature elsewhere": rezip(t, bundle, "exchange-1/record.json", setField("request_signature_file", "../root.pem")),
			"digest that is not hex": rezip(t, bundle, "exchange-1/record.json", func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"digest": "`), []byte(`"digest": "zz`), 1)
			}),
		} {
			if _, err := msglog.VerifyEvidence(f.ctx, bytes.NewReader(data), int64(len(data)), roots, nil); !apperr.Is(err, apperr.EINVALID) {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func TestWriteEvidenceOfSeveralExchanges(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// A client reused a query ID; the second exchange had no
		// signatures, as for a gateway's own error.
		f.record("civil-gw", "reused")
		if _, err := f.log.Record(f.ctx, msglog.Entry{Gateway: "civil-gw", QueryID: "reused", Status: 503}); err != nil {
			t.Fatal(err)
		}
		f.timestamp(2)
		if err := msglog.WriteEvidence(io.Discard, nil); err == nil {
			t.Error("a bundle of nothing was written")
		}
		bundle := f.bundle("civil-gw", "reused")
		_, roots := f.authorities()
		rep, err := msglog.VerifyEvidence(f.ctx, bytes.NewReader(bundle), int64(len(bundle)), roots, nil)
		if err != nil || len(rep.Exchanges) != 2 {
			t.Fatalf("VerifyEvidence: %+v, %v", rep, err)
		}
		first, second := rep.Exchanges[0], rep.Exchanges[1]
		// The first's "signatures" are not CMS; the second has none.
		if first.Dir != "exchange-1/" || first.OK || first.Record.Seq != 1 || second.Dir != "exchange-2/" || !second.OK ||
			second.Request.Present || second.Response.Present || second.Record.Status != 503 {
			t.Errorf("reports: %+v\n%+v", first, second)
		}
	})
}

// evidenceSeed is a valid bundle of one signed, timestamped exchange, and
// the roots it verifies against, for the fuzz test's corpus.
func evidenceSeed(tb testing.TB) ([]byte, *x509.CertPool) {
	ctx := context.Background()
	d := dbtest.Open(tb, db.SQLite, schema())
	clk := clock.NewManual(time.Now().UTC().Truncate(time.Second))
	ca, err := pki.New(d, clk, audit.New(d, clk), slog.New(slog.DiscardHandler),
		pki.Config{BaseURL: "https://egov.test", KeySecret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		tb.Fatal(err)
	}
	root, err := pki.GenerateRoot("egov Test Root CA", clk.Now(), 0)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ca.CreateIssuingCA(ctx, "operator", root, "egov Test Issuing CA 1", "egov"); err != nil {
		tb.Fatal(err)
	}
	key, err := pki.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	csr, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "egov-gw"}}, key)
	c, err := ca.Issue(ctx, pki.IssueRequest{Profile: pki.ProfileGatewaySign,
		Subject: pki.Subject{System: "egov-gw", Organization: "Test org"}, CSR: csr, Actor: "admin"})
	if err != nil {
		tb.Fatal(err)
	}
	cert, _ := c.X509()
	chain, _ := ca.Chain(ctx)
	signer := cms.Signer{Key: key, Cert: cert, Chain: chain}
	reqSig, err := cades.Sign(ctx, []byte(auditReqHash), signer, cades.SignOptions{Time: clk.Now()})
	if err != nil {
		tb.Fatal(err)
	}
	respSig, err := cades.Sign(ctx, []byte(auditRespHash), signer, cades.SignOptions{Time: clk.Now()})
	if err != nil {
		tb.Fatal(err)
	}
	log := msglog.New(d, clk)
	if _, err := log.Record(ctx, msglog.Entry{Gateway: "civil-gw", QueryID: "seed", Client: "UZ/GOV/200000001/portal",
		RequestHash: auditReqHash, RequestSignature: reqSig, ResponseHash: auditRespHash, ResponseSignature: respSig, Status: 200}); err != nil {
		tb.Fatal(err)
	}
	if _, err := log.TimestampBatch(ctx, ca); err != nil {
		tb.Fatal(err)
	}
	ev, err := log.Evidence(ctx, "civil-gw", "seed")
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := msglog.WriteEvidence(&buf, ev, chain...); err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root.Cert)
	return buf.Bytes(), pool
}

// FuzzVerifyEvidence feeds VerifyEvidence bundles an auditor might be
// handed: it must neither panic nor call a changed bundle good.
func FuzzVerifyEvidence(f *testing.F) {
	seed, roots := evidenceSeed(f)
	rep, err := msglog.VerifyEvidence(context.Background(), bytes.NewReader(seed), int64(len(seed)), roots, nil)
	if err != nil || !rep.OK {
		f.Fatalf("seed: %+v, %v", rep, err)
	}
	want := rep.Exchanges[0].Record.Hash
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := msglog.VerifyEvidence(context.Background(), bytes.NewReader(data), int64(len(data)), roots, nil)
		if err != nil {
			if rep != nil || !apperr.Is(err, apperr.EINVALID) {
				t.Fatalf("error %v with report %+v", err, rep)
			}
			return
		}
		// Only the seed's record can pass: any other would need a new
		// timestamp or a collision.
		for _, x := range rep.Exchanges {
			if x.OK && (!bytes.Equal(x.Record.Hash, want) || !bytes.Equal(x.Record.Sum(), want)) {
				t.Fatalf("another record verified: %+v", x.Record)
			}
		}
	})
}
