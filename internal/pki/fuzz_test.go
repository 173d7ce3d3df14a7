package pki_test

import (
	"context"
	"crypto"
	"encoding/pem"
	"testing"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/apperr"
	"golang.org/x/crypto/ocsp"
	"software.sslmate.com/src/go-pkcs12"
)

// The parsers of outside input must refuse what they cannot read with an
// EINVALID error (or the protocol's own error answer) and never panic.

func FuzzParseCSR(f *testing.F) {
	der := csr(f, p256(f), personName(person.PINFL))
	f.Add(der)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	f.Add(csr(f, ed(f), personName(person.PINFL)))
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, err := pki.ParseCSR(in); err != nil && apperr.Code(err) != apperr.EINVALID {
			t.Fatalf("error %v is not EINVALID", err)
		}
	})
}

func FuzzReadPKCS12(f *testing.F) {
	e := sqliteEnv(f)
	key := p256(f)
	_, x := e.issuePerson(f, key)
	// The few PBKDF2 iterations OpenSSL uses keep each run quick; the
	// files the platform writes use many more.
	p12, err := pkcs12.Modern2023.Encode(key, x, nil, "parol")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p12, "parol")
	f.Add([]byte{0x30, 0x00}, "")
	f.Fuzz(func(t *testing.T, in []byte, password string) {
		if _, err := pki.ReadPKCS12(in, password); err != nil && apperr.Code(err) != apperr.EINVALID {
			t.Fatalf("error %v is not EINVALID", err)
		}
	})
}

func FuzzOCSP(f *testing.F) {
	e := sqliteEnv(f)
	issuing, _ := e.chain(f)
	_, x := e.issuePerson(f, p256(f))
	req, _ := ocsp.CreateRequest(x, issuing, &ocsp.RequestOptions{Hash: crypto.SHA256})
	f.Add(req)
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := e.svc.OCSP(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ocsp.ParseResponse(r.DER, nil); err != nil {
			if _, isErrorAnswer := err.(ocsp.ResponseError); !isErrorAnswer {
				t.Fatalf("our answer does not parse: %v", err)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	e := sqliteEnv(f)
	ctx := context.Background()
	s, _ := e.signer(f, p256(f))
	for _, level := range []cades.Level{cades.LevelBB, cades.LevelBLT} {
		sig, err := cades.Sign(ctx, []byte("seed"), s, cades.SignOptions{Level: level, TSA: e.svc, OCSP: e.svc})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sig)
	}
	v, err := e.svc.Verifier(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sig []byte) {
		rep, err := v.Verify(ctx, []byte("seed"), sig)
		if err == nil && rep.Verdict == "" {
			t.Fatal("a report without a verdict")
		}
	})
}
