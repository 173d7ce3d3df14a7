package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Runner runs statements inside a transaction: a *sql.Tx, or a *Batch that
// holds writes back to send them together. Functions that only add rows to
// the caller's transaction (an outbox event, a job) take a Runner, so they
// join a batch when the caller has one.
type Runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Batch runs a transaction's statements with fewer round trips. On
// PostgreSQL, writes (ExecContext) are queued and sent together as one
// pipeline when the transaction next reads (QueryContext, QueryRowContext)
// or calls Flush, so a step that writes ten rows waits for the server once,
// not ten times; statements still run in the order they were given. On
// SQLite, which runs in-process, every statement runs at once.
//
// A queued write's result is not known when ExecContext returns: use it
// only for writes whose rows affected do not matter, and read with
// QueryRowContext (e.g. INSERT … RETURNING) when they do. The first error
// of a write is kept and returned by every later Flush, so a transaction
// whose batch failed cannot commit.
type Batch struct {
	tx    *sql.Tx
	conn  *sql.Conn // the transaction's connection; nil runs at once
	queue []queued
	err   error
}

type queued struct {
	query string
	args  []any
}

// Batch returns a batch for tx, which must be a transaction of d.Tx.
func (d *DB) Batch(tx *sql.Tx) *Batch {
	b := &Batch{tx: tx}
	if c, ok := d.txConns.Load(tx); ok {
		b.conn = c.(*sql.Conn)
	}
	return b
}

// errQueued is what the result of a queued write answers.
var errQueued = errors.New("db: the result of a batched write is not known until the batch is sent")

type queuedResult struct{}

func (queuedResult) LastInsertId() (int64, error) { return 0, errQueued }
func (queuedResult) RowsAffected() (int64, error) { return 0, errQueued }

// ExecContext queues a write on PostgreSQL and runs it at once on SQLite.
func (b *Batch) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if b.err != nil {
		return nil, b.err
	}
	if b.conn == nil {
		res, err := b.tx.ExecContext(ctx, query, args...)
		b.err = err
		return res, err
	}
	b.queue = append(b.queue, queued{query: query, args: args})
	return queuedResult{}, nil
}

// QueryContext sends the queued writes, then runs the query.
func (b *Batch) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := b.Flush(ctx); err != nil {
		return nil, err
	}
	return b.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext sends the queued writes, then runs the query. If sending
// failed, the row reports the failure when scanned (PostgreSQL refuses
// statements in a failed transaction) and Flush returns the cause.
func (b *Batch) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	_ = b.Flush(ctx)
	return b.tx.QueryRowContext(ctx, query, args...)
}

// Flush sends the queued writes in one round trip and reports the first
// that failed.
func (b *Batch) Flush(ctx context.Context) error {
	if b.err != nil || len(b.queue) == 0 {
		return b.err
	}
	queue := b.queue
	b.queue = nil
	if len(queue) == 1 {
		_, b.err = b.tx.ExecContext(ctx, queue[0].query, queue[0].args...)
		return b.err
	}
	b.err = b.conn.Raw(func(dc any) error {
		conn := dc.(*stdlib.Conn).Conn()
		var batch pgx.Batch
		for _, q := range queue {
			batch.Queue(q.query, q.args...)
		}
		res := conn.SendBatch(ctx, &batch)
		for i := range queue {
			if _, err := res.Exec(); err != nil {
				_ = res.Close()
				return fmt.Errorf("batched statement %d of %d: %w", i+1, len(queue), err)
			}
		}
		return res.Close()
	})
	return b.err
}

// RollbackTo undoes the transaction back to the savepoint name (set with
// ExecContext("SAVEPOINT name")): writes still queued are dropped, the kept
// error is cleared, and the transaction can go on — on PostgreSQL even
// after a failed statement.
func (b *Batch) RollbackTo(ctx context.Context, name string) error {
	b.queue, b.err = nil, nil
	_, err := b.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name)
	return err
}

// LockKey takes a lock on key until tx ends: another transaction asking for
// the same key waits until then. It orders writers that must not interleave
// although they touch no common row (one inserting what the other looks
// for). On PostgreSQL it is a transaction-scoped advisory lock; SQLite
// has one writer, so its transactions never overlap anyway.
func (d *DB) LockKey(ctx context.Context, tx Runner, key string) error {
	if d.engine != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key)
	return err
}
