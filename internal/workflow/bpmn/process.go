package bpmn

import (
	"strings"
)

// builder reads one process.
type builder struct {
	*parser
	proc *Process
	line int
	// order is every element in document order, nodes their XML.
	order []*Element
	nodes map[*Element]*node
	// unsupported are the elements already reported as something the
	// engine does not run; they are not reported again as unreachable.
	unsupported map[*Element]bool
	flows       []pendingFlow
}

// pendingFlow is a sequence flow whose ends are resolved once every
// element is read; scope is the sub-process it is declared in.
type pendingFlow struct {
	f     *Flow
	n     *node
	scope *Element
}

// process reads a bpmn:process and checks it.
func (p *parser) process(pn *node) *Process {
	b := &builder{
		parser: p,
		proc: &Process{
			ID:       pn.id(),
			Name:     pn.attr("", "name"),
			Elements: map[string]*Element{},
			Flows:    map[string]*Flow{},
		},
		line:        pn.line,
		nodes:       map[*Element]*node{},
		unsupported: map[*Element]bool{},
	}
	if b.proc.ID == "" {
		b.add(pn.line, "", MsgNoID, "process")
	}
	b.proc.Starts = b.scope(pn, nil)
	b.resolveFlows()
	b.resolveRefs()
	b.checkStarts()
	b.checkReachable()
	b.checkGateways()
	return b.proc
}

// scope reads the flow elements and sequence flows directly in container,
// a process or sub-process, and returns its start events.
func (b *builder) scope(container *node, parent *Element) []*Element {
	var starts []*Element
	for _, c := range container.children {
		if c.name.Space != nsBPMN {
			continue
		}
		local := c.name.Local
		switch kind, ok := supported[local]; {
		case local == "sequenceFlow":
			b.flow(c, parent)
		case ok:
			if el := b.element(c, kind, parent); el != nil && kind == StartEvent {
				starts = append(starts, el)
			}
		case unsupportedActivities[local] || unsupportedNodes[local]:
			if el := b.register(c, Kind(local), parent); el != nil {
				b.reject(el, c.line, local)
			}
		}
	}
	return starts
}

// register makes the element of c known by its ID.
func (b *builder) register(c *node, kind Kind, parent *Element) *Element {
	id := c.id()
	if id == "" {
		b.add(c.line, "", MsgNoID, c.name.Local)
		return nil
	}
	if _, dup := b.proc.Elements[id]; dup {
		return nil // reported by checkIDs
	}
	el := &Element{ID: id, Name: c.attr("", "name"), Kind: kind, Line: c.line, Parent: parent}
	b.proc.Elements[id] = el
	b.order = append(b.order, el)
	b.nodes[el] = c
	if parent != nil {
		parent.Children = append(parent.Children, el)
	}
	return el
}

// reject reports what of el the engine does not run.
func (b *builder) reject(el *Element, line int, what string) {
	b.unsupported[el] = true
	b.add(line, el.ID, MsgUnsupported, what)
}

// element reads a flow element the engine runs.
func (b *builder) element(c *node, kind Kind, parent *Element) *Element {
	el := b.register(c, kind, parent)
	if el == nil {
		return nil
	}
	switch kind {
	case StartEvent, EndEvent, IntermediateCatchEvent, BoundaryEvent:
		b.event(el, c)
	case UserTask:
		b.userTask(el, c)
	case ServiceTask, SendTask:
		b.serviceTask(el, c)
	case SubProcess:
		b.subProcess(el, c)
	case CallActivity:
		b.callActivity(el, c)
	}
	if isActivity(kind) {
		b.activity(el, c)
	}
	return el
}

// triggers are the event definitions the engine runs, by XML name.
var triggers = map[string]Trigger{
	"messageEventDefinition":   Message,
	"timerEventDefinition":     Timer,
	"errorEventDefinition":     Error,
	"terminateEventDefinition": Terminate,
}

