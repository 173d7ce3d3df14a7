package msglog

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/tsp"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// An evidence bundle is a ZIP file with which an auditor checks exchanges
// with OpenSSL alone (see WriteEvidence for its layout and README.txt in it
// for the commands). The names of its files:
const (
	bundleReadme  = "README.txt"
	bundleRoots   = "root.pem"    // the root CA certificates
	bundleIssuing = "issuing.pem" // the issuing CA certificates
	bundleTSA     = "tsa.pem"     // the TSA certificates, then issuing.pem's

	fileRecord       = "record.json"       // the record's fields (recordFile)
	fileRecordInput  = "record.bin"        // the bytes the record hash is the SHA-256 of
	fileRequestHash  = "request-hash.txt"  // the bytes the request signature signs
	fileRequestSig   = "request.sig"       // DER detached CMS; absent when there was none
	fileResponseHash = "response-hash.txt" // the bytes the response signature signs
	fileResponseSig  = "response.sig"
	fileBatchHashes  = "batch-hashes.bin" // the batch's record hashes, concatenated
	fileToken        = "token.der"        // the batch's RFC 3161 TimeStampToken
)

// exchangeDir is the folder of the i-th (from 1) exchange in a bundle.
func exchangeDir(i int) string { return "exchange-" + strconv.Itoa(i) + "/" }

// Bounds on what VerifyEvidence and the archive reader take from a ZIP
// file, so that a hostile one cannot exhaust memory.
const (
	maxZipFiles  = 1 << 16
	maxSmallFile = 1 << 20 // record.json, hashes, signatures, tokens, PEM files
	// maxHashesFile bounds batch-hashes.bin: a batch of a million
	// records, a hundred times DefaultMaxBatch.
	maxHashesFile = 32 * 1_000_000
)

// recordFile is record.json: a record's fields as the record hash covers
// them, in a bundle and in an archive file.
type recordFile struct {
	Gateway string `json:"gateway"`
	Seq     int64  `json:"seq"`
	QueryID string `json:"query_id"`
	Client  string `json:"client"`
	Service string `json:"service"`
	// Time is exactly the string the record hash covers: UTC, RFC 3339
	// with the fraction of a second, trailing zeros dropped.
	Time         string `json:"time"`
	RequestHash  string `json:"request_hash"`
	ResponseHash string `json:"response_hash"`
	// RequestSignature and ResponseSignature name the files holding the
	// signatures; empty where there was none.
	RequestSignature  string `json:"request_signature_file"`
	ResponseSignature string `json:"response_signature_file"`
	Status            int    `json:"status"`
	// PrevHash and Hash are hex; PrevHash is empty for a gateway's first
	// record.
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
	Batch    *batchRef `json:"batch"`
}

// batchRef places a record in its timestamped batch; nil while it waits
// for a timestamp.
type batchRef struct {
	ID       string `json:"id"`
	FirstSeq int64  `json:"first_seq"`
	LastSeq  int64  `json:"last_seq"`
	// Position is the record's place in the batch from 0 (Seq -
	// FirstSeq): its hash is bytes 32*Position to 32*Position+32 of
	// batch-hashes.bin.
	Position int64 `json:"position"`
	// Digest is hex of BatchDigest, the SHA-256 of batch-hashes.bin.
	Digest        string `json:"digest"`
	TimestampedAt string `json:"timestamped_at"`
}

// newRecordFile describes r, in batch b (nil if none).
func newRecordFile(r *Record, b *Batch) recordFile {
	f := recordFile{Gateway: r.Gateway, Seq: r.Seq, QueryID: r.QueryID, Client: r.Client, Service: r.Service,
		Time: r.Time.UTC().Format(time.RFC3339Nano), RequestHash: r.RequestHash, ResponseHash: r.ResponseHash,
		Status: r.Status, PrevHash: hex.EncodeToString(r.PrevHash), Hash: hex.EncodeToString(r.Hash)}
	if len(r.RequestSignature) > 0 {
		f.RequestSignature = fileRequestSig
	}
	if len(r.ResponseSignature) > 0 {
		f.ResponseSignature = fileResponseSig
	}
	if b != nil {
		f.Batch = &batchRef{ID: b.ID, FirstSeq: b.FirstSeq, LastSeq: b.LastSeq, Position: r.Seq - b.FirstSeq,
			Digest: hex.EncodeToString(b.Digest), TimestampedAt: b.Time.UTC().Format(time.RFC3339Nano)}
	}
	return f
}

