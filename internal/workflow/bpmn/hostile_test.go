package bpmn_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// minimal is the smallest file Parse accepts.
var minimal = file(`<bpmn:startEvent id="Start" />`)

func TestHostileInput(t *testing.T) {
	deep := header + `<bpmn:process id="p" isExecutable="true">` +
		strings.Repeat("<a>", bpmn.MaxDepth) + strings.Repeat("</a>", bpmn.MaxDepth) + "</bpmn:process></bpmn:definitions>"
	many := header + `<bpmn:process id="p" isExecutable="true">` + "\n" +
		strings.Repeat("<bpmn:documentation />\n", bpmn.MaxElements) + "</bpmn:process></bpmn:definitions>"
	long := strings.Replace(minimal, `id="Start"`, `id="Start" name="`+strings.Repeat("x", bpmn.MaxValueBytes+1)+`"`, 1)
	longText := strings.Replace(minimal, `<bpmn:startEvent id="Start" />`,
		`<bpmn:startEvent id="Start" />
<bpmn:documentation>`+strings.Repeat("ab", bpmn.MaxValueBytes/2+1)+`</bpmn:documentation>`, 1)
	for _, c := range []struct {
		name, src string
		want      want
	}{
		{"entity declaration", `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;</bpmn:definitions>`,
			want{bpmn.MsgDoctype, "", "<!DOCTYPE", []any{}}},
		{"external entity", `<!DOCTYPE d SYSTEM "file:///etc/passwd"><d/>`, want{bpmn.MsgDoctype, "", "<!DOCTYPE", []any{}}},
		{"undeclared entity", strings.Replace(minimal, `id="Start"`, `id="&xxe;"`, 1), want{bpmn.MsgNotXML, "", "&xxe;", nil}},
		{"too deep", deep, want{bpmn.MsgTooDeep, "", `<bpmn:process`, []any{}}},
		{"too many", many, want{bpmn.MsgTooMany, "", "", []any{}}},
		{"attribute too long", long, want{bpmn.MsgTooLong, "", `<bpmn:startEvent`, []any{}}},
		{"text too long", longText, want{bpmn.MsgTooLong, "", `<bpmn:documentation`, []any{}}},
		{"not closed", header + "<bpmn:process id=\"p\">\n<bpmn:startEvent id=\"s\">\n</bpmn:definitions>",
			want{bpmn.MsgNotXML, "", "</bpmn:definitions>", []any{"element <startEvent> closed by </definitions>"}}},
		{"not BPMN", "<?xml version=\"1.0\"?>\n<html><body/></html>", want{bpmn.MsgNotBPMN, "", "<html>", []any{}}},
		{"BPMN in the wrong namespace", strings.ReplaceAll(minimal, "http://www.omg.org/spec/BPMN/20100524/MODEL", "http://example.com/bpmn"),
			want{bpmn.MsgNotBPMN, "", "<bpmn:definitions", []any{}}},
		{"empty", "", want{bpmn.MsgNotXML, "", "", []any{"no root element"}}},
		{"two roots", minimal + "<x/>", want{bpmn.MsgNotXML, "", "<x/>", []any{"more than one root element"}}},
		{"text outside the root", minimal + "\ntrailing", want{bpmn.MsgNotXML, "", "trailing", []any{"text outside the root element"}}},
		{"other encoding", strings.Replace(minimal, `encoding="UTF-8"`, `encoding="windows-1251"`, 1), want{bpmn.MsgNotXML, "", "encoding=", nil}},
		{"NUL byte", strings.Replace(minimal, `id="Start"`, "id=\"St\x00art\"", 1), want{bpmn.MsgNotXML, "", "St\x00art", nil}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := c.want
			if c.name == "too many" {
				// Element MaxElements+1 is documentation number MaxElements-1
				// (after definitions and process), on line 3 + MaxElements-1.
				_, err := bpmn.ParseBytes([]byte(c.src))
				var pe *bpmn.ParseError
				line := 3 + bpmn.MaxElements - 1
				if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].Message != bpmn.MsgTooMany || pe.Problems[0].Line != line {
					t.Fatalf("got %v, want %s on line %d", err, bpmn.MsgTooMany, line)
				}
				return
			}
			expectProblems(t, c.src, w)
		})
	}
}

