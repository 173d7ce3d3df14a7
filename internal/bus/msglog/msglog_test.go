package msglog_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
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

func schema() []db.Migrations {
	return []db.Migrations{audit.Migrations(), bus.Migrations(), pki.Migrations()}
}

// fixture is a message log over a fresh database, with a CA whose TSA
// timestamps it, all on a manual clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	d     *db.DB
	clock *clock.Manual
	ca    *pki.Service
	log   *msglog.Log
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	// Whole seconds, so that times stored to the microsecond are exact.
	clk := clock.NewManual(time.Now().UTC().Truncate(time.Second))
	ca, err := pki.New(d, clk, audit.New(d, clk), slog.New(slog.DiscardHandler),
		pki.Config{BaseURL: "https://egov.test", KeySecret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.GenerateRoot("egov Test Root CA", clk.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.CreateIssuingCA(ctx, "operator", root, "egov Test Issuing CA 1", "egov"); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: ctx, d: d, clock: clk, ca: ca, log: msglog.New(d, clk)}
}

// record logs an exchange of gateway with query ID id.
func (f *fixture) record(gateway, id string) msglog.Record {
	f.t.Helper()
	r, err := f.log.Record(f.ctx, msglog.Entry{Gateway: gateway, QueryID: id,
		Client: "UZ/GOV/200000001/portal", Service: "UZ/GOV/200000002/civil/births",
		RequestHash: "req-" + id, RequestSignature: []byte("sig-" + id), ResponseHash: "resp-" + id, Status: 200})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// timestamp runs TimestampBatch with the CA's TSA and checks the count.
func (f *fixture) timestamp(want int) {
	f.t.Helper()
	n, err := f.log.TimestampBatch(f.ctx, f.ca)
	if err != nil || n != want {
		f.t.Fatalf("TimestampBatch = %d, %v; want %d", n, err, want)
	}
}

// evidence returns the one exchange with id on gateway.
func (f *fixture) evidence(gateway, id string) msglog.Evidence {
	f.t.Helper()
	ev, err := f.log.Evidence(f.ctx, gateway, id)
	if err != nil || len(ev) != 1 {
		f.t.Fatalf("Evidence(%s, %s) = %d, %v", gateway, id, len(ev), err)
	}
	return ev[0]
}

// sum is the record hash exactly as msglog.Record.Sum documents it,
// written out here as an auditor would, independently of the package.
func sum(r msglog.Record) []byte {
	h := sha256.New()
	for _, f := range []string{string(r.PrevHash), r.Gateway, strconv.FormatInt(r.Seq, 10), r.QueryID, r.Client, r.Service,
		r.Time.UTC().Format(time.RFC3339Nano), r.RequestHash, string(r.RequestSignature), r.ResponseHash,
		string(r.ResponseSignature), strconv.Itoa(r.Status)} {
		_ = binary.Write(h, binary.BigEndian, uint32(len(f)))
		h.Write([]byte(f))
	}
	return h.Sum(nil)
}

func TestRecordChainsPerGateway(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var prev = map[string][]byte{"civil-gw": {}, "tax-gw": {}}
		for i, g := range []string{"civil-gw", "tax-gw", "civil-gw", "civil-gw", "tax-gw"} {
			r := f.record(g, fmt.Sprintf("q%d", i))
			if !bytes.Equal(r.PrevHash, prev[g]) {
				t.Errorf("%s record %d: previous hash %x, want %x", g, r.Seq, r.PrevHash, prev[g])
			}
			if !bytes.Equal(r.Hash, sum(r)) {
				t.Errorf("%s record %d: hash is not the documented sum", g, r.Seq)
			}
			prev[g] = r.Hash
		}
		for g, want := range map[string]int64{"civil-gw": 3, "tax-gw": 2} {
			if err := f.log.Verify(f.ctx, g); err != nil {
				t.Errorf("Verify(%s): %v", g, err)
			}
			if last := f.evidence(g, map[string]string{"civil-gw": "q3", "tax-gw": "q4"}[g]).Record; last.Seq != want {
				t.Errorf("%s: last record %d, want %d", g, last.Seq, want)
			}
		}
		// The stored record reads back as recorded, and hashes the same.
		ev := f.evidence("civil-gw", "q2")
		if r := ev.Record; r.Seq != 2 || r.Status != 200 || r.Client != "UZ/GOV/200000001/portal" || string(r.RequestSignature) != "sig-q2" ||
			len(r.ResponseSignature) != 0 || r.Batch != "" || ev.Batch != nil || !bytes.Equal(r.Hash, sum(r)) {
			t.Errorf("stored record: %+v", ev)
		}
		if _, err := f.log.Evidence(f.ctx, "civil-gw", "nope"); apperr.As(err) == nil || apperr.As(err).Code != apperr.ENOTFOUND {
			t.Errorf("unknown query ID: %v", err)
		}
		if _, err := f.log.Record(f.ctx, msglog.Entry{QueryID: "q"}); apperr.As(err) == nil || apperr.As(err).Code != apperr.EINVALID {
			t.Errorf("entry without gateway: %v", err)
		}
	})
}

