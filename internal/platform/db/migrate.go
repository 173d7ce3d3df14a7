package db

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are one module's schema changes: FS holds the folders
// "migrations/sqlite" and "migrations/postgres", each with goose SQL files
// numbered from 0001 (a module passes its go:embed of "migrations"). Every
// module keeps its own version table (goose_<module>), so modules evolve
// independently.
type Migrations struct {
	Module string
	FS     fs.FS
}

// ModuleStatus is the migration state of one module.
type ModuleStatus struct {
	Module  string
	Current int64 // version applied in the database
	Latest  int64 // newest version this binary knows
	Pending []string
}

// ErrSchemaTooNew is returned when the database was migrated by a newer
// binary than this one; running old code on a new schema risks losing data.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

func (d *DB) provider(ctx context.Context, m Migrations, log *slog.Logger) (*goose.Provider, error) {
	sub, err := fs.Sub(m.FS, "migrations/"+string(d.engine))
	if err != nil {
		return nil, fmt.Errorf("migrations of %s: %w", m.Module, err)
	}
	dialect := database.DialectSQLite3
	if d.engine == Postgres {
		dialect = database.DialectPostgres
	}
	store, err := database.NewStore(dialect, "goose_"+m.Module)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithStore(store), goose.WithDisableGlobalRegistry(true)}
	if log != nil {
		opts = append(opts, goose.WithSlog(log.With("module", m.Module)))
	}
	if d.engine == Postgres {
		// Nodes starting together take turns through an advisory lock. The
		// lock is per schema: nodes sharing a schema share it, while
		// separate schemas on one server (tests, tenants) do not wait on
		// each other.
		var schema string
		if err := d.writer.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return nil, fmt.Errorf("current schema: %w", err)
		}
		h := fnv.New64a()
		h.Write([]byte("egov-migrate:" + schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider("", d.writer, sub, opts...)
}

// Status reports, for each module, the applied and the newest known version.
func (d *DB) Status(ctx context.Context, sets []Migrations) ([]ModuleStatus, error) {
	out := make([]ModuleStatus, 0, len(sets))
	for _, m := range sets {
		p, err := d.provider(ctx, m, nil)
		if err != nil {
			return nil, err
		}
		st, err := p.Status(ctx)
		if err != nil {
			return nil, fmt.Errorf("status of %s: %w", m.Module, err)
		}
		cur, err := p.GetDBVersion(ctx)
		if err != nil {
			return nil, fmt.Errorf("version of %s: %w", m.Module, err)
		}
		ms := ModuleStatus{Module: m.Module, Current: cur}
		for _, s := range st {
			ms.Latest = max(ms.Latest, s.Source.Version)
			if s.State == goose.StatePending {
				ms.Pending = append(ms.Pending, s.Source.Path)
			}
		}
		out = append(out, ms)
	}
	return out, nil
}

// Migrate applies every pending migration of every module, in the order
// given. It refuses to start (ErrSchemaTooNew) if any module's schema is newer
// than this binary.
func (d *DB) Migrate(ctx context.Context, sets []Migrations, log *slog.Logger) error {
	for _, m := range sets {
		p, err := d.provider(ctx, m, log)
		if err != nil {
			return err
		}
		cur, target, err := p.GetVersions(ctx)
		if err != nil {
			return fmt.Errorf("version of %s: %w", m.Module, err)
		}
		if cur > target {
			return fmt.Errorf("module %s is at version %d, this binary knows up to %d: %w", m.Module, cur, target, ErrSchemaTooNew)
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Module, err)
		}
	}
	return nil
}
