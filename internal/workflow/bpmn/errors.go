package bpmn

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Message keys of the problems Parse reports. The texts are in locales/;
// they take no placeholders, because the generic error page translates the
// Fields of an *apperr.Error without arguments: a problem's Args are shown
// beside its message instead (see ParseError). The type is not called Error because
// the Trigger constant of error events is.
const (
	MsgInvalid        = "workflow.bpmn.invalid"         // the whole file; Fields list the problems
	MsgMoreProblems   = "workflow.bpmn.more_problems"   // more than maxProblems were found
	MsgTooLarge       = "workflow.bpmn.too_large"       // over MaxBytes
	MsgTooDeep        = "workflow.bpmn.too_deep"        // nested deeper than MaxDepth
	MsgTooMany        = "workflow.bpmn.too_many"        // more than MaxElements elements
	MsgTooLong        = "workflow.bpmn.too_long"        // an attribute value or text over MaxValueBytes
	MsgDoctype        = "workflow.bpmn.doctype"         // a DOCTYPE or other <!…> declaration
	MsgNotXML         = "workflow.bpmn.not_xml"         // Args: the parser's reason
	MsgNotBPMN        = "workflow.bpmn.not_bpmn"        // the root is not bpmn:definitions
	MsgNoProcess      = "workflow.bpmn.no_process"      // no executable process
	MsgNoID           = "workflow.bpmn.no_id"           // Args: the element type
	MsgDuplicateID    = "workflow.bpmn.duplicate_id"    // the second and later uses of an ID
	MsgUnsupported    = "workflow.bpmn.unsupported"     // Args: the element type or feature
	MsgNoStart        = "workflow.bpmn.no_start"        // a process or sub-process without start event
	MsgManyStarts     = "workflow.bpmn.many_starts"     // a second none start event in one scope
	MsgUnknownRef     = "workflow.bpmn.unknown_ref"     // Args: the ID referred to
	MsgFlowScope      = "workflow.bpmn.flow_scope"      // a flow crossing a sub-process's border
	MsgFlowDirection  = "workflow.bpmn.flow_direction"  // a flow into a start/boundary event or out of an end event
	MsgUnreachable    = "workflow.bpmn.unreachable"     // not reachable from a start event
	MsgGatewayFlow    = "workflow.bpmn.gateway_flow"    // Args: the gateway's ID
	MsgDefaultFlow    = "workflow.bpmn.default_flow"    // Args: the flow's ID
	MsgCondition      = "workflow.bpmn.condition"       // Args: the compiler's message
	MsgExpression     = "workflow.bpmn.expression"      // Args: the compiler's message
	MsgMapping        = "workflow.bpmn.mapping"         // a mapping without source or target
	MsgTimer          = "workflow.bpmn.timer"           // Args: the expression as written, why
	MsgDueDate        = "workflow.bpmn.due_date"        // Args: the due date as written, why
	MsgNoMessage      = "workflow.bpmn.no_message"      // a message event without message name
	MsgNoErrorCode    = "workflow.bpmn.no_error_code"   // an error end event without error code
	MsgNoTaskType     = "workflow.bpmn.no_task_type"    // a service or send task without type
	MsgRetries        = "workflow.bpmn.retries"         // Args: the retries as written
	MsgGroups         = "workflow.bpmn.groups"          // Args: the candidate groups as written
	MsgNoCalled       = "workflow.bpmn.no_called"       // a call activity without called process
	MsgBoundaryTarget = "workflow.bpmn.boundary_target" // Args: the attachedToRef
	MsgDiagram        = "workflow.bpmn.diagram"         // Args: the value that is not a number
)

// messageKeys lists every key above, for the test that checks the
// catalogs.
var messageKeys = []string{
	MsgInvalid, MsgMoreProblems, MsgTooLarge, MsgTooDeep, MsgTooMany, MsgTooLong,
	MsgDoctype, MsgNotXML, MsgNotBPMN, MsgNoProcess, MsgNoID, MsgDuplicateID,
	MsgUnsupported, MsgNoStart, MsgManyStarts, MsgUnknownRef, MsgFlowScope,
	MsgFlowDirection, MsgUnreachable, MsgGatewayFlow, MsgDefaultFlow, MsgCondition,
	MsgExpression, MsgMapping, MsgTimer, MsgDueDate, MsgNoMessage, MsgNoErrorCode,
	MsgNoTaskType, MsgRetries, MsgGroups, MsgNoCalled, MsgBoundaryTarget, MsgDiagram,
}