// record turns f back into a Record, with the signatures read from its
// folder by sig. It fails on fields that do not decode or a time that is
// not in the exact form the hash covers.
func (f *recordFile) record(sig func(name string) ([]byte, error)) (Record, error) {
	r := Record{Entry: Entry{Gateway: f.Gateway, QueryID: f.QueryID, Client: f.Client, Service: f.Service,
		RequestHash: f.RequestHash, ResponseHash: f.ResponseHash, Status: f.Status}, Seq: f.Seq}
	if f.Batch != nil {
		r.Batch = f.Batch.ID
	}
	var err error
	if r.Time, err = time.Parse(time.RFC3339Nano, f.Time); err != nil || r.Time.UTC().Format(time.RFC3339Nano) != f.Time {
		return Record{}, fmt.Errorf("time %q is not UTC RFC 3339 as hashed", f.Time)
	}
	r.Time = r.Time.UTC()
	if r.PrevHash, err = hex.DecodeString(f.PrevHash); err != nil {
		return Record{}, errors.New("prev_hash is not hex")
	}
	if r.Hash, err = hex.DecodeString(f.Hash); err != nil || len(r.Hash) != sha256.Size {
		return Record{}, errors.New("hash is not a hex SHA-256")
	}
	for _, s := range []struct {
		name string
		want string
		dst  *[]byte
	}{{f.RequestSignature, fileRequestSig, &r.RequestSignature}, {f.ResponseSignature, fileResponseSig, &r.ResponseSignature}} {
		switch s.name {
		case "":
			*s.dst = []byte{}
		case s.want:
			if *s.dst, err = sig(s.name); err != nil {
				return Record{}, err
			}
		default:
			return Record{}, fmt.Errorf("signature file %q is not %s", s.name, s.want)
		}
	}
	return r, nil
}

// zipWriter adds files to a ZIP stream with one modification time.
type zipWriter struct {
	zw       *zip.Writer
	modified time.Time
}

// add writes one file: compressed when it is text, stored as is when it
// is DER or hashes, which do not compress.
func (z *zipWriter) add(name string, data []byte) error {
	method := zip.Store
	if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".pem") {
		method = zip.Deflate
	}
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: z.modified})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// addJSON writes v as indented JSON.
func (z *zipWriter) addJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return z.add(name, append(b, '\n'))
}

