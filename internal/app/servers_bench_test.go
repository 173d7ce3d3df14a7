package app_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/benchtest"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// BenchmarkReferenceProcessServers runs the reference process (start →
// service task → exclusive gateway → user task → parallel fork of two
// service tasks → join → end) through real `egov serve --demo` processes
// sharing one PostgreSQL database and one NATS server, driven over HTTP the
// way an agency's system would: 32 clients start instances through the API,
// alternating between the servers, complete each user task through the task
// API of the other server as soon as its task-created event arrives from
// NATS, and count the instance as done when its ended event arrives. It
// reports completed instances per second and start-to-end latency.
//
// It needs EGOV_TEST_POSTGRES_URL; run it with -benchtime 3000x.
func BenchmarkReferenceProcessServers(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "egov")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/egov").CombinedOutput(); err != nil {
		b.Fatalf("build egov: %v\n%s", err, out)
	}
	for _, servers := range []int{1, 2} {
		b.Run(fmt.Sprintf("servers=%d", servers), func(b *testing.B) {
			natsURL := startNATS(b)
			database := dbtest.PostgresURL(b)
			var bases []string
			for i := range servers {
				bases = append(bases, startServer(b, bin, database, natsURL, i))
			}
			benchmarkServers(b, bases, natsURL)
		})
	}
}

// startNATS runs a NATS server with JetStream in this process, on a free
// port, for the servers to share.
func startNATS(b *testing.B) string {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: b.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		b.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		b.Fatal("NATS did not start")
	}
	b.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

// startServer starts `egov serve --demo` as a process and waits until it is
// ready. The servers share the secret, so a session or CSRF token of one is
// good on the other, and are not rate limited: the load comes from one
// address.
func startServer(b *testing.B, bin, database, natsURL string, i int) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.Create(filepath.Join(b.TempDir(), "egov.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--demo")
	cmd.Env = append(os.Environ(), "EGOV_LISTEN="+addr, "EGOV_DATA_DIR="+b.TempDir(), "EGOV_DATABASE_URL="+database,
		"EGOV_NATS_URL="+natsURL, "EGOV_SECRET=benchmark-secret-shared-by-the-servers", "EGOV_RATE_PER_IP=1000000",
		"EGOV_BURST_PER_IP=1000000", "EGOV_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		logFile.Close()
		if b.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			b.Logf("server %d log:\n%s", i, log)
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("server %d did not get ready", i)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// benchmarkServers drives b.N instances through the servers at bases.
func benchmarkServers(b *testing.B, bases []string, natsURL string) {
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(transport.CloseIdleConnections)
	admin := newVisitor(b, bases[0])
	admin.c.Transport = transport
	admin.login("+998901000031", identity.DemoPassword, "/admin/processes")
	adminToken := admin.csrfToken("/admin/processes")
	officer := newVisitor(b, bases[0])
	officer.c.Transport = transport
	officer.login("+998901000011", identity.DemoPassword, "/work")
	officerToken := officer.csrfToken("/work")

	nc, err := nats.Connect(natsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	var news instanceEvents
	for _, subject := range []string{"egov.workflow.task.created", "egov.workflow.instance.ended"} {
		sub, err := nc.Subscribe(subject, news.hear)
		if err != nil {
			b.Fatal(err)
		}
		_ = sub.SetPendingLimits(-1, -1)
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}

	benchtest.Clients(b, 32, "instances/s", func(client, i int) error {
		var in struct{ ID string }
		body := fmt.Sprintf(`{"agency": "adliya", "variables": {"amount": %d}}`, i%200)
		resp, err := callJSON(admin.c, adminToken, "POST", bases[(client+i)%len(bases)]+"/api/v1/processes/reference-benchmark/instances", body, &in)
		if err == nil && resp.StatusCode != 201 {
			err = fmt.Errorf("start: %s", resp.Status)
		}
		if err != nil {
			return err
		}
		return news.completeWhenReady(in.ID, func(task string) error {
			resp, err := callJSON(officer.c, officerToken, "POST", bases[(client+i+1)%len(bases)]+"/api/v1/tasks/"+task+"/complete", `{"variables": {"decision": "approve"}}`, nil)
			if err == nil && resp.StatusCode != 204 {
				err = fmt.Errorf("complete: %s", resp.Status)
			}
			return err
		})
	})
}

// instanceEvents hands each client the events of its instance as NATS delivers
// them, whichever comes first: the client's wait or the event.
type instanceEvents struct{ chans sync.Map }

func (e *instanceEvents) ch(id string) chan *nats.Msg {
	c, _ := e.chans.LoadOrStore(id, make(chan *nats.Msg, 8))
	return c.(chan *nats.Msg)
}

func (e *instanceEvents) hear(m *nats.Msg) {
	var ev struct{ ID, Instance string }
	if json.Unmarshal(m.Data, &ev) != nil {
		return
	}
	id := ev.Instance // a task's event names its instance
	if id == "" {
		id = ev.ID
	}
	select {
	case e.ch(id) <- m:
	default: // a redelivered event of an instance already done
	}
}

// completeWhenReady completes the instance's user task once, through
// complete, and returns when the instance has ended; it gives up after a
// minute.
func (e *instanceEvents) completeWhenReady(id string, complete func(task string) error) error {
	defer e.chans.Delete(id)
	done := false
	timeout := time.After(time.Minute)
	for {
		select {
		case m := <-e.ch(id):
			if m.Subject == "egov.workflow.instance.ended" {
				return nil
			}
			var ev struct{ ID string }
			if done || json.Unmarshal(m.Data, &ev) != nil {
				continue
			}
			done = true
			if err := complete(ev.ID); err != nil {
				return err
			}
		case <-timeout:
			return fmt.Errorf("instance %s: no end within a minute", id)
		}
	}
}
