package db_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

func sampleMigrations(extra ...string) []db.Migrations {
	fsys := fstest.MapFS{}
	for _, engine := range []string{"sqlite", "postgres"} {
		fsys["migrations/"+engine+"/0001_people.sql"] = &fstest.MapFile{Data: []byte(`-- +goose Up
CREATE TABLE sample_org (id TEXT PRIMARY KEY);
CREATE TABLE sample_people (
	id TEXT PRIMARY KEY,
	pinfl TEXT NOT NULL UNIQUE,
	org_id TEXT REFERENCES sample_org(id),
	born TIMESTAMP NOT NULL
);
-- +goose Down
DROP TABLE sample_people;
DROP TABLE sample_org;
`)}
		for i, stmt := range extra {
			name := "migrations/" + engine + "/000" + string(rune('2'+i)) + "_extra.sql"
			fsys[name] = &fstest.MapFile{Data: []byte("-- +goose Up\n" + stmt + "\n")}
		}
	}
	return []db.Migrations{{Module: "sample", FS: fsys}}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in     string
		engine db.Engine
		dsn    string
		bad    bool
	}{
		{in: "postgres://u@localhost:5432/egov?sslmode=disable", engine: db.Postgres, dsn: "postgres://u@localhost:5432/egov?sslmode=disable"},
		{in: "postgresql://h/egov", engine: db.Postgres, dsn: "postgresql://h/egov"},
		{in: "egov-data/egov.db", engine: db.SQLite, dsn: "egov-data/egov.db"},
		{in: "sqlite:/var/lib/egov.db", engine: db.SQLite, dsn: "/var/lib/egov.db"},
		{in: "sqlite:///var/lib/egov.db", engine: db.SQLite, dsn: "/var/lib/egov.db"},
		{in: "file:x.db?mode=rw", engine: db.SQLite, dsn: "x.db"},
		{in: "", bad: true},
		{in: "mysql://x/y", bad: true},
		{in: "postgres://", bad: true},
		{in: "postgres://h:port/x", bad: true},
		{in: "sqlite:", bad: true},
	}
	for _, tt := range tests {
		engine, dsn, err := db.ParseURL(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseURL(%q) = %v, %q; want an error", tt.in, engine, dsn)
			}
			continue
		}
		if err != nil || engine != tt.engine || dsn != tt.dsn {
			t.Errorf("ParseURL(%q) = %v, %q, %v; want %v, %q", tt.in, engine, dsn, err, tt.engine, tt.dsn)
		}
	}
}

func TestStoreOnEveryEngine(t *testing.T) {
	dbtest.Each(t, sampleMigrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		born := time.Date(1990, 5, 17, 8, 30, 15, 123456000, time.UTC)
		insert := func(id, pinfl, org any) error {
			return d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO sample_people (id, pinfl, org_id, born) VALUES ($1, $2, $3, $4)`, id, pinfl, org, born)
				return err
			})
		}
		id := db.NewID()
		if err := insert(id, "31705900000000", nil); err != nil {
			t.Fatalf("insert: %v", err)
		}
		var got time.Time
		if err := d.Reader().QueryRowContext(ctx, `SELECT born FROM sample_people WHERE id = $1`, id).Scan(&got); err != nil {
			t.Fatalf("select: %v", err)
		}
		if !got.Equal(born) {
			t.Errorf("born = %v, want %v", got, born)
		}

		if err := insert(db.NewID(), "31705900000000", nil); apperr.Code(err) != apperr.ECONFLICT {
			t.Errorf("duplicate pinfl: code %q (%v), want conflict", apperr.Code(err), err)
		}
		if err := insert(db.NewID(), "31705900000001", "no-such-org"); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("missing org: code %q (%v), want invalid", apperr.Code(err), err)
		}
		if err := insert(db.NewID(), nil, nil); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("null pinfl: code %q (%v), want invalid", apperr.Code(err), err)
		}
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			var x string
			return tx.QueryRowContext(ctx, `SELECT id FROM sample_people WHERE id = $1`, "nobody").Scan(&x)
		})
		if apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("no rows: code %q, want not_found", apperr.Code(err))
		}

		// A failed transaction changes nothing.
		boom := errors.New("boom")
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sample_people (id, pinfl, born) VALUES ($1, $2, $3)`, db.NewID(), "40000000000000", born); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx error = %v, want boom", err)
		}
		var n int
		if err := d.Reader().QueryRowContext(ctx, `SELECT count(*) FROM sample_people`).Scan(&n); err != nil || n != 1 {
			t.Errorf("rows after rollback = %d, %v; want 1", n, err)
		}
	})
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	dbtest.Each(t, sampleMigrations("CREATE TABLE sample_more (id TEXT PRIMARY KEY);"), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st, err := d.Status(ctx, sampleMigrations())
		if err != nil {
			t.Fatal(err)
		}
		if st[0].Current != 2 || st[0].Latest != 1 {
			t.Errorf("status = %+v, want current 2 latest 1", st[0])
		}
		err = d.Migrate(ctx, sampleMigrations(), nil)
		if !errors.Is(err, db.ErrSchemaTooNew) {
			t.Errorf("Migrate with an older binary = %v, want ErrSchemaTooNew", err)
		}
		// Migrating again with the same binary is a no-op.
		if err := d.Migrate(ctx, sampleMigrations("CREATE TABLE sample_more (id TEXT PRIMARY KEY);"), nil); err != nil {
			t.Errorf("second Migrate: %v", err)
		}
	})
}

func TestStatusReportsPending(t *testing.T) {
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	st, err := d.Status(context.Background(), sampleMigrations())
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Current != 0 || st[0].Latest != 1 || len(st[0].Pending) != 1 {
		t.Errorf("status = %+v, want one pending", st[0])
	}
}

func TestOpenBadDatabase(t *testing.T) {
	_, err := db.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", db.Options{})
	if err == nil {
		t.Fatal("Open of an unreachable PostgreSQL succeeded")
	}
}

// FuzzParseURL feeds arbitrary configuration strings to the URL parser: it
// must never panic, and whatever it accepts names an engine and a non-empty
// data source.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"postgres://u:p@h:5432/db?sslmode=disable", "sqlite:egov.db", "file:x.db?mode=ro", "egov-data/egov.db", "mysql://x", "postgres://", "sqlite://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		engine, dsn, err := db.ParseURL(raw)
		if err != nil {
			return
		}
		if (engine != db.SQLite && engine != db.Postgres) || dsn == "" {
			t.Fatalf("ParseURL(%q) = %q, %q", raw, engine, dsn)
		}
	})
}
