package cades_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/pki/tsp"
	"golang.org/x/crypto/ocsp"
)

// pkiFixture is a root CA that certifies a signer and a TSA directly, and
// answers OCSP for both.
type pkiFixture struct {
	rootKey   *ecdsa.PrivateKey
	root      *x509.Certificate
	signerKey *ecdsa.PrivateKey
	signer    *x509.Certificate
	tsa       *tsp.Authority
	now       time.Time
}

func newKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// certify issues tmpl for pub under parent's key (self-signed if parent is
// nil).
func certify(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, key crypto.Signer) *x509.Certificate {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber = serial
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newFixture(t testing.TB) *pkiFixture {
	t.Helper()
	now := time.Now().UTC()
	f := &pkiFixture{rootKey: newKey(t, elliptic.P256()), signerKey: newKey(t, elliptic.P256()), now: now}
	valid := func(tmpl *x509.Certificate) *x509.Certificate {
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(24*time.Hour)
		return tmpl
	}
	f.root = certify(t, valid(&x509.Certificate{Subject: pkix.Name{CommonName: "Test Root"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}), f.rootKey.Public(), nil, f.rootKey)
	f.signer = certify(t, valid(&x509.Certificate{Subject: pkix.Name{CommonName: "Navoiy Alisher", SerialNumber: "31705900000017"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}), f.signerKey.Public(), f.root, f.rootKey)
	tsaKey := newKey(t, elliptic.P256())
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}}) // timeStamping, critical as RFC 3161 wants
	tsaCert := certify(t, valid(&x509.Certificate{Subject: pkix.Name{CommonName: "Test TSA"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}}), tsaKey.Public(), f.root, f.rootKey)
	f.tsa = &tsp.Authority{Key: tsaKey, Cert: tsaCert, Policy: asn1.ObjectIdentifier{2, 999, 1}, Now: time.Now}
	return f
}

// Timestamp makes the fixture a cades.Timestamper.
func (f *pkiFixture) Timestamp(_ context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	return f.tsa.Timestamp(h, digest)
}

// OCSPFor makes the fixture a cades.OCSPSource: every certificate is good.
func (f *pkiFixture) OCSPFor(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	return ocsp.CreateResponse(issuer, issuer, ocsp.Response{Status: ocsp.Good, SerialNumber: cert.SerialNumber,
		ThisUpdate: f.now.Add(-time.Minute), NextUpdate: f.now.Add(time.Hour)}, f.rootKey)
}

// CertificateStatus makes the fixture a cades.StatusSource that knows
// every certificate as good.
func (f *pkiFixture) CertificateStatus(context.Context, *x509.Certificate) (cades.Status, error) {
	return cades.Status{Known: true}, nil
}

func (f *pkiFixture) verifier(status cades.StatusSource) *cades.Verifier {
	roots := x509.NewCertPool()
	roots.AddCert(f.root)
	return &cades.Verifier{Roots: roots, Status: status, Now: time.Now}
}

// holderSigns signs toBeSigned as a browser does: ECDSA over its SHA-256
// digest, DER-encoded.
func holderSigns(t testing.TB, key *ecdsa.PrivateKey, toBeSigned []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(toBeSigned)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestPrepareAssembleLevels(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	doc := []byte("Ariza: yer uchastkasi, Chilonzor tumani")
	digest := sha256.Sum256(doc)
	signedAt := f.now.Add(-time.Minute)
	for _, tt := range []struct {
		level  cades.Level
		status cades.StatusSource
	}{
		{cades.LevelBB, f},
		{cades.LevelBT, f},
		{cades.LevelBLT, nil}, // the embedded OCSP responses tell the status
	} {
		t.Run(string(tt.level), func(t *testing.T) {
			p, tbs, err := cades.Prepare(digest[:], f.signer, []*x509.Certificate{f.root}, signedAt)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := p.Assemble(ctx, holderSigns(t, f.signerKey, tbs), cades.AssembleOptions{Level: tt.level, TSA: f, OCSP: f})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := f.verifier(tt.status).Verify(ctx, doc, sig)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != cades.Valid || len(rep.Signatures) != 1 {
				t.Fatalf("verdict %s (%s): %+v", rep.Verdict, rep.Reason, rep.Signatures)
			}
			sr := rep.Signatures[0]
			if sr.Level != tt.level || !sr.Signer.Equal(f.signer) || !sr.ClaimedTime.Equal(signedAt.Truncate(time.Second)) {
				t.Errorf("level %s, signer %s, claimed %v", sr.Level, sr.Signer.Subject, sr.ClaimedTime)
			}
			if rep, _ := f.verifier(tt.status).Verify(ctx, []byte("boshqa hujjat"), sig); rep.Verdict != cades.Invalid || rep.Reason != cades.ReasonDigest {
				t.Errorf("other document: %s %s", rep.Verdict, rep.Reason)
			}
		})
	}
}

// The holder signs exactly the attributes cades.Sign would sign with the
// key at hand.
func TestPrepareSignsWhatSignSigns(t *testing.T) {
	f := newFixture(t)
	doc := []byte("shartnoma")
	digest := sha256.Sum256(doc)
	_, tbs, err := cades.Prepare(digest[:], f.signer, nil, f.now)
	if err != nil {
		t.Fatal(err)
	}
	der, err := cades.Sign(context.Background(), doc, cms.Signer{Key: f.signerKey, Cert: f.signer}, cades.SignOptions{Time: f.now})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sd.Signers[0].SignedBytes(), tbs) {
		t.Error("Prepare and Sign sign different attributes")
	}
}

