package uploads_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/uploads"
)

// TestAnotherOwner checks that a person's file is, to anyone else, exactly
// like a file that does not exist.
func TestAnotherOwner(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d, uploads.Config{})
		f := fx.store(t, "alice", "qaror.pdf", "application/pdf", samplePDF(""))
		for _, id := range []string{f.ID, "NOSUCHFILE", ""} {
			_, err := fx.svc.Find(ctx, "bob", id)
			wantCode(t, err, apperr.ENOTFOUND, "error.not_found")
			_, _, err = fx.svc.Open(ctx, "bob", id)
			wantCode(t, err, apperr.ENOTFOUND, "error.not_found")
			err = fx.d.Tx(ctx, func(tx *sql.Tx) error { return fx.svc.Claim(ctx, tx, "bob", id, "app-1") })
			wantCode(t, err, apperr.ENOTFOUND, "error.not_found")
		}
		if err := fx.svc.Check(ctx, "alice", f.ID, f.ID); err != nil {
			t.Errorf("owner's own file refused: %v", err)
		}
		if err := fx.svc.Check(ctx, "alice"); err != nil {
			t.Errorf("no references refused: %v", err)
		}
		mine := fx.store(t, "bob", "pasport.png", "image/png", samplePNG())
		err := fx.svc.Check(ctx, "bob", mine.ID, f.ID, "forged")
		wantCode(t, err, apperr.EINVALID, uploads.MsgUnknown)
		if fields := apperr.As(err).Fields; len(fields) != 2 || fields[f.ID] != uploads.MsgUnknown || fields["forged"] != uploads.MsgUnknown {
			t.Errorf("refused references %v, want alice's file and the forged one", fields)
		}
		if got, err := fx.svc.Find(ctx, "alice", f.ID); err != nil || got.ClaimedBy != "" {
			t.Errorf("bob's attempts changed alice's file: %+v, %v", got, err)
		}
		got, r, err := fx.svc.OpenForStaff(ctx, f.ID)
		if err != nil || got != f {
			t.Fatalf("OpenForStaff = %+v, %v", got, err)
		}
		r.Close()
		_, _, err = fx.svc.OpenForStaff(ctx, "NOSUCHFILE")
		wantCode(t, err, apperr.ENOTFOUND, "")
	})
}

func TestCheckManyReferences(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		fx := newFixture(t, d, uploads.Config{})
		f := fx.store(t, "alice", "a.png", "", samplePNG())
		ids := []string{f.ID}
		for i := range 1200 {
			ids = append(ids, f.ID+string(rune('a'+i%26))+string(rune('a'+i/26)))
		}
		err := fx.svc.Check(context.Background(), "alice", ids...)
		wantCode(t, err, apperr.EINVALID, uploads.MsgUnknown)
		if n := len(apperr.As(err).Fields); n != 1200 {
			t.Errorf("%d references refused, want 1200", n)
		}
	})
}

func TestClaim(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d, uploads.Config{})
		f := fx.store(t, "alice", "qaror.pdf", "application/pdf", samplePDF(""))
		claim := func(by string) error {
			return fx.d.Tx(ctx, func(tx *sql.Tx) error { return fx.svc.Claim(ctx, tx, "alice", f.ID, by) })
		}
		if err := claim("app-1"); err != nil {
			t.Fatal(err)
		}
		if err := claim("app-1"); err != nil {
			t.Errorf("claiming again for the same application: %v", err)
		}
		wantCode(t, claim("app-2"), apperr.ECONFLICT, uploads.MsgClaimed)
		if claim("") == nil {
			t.Error("claimed for no application")
		}
		if got, _ := fx.svc.Find(ctx, "alice", f.ID); got.ClaimedBy != "app-1" {
			t.Errorf("claimed by %q, want app-1", got.ClaimedBy)
		}

		// A claim rolled back with its application leaves the file free.
		g := fx.store(t, "alice", "b.png", "image/png", samplePNG())
		err := fx.d.Tx(ctx, func(tx *sql.Tx) error {
			if err := fx.svc.Claim(ctx, tx, "alice", g.ID, "app-3"); err != nil {
				return err
			}
			return apperr.New(apperr.EINVALID, "test.rollback")
		})
		wantCode(t, err, apperr.EINVALID, "test.rollback")
		if got, _ := fx.svc.Find(ctx, "alice", g.ID); got.ClaimedBy != "" {
			t.Errorf("rolled-back claim kept: %q", got.ClaimedBy)
		}
	})
}
