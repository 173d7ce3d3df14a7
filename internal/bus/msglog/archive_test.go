package msglog_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/blob"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	gblob "gocloud.dev/blob"
)

// bucket is a fresh folder bucket.
func bucket(t *testing.T) *blob.Bucket {
	t.Helper()
	b, err := blob.Open(context.Background(), blob.DefaultURL(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// keys lists the bucket's keys under prefix.
func keys(t *testing.T, b *blob.Bucket, prefix string) []string {
	t.Helper()
	var out []string
	it := b.List(&gblob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(context.Background())
		if err != nil {
			break
		}
		out = append(out, o.Key)
	}
	return out
}

// brokenAt checks that err is a *BrokenError at record seq whose reason
// holds reason.
func brokenAt(t *testing.T, what string, err error, seq int64, reason string) {
	t.Helper()
	var be *msglog.BrokenError
	if !errors.As(err, &be) || be.Seq != seq || !strings.Contains(be.Reason, reason) {
		t.Errorf("%s: %v, want record %d: %s", what, err, seq, reason)
	}
}

func TestArchive(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := bucket(t)
		platform := f.signer("egov-platform")
		consumer, provider := f.signer("egov-gw"), f.signer("civil-gw")
		f.log.MaxBatch = 2
		// Records 1-5 in batches 1-2, 3-4 and 5; an hour later 6-7 in a
		// batch, and 8, which waits for its timestamp.
		f.record("civil-gw", "q1")
		f.record("civil-gw", "q2")
		signed := f.recordSigned("civil-gw", "audit-me", consumer, provider)
		f.record("civil-gw", "q4")
		f.record("civil-gw", "q5")
		f.record("tax-gw", "t1")
		f.timestamp(3)
		f.timestamp(2)
		f.timestamp(1)
		old := f.clock.Now()
		f.clock.Advance(time.Hour)
		f.record("civil-gw", "q6")
		f.record("civil-gw", "q7")
		f.timestamp(2)
		f.record("civil-gw", "q8")
		cas, pool := f.authorities()

		if a, err := f.log.Archive(f.ctx, b, "civil-gw", old, platform); err != nil || a.Records != 0 || a.Key != "" {
			t.Errorf("nothing older than the oldest record: %+v, %v", a, err)
		}
		first, err := f.log.Archive(f.ctx, b, "civil-gw", old.Add(time.Second), platform)
		if err != nil {
			t.Fatal(err)
		}
		if first.FirstSeq != 1 || first.LastSeq != 5 || first.Records != 5 || first.Key != "bus/msglog/civil-gw/000000000001-000000000005.zip" ||
			len(first.PrevSHA256) != 0 || len(first.SHA256) != sha256.Size || first.Gateway != "civil-gw" {
			t.Fatalf("first archive: %+v", first)
		}
		if got := keys(t, b, "bus/msglog/civil-gw/"); len(got) != 2 || got[0] != first.Key || got[1] != first.Key+".sig" {
			t.Errorf("bucket: %v", got)
		}
		data, err := b.ReadAll(f.ctx, first.Key)
		if err != nil {
			t.Fatal(err)
		}
		if s := sha256.Sum256(data); !bytes.Equal(s[:], first.SHA256) {
			t.Error("the indexed SHA-256 is not the file's")
		}
		// OpenSSL checks the file's signature.
		dir := t.TempDir()
		sig, _ := b.ReadAll(f.ctx, first.Key+".sig")
		os.WriteFile(filepath.Join(dir, "a.zip"), data, 0o600)
		os.WriteFile(filepath.Join(dir, "a.zip.sig"), sig, 0o600)
		for _, c := range cas {
			if c.IsCA && bytes.Equal(c.RawIssuer, c.RawSubject) {
				os.WriteFile(filepath.Join(dir, "root.pem"), pemOf(c), 0o600)
			}
		}
		if out, err := openssl(dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", "a.zip.sig", "-content", "a.zip",
			"-CAfile", "root.pem", "-purpose", "any", "-out", os.DevNull); err != nil || !strings.Contains(out, "Verification successful") {
			t.Errorf("openssl cms on the archive: %v %s", err, out)
		}

		// The records left the database; the chain goes on from the
		// archive.
		if _, err := f.log.Evidence(f.ctx, "civil-gw", "q2"); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("archived record still in the database: %v", err)
		}
		if err := f.log.Verify(f.ctx, "civil-gw"); err != nil {
			t.Errorf("Verify after archiving: %v", err)
		}
		brokenAt(t, "the database's chain from its start", f.log.VerifyFrom(f.ctx, "civil-gw", 0, nil), 6, "record 1 is missing")
		if err := f.log.VerifyFrom(f.ctx, "civil-gw", first.LastSeq, first.LastHash); err != nil {
			t.Errorf("VerifyFrom: %v", err)
		}
		if err := f.log.VerifyAll(f.ctx, b, "civil-gw", pool); err != nil {
			t.Errorf("VerifyAll: %v", err)
		}
		if err := f.log.Verify(f.ctx, "tax-gw"); err != nil {
			t.Errorf("another gateway: %v", err)
		}

		// An archived exchange's evidence is found and verifies as any.
		ev, err := f.log.FindEvidence(f.ctx, b, "civil-gw", "audit-me")
		if err != nil || len(ev) != 1 || ev[0].Record.Seq != 3 || ev[0].Batch == nil || ev[0].Batch.FirstSeq != 3 || len(ev[0].Batch.Hashes) != 2 ||
			!bytes.Equal(ev[0].Record.Hash, signed.Hash) || !bytes.Equal(ev[0].Record.RequestSignature, signed.RequestSignature) {
			t.Fatalf("FindEvidence of an archived exchange: %+v, %v", ev, err)
		}
		if live, err := f.log.FindEvidence(f.ctx, b, "civil-gw", "q7"); err != nil || len(live) != 1 || live[0].Record.Seq != 7 {
			t.Errorf("FindEvidence of a live exchange: %+v, %v", live, err)
		}
		if _, err := f.log.FindEvidence(f.ctx, b, "civil-gw", "nope"); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("unknown query ID: %v", err)
		}
		if _, err := f.log.ArchivedEvidence(f.ctx, b, "civil-gw", "q7"); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("live exchange among the archived: %v", err)
		}
		var buf bytes.Buffer
		if err := msglog.WriteEvidence(&buf, ev, cas...); err != nil {
			t.Fatal(err)
		}
		rep, err := msglog.VerifyEvidence(f.ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()), pool, f.ca)
		if err != nil || !rep.OK {
			t.Errorf("evidence of the archived exchange: %+v, %v", rep, err)
		}

		// The next run takes the later batch, not the record that waits,
		// and links to the first file.
		if a, err := f.log.Archive(f.ctx, b, "civil-gw", old.Add(time.Second), platform); err != nil || a.Records != 0 {
			t.Errorf("archived again: %+v, %v", a, err)
		}
		second, err := f.log.Archive(f.ctx, b, "civil-gw", f.clock.Now().Add(time.Hour), platform)
		if err != nil || second.FirstSeq != 6 || second.LastSeq != 7 || !bytes.Equal(second.PrevSHA256, first.SHA256) {
			t.Fatalf("second archive: %+v, %v", second, err)
		}
		files, err := f.log.ArchiveFiles(f.ctx, "civil-gw")
		if err != nil || len(files) != 2 || files[0].Key != first.Key || files[1].Key != second.Key || files[1].Created.IsZero() {
			t.Errorf("ArchiveFiles: %+v, %v", files, err)
		}
		if err := f.log.VerifyAll(f.ctx, b, "civil-gw", pool); err != nil {
			t.Errorf("VerifyAll after two runs: %v", err)
		}
		if ev := f.evidence("civil-gw", "q8"); !bytes.Equal(ev.Record.PrevHash, second.LastHash) {
			t.Error("the waiting record does not link to the archive")
		}
		// Records archived whole: all of them now.
		f.timestamp(1)
		f.clock.Advance(time.Hour)
		if third, err := f.log.Archive(f.ctx, b, "civil-gw", f.clock.Now(), platform); err != nil || third.FirstSeq != 8 || third.LastSeq != 8 {
			t.Fatalf("third archive: %+v, %v", third, err)
		}
		if err := f.log.VerifyAll(f.ctx, b, "civil-gw", pool); err != nil {
			t.Errorf("VerifyAll with every record archived: %v", err)
		}
		f.record("civil-gw", "q9")
		if err := f.log.VerifyAll(f.ctx, b, "civil-gw", pool); err != nil {
			t.Errorf("VerifyAll with a new record: %v", err)
		}

		// Tampering with the files shows.
		put := func(key string, data []byte) {
			t.Helper()
			if err := b.WriteAll(f.ctx, key, data, nil); err != nil {
				t.Fatal(err)
			}
		}
		changed := bytes.Clone(data)
		changed[len(changed)/2] ^= 1
		put(first.Key, changed)
		brokenAt(t, "changed file", f.log.VerifyArchive(f.ctx, b, "civil-gw", pool), 1, "SHA-256 is not the one indexed")
		put(first.Key, data)
		put(first.Key+".sig", sig[:len(sig)-3])
		brokenAt(t, "broken signature", f.log.VerifyArchive(f.ctx, b, "civil-gw", pool), 1, "signature does not hold")
		secondSig, _ := b.ReadAll(f.ctx, second.Key+".sig")
		put(first.Key+".sig", secondSig)
		brokenAt(t, "another file's signature", f.log.VerifyArchive(f.ctx, b, "civil-gw", pool), 1, "signature does not hold")
		put(first.Key+".sig", sig)
		if _, err := d.Writer().ExecContext(f.ctx, `UPDATE bus_message_log_archives SET prev_sha256 = $1 WHERE gateway = 'civil-gw' AND first_seq = 6`,
			[]byte("another")); err != nil {
			t.Fatal(err)
		}
		brokenAt(t, "broken link", f.log.VerifyAll(f.ctx, b, "civil-gw", pool), 6, "does not follow the archive file before it")
	})
}

