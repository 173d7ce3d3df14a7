package events_test

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/events"
)

// BenchmarkOutboxThroughput measures events per second through the whole
// path: written in transactions of 100, relayed to the embedded JetStream and
// handled by one consumer (a transaction each, with the de-duplicating
// record), from the first write until the consumer has seen the last event.
// The relay and the consumer run while the events are written.
func BenchmarkOutboxThroughput(b *testing.B) {
	const perTx = 100
	for _, engine := range dbtest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine, sets())
			bus := openBus(b, events.Config{})
			ob := events.NewOutbox(clock.System{}, bus.Prefix())
			relay := events.NewRelay(d, bus, events.RelayOptions{})
			var seen atomic.Int64
			all := make(chan struct{})
			n := int64(b.N)
			startRelay(b, relay)
			startConsumer(b, bus, d, "bench", "egov.>", func(ctx context.Context, tx *sql.Tx, e events.Event) error {
				if seen.Add(1) == n {
					close(all)
				}
				return nil
			})
			ctx := context.Background()
			payload := map[string]string{"appeal_id": db.NewID(), "status": "registered"}

			b.ResetTimer()
			began := time.Now()
			for written := 0; written < b.N; written += perTx {
				err := d.Tx(ctx, func(tx *sql.Tx) error {
					for range min(perTx, b.N-written) {
						if _, err := ob.Write(ctx, tx, "egov.bench.appeal_registered", payload); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				relay.Nudge()
			}
			select {
			case <-all:
			case <-time.After(5 * time.Minute):
				b.Fatalf("consumer saw %d of %d events", seen.Load(), b.N)
			}
			elapsed := time.Since(began)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}
