package msglog

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"gocloud.dev/blob"
)

// Archiving moves a gateway's old records out of the database into
// archive files in object storage, so that the log does not grow without
// end and yet every exchange stays provable (Log.Archive).
//
// An archive file is a ZIP file at ArchiveKey holding whole timestamped
// batches, records FirstSeq..LastSeq, which continue the chain where the
// gateway's previous archive file ended:
//
//	manifest.json                   archiveManifest: the range, the hashes at either end,
//	                                the key and SHA-256 of the previous file, the batches
//	records/<seq>/record.json       the record's fields, as in an evidence bundle
//	records/<seq>/request.sig       its signatures, where it had them
//	records/<seq>/response.sig
//	batches/<first>-<last>/batch-hashes.bin   the batch's record hashes
//	batches/<first>-<last>/token.der          its timestamp token
//
// (sequence numbers with twelve digits). Beside it, at the key plus
// ".sig", is a detached CAdES signature of the file, which
//
//	openssl cms -verify -binary -inform DER -in F.zip.sig -content F.zip -CAfile root.pem -purpose any
//
// checks. The table bus_message_log_archives indexes the files with their
// SHA-256, and bus_message_log_archived the archived records' query IDs.

// archiveFormat names the layout of archive files in their manifest.
const archiveFormat = "egov message log archive 1"

// archiveMaxRecords bounds the records of one archive file, which is
// built in memory; a batch larger than that still goes whole into a file
// of its own.
const archiveMaxRecords = 10000

// archiveMaxBatches bounds the batches Archive looks at in one run.
const archiveMaxBatches = 1000

// ArchiveFile is one archive file of a gateway, as the index lists it.
type ArchiveFile struct {
	Gateway string
	// FirstSeq and LastSeq are the records it holds, Records how many.
	FirstSeq, LastSeq int64
	Records           int
	// Key is where it is in the bucket; its signature is at Key+".sig".
	Key string
	// SHA256 is the file's digest; PrevSHA256 the digest of the
	// gateway's previous archive file, empty for the first.
	SHA256, PrevSHA256 []byte
	// LastHash is the hash of record LastSeq, which the next record's
	// PrevHash must be.
	LastHash []byte
	Created  time.Time
}

// ArchiveKey is the key of the archive file of gateway's records
// first..last: bus/msglog/<gateway>/<first>-<last>.zip, with the numbers
// zero-padded so that the keys sort in sequence order.
func ArchiveKey(gateway string, first, last int64) string {
	return fmt.Sprintf("bus/msglog/%s/%012d-%012d.zip", url.PathEscape(gateway), first, last)
}

// archiveManifest is manifest.json of an archive file.
type archiveManifest struct {
	Format   string `json:"format"`
	Gateway  string `json:"gateway"`
	FirstSeq int64  `json:"first_seq"`
	LastSeq  int64  `json:"last_seq"`
	Records  int    `json:"records"`
	// FirstPrevHash is hex of the first record's PrevHash (the previous
	// file's LastHash); LastHash hex of the last record's hash.
	FirstPrevHash string `json:"first_prev_hash"`
	LastHash      string `json:"last_hash"`
	// Previous is the gateway's previous archive file; nil for the first.
	Previous *archiveLink   `json:"previous_archive"`
	Batches  []archiveBatch `json:"batches"`
}

type archiveLink struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
}

type archiveBatch struct {
	ID            string `json:"id"`
	FirstSeq      int64  `json:"first_seq"`
	LastSeq       int64  `json:"last_seq"`
	Digest        string `json:"digest"`
	TimestampedAt string `json:"timestamped_at"`
}

func recordDir(seq int64) string        { return fmt.Sprintf("records/%012d/", seq) }
func batchDir(first, last int64) string { return fmt.Sprintf("batches/%012d-%012d/", first, last) }
func conflict(format string, args ...any) error {
	return &apperr.Error{Code: apperr.ECONFLICT, Message: "error.conflict", Err: fmt.Errorf(format, args...)}
}

