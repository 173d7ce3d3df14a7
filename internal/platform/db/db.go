// Package db opens egov's relational database — an embedded SQLite file by
// default, PostgreSQL at scale — and gives modules one way to run transactions,
// map driver errors and apply their migrations on either engine.
//
// SQL is written once with $1-style placeholders, which both drivers accept.
// Where the engines differ, a small named method on DB says so (SkipLocked).
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database. On SQLite all writes go through one connection (SQLite
// allows one writer at a time, and queueing in Go is faster than busy-waiting in
// the driver) while reads use a separate pool; on PostgreSQL both are one pool.
type DB struct {
	engine Engine
	writer *sql.DB
	reader *sql.DB
	// txConns maps each open PostgreSQL transaction of Tx to its
	// connection, for Batch.
	txConns sync.Map
}

// Options tune a connection pool.
type Options struct {
	// MaxOpenConns bounds the PostgreSQL pool and the SQLite reader pool.
	MaxOpenConns int
}

// ParseURL tells the engine of a database URL and its driver data source
// name. Accepted: "postgres://…", "postgresql://…", "sqlite:PATH",
// "sqlite://PATH", "file:PATH" and a bare file path.
func ParseURL(raw string) (Engine, string, error) {
	switch {
	case raw == "":
		return "", "", errors.New("database URL is empty")
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", fmt.Errorf("database URL: %w", err)
		}
		if u.Host == "" {
			return "", "", errors.New("database URL: PostgreSQL URL has no host")
		}
		return Postgres, raw, nil
	case strings.Contains(raw, "://") && !strings.HasPrefix(raw, "sqlite://"):
		return "", "", fmt.Errorf("database URL: unsupported scheme in %q (use postgres:// or a SQLite file path)", redact(raw))
	}
	path := strings.TrimPrefix(raw, "sqlite://")
	path = strings.TrimPrefix(path, "sqlite:")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return "", "", errors.New("database URL: SQLite path is empty")
	}
	return SQLite, path, nil
}

// redact hides a password in a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Open connects to the database named by rawURL and checks that it answers.
// For SQLite it creates the file (and its folder) if missing and sets WAL
// journaling, foreign keys and a busy timeout on every connection.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	engine, dsn, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.MaxOpenConns <= 0 {
		opts.MaxOpenConns = 16
	}
	var d *DB
	switch engine {
	case Postgres:
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(opts.MaxOpenConns)
		pool.SetMaxIdleConns(opts.MaxOpenConns)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		d = &DB{engine: Postgres, writer: pool, reader: pool}
	case SQLite:
		d, err = openSQLite(dsn, opts)
		if err != nil {
			return nil, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.Ping(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to %s database: %w", engine, err)
	}
	return d, nil
}

func openSQLite(path string, opts Options) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	w, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The writer connects first so the WAL journal mode is set before readers
	// open the file.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(opts.MaxOpenConns)
	r.SetMaxIdleConns(opts.MaxOpenConns)
	return &DB{engine: SQLite, writer: w, reader: r}, nil
}

// Engine tells which engine this is.
func (d *DB) Engine() Engine { return d.engine }

// Writer is the pool for statements that change data; callers outside this
// package should prefer Tx.
func (d *DB) Writer() *sql.DB { return d.writer }

// Reader is the pool for read-only queries.
func (d *DB) Reader() *sql.DB { return d.reader }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.writer.PingContext(ctx); err != nil {
		return err
	}
	if d.reader != d.writer {
		return d.reader.PingContext(ctx)
	}
	return nil
}

// Stats returns the statistics of the writer pool (and, on SQLite, the reader
// pool) for metrics.
func (d *DB) Stats() map[string]sql.DBStats {
	if d.reader == d.writer {
		return map[string]sql.DBStats{"main": d.writer.Stats()}
	}
	return map[string]sql.DBStats{"writer": d.writer.Stats(), "reader": d.reader.Stats()}
}

// Close closes the pools.
func (d *DB) Close() error {
	err := d.writer.Close()
	if d.reader != d.writer {
		err = errors.Join(err, d.reader.Close())
	}
	return err
}

// Tx runs fn in a write transaction and commits it if fn returns nil. Driver
// errors from fn or the commit are mapped to apperr codes by MapError.
func (d *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	var (
		tx  *sql.Tx
		err error
	)
	if d.engine == Postgres {
		// The connection is kept so that a Batch can pipeline on it.
		conn, err := d.writer.Conn(ctx)
		if err != nil {
			return MapError(fmt.Errorf("begin: %w", err))
		}
		defer conn.Close()
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return MapError(fmt.Errorf("begin: %w", err))
		}
		d.txConns.Store(tx, conn)
		defer d.txConns.Delete(tx)
	} else if tx, err = d.writer.BeginTx(ctx, nil); err != nil {
		return MapError(fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return MapError(err)
	}
	if err := tx.Commit(); err != nil {
		return MapError(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// SkipLocked is the row-locking suffix for a SELECT that claims work so that
// concurrent claimers on PostgreSQL skip each other's rows. SQLite has one
// writer, so a claim there is already exclusive and the suffix is empty.
func (d *DB) SkipLocked() string {
	if d.engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// NewID returns a new UUIDv7 as a string: unique across nodes and ordered by
// creation time, so it indexes well.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Exists tells whether query, run in tx, returns a row. Use it for "is there
// such a record" checks inside a transaction.
func Exists(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Collect scans every row of rows with scan and closes them: the loop every
// list query writes.
func Collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