// WriteEvidence writes the evidence of exchanges ev (from Log.Evidence or
// Log.FindEvidence) to w as a ZIP bundle that an auditor checks with
// OpenSSL alone, or with VerifyEvidence:
//
//	README.txt       what to run, in English, Uzbek and Russian
//	root.pem         the root CA certificates among certs
//	issuing.pem      the other CA certificates among certs
//	tsa.pem          the TSA certificates of the tokens, then issuing.pem's
//	exchange-N/      one folder per exchange, from 1, in the order of ev:
//	  record.json        the record's fields (recordFile)
//	  record.bin         the bytes whose SHA-256 is the record hash
//	  request-hash.txt   the X-Road-Request-Hash value, the bytes signed
//	  request.sig        the request's detached CMS signature (DER)
//	  response-hash.txt  the response hash, the bytes signed
//	  response.sig       the response's signature
//	  batch-hashes.bin   the record hashes of the record's batch, in order
//	  token.der          the TSA's TimeStampToken over SHA-256 of batch-hashes.bin
//
// A signature file is left out where the exchange had none, and the batch
// files while the record waits for its timestamp. certs are the
// platform's CA certificates (pki.Service.Authorities); certificates that
// are not a CA's are left out. The bundle does not make the auditor trust
// root.pem: they compare it with the root they know.
func WriteEvidence(w io.Writer, ev []Evidence, certs ...*x509.Certificate) error {
	if len(ev) == 0 {
		return errors.New("write evidence: no exchange")
	}
	var roots, issuing, tsas []*x509.Certificate
	for _, c := range certs {
		switch {
		case c == nil || !c.IsCA:
		case pki.SelfSigned(c):
			roots = appendCert(roots, c)
		default:
			issuing = appendCert(issuing, c)
		}
	}
	modified := ev[0].Record.Time
	for _, e := range ev {
		if e.Batch == nil {
			continue
		}
		if e.Batch.Time.After(modified) {
			modified = e.Batch.Time
		}
		if tok, err := tsp.ParseToken(e.Batch.Token); err == nil {
			if c := tok.SignedData.Signers[0].SignerCertificate(tok.SignedData.Certificates); c != nil {
				tsas = appendCert(tsas, c)
			}
		}
	}
	z := &zipWriter{zw: zip.NewWriter(w), modified: modified}
	if err := z.add(bundleReadme, []byte(readme(ev))); err != nil {
		return fmt.Errorf("write evidence: %w", err)
	}
	for _, f := range []struct {
		name  string
		certs []*x509.Certificate
	}{{bundleRoots, roots}, {bundleIssuing, issuing}, {bundleTSA, slices.Concat(tsas, issuing)}} {
		if len(f.certs) == 0 {
			continue
		}
		if err := z.add(f.name, pemCerts(f.certs)); err != nil {
			return fmt.Errorf("write evidence: %w", err)
		}
	}
	for i, e := range ev {
		if err := writeExchange(z, exchangeDir(i+1), &e); err != nil {
			return fmt.Errorf("write evidence: %w", err)
		}
	}
	if err := z.zw.Close(); err != nil {
		return fmt.Errorf("write evidence: %w", err)
	}
	return nil
}

// writeExchange writes the folder of one exchange.
func writeExchange(z *zipWriter, dir string, e *Evidence) error {
	r := &e.Record
	if err := z.addJSON(dir+fileRecord, newRecordFile(r, e.Batch)); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{fileRecordInput, r.hashInput()},
		{fileRequestHash, []byte(r.RequestHash)},
		{fileRequestSig, r.RequestSignature},
		{fileResponseHash, []byte(r.ResponseHash)},
		{fileResponseSig, r.ResponseSignature},
	}
	if e.Batch != nil {
		files = append(files, struct {
			name string
			data []byte
		}{fileBatchHashes, bytes.Join(e.Batch.Hashes, nil)}, struct {
			name string
			data []byte
		}{fileToken, e.Batch.Token})
	}
	for _, f := range files {
		if len(f.data) == 0 && (f.name == fileRequestSig || f.name == fileResponseSig) {
			continue
		}
		if err := z.add(dir+f.name, f.data); err != nil {
			return err
		}
	}
	return nil
}

func appendCert(list []*x509.Certificate, c *x509.Certificate) []*x509.Certificate {
	if slices.ContainsFunc(list, func(x *x509.Certificate) bool { return bytes.Equal(x.Raw, c.Raw) }) {
		return list
	}
	return append(list, c)
}