// A server keeps the prepared signature between two requests.
func TestPreparedMarshalBinary(t *testing.T) {
	f := newFixture(t)
	digest := sha256.Sum256([]byte("ariza"))
	p, tbs, err := cades.Prepare(digest[:], f.signer, []*x509.Certificate{f.root}, f.now.Add(1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	state, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back cades.Prepared
	if err := back.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Digest, p.Digest) || !back.Cert.Equal(f.signer) || len(back.Chain) != 1 || !back.Chain[0].Equal(f.root) || !back.Time.Equal(p.Time) {
		t.Errorf("round trip: %+v, want %+v", back, p)
	}
	if again, err := back.ToBeSigned(); err != nil || !bytes.Equal(again, tbs) {
		t.Fatalf("to be signed after the round trip differs (%v)", err)
	}
	if _, err := back.Assemble(context.Background(), holderSigns(t, f.signerKey, tbs), cades.AssembleOptions{}); err != nil {
		t.Error(err)
	}

	bad := map[string][]byte{
		"empty":         nil,
		"truncated":     state[:len(state)-1],
		"trailing data": append(bytes.Clone(state), 0),
		"not DER":       []byte("prepared"),
	}
	for name, p := range map[string]cades.Prepared{
		"short digest":     {Digest: digest[:20], Cert: f.signer, Time: f.now},
		"too long a chain": {Digest: digest[:], Cert: f.signer, Time: f.now, Chain: slices.Repeat([]*x509.Certificate{f.root}, 9)},
	} {
		der, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		bad[name] = der
	}
	version2 := bytes.Clone(state)
	version2[bytes.Index(version2, []byte{0x02, 0x01, 0x01})+2] = 2
	bad["version 2"] = version2
	for name, data := range bad {
		if err := new(cades.Prepared).UnmarshalBinary(data); err == nil {
			t.Errorf("%s: read", name)
		}
	}
}

func TestAssembleRefusesBadSignatures(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	digest := sha256.Sum256([]byte("ariza"))
	p, tbs, err := cades.Prepare(digest[:], f.signer, []*x509.Certificate{f.root}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	otherSum := sha256.Sum256([]byte("boshqa"))
	otherBytes, _ := ecdsa.SignASN1(rand.Reader, f.signerKey, otherSum[:])
	p1363 := make([]byte, 64) // a raw r||s, as WebCrypto gives before conversion
	for name, sig := range map[string][]byte{
		"another key":   holderSigns(t, newKey(t, elliptic.P256()), tbs),
		"other bytes":   otherBytes,
		"raw r||s":      p1363,
		"empty":         nil,
		"not signature": []byte("imzo"),
	} {
		_, err := p.Assemble(ctx, sig, cades.AssembleOptions{Level: cades.LevelBT, TSA: f})
		if !errors.Is(err, cades.ErrSignatureValue) {
			t.Errorf("%s: %v, want ErrSignatureValue", name, err)
		}
	}
	if _, err := p.Assemble(ctx, holderSigns(t, f.signerKey, tbs), cades.AssembleOptions{Level: cades.LevelBT}); err == nil {
		t.Error("B-T without a TSA")
	}
	if _, err := p.Assemble(ctx, holderSigns(t, f.signerKey, tbs), cades.AssembleOptions{Level: cades.LevelCMS}); err == nil {
		t.Error("assembled a level Assemble does not make")
	}
}

func TestPrepareRefuses(t *testing.T) {
	f := newFixture(t)
	digest := sha256.Sum256([]byte("ariza"))
	k384 := newKey(t, elliptic.P384())
	p384 := certify(t, &x509.Certificate{Subject: pkix.Name{CommonName: "P-384"}, NotBefore: f.now, NotAfter: f.now.Add(time.Hour)},
		k384.Public(), f.root, f.rootKey)
	for name, tt := range map[string]struct {
		digest []byte
		cert   *x509.Certificate
	}{
		"no certificate":     {digest[:], nil},
		"SHA-1 digest":       {digest[:20], f.signer},
		"SHA-384 key":        {digest[:], p384},
		"a document, no sum": {[]byte("ariza"), f.signer},
	} {
		if _, _, err := cades.Prepare(tt.digest, tt.cert, nil, f.now); err == nil {
			t.Errorf("%s: prepared", name)
		}
	}
}

func FuzzPreparedUnmarshalBinary(f *testing.F) {
	fx := newFixture(f)
	digest := sha256.Sum256([]byte("ariza"))
	p, _, err := cades.Prepare(digest[:], fx.signer, []*x509.Certificate{fx.root}, fx.now)
	if err != nil {
		f.Fatal(err)
	}
	state, _ := p.MarshalBinary()
	f.Add(state)
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p cades.Prepared
		if p.UnmarshalBinary(data) != nil {
			return
		}
		if _, err := p.MarshalBinary(); err != nil {
			t.Fatalf("read but cannot write: %v", err)
		}
	})
}