func TestTooLarge(t *testing.T) {
	src := minimal + strings.Repeat(" ", bpmn.MaxBytes-len(minimal))
	if _, err := bpmn.ParseBytes([]byte(src)); err != nil {
		t.Fatalf("a file of exactly MaxBytes: %v", err)
	}
	src += " "
	_, err := bpmn.Parse(strings.NewReader(src))
	var pe *bpmn.ParseError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].Message != bpmn.MsgTooLarge {
		t.Fatalf("got %v, want %s", err, bpmn.MsgTooLarge)
	}
	eq(t, "fields", apperr.As(err).Fields, map[string]string{"file": bpmn.MsgTooLarge})
}

func TestReadError(t *testing.T) {
	_, err := bpmn.Parse(iotest.ErrReader(errors.New("disk on fire")))
	if err == nil || apperr.Code(err) != apperr.EINTERNAL || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v, want an internal error with the cause", err)
	}
}

func TestErrorDesign(t *testing.T) {
	e := &bpmn.ParseError{Problems: []bpmn.Problem{
		{Line: 0, Message: bpmn.MsgNoProcess},
		{Line: 9, ElementID: "Task_1", Message: bpmn.MsgUnsupported, Args: []any{"manualTask"}},
		{Line: 120, ElementID: "Flow_1", Message: bpmn.MsgUnreachable},
		{Line: 120, ElementID: "Flow_1", Message: bpmn.MsgUnreachable},
	}}
	ae := apperr.As(e)
	if ae == nil || ae.Code != apperr.EINVALID || ae.Message != bpmn.MsgInvalid {
		t.Fatalf("unwraps to %+v", ae)
	}
	eq(t, "fields", ae.Fields, map[string]string{
		"file":                          bpmn.MsgNoProcess,
		"line 009 (Task_1): manualTask": bpmn.MsgUnsupported,
		"line 120 (Flow_1)":             bpmn.MsgUnreachable,
		"line 120 (Flow_1) [2]":         bpmn.MsgUnreachable,
	})
	if s := e.Error(); !strings.Contains(s, "4 problem(s)") || !strings.Contains(s, "line 9 (Task_1): manualTask: workflow.bpmn.unsupported") {
		t.Errorf("Error() = %q", s)
	}
}

func TestMoreProblems(t *testing.T) {
	var body strings.Builder
	body.WriteString(`<bpmn:startEvent id="Start" />` + "\n")
	for i := range 1200 {
		fmt.Fprintf(&body, "<bpmn:userTask id=\"T%d\" />\n", i)
	}
	_, err := bpmn.ParseBytes([]byte(file(body.String())))
	var pe *bpmn.ParseError
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	if n := len(pe.Problems); n != 1001 || pe.Problems[1000].Message != bpmn.MsgMoreProblems || pe.Problems[999].ElementID != "T999" {
		t.Fatalf("%d problems, last %+v", n, pe.Problems[n-1])
	}
}

// TestNamespacesByURI reads a file that binds BPMN to the default namespace
// and DI to other prefixes, as some tools write it.
func TestNamespacesByURI(t *testing.T) {
	src := `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:d="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:b="http://www.omg.org/spec/DD/20100524/DC" xmlns:w="http://www.omg.org/spec/DD/20100524/DI" xmlns:z="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="x">
  <process id="p">
    <startEvent id="s" />
    <sequenceFlow id="f" sourceRef="s" targetRef="t" />
    <serviceTask id="t"><extensionElements><z:taskDefinition type="job" /></extensionElements></serviceTask>
  </process>
  <d:BPMNDiagram id="dg"><d:BPMNPlane id="pl" bpmnElement="p">
    <d:BPMNShape id="s_di" bpmnElement="s"><b:Bounds x="1.5" y="2" width="36" height="36" /></d:BPMNShape>
    <d:BPMNEdge id="f_di" bpmnElement="f"><w:waypoint x="37.5" y="20" /><w:waypoint x="80" y="20" /></d:BPMNEdge>
  </d:BPMNPlane></d:BPMNDiagram>
</definitions>`
	// A byte order mark is skipped too.
	defs, err := bpmn.ParseBytes(append([]byte("\uFEFF"), src...))
	if err != nil {
		t.Fatal(err)
	}
	p := defs.Processes[0] // the only process, though not marked executable
	eq(t, "task type", p.Elements["t"].TaskType, "job")
	eq(t, "shape", defs.Diagram.Shapes, []bpmn.Shape{{ElementID: "s", X: 1.5, Y: 2, W: 36, H: 36}})
	eq(t, "edge", defs.Diagram.Edges, []bpmn.Edge{{ElementID: "f", Waypoints: []bpmn.Point{{X: 37.5, Y: 20}, {X: 80, Y: 20}}}})
}