// allowed are the triggers each kind of event may have.
var allowed = map[Kind][]Trigger{
	StartEvent:             {None, Message},
	EndEvent:               {None, Error, Terminate},
	IntermediateCatchEvent: {Timer, Message},
	BoundaryEvent:          {Timer, Message, Error},
}

// event reads an event's definition.
func (b *builder) event(el *Element, c *node) {
	var defs []*node
	for _, d := range c.children {
		if d.name.Space == nsBPMN && (strings.HasSuffix(d.name.Local, "EventDefinition") || d.name.Local == "eventDefinitionRef") {
			defs = append(defs, d)
		}
	}
	if el.Kind == BoundaryEvent {
		el.Interrupting = c.attr("", "cancelActivity") != "false"
	}
	if len(defs) > 1 {
		names := make([]string, len(defs))
		for i, d := range defs {
			names[i] = d.name.Local
		}
		el.Trigger = Trigger(strings.Join(names, "+"))
		b.reject(el, c.line, string(el.Kind)+" "+string(el.Trigger))
		return
	}
	var def *node
	if len(defs) == 1 {
		def = defs[0]
		trigger, ok := triggers[def.name.Local]
		if !ok {
			trigger = Trigger(strings.TrimSuffix(def.name.Local, "EventDefinition"))
		}
		el.Trigger = trigger
	}
	ok := false
	for _, t := range allowed[el.Kind] {
		ok = ok || t == el.Trigger
	}
	switch {
	case !ok && def == nil:
		b.reject(el, c.line, string(el.Kind))
		return
	case !ok:
		b.reject(el, def.line, string(el.Kind)+" "+def.name.Local)
		return
	case el.Kind == StartEvent && el.Parent != nil && def != nil:
		b.reject(el, def.line, "subProcess startEvent "+def.name.Local)
		return
	}
	switch el.Trigger {
	case Message:
		b.message(el, def)
	case Timer:
		b.timer(el, def)
	case Error:
		b.errorRef(el, def)
		el.Interrupting = el.Kind == BoundaryEvent // error boundaries always interrupt
	}
}

// message reads a message event's message.
func (b *builder) message(el *Element, def *node) {
	id := def.attr("", "messageRef")
	if id == "" {
		b.add(el.Line, el.ID, MsgNoMessage)
		return
	}
	m := b.messages[id]
	if m == nil {
		b.add(el.Line, el.ID, MsgUnknownRef, ref("messageRef", id))
		return
	}
	el.MessageName = strings.TrimSpace(m.attr("", "name"))
	if el.MessageName == "" {
		b.add(el.Line, el.ID, MsgNoMessage)
		return
	}
	sub := m.extension(nsZeebe, "subscription")
	if sub == nil || el.Kind == StartEvent {
		return
	}
	key := strings.TrimSpace(sub.attr("", "correlationKey"))
	if key == "" {
		return
	}
	el.CorrelationKey = conditionSource(key)
	if !b.checked[m] {
		b.checked[m] = true
		if _, msg := b.compile(el.CorrelationKey, false); msg != "" {
			b.add(sub.line, m.id(), MsgExpression, msg)
		}
	}
}

// timerKinds are the timer definitions by XML name.
var timerKinds = map[string]TimerKind{
	"timeDuration": TimeDuration,
	"timeDate":     TimeDate,
	"timeCycle":    TimeCycle,
}

// timer reads a timer event's definition. A duration or cycle counts
// working days when the event's ID ends with "_wd", its name says
// "(working days)" or the duration has the WD marker (see the package
// documentation).
func (b *builder) timer(el *Element, def *node) {
	var (
		t    *node
		kind TimerKind
	)
	for _, c := range def.children {
		if k, ok := timerKinds[c.name.Local]; ok && c.name.Space == nsBPMN {
			if t != nil {
				b.add(c.line, el.ID, MsgTimer, c.name.Local)
				return
			}
			t, kind = c, k
		}
	}
	if t == nil {
		b.add(def.line, el.ID, MsgTimer)
		return
	}
	text := t.trimmed()
	norm, wd, why := parseTimer(kind, text)
	if why != "" {
		b.add(t.line, el.ID, MsgTimer, clip(text), why)
		return
	}
	if kind != TimeDate {
		wd = wd || strings.HasSuffix(strings.ToLower(el.ID), "_wd") ||
			strings.Contains(strings.ToLower(el.Name), "(working days)")
	}
	el.Timer = &TimerDef{Kind: kind, Expr: norm, WorkingDays: wd}
}

