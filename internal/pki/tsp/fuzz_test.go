package tsp_test

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/egovuz/egov/internal/pki/tsp"
)

// FuzzRespond feeds the TSA any request: it must answer every one with a
// response that parses, granted or not, and never panic.
func FuzzRespond(f *testing.F) {
	a := authority(f, true)
	sum := sha256.Sum256([]byte("seed"))
	req, _ := tsp.NewRequest(crypto.SHA256, sum[:])
	der, _ := req.Marshal()
	f.Add(der)
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, der []byte) {
		out, err := a.Respond(der)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := tsp.ParseResponse(out)
		if err != nil {
			t.Fatalf("our response does not parse: %v", err)
		}
		if resp.Status == tsp.StatusGranted {
			tok, err := tsp.ParseToken(resp.Token)
			if err != nil {
				t.Fatalf("our token does not parse: %v", err)
			}
			if _, err := tok.Verify([]*x509.Certificate{a.Cert}); err != nil {
				t.Fatalf("our token does not verify: %v", err)
			}
		}
	})
}

// FuzzParseToken feeds the token and response parsers anything.
func FuzzParseToken(f *testing.F) {
	a := authority(f, true)
	sum := sha256.Sum256([]byte("seed"))
	tok, _ := a.Timestamp(crypto.SHA256, sum[:])
	f.Add(tok)
	f.Fuzz(func(t *testing.T, der []byte) {
		if tok, err := tsp.ParseToken(der); err == nil {
			_, _ = tok.Verify(nil)
			_ = tok.Covers([]byte("seed"))
		} else if !errors.Is(err, tsp.ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		_, _ = tsp.ParseResponse(der)
	})
}