func pemCerts(cs []*x509.Certificate) []byte {
	var b []byte
	for _, c := range cs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// readme is README.txt of a bundle of ev: the commands, what each shows in
// three languages, and each exchange's place in its batch.
func readme(ev []Evidence) string {
	var b strings.Builder
	r0 := ev[0].Record
	fmt.Fprintf(&b, "egov message log: evidence of query ID %q on gateway %s (%d exchange(s))\n\n", r0.QueryID, r0.Gateway, len(ev))
	b.WriteString(readmeCommands)
	for i, e := range ev {
		r := e.Record
		fmt.Fprintf(&b, "\n%s  record %d, %s, client %s, service %s, status %d\n", exchangeDir(i+1), r.Seq,
			r.Time.UTC().Format(time.RFC3339Nano), r.Client, r.Service, r.Status)
		if e.Batch == nil {
			b.WriteString("  not timestamped yet: no batch-hashes.bin or token.der / hali vaqt tamg'asi yo'q / ещё без метки времени\n")
			continue
		}
		n := r.Seq - e.Batch.FirstSeq
		fmt.Fprintf(&b, "  batch of records %d-%d, timestamped %s; N = %d\n", e.Batch.FirstSeq, e.Batch.LastSeq,
			e.Batch.Time.UTC().Format(time.RFC3339), n)
		fmt.Fprintf(&b, "  [6] dd if=batch-hashes.bin bs=32 skip=%d count=1 2>/dev/null | od -An -v -tx1 | tr -d ' \\n'; echo\n", n)
	}
	b.WriteString(readmeText)
	return b.String()
}

// readmeCommands are the commands of README.txt, run in an exchange's
// folder with OpenSSL 3.
const readmeCommands = `Commands (run in an exchange's folder, e.g. cd exchange-1; OpenSSL 3):

 [1] openssl cms -verify -binary -inform DER -in request.sig -content request-hash.txt -CAfile ../root.pem -purpose any -out /dev/null
 [2] openssl cms -verify -binary -inform DER -in response.sig -content response-hash.txt -CAfile ../root.pem -purpose any -out /dev/null
 [3] openssl dgst -sha256 record.bin
 [4] openssl dgst -sha256 batch-hashes.bin
 [5] openssl ts -verify -data batch-hashes.bin -in token.der -token_in -CAfile ../root.pem -untrusted ../tsa.pem
 [6] dd if=batch-hashes.bin bs=32 skip=N count=1 2>/dev/null | od -An -v -tx1 | tr -d ' \n'; echo
`

// readmeText explains the commands in English, Uzbek (Latin) and Russian.
const readmeText = `
== English ==

First compare root.pem with the platform's root certificate you obtained
yourself: the bundle cannot vouch for its own root.
[1] and [2] check the signatures of the request and the response: each must
print "Verification successful". What was signed is the exact bytes of
request-hash.txt (the X-Road-Request-Hash header) and response-hash.txt.
[3] prints the record hash; it must equal "hash" in record.json.
[4] prints the batch digest; it must equal "batch.digest" in record.json.
[5] checks that the TSA's timestamp is over batch-hashes.bin and chains to
the root: it must print "Verification: OK". Its time proves that the record,
with its signatures, existed then.
[6] prints record N of the batch (N = "batch.position", from 0): it must
equal the record hash. The hash of the record before, prev_hash, is entry
N-1 (for N = 0 it is the previous batch's last).
record.bin is what the record hash covers: for each field, in this order, a
4-byte big-endian length then the field's bytes: prev_hash (32 bytes, none
for record 1), gateway, seq (decimal), query_id, client, service, time (as
in record.json), request_hash (request-hash.txt), the request signature
(request.sig, none if absent), response_hash (response-hash.txt), the
response signature (response.sig), status (decimal). Check that record.bin
holds these fields, or rebuild it from them.

== Oʻzbekcha ==

Avval root.pem ni platformaning oʻzingiz olgan ildiz sertifikati bilan
solishtiring: toʻplam oʻz ildizini oʻzi tasdiqlay olmaydi.
[1] va [2] soʻrov va javob imzolarini tekshiradi: har biri "Verification
successful" chiqarishi kerak. Imzolangan narsa request-hash.txt
(X-Road-Request-Hash sarlavhasi) va response-hash.txt baytlarining oʻzi.
[3] yozuv xeshini chiqaradi; u record.json dagi "hash" ga teng boʻlishi kerak.
[4] partiya xeshini chiqaradi; u record.json dagi "batch.digest" ga teng
boʻlishi kerak.
[5] vaqt tamgʻasi (TSA) batch-hashes.bin ustida ekanini va ildizga
bogʻlanishini tekshiradi: "Verification: OK" chiqishi kerak. Uning vaqti
yozuv imzolari bilan birga oʻsha paytda mavjud boʻlganini isbotlaydi.
[6] partiyaning N-yozuvini chiqaradi (N = "batch.position", 0 dan): u yozuv
xeshiga teng boʻlishi kerak. Oldingi yozuv xeshi prev_hash N-1 yozuvdir
(N = 0 da oldingi partiyaning oxirgisi).
record.bin yozuv xeshi hisoblanadigan baytlar: har bir maydon shu tartibda,
4 baytli big-endian uzunlik va maydon baytlari: prev_hash (32 bayt, 1-yozuvda
yoʻq), gateway, seq (oʻnlik), query_id, client, service, time (record.json
dagidek), request_hash (request-hash.txt), soʻrov imzosi (request.sig, boʻlmasa
boʻsh), response_hash (response-hash.txt), javob imzosi (response.sig),
status (oʻnlik).

== Русский ==

Сначала сравните root.pem с корневым сертификатом платформы, полученным вами
самостоятельно: пакет не может удостоверить собственный корень.
[1] и [2] проверяют подписи запроса и ответа: каждая команда должна вывести
"Verification successful". Подписаны ровно байты request-hash.txt (заголовок
X-Road-Request-Hash) и response-hash.txt.
[3] выводит хеш записи; он должен совпасть с "hash" в record.json.
[4] выводит хеш пакета записей; он должен совпасть с "batch.digest" в
record.json.
[5] проверяет, что метка времени TSA поставлена на batch-hashes.bin и ведёт к
корню: должно быть "Verification: OK". Её время доказывает, что запись с
подписями существовала в тот момент.
[6] выводит N-ю запись пакета (N = "batch.position", с 0): она должна
совпасть с хешем записи. Хеш предыдущей записи prev_hash — запись N-1 (при
N = 0 — последняя запись предыдущего пакета).
record.bin — байты, от которых считается хеш записи: для каждого поля по
порядку 4 байта длины (big-endian) и байты поля: prev_hash (32 байта, пусто
для записи 1), gateway, seq (десятичное), query_id, client, service, time (как
в record.json), request_hash (request-hash.txt), подпись запроса (request.sig,
пусто, если нет), response_hash (response-hash.txt), подпись ответа
(response.sig), status (десятичное).
`

// EvidenceReport is VerifyEvidence's finding on a bundle.
type EvidenceReport struct {
	// OK is true when every exchange is OK.
	OK        bool
	Exchanges []ExchangeReport
}

// ExchangeReport is the finding on one exchange of a bundle.
type ExchangeReport struct {
	// Dir is the exchange's folder in the bundle, such as "exchange-1/".
	Dir string
	// Record is as record.json and the signature files state it.
	Record Record
	// Request and Response are the findings on the two signatures.
	Request, Response SignatureCheck
	// Batch is where the record is timestamped; nil if it is not.
	Batch *BatchCheck
	// Problems say, in English, what does not hold; OK is true when
	// there are none.
	Problems []string
	OK       bool
}

// SignatureCheck is the finding on one message signature.
type SignatureCheck struct {
	// Present is false where the exchange had no signature.
	Present bool
	// Verdict and Reason are cades.Verifier's; Signer is the signer's
	// certificate when found.
	Verdict cades.Verdict
	Reason  string
	Signer  *x509.Certificate
	// RevocationChecked is false when no status source knew the signer's
	// certificate, as offline.
	RevocationChecked bool
}

// BatchCheck is the finding on a record's batch and timestamp.
type BatchCheck struct {
	FirstSeq, LastSeq, Position int64
	Digest                      []byte
	// Time is the token's genTime and TSA its signer, when the token
	// verifies.
	Time time.Time
	TSA  *x509.Certificate
}

// VerifyEvidence checks a bundle from WriteEvidence as an auditor would,
// trusting only roots (root.pem in the bundle is not trusted; issuing.pem
// and tsa.pem help build chains): for each exchange, that the signatures
// verify over the hash files and chain to roots, that the hash files are
// the record's, that the record hash is the documented SHA-256 of the
// record's fields (and of record.bin), that it is entry Position of
// batch-hashes.bin and that prev_hash is the one before, that the batch
// digest is the SHA-256 of batch-hashes.bin, and that the token is over
// that digest, by a TSA certificate chaining to roots. The signatures are
// judged as of the token's time, which proves they existed then. status,
// if not nil, is asked about revocation; without it revocation is left
// unchecked, which does not make an exchange fail.
//
// Only input that is not a bundle (not a ZIP file, no exchange, an
// exchange without a readable record.json, duplicate or oversized files)
// is an error, EINVALID; every other finding is in the report.
func VerifyEvidence(ctx context.Context, r io.ReaderAt, size int64, roots *x509.CertPool, status cades.StatusSource) (*EvidenceReport, error) {
	zf, err := openZip(r, size)
	if err != nil {
		return nil, invalidBundle(err)
	}
	var dirs []string
	for name := range zf {
		if d, file, ok := strings.Cut(name, "/"); ok && file == fileRecord && strings.HasPrefix(d, "exchange-") {
			dirs = append(dirs, d+"/")
		}
	}
	if len(dirs) == 0 {
		return nil, invalidBundle(errors.New("no exchange in it"))
	}
	num := func(dir string) int {
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(dir, "exchange-"), "/"))
		return n
	}
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Or(cmp.Compare(num(a), num(b)), strings.Compare(a, b)) })
	var intermediates []*x509.Certificate
	for _, name := range []string{bundleIssuing, bundleTSA} {
		data, ok, err := zf.read(name, maxSmallFile)
		if err != nil {
			return nil, invalidBundle(err)
		}
		if ok {
			intermediates = append(intermediates, parsePEMCerts(data)...)
		}
	}
	rep := &EvidenceReport{OK: true}
	for _, dir := range dirs {
		x, err := verifyExchange(ctx, zf, dir, roots, intermediates, status)
		if err != nil {
			return nil, invalidBundle(err)
		}
		x.OK = len(x.Problems) == 0
		rep.OK = rep.OK && x.OK
		rep.Exchanges = append(rep.Exchanges, *x)
	}
	return rep, nil
}

