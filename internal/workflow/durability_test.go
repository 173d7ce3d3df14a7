package workflow_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/workflow"
)

// pipeline is two service tasks in a row and a parallel pair: every
// instance runs four handlers.
var pipeline = bpmnFile(`<bpmn:process id="pipeline" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
` + task("a", "step", "f1", "f2") + task("b", "step", "f2", "f3") + `
<bpmn:parallelGateway id="fork"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:parallelGateway>
` + task("c", "step", "f4", "f6") + task("d", "step", "f5", "f7") + `
<bpmn:parallelGateway id="join"><bpmn:incoming>f6</bpmn:incoming><bpmn:incoming>f7</bpmn:incoming><bpmn:outgoing>f8</bpmn:outgoing></bpmn:parallelGateway>
<bpmn:endEvent id="end"><bpmn:incoming>f8</bpmn:incoming></bpmn:endEvent>
` + flow("f1", "start", "a") + flow("f2", "a", "b") + flow("f3", "b", "fork") + flow("f4", "fork", "c") + flow("f5", "fork", "d") +
	flow("f6", "c", "join") + flow("f7", "d", "join") + flow("f8", "join", "end") + `
</bpmn:process>`)

// completedSteps counts, per instance, how often each service task was
// completed according to the history; every count must be one.
func completedSteps(t *testing.T, e *workflow.Engine, ids []string) {
	t.Helper()
	for _, id := range ids {
		h, err := e.History(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, en := range h {
			if en.Event == "completed" && en.ElementID != "" {
				seen[en.ElementID]++
			}
		}
		for _, el := range []string{"a", "b", "c", "d"} {
			if seen[el] != 1 {
				t.Errorf("instance %s: %s completed %d times", id, el, seen[el])
			}
		}
	}
}

func TestTwoNodesRunEachTaskOnce(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var c counter
		nodes := []*node{startEngine(t, d, clock.System{}, "n1"), startEngine(t, d, clock.System{}, "n2")}
		var perNode [2]atomic.Int64
		for i, n := range nodes {
			h := c.handler(nil)
			n.eng.Register("step", func(ctx context.Context, st workflow.ServiceTask) (map[string]any, error) {
				perNode[i].Add(1)
				return h(ctx, st)
			})
		}
		if _, err := nodes[0].eng.Deploy(ctx, "analyst", pipeline); err != nil {
			t.Fatal(err)
		}
		const instances = 60
		ids := make([]string, instances)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, err := nodes[i%2].eng.Start(ctx, workflow.StartRequest{Key: "pipeline", BusinessKey: fmt.Sprint(i)})
				if err != nil {
					t.Error(err)
				}
				ids[i] = id
			}()
		}
		wg.Wait()
		eventually(t, "every instance to end", func() bool {
			for _, id := range ids {
				if state(t, nodes[0].eng, id) != "completed" {
					return false
				}
			}
			return true
		})
		if len(c.runs) != 4*instances {
			t.Errorf("%d task executions, want %d", len(c.runs), 4*instances)
		}
		if dup := c.twice(); len(dup) > 0 {
			t.Errorf("tasks ran more than once: %v", dup[:min(len(dup), 5)])
		}
		if perNode[0].Load() == 0 || perNode[1].Load() == 0 {
			t.Logf("work split %d/%d (one node did everything)", perNode[0].Load(), perNode[1].Load())
		}
		completedSteps(t, nodes[0].eng, ids)
	})
}

// crashEnv names the database a child process runs instances on until it
// is killed; crashLog where its handlers record each run.
const (
	crashEnv = "EGOV_WORKFLOW_CRASH_DB"
	crashLog = "EGOV_WORKFLOW_CRASH_LOG"
)

// TestMain runs the child of the kill test when asked to.
func TestMain(m *testing.M) {
	if u := os.Getenv(crashEnv); u != "" {
		crashChild(u, os.Getenv(crashLog))
		return
	}
	os.Exit(m.Run())
}

// crashChild starts instances and runs them with slow handlers until the
// parent kills it. It prints each started instance's ID.
func crashChild(url, logPath string) {
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		os.Exit(3)
	}
	n := startEngine(&testing.T{}, d, clock.System{}, "child")
	n.eng.Register("step", func(_ context.Context, st workflow.ServiceTask) (map[string]any, error) {
		fmt.Fprintf(f, "%s/%s\n", st.ElementID, st.Key)
		time.Sleep(2 * time.Millisecond)
		return nil, nil
	})
	for i := 0; ; i++ {
		id, err := n.eng.Start(ctx, workflow.StartRequest{Key: "pipeline", BusinessKey: fmt.Sprint(i)})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Println(id)
		time.Sleep(3 * time.Millisecond)
	}
}

func TestKillAndRestartLosesNothing(t *testing.T) {
	for engine, u := range dbtest.URLs(t) {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, u, db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			if err := d.Migrate(ctx, schema(), nil); err != nil {
				t.Fatal(err)
			}
			setup := startEngine(t, d, clock.System{}, "setup")
			if _, err := setup.eng.Deploy(ctx, "analyst", pipeline); err != nil {
				t.Fatal(err)
			}
			setup.stop()
			logPath := filepath.Join(t.TempDir(), "runs.log")
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), crashEnv+"="+u, crashLog+"="+logPath)
			var out strings.Builder
			cmd.Stdout = &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			started := strings.Fields(out.String())
			if len(started) < 5 {
				t.Fatalf("the child started only %d instances", len(started))
			}
			// A new node picks everything up where the dead one left it.
			var c counter
			n := startEngine(t, d, clock.System{}, "restart")
			n.eng.Register("step", c.handler(nil))
			eventually(t, "every started instance to end", func() bool {
				for _, id := range started {
					if state(t, n.eng, id) != "completed" {
						return false
					}
				}
				return true
			})
			completedSteps(t, n.eng, started)
			// Handler runs repeat only for tasks whose completion the kill
			// cut off: at most the child's in-flight handlers.
			runs, _ := os.ReadFile(logPath)
			before := map[string]bool{}
			for _, k := range strings.Fields(string(runs)) {
				before[k] = true
			}
			again := 0
			for k := range c.runs {
				if before[k] {
					again++
				}
			}
			if again > testWorkers {
				t.Errorf("%d tasks ran again after the restart; only those in flight at the kill may", again)
			}
			t.Logf("%d instances started before the kill; %d handler runs before, %d after, %d repeated", len(started), len(before), len(c.runs), again)
		})
	}
}
