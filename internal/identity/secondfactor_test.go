package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity/totp"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

func TestSecondFactor(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newService(t, d)
		ctx := context.Background()
		u, err := f.svc.Register(ctx, validRegistration())
		if err != nil {
			t.Fatal(err)
		}
		setup, err := f.svc.BeginTOTP(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := totp.DecodeSecret(setup.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if on, _ := f.svc.TwoFactorEnabled(ctx, u.ID); on {
			t.Fatal("on before confirmation")
		}
		if _, err := f.svc.ConfirmTOTP(ctx, u.ID, "000000"); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("confirm with a wrong code: %v", err)
		}
		codes, err := f.svc.ConfirmTOTP(ctx, u.ID, totp.Code(secret, f.clock.Now()))
		if err != nil || len(codes) != 10 {
			t.Fatalf("confirm: %v, %d codes", err, len(codes))
		}
		if on, _ := f.svc.TwoFactorEnabled(ctx, u.ID); !on {
			t.Fatal("not on after confirmation")
		}
		if _, err := f.svc.BeginTOTP(ctx, u); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("a second setup replaced the confirmed secret: %v", err)
		}

		// A sign-in waits for the code; the code just used cannot be replayed.
		token, err := f.svc.StartChallenge(ctx, u, "/profile")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.AnswerChallenge(ctx, token, totp.Code(secret, f.clock.Now())); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("replayed code accepted: %v", err)
		}
		f.clock.Advance(30 * time.Second)
		got, next, err := f.svc.AnswerChallenge(ctx, token, totp.Code(secret, f.clock.Now()))
		if err != nil || got.ID != u.ID || next != "/profile" {
			t.Fatalf("answer: %v %v %q", got, err, next)
		}
		if _, _, err := f.svc.AnswerChallenge(ctx, token, totp.Code(secret, f.clock.Now())); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("a used challenge answered again: %v", err)
		}

		// A recovery code works once.
		token, _ = f.svc.StartChallenge(ctx, u, "/")
		if _, _, err := f.svc.AnswerChallenge(ctx, token, codes[3]); err != nil {
			t.Errorf("recovery code: %v", err)
		}
		token, _ = f.svc.StartChallenge(ctx, u, "/")
		if _, _, err := f.svc.AnswerChallenge(ctx, token, codes[3]); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("recovery code used twice: %v", err)
		}
		// Five wrong codes void the challenge; so does time.
		for range 4 {
			f.svc.AnswerChallenge(ctx, token, "111111")
		}
		if _, _, err := f.svc.AnswerChallenge(ctx, token, codes[4]); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("challenge after five wrong codes: %v", err)
		}
		token, _ = f.svc.StartChallenge(ctx, u, "/")
		f.clock.Advance(6 * time.Minute)
		if _, _, err := f.svc.AnswerChallenge(ctx, token, codes[5]); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("expired challenge: %v", err)
		}

		// Switching it off needs a code.
		if err := f.svc.DisableTOTP(ctx, u.ID, "123456"); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("disabled with a wrong code: %v", err)
		}
		if err := f.svc.DisableTOTP(ctx, u.ID, codes[6]); err != nil {
			t.Fatal(err)
		}
		if on, _ := f.svc.TwoFactorEnabled(ctx, u.ID); on {
			t.Error("still on after disabling")
		}
	})
}