func invalidBundle(err error) error {
	return &apperr.Error{Code: apperr.EINVALID, Message: "error.invalid", Err: fmt.Errorf("not an evidence bundle: %w", err)}
}

// parsePEMCerts returns the certificates in data, skipping what does not
// parse.
func parsePEMCerts(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out
		}
		if c, err := x509.ParseCertificate(block.Bytes); block.Type == "CERTIFICATE" && err == nil {
			out = append(out, c)
		}
	}
}

// verifyExchange checks the exchange in dir; an error means the folder
// cannot be read at all.
func verifyExchange(ctx context.Context, zf zipFiles, dir string, roots *x509.CertPool, intermediates []*x509.Certificate, status cades.StatusSource) (*ExchangeReport, error) {
	x := &ExchangeReport{Dir: dir}
	problem := func(format string, args ...any) { x.Problems = append(x.Problems, fmt.Sprintf(format, args...)) }
	read := func(name string, max int64) ([]byte, bool, error) { return zf.read(dir+name, max) }
	raw, _, err := read(fileRecord, maxSmallFile)
	if err != nil {
		return nil, err
	}
	var rf recordFile
	if err := json.Unmarshal(raw, &rf); err != nil {
		return nil, fmt.Errorf("%s%s: %w", dir, fileRecord, err)
	}
	rec, err := rf.record(func(name string) ([]byte, error) {
		b, ok, err := read(name, maxSmallFile)
		if err == nil && !ok {
			err = fmt.Errorf("%s%s is missing", dir, name)
		}
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s%s: %w", dir, fileRecord, err)
	}
	x.Record = rec

	// The record hash.
	sum := rec.Sum()
	if !bytes.Equal(sum, rec.Hash) {
		problem("the record hash in record.json is not the SHA-256 of the record's fields")
	}
	if in, ok, err := read(fileRecordInput, maxHashesFile); err != nil {
		return nil, err
	} else if ok && !bytes.Equal(in, rec.hashInput()) {
		problem("record.bin is not the encoding of the record's fields")
	}

	// The batch and its timestamp come first: the token's time is when
	// the signatures are judged.
	poe := time.Now()
	if rf.Batch == nil {
		problem("the record is not timestamped: nothing proves when it was made")
	} else if b, ok, err := verifyBatch(zf, dir, &rf, rec, sum, roots, intermediates, problem); err != nil {
		return nil, err
	} else {
		x.Batch = b
		if ok {
			poe = b.Time
		}
	}

	v := &cades.Verifier{Roots: roots, Intermediates: intermediates, Status: status, Now: func() time.Time { return poe }}
	for _, s := range []struct {
		what, hashFile, want string
		sig                  []byte
		dst                  *SignatureCheck
	}{
		{"request", fileRequestHash, rec.RequestHash, rec.RequestSignature, &x.Request},
		{"response", fileResponseHash, rec.ResponseHash, rec.ResponseSignature, &x.Response},
	} {
		content, ok, err := read(s.hashFile, maxSmallFile)
		if err != nil {
			return nil, err
		}
		if !ok || string(content) != s.want {
			problem("%s is not the %s hash of the record", s.hashFile, s.what)
			content = []byte(s.want)
		}
		if len(s.sig) == 0 {
			continue
		}
		s.dst.Present = true
		sr, err := v.Verify(ctx, content, s.sig)
		switch {
		case err != nil:
			s.dst.Verdict, s.dst.Reason = cades.Invalid, cades.ReasonMalformed
		case len(sr.Signatures) != 1:
			s.dst.Verdict, s.dst.Reason = cades.Invalid, cades.ReasonNoSignature
		default:
			one := sr.Signatures[0]
			s.dst.Verdict, s.dst.Reason, s.dst.Signer = one.Verdict, one.Reason, one.Signer
			s.dst.RevocationChecked = !slices.ContainsFunc(one.Checks, func(c cades.Check) bool {
				return c.Name == cades.CheckRevocation && c.Reason == cades.ReasonRevocationUnknown
			})
		}
		if !signatureOK(sr, err) {
			problem("the %s signature is %s: %s", s.what, s.dst.Verdict, s.dst.Reason)
		}
	}
	return x, nil
}

// signatureOK tells whether a signature's report (of one signer) holds:
// valid, or indeterminate only because no status source knew the
// certificate.
func signatureOK(rep *cades.Report, err error) bool {
	if err != nil || len(rep.Signatures) != 1 {
		return false
	}
	for _, c := range rep.Signatures[0].Checks {
		if c.Verdict != cades.Valid && c.Reason != cades.ReasonRevocationUnknown {
			return false
		}
	}
	return true
}

// verifyBatch checks the batch files of the record in dir, whose computed
// hash is sum, and tells whether the token holds.
func verifyBatch(zf zipFiles, dir string, rf *recordFile, rec Record, sum []byte, roots *x509.CertPool, intermediates []*x509.Certificate,
	problem func(string, ...any)) (*BatchCheck, bool, error) {
	br := rf.Batch
	b := &BatchCheck{FirstSeq: br.FirstSeq, LastSeq: br.LastSeq, Position: br.Position}
	var err error
	if b.Digest, err = hex.DecodeString(br.Digest); err != nil {
		return nil, false, fmt.Errorf("%s%s: batch digest is not hex", dir, fileRecord)
	}
	hashes, ok, err := zf.read(dir+fileBatchHashes, maxHashesFile)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		problem("batch-hashes.bin is missing")
	}
	token, tokOK, err := zf.read(dir+fileToken, maxSmallFile)
	if err != nil {
		return nil, false, err
	}
	n := int64(len(hashes) / sha256.Size)
	switch {
	case len(hashes)%sha256.Size != 0:
		problem("batch-hashes.bin is not a whole number of 32-byte hashes")
	case br.FirstSeq < 1 || br.LastSeq < br.FirstSeq || br.LastSeq-br.FirstSeq+1 != n:
		problem("batch-hashes.bin holds %d hashes, not those of records %d-%d", n, br.FirstSeq, br.LastSeq)
	case br.Position != rec.Seq-br.FirstSeq || br.Position < 0 || br.Position >= n:
		problem("position %d is not record %d's place in the batch of records %d-%d", br.Position, rec.Seq, br.FirstSeq, br.LastSeq)
	default:
		at := br.Position * sha256.Size
		if !bytes.Equal(hashes[at:at+sha256.Size], sum) {
			problem("entry %d of batch-hashes.bin is not the record hash", br.Position)
		}
		if br.Position > 0 && !bytes.Equal(hashes[at-sha256.Size:at], rec.PrevHash) {
			problem("prev_hash is not entry %d of batch-hashes.bin", br.Position-1)
		}
	}
	if d := sha256.Sum256(hashes); !bytes.Equal(d[:], b.Digest) {
		problem("the batch digest is not the SHA-256 of batch-hashes.bin")
	}
	if !tokOK {
		problem("token.der is missing")
		return b, false, nil
	}
	tsa, t, err := checkToken(token, hashes, roots, intermediates)
	if err != nil {
		problem("the timestamp token does not hold: %v", err)
		return b, false, nil
	}
	b.Time, b.TSA = t, tsa
	return b, true, nil
}