// maxProblems bounds the problems an Error lists, so that a hostile file
// cannot make a huge error page; MsgMoreProblems says when there were more.
// The message's text states the figure: change them together.
const maxProblems = 1000

// Problem is one thing wrong with a BPMN file.
type Problem struct {
	// Line is the line of the XML element the problem is in (for a
	// condition, the conditionExpression; for a timer, its timeDuration…),
	// counted from 1; 0 is the file as a whole.
	Line int `json:"line"`
	// ElementID is the ID of the flow element, flow or process the problem
	// belongs to, or "" when there is none.
	ElementID string `json:"element_id,omitempty"`
	// Message is the message key of what is wrong (the Msg… constants).
	Message string `json:"message"`
	// Args are details shown beside the message, as written in the file
	// or by the expression compiler (an element type, a reference, a
	// timer expression, a compiler message); never translated.
	Args []any `json:"args,omitempty"`
}

// ParseError is a BPMN file that Parse refused, with every problem found. It
// unwraps to an *apperr.Error EINVALID with the message
// workflow.bpmn.invalid whose Fields hold one entry per problem, keyed by
// where it is and what it concerns ("line 012 (Task_1): manualTask", lines
// zero-padded so that the sorted keys are in file order; "file" for the
// file as a whole) with the problem's message key as value. The generic
// error page and the API's problem document thus list them all; a page of
// its own can show Problems instead.
type ParseError struct {
	// Problems are in file order, at most maxProblems of them and then one
	// MsgMoreProblems.
	Problems []Problem
}

// Error implements error.
func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bpmn file refused, %d problem(s)", len(e.Problems))
	for i, p := range e.Problems {
		if i == 5 {
			b.WriteString("; …")
			break
		}
		fmt.Fprintf(&b, "; %s: %s", p.where(0), p.Message)
	}
	return b.String()
}

// Unwrap returns the *apperr.Error EINVALID the web layer shows.
func (e *ParseError) Unwrap() error {
	width := 1
	for _, p := range e.Problems {
		width = max(width, len(strconv.Itoa(p.Line)))
	}
	fields := make(map[string]string, len(e.Problems))
	for _, p := range e.Problems {
		key := p.where(width)
		for k, n := key, 2; ; n++ {
			if _, taken := fields[k]; !taken {
				fields[k] = p.Message
				break
			}
			k = fmt.Sprintf("%s [%d]", key, n)
		}
	}
	return apperr.Invalid(MsgInvalid, fields)
}

// where names the problem's place and details: "line 012 (Task_1):
// manualTask", with the line zero-padded to width digits.
func (p Problem) where(width int) string {
	key := "file"
	if p.Line > 0 {
		key = fmt.Sprintf("line %0*d", width, p.Line)
	}
	if p.ElementID != "" {
		key += " (" + p.ElementID + ")"
	}
	if len(p.Args) > 0 {
		args := make([]string, len(p.Args))
		for i, a := range p.Args {
			args[i] = fmt.Sprint(a)
		}
		key += ": " + strings.Join(args, ", ")
	}
	return key
}

// problems collects the problems of one file.
type problems struct {
	list []Problem
}

// add records a problem at line for the element id.
func (ps *problems) add(line int, id, msg string, args ...any) {
	ps.list = append(ps.list, Problem{Line: line, ElementID: id, Message: msg, Args: args})
}

// err returns the *ParseError listing the problems in file order, without
// repeats, or nil when there are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int { return a.Line - b.Line })
	list = slices.CompactFunc(list, func(a, b Problem) bool { return a.where(0) == b.where(0) && a.Message == b.Message })
	if len(list) > maxProblems {
		list = append(list[:maxProblems:maxProblems], Problem{Message: MsgMoreProblems})
	}
	return &ParseError{Problems: list}
}

// fatal returns the *ParseError of a single problem that stops reading.
func fatal(line int, msg string, args ...any) error {
	return &ParseError{Problems: []Problem{{Line: line, Message: msg, Args: args}}}
}
