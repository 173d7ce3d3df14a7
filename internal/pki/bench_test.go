package pki_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/tsp"
	"golang.org/x/crypto/ocsp"
)

// perSecond adds the rate to a benchmark's output.
func perSecond(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkSignatures compares CAdES signing and verifying of a 4 KiB
// document with the raw ECDSA P-256 operations they are built on, in one
// run so the ratio is fair. Verification includes the chain, the
// timestamp and the revocation lookup in SQLite.
func BenchmarkSignatures(b *testing.B) {
	e := sqliteEnv(b)
	ctx := context.Background()
	key := p256(b)
	s, _ := e.signer(b, key)
	doc := make([]byte, 4096)
	rand.Read(doc)
	digest := sha256.Sum256(doc)
	rawSig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
	v, err := e.svc.Verifier(ctx)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("ECDSA-P256-sign", func(b *testing.B) {
		for b.Loop() {
			d := sha256.Sum256(doc)
			if _, err := ecdsa.SignASN1(rand.Reader, key, d[:]); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
	b.Run("ECDSA-P256-verify", func(b *testing.B) {
		for b.Loop() {
			d := sha256.Sum256(doc)
			if !ecdsa.VerifyASN1(&key.PublicKey, d[:], rawSig) {
				b.Fatal("bad signature")
			}
		}
		perSecond(b)
	})
	for _, level := range []cades.Level{cades.LevelBB, cades.LevelBT} {
		opts := cades.SignOptions{Level: level, TSA: e.svc}
		sig, err := cades.Sign(ctx, doc, s, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("CAdES-"+string(level)+"-sign", func(b *testing.B) {
			for b.Loop() {
				if _, err := cades.Sign(ctx, doc, s, opts); err != nil {
					b.Fatal(err)
				}
			}
			perSecond(b)
		})
		b.Run("CAdES-"+string(level)+"-verify", func(b *testing.B) {
			for b.Loop() {
				rep, err := v.Verify(ctx, doc, sig)
				if err != nil || rep.Verdict != cades.Valid {
					b.Fatalf("%v %v", rep, err)
				}
			}
			perSecond(b)
		})
	}
}

// BenchmarkOCSP measures answers per second: "cached" asks about one
// certificate again and again (the answer is kept), "signed" about a new
// serial each time, which costs a database lookup and a signature.
func BenchmarkOCSP(b *testing.B) {
	e := sqliteEnv(b)
	ctx := context.Background()
	issuing, _ := e.chain(b)
	_, x := e.issuePerson(b, p256(b))
	req, _ := ocsp.CreateRequest(x, issuing, &ocsp.RequestOptions{Hash: crypto.SHA256})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.svc.OCSP(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
	b.Run("signed", func(b *testing.B) {
		parsed, _ := ocsp.ParseRequest(req)
		n := big.NewInt(1)
		for b.Loop() {
			n.Add(n, big.NewInt(1))
			parsed.SerialNumber = n
			der, _ := parsed.Marshal()
			if _, err := e.svc.OCSP(ctx, der); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b)
	})
}

// BenchmarkTSA measures timestamp responses per second from a DER query.
func BenchmarkTSA(b *testing.B) {
	e := sqliteEnv(b)
	ctx := context.Background()
	sum := sha256.Sum256([]byte("doc"))
	req, _ := tsp.NewRequest(crypto.SHA256, sum[:])
	der, _ := req.Marshal()
	for b.Loop() {
		if _, err := e.svc.RespondTimestamp(ctx, der); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b)
}
