package uploads_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/uploads"
)

func TestDeleteUnclaimed(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d, uploads.Config{})
		oldFree := fx.store(t, "alice", "draft.pdf", "", samplePDF(""))
		oldClaimed := fx.store(t, "alice", "sent.pdf", "", samplePDF(""))
		if err := fx.d.Tx(ctx, func(tx *sql.Tx) error { return fx.svc.Claim(ctx, tx, "alice", oldClaimed.ID, "app-1") }); err != nil {
			t.Fatal(err)
		}
		fx.clock.Advance(48 * time.Hour)
		newFree := fx.store(t, "bob", "today.png", "", samplePNG())

		n, err := fx.svc.DeleteUnclaimed(ctx, start.Add(24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("DeleteUnclaimed = %d, %v; want 1", n, err)
		}
		_, err = fx.svc.Find(ctx, "alice", oldFree.ID)
		wantCode(t, err, apperr.ENOTFOUND, "")
		wantCode(t, fx.svc.Check(ctx, "alice", oldFree.ID), apperr.EINVALID, uploads.MsgUnknown)
		if fx.exists(t, oldFree) {
			t.Error("content of the deleted file is left")
		}
		for _, f := range []uploads.File{oldClaimed, newFree} {
			if _, err := fx.svc.Find(ctx, f.OwnerID, f.ID); err != nil || !fx.exists(t, f) {
				t.Errorf("%s was deleted: %v", f.Name, err)
			}
		}
		if n, err := fx.svc.DeleteUnclaimed(ctx, start.Add(24*time.Hour)); err != nil || n != 0 {
			t.Errorf("second run = %d, %v; want nothing to do", n, err)
		}
	})
}

// TestDeleteUnclaimedFinishesAnInterruptedRun checks that a file marked for
// deletion whose content is already gone (a run stopped half-way) is no
// longer found and is finished by the next run, and that a claim cannot
// take a file being deleted.
func TestDeleteUnclaimedFinishesAnInterruptedRun(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d, uploads.Config{})
		f := fx.store(t, "alice", "draft.pdf", "", samplePDF(""))
		if _, err := fx.d.Writer().Exec(`UPDATE uploads_files SET deleted_at = created_at WHERE id = $1`, f.ID); err != nil {
			t.Fatal(err)
		}
		if err := fx.bucket.Delete(ctx, uploads.BlobKey(f)); err != nil {
			t.Fatal(err)
		}
		_, _, err := fx.svc.Open(ctx, "alice", f.ID)
		wantCode(t, err, apperr.ENOTFOUND, "")
		err = fx.d.Tx(ctx, func(tx *sql.Tx) error { return fx.svc.Claim(ctx, tx, "alice", f.ID, "app-1") })
		wantCode(t, err, apperr.ENOTFOUND, "")
		// Only the interrupted file goes: nothing is old enough.
		if n, err := fx.svc.DeleteUnclaimed(ctx, start.Add(-time.Hour)); err != nil || n != 1 {
			t.Errorf("DeleteUnclaimed = %d, %v; want the interrupted one", n, err)
		}
	})
}

// TestDeleteUnclaimedInBatches removes more files than one round takes;
// they are written directly, which is much faster than Store.
func TestDeleteUnclaimedInBatches(t *testing.T) {
	dbtest.Each(t, []db.Migrations{uploads.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d, uploads.Config{})
		const count = 1100
		err := fx.d.Tx(ctx, func(tx *sql.Tx) error {
			for i := range count {
				key := fmt.Sprintf("uploads/k%04d", i)
				if err := fx.bucket.WriteAll(ctx, key, []byte("x"), nil); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO uploads_files
					(id, owner_id, name, content_type, size, sha256, blob_key, claimed_by, created_at)
					VALUES ($1, 'alice', 'a.png', 'image/png', 1, '', $2, '', $3)`, fmt.Sprintf("F%04d", i), key, start); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := fx.svc.DeleteUnclaimed(ctx, start.Add(time.Hour)); err != nil || n != count {
			t.Errorf("DeleteUnclaimed = %d, %v; want %d", n, err, count)
		}
		if _, err := fx.bucket.List(nil).Next(ctx); !errors.Is(err, io.EOF) {
			t.Errorf("content left: %v", err)
		}
	})
}