// errorRef reads the error an error event throws or catches.
func (b *builder) errorRef(el *Element, def *node) {
	id := def.attr("", "errorRef")
	if id == "" {
		if el.Kind == EndEvent {
			b.add(el.Line, el.ID, MsgNoErrorCode)
		}
		return
	}
	e := b.errs[id]
	if e == nil {
		b.add(el.Line, el.ID, MsgUnknownRef, ref("errorRef", id))
		return
	}
	el.ErrorCode = strings.TrimSpace(e.attr("", "errorCode"))
	if el.ErrorCode == "" && el.Kind == EndEvent {
		b.add(el.Line, el.ID, MsgNoErrorCode)
	}
}

// subProcess reads an embedded sub-process and what is in it.
func (b *builder) subProcess(el *Element, c *node) {
	if c.attr("", "triggeredByEvent") == "true" {
		b.reject(el, c.line, "event subProcess")
		return
	}
	el.Starts = b.scope(c, el)
}

// flow reads a sequence flow and compiles its condition.
func (b *builder) flow(c *node, scope *Element) {
	id := c.id()
	if id == "" {
		b.add(c.line, "", MsgNoID, "sequenceFlow")
		return
	}
	if _, dup := b.proc.Flows[id]; dup {
		return // reported by checkIDs
	}
	f := &Flow{ID: id, Name: c.attr("", "name"), Line: c.line}
	b.proc.Flows[id] = f
	b.flows = append(b.flows, pendingFlow{f: f, n: c, scope: scope})
	ce := c.child(nsBPMN, "conditionExpression")
	if ce == nil {
		return
	}
	text := ce.trimmed()
	lang := strings.ToLower(ce.attr("", "language"))
	switch {
	case ce.attr(nsCamunda, "resource") != "":
		f.Condition = "resource"
		b.add(ce.line, id, MsgCondition, "camunda:resource: scripts are not supported")
	case lang != "" && !strings.Contains(lang, "feel") && !strings.Contains(lang, "juel"):
		f.Condition = text
		b.add(ce.line, id, MsgCondition, "language="+clip(lang)+": scripts are not supported")
	case text != "":
		f.Condition = conditionSource(text)
		prog, msg := b.compile(f.Condition, true)
		if msg != "" {
			b.add(ce.line, id, MsgCondition, clip(msg))
		}
		f.Program = prog
	}
}

// resolveFlows connects each sequence flow to its source and target.
func (b *builder) resolveFlows() {
	for _, pf := range b.flows {
		f, n := pf.f, pf.n
		srcRef, tgtRef := n.attr("", "sourceRef"), n.attr("", "targetRef")
		src, tgt := b.proc.Elements[srcRef], b.proc.Elements[tgtRef]
		if src == nil {
			b.add(f.Line, f.ID, MsgUnknownRef, ref("sourceRef", srcRef))
		}
		if tgt == nil {
			b.add(f.Line, f.ID, MsgUnknownRef, ref("targetRef", tgtRef))
		}
		switch {
		case src == nil || tgt == nil:
			continue
		case src.Parent != pf.scope || tgt.Parent != pf.scope:
			b.add(f.Line, f.ID, MsgFlowScope)
			continue
		case src.Kind == EndEvent || tgt.Kind == StartEvent || tgt.Kind == BoundaryEvent:
			b.add(f.Line, f.ID, MsgFlowDirection)
			continue
		}
		f.Source, f.Target = src, tgt
		src.Outgoing = append(src.Outgoing, f)
		tgt.Incoming = append(tgt.Incoming, f)
	}
}