func TestExecutableProcesses(t *testing.T) {
	src := header + `<bpmn:process id="draft" isExecutable="false"><bpmn:userTask id="t" /></bpmn:process>
<bpmn:process id="a" isExecutable="true"><bpmn:startEvent id="sa" /></bpmn:process>
<bpmn:process id="b" isExecutable="true"><bpmn:startEvent id="sb" /></bpmn:process>
</bpmn:definitions>`
	defs, err := bpmn.ParseBytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "processes", []string{defs.Processes[0].ID, defs.Processes[1].ID}, []string{"a", "b"})
	if len(defs.Processes) != 2 {
		t.Errorf("%d processes", len(defs.Processes))
	}
}

func TestWorkingDays(t *testing.T) {
	timer := func(id, name, def string) string {
		return fmt.Sprintf(`<bpmn:intermediateCatchEvent id="%s" name="%s"><bpmn:timerEventDefinition>%s</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`, id, name, def)
	}
	for _, c := range []struct {
		id, name, def string
		want          bpmn.TimerDef
	}{
		{"X", "Wait", "<bpmn:timeDuration>P5D</bpmn:timeDuration>", bpmn.TimerDef{Kind: bpmn.TimeDuration, Expr: "P5D"}},
		{"X_wd", "Wait", "<bpmn:timeDuration>P5D</bpmn:timeDuration>", bpmn.TimerDef{Kind: bpmn.TimeDuration, Expr: "P5D", WorkingDays: true}},
		{"X", "Wait 5 days (Working Days)", "<bpmn:timeDuration>P5D</bpmn:timeDuration>", bpmn.TimerDef{Kind: bpmn.TimeDuration, Expr: "P5D", WorkingDays: true}},
		{"X", "Wait", "<bpmn:timeDuration> P1M10WD </bpmn:timeDuration>", bpmn.TimerDef{Kind: bpmn.TimeDuration, Expr: "P1M10D", WorkingDays: true}},
		{"X", "Wait", "<bpmn:timeDuration>PT1.5H</bpmn:timeDuration>", bpmn.TimerDef{Kind: bpmn.TimeDuration, Expr: "PT1.5H"}},
		{"X", "Wait", "<bpmn:timeCycle>R3/P1WD</bpmn:timeCycle>", bpmn.TimerDef{Kind: bpmn.TimeCycle, Expr: "R3/P1D", WorkingDays: true}},
		{"X_wd", "Wait", "<bpmn:timeCycle>R/PT10M</bpmn:timeCycle>", bpmn.TimerDef{Kind: bpmn.TimeCycle, Expr: "R/PT10M", WorkingDays: true}},
		{"X_wd", "(working days)", "<bpmn:timeDate>2026-03-09T09:00:00+05:00</bpmn:timeDate>", bpmn.TimerDef{Kind: bpmn.TimeDate, Expr: "2026-03-09T09:00:00+05:00"}},
	} {
		c.id = strings.ReplaceAll(c.id, "X", "Timer")
		src := file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="` + c.id + `" />
` + timer(c.id, c.name, c.def))
		defs, err := bpmn.ParseBytes([]byte(src))
		if err != nil {
			t.Errorf("%s %q %s: %v", c.id, c.name, c.def, err)
			continue
		}
		eq(t, c.def, *defs.Processes[0].Elements[c.id].Timer, c.want)
	}
}

func TestCandidateGroups(t *testing.T) {
	for groups, want := range map[string][]string{
		"officer":                        {"officer"},
		" officer , supervisor,":         {"officer", "supervisor"},
		`=["officer", "head-of-office"]`: {"officer", "head-of-office"},
		`="officer"`:                     {"officer"},
		`=[]`:                            nil,
		"":                               nil,
	} {
		src := file(around(`<bpmn:userTask id="X"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups='` + groups + `' /></bpmn:extensionElements></bpmn:userTask>`))
		defs, err := bpmn.ParseBytes([]byte(src))
		if err != nil {
			t.Errorf("%q: %v", groups, err)
			continue
		}
		eq(t, groups, defs.Processes[0].Elements["X"].CandidateGroups, want)
	}
	for _, groups := range []string{"=groups", `=["a" + b]`, "two words", "${g}", `=[&apos;a&apos;]`} {
		src := file(around(`<bpmn:userTask id="X"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups='` + groups + `' /></bpmn:extensionElements></bpmn:userTask>`))
		if _, err := bpmn.ParseBytes([]byte(src)); !strings.Contains(fmt.Sprint(err), bpmn.MsgGroups) {
			t.Errorf("%q: got %v, want %s", groups, err, bpmn.MsgGroups)
		}
	}
}

func TestTranslate(t *testing.T) {
	for in, want := range map[string]string{
		`a = 1`:                `a == 1`,
		`a=1 and b != 2`:       `a==1 and b != 2`,
		`a <= 1 or a >= 3`:     `a <= 1 or a >= 3`,
		`a == 1`:               `a == 1`,
		`name = "x = y"`:       `name == "x = y"`,
		`name = "say \"=\""`:   `name == "say \"=\""`,
		`x != null`:            `x != nil`,
		`obj.null = 1`:         `obj.null == 1`,
		`not(a = 1)`:           `not(a == 1)`,
		`status = 'eq'`:        `status == 'eq'`,
		"unterminated = \"abc": "unterminated == \"abc",
		`oʻrin = 1`:            `oʻrin == 1`,
	} {
		eq(t, in, bpmn.Translate(in, false), want)
	}
	for in, want := range map[string]string{
		`a eq 1 and b ne 2`: `a == 1 and b != 2`,
		`a lt 1 || a gt 9`:  `a < 1 || a > 9`,
		`a le 1 && a ge 0`:  `a <= 1 && a >= 0`,
		`a div 2 mod 3`:     `a / 2 % 3`,
		`x.eq == y`:         `x.eq == y`,
		`equal eq 1`:        `equal == 1`,
	} {
		eq(t, in, bpmn.Translate(in, true), want)
	}
}

// TestBoundaryReachability checks that the handler of a boundary event is
// reached through its activity, also inside a sub-process.
func TestBoundaryReachability(t *testing.T) {
	src := file(around(`<bpmn:subProcess id="X">
<bpmn:startEvent id="SS" />
<bpmn:sequenceFlow id="s1" sourceRef="SS" targetRef="T" />
<bpmn:userTask id="T" />
<bpmn:boundaryEvent id="B" attachedToRef="T"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="s2" sourceRef="B" targetRef="Late" />
<bpmn:endEvent id="Late" />
</bpmn:subProcess>`))
	defs, err := bpmn.ParseBytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p := defs.Processes[0]
	eq(t, "B interrupting", p.Elements["B"].Interrupting, true)
	eq(t, "Late parent", p.Elements["Late"].Parent.ID, "X")
	eq(t, "starts", ids(p.Elements["X"].Starts), []string{"SS"})
	eq(t, "no drawing", len(defs.Diagram.Shapes), 0)
}

// TestHostileExpressions checks that a file full of expensive expressions
// is refused quickly: each is bounded, and so are all of them together.
func TestHostileExpressions(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<bpmn:startEvent id="Start" />
<bpmn:exclusiveGateway id="G" />
<bpmn:sequenceFlow id="f0" sourceRef="Start" targetRef="G" />
`)
	for i := 1; b.Len() < bpmn.MaxBytes-10000; i++ {
		fmt.Fprintf(&b, "<bpmn:sequenceFlow id=\"f%d\" sourceRef=\"G\" targetRef=\"G\"><bpmn:conditionExpression>=%sa</bpmn:conditionExpression></bpmn:sequenceFlow>\n",
			i, strings.Repeat("!", 4000))
	}
	b.WriteString(`<bpmn:sequenceFlow id="deep" sourceRef="G" targetRef="G"><bpmn:conditionExpression>=` + strings.Repeat("(", 33) + "a" + strings.Repeat(")", 33) + `</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="long" sourceRef="G" targetRef="G"><bpmn:conditionExpression>=a` + strings.Repeat(" or a", 1000) + `</bpmn:conditionExpression></bpmn:sequenceFlow>`)
	src := file(b.String())
	start := time.Now()
	_, err := bpmn.ParseBytes([]byte(src))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("parse took %v", d)
	}
	var pe *bpmn.ParseError
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	reasons := map[string]bool{}
	for _, p := range pe.Problems {
		if p.Message == bpmn.MsgCondition {
			reasons[fmt.Sprint(p.Args[0])] = true
		}
	}
	for _, r := range []string{
		"the expressions of the file are longer than 256 KiB together",
		"brackets are nested more than 32 deep",
		"the expression is longer than 4096 bytes",
	} {
		if !reasons[r] {
			t.Errorf("no problem %q among %v", r, reasons)
		}
	}
}
