package bpmn_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/workflow/bpmn"
	"github.com/expr-lang/expr"
)

// parseFile parses a file of testdata, failing the test on any problem.
func parseFile(t *testing.T, name string) *bpmn.Definitions {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defs, err := bpmn.Parse(f)
	if err != nil {
		var pe *bpmn.ParseError
		if errors.As(err, &pe) {
			for _, p := range pe.Problems {
				t.Errorf("line %d (%s): %s %v", p.Line, p.ElementID, p.Message, p.Args)
			}
		}
		t.Fatalf("parse %s: %v", name, err)
	}
	return defs
}

// el returns the element id of p, failing the test when there is none.
func el(t *testing.T, p *bpmn.Process, id string) *bpmn.Element {
	t.Helper()
	e := p.Elements[id]
	if e == nil {
		t.Fatalf("no element %s", id)
	}
	return e
}

// ids are the IDs of elements.
func ids(list []*bpmn.Element) []string {
	var s []string
	for _, e := range list {
		s = append(s, e.ID)
	}
	return s
}

// flowIDs are the IDs of flows.
func flowIDs(list []*bpmn.Flow) []string {
	var s []string
	for _, f := range list {
		s = append(s, f.ID)
	}
	return s
}

// eq fails the test when got differs from want.
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// checkCommon checks what both test files share: the same graph, drawn the
// same way.
func checkCommon(t *testing.T, defs *bpmn.Definitions) *bpmn.Process {
	t.Helper()
	if len(defs.Processes) != 1 {
		t.Fatalf("%d processes, want 1", len(defs.Processes))
	}
	p := defs.Processes[0]
	eq(t, "process ID", p.ID, "certificate-application")
	eq(t, "process name", p.Name, "Certificate application")
	eq(t, "elements", len(p.Elements), 23)
	eq(t, "flows", len(p.Flows), 20)
	eq(t, "starts", ids(p.Starts), []string{"StartEvent_1"})

	kinds := map[string]bpmn.Kind{
		"StartEvent_1": bpmn.StartEvent, "Task_check": bpmn.ServiceTask, "Gateway_found": bpmn.ExclusiveGateway,
		"End_notfound": bpmn.EndEvent, "End_minor": bpmn.EndEvent, "Gateway_fork": bpmn.ParallelGateway,
		"Task_review": bpmn.UserTask, "Event_payment": bpmn.IntermediateCatchEvent, "Gateway_join": bpmn.ParallelGateway,
		"SubProcess_prepare": bpmn.SubProcess, "Start_sub": bpmn.StartEvent, "Task_prepare": bpmn.ServiceTask,
		"Gateway_valid": bpmn.ExclusiveGateway, "End_sub": bpmn.EndEvent, "End_sub_error": bpmn.EndEvent,
		"Call_issue": bpmn.CallActivity, "Event_cooling": bpmn.IntermediateCatchEvent, "End_done": bpmn.EndEvent,
		"Task_remind": bpmn.SendTask, "End_reminded": bpmn.EndEvent, "End_invalid": bpmn.EndEvent,
		"Event_invalid": bpmn.BoundaryEvent,
	}
	for id, k := range kinds {
		eq(t, id+" kind", el(t, p, id).Kind, k)
	}

	// Flows, with their ends.
	f1 := p.Flows["Flow_1"]
	if f1 == nil || f1.Source != el(t, p, "StartEvent_1") || f1.Target != el(t, p, "Task_check") {
		t.Errorf("Flow_1 = %+v, want StartEvent_1 → Task_check", f1)
	}
	gw := el(t, p, "Gateway_found")
	eq(t, "Gateway_found outgoing", flowIDs(gw.Outgoing), []string{"Flow_found", "Flow_minor", "Flow_notfound"})
	if gw.Default != p.Flows["Flow_notfound"] {
		t.Errorf("Gateway_found default = %v, want Flow_notfound", gw.Default)
	}
	eq(t, "Gateway_fork outgoing", flowIDs(el(t, p, "Gateway_fork").Outgoing), []string{"Flow_fork_a", "Flow_fork_b"})
	eq(t, "Gateway_join incoming", flowIDs(el(t, p, "Gateway_join").Incoming), []string{"Flow_review_done", "Flow_paid"})

	// Conditions compile and decide as the modeller meant.
	for _, c := range []struct {
		flow string
		vars map[string]any
		want bool
	}{
		{"Flow_found", map[string]any{"found": true, "age": 30}, true},
		{"Flow_found", map[string]any{"found": true, "age": 15}, false},
		{"Flow_found", map[string]any{"found": false, "age": 30}, false},
		{"Flow_minor", map[string]any{"found": true, "age": 15}, true},
		{"Flow_minor", map[string]any{"found": true, "age": 18}, false},
		{"Flow_sub_fail", map[string]any{"valid": false}, true},
		{"Flow_sub_fail", map[string]any{"valid": true}, false},
	} {
		f := p.Flows[c.flow]
		if f.Program == nil {
			t.Errorf("%s: no program for %q", c.flow, f.Condition)
			continue
		}
		got, err := expr.Run(f.Program, c.vars)
		if err != nil || got != c.want {
			t.Errorf("%s (%q) over %v = %v, %v; want %v", c.flow, f.Condition, c.vars, got, err, c.want)
		}
	}
	if f := p.Flows["Flow_notfound"]; f.Condition != "" || f.Program != nil {
		t.Errorf("Flow_notfound has condition %q", f.Condition)
	}

	// The user task and its non-interrupting timer.
	review := el(t, p, "Task_review")
	eq(t, "candidate groups", review.CandidateGroups, []string{"officer", "supervisor"})
	if len(review.Boundaries) != 1 {
		t.Fatalf("Task_review boundaries = %v, want one timer", ids(review.Boundaries))
	}
	remind := review.Boundaries[0]
	eq(t, "remind kind", remind.Kind, bpmn.BoundaryEvent)
	eq(t, "remind trigger", remind.Trigger, bpmn.Timer)
	eq(t, "remind interrupting", remind.Interrupting, false)
	if remind.AttachedTo != review {
		t.Errorf("remind attached to %v", remind.AttachedTo)
	}
	eq(t, "remind timer", *remind.Timer, bpmn.TimerDef{Kind: bpmn.TimeDuration, Expr: "P2D", WorkingDays: true})
	eq(t, "remind outgoing", flowIDs(remind.Outgoing), []string{"Flow_remind"})
	eq(t, "Task_remind type", el(t, p, "Task_remind").TaskType, "notify-reminder")

	// The message catch.
	pay := el(t, p, "Event_payment")
	eq(t, "payment trigger", pay.Trigger, bpmn.Message)
	eq(t, "payment message", pay.MessageName, "payment-received")

	// The sub-process, its error end and the error boundary.
	sub := el(t, p, "SubProcess_prepare")
	eq(t, "sub-process children", ids(sub.Children), []string{"Start_sub", "Task_prepare", "Gateway_valid", "End_sub", "End_sub_error"})
	eq(t, "sub-process starts", ids(sub.Starts), []string{"Start_sub"})
	if el(t, p, "Task_prepare").Parent != sub || el(t, p, "Task_check").Parent != nil {
		t.Error("wrong parents")
	}
	eq(t, "Task_prepare type", el(t, p, "Task_prepare").TaskType, "prepare-certificate")
	eq(t, "Gateway_valid default", el(t, p, "Gateway_valid").Default.ID, "Flow_sub_ok")
	subErr := el(t, p, "End_sub_error")
	eq(t, "error end trigger", subErr.Trigger, bpmn.Error)
	eq(t, "error end code", subErr.ErrorCode, "DOCUMENT_INVALID")
	inv := el(t, p, "Event_invalid")
	eq(t, "error boundary", []any{inv.Trigger, inv.ErrorCode, inv.Interrupting, inv.AttachedTo}, []any{bpmn.Error, "DOCUMENT_INVALID", true, sub})
	eq(t, "sub-process boundaries", ids(sub.Boundaries), []string{"Event_invalid"})
	eq(t, "terminate", el(t, p, "End_invalid").Trigger, bpmn.Terminate)
	eq(t, "none end", el(t, p, "End_done").Trigger, bpmn.None)

	// The call activity.
	eq(t, "called process", el(t, p, "Call_issue").CalledProcess, "issue-certificate")

	// Lines point into the file.
	eq(t, "StartEvent_1 line", el(t, p, "StartEvent_1").Line > 2, true)
	if el(t, p, "Task_check").Line <= el(t, p, "StartEvent_1").Line {
		t.Error("lines are not in file order")
	}

	// The drawing: every element and flow, with bounds and waypoints.
	shapes := map[string]bpmn.Shape{}
	for _, s := range defs.Diagram.Shapes {
		shapes[s.ElementID] = s
	}
	edges := map[string]bpmn.Edge{}
	for _, e := range defs.Diagram.Edges {
		edges[e.ElementID] = e
	}
	for id := range p.Elements {
		if _, ok := shapes[id]; !ok {
			t.Errorf("no shape for %s", id)
		}
	}
	for id := range p.Flows {
		if _, ok := edges[id]; !ok {
			t.Errorf("no edge for %s", id)
		}
	}
	s := shapes["Task_check"]
	eq(t, "Task_check shape", []float64{s.X, s.Y, s.W, s.H}, []float64{240, 260, 100, 80})
	if s.Label != nil || s.Expanded {
		t.Errorf("Task_check shape = %+v, want no label, not expanded", s)
	}
	eq(t, "start label", shapes["StartEvent_1"].Label, &bpmn.Bounds{X: 134, Y: 325, W: 73, H: 27})
	eq(t, "sub-process expanded", shapes["SubProcess_prepare"].Expanded, true)
	eq(t, "sub-process shape", shapes["SubProcess_prepare"].W, 400.0)
	eq(t, "Flow_fork_a waypoints", edges["Flow_fork_a"].Waypoints, []bpmn.Point{{X: 530, Y: 275}, {X: 530, Y: 200}, {X: 610, Y: 200}})
	eq(t, "Flow_found label", edges["Flow_found"].Label, &bpmn.Bounds{X: 463, Y: 282, W: 25, H: 14})
	if edges["Flow_1"].Label != nil {
		t.Error("Flow_1 has a label")
	}
	eq(t, "annotation shape", shapes["TextAnnotation_1"].W, 120.0)
	return p
}

