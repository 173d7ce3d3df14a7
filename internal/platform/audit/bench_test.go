package audit

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// benchRecord is a typical entry: a staff member reading a citizen's record.
func benchRecord(i int) Record {
	return Record{
		Actor:      "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
		Action:     "privacy.record.viewed",
		ObjectType: "person",
		ObjectID:   fmt.Sprintf("3170590%07d", i),
		Details:    map[string]any{"purpose": "appeal 2026/1234", "fields": []any{"name", "address"}},
	}
}

func benchContext() context.Context {
	return WithSource(context.Background(), Source{IP: "203.0.113.9", RequestID: "0190a1b2c3d47e5f", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"})
}

// BenchmarkAppend measures Append, each entry in its own transaction: one
// appender at a time, and 4×GOMAXPROCS appenders at once (which the head row
// serialises).
func BenchmarkAppend(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(string(engine)+"/serial", func(b *testing.B) {
			l := New(dbtest.Open(b, engine, schema()), clock.System{})
			ctx := benchContext()
			i := 0
			for b.Loop() {
				if err := l.Append(ctx, benchRecord(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
		b.Run(string(engine)+"/parallel", func(b *testing.B) {
			l := New(dbtest.Open(b, engine, schema()), clock.System{})
			ctx := benchContext()
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := l.Append(ctx, benchRecord(i)); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkVerify measures Verify over a log of 10 000 entries.
func BenchmarkVerify(b *testing.B) {
	const size = 10_000
	for _, engine := range dbtest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine, schema())
			l := New(d, clock.System{})
			fill(b, d, l, size)
			ctx := context.Background()
			for b.Loop() {
				rep, err := l.Verify(ctx)
				if err != nil || !rep.OK || rep.Checked != size {
					b.Fatalf("Verify = %v, %v", rep, err)
				}
			}
			b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// fill appends n entries quickly, many to a transaction.
func fill(b *testing.B, d *db.DB, l *Log, n int) {
	b.Helper()
	ctx := benchContext()
	const batch = 1000
	for done := 0; done < n; done += batch {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			for i := done; i < min(done+batch, n); i++ {
				if err := l.Record(ctx, tx, benchRecord(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