// failArchiveIndex makes inserts into the archive index fail, as if the
// process died after writing a file, or lets them pass again.
func failArchiveIndex(t *testing.T, d *db.DB, fail bool) {
	t.Helper()
	var stmts []string
	switch {
	case d.Engine() == db.SQLite && fail:
		stmts = []string{`CREATE TRIGGER fail_archive BEFORE INSERT ON bus_message_log_archives BEGIN SELECT RAISE(ABORT, 'killed'); END`}
	case d.Engine() == db.SQLite:
		stmts = []string{`DROP TRIGGER fail_archive`}
	case fail:
		stmts = []string{`CREATE FUNCTION fail_archive() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'killed'; END $$`,
			`CREATE TRIGGER fail_archive BEFORE INSERT ON bus_message_log_archives FOR EACH ROW EXECUTE FUNCTION fail_archive()`}
	default:
		stmts = []string{`DROP TRIGGER fail_archive ON bus_message_log_archives`}
	}
	for _, s := range stmts {
		if _, err := d.Writer().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestArchiveInterruptedLosesNothing(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := bucket(t)
		platform := f.signer("egov-platform")
		for i := range 3 {
			f.record("civil-gw", fmt.Sprintf("q%d", i))
		}
		f.timestamp(3)
		f.clock.Advance(time.Hour)
		_, pool := f.authorities()

		failArchiveIndex(t, d, true)
		if _, err := f.log.Archive(f.ctx, b, "civil-gw", f.clock.Now(), platform); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("Archive with the index failing: %v", err)
		}
		key := msglog.ArchiveKey("civil-gw", 1, 3)
		written, err := b.ReadAll(f.ctx, key)
		if err != nil {
			t.Fatalf("the file was not written first: %v", err)
		}
		// Nothing left the database, which verifies as before.
		if files, err := f.log.ArchiveFiles(f.ctx, "civil-gw"); err != nil || len(files) != 0 {
			t.Errorf("indexed: %+v, %v", files, err)
		}
		for i := range 3 {
			f.evidence("civil-gw", fmt.Sprintf("q%d", i))
		}
		if err := f.log.Verify(f.ctx, "civil-gw"); err != nil {
			t.Errorf("Verify after the failed run: %v", err)
		}

		// Run again: the same file, indexed this time.
		failArchiveIndex(t, d, false)
		f.clock.Advance(time.Minute)
		a, err := f.log.Archive(f.ctx, b, "civil-gw", f.clock.Now(), platform)
		if err != nil || a.Key != key {
			t.Fatalf("Archive run again: %+v, %v", a, err)
		}
		again, _ := b.ReadAll(f.ctx, key)
		if !bytes.Equal(again, written) {
			t.Error("the second run wrote another file")
		}
		if got := keys(t, b, "bus/msglog/"); len(got) != 2 {
			t.Errorf("bucket: %v", got)
		}
		if err := f.log.VerifyAll(f.ctx, b, "civil-gw", pool); err != nil {
			t.Errorf("VerifyAll: %v", err)
		}
	})
}