// mapping finds the mapping to target and evaluates its source over vars.
func mapping(t *testing.T, list []bpmn.Mapping, target string, vars map[string]any) (string, any) {
	t.Helper()
	for _, m := range list {
		if m.Target == target {
			if m.Program == nil {
				t.Fatalf("mapping to %s: no program", target)
			}
			v, err := expr.Run(m.Program, vars)
			if err != nil {
				t.Fatalf("mapping to %s (%q): %v", target, m.Source, err)
			}
			return m.Source, v
		}
	}
	t.Fatalf("no mapping to %s in %+v", target, list)
	return "", nil
}

func TestParseCamunda8(t *testing.T) {
	defs := parseFile(t, "certificate_c8.bpmn")
	p := checkCommon(t, defs)

	check := el(t, p, "Task_check")
	eq(t, "task type", check.TaskType, "registry-check")
	eq(t, "retries", check.Retries, 5)
	eq(t, "task headers", check.Headers, map[string]string{"service": "UZ/GOV/200000001/civil-registry/births", "path": "/{pinfl}", "timeout": "PT30S"})
	vars := map[string]any{"applicant": map[string]any{"pinfl": "31234567890123"}, "result": map[string]any{"found": true, "age": 40}}
	src, v := mapping(t, check.Inputs, "pinfl", vars)
	eq(t, "pinfl input", []any{src, v}, []any{"applicant.pinfl", any("31234567890123")})
	src, v = mapping(t, check.Inputs, "registry", vars)
	eq(t, "constant input", []any{src, v}, []any{`"civil-registry"`, any("civil-registry")})
	_, v = mapping(t, check.Outputs, "found", vars)
	eq(t, "found output", v, any(true))
	eq(t, "outputs", len(check.Outputs), 2)

	review := el(t, p, "Task_review")
	eq(t, "assignee", review.Assignee, "=initiator")
	eq(t, "due date", review.DueDate, "P3D")
	eq(t, "form key", review.FormKey, "camunda-forms:bpmn:userTaskForm_review")
	eq(t, "remind ID", review.Boundaries[0].ID, "Event_remind_wd")
	_, v = mapping(t, review.Outputs, "reviewDecision", map[string]any{"decision": "approve"})
	eq(t, "review output", v, any("approve"))

	eq(t, "correlation key", el(t, p, "Event_payment").CorrelationKey, "applicationId")

	call := el(t, p, "Call_issue")
	_, v = mapping(t, call.Inputs, "pinfl", vars)
	eq(t, "call input", v, any("31234567890123"))
	eq(t, "call outputs", len(call.Outputs), 1)

	// P5WD is five working days, stored as P5D.
	eq(t, "cooling timer", *el(t, p, "Event_cooling").Timer, bpmn.TimerDef{Kind: bpmn.TimeDuration, Expr: "P5D", WorkingDays: true})

	eq(t, "shapes", len(defs.Diagram.Shapes), 24)
	eq(t, "edges", len(defs.Diagram.Edges), 21)
}