// Archive moves gateway's oldest records into a new archive file in bucket
// (see ArchiveKey), signed by signer (the gateway's or the platform's
// signing key, with its chain up to the root): whole timestamped batches
// whose every record's Time is before before, in sequence order from the
// first record still in the database, up to 10,000 records (a larger
// batch goes whole into a file of its own); call it again for more.
// It refuses (*BrokenError) to archive records whose chain, digests or
// tokens do not hold, so that archiving never hides tampering.
//
// The file and its signature are written first; then one transaction
// indexes the file and the records' query IDs and deletes the records and
// their batches from the database. Killed at any point, nothing is lost
// and running it again writes the same file again: its content follows
// from the records alone. It returns the file, or a zero ArchiveFile when
// no batch is old enough; when another node archived the same records
// meanwhile, ECONFLICT.
func (l *Log) Archive(ctx context.Context, bucket *blob.Bucket, gateway string, before time.Time, signer cms.Signer) (ArchiveFile, error) {
	prev, hasPrev, err := l.lastArchive(ctx, gateway)
	if err != nil {
		return ArchiveFile{}, fmt.Errorf("archive message log of %s: %w", gateway, err)
	}
	start, startHash := int64(0), []byte{}
	if hasPrev {
		start, startHash = prev.LastSeq, prev.LastHash
	}
	batches, records, err := l.archivable(ctx, gateway, start, startHash, before)
	if err != nil || len(batches) == 0 {
		if err != nil {
			err = fmt.Errorf("archive message log of %s: %w", gateway, err)
		}
		return ArchiveFile{}, err
	}
	last := records[len(records)-1]
	f := ArchiveFile{Gateway: gateway, FirstSeq: records[0].Seq, LastSeq: last.Seq, Records: len(records),
		PrevSHA256: []byte{}, LastHash: last.Hash, Created: l.clock.Now().UTC().Truncate(time.Microsecond)}
	f.Key = ArchiveKey(gateway, f.FirstSeq, f.LastSeq)
	var link *archiveLink
	if hasPrev {
		f.PrevSHA256 = prev.SHA256
		link = &archiveLink{Key: prev.Key, SHA256: hex.EncodeToString(prev.SHA256)}
	}
	data, err := buildArchive(gateway, link, batches, records)
	if err != nil {
		return ArchiveFile{}, fmt.Errorf("archive message log of %s: %w", gateway, err)
	}
	sum := sha256.Sum256(data)
	f.SHA256 = sum[:]
	sig, err := cades.Sign(ctx, data, signer, cades.SignOptions{Level: cades.LevelBB, Time: l.clock.Now()})
	if err != nil {
		return ArchiveFile{}, fmt.Errorf("sign message log archive %s: %w", f.Key, err)
	}
	if err := bucket.WriteAll(ctx, f.Key, data, &blob.WriterOptions{ContentType: "application/zip"}); err != nil {
		return ArchiveFile{}, fmt.Errorf("write message log archive %s: %w", f.Key, err)
	}
	if err := bucket.WriteAll(ctx, f.Key+".sig", sig, &blob.WriterOptions{ContentType: "application/pkcs7-signature"}); err != nil {
		return ArchiveFile{}, fmt.Errorf("write message log archive %s: %w", f.Key+".sig", err)
	}
	if err := l.commitArchive(ctx, f, len(batches)); err != nil {
		return ArchiveFile{}, fmt.Errorf("archive message log of %s: %w", gateway, err)
	}
	return f, nil
}