// failingTSA is a TSA that cannot be reached.
type failingTSA struct{}

func (failingTSA) Timestamp(context.Context, crypto.Hash, []byte) ([]byte, error) {
	return nil, errors.New("connection refused")
}

func TestTimestampBatch(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for i := range 3 {
			f.record("civil-gw", fmt.Sprintf("c%d", i))
		}
		f.record("tax-gw", "t0")
		if n, err := f.log.TimestampBatch(f.ctx, failingTSA{}); n != 0 || err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("unreachable TSA: %d, %v", n, err)
		}
		if ev := f.evidence("civil-gw", "c0"); ev.Batch != nil {
			t.Error("a failed timestamp marked records")
		}
		f.timestamp(4)
		f.timestamp(0)
		ev := f.evidence("civil-gw", "c1")
		b := ev.Batch
		if b == nil || b.FirstSeq != 1 || b.LastSeq != 3 || len(b.Hashes) != 3 || !bytes.Equal(b.Hashes[1], ev.Record.Hash) ||
			!bytes.Equal(b.Digest, msglog.BatchDigest(b.Hashes)) || b.Time.IsZero() {
			t.Fatalf("batch: %+v", b)
		}
		if tb := f.evidence("tax-gw", "t0").Batch; tb == nil || tb.ID == b.ID || len(tb.Hashes) != 1 {
			t.Errorf("tax gateway's batch: %+v", tb)
		}
		// New records make a new batch, continuing the chain.
		f.log.MaxBatch = 2
		for i := 3; i < 6; i++ {
			f.record("civil-gw", fmt.Sprintf("c%d", i))
		}
		f.timestamp(2)
		f.timestamp(1)
		second, third := f.evidence("civil-gw", "c3"), f.evidence("civil-gw", "c5")
		if second.Batch.FirstSeq != 4 || second.Batch.LastSeq != 5 || third.Batch.FirstSeq != 6 ||
			!bytes.Equal(second.Record.PrevHash, b.Hashes[2]) {
			t.Errorf("later batches: %+v, %+v", second.Batch, third.Batch)
		}
		for _, g := range []string{"civil-gw", "tax-gw"} {
			if err := f.log.Verify(f.ctx, g); err != nil {
				t.Errorf("Verify(%s): %v", g, err)
			}
		}
	})
}

func TestHealthy(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const limit = 10 * time.Minute
		if err := f.log.Healthy(f.ctx, "civil-gw", limit); err != nil {
			t.Errorf("empty log: %v", err)
		}
		f.record("civil-gw", "q1")
		f.clock.Advance(limit)
		if err := f.log.Healthy(f.ctx, "civil-gw", limit); err != nil {
			t.Errorf("record as old as the limit: %v", err)
		}
		f.clock.Advance(time.Second)
		err := f.log.Healthy(f.ctx, "civil-gw", limit)
		if !errors.Is(err, msglog.ErrTimestampOverdue) || !strings.Contains(err.Error(), `record 1 (query ID "q1")`) ||
			!strings.Contains(err.Error(), "no batch of it has been timestamped yet") {
			t.Errorf("stale record: %v", err)
		}
		if err := f.log.Healthy(f.ctx, "tax-gw", limit); err != nil {
			t.Errorf("another gateway: %v", err)
		}
		f.timestamp(1)
		if err := f.log.Healthy(f.ctx, "civil-gw", limit); err != nil {
			t.Errorf("after timestamping: %v", err)
		}
		last := f.clock.Now().UTC().Format(time.RFC3339)
		f.record("civil-gw", "q2")
		f.clock.Advance(time.Hour)
		if err := f.log.Healthy(f.ctx, "civil-gw", limit); !errors.Is(err, msglog.ErrTimestampOverdue) ||
			!strings.Contains(err.Error(), "last batch was timestamped at "+last) || !strings.Contains(err.Error(), "waited 1h0m0s") {
			t.Errorf("stale again: %v", err)
		}
	})
}

