// Package bpmn reads BPMN 2.0 process definitions as Camunda Modeler 5
// (Camunda 7 and Camunda 8/Zeebe flavours) and bpmn.io write them, checks
// that egov's engine can run them, and gives the engine and the diagram
// renderer a model of the processes and their drawing (BPMN-DI).
//
// Parse reads a file and refuses, with a *ParseError listing every
// problem by line and element ID, what the engine cannot run.
//
// # Working days
//
// Service terms in Uzbekistan are set in working days, which BPMN cannot
// say. A timer duration (timeDuration, or the interval of a timeCycle)
// counts working days by the holiday calendar, TimerDef.WorkingDays, when
// any of these holds:
//
//   - the timer event's ID ends with "_wd" (Event_remind_wd);
//   - its name contains "(working days)" ("Remind (working days)");
//   - the duration's day part is written with the marker WD: P5WD is five
//     working days and is stored as P5D with WorkingDays set (P1M10WD as
//     P1M10D).
//
// A date (timeDate) never counts working days. A user task's due date
// keeps the marker as written (DueDate "P5WD").
//
// # Conditions and mappings
//
// Conditions and mapping sources are written in Camunda's FEEL ("=expr")
// or JUEL ("${expr}") and run with expr-lang: Parse strips the wrapper and
// rewrites the few spellings that differ ("a = 1" to "a == 1", null to
// nil, JUEL's eq, ne, lt, gt, le, ge, div, mod to symbols). A mapping
// source without wrapper is a string constant, as in Camunda.
package bpmn

import "github.com/expr-lang/expr/vm"

// Kind is the BPMN element type, named as in the XML.
type Kind string

// The element types the engine runs.
const (
	StartEvent             Kind = "startEvent"
	EndEvent               Kind = "endEvent"
	IntermediateCatchEvent Kind = "intermediateCatchEvent"
	BoundaryEvent          Kind = "boundaryEvent"
	UserTask               Kind = "userTask"
	ServiceTask            Kind = "serviceTask"
	SendTask               Kind = "sendTask"
	ExclusiveGateway       Kind = "exclusiveGateway"
	ParallelGateway        Kind = "parallelGateway"
	InclusiveGateway       Kind = "inclusiveGateway"
	SubProcess             Kind = "subProcess"
	CallActivity           Kind = "callActivity"
)

// Trigger is what an event waits for or throws; None for a plain event.
type Trigger string

// The event triggers the engine runs.
const (
	None      Trigger = ""
	Message   Trigger = "message"
	Timer     Trigger = "timer"
	Error     Trigger = "error"
	Terminate Trigger = "terminate"
)

// TimerKind says how a timer's expression is read.
type TimerKind string

// The timer definitions of BPMN.
const (
	TimeDuration TimerKind = "timeDuration" // ISO 8601 duration, e.g. PT5M, P5D
	TimeDate     TimerKind = "timeDate"     // ISO 8601 date-time
	TimeCycle    TimerKind = "timeCycle"    // ISO 8601 repeating interval, e.g. R3/PT10M
)

// Definitions is one BPMN file: its processes and their drawing.
type Definitions struct {
	// Processes are the executable processes in document order.
	Processes []*Process
	// Diagram is the drawing of the file (BPMN-DI); empty when the file
	// has none.
	Diagram Diagram
}

// Process is one process of a file.
type Process struct {
	ID   string // the key instances are started by
	Name string
	// Elements are every flow element by ID, including those inside
	// sub-processes.
	Elements map[string]*Element
	// Flows are every sequence flow by ID.
	Flows map[string]*Flow
	// Starts are the start events of the top level (none and message).
	Starts []*Element
}