func TestParseCamunda7(t *testing.T) {
	defs := parseFile(t, "certificate_c7.bpmn")
	p := checkCommon(t, defs)

	check := el(t, p, "Task_check")
	eq(t, "external task topic", check.TaskType, "registry-check")
	eq(t, "retries", check.Retries, 0)
	eq(t, "properties", check.Headers, map[string]string{"service": "UZ/GOV/200000001/civil-registry/births"})
	vars := map[string]any{"applicant": map[string]any{"pinfl": "31234567890123"}, "result": map[string]any{"found": true, "age": 40}}
	src, v := mapping(t, check.Inputs, "pinfl", vars)
	eq(t, "pinfl input", []any{src, v}, []any{"applicant.pinfl", any("31234567890123")})
	src, v = mapping(t, check.Inputs, "registry", vars)
	eq(t, "constant input", []any{src, v}, []any{`"civil-registry"`, any("civil-registry")})
	_, v = mapping(t, check.Outputs, "age", vars)
	eq(t, "age output", v, any(40))

	review := el(t, p, "Task_review")
	eq(t, "assignee in the Camunda 8 form", review.Assignee, "=initiator")
	eq(t, "due date keeps its working-days marker", review.DueDate, "P3WD")
	eq(t, "form key", review.FormKey, "embedded:app:forms/review.html")
	// Working days because the name says so.
	remind := review.Boundaries[0]
	eq(t, "remind", []any{remind.ID, remind.Name}, []any{"Event_remind", "Remind (working days)"})

	eq(t, "no correlation key in Camunda 7", el(t, p, "Event_payment").CorrelationKey, "")

	call := el(t, p, "Call_issue")
	eq(t, "call inputs (business key skipped)", len(call.Inputs), 1)
	src, v = mapping(t, call.Inputs, "pinfl", vars)
	eq(t, "call input", []any{src, v}, []any{"applicant.pinfl", any("31234567890123")})
	src, v = mapping(t, call.Outputs, "certificateNo", map[string]any{"certificateNo": "A-17"})
	eq(t, "call output", []any{src, v}, []any{"certificateNo", any("A-17")})

	eq(t, "date timer", *el(t, p, "Event_cooling").Timer, bpmn.TimerDef{Kind: bpmn.TimeDate, Expr: "2026-01-05T09:00:00+05:00"})

	// Pools, lanes and the message flow are drawn too.
	eq(t, "shapes", len(defs.Diagram.Shapes), 28)
	eq(t, "edges", len(defs.Diagram.Edges), 22)
	eq(t, "first shape", defs.Diagram.Shapes[0].ElementID, "Participant_office")
}