// checkToken checks a batch's timestamp token: over SHA-256 of data,
// signed by a TSA certificate that chains to roots for timestamping at the
// token's time. It returns the TSA's certificate and the token's time.
func checkToken(token, data []byte, roots *x509.CertPool, intermediates []*x509.Certificate) (*x509.Certificate, time.Time, error) {
	tok, err := tsp.ParseToken(token)
	if err != nil {
		return nil, time.Time{}, err
	}
	if tok.Info.Hash != crypto.SHA256 {
		return nil, time.Time{}, tsp.ErrTokenHash
	}
	if err := tok.Covers(data); err != nil {
		return nil, time.Time{}, err
	}
	tsa, err := tok.Verify(intermediates)
	if err != nil {
		return nil, time.Time{}, err
	}
	pool := x509.NewCertPool()
	for _, c := range slices.Concat(intermediates, tok.SignedData.Certificates) {
		pool.AddCert(c)
	}
	if _, err := tsa.Verify(x509.VerifyOptions{Roots: roots, Intermediates: pool, CurrentTime: tok.Info.Time,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		return nil, time.Time{}, fmt.Errorf("the TSA certificate does not chain to a trusted root: %w", err)
	}
	return tsa, tok.Info.Time, nil
}

// zipFiles are the files of a ZIP archive by name.
type zipFiles map[string]*zip.File

// openZip reads the directory of the ZIP file r of size bytes, refusing
// more than maxZipFiles files and repeated names, which would let two
// readers see different content.
func openZip(r io.ReaderAt, size int64) (zipFiles, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	if len(zr.File) > maxZipFiles {
		return nil, fmt.Errorf("more than %d files", maxZipFiles)
	}
	zf := make(zipFiles, len(zr.File))
	for _, f := range zr.File {
		if _, dup := zf[f.Name]; dup {
			return nil, fmt.Errorf("file %q is there twice", f.Name)
		}
		zf[f.Name] = f
	}
	return zf, nil
}

// read returns the content of the file name, checked against its CRC, and
// whether there is one; a file larger than max is an error.
func (zf zipFiles) read(name string, max int64) ([]byte, bool, error) {
	f, ok := zf[name]
	if !ok {
		return nil, false, nil
	}
	if f.UncompressedSize64 > uint64(max) {
		return nil, true, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, true, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	return b, true, nil
}
