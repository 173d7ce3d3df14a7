package pki_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

func TestCloudSigning(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		officer := pki.Subject{PINFL: "31705900000017", GivenName: "Nodira", Surname: "Saidova", Organization: "Adliya vazirligi"}
		req := pki.CloudKeyRequest{Profile: pki.ProfileOfficer, Subject: officer, Owner: "officer-1", Actor: "admin-1"}
		// Off unless the operator turns it on.
		if _, err := e.svc.CreateCloudKey(ctx, req); !apperr.Is(err, apperr.EFORBIDDEN) {
			t.Fatalf("cloud key while disabled: %v", err)
		}
		cfg := e.cfg
		cfg.CloudSigning = true
		svc, err := pki.New(d, e.clock, e.audit, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateCloudKey(ctx, pki.CloudKeyRequest{Profile: pki.ProfilePerson, Subject: person, Owner: "citizen"}); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("a citizen's cloud key: %v", err)
		}
		c, err := svc.CreateCloudKey(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		doc := []byte("Guvohnoma: 2026-0001234")
		for _, lt := range []bool{false, true} {
			sig, err := svc.CloudSign(ctx, "officer-1", c.Serial, doc, lt)
			if err != nil {
				t.Fatal(err)
			}
			v, err := svc.Verifier(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := v.Verify(ctx, doc, sig)
			if err != nil {
				t.Fatal(err)
			}
			want := cades.LevelBT
			if lt {
				want = cades.LevelBLT
			}
			if rep.Verdict != cades.Valid || rep.Signatures[0].Level != want {
				t.Errorf("lt=%v: %s %s %s", lt, rep.Verdict, rep.Reason, rep.Signatures[0].Level)
			}
		}
		var audited int
		if err := d.Reader().QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'pki.signature.server_side' AND object_id = $1`, c.Serial).Scan(&audited); err != nil || audited != 2 {
			t.Errorf("%d server-side signatures audited (%v), want 2", audited, err)
		}
		// Only its owner signs with it, and not once it is revoked.
		if _, err := svc.CloudSign(ctx, "officer-2", c.Serial, doc, false); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("another officer signs: %v", err)
		}
		if _, err := svc.Revoke(ctx, "admin-1", c.Serial, pki.ReasonAffiliationChanged); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CloudSign(ctx, "officer-1", c.Serial, doc, false); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("signing with a revoked key: %v", err)
		}
	})
}
