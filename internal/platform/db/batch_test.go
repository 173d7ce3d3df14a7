package db_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

func TestBatchKeepsOrderAndFailures(t *testing.T) {
	dbtest.Each(t, sampleMigrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		born := time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)
		// Writes queued before a read are seen by it, in the order given.
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			b := d.Batch(tx)
			for _, q := range []string{
				`INSERT INTO sample_org (id) VALUES ($1)`,
				`INSERT INTO sample_people (id, pinfl, org_id, born) VALUES ('p1', '30101900000011', $1, '1990-05-01')`,
				`UPDATE sample_people SET pinfl = '30101900000012' WHERE org_id = $1`,
			} {
				if _, err := b.ExecContext(ctx, q, "org"); err != nil {
					return err
				}
			}
			var pinfl string
			if err := b.QueryRowContext(ctx, `SELECT pinfl FROM sample_people WHERE id = 'p1'`).Scan(&pinfl); err != nil {
				return err
			}
			if pinfl != "30101900000012" {
				t.Errorf("read %s after the batched update", pinfl)
			}
			_, err := b.ExecContext(ctx, `INSERT INTO sample_people (id, pinfl, born) VALUES ($1, $2, $3)`, "p2", "30101900000013", born)
			if err != nil {
				return err
			}
			return b.Flush(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.Reader().QueryRowContext(ctx, `SELECT count(*) FROM sample_people`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d people committed (%v), want 2", n, err)
		}
		// A failing write fails the flush and everything after it; the
		// transaction changes nothing.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			b := d.Batch(tx)
			_, _ = b.ExecContext(ctx, `INSERT INTO sample_org (id) VALUES ($1)`, "org2")
			_, _ = b.ExecContext(ctx, `INSERT INTO sample_people (id, pinfl, born) VALUES ($1, $2, $3)`, "p3", "30101900000012", born)
			_, _ = b.ExecContext(ctx, `INSERT INTO sample_org (id) VALUES ($1)`, "org3")
			return b.Flush(ctx)
		})
		if !apperr.Is(err, apperr.ECONFLICT) {
			t.Fatalf("duplicate PINFL in a batch: %v, want a conflict", err)
		}
		if err := d.Reader().QueryRowContext(ctx, `SELECT count(*) FROM sample_org`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d organisations after the failed batch (%v), want 1", n, err)
		}
	})
}