// commitArchive indexes f, whose file and signature are written, and
// deletes its records and their batches, all or nothing.
func (l *Log) commitArchive(ctx context.Context, f ArchiveFile, batches int) error {
	err := l.db.Tx(ctx, func(tx *sql.Tx) error {
		var lastHash []byte
		err := tx.QueryRowContext(ctx, `SELECT record_hash FROM bus_message_log WHERE gateway = $1 AND seq = $2`,
			f.Gateway, f.LastSeq).Scan(&lastHash)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !bytes.Equal(lastHash, f.LastHash) {
			return errRaced
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bus_message_log_archives (gateway, first_seq, last_seq, records,
			file_key, sha256, prev_sha256, last_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			f.Gateway, f.FirstSeq, f.LastSeq, f.Records, f.Key, f.SHA256, f.PrevSHA256, f.LastHash, f.Created); err != nil {
			return err
		}
		// The records are indexed and deleted, then their batches, which
		// they reference; each step must touch every one of them.
		for _, step := range []struct {
			query string
			args  []any
			want  int
		}{
			{`INSERT INTO bus_message_log_archived (gateway, seq, query_id, archive_first_seq)
				SELECT gateway, seq, query_id, CAST($4 AS BIGINT) FROM bus_message_log
				WHERE gateway = $1 AND seq BETWEEN $2 AND $3`, []any{f.Gateway, f.FirstSeq, f.LastSeq, f.FirstSeq}, f.Records},
			{`DELETE FROM bus_message_log WHERE gateway = $1 AND seq BETWEEN $2 AND $3`, []any{f.Gateway, f.FirstSeq, f.LastSeq}, f.Records},
			{`DELETE FROM bus_message_log_batches WHERE gateway = $1 AND first_seq BETWEEN $2 AND $3`, []any{f.Gateway, f.FirstSeq, f.LastSeq}, batches},
		} {
			res, err := tx.ExecContext(ctx, step.query, step.args...)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != int64(step.want) {
				return errRaced
			}
		}
		return nil
	})
	if errors.Is(err, errRaced) || apperr.Is(err, apperr.ECONFLICT) {
		return conflict("records %d-%d were archived or changed meanwhile", f.FirstSeq, f.LastSeq)
	}
	return err
}

// archivable reads the batches that Archive takes next for gateway, after
// record start whose hash is startHash, with their records, and checks
// them.
func (l *Log) archivable(ctx context.Context, gateway string, start int64, startHash []byte, before time.Time) ([]Batch, []Record, error) {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT id, first_seq, last_seq, digest, token, timestamped_at
		FROM bus_message_log_batches WHERE gateway = $1 AND first_seq > $2 ORDER BY first_seq LIMIT $3`,
		gateway, start, archiveMaxBatches)
	if err != nil {
		return nil, nil, err
	}
	candidates, err := db.Collect(rows, func(s interface{ Scan(...any) error }) (Batch, error) {
		b := Batch{Gateway: gateway}
		err := s.Scan(&b.ID, &b.FirstSeq, &b.LastSeq, &b.Digest, &b.Token, &b.Time)
		b.Time = b.Time.UTC()
		return b, err
	})
	if err != nil {
		return nil, nil, err
	}
	var (
		batches []Batch
		records []Record
		prev    = Record{Seq: start, Hash: startHash}
	)
	for _, b := range candidates {
		if b.FirstSeq != prev.Seq+1 {
			return nil, nil, &BrokenError{Gateway: gateway, Seq: prev.Seq + 1, Reason: fmt.Sprintf("batch %s starts at record %d", b.ID, b.FirstSeq)}
		}
		if len(records) > 0 && len(records)+int(b.LastSeq-b.FirstSeq+1) > archiveMaxRecords {
			break
		}
		rows, err := l.db.Reader().QueryContext(ctx, `SELECT `+recordColumns+` FROM bus_message_log
			WHERE gateway = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`, gateway, b.FirstSeq, b.LastSeq)
		if err != nil {
			return nil, nil, err
		}
		recs, err := db.Collect(rows, scanRecord)
		if err != nil {
			return nil, nil, err
		}
		if slices.ContainsFunc(recs, func(r Record) bool { return !r.Time.Before(before) }) {
			break
		}
		if err := checkBatch(&b, recs, &prev); err != nil {
			return nil, nil, err
		}
		batches, records = append(batches, b), append(records, recs...)
	}
	return batches, records, nil
}

// checkBatch checks that recs are all of batch b's records, chained on
// from prev (which it advances), and that b's digest and token are over
// their hashes.
func checkBatch(b *Batch, recs []Record, prev *Record) error {
	b.Hashes = b.Hashes[:0]
	for _, r := range recs {
		if err := linkProblem(b.Gateway, *prev, r); err != nil {
			return err
		}
		if r.Batch != b.ID {
			return &BrokenError{Gateway: b.Gateway, Seq: r.Seq, QueryID: r.QueryID,
				Reason: fmt.Sprintf("it is not marked with its batch %s", b.ID)}
		}
		b.Hashes = append(b.Hashes, r.Hash)
		*prev = r
	}
	fail := func(reason string) error {
		return &BrokenError{Gateway: b.Gateway, Seq: b.FirstSeq, Reason: fmt.Sprintf("batch %s of records %d-%d: %s", b.ID, b.FirstSeq, b.LastSeq, reason)}
	}
	if int64(len(recs)) != b.LastSeq-b.FirstSeq+1 {
		return fail("its records are not all there")
	}
	if !bytes.Equal(BatchDigest(b.Hashes), b.Digest) {
		return fail("its digest does not match its records")
	}
	if _, ok := tokenTime(b.Token, b.Digest); !ok {
		return fail("its timestamp token is not over its digest")
	}
	return nil
}

// buildArchive makes the archive file of records, in batches, which
// follows the archive file link. The same input gives the same bytes.
func buildArchive(gateway string, link *archiveLink, batches []Batch, records []Record) ([]byte, error) {
	first, last := records[0], records[len(records)-1]
	m := archiveManifest{Format: archiveFormat, Gateway: gateway, FirstSeq: first.Seq, LastSeq: last.Seq, Records: len(records),
		FirstPrevHash: hex.EncodeToString(first.PrevHash), LastHash: hex.EncodeToString(last.Hash), Previous: link}
	for _, b := range batches {
		m.Batches = append(m.Batches, archiveBatch{ID: b.ID, FirstSeq: b.FirstSeq, LastSeq: b.LastSeq,
			Digest: hex.EncodeToString(b.Digest), TimestampedAt: b.Time.Format(time.RFC3339Nano)})
	}
	var buf bytes.Buffer
	z := &zipWriter{zw: zip.NewWriter(&buf), modified: batches[len(batches)-1].Time}
	if err := z.addJSON("manifest.json", m); err != nil {
		return nil, err
	}
	i := 0
	for bi := range batches {
		b := &batches[bi]
		dir := batchDir(b.FirstSeq, b.LastSeq)
		if err := z.add(dir+fileBatchHashes, bytes.Join(b.Hashes, nil)); err != nil {
			return nil, err
		}
		if err := z.add(dir+fileToken, b.Token); err != nil {
			return nil, err
		}
		for ; i < len(records) && records[i].Seq <= b.LastSeq; i++ {
			r := &records[i]
			dir := recordDir(r.Seq)
			if err := z.addJSON(dir+fileRecord, newRecordFile(r, b)); err != nil {
				return nil, err
			}
			if len(r.RequestSignature) > 0 {
				if err := z.add(dir+fileRequestSig, r.RequestSignature); err != nil {
					return nil, err
				}
			}
			if len(r.ResponseSignature) > 0 {
				if err := z.add(dir+fileResponseSig, r.ResponseSignature); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := z.zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// lastArchive returns gateway's newest archive file, if it has one.
func (l *Log) lastArchive(ctx context.Context, gateway string) (ArchiveFile, bool, error) {
	files, err := l.archiveFiles(ctx, gateway, true)
	if err != nil || len(files) == 0 {
		return ArchiveFile{}, false, err
	}
	return files[0], true, nil
}

// ArchiveFiles lists gateway's archive files in sequence order.
func (l *Log) ArchiveFiles(ctx context.Context, gateway string) ([]ArchiveFile, error) {
	files, err := l.archiveFiles(ctx, gateway, false)
	if err != nil {
		return nil, fmt.Errorf("message log archive files of %s: %w", gateway, err)
	}
	return files, nil
}

// archiveFiles lists gateway's archive files, only the newest if newest.
func (l *Log) archiveFiles(ctx context.Context, gateway string, newest bool) ([]ArchiveFile, error) {
	q := `SELECT gateway, first_seq, last_seq, records, file_key, sha256, prev_sha256, last_hash, created_at
		FROM bus_message_log_archives WHERE gateway = $1 ORDER BY first_seq`
	if newest {
		q += ` DESC LIMIT 1`
	}
	rows, err := l.db.Reader().QueryContext(ctx, q, gateway)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(s interface{ Scan(...any) error }) (ArchiveFile, error) {
		var f ArchiveFile
		err := s.Scan(&f.Gateway, &f.FirstSeq, &f.LastSeq, &f.Records, &f.Key, &f.SHA256, &f.PrevSHA256, &f.LastHash, &f.Created)
		f.Created = f.Created.UTC()
		return f, err
	})
}

// VerifyArchive checks gateway's archive files in bucket, in order: each
// file's SHA-256 is the one indexed, and its signature verifies over it
// and chains to roots (intermediates help build the chain; the
// certificates in the file's signatures are used too), judged as of the
// signing time it claims; it names the previous file by key and SHA-256
// and continues its chain; its records are hash-chained from record 1 on
// with the hashes their content gives; and every batch's digest is over
// its records' hashes, with a token over it by a TSA chaining to roots.
// The message signatures inside are not checked: the gateways checked
// them when the messages passed, and an auditor checks one exchange's
// with its evidence. It returns nil when all hold, else a *BrokenError
// naming the file and the first record found wrong.
func (l *Log) VerifyArchive(ctx context.Context, bucket *blob.Bucket, gateway string, roots *x509.CertPool, intermediates ...*x509.Certificate) error {
	files, err := l.ArchiveFiles(ctx, gateway)
	if err != nil {
		return err
	}
	prev := ArchiveFile{PrevSHA256: []byte{}, SHA256: []byte{}, LastHash: []byte{}}
	for _, f := range files {
		broken := func(seq int64, format string, args ...any) error {
			return &BrokenError{Gateway: gateway, Seq: seq, Reason: "archive file " + f.Key + ": " + fmt.Sprintf(format, args...)}
		}
		if f.FirstSeq != prev.LastSeq+1 || !bytes.Equal(f.PrevSHA256, prev.SHA256) {
			return broken(prev.LastSeq+1, "it does not follow the archive file before it")
		}
		data, err := bucket.ReadAll(ctx, f.Key)
		if err != nil {
			return fmt.Errorf("verify message log archive %s: %w", f.Key, err)
		}
		if sum := sha256.Sum256(data); !bytes.Equal(sum[:], f.SHA256) {
			return broken(f.FirstSeq, "its SHA-256 is not the one indexed")
		}
		sig, err := bucket.ReadAll(ctx, f.Key+".sig")
		if err != nil {
			return fmt.Errorf("verify message log archive %s: %w", f.Key+".sig", err)
		}
		a, err := readArchive(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return broken(f.FirstSeq, "%v", err)
		}
		certs := slices.Concat(intermediates, a.certificates(), cmsCertificates(sig))
		if err := checkArchiveSignature(ctx, data, sig, roots, certs, l.clock.Now); err != nil {
			return broken(f.FirstSeq, "its signature does not hold: %v", err)
		}
		if seq, err := a.check(f, prev, roots, certs); err != nil {
			return broken(seq, "%v", err)
		}
		prev = f
	}
	return nil
}

// checkArchiveSignature checks the detached signature sig over an archive
// file: a valid signature chaining to roots; revocation unknown to it,
// and a certificate that has expired since the signing time claimed, do
// not fail it, as the file's content proves itself through the timestamps
// inside.
func checkArchiveSignature(ctx context.Context, data, sig []byte, roots *x509.CertPool, certs []*x509.Certificate, now func() time.Time) error {
	v := &cades.Verifier{Roots: roots, Intermediates: certs, Now: now}
	rep, err := v.Verify(ctx, data, sig)
	if err != nil {
		return err
	}
	if len(rep.Signatures) != 1 {
		return errors.New("it is not one signature")
	}
	for _, c := range rep.Signatures[0].Checks {
		if c.Verdict != cades.Valid && c.Reason != cades.ReasonRevocationUnknown && c.Reason != cades.ReasonExpiredNoPOE {
			return fmt.Errorf("%s: %s", c.Verdict, c.Reason)
		}
	}
	return nil
}

// cmsCertificates returns the certificates in a CMS signature, none if it
// does not parse.
func cmsCertificates(der []byte) []*x509.Certificate {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil
	}
	return sd.Certificates
}

// archive is an archive file opened for reading.
type archive struct {
	files    zipFiles
	manifest archiveManifest
}

// readArchive opens the archive file r of size bytes and reads its
// manifest.
func readArchive(r io.ReaderAt, size int64) (*archive, error) {
	zf, err := openZip(r, size)
	if err != nil {
		return nil, err
	}
	a := &archive{files: zf}
	raw, ok, err := zf.read("manifest.json", maxHashesFile)
	if err == nil && !ok {
		err = errors.New("manifest.json is missing")
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &a.manifest); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if a.manifest.Format != archiveFormat {
		return nil, fmt.Errorf("manifest.json: format %q is not %q", a.manifest.Format, archiveFormat)
	}
	return a, nil
}

// record reads record seq with the batch that holds it.
func (a *archive) record(seq int64) (Record, *archiveBatch, error) {
	dir := recordDir(seq)
	raw, ok, err := a.files.read(dir+fileRecord, maxSmallFile)
	if err == nil && !ok {
		err = fmt.Errorf("record %d is missing", seq)
	}
	if err != nil {
		return Record{}, nil, err
	}
	var rf recordFile
	if err := json.Unmarshal(raw, &rf); err != nil {
		return Record{}, nil, fmt.Errorf("record %d: %w", seq, err)
	}
	r, err := rf.record(func(name string) ([]byte, error) {
		b, ok, err := a.files.read(dir+name, maxSmallFile)
		if err == nil && !ok {
			err = fmt.Errorf("%s%s is missing", dir, name)
		}
		return b, err
	})
	if err != nil {
		return Record{}, nil, fmt.Errorf("record %d: %w", seq, err)
	}
	if r.Seq != seq || rf.Batch == nil {
		return Record{}, nil, fmt.Errorf("record %d: its record.json is not that of a timestamped record %d", seq, seq)
	}
	i := slices.IndexFunc(a.manifest.Batches, func(b archiveBatch) bool { return b.ID == rf.Batch.ID })
	if i < 0 || a.manifest.Batches[i].FirstSeq > seq || a.manifest.Batches[i].LastSeq < seq {
		return Record{}, nil, fmt.Errorf("record %d: its batch %s is not in the manifest", seq, rf.Batch.ID)
	}
	return r, &a.manifest.Batches[i], nil
}

// batch reads the batch described by ab, with its hashes and token.
func (a *archive) batch(gateway string, ab *archiveBatch) (*Batch, error) {
	dir := batchDir(ab.FirstSeq, ab.LastSeq)
	b := &Batch{ID: ab.ID, Gateway: gateway, FirstSeq: ab.FirstSeq, LastSeq: ab.LastSeq}
	var err error
	if b.Digest, err = hex.DecodeString(ab.Digest); err != nil {
		return nil, fmt.Errorf("batch %s: digest is not hex", ab.ID)
	}
	if b.Time, err = time.Parse(time.RFC3339Nano, ab.TimestampedAt); err != nil {
		return nil, fmt.Errorf("batch %s: %w", ab.ID, err)
	}
	b.Time = b.Time.UTC()
	hashes, ok, err := a.files.read(dir+fileBatchHashes, maxHashesFile)
	if err == nil && !ok {
		err = fmt.Errorf("batch %s: its hashes are missing", ab.ID)
	}
	if err != nil {
		return nil, err
	}
	if len(hashes)%sha256.Size != 0 || int64(len(hashes)/sha256.Size) != ab.LastSeq-ab.FirstSeq+1 {
		return nil, fmt.Errorf("batch %s: its hashes are not those of records %d-%d", ab.ID, ab.FirstSeq, ab.LastSeq)
	}
	for i := 0; i < len(hashes); i += sha256.Size {
		b.Hashes = append(b.Hashes, hashes[i:i+sha256.Size])
	}
	if b.Token, ok, err = a.files.read(dir+fileToken, maxSmallFile); err == nil && !ok {
		err = fmt.Errorf("batch %s: its token is missing", ab.ID)
	}
	return b, err
}

// certificates returns the certificates in the tokens of the batches,
// which help build the TSA's chain.
func (a *archive) certificates() []*x509.Certificate {
	var out []*x509.Certificate
	for _, ab := range a.manifest.Batches {
		if token, ok, err := a.files.read(batchDir(ab.FirstSeq, ab.LastSeq)+fileToken, maxSmallFile); err == nil && ok {
			out = append(out, cmsCertificates(token)...)
		}
	}
	return out
}

// check checks the archive's content against its index entry f, which
// follows prev, and returns the sequence number where it went wrong.
func (a *archive) check(f, prev ArchiveFile, roots *x509.CertPool, certs []*x509.Certificate) (int64, error) {
	m := &a.manifest
	switch {
	case m.Gateway != f.Gateway || m.FirstSeq != f.FirstSeq || m.LastSeq != f.LastSeq || m.Records != f.Records ||
		int64(m.Records) != m.LastSeq-m.FirstSeq+1:
		return f.FirstSeq, errors.New("its manifest does not state the records indexed")
	case (m.Previous == nil) != (prev.Key == "") ||
		m.Previous != nil && (m.Previous.Key != prev.Key || m.Previous.SHA256 != hex.EncodeToString(prev.SHA256)):
		return f.FirstSeq, errors.New("its manifest does not name the archive file before it")
	case m.FirstPrevHash != hex.EncodeToString(prev.LastHash) || m.LastHash != hex.EncodeToString(f.LastHash):
		return f.FirstSeq, errors.New("its manifest does not state the hashes at either end")
	case len(m.Batches) == 0 || m.Batches[0].FirstSeq != f.FirstSeq || m.Batches[len(m.Batches)-1].LastSeq != f.LastSeq:
		return f.FirstSeq, errors.New("its batches do not cover its records")
	}
	last := Record{Seq: prev.LastSeq, Hash: prev.LastHash}
	for i := range m.Batches {
		ab := &m.Batches[i]
		if ab.FirstSeq != last.Seq+1 || ab.LastSeq < ab.FirstSeq || ab.LastSeq > f.LastSeq {
			return last.Seq + 1, fmt.Errorf("batch %s does not continue the records", ab.ID)
		}
		b, err := a.batch(f.Gateway, ab)
		if err != nil {
			return ab.FirstSeq, err
		}
		stored := b.Hashes
		recs := make([]Record, 0, len(stored))
		for seq := ab.FirstSeq; seq <= ab.LastSeq; seq++ {
			r, rb, err := a.record(seq)
			if err != nil {
				return seq, err
			}
			if rb.ID != ab.ID || r.Gateway != f.Gateway {
				return seq, errors.New("it is not of its batch or gateway")
			}
			recs = append(recs, r)
		}
		if err := checkBatch(b, recs, &last); err != nil {
			var be *BrokenError
			if errors.As(err, &be) {
				return be.Seq, errors.New(be.Reason)
			}
			return ab.FirstSeq, err
		}
		if !slices.EqualFunc(stored, b.Hashes, bytes.Equal) {
			return ab.FirstSeq, fmt.Errorf("batch %s: its stored hashes are not its records'", ab.ID)
		}
		if _, _, err := checkToken(b.Token, bytes.Join(b.Hashes, nil), roots, certs); err != nil {
			return ab.FirstSeq, fmt.Errorf("batch %s: its timestamp token does not hold: %v", ab.ID, err)
		}
	}
	if last.Seq != f.LastSeq {
		return last.Seq + 1, errors.New("its records end early")
	}
	return 0, nil
}

// blobReaderAt reads an object of a bucket at offsets, each read a range
// request, so that one record is read from a large file without fetching
// the whole.
type blobReaderAt struct {
	ctx    context.Context
	bucket *blob.Bucket
	key    string
}

func (r blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	rr, err := r.bucket.NewRangeReader(r.ctx, r.key, off, int64(len(p)), nil)
	if err != nil {
		return 0, err
	}
	defer rr.Close()
	n, err := io.ReadFull(rr, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

// openArchive opens the archive file at key for reading parts of it.
func openArchive(ctx context.Context, bucket *blob.Bucket, key string) (*archive, error) {
	if bucket == nil {
		return nil, errors.New("no bucket to read archive files from")
	}
	attrs, err := bucket.Attributes(ctx, key)
	if err != nil {
		return nil, err
	}
	return readArchive(blobReaderAt{ctx: ctx, bucket: bucket, key: key}, attrs.Size)
}

// ArchivedEvidence returns the evidence of the archived exchanges with
// queryID on gateway, in the order recorded, read from their archive files
// in bucket. None is ENOTFOUND. A record or batch in a file that does not
// agree with itself is an error: the file is damaged.
func (l *Log) ArchivedEvidence(ctx context.Context, bucket *blob.Bucket, gateway, queryID string) ([]Evidence, error) {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT q.seq, a.file_key FROM bus_message_log_archived q
		JOIN bus_message_log_archives a ON a.gateway = q.gateway AND a.first_seq = q.archive_first_seq
		WHERE q.gateway = $1 AND q.query_id = $2 ORDER BY q.seq`, gateway, queryID)
	if err != nil {
		return nil, fmt.Errorf("archived message log evidence: %w", err)
	}
	type hit struct {
		seq int64
		key string
	}
	hits, err := db.Collect(rows, func(s interface{ Scan(...any) error }) (hit, error) {
		var h hit
		return h, s.Scan(&h.seq, &h.key)
	})
	if err != nil {
		return nil, fmt.Errorf("archived message log evidence: %w", err)
	}
	if len(hits) == 0 {
		return nil, &apperr.Error{Code: apperr.ENOTFOUND, Message: "error.not_found",
			Err: fmt.Errorf("no archived message log record of query ID %q on gateway %s", queryID, gateway)}
	}
	opened := map[string]*archive{}
	out := make([]Evidence, 0, len(hits))
	for _, h := range hits {
		a := opened[h.key]
		if a == nil {
			if a, err = openArchive(ctx, bucket, h.key); err != nil {
				return nil, fmt.Errorf("archived message log evidence: %s: %w", h.key, err)
			}
			opened[h.key] = a
		}
		ev, err := a.evidence(gateway, h.seq)
		if err != nil {
			return nil, fmt.Errorf("archived message log evidence: %s is damaged: %w", h.key, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// evidence reads the evidence of record seq from the archive, checking
// that the record's hash is its content's and is in its batch.
func (a *archive) evidence(gateway string, seq int64) (Evidence, error) {
	r, ab, err := a.record(seq)
	if err != nil {
		return Evidence{}, err
	}
	b, err := a.batch(gateway, ab)
	if err != nil {
		return Evidence{}, err
	}
	if r.Gateway != gateway || !bytes.Equal(r.Hash, r.Sum()) || !bytes.Equal(b.Hashes[seq-b.FirstSeq], r.Hash) {
		return Evidence{}, fmt.Errorf("record %d does not match its hash or batch", seq)
	}
	return Evidence{Record: r, Batch: b}, nil
}

// FindEvidence returns the evidence of the exchanges with queryID on
// gateway wherever they are, in the database (Evidence) or archived in
// bucket (ArchivedEvidence), in the order recorded. None is ENOTFOUND.
// This is what an auditor's download serves, through WriteEvidence.
func (l *Log) FindEvidence(ctx context.Context, bucket *blob.Bucket, gateway, queryID string) ([]Evidence, error) {
	// The database first: a record archived in between is then found in
	// both, not in neither.
	live, err := l.Evidence(ctx, gateway, queryID)
	if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return nil, err
	}
	archived, err := l.ArchivedEvidence(ctx, bucket, gateway, queryID)
	if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return nil, err
	}
	out := archived
	for _, e := range live {
		if !slices.ContainsFunc(out, func(x Evidence) bool { return x.Record.Seq == e.Record.Seq }) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, &apperr.Error{Code: apperr.ENOTFOUND, Message: "error.not_found",
			Err: fmt.Errorf("no message log record of query ID %q on gateway %s", queryID, gateway)}
	}
	slices.SortFunc(out, func(x, y Evidence) int { return cmp.Compare(x.Record.Seq, y.Record.Seq) })
	return out, nil
}

// VerifyFrom checks, as Verify does, gateway's chain in the database from
// the record after seq, whose hash is hash: where the records up to seq
// are archived, seq and hash are the last archive file's LastSeq and
// LastHash (Verify does that). VerifyFrom(ctx, gateway, 0, nil) checks
// the chain from its first record.
func (l *Log) VerifyFrom(ctx context.Context, gateway string, seq int64, hash []byte) error {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT `+recordColumns+` FROM bus_message_log
		WHERE gateway = $1 ORDER BY seq`, gateway)
	if err != nil {
		return fmt.Errorf("verify message log of %s: %w", gateway, err)
	}
	defer rows.Close()
	var (
		prev    = Record{Seq: seq, Hash: orEmpty(hash)}
		batches = map[string][][]byte{}
	)
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return fmt.Errorf("verify message log of %s: %w", gateway, err)
		}
		if err := linkProblem(gateway, prev, r); err != nil {
			return err
		}
		if r.Batch != "" {
			batches[r.Batch] = append(batches[r.Batch], r.Hash)
		}
		prev = r
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify message log of %s: %w", gateway, err)
	}
	var headSeq int64
	var headHash []byte
	err = l.db.Reader().QueryRowContext(ctx, `SELECT seq, hash FROM bus_message_log_heads WHERE gateway = $1`, gateway).Scan(&headSeq, &headHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("verify message log of %s: %w", gateway, err)
	}
	if headSeq != prev.Seq || !bytes.Equal(orEmpty(headHash), orEmpty(prev.Hash)) {
		return &BrokenError{Gateway: gateway, Seq: prev.Seq + 1, Reason: fmt.Sprintf("the chain ends at record %d, but its head says %d", prev.Seq, headSeq)}
	}
	return l.verifyBatches(ctx, gateway, batches)
}

// VerifyAll checks gateway's whole chain: its archive files
// (VerifyArchive), then the records in the database on from the last
// archived one (VerifyFrom).
func (l *Log) VerifyAll(ctx context.Context, bucket *blob.Bucket, gateway string, roots *x509.CertPool, intermediates ...*x509.Certificate) error {
	if err := l.VerifyArchive(ctx, bucket, gateway, roots, intermediates...); err != nil {
		return err
	}
	seq, hash, err := l.archivedTail(ctx, gateway)
	if err != nil {
		return err
	}
	return l.VerifyFrom(ctx, gateway, seq, hash)
}

// archivedTail is the sequence number and hash of gateway's last archived
// record, 0 and empty when none is archived: where the chain in the
// database starts from.
func (l *Log) archivedTail(ctx context.Context, gateway string) (int64, []byte, error) {
	f, ok, err := l.lastArchive(ctx, gateway)
	if err != nil {
		return 0, nil, fmt.Errorf("message log archive of %s: %w", gateway, err)
	}
	if !ok {
		return 0, []byte{}, nil
	}
	return f.LastSeq, f.LastHash, nil
}

// linkProblem checks that r follows prev in gateway's hash chain: the next
// number, prev's hash as its previous hash, and its content matching its
// own hash. It returns the first break, at r, or nil.
func linkProblem(gateway string, prev, r Record) error {
	var reason string
	switch {
	case r.Seq != prev.Seq+1:
		reason = fmt.Sprintf("record %d is missing", prev.Seq+1)
	case !bytes.Equal(r.PrevHash, orEmpty(prev.Hash)):
		reason = fmt.Sprintf("its previous hash is not the hash of record %d", prev.Seq)
	case !bytes.Equal(r.Hash, r.Sum()):
		reason = "its content does not match its hash"
	default:
		return nil
	}
	// The break is found at r, which names where to look.
	return &BrokenError{Gateway: gateway, Seq: r.Seq, QueryID: r.QueryID, Reason: reason}
}
