// Package dbtest gives tests a fresh database on every engine: a SQLite file in
// the test's temporary folder always, and a PostgreSQL schema of its own when
// EGOV_TEST_POSTGRES_URL is set (created for the test, dropped after it).
package dbtest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/db"
	"github.com/google/uuid"
)

// PostgresEnv names the variable holding the PostgreSQL server used by tests.
const PostgresEnv = "EGOV_TEST_POSTGRES_URL"

// URLs returns a database URL per engine available to tests, keyed by engine
// name: "sqlite" always, "postgres" when PostgresEnv is set. Each is fresh and
// removed when the test ends.
func URLs(t testing.TB) map[db.Engine]string {
	t.Helper()
	out := map[db.Engine]string{db.SQLite: filepath.Join(t.TempDir(), "egov.db")}
	if os.Getenv(PostgresEnv) != "" {
		out[db.Postgres] = PostgresURL(t)
	}
	return out
}

// PostgresURL creates an empty schema on the test PostgreSQL server and returns
// a URL whose search_path points at it; the schema is dropped when the test
// ends. It fails the test if PostgresEnv is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Fatalf("%s is not set", PostgresEnv)
	}
	schema := "egov_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("open postgres: %v", err)
			return
		}
		defer a.Close()
		if _, err := a.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs fn as a subtest on every available engine with a fresh, migrated
// database.
func Each(t *testing.T, sets []db.Migrations, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			if engine == db.Postgres && os.Getenv(PostgresEnv) == "" {
				t.Skipf("%s is not set", PostgresEnv)
			}
			fn(t, Open(t, engine, sets))
		})
	}
}

// Open returns a fresh, migrated database on the engine, closed when the test
// ends.
func Open(t testing.TB, engine db.Engine, sets []db.Migrations) *db.DB {
	t.Helper()
	var raw string
	switch engine {
	case db.SQLite:
		raw = filepath.Join(t.TempDir(), "egov.db")
	case db.Postgres:
		raw = PostgresURL(t)
	default:
		t.Fatalf("unknown engine %q", engine)
	}
	d, err := db.Open(context.Background(), raw, db.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background(), sets, nil); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return d
}

// Engines lists the engines tests can use here, for benchmarks that loop.
func Engines() []db.Engine {
	if os.Getenv(PostgresEnv) != "" {
		return []db.Engine{db.SQLite, db.Postgres}
	}
	return []db.Engine{db.SQLite}
}