// openssl runs openssl in dir and returns its output and error.
func openssl(dir string, args ...string) (string, error) {
	cmd := exec.Command("/usr/bin/openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func pemOf(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// signer is a gateway-sign key certified by the CA.
func (f *fixture) signer(system string) cms.Signer {
	f.t.Helper()
	key, err := pki.GenerateKey()
	if err != nil {
		f.t.Fatal(err)
	}
	req, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: system}}, key)
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := f.ca.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileGatewaySign,
		Subject: pki.Subject{System: system, Organization: "Test org"}, CSR: req, Actor: "admin"})
	if err != nil {
		f.t.Fatal(err)
	}
	cert, err := c.X509()
	if err != nil {
		f.t.Fatal(err)
	}
	chain, err := f.ca.Chain(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return cms.Signer{Key: key, Cert: cert, Chain: chain}
}

func TestEvidenceVerifiesWithOpenSSL(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		consumer, provider := f.signer("egov-gw"), f.signer("civil-gw")
		const reqHash, respHash = "m2P1yV0D2kq4nU4t0j5fQ1Zb9Qy8l7m6p5o4i3u2y1t0r9e8w7q6a5s4d3f2g1h0j9k8l7z6x5c4v3b2n1m0==", "c29tZSByZXNwb25zZSBoYXNo"
		reqSig, err := cades.Sign(f.ctx, []byte(reqHash), consumer, cades.SignOptions{Time: f.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		respSig, err := cades.Sign(f.ctx, []byte(respHash), provider, cades.SignOptions{Time: f.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		f.record("civil-gw", "before")
		if _, err := f.log.Record(f.ctx, msglog.Entry{Gateway: "civil-gw", QueryID: "audit-me", Client: "UZ/GOV/200000001/portal",
			Service: "UZ/GOV/200000002/civil/births", RequestHash: reqHash, RequestSignature: reqSig,
			ResponseHash: respHash, ResponseSignature: respSig, Status: 200}); err != nil {
			t.Fatal(err)
		}
		f.record("civil-gw", "after")
		f.timestamp(3)
		ev := f.evidence("civil-gw", "audit-me")
		r, b := ev.Record, ev.Batch

		// The chain: the record's hash is its documented sum, one of the
		// timestamped hashes, linked to the one before it; the digest is
		// over the hashes.
		i := slicesIndex(b.Hashes, r.Hash)
		if !bytes.Equal(r.Hash, sum(r)) || i != 1 || !bytes.Equal(r.PrevHash, b.Hashes[0]) {
			t.Errorf("chain: hash %x at %d in %x", r.Hash, i, b.Hashes)
		}
		concat := sha256.Sum256(bytes.Join(b.Hashes, nil))
		if !bytes.Equal(concat[:], b.Digest) {
			t.Errorf("digest %x, want %x", b.Digest, concat)
		}

		dir := t.TempDir()
		chain, err := f.ca.Chain(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := pki.ProfileTSA
		tsas, err := f.ca.FindCertificates(f.ctx, pki.CertificateFilter{Profile: &p})
		if err != nil || len(tsas) == 0 {
			t.Fatalf("TSA certificate: %v", err)
		}
		tsaCert, _ := tsas[0].X509()
		for name, data := range map[string][]byte{
			"root.pem": pemOf(chain[1]), "tsa.pem": pemOf(tsaCert, chain[0]),
			"request-hash.txt": []byte(r.RequestHash), "request.sig": r.RequestSignature,
			"response-hash.txt": []byte(r.ResponseHash), "response.sig": r.ResponseSignature,
			"token.der": b.Token, "forged-hash.txt": []byte(r.ResponseHash + "x"),
		} {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		for _, msg := range []string{"request", "response"} {
			out, err := openssl(dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", msg+".sig", "-content", msg+"-hash.txt",
				"-CAfile", "root.pem", "-purpose", "any", "-out", os.DevNull)
			if err != nil || !strings.Contains(out, "Verification successful") {
				t.Errorf("openssl cms %s: %v\n%s", msg, err, out)
			}
		}
		if out, err := openssl(dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", "response.sig", "-content", "forged-hash.txt",
			"-CAfile", "root.pem", "-purpose", "any", "-out", os.DevNull); err == nil {
			t.Errorf("openssl cms verified a signature over another hash: %s", out)
		}
		out, err := openssl(dir, "ts", "-verify", "-digest", hex.EncodeToString(b.Digest), "-in", "token.der", "-token_in",
			"-CAfile", "root.pem", "-untrusted", "tsa.pem")
		if err != nil || !strings.Contains(out, "Verification: OK") {
			t.Errorf("openssl ts: %v\n%s", err, out)
		}
		other := sha256.Sum256([]byte("another batch"))
		if out, err := openssl(dir, "ts", "-verify", "-digest", hex.EncodeToString(other[:]), "-in", "token.der", "-token_in",
			"-CAfile", "root.pem", "-untrusted", "tsa.pem"); err == nil {
			t.Errorf("openssl ts verified the token over another digest: %s", out)
		}
	})
}

// slicesIndex is the position of h in hs, or -1.
func slicesIndex(hs [][]byte, h []byte) int {
	for i, x := range hs {
		if bytes.Equal(x, h) {
			return i
		}
	}
	return -1
}

func TestVerifyDetectsTampering(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for i := range 4 {
			f.record("civil-gw", fmt.Sprintf("q%d", i))
		}
		f.record("tax-gw", "t0")
		f.timestamp(5)
		run := func(query string, args ...any) {
			t.Helper()
			if _, err := d.Writer().ExecContext(f.ctx, query, args...); err != nil {
				t.Fatal(err)
			}
		}
		broken := func(what string, seq int64, reason string) {
			t.Helper()
			var be *msglog.BrokenError
			err := f.log.Verify(f.ctx, "civil-gw")
			if !errors.As(err, &be) || be.Seq != seq || !strings.Contains(be.Reason, reason) {
				t.Errorf("%s: Verify = %v, want record %d: %s", what, err, seq, reason)
			}
		}
		original := f.evidence("civil-gw", "q1").Record

		// A changed status.
		run(`UPDATE bus_message_log SET status = 403 WHERE gateway = 'civil-gw' AND seq = 2`)
		broken("changed status", 2, "content does not match its hash")
		// The same change with the record's hash recomputed breaks the
		// link to the next record.
		forged := original
		forged.Status = 403
		run(`UPDATE bus_message_log SET record_hash = $1 WHERE gateway = 'civil-gw' AND seq = 2`, sum(forged))
		broken("rehashed record", 3, "previous hash is not the hash of record 2")
		// Put back, the log verifies again.
		run(`UPDATE bus_message_log SET status = 200, record_hash = $1 WHERE gateway = 'civil-gw' AND seq = 2`, original.Hash)
		if err := f.log.Verify(f.ctx, "civil-gw"); err != nil {
			t.Fatalf("restored log: %v", err)
		}
		// A rewritten tail, with the batch's hashes and its head made to
		// match, still fails the batch's digest and timestamp.
		last := f.evidence("civil-gw", "q3").Record
		last.Status = 500
		run(`UPDATE bus_message_log SET status = 500, record_hash = $1 WHERE gateway = 'civil-gw' AND seq = 4`, sum(last))
		run(`UPDATE bus_message_log_heads SET hash = $1 WHERE gateway = 'civil-gw'`, sum(last))
		broken("rewritten last record", 1, "digest does not match its records")
		// A removed record.
		run(`DELETE FROM bus_message_log WHERE gateway = 'civil-gw' AND seq = 4`)
		run(`UPDATE bus_message_log_heads SET hash = $1 WHERE gateway = 'civil-gw'`, f.evidence("civil-gw", "q2").Record.Hash)
		broken("removed last record", 4, "head says 4")
		run(`DELETE FROM bus_message_log WHERE gateway = 'civil-gw' AND seq = 2`)
		broken("removed record", 3, "record 2 is missing")
		// Another gateway's chain is untouched.
		if err := f.log.Verify(f.ctx, "tax-gw"); err != nil {
			t.Errorf("tax gateway: %v", err)
		}
	})
}

func TestConcurrentRecordsChain(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		errs := make(chan error, 40)
		for w := range 8 {
			go func() {
				for i := range 5 {
					_, err := f.log.Record(f.ctx, msglog.Entry{Gateway: "civil-gw", QueryID: fmt.Sprintf("w%d-%d", w, i), Status: 200})
					errs <- err
				}
			}()
		}
		for range 40 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if err := f.log.Verify(f.ctx, "civil-gw"); err != nil {
			t.Errorf("Verify: %v", err)
		}
		if r := f.evidence("civil-gw", "w0-0").Record; r.Seq < 1 || r.Seq > 40 {
			t.Errorf("sequence number %d", r.Seq)
		}
	})
}

