package workflow_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/egovuz/egov/internal/platform/benchtest"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/workflow"
)

// BenchmarkReferenceProcess runs b.N instances of the reference process
// (start → service task → exclusive gateway → user task completed by the
// benchmark → parallel fork of two service tasks → join → end) from 32
// concurrent clients, on one node and on two nodes sharing the database,
// and reports completed instances per second and the start-to-end latency.
func BenchmarkReferenceProcess(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		for _, nodes := range []int{1, 2} {
			if nodes == 2 && engine == db.SQLite {
				continue // one SQLite file has one writer
			}
			b.Run(fmt.Sprintf("%s/nodes=%d", engine, nodes), func(b *testing.B) {
				d := dbtest.Open(b, engine, schema())
				ctx := context.Background()
				var engines []*workflow.Engine
				var news waiters
				for i := range nodes {
					n := startEngineWith(b, d, clock.System{}, fmt.Sprintf("bench-%d", i), workflow.Options{Retries: 3, Observer: news.hear})
					n.eng.Register("work", func(context.Context, workflow.ServiceTask) (map[string]any, error) { return nil, nil })
					engines = append(engines, n.eng)
				}
				if _, err := engines[0].Deploy(ctx, "bench", reference); err != nil {
					b.Fatal(err)
				}
				benchtest.Clients(b, 32, "instances/s", func(client, i int) error {
					e := engines[client%nodes]
					id, err := e.Start(ctx, workflow.StartRequest{Key: "reference", AgencyID: "adliya", Variables: map[string]any{"amount": i % 200}})
					if err != nil {
						return err
					}
					return news.completeWhenReady(ctx, e, id)
				})
			})
		}
	}
}

// waiters hands each client the news of its instance from the engines'
// Observer. A step may commit on any node, so every node reports to the
// same waiters.
type waiters struct{ chans sync.Map }

func (w *waiters) ch(id string) chan workflow.Notice {
	c, _ := w.chans.LoadOrStore(id, make(chan workflow.Notice, 4))
	return c.(chan workflow.Notice)
}

func (w *waiters) hear(n workflow.Notice) { w.ch(n.InstanceID) <- n }

// completeWhenReady completes the instance's user task when it is created
// and returns when the instance has ended.
func (w *waiters) completeWhenReady(ctx context.Context, e *workflow.Engine, id string) error {
	defer w.chans.Delete(id)
	for n := range w.ch(id) {
		switch n.Kind {
		case "task":
			if err := e.Complete(ctx, officer, n.TaskID, map[string]any{"decision": "approve"}); err != nil {
				return err
			}
		case "ended":
			return nil
		}
	}
	return nil
}