// Element is a flow node: an event, task, gateway, sub-process or call
// activity.
type Element struct {
	ID   string
	Name string
	Kind Kind
	// Line is the element's line in the file, for error messages.
	Line int
	// Parent is the enclosing sub-process, nil at the process's top level.
	Parent *Element
	// Incoming and Outgoing are the element's sequence flows.
	Incoming, Outgoing []*Flow
	// Default is the default flow of a gateway or activity, or nil.
	Default *Flow

	// Trigger is what an event waits for or throws.
	Trigger Trigger
	// Timer is the timer of a timer event.
	Timer *TimerDef
	// MessageName is the name of a message event's message.
	MessageName string
	// CorrelationKey is the expression whose value a message must carry
	// to reach this instance (zeebe:subscription correlationKey); it is
	// evaluated over the instance's variables when the event is reached.
	CorrelationKey string
	// ErrorCode is the error code an error end event throws or an error
	// boundary event catches ("" on a boundary event catches every error).
	ErrorCode string
	// AttachedTo is the activity a boundary event is attached to, and
	// Interrupting whether it cancels that activity (cancelActivity).
	AttachedTo   *Element
	Interrupting bool
	// Boundaries are the boundary events attached to this activity.
	Boundaries []*Element

	// TaskType is the handler type of a service or send task:
	// zeebe:taskDefinition type, or camunda:type / camunda:topic.
	TaskType string
	// Headers are a service or send task's static settings for its
	// handler (zeebe:taskHeaders, camunda:properties), such as the
	// exchange-bus service a bus.call task calls; nil when none.
	Headers map[string]string
	// Retries is how many times a service task is tried before an
	// incident (zeebe:taskDefinition retries); 0 means the engine's
	// default.
	Retries int
	// CandidateGroups are the groups that may work on a user task
	// (camunda:candidateGroups, zeebe:assignmentDefinition
	// candidateGroups), e.g. "officer", "supervisor".
	CandidateGroups []string
	// Assignee is a user task's assignee expression, or "".
	Assignee string
	// DueDate is a user task's due date: an ISO 8601 duration from the
	// task's creation or a date-time (camunda:dueDate,
	// zeebe:taskSchedule dueDate), or "".
	DueDate string
	// FormKey names a user task's form (camunda:formKey,
	// zeebe:formDefinition formKey), or "".
	FormKey string
	// Inputs and Outputs map variables into and out of an activity
	// (zeebe:ioMapping, camunda:inputOutput, call activity mappings).
	Inputs, Outputs []Mapping
	// CalledProcess is the key of the process a call activity starts.
	CalledProcess string
	// Children are the elements directly inside a sub-process, and
	// Starts its none start event.
	Children []*Element
	Starts   []*Element
}

// Flow is a sequence flow.
type Flow struct {
	ID     string
	Name   string
	Line   int
	Source *Element
	Target *Element
	// Condition is the flow's condition in expr-lang syntax, "" for none.
	// Camunda's forms "=expr" (FEEL) and "${expr}" (JUEL) are accepted for
	// simple comparisons and boolean logic and stored without the
	// wrapper.
	Condition string
	// Program is Condition compiled, nil without a condition. It returns
	// a bool when run over the instance's variables.
	Program *vm.Program
}

// TimerDef is a timer event's definition.
type TimerDef struct {
	Kind TimerKind
	// Expr is the ISO 8601 duration, date-time or cycle as written.
	Expr string
	// WorkingDays says the duration counts working days by the holiday
	// calendar instead of calendar days (the element or its ID says so:
	// see the package documentation of the parser).
	WorkingDays bool
}

// Mapping copies the value of Source (an expression over the variables)
// into the variable Target.
type Mapping struct {
	Source string
	Target string
	// Program is Source compiled.
	Program *vm.Program
}

// Diagram is a file's drawing: the bounds of each shape and the path of
// each edge, in the file's coordinates.
type Diagram struct {
	Shapes []Shape
	Edges  []Edge
}

// Shape is an element's box in the drawing.
type Shape struct {
	ElementID  string
	X, Y, W, H float64
	// Expanded is an expanded sub-process (drawn as a container).
	Expanded bool
	// Label is where the element's name is drawn, when the file says.
	Label *Bounds
}

// Bounds is a rectangle.
type Bounds struct{ X, Y, W, H float64 }

// Edge is a sequence flow's line in the drawing.
type Edge struct {
	ElementID string
	Waypoints []Point
	Label     *Bounds
}

// Point is a point of the drawing.
type Point struct{ X, Y float64 }
