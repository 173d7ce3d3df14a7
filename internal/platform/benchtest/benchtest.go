// Package benchtest drives benchmarks that measure a whole operation from
// many concurrent clients, as a load test does: throughput and latency
// percentiles rather than time per op of one goroutine.
package benchtest

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Clients runs b.N operations from clients concurrent clients, each calling
// op(client, i) for the next i, and reports operations per second under
// unit (e.g. "instances/s") with the p50 and p99 latency in milliseconds.
// An operation that fails stops its client; the error is the benchmark's.
func Clients(b *testing.B, clients int, unit string, op func(client, i int) error) {
	b.Helper()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if err := op(c, i); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
}