// TestSameGraph checks that both flavours of the file give the same graph.
func TestSameGraph(t *testing.T) {
	a := parseFile(t, "certificate_c8.bpmn").Processes[0]
	b := parseFile(t, "certificate_c7.bpmn").Processes[0]
	rename := func(id string) string { return strings.TrimSuffix(id, "_wd") }
	for id, ea := range a.Elements {
		eb := b.Elements[rename(id)]
		if eb == nil {
			t.Errorf("Camunda 7 file lacks %s", id)
			continue
		}
		var ta, tb []string
		for _, f := range ea.Outgoing {
			ta = append(ta, rename(f.Target.ID))
		}
		for _, f := range eb.Outgoing {
			tb = append(tb, f.Target.ID)
		}
		if ea.Kind != eb.Kind || ea.Trigger != eb.Trigger || !slices.Equal(ta, tb) {
			t.Errorf("%s: %s %s → %v in Camunda 8, %s %s → %v in Camunda 7", id, ea.Kind, ea.Trigger, ta, eb.Kind, eb.Trigger, tb)
		}
	}
}

// header opens a test file: a definitions element with the namespaces of
// both Camunda flavours. The lines of the snippets below start at 3.
const header = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
`

// file wraps the body of an executable process, and what follows it at the
// top level, into a BPMN file.
func file(body string, after ...string) string {
	return header + `<bpmn:process id="p" isExecutable="true">
` + body + `
</bpmn:process>
` + strings.Join(after, "\n") + `
</bpmn:definitions>
`
}

// around puts x between a start and an end event: Start → X → End.
func around(x string) string {
	return `<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="X" />
` + x + `
<bpmn:sequenceFlow id="f2" sourceRef="X" targetRef="End" />
<bpmn:endEvent id="End" />`
}

// want is a problem expected in a file: its message, element ID, the text
// on its line (the first line containing it; "" for line 0) and, if not
// nil, its Args.
type want struct {
	msg, id, on string
	args        []any
}

// lineOf is the first line of src that contains s, from 1.
func lineOf(t *testing.T, src, s string) int {
	t.Helper()
	if s == "" {
		return 0
	}
	i := strings.Index(src, s)
	if i < 0 {
		t.Fatalf("%q is not in the file", s)
	}
	return strings.Count(src[:i], "\n") + 1
}

// expectProblems parses src and checks that it is refused with exactly
// the problems wanted, in order.
func expectProblems(t *testing.T, src string, wants ...want) {
	t.Helper()
	defs, err := bpmn.ParseBytes([]byte(src))
	if err == nil {
		t.Fatalf("parsed %d processes, want problems %v", len(defs.Processes), wants)
	}
	var pe *bpmn.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %T %v is not a *ParseError", err, err)
	}
	if !apperr.Is(err, apperr.EINVALID) || apperr.As(err).Message != bpmn.MsgInvalid {
		t.Errorf("error %v is not an EINVALID %s", err, bpmn.MsgInvalid)
	}
	var got, exp []string
	for _, p := range pe.Problems {
		got = append(got, fmt.Sprintf("line %d (%s): %s %v", p.Line, p.ElementID, p.Message, p.Args))
	}
	for i, w := range wants {
		args := "…"
		if w.args != nil {
			args = fmt.Sprint(w.args)
		} else if i < len(pe.Problems) {
			args = fmt.Sprint(pe.Problems[i].Args)
		}
		exp = append(exp, fmt.Sprintf("line %d (%s): %s %s", lineOf(t, src, w.on), w.id, w.msg, args))
	}
	if testing.Verbose() {
		t.Log(strings.Join(got, "\n"))
	}
	if !slices.Equal(got, exp) {
		t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(exp, "\n  "))
	}
}

func TestUnsupported(t *testing.T) {
	task := func(tag string) string { return `<bpmn:` + tag + ` id="X" />` }
	unsupported := func(what string) want { return want{bpmn.MsgUnsupported, "X", `id="X"`, []any{what}} }
	for _, c := range []struct {
		name, body string
		want       []want
	}{
		{"task", around(task("task")), []want{unsupported("task")}},
		{"manualTask", around(task("manualTask")), []want{unsupported("manualTask")}},
		{"scriptTask", around(task("scriptTask")), []want{unsupported("scriptTask")}},
		{"businessRuleTask", around(task("businessRuleTask")), []want{unsupported("businessRuleTask")}},
		{"receiveTask", around(task("receiveTask")), []want{unsupported("receiveTask")}},
		{"complexGateway", around(task("complexGateway")), []want{unsupported("complexGateway")}},
		{"eventBasedGateway", around(task("eventBasedGateway")), []want{unsupported("eventBasedGateway")}},
		{"transaction", around(task("transaction")), []want{unsupported("transaction")}},
		{"adHocSubProcess", around(task("adHocSubProcess")), []want{unsupported("adHocSubProcess")}},
		{"message throw", around(`<bpmn:intermediateThrowEvent id="X">