// TestGroupCommit has many callers on two nodes (two Logs over one
// database) record at once on three gateways, so that records are
// committed in groups: every caller gets its own record, numbered without
// gaps or repeats per gateway, hashed as documented and stored as
// returned, and every chain verifies.
func TestGroupCommit(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		nodes := []*msglog.Log{f.log, msglog.New(d, f.clock)}
		gateways := []string{"civil-gw", "egov-gw", "tax-gw"}
		const callers, each = 24, 10
		type result struct {
			r   msglog.Record
			err error
		}
		results := make(chan result, callers*each)
		var wg sync.WaitGroup
		for c := range callers {
			wg.Go(func() {
				for i := range each {
					g := gateways[(c+i)%len(gateways)]
					r, err := nodes[c%len(nodes)].Record(f.ctx, msglog.Entry{Gateway: g, QueryID: fmt.Sprintf("c%d-%d", c, i),
						Client: "UZ/GOV/200000001/portal", Service: "UZ/GOV/200000002/civil/births",
						RequestHash: fmt.Sprintf("req-%d-%d", c, i), RequestSignature: []byte("sig"), Status: 200})
					results <- result{r, err}
				}
			})
		}
		wg.Wait()
		close(results)
		seqs := map[string]map[int64]bool{}
		for res := range results {
			if res.err != nil {
				t.Fatal(res.err)
			}
			r := res.r
			if seqs[r.Gateway] == nil {
				seqs[r.Gateway] = map[int64]bool{}
			}
			if seqs[r.Gateway][r.Seq] {
				t.Errorf("%s: record %d given to two callers", r.Gateway, r.Seq)
			}
			seqs[r.Gateway][r.Seq] = true
			if !bytes.Equal(r.Hash, sum(r)) {
				t.Errorf("%s record %d: hash is not the documented sum", r.Gateway, r.Seq)
			}
			stored := f.evidence(r.Gateway, r.QueryID).Record
			if stored.Seq != r.Seq || !bytes.Equal(stored.Hash, r.Hash) || !bytes.Equal(stored.PrevHash, r.PrevHash) {
				t.Errorf("%s: returned record %d, stored %d", r.QueryID, r.Seq, stored.Seq)
			}
		}
		total := 0
		for _, g := range gateways {
			for seq := int64(1); seq <= int64(len(seqs[g])); seq++ {
				if !seqs[g][seq] {
					t.Errorf("%s: no caller got record %d", g, seq)
				}
			}
			total += len(seqs[g])
			if err := f.log.Verify(f.ctx, g); err != nil {
				t.Errorf("Verify(%s): %v", g, err)
			}
		}
		if total != callers*each {
			t.Errorf("%d records, want %d", total, callers*each)
		}
		// The chains go on as before, and get timestamped whole.
		f.record("civil-gw", "after")
		f.timestamp(total + 1)
		for _, g := range gateways {
			if err := f.log.Verify(f.ctx, g); err != nil {
				t.Errorf("Verify(%s) after timestamping: %v", g, err)
			}
		}
	})
}

// TestRecordCancelled checks that a caller whose context has ended gets
// its error and that its entry is not stored.
func TestRecordCancelled(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx, cancel := context.WithCancel(f.ctx)
		cancel()
		if _, err := f.log.Record(ctx, msglog.Entry{Gateway: "civil-gw", QueryID: "gone", Status: 200}); !errors.Is(err, context.Canceled) {
			t.Errorf("Record with an ended context: %v", err)
		}
		if _, err := f.log.Evidence(f.ctx, "civil-gw", "gone"); apperr.As(err) == nil || apperr.As(err).Code != apperr.ENOTFOUND {
			t.Errorf("the cancelled entry was stored: %v", err)
		}
		if r := f.record("civil-gw", "next"); r.Seq != 1 {
			t.Errorf("next record is %d, want 1", r.Seq)
		}
	})
}
