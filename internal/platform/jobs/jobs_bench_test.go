package jobs_test

import (
	"context"
	"database/sql"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/jobs"
)

// BenchmarkThroughput enqueues b.N jobs, 100 per transaction, then runs them
// with 8 workers and a no-op handler on each engine. It reports how fast jobs
// are enqueued (enqueued/s) and run to done (jobs/s: from Run's start until
// it has recorded the last outcome and stopped).
func BenchmarkThroughput(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			d := dbtest.Open(b, engine, sets())
			q := jobs.New(d, jobs.Options{Workers: 8, Poll: 50 * time.Millisecond})
			var ran atomic.Int64
			all := make(chan struct{})
			q.Handle("bench.noop", func(context.Context, jobs.Job) error {
				if ran.Add(1) == int64(b.N) {
					close(all)
				}
				return nil
			})
			b.ResetTimer()

			begin := time.Now()
			for i := 0; i < b.N; i += 100 {
				err := d.Tx(ctx, func(tx *sql.Tx) error {
					for k := i; k < min(i+100, b.N); k++ {
						spec := jobs.Spec{Kind: "bench.noop", Payload: []byte(`{"n":` + strconv.Itoa(k) + `}`)}
						if _, err := q.Enqueue(ctx, tx, spec); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			enqueued := time.Since(begin)

			runCtx, cancel := context.WithCancel(ctx)
			stopped := make(chan error, 1)
			begin = time.Now()
			go func() { stopped <- q.Run(runCtx) }()
			<-all
			cancel()
			if err := <-stopped; err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(begin)
			b.StopTimer()

			st, err := q.Stats(ctx)
			if err != nil || st.Done != b.N {
				b.Fatalf("Stats = %+v, %v; want %d done", st, err, b.N)
			}
			b.ReportMetric(float64(b.N)/enqueued.Seconds(), "enqueued/s")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
		})
	}
}