<bpmn:messageEventDefinition id="md" messageRef="m" />
</bpmn:intermediateThrowEvent>`), []want{unsupported("intermediateThrowEvent")}},
		{"none catch", around(`<bpmn:intermediateCatchEvent id="X" />`), []want{unsupported("intermediateCatchEvent")}},
		{"signal catch", around(`<bpmn:intermediateCatchEvent id="X">
<bpmn:signalEventDefinition id="sd" />
</bpmn:intermediateCatchEvent>`), []want{{bpmn.MsgUnsupported, "X", `id="sd"`, []any{"intermediateCatchEvent signalEventDefinition"}}}},
		{"conditional catch", around(`<bpmn:intermediateCatchEvent id="X">
<bpmn:conditionalEventDefinition id="cd"><bpmn:condition xsi:type="bpmn:tFormalExpression">=a</bpmn:condition></bpmn:conditionalEventDefinition>
</bpmn:intermediateCatchEvent>`), []want{{bpmn.MsgUnsupported, "X", `id="cd"`, []any{"intermediateCatchEvent conditionalEventDefinition"}}}},
		{"link catch", around(`<bpmn:intermediateCatchEvent id="X">
<bpmn:linkEventDefinition id="ld" name="a" />
</bpmn:intermediateCatchEvent>`), []want{{bpmn.MsgUnsupported, "X", `id="ld"`, []any{"intermediateCatchEvent linkEventDefinition"}}}},
		{"multi-instance", around(`<bpmn:userTask id="X">
<bpmn:multiInstanceLoopCharacteristics id="mi" isSequential="true" />
</bpmn:userTask>`), []want{{bpmn.MsgUnsupported, "X", `id="mi"`, []any{"multiInstanceLoopCharacteristics"}}}},
		{"loop", around(`<bpmn:serviceTask id="X">
<bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements>
<bpmn:standardLoopCharacteristics id="lc" />
</bpmn:serviceTask>`), []want{{bpmn.MsgUnsupported, "X", `id="lc"`, []any{"standardLoopCharacteristics"}}}},
		{"Java class", around(`<bpmn:serviceTask id="X" camunda:class="uz.egov.Check" />`), []want{unsupported("camunda:class")}},
		{"expression", around(`<bpmn:serviceTask id="X" camunda:expression="${check.run()}" />`), []want{unsupported("camunda:expression")}},
		{"delegate expression", around(`<bpmn:sendTask id="X" camunda:delegateExpression="${mailer}" />`), []want{unsupported("camunda:delegateExpression")}},
		{"connector", around(`<bpmn:serviceTask id="X">
<bpmn:extensionElements>
<camunda:connector id="cn"><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>
</bpmn:extensionElements>
</bpmn:serviceTask>`), []want{{bpmn.MsgUnsupported, "X", `id="cn"`, []any{"camunda:connector"}}}},
		{"timer start", `<bpmn:startEvent id="S0">
<bpmn:timerEventDefinition id="td"><bpmn:timeCycle>R/P1D</bpmn:timeCycle></bpmn:timerEventDefinition>
</bpmn:startEvent>
<bpmn:startEvent id="Start" />`, []want{{bpmn.MsgUnsupported, "S0", `id="td"`, []any{"startEvent timerEventDefinition"}}}},
		{"message end", `<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="E" />
<bpmn:endEvent id="E">
<bpmn:messageEventDefinition id="md" />
</bpmn:endEvent>`, []want{{bpmn.MsgUnsupported, "E", `id="md"`, []any{"endEvent messageEventDefinition"}}}},
		{"escalation end", `<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="E" />
<bpmn:endEvent id="E">
<bpmn:escalationEventDefinition id="ed" />
</bpmn:endEvent>`, []want{{bpmn.MsgUnsupported, "E", `id="ed"`, []any{"endEvent escalationEventDefinition"}}}},
		{"signal and compensation boundaries", around(`<bpmn:userTask id="X" />
<bpmn:boundaryEvent id="B1" attachedToRef="X">
<bpmn:signalEventDefinition id="sd" />
</bpmn:boundaryEvent>
<bpmn:boundaryEvent id="B2" attachedToRef="X">
<bpmn:compensateEventDefinition id="cd" />
</bpmn:boundaryEvent>`), []want{
			{bpmn.MsgUnsupported, "B1", `id="sd"`, []any{"boundaryEvent signalEventDefinition"}},
			{bpmn.MsgUnsupported, "B2", `id="cd"`, []any{"boundaryEvent compensateEventDefinition"}},
		}},
		{"event sub-process", around(`<bpmn:userTask id="X" />
