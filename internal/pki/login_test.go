package pki_test

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

func TestCheckSignIn(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		sign := func(key crypto.Signer, msg []byte) []byte {
			h := sha256.Sum256(msg)
			digest, opts := h[:], crypto.Hash(crypto.SHA256)
			if _, ok := key.(ed25519.PrivateKey); ok {
				digest, opts = msg, crypto.Hash(0) // Ed25519 signs the message itself
			}
			sig, err := key.Sign(rand.Reader, digest, opts)
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
		challenge := []byte("egov sign-in 7f3c2a")
		for name, key := range map[string]crypto.Signer{"P-256": p256(t), "Ed25519": ed(t)} {
			c, cert := e.issuePerson(t, key)
			sig := sign(key, challenge)
			pinfl, err := e.svc.CheckSignIn(ctx, cert.Raw, challenge, sig)
			if err != nil || pinfl != person.PINFL {
				t.Fatalf("%s: %q %v", name, pinfl, err)
			}
			// Another challenge, another key, garbage: refused alike.
			other := p256(t)
			for what, args := range map[string][3][]byte{
				"another challenge": {cert.Raw, []byte("egov sign-in 000000"), sig},
				"another key":       {cert.Raw, challenge, sign(other, challenge)},
				"no certificate":    {[]byte("garbage"), challenge, sig},
			} {
				if _, err := e.svc.CheckSignIn(ctx, args[0], args[1], args[2]); !apperr.Is(err, apperr.EUNAUTHORIZED) {
					t.Errorf("%s, %s: %v", name, what, err)
				}
			}
			// A revoked certificate signs no one in.
			if _, err := e.svc.Revoke(ctx, "holder", c.Serial, pki.ReasonKeyCompromise); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.CheckSignIn(ctx, cert.Raw, challenge, sig); !apperr.Is(err, apperr.EUNAUTHORIZED) {
				t.Errorf("%s, revoked: %v", name, err)
			}
		}
		// Nor an expired one.
		key := p256(t)
		_, cert := e.issuePerson(t, key)
		e.clock.Advance(3 * 365 * 24 * time.Hour)
		if _, err := e.svc.CheckSignIn(ctx, cert.Raw, challenge, sign(key, challenge)); !apperr.Is(err, apperr.EUNAUTHORIZED) {
			t.Errorf("expired: %v", err)
		}
		// Nor a certificate of another CA with the same PINFL.
		other := newEnv(t, dbtest.Open(t, db.SQLite, migrations()))
		_, foreign := other.issuePerson(t, key)
		if _, err := e.svc.CheckSignIn(ctx, foreign.Raw, challenge, sign(key, challenge)); !apperr.Is(err, apperr.EUNAUTHORIZED) {
			t.Errorf("foreign CA: %v", err)
		}
	})
}
