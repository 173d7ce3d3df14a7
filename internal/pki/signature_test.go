package pki_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
)

// signer is a person's key with the certificate the env issued and the
// chain up to the root.
func (e *env) signer(t testing.TB, key crypto.Signer) (cms.Signer, *pki.Certificate) {
	t.Helper()
	c, x := e.issuePerson(t, key)
	issuing, root := e.chain(t)
	return cms.Signer{Key: key, Cert: x, Chain: []*x509.Certificate{issuing, root}}, c
}

// verify checks sig over content with the env's verifier.
func (e *env) verify(t testing.TB, content, sig []byte) *cades.Report {
	t.Helper()
	v, err := e.svc.Verifier(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := v.Verify(context.Background(), content, sig)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestCAdESLevels(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	rsaKey, _ := rsaKeys(t)
	content := []byte("Ariza matni: yer uchastkasi")
	for name, key := range map[string]crypto.Signer{"P-256": p256(t), "Ed25519": ed(t), "RSA-3072": rsaKey} {
		s, _ := e.signer(t, key)
		for _, level := range []cades.Level{cades.LevelBB, cades.LevelBT, cades.LevelBLT} {
			t.Run(name+" "+string(level), func(t *testing.T) {
				sig, err := cades.Sign(ctx, content, s, cades.SignOptions{Level: level, Time: e.clock.Now(), TSA: e.svc, OCSP: e.svc})
				if err != nil {
					t.Fatal(err)
				}
				rep := e.verify(t, content, sig)
				if rep.Verdict != cades.Valid || len(rep.Signatures) != 1 {
					t.Fatalf("verdict %s (%s): %+v", rep.Verdict, rep.Reason, rep.Signatures)
				}
				sr := rep.Signatures[0]
				if sr.Level != level || !sr.Signer.Equal(s.Cert) || len(sr.Chain) != 3 {
					t.Errorf("level %s, chain of %d", sr.Level, len(sr.Chain))
				}
				wantSource := cades.TimeClaimed
				if level != cades.LevelBB {
					wantSource = cades.TimeFromTimestamp
					if sr.Timestamp == nil || sr.Timestamp.TSA == nil || sr.Timestamp.Time.Sub(e.clock.Now()) > time.Second {
						t.Errorf("timestamp = %+v", sr.Timestamp)
					}
				}
				if sr.TimeSource != wantSource || !sr.ClaimedTime.Equal(e.clock.Now().Truncate(time.Second)) {
					t.Errorf("time %v from %s, claimed %v", sr.SigningTime, sr.TimeSource, sr.ClaimedTime)
				}
				if rep := e.verify(t, []byte("Ariza matni: boshqa uchastka"), sig); rep.Verdict != cades.Invalid || rep.Reason != cades.ReasonDigest {
					t.Errorf("other content: %s %s", rep.Verdict, rep.Reason)
				}
			})
		}
	}
}

func TestSignatureAndRevocation(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	content := []byte("shartnoma")
	s, c := e.signer(t, p256(t))
	sign := func(level cades.Level) []byte {
		sig, err := cades.Sign(ctx, content, s, cades.SignOptions{Level: level, Time: e.clock.Now(), TSA: e.svc, OCSP: e.svc})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	bb, bt, blt := sign(cades.LevelBB), sign(cades.LevelBT), sign(cades.LevelBLT)

	// Offline, a B-LT signature carries its own proof; a B-B one cannot.
	v, err := e.svc.Verifier(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v.Status = nil
	for sig, want := range map[*[]byte]cades.Verdict{&blt: cades.Valid, &bb: cades.Indeterminate} {
		if rep, err := v.Verify(ctx, content, *sig); err != nil || rep.Verdict != want {
			t.Errorf("offline: %s %s, want %s", rep.Verdict, rep.Reason, want)
		}
	}

	e.clock.Advance(time.Hour)
	if _, err := e.svc.Revoke(ctx, "user-1", c.Serial, pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	tests := []struct {
		name    string
		sig     []byte
		verdict cades.Verdict
		reason  string
	}{
		{"timestamped before revocation", bt, cades.Valid, ""},
		{"B-LT before revocation", blt, cades.Valid, ""},
		{"claimed before revocation", bb, cades.Indeterminate, cades.ReasonRevokedNoPOE},
		{"timestamped after revocation", sign(cades.LevelBT), cades.Invalid, cades.ReasonRevoked},
		{"claimed after revocation", sign(cades.LevelBB), cades.Invalid, cades.ReasonRevoked},
	}
	for _, tt := range tests {
		rep := e.verify(t, content, tt.sig)
		if rep.Verdict != tt.verdict || rep.Reason != tt.reason {
			t.Errorf("%s: %s %q, want %s %q", tt.name, rep.Verdict, rep.Reason, tt.verdict, tt.reason)
		}
		if rep.Signatures[0].RevokedAt.IsZero() {
			t.Errorf("%s: revocation time not reported", tt.name)
		}
	}
}

func TestSignatureOutsideValidity(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	s, _ := e.signer(t, p256(t))
	content := []byte("x")
	for name, tt := range map[string]struct {
		at     time.Time
		reason string
	}{
		"before":  {s.Cert.NotBefore.Add(-time.Hour), cades.ReasonNotYetValid},
		"after":   {s.Cert.NotAfter.Add(time.Hour), cades.ReasonExpired},
		"expired": {e.clock.Now(), cades.ReasonExpiredNoPOE},
	} {
		sig, err := cades.Sign(ctx, content, s, cades.SignOptions{Time: tt.at})
		if err != nil {
			t.Fatal(err)
		}
		if name == "expired" {
			e.clock.Advance(pki.DefaultEndEntityValidity + time.Hour)
		}
		if rep := e.verify(t, content, sig); rep.Reason != tt.reason {
			t.Errorf("%s: %s %q, want %q", name, rep.Verdict, rep.Reason, tt.reason)
		}
	}
}

func TestSignatureFromAnotherPKI(t *testing.T) {
	e, other := sqliteEnv(t), sqliteEnv(t)
	s, _ := other.signer(t, p256(t))
	sig, err := cades.Sign(context.Background(), []byte("x"), s, cades.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep := e.verify(t, []byte("x"), sig); rep.Verdict != cades.Indeterminate || rep.Reason != cades.ReasonChain {
		t.Errorf("foreign root: %s %q", rep.Verdict, rep.Reason)
	}
	v, _ := e.svc.Verifier(context.Background())
	if _, err := v.Verify(context.Background(), []byte("x"), []byte("not a signature")); err == nil {
		t.Error("junk verified without error")
	}
}