<bpmn:subProcess id="ES" triggeredByEvent="true">
<bpmn:startEvent id="ES_start"><bpmn:messageEventDefinition id="md" messageRef="nowhere" /></bpmn:startEvent>
</bpmn:subProcess>`), []want{{bpmn.MsgUnsupported, "ES", `id="ES"`, []any{"event subProcess"}}}},
		{"message start in sub-process", around(`<bpmn:subProcess id="X">
<bpmn:startEvent id="SS"><bpmn:messageEventDefinition id="md" messageRef="m" /></bpmn:startEvent>
<bpmn:startEvent id="SN" />
</bpmn:subProcess>`), []want{{bpmn.MsgUnsupported, "SS", `id="md"`, []any{"subProcess startEvent messageEventDefinition"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			expectProblems(t, file(c.body, `<bpmn:message id="m" name="m" />`), c.want...)
		})
	}
}

// TestThreeUnsupported checks that every problem is listed, not only the
// first.
func TestThreeUnsupported(t *testing.T) {
	src := file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Manual" />
<bpmn:manualTask id="Manual" name="Sign on paper" />
<bpmn:sequenceFlow id="f2" sourceRef="Manual" targetRef="Script" />
<bpmn:scriptTask id="Script" scriptFormat="groovy">
  <bpmn:script>println "hi"</bpmn:script>
</bpmn:scriptTask>
<bpmn:sequenceFlow id="f3" sourceRef="Script" targetRef="Rule" />
<bpmn:businessRuleTask id="Rule" camunda:decisionRef="fee" />
<bpmn:sequenceFlow id="f4" sourceRef="Rule" targetRef="End" />
<bpmn:endEvent id="End" />`)
	expectProblems(t, src,
		want{bpmn.MsgUnsupported, "Manual", `id="Manual"`, []any{"manualTask"}},
		want{bpmn.MsgUnsupported, "Script", `id="Script"`, []any{"scriptTask"}},
		want{bpmn.MsgUnsupported, "Rule", `id="Rule"`, []any{"businessRuleTask"}},
	)
	// The generic error lists them too, in file order.
	e := apperr.As(func() error { _, err := bpmn.ParseBytes([]byte(src)); return err }())
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range e.Fields {
			if !yield(k) {
				return
			}
		}
	})
	l := lineOf(t, src, `id="Manual"`)
	eq(t, "field keys", keys, []string{
		fmt.Sprintf("line %02d (Manual): manualTask", l),
		fmt.Sprintf("line %02d (Script): scriptTask", l+2),
		fmt.Sprintf("line %02d (Rule): businessRuleTask", l+6),
	})
	for _, v := range e.Fields {
		eq(t, "field message", v, bpmn.MsgUnsupported)
	}
}