// resolveRefs attaches boundary events to their activities and finds
// default flows.
func (b *builder) resolveRefs() {
	for _, el := range b.order {
		c := b.nodes[el]
		if el.Kind == BoundaryEvent {
			id := c.attr("", "attachedToRef")
			a := b.proc.Elements[id]
			switch {
			case a == nil:
				b.add(el.Line, el.ID, MsgUnknownRef, ref("attachedToRef", id))
			case !isActivity(a.Kind) || a.Parent != el.Parent:
				b.add(el.Line, el.ID, MsgBoundaryTarget, ref("attachedToRef", id))
			default:
				el.AttachedTo = a
				a.Boundaries = append(a.Boundaries, el)
			}
		}
		id := c.attr("", "default")
		if id == "" || !(isActivity(el.Kind) || el.Kind == ExclusiveGateway || el.Kind == InclusiveGateway) {
			continue
		}
		switch f := b.proc.Flows[id]; {
		case f == nil:
			b.add(el.Line, el.ID, MsgUnknownRef, ref("default", id))
		case f.Source != el:
			b.add(el.Line, el.ID, MsgDefaultFlow, ref("default", id))
		default:
			el.Default = f
		}
	}
}

// checkStarts reports a process without start event and a process or
// sub-process without, or with more than one, none start event.
func (b *builder) checkStarts() {
	if len(b.proc.Starts) == 0 {
		b.add(b.line, b.proc.ID, MsgNoStart)
	}
	b.checkNoneStarts(b.proc.Starts)
	for _, el := range b.order {
		if el.Kind != SubProcess || b.unsupported[el] {
			continue
		}
		if !b.checkNoneStarts(el.Starts) {
			b.add(el.Line, el.ID, MsgNoStart)
		}
	}
}

// checkNoneStarts reports the second and later none start events of a
// scope and tells whether it has one.
func (b *builder) checkNoneStarts(starts []*Element) bool {
	n := 0
	for _, s := range starts {
		if s.Trigger == None && !b.unsupported[s] {
			if n++; n > 1 {
				b.add(s.Line, s.ID, MsgManyStarts)
			}
		}
	}
	return n > 0
}

// checkReachable reports the elements that no start event reaches.
// Boundary events are reached with their activity and the elements of a
// sub-process from its start event. Elements of a scope without start
// event, and what the engine does not run anyway, are not reported.
func (b *builder) checkReachable() {
	seen := map[*Element]bool{}
	stack := append([]*Element(nil), b.proc.Starts...)
	for len(stack) > 0 {
		el := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[el] {
			continue
		}
		seen[el] = true
		for _, f := range el.Outgoing {
			stack = append(stack, f.Target)
		}
		stack = append(stack, el.Boundaries...)
		stack = append(stack, el.Starts...)
	}
	for _, el := range b.order {
		if seen[el] || b.unsupported[el] || el.Kind == BoundaryEvent {
			continue
		}
		if el.Parent == nil && len(b.proc.Starts) == 0 ||
			el.Parent != nil && (!seen[el.Parent] || len(el.Parent.Starts) == 0) {
			continue
		}
		b.add(el.Line, el.ID, MsgUnreachable)
	}
}

// checkGateways reports the outgoing flows of exclusive and inclusive
// gateways that split, which have neither condition nor are the default:
// the engine could not tell when to take them.
func (b *builder) checkGateways() {
	for _, el := range b.order {
		if el.Kind != ExclusiveGateway && el.Kind != InclusiveGateway || len(el.Outgoing) < 2 {
			continue
		}
		for _, f := range el.Outgoing {
			if f.Condition == "" && f != el.Default {
				b.add(f.Line, f.ID, MsgGatewayFlow, el.ID)
			}
		}
	}
}