func TestArchiveConcurrentRuns(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := bucket(t)
		platform := f.signer("egov-platform")
		for i := range 4 {
			f.record("civil-gw", fmt.Sprintf("q%d", i))
		}
		f.timestamp(4)
		f.clock.Advance(time.Hour)
		_, pool := f.authorities()
		var wg sync.WaitGroup
		results := make([]msglog.ArchiveFile, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() { results[i], errs[i] = f.log.Archive(f.ctx, b, "civil-gw", f.clock.Now(), platform) })
		}
		wg.Wait()
		won := 0
		for i := range 2 {
			switch {
			case errs[i] == nil && results[i].Records == 4:
				won++
			case errs[i] == nil && results[i].Records == 0, apperr.Is(errs[i], apperr.ECONFLICT):
			default:
				t.Errorf("run %d: %+v, %v", i, results[i], errs[i])
			}
		}
		if won != 1 {
			t.Errorf("%d runs archived", won)
		}
		if err := f.log.VerifyAll(f.ctx, b, "civil-gw", pool); err != nil {
			t.Errorf("VerifyAll: %v", err)
		}
	})
}

func TestArchiveRefusesBrokenChain(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		b := bucket(t)
		for i := range 3 {
			f.record("civil-gw", fmt.Sprintf("q%d", i))
		}
		f.timestamp(3)
		f.clock.Advance(time.Hour)
		if _, err := d.Writer().ExecContext(f.ctx, `UPDATE bus_message_log SET status = 500 WHERE gateway = 'civil-gw' AND seq = 2`); err != nil {
			t.Fatal(err)
		}
		_, err := f.log.Archive(f.ctx, b, "civil-gw", f.clock.Now(), f.signer("egov-platform"))
		brokenAt(t, "Archive of a changed record", err, 2, "content does not match its hash")
		if got := keys(t, b, ""); len(got) != 0 {
			t.Errorf("written: %v", got)
		}
	})
}