func TestProblems(t *testing.T) {
	for _, c := range []struct {
		name string
		src  string
		want []want
	}{
		{"no executable process", header + `<bpmn:process id="a" isExecutable="false"><bpmn:startEvent id="s1" /></bpmn:process>
<bpmn:process id="b"><bpmn:startEvent id="s2" /></bpmn:process>
</bpmn:definitions>`, []want{{bpmn.MsgNoProcess, "", "<bpmn:definitions", []any{}}}},
		{"no start", file(`<bpmn:userTask id="X" />`), []want{{bpmn.MsgNoStart, "p", `<bpmn:process`, []any{}}}},
		{"two none starts", file(`<bpmn:startEvent id="S1" />
<bpmn:startEvent id="S2" />`), []want{{bpmn.MsgManyStarts, "S2", `id="S2"`, []any{}}}},
		{"message start alone is fine but needs a message name", file(`<bpmn:startEvent id="S1">
<bpmn:messageEventDefinition id="md" messageRef="m" />
</bpmn:startEvent>`, `<bpmn:message id="m" />`), []want{{bpmn.MsgNoMessage, "S1", `id="S1"`, []any{}}}},
		{"sub-process without start", file(around(`<bpmn:subProcess id="X">
<bpmn:userTask id="Inner" />
</bpmn:subProcess>`)), []want{{bpmn.MsgNoStart, "X", `id="X"`, []any{}}}},
		{"unknown references", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Nowhere" />
<bpmn:sequenceFlow id="f2" sourceRef="Ghost" targetRef="Start2" />`), []want{
			{bpmn.MsgUnknownRef, "f1", `id="f1"`, []any{`targetRef="Nowhere"`}},
			{bpmn.MsgUnknownRef, "f2", `id="f2"`, []any{`sourceRef="Ghost"`}},
			{bpmn.MsgUnknownRef, "f2", `id="f2"`, []any{`targetRef="Start2"`}},
		}},
		{"unreachable", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="End" />
<bpmn:endEvent id="End" />
<bpmn:userTask id="Lonely" />
<bpmn:subProcess id="Sub">
<bpmn:startEvent id="SubStart" />
<bpmn:userTask id="SubLonely" />
</bpmn:subProcess>`), []want{
			{bpmn.MsgUnreachable, "Lonely", `id="Lonely"`, []any{}},
			{bpmn.MsgUnreachable, "Sub", `id="Sub"`, []any{}},
		}},
		{"unreachable inside a sub-process", file(around(`<bpmn:subProcess id="X">
<bpmn:startEvent id="SubStart" />
<bpmn:userTask id="SubLonely" />
</bpmn:subProcess>`)), []want{{bpmn.MsgUnreachable, "SubLonely", `id="SubLonely"`, []any{}}}},
		{"gateway flow without condition", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="G" />
<bpmn:exclusiveGateway id="G" />
<bpmn:sequenceFlow id="yes" sourceRef="G" targetRef="E1">
<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=ok</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="no" sourceRef="G" targetRef="E2" />
<bpmn:endEvent id="E1" />
<bpmn:endEvent id="E2" />`), []want{{bpmn.MsgGatewayFlow, "no", `id="no"`, []any{"G"}}}},
		{"inclusive gateway flow without condition", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="G" />
<bpmn:inclusiveGateway id="G" />
<bpmn:sequenceFlow id="a" sourceRef="G" targetRef="E1" />
<bpmn:sequenceFlow id="b" sourceRef="G" targetRef="E2" />
<bpmn:endEvent id="E1" />
<bpmn:endEvent id="E2" />`), []want{
			{bpmn.MsgGatewayFlow, "a", `id="a"`, []any{"G"}},
			{bpmn.MsgGatewayFlow, "b", `id="b"`, []any{"G"}},
		}},
		{"default that is not outgoing", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="G" />
<bpmn:exclusiveGateway id="G" default="f1" />
<bpmn:sequenceFlow id="f2" sourceRef="G" targetRef="E" />
<bpmn:endEvent id="E" />`), []want{{bpmn.MsgDefaultFlow, "G", `id="G"`, []any{`default="f1"`}}}},
		{"conditions that do not compile", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="G" />
<bpmn:exclusiveGateway id="G" default="f4" />
<bpmn:sequenceFlow id="f2" sourceRef="G" targetRef="E">
<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=amount &gt;</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f3" sourceRef="G" targetRef="E">
<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${1 + 2}</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f4" sourceRef="G" targetRef="E" />
<bpmn:sequenceFlow id="f5" sourceRef="G" targetRef="E">
<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">amount &gt; 1</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:endEvent id="E" />`), []want{
			{bpmn.MsgCondition, "f2", `=amount &gt;`, nil},
			{bpmn.MsgCondition, "f3", `${1 + 2}`, nil},
			{bpmn.MsgCondition, "f5", `language="javascript"`, []any{"language=javascript: scripts are not supported"}},
		}},
		{"malformed timers", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="T1" />
<bpmn:intermediateCatchEvent id="T1"><bpmn:timerEventDefinition>
<bpmn:timeDuration>P5X</bpmn:timeDuration>
</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="T1" targetRef="T2" />
<bpmn:intermediateCatchEvent id="T2"><bpmn:timerEventDefinition>
<bpmn:timeDate>2025-13-01T09:00:00Z</bpmn:timeDate>
</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f3" sourceRef="T2" targetRef="T3" />
<bpmn:intermediateCatchEvent id="T3"><bpmn:timerEventDefinition>
<bpmn:timeCycle>R3-PT10M</bpmn:timeCycle>
</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f4" sourceRef="T3" targetRef="T4" />
<bpmn:intermediateCatchEvent id="T4"><bpmn:timerEventDefinition id="empty" /></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f5" sourceRef="T4" targetRef="T5" />
<bpmn:intermediateCatchEvent id="T5"><bpmn:timerEventDefinition>
<bpmn:timeDuration>=duration("P1D")</bpmn:timeDuration>
</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`), []want{
			{bpmn.MsgTimer, "T1", `P5X`, nil},
			{bpmn.MsgTimer, "T2", `2025-13-01`, nil},
			{bpmn.MsgTimer, "T3", `R3-PT10M`, nil},
			{bpmn.MsgTimer, "T4", `id="empty"`, []any{}},
			{bpmn.MsgTimer, "T5", `=duration`, nil},
		}},
		{"message events without message", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="M1" />
<bpmn:intermediateCatchEvent id="M1"><bpmn:messageEventDefinition id="md1" /></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="M1" targetRef="M2" />
<bpmn:intermediateCatchEvent id="M2"><bpmn:messageEventDefinition id="md2" messageRef="nameless" /></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f3" sourceRef="M2" targetRef="M3" />
<bpmn:intermediateCatchEvent id="M3"><bpmn:messageEventDefinition id="md3" messageRef="missing" /></bpmn:intermediateCatchEvent>`,
			`<bpmn:message id="nameless" />`), []want{
			{bpmn.MsgNoMessage, "M1", `id="M1"`, []any{}},
			{bpmn.MsgNoMessage, "M2", `id="M2"`, []any{}},
			{bpmn.MsgUnknownRef, "M3", `id="M3"`, []any{`messageRef="missing"`}},
		}},
		{"bad correlation key", file(around(`<bpmn:intermediateCatchEvent id="X"><bpmn:messageEventDefinition messageRef="m" /></bpmn:intermediateCatchEvent>`),
			`<bpmn:message id="m" name="m">
<bpmn:extensionElements><zeebe:subscription correlationKey="=applicationId +" /></bpmn:extensionElements>
</bpmn:message>`), []want{{bpmn.MsgExpression, "m", `<zeebe:subscription`, nil}}},
		{"service and send tasks without type", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="S1" />
<bpmn:serviceTask id="S1" />
<bpmn:sequenceFlow id="f2" sourceRef="S1" targetRef="S2" />
<bpmn:sendTask id="S2" camunda:type="external" />
<bpmn:sequenceFlow id="f3" sourceRef="S2" targetRef="S3" />
<bpmn:serviceTask id="S3"><bpmn:extensionElements><zeebe:taskDefinition type=" " retries="many" /></bpmn:extensionElements></bpmn:serviceTask>`), []want{
			{bpmn.MsgNoTaskType, "S1", `id="S1"`, []any{}},
			{bpmn.MsgNoTaskType, "S2", `id="S2"`, []any{}},
			{bpmn.MsgRetries, "S3", `id="S3"`, []any{"many"}},
			{bpmn.MsgNoTaskType, "S3", `id="S3"`, []any{}},
		}},
		{"call activity without called process", file(around(`<bpmn:callActivity id="X" />`)), []want{{bpmn.MsgNoCalled, "X", `id="X"`, []any{}}}},
		{"boundary events not on an activity", file(around(`<bpmn:exclusiveGateway id="X" />
<bpmn:boundaryEvent id="B1" attachedToRef="X"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="B2" attachedToRef="Y"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>`)), []want{
			{bpmn.MsgBoundaryTarget, "B1", `id="B1"`, []any{`attachedToRef="X"`}},
			{bpmn.MsgUnknownRef, "B2", `id="B2"`, []any{`attachedToRef="Y"`}},
		}},
		{"duplicate IDs", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="End" />
<bpmn:endEvent id="End" />
<bpmn:endEvent id="Start" />`), []want{
			{bpmn.MsgDuplicateID, "Start", `<bpmn:endEvent id="Start"`, []any{}},
		}},
		{"flow across a sub-process border and into a start event", file(around(`<bpmn:subProcess id="X">
<bpmn:startEvent id="SubStart" />
<bpmn:sequenceFlow id="in" sourceRef="SubStart" targetRef="End" />
</bpmn:subProcess>
<bpmn:sequenceFlow id="back" sourceRef="End" targetRef="Start" />`)), []want{
			{bpmn.MsgFlowScope, "in", `id="in"`, []any{}},
			{bpmn.MsgFlowDirection, "back", `id="back"`, []any{}},
		}},
		{"error end without code", file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="E1" />
<bpmn:endEvent id="E1"><bpmn:errorEventDefinition /></bpmn:endEvent>
<bpmn:startEvent id="S2"><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
<bpmn:sequenceFlow id="f2" sourceRef="S2" targetRef="E2" />
<bpmn:endEvent id="E2"><bpmn:errorEventDefinition errorRef="codeless" /></bpmn:endEvent>`,
			`<bpmn:error id="codeless" name="No code" />`, `<bpmn:message id="m" name="m" />`), []want{
			{bpmn.MsgNoErrorCode, "E1", `id="E1"`, []any{}},
			{bpmn.MsgNoErrorCode, "E2", `id="E2"`, []any{}},
		}},
		{"user task settings", file(around(`<bpmn:userTask id="X" camunda:candidateGroups="${groupsOf(agency)}" camunda:dueDate="tomorrow" />`)), []want{
			{bpmn.MsgGroups, "X", `id="X"`, []any{"${groupsOf(agency)}"}},
			{bpmn.MsgDueDate, "X", `id="X"`, nil},
		}},
		{"mappings", file(around(`<bpmn:serviceTask id="X">
<bpmn:extensionElements>
<zeebe:taskDefinition type="t" />
<zeebe:ioMapping>
<zeebe:input source="=a" />
<zeebe:input source="=a +" target="b" />
<zeebe:output source="Hello ${name}" target="c" />
</zeebe:ioMapping>
</bpmn:extensionElements>
</bpmn:serviceTask>`)), []want{
			{bpmn.MsgMapping, "X", `<zeebe:input source="=a" />`, []any{}},
			{bpmn.MsgExpression, "X", `source="=a +"`, nil},
			{bpmn.MsgExpression, "X", `Hello ${name}`, nil},
		}},
		{"drawing with a bad number", file(`<bpmn:startEvent id="Start" />`, `<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="p">
<bpmndi:BPMNShape id="s_di" bpmnElement="Start"><dc:Bounds x="1" y="2" width="NaN" height="36" /></bpmndi:BPMNShape>
<bpmndi:BPMNEdge id="e_di" bpmnElement="f"><di:waypoint x="1e999" y="2" /></bpmndi:BPMNEdge>
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`), []want{
			{bpmn.MsgDiagram, "Start", `width="NaN"`, []any{`width="NaN"`}},
			{bpmn.MsgDiagram, "f", `x="1e999"`, []any{`x="1e999"`}},
		}},
		{"element without ID", file(around(`<bpmn:userTask id="X" />
<bpmn:userTask name="anonymous" />`)), []want{{bpmn.MsgNoID, "", `name="anonymous"`, []any{"userTask"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			expectProblems(t, c.src, c.want...)
		})
	}
}
