package workflow_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/workflow"
)

func schema() []db.Migrations {
	return []db.Migrations{jobs.Migrations(), events.Migrations(), workflow.Migrations()}
}

// node is one engine with its job queue running.
type node struct {
	eng   *workflow.Engine
	queue *jobs.Queue
	stop  func()
}

// testWorkers is how many jobs an engine of the tests runs at once.
const testWorkers = 32

func startEngine(t testing.TB, d *db.DB, c clock.Clock, name string) *node {
	t.Helper()
	return startEngineWith(t, d, c, name, workflow.Options{Retries: 3})
}

func startEngineWith(t testing.TB, d *db.DB, c clock.Clock, name string, opts workflow.Options) *node {
	t.Helper()
	q := jobs.New(d, jobs.Options{Workers: testWorkers, Poll: 20 * time.Millisecond, BackoffBase: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond,
		Lease: 5 * time.Second, Clock: c, Node: name})
	e := workflow.New(d, q, events.NewOutbox(c, ""), c, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = q.Run(ctx)
	}()
	n := &node{eng: e, queue: q, stop: func() { cancel(); <-done }}
	t.Cleanup(n.stop)
	return n
}

// bpmnFile wraps process XML in definitions as the modeler writes them.
func bpmnFile(body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
` + body + `
</bpmn:definitions>`)
}

func task(id, typ, in, out string) string {
	return fmt.Sprintf(`<bpmn:serviceTask id="%s" name="%s"><bpmn:extensionElements><zeebe:taskDefinition type="%s" retries="2" /></bpmn:extensionElements>
<bpmn:incoming>%s</bpmn:incoming><bpmn:outgoing>%s</bpmn:outgoing></bpmn:serviceTask>`, id, id, typ, in, out)
}

func flow(id, from, to string) string {
	return fmt.Sprintf(`<bpmn:sequenceFlow id="%s" sourceRef="%s" targetRef="%s" />`, id, from, to)
}

// reference is the benchmark's process: start → service task → exclusive
// gateway → user task → parallel fork of two service tasks → join → end.
var reference = bpmnFile(`<bpmn:process id="reference" name="Reference" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
` + task("a", "work", "f1", "f2") + `
<bpmn:exclusiveGateway id="big" default="f4"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
<bpmn:userTask id="approve" name="Approve"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="officer, supervisor" /></bpmn:extensionElements>
<bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
<bpmn:parallelGateway id="fork"><bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing><bpmn:outgoing>f7</bpmn:outgoing></bpmn:parallelGateway>
` + task("b", "work", "f6", "f8") + task("c", "work", "f7", "f9") + `
<bpmn:parallelGateway id="join"><bpmn:incoming>f8</bpmn:incoming><bpmn:incoming>f9</bpmn:incoming><bpmn:outgoing>f10</bpmn:outgoing></bpmn:parallelGateway>
<bpmn:endEvent id="end"><bpmn:incoming>f10</bpmn:incoming></bpmn:endEvent>
` + flow("f1", "start", "a") + flow("f2", "a", "big") + `
<bpmn:sequenceFlow id="f3" sourceRef="big" targetRef="approve"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=amount &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>
` + flow("f4", "big", "approve") + flow("f5", "approve", "fork") + flow("f6", "fork", "b") + flow("f7", "fork", "c") +
	flow("f8", "b", "join") + flow("f9", "c", "join") + flow("f10", "join", "end") + `
</bpmn:process>`)

// counter counts handler runs by idempotency key.
type counter struct {
	mu   sync.Mutex
	runs map[string]int
}

func (c *counter) handler(out map[string]any) workflow.Handler {
	return func(_ context.Context, t workflow.ServiceTask) (map[string]any, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.runs == nil {
			c.runs = map[string]int{}
		}
		c.runs[t.ElementID+"/"+t.Key]++
		return out, nil
	}
}

func (c *counter) twice() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k, n := range c.runs {
		if n != 1 {
			out = append(out, fmt.Sprintf("%s ran %d times", k, n))
		}
	}
	return out
}

// eventually polls cond until it holds or the test times out.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func state(t testing.TB, e *workflow.Engine, id string) string {
	t.Helper()
	in, err := e.Instance(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return in.State
}

func openTasks(t testing.TB, e *workflow.Engine, instanceID string) []workflow.Task {
	t.Helper()
	open := "open"
	list, _, err := e.Tasks(context.Background(), workflow.TaskFilter{InstanceID: &instanceID, State: &open})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

var officer = workflow.Actor{ID: "officer-1", Grants: []workflow.Grant{{Role: "officer", AgencyID: "adliya"}}}

func TestReferenceProcessRunsToTheEnd(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := startEngine(t, d, clock.System{}, "n1")
		var c counter
		n.eng.Register("work", c.handler(map[string]any{"checked": true}))
		if _, err := n.eng.Deploy(ctx, "analyst", reference); err != nil {
			t.Fatal(err)
		}
		id, err := n.eng.Start(ctx, workflow.StartRequest{Key: "reference", BusinessKey: "2026-0000001", AgencyID: "adliya", Variables: map[string]any{"amount": 150}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the approval task", func() bool { return len(openTasks(t, n.eng, id)) == 1 })
		tk := openTasks(t, n.eng, id)[0]
		if tk.Name != "Approve" || tk.AgencyID != "adliya" || strings.Join(tk.CandidateGroups, ",") != "officer,supervisor" || tk.BusinessKey != "2026-0000001" {
			t.Errorf("task: %+v", tk)
		}
		// Someone of another agency, or without the role, may not.
		stranger := workflow.Actor{ID: "x", Grants: []workflow.Grant{{Role: "officer", AgencyID: "soliq"}}}
		if err := n.eng.Complete(ctx, stranger, tk.ID, nil); !apperr.Is(err, apperr.EFORBIDDEN) {
			t.Errorf("another agency's officer completes: %v", err)
		}
		// It is handed only to someone who may work on it.
		if err := n.eng.Delegate(ctx, officer, tk.ID, stranger); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("delegating to another agency's officer: %v", err)
		}
		supervisor := workflow.Actor{ID: "supervisor-1", Grants: []workflow.Grant{{Role: "supervisor", AgencyID: "adliya"}}}
		if err := n.eng.Delegate(ctx, officer, tk.ID, supervisor); err != nil {
			t.Fatal(err)
		}
		if tk := openTasks(t, n.eng, id)[0]; tk.Assignee != supervisor.ID {
			t.Errorf("delegated to %q", tk.Assignee)
		}
		if err := n.eng.Unclaim(ctx, supervisor, tk.ID); err != nil {
			t.Fatal(err)
		}
		if err := n.eng.Claim(ctx, officer, tk.ID); err != nil {
			t.Fatal(err)
		}
		colleague := workflow.Actor{ID: "officer-2", Grants: officer.Grants}
		if err := n.eng.Complete(ctx, colleague, tk.ID, nil); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("completing a task a colleague holds: %v", err)
		}
		// A refusal must say why; the officer's name cannot be put on
		// someone else.
		if err := n.eng.Complete(ctx, officer, tk.ID, map[string]any{"decision": "reject", "comment": " "}); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("a refusal without a reason: %v", err)
		}
		if err := n.eng.Complete(ctx, officer, tk.ID, map[string]any{"decision": "approve", workflow.CompletedBy: "officer-2"}); err != nil {
			t.Fatal(err)
		}
		if err := n.eng.Complete(ctx, officer, tk.ID, nil); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("completing twice: %v", err)
		}
		eventually(t, "the end", func() bool { return state(t, n.eng, id) == "completed" })
		in, _ := n.eng.Instance(ctx, id)
		if in.Variables["decision"] != "approve" || in.Variables["checked"] != true || in.Variables[workflow.CompletedBy] != officer.ID {
			t.Errorf("variables: %v", in.Variables)
		}
		if len(c.runs) != 3 {
			t.Errorf("service tasks ran %d times, want 3: %v", len(c.runs), c.runs)
		}
		if d := c.twice(); len(d) > 0 {
			t.Error(d)
		}
		h, err := n.eng.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, e := range h {
			if e.Event == "joined" || e.Event == "took" || e.Event == "completed" && e.ElementID == "" {
				trail = append(trail, e.Event+":"+e.ElementID+e.Detail)
			}
		}
		if got := strings.Join(trail, " "); got != "took:bigf3 joined:join completed:" {
			t.Errorf("history: %s", got)
		}
	})
}

// sla is a user task with a non-interrupting reminder after one hour and an
// interrupting escalation after two, a message catch after it, and an
// error boundary on a service task.
var sla = bpmnFile(`<bpmn:message id="Message_docs" name="documents-supplied"><bpmn:extensionElements><zeebe:subscription correlationKey="=applicationId" /></bpmn:extensionElements></bpmn:message>
<bpmn:error id="Error_nf" name="Not found" errorCode="record-not-found" />
<bpmn:process id="sla" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
` + task("check", "registry.check", "f1", "f2") + `
<bpmn:boundaryEvent id="notFound" attachedToRef="check"><bpmn:outgoing>f9</bpmn:outgoing><bpmn:errorEventDefinition errorRef="Error_nf" /></bpmn:boundaryEvent>
<bpmn:endEvent id="refused"><bpmn:incoming>f9</bpmn:incoming></bpmn:endEvent>
<bpmn:userTask id="review" name="Review"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="officer" /></bpmn:extensionElements>
<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
<bpmn:boundaryEvent id="remind" cancelActivity="false" attachedToRef="review"><bpmn:outgoing>f4</bpmn:outgoing>
  <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
` + task("reminder", "notify.send", "f4", "f5") + `
<bpmn:endEvent id="reminded"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
<bpmn:boundaryEvent id="escalate" attachedToRef="review"><bpmn:outgoing>f6</bpmn:outgoing>
  <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT2H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:userTask id="supervise" name="Supervise"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="supervisor" /></bpmn:extensionElements>
<bpmn:incoming>f6</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing></bpmn:userTask>
<bpmn:intermediateCatchEvent id="docs"><bpmn:incoming>f3</bpmn:incoming><bpmn:incoming>f7</bpmn:incoming><bpmn:outgoing>f8</bpmn:outgoing>
  <bpmn:messageEventDefinition messageRef="Message_docs" /></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"><bpmn:incoming>f8</bpmn:incoming></bpmn:endEvent>
` + flow("f1", "start", "check") + flow("f2", "check", "review") + flow("f3", "review", "docs") + flow("f4", "remind", "reminder") +
	flow("f5", "reminder", "reminded") + flow("f6", "escalate", "supervise") + flow("f7", "supervise", "docs") + flow("f8", "docs", "end") +
	flow("f9", "notFound", "refused") + `
</bpmn:process>`)

func TestTimersMessagesAndErrors(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		n := startEngine(t, d, c, "n1")
		var reminders counter
		n.eng.Register("notify.send", reminders.handler(nil))
		n.eng.Register("registry.check", func(_ context.Context, t workflow.ServiceTask) (map[string]any, error) {
			if t.Variables["applicationId"] == "missing" {
				return nil, &workflow.BPMNError{Code: "record-not-found", Message: "no birth record"}
			}
			return map[string]any{"found": true}, nil
		})
		if _, err := n.eng.Deploy(ctx, "analyst", sla); err != nil {
			t.Fatal(err)
		}
		// A record the registry does not hold ends at the error path.
		lost, err := n.eng.Start(ctx, workflow.StartRequest{Key: "sla", AgencyID: "adliya", Variables: map[string]any{"applicationId": "missing"}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the error path", func() bool { return state(t, n.eng, lost) == "completed" })
		if h, _ := n.eng.History(ctx, lost); !hasEntered(h, "refused") {
			t.Error("the error boundary was not taken")
		}

		id, err := n.eng.Start(ctx, workflow.StartRequest{Key: "sla", AgencyID: "adliya", Variables: map[string]any{"applicationId": "A-1"}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the review task", func() bool { return len(openTasks(t, n.eng, id)) == 1 })
		// Its due date is its first SLA timer's; it is overdue after.
		review := openTasks(t, n.eng, id)[0]
		if review.DueAt == nil || !review.DueAt.Equal(c.Now().Add(time.Hour)) || review.Overdue(c.Now()) || !review.Overdue(c.Now().Add(61*time.Minute)) {
			t.Errorf("due date of the review: %v", review.DueAt)
		}
		// After an hour the reminder goes out and the task stays.
		c.Advance(61 * time.Minute)
		n.queue.Nudge()
		eventually(t, "the reminder", func() bool { return len(reminders.runs) == 1 })
		if tasks := openTasks(t, n.eng, id); len(tasks) != 1 || tasks[0].ElementID != "review" {
			t.Fatalf("after the reminder: %+v", tasks)
		}
		// After two the task is taken away and goes to the supervisor.
		c.Advance(time.Hour)
		n.queue.Nudge()
		eventually(t, "the escalation", func() bool {
			tasks := openTasks(t, n.eng, id)
			return len(tasks) == 1 && tasks[0].ElementID == "supervise"
		})
		tk := openTasks(t, n.eng, id)[0]
		if err := n.eng.Complete(ctx, officer, tk.ID, nil); !apperr.Is(err, apperr.EFORBIDDEN) {
			t.Errorf("an officer completes the supervisor's task: %v", err)
		}
		boss := workflow.Actor{ID: "boss", Grants: []workflow.Grant{{Role: "supervisor", AgencyID: "adliya"}}}
		if err := n.eng.Complete(ctx, boss, tk.ID, nil); err != nil {
			t.Fatal(err)
		}
		// The instance waits for the citizen's documents, by its key.
		if _, err := n.eng.Correlate(ctx, "documents-supplied", "A-2", nil); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("a message for another application: %v", err)
		}
		got, err := n.eng.Correlate(ctx, "documents-supplied", "A-1", map[string]any{"documents": 2})
		if err != nil || got != id {
			t.Fatalf("correlate: %s %v", got, err)
		}
		if state(t, n.eng, id) != "completed" {
			t.Error("the message did not finish the instance")
		}
		if in, _ := n.eng.Instance(ctx, id); in.Variables["documents"] != float64(2) {
			t.Errorf("message variables: %v", in.Variables)
		}
		if d := reminders.twice(); len(d) > 0 {
			t.Error(d)
		}
	})
}

func hasEntered(h []workflow.HistoryEntry, element string) bool {
	for _, e := range h {
		if e.ElementID == element && e.Event == "entered" {
			return true
		}
	}
	return false
}

func TestMigrateAndCancel(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := startEngine(t, d, clock.System{}, "n1")
		n.eng.Register("work", (&counter{}).handler(nil))
		v1, err := n.eng.Deploy(ctx, "analyst", reference)
		if err != nil {
			t.Fatal(err)
		}
		waiting, err := n.eng.Start(ctx, workflow.StartRequest{Key: "reference", AgencyID: "adliya", Variables: map[string]any{"amount": 150}})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the task", func() bool { return len(openTasks(t, n.eng, waiting)) == 1 })
		// Version 2 renames the user task's element: instances waiting at
		// it cannot move; version 3 keeps it.
		v2, err := n.eng.Deploy(ctx, "analyst", []byte(strings.ReplaceAll(string(reference), `"approve"`, `"approve2"`)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := n.eng.Migrate(ctx, "operator", v1[0].ID, v2[0].ID)
		if err != nil || res.Migrated != 0 || res.Skipped[waiting] != "approve" {
			t.Fatalf("migrate to v2: %+v %v", res, err)
		}
		v3, err := n.eng.Deploy(ctx, "analyst", []byte(strings.ReplaceAll(string(reference), `name="Approve"`, `name="Approve (v3)"`)))
		if err != nil {
			t.Fatal(err)
		}
		if res, err = n.eng.Migrate(ctx, "operator", v1[0].ID, v3[0].ID); err != nil || res.Migrated != 1 {
			t.Fatalf("migrate to v3: %+v %v", res, err)
		}
		if in, _ := n.eng.Instance(ctx, waiting); in.Version != 3 {
			t.Errorf("instance on version %d after migration", in.Version)
		}
		// New instances start on the newest version.
		fresh, err := n.eng.Start(ctx, workflow.StartRequest{Key: "reference", AgencyID: "adliya", Variables: map[string]any{"amount": 150}})
		if err != nil {
			t.Fatal(err)
		}
		if in, _ := n.eng.Instance(ctx, fresh); in.Version != 3 {
			t.Errorf("new instance on version %d", in.Version)
		}
		tk := openTasks(t, n.eng, waiting)[0]
		if err := n.eng.Complete(ctx, officer, tk.ID, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the migrated instance to end", func() bool { return state(t, n.eng, waiting) == "completed" })
		// Cancelling closes the tasks; cancelling twice is a conflict.
		if err := n.eng.Cancel(ctx, "operator", fresh); err != nil {
			t.Fatal(err)
		}
		if err := n.eng.Cancel(ctx, "operator", fresh); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("cancel twice: %v", err)
		}
		if state(t, n.eng, fresh) != "cancelled" || len(openTasks(t, n.eng, fresh)) != 0 {
			t.Error("cancel left the instance or its task open")
		}
	})
}

func TestIncidentsAndRetry(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := startEngine(t, d, clock.System{}, "n1")
		var broken sync.Mutex
		fail := true
		n.eng.Register("work", func(context.Context, workflow.ServiceTask) (map[string]any, error) {
			broken.Lock()
			defer broken.Unlock()
			if fail {
				return nil, fmt.Errorf("registry unavailable")
			}
			return map[string]any{"amount": "many"}, nil
		})
		if _, err := n.eng.Deploy(ctx, "analyst", reference); err != nil {
			t.Fatal(err)
		}
		id, err := n.eng.Start(ctx, workflow.StartRequest{Key: "reference", AgencyID: "adliya", Variables: map[string]any{"amount": 5}})
		if err != nil {
			t.Fatal(err)
		}
		// Two failures use up the task's retries: an incident.
		var incidents []workflow.Incident
		eventually(t, "the incident", func() bool {
			incidents, _ = n.eng.Incidents(ctx, 10)
			return len(incidents) == 1
		})
		if incidents[0].ElementID != "a" || !strings.Contains(incidents[0].Message, "registry unavailable") {
			t.Errorf("incident: %+v", incidents[0])
		}
		broken.Lock()
		fail = false
		broken.Unlock()
		if err := n.eng.Retry(ctx, "operator", incidents[0].ID); err != nil {
			t.Fatal(err)
		}
		// The handler now sets amount to a string: the gateway's condition
		// fails at run time, which is an incident, not a silent choice.
		eventually(t, "the condition's incident", func() bool {
			incidents, _ = n.eng.Incidents(ctx, 10)
			return len(incidents) == 1 && incidents[0].ElementID == "big"
		})
		if state(t, n.eng, id) != "active" || len(openTasks(t, n.eng, id)) != 0 {
			t.Error("a failing condition moved the instance on")
		}
		if err := n.eng.Retry(ctx, "operator", incidents[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := n.eng.Retry(ctx, "operator", incidents[0].ID); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("retrying a resolved incident: %v", err)
		}
	})
}

// complaint starts on a message and reminds the officer twice, hourly.
var complaint = bpmnFile(`<bpmn:message id="Message_c" name="complaint-received" />
<bpmn:process id="complaint" isExecutable="true">
<bpmn:startEvent id="received"><bpmn:outgoing>f1</bpmn:outgoing><bpmn:messageEventDefinition messageRef="Message_c" /></bpmn:startEvent>
<bpmn:userTask id="answer" name="Answer"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="officer" /></bpmn:extensionElements>
<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
<bpmn:boundaryEvent id="hourly" cancelActivity="false" attachedToRef="answer"><bpmn:outgoing>f3</bpmn:outgoing>
  <bpmn:timerEventDefinition><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">R2/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>
` + task("remind", "notify.send", "f3", "f4") + `
<bpmn:endEvent id="reminded"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
<bpmn:endEvent id="answered"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
` + flow("f1", "received", "answer") + flow("f2", "answer", "answered") + flow("f3", "hourly", "remind") + flow("f4", "remind", "reminded") + `
</bpmn:process>`)

func TestMessageStartAndRepeatingReminder(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		n := startEngine(t, d, c, "n1")
		var reminders counter
		n.eng.Register("notify.send", reminders.handler(nil))
		if _, err := n.eng.Deploy(ctx, "analyst", complaint); err != nil {
			t.Fatal(err)
		}
		id, err := n.eng.Correlate(ctx, "complaint-received", "C-1", map[string]any{"text": "No water"})
		if err != nil {
			t.Fatal(err)
		}
		in, err := n.eng.Instance(ctx, id)
		if err != nil || in.BusinessKey != "C-1" || in.Variables["text"] != "No water" {
			t.Fatalf("message start: %+v %v", in, err)
		}
		if len(openTasks(t, n.eng, id)) != 1 {
			t.Fatal("no task after the message start")
		}
		count := func() int {
			reminders.mu.Lock()
			defer reminders.mu.Unlock()
			return len(reminders.runs)
		}
		for want := 1; want <= 3; want++ {
			c.Advance(61 * time.Minute)
			n.queue.Nudge()
			if want <= 2 {
				eventually(t, fmt.Sprintf("reminder %d", want), func() bool { return count() == want })
			} else {
				time.Sleep(200 * time.Millisecond)
				if count() != 2 {
					t.Errorf("R2 cycle fired %d times", count())
				}
			}
		}
		if _, err := n.eng.Correlate(ctx, "nobody-listens", "x", nil); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("an unknown message: %v", err)
		}
	})
}

func TestIncidentKeepsAHostileErrorMessage(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := startEngine(t, d, clock.System{}, "n1")
		// A handler's error with a NUL, an invalid byte and 3,000 bytes of
		// Cyrillic: what PostgreSQL refuses or a byte cut would break.
		n.eng.Register("work", func(context.Context, workflow.ServiceTask) (map[string]any, error) {
			return nil, fmt.Errorf("registry said \x00\xff %s", strings.Repeat("ж", 1500))
		})
		if _, err := n.eng.Deploy(ctx, "analyst", reference); err != nil {
			t.Fatal(err)
		}
		if _, err := n.eng.Start(ctx, workflow.StartRequest{Key: "reference", Variables: map[string]any{"amount": 1}}); err != nil {
			t.Fatal(err)
		}
		var incidents []workflow.Incident
		eventually(t, "the incident", func() bool {
			incidents, _ = n.eng.Incidents(ctx, 10)
			return len(incidents) == 1
		})
		if m := incidents[0].Message; !utf8.ValidString(m) || strings.ContainsRune(m, 0) || !strings.HasPrefix(m, "registry said") || len(m) > 2003 {
			t.Errorf("incident message: %d bytes %.40q", len(m), m)
		}
	})
}

// early waits for a citizen's documents after a service task, and lets an
// application be withdrawn while an officer reviews it.
var early = bpmnFile(`<bpmn:message id="Message_docs" name="documents-supplied"><bpmn:extensionElements><zeebe:subscription correlationKey="=applicationId" /></bpmn:extensionElements></bpmn:message>
<bpmn:message id="Message_withdrawn" name="application-withdrawn"><bpmn:extensionElements><zeebe:subscription correlationKey="=applicationId" /></bpmn:extensionElements></bpmn:message>
<bpmn:process id="early" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
` + task("check", "work", "f1", "f2") + `
<bpmn:intermediateCatchEvent id="docs"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
  <bpmn:messageEventDefinition messageRef="Message_docs" /></bpmn:intermediateCatchEvent>
<bpmn:userTask id="review" name="Review"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="officer" /></bpmn:extensionElements>
<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
<bpmn:boundaryEvent id="withdrawn" attachedToRef="review"><bpmn:outgoing>f5</bpmn:outgoing><bpmn:messageEventDefinition messageRef="Message_withdrawn" /></bpmn:boundaryEvent>
<bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
<bpmn:endEvent id="stopped"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
` + flow("f1", "start", "check") + flow("f2", "check", "docs") + flow("f3", "docs", "review") + flow("f4", "review", "end") + flow("f5", "withdrawn", "stopped") + `
</bpmn:process>`)

func TestMessagesKeptUntilAnInstanceWaits(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		n := startEngine(t, d, c, "n1")
		gate := make(chan struct{})
		n.eng.Register("work", func(context.Context, workflow.ServiceTask) (map[string]any, error) { <-gate; return nil, nil })
		if _, err := n.eng.Deploy(ctx, "analyst", early); err != nil {
			t.Fatal(err)
		}
		for _, m := range []workflow.Message{{Name: " ", TTL: time.Hour}, {Name: "documents-supplied", TTL: -time.Second},
			{Name: "documents-supplied", TTL: workflow.MaxMessageTTL + time.Second}} {
			if _, err := n.eng.Publish(ctx, m); !apperr.Is(err, apperr.EINVALID) {
				t.Errorf("publish %+v: %v", m, err)
			}
		}
		// Without a TTL nobody waiting is an error; with one the message
		// is kept.
		if _, err := n.eng.Correlate(ctx, "documents-supplied", "A-1", nil); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("correlate with nobody waiting: %v", err)
		}
		for _, m := range []workflow.Message{
			{Name: "documents-supplied", CorrelationKey: "A-1", Variables: map[string]any{"documents": 3}, TTL: time.Hour},
			{Name: "documents-supplied", CorrelationKey: "A-2", TTL: time.Minute},
			{Name: "application-withdrawn", CorrelationKey: "A-1", Variables: map[string]any{"reason": "moved abroad"}, TTL: time.Hour},
		} {
			if id, err := n.eng.Publish(ctx, m); err != nil || id != "" {
				t.Fatalf("publish %+v: %q %v", m, id, err)
			}
		}
		a1, err := n.eng.Start(ctx, workflow.StartRequest{Key: "early", AgencyID: "adliya", Variables: map[string]any{"applicationId": "A-1"}})
		if err != nil {
			t.Fatal(err)
		}
		a2, err := n.eng.Start(ctx, workflow.StartRequest{Key: "early", AgencyID: "adliya", Variables: map[string]any{"applicationId": "A-2"}})
		if err != nil {
			t.Fatal(err)
		}
		// A-2's message expires before its instance comes to wait.
		c.Advance(2 * time.Minute)
		close(gate)
		// A-1 takes its documents, reaches the review and is withdrawn at
		// once by the other kept message: the task is cancelled.
		eventually(t, "A-1 to end", func() bool { return state(t, n.eng, a1) == "completed" })
		in, _ := n.eng.Instance(ctx, a1)
		if in.Variables["documents"] != float64(3) || in.Variables["reason"] != "moved abroad" {
			t.Errorf("A-1 variables: %v", in.Variables)
		}
		if h, _ := n.eng.History(ctx, a1); !hasEntered(h, "stopped") || hasEntered(h, "end") {
			t.Errorf("A-1 did not stop at the withdrawal: %v", h)
		}
		var open int
		if err := d.Reader().QueryRow(`SELECT count(*) FROM workflow_tasks WHERE instance_id = $1 AND state = 'open'`, a1).Scan(&open); err != nil || open != 0 {
			t.Errorf("A-1 has %d open tasks (%v)", open, err)
		}
		eventually(t, "A-2 to wait for its documents", func() bool {
			active, _, err := n.eng.Positions(ctx, a2)
			return err == nil && active["docs"] == 1
		})
		// Each kept message was delivered once: nothing is left for A-1.
		var kept int
		if err := d.Reader().QueryRow(`SELECT count(*) FROM workflow_messages WHERE correlation_key = 'A-1'`).Scan(&kept); err != nil || kept != 0 {
			t.Errorf("%d messages for A-1 still kept (%v)", kept, err)
		}
		if id, err := n.eng.Correlate(ctx, "documents-supplied", "A-2", nil); err != nil || id != a2 {
			t.Errorf("A-2's documents now: %q %v", id, err)
		}
	})
}

// TestMessageRacingItsInstance publishes each message while its instance
// starts and comes to wait for it: whichever commits first, the message is
// delivered exactly once.
func TestMessageRacingItsInstance(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := startEngine(t, d, clock.System{}, "n1")
		waits := bpmnFile(`<bpmn:message id="M" name="documents-supplied"><bpmn:extensionElements><zeebe:subscription correlationKey="=applicationId" /></bpmn:extensionElements></bpmn:message>
<bpmn:process id="waits" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
<bpmn:intermediateCatchEvent id="docs"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:messageEventDefinition messageRef="M" /></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
` + flow("f1", "start", "docs") + flow("f2", "docs", "end") + `
</bpmn:process>`)
		if _, err := n.eng.Deploy(ctx, "analyst", waits); err != nil {
			t.Fatal(err)
		}
		const pairs = 30
		ids := make([]string, pairs)
		var wg sync.WaitGroup
		for i := range pairs {
			key := fmt.Sprintf("R-%d", i)
			wg.Add(2)
			go func() {
				defer wg.Done()
				id, err := n.eng.Start(ctx, workflow.StartRequest{Key: "waits", Variables: map[string]any{"applicationId": key}})
				if err != nil {
					t.Error(err)
				}
				ids[i] = id
			}()
			go func() {
				defer wg.Done()
				if _, err := n.eng.Publish(ctx, workflow.Message{Name: "documents-supplied", CorrelationKey: key, Variables: map[string]any{"n": i}, TTL: time.Hour}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for i, id := range ids {
			if s := state(t, n.eng, id); s != "completed" {
				t.Errorf("instance %d is %s", i, s)
			}
		}
		var kept int
		if err := d.Reader().QueryRow(`SELECT count(*) FROM workflow_messages`).Scan(&kept); err != nil || kept != 0 {
			t.Errorf("%d messages kept after every instance took its own (%v)", kept, err)
		}
	})
}

// TestStartOnce starts the same business key from two nodes at once, many
// times over: each key gets one instance, and every caller its ID.
func TestStartOnce(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.System{}
		a, b := startEngine(t, d, c, "a"), startEngine(t, d, c, "b")
		if _, err := a.eng.Deploy(ctx, "admin", reference); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			key := fmt.Sprintf("2026-%07d", i)
			ids := make([]string, 4)
			var wg sync.WaitGroup
			for j := range ids {
				eng := a.eng
				if j%2 == 1 {
					eng = b.eng
				}
				wg.Go(func() {
					id, err := eng.Start(ctx, workflow.StartRequest{Key: "reference", BusinessKey: key, Once: true,
						Variables: map[string]any{"amount": 1}})
					if err != nil {
						t.Error(err)
					}
					ids[j] = id
				})
			}
			wg.Wait()
			list, err := a.eng.Instances(ctx, workflow.InstanceFilter{BusinessKey: &key})
			if err != nil || len(list) != 1 {
				t.Fatalf("%s: %d instances, %v", key, len(list), err)
			}
			for _, id := range ids {
				if id != list[0].ID {
					t.Errorf("%s: a caller got %s, the instance is %s", key, id, list[0].ID)
				}
			}
		}
	})
}
