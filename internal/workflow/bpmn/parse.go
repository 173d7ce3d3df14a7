package bpmn

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// Parse reads a BPMN 2.0 file of at most MaxBytes and returns its
// executable processes and drawing. See ParseBytes for what it accepts;
// an error reading r is returned wrapped, as an internal error.
func Parse(r io.Reader) (*Definitions, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read bpmn: %w", err)
	}
	return ParseBytes(data)
}

// ParseBytes reads a BPMN 2.0 file as Parse does.
//
// The processes read are those marked isExecutable="true", or the only
// process of a file that has one. Everything the engine does not run but
// that carries no behaviour is accepted and skipped: documentation,
// unknown extension elements and attributes, text annotations,
// associations, groups, data objects and stores, lanes, collaborations
// and their participants, and the drawing of all of these.
//
// A file that cannot be run is refused with an *ParseError (an *apperr.Error
// EINVALID) listing every problem found, each with its line and element
// ID: element types and event definitions the engine does not run (see
// the Kind and Trigger constants; loops, multi-instance, event
// sub-processes, compensation and Camunda 7 Java delegates are refused
// too), a missing start event, references to unknown elements, flows that
// cross a sub-process's border or lead into a start event, elements no
// start event reaches, exclusive and inclusive gateways with an outgoing
// flow that has neither condition nor is the default, conditions and
// mappings that do not compile, malformed timers and due dates, message
// events without message name, error end events without error code,
// service and send tasks without task type, call activities without
// called process, boundary events not attached to an activity, duplicate
// IDs and malformed drawing coordinates. A file that is too large, too
// deep, has too many elements, a value that is too long, a DOCTYPE, or
// is not XML at all is refused at once with that single problem.
func ParseBytes(data []byte) (*Definitions, error) {
	if len(data) > MaxBytes {
		return nil, fatal(0, MsgTooLarge)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	root, err := readTree(data)
	if err != nil {
		return nil, err
	}
	p := &parser{
		messages: map[string]*node{},
		errs:     map[string]*node{},
		checked:  map[*node]bool{},
	}
	return p.definitions(root)
}

// parser reads one file.
type parser struct {
	problems
	messages map[string]*node // bpmn:message by ID
	errs     map[string]*node // bpmn:error by ID
	checked  map[*node]bool   // messages whose correlation key was compiled
	// exprBytes counts the expression source compiled, against
	// maxExprTotal.
	exprBytes int
}

// definitions reads the root element.
func (p *parser) definitions(root *node) (*Definitions, error) {
	if !root.is(nsBPMN, "definitions") {
		return nil, fatal(root.line, MsgNotBPMN)
	}
	p.checkIDs(root, map[string]bool{})
	var (
		procs   []*node
		diagram *node
	)
	for _, c := range root.children {
		switch {
		case c.is(nsBPMN, "process"):
			procs = append(procs, c)
		case c.is(nsBPMN, "message"):
			if _, dup := p.messages[c.id()]; !dup {
				p.messages[c.id()] = c
			}
		case c.is(nsBPMN, "error"):
			if _, dup := p.errs[c.id()]; !dup {
				p.errs[c.id()] = c
			}
		case c.is(nsBPMNDI, "BPMNDiagram"):
			// The first diagram is the file's drawing; Camunda Modeler
			// writes one more for each collapsed sub-process, in its own
			// coordinates, which is not read.
			if diagram == nil {
				diagram = c
			}
		}
	}
	defs := &Definitions{}
	for _, pn := range procs {
		if len(procs) == 1 || pn.attr("", "isExecutable") == "true" {
			defs.Processes = append(defs.Processes, p.process(pn))
		}
	}
	if len(defs.Processes) == 0 {
		p.add(root.line, "", MsgNoProcess)
	}
	if diagram != nil {
		defs.Diagram = p.diagram(diagram)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return defs, nil
}

// checkIDs reports every element whose id an earlier element has.
func (p *parser) checkIDs(n *node, seen map[string]bool) {
	if id := n.id(); id != "" {
		if seen[id] {
			p.add(n.line, id, MsgDuplicateID)
		}
		seen[id] = true
	}
	for _, c := range n.children {
		p.checkIDs(c, seen)
	}
}

// supported are the flow elements the engine runs, by XML name.
var supported = map[string]Kind{
	"startEvent":             StartEvent,
	"endEvent":               EndEvent,
	"intermediateCatchEvent": IntermediateCatchEvent,
	"boundaryEvent":          BoundaryEvent,
	"userTask":               UserTask,
	"serviceTask":            ServiceTask,
	"sendTask":               SendTask,
	"exclusiveGateway":       ExclusiveGateway,
	"parallelGateway":        ParallelGateway,
	"inclusiveGateway":       InclusiveGateway,
	"subProcess":             SubProcess,
	"callActivity":           CallActivity,
}

// unsupportedActivities are the activities of BPMN the engine does not
// run; boundary events may be attached to them (and are not reported
// twice for it).
var unsupportedActivities = map[string]bool{
	"task": true, "manualTask": true, "scriptTask": true, "businessRuleTask": true,
	"receiveTask": true, "transaction": true, "adHocSubProcess": true,
}

// unsupportedNodes are the other flow nodes of BPMN the engine does not
// run. Elements of a process named neither here nor in supported carry no
// behaviour (lanes, annotations, data objects…) and are skipped.
var unsupportedNodes = map[string]bool{
	"complexGateway": true, "eventBasedGateway": true, "intermediateThrowEvent": true,
	"implicitThrowEvent": true, "callChoreography": true, "choreographyTask": true,
	"subChoreography": true,
}

// isActivity reports whether an element of kind can have boundary events,
// a default flow and mappings.
func isActivity(k Kind) bool {
	switch k {
	case UserTask, ServiceTask, SendTask, SubProcess, CallActivity:
		return true
	}
	return unsupportedActivities[string(k)]
}

// maxArg bounds the length of a detail quoted from the file in a problem.
const maxArg = 100

// clip shortens s, a value from the file, for a problem's Args.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxArg {
		return s
	}
	r := []rune(s)
	return string(r[:maxArg]) + "…"
}

// ref is a reference attribute and its value for a problem's Args.
func ref(attr, value string) string {
	return attr + "=" + strconv.Quote(clip(value))
}
