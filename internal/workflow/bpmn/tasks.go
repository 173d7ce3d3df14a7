package bpmn

import (
	"strconv"
	"strings"
)

// userTask reads who works on a user task, by when and with which form,
// from the Camunda 7 attributes or the Camunda 8 extension elements (which
// win when a file has both). An assignee that is an expression ("=expr" or
// "${expr}") is stored as "=" and the expression in expr-lang syntax; any
// other assignee is a user name.
func (b *builder) userTask(el *Element, c *node) {
	groups := c.attr(nsCamunda, "candidateGroups")
	el.Assignee = c.attr(nsCamunda, "assignee")
	el.DueDate = c.attr(nsCamunda, "dueDate")
	el.FormKey = c.attr(nsCamunda, "formKey")
	if a := c.extension(nsZeebe, "assignmentDefinition"); a != nil {
		if v := a.attr("", "candidateGroups"); v != "" {
			groups = v
		}
		if v := a.attr("", "assignee"); v != "" {
			el.Assignee = v
		}
	}
	if s := c.extension(nsZeebe, "taskSchedule"); s != nil {
		if v := s.attr("", "dueDate"); v != "" {
			el.DueDate = v
		}
	}
	if f := c.extension(nsZeebe, "formDefinition"); f != nil {
		if v := f.attr("", "formKey"); v != "" {
			el.FormKey = v
		} else if v := f.attr("", "formId"); v != "" {
			el.FormKey = v
		}
	}
	el.Assignee = strings.TrimSpace(el.Assignee)
	if inner, wrapped, juel := unwrap(el.Assignee); wrapped {
		// One form for both flavours: "=" and the expression in expr-lang.
		el.Assignee = "=" + translate(inner, juel)
		if _, msg := b.compile(el.Assignee[1:], false); msg != "" {
			b.add(el.Line, el.ID, MsgExpression, clip(msg))
		}
	}
	el.DueDate = strings.TrimSpace(el.DueDate)
	el.FormKey = strings.TrimSpace(el.FormKey)
	list, ok := parseGroups(groups)
	if !ok {
		b.add(el.Line, el.ID, MsgGroups, clip(groups))
	}
	el.CandidateGroups = list
	if el.DueDate != "" {
		if why := parseDueDate(el.DueDate); why != "" {
			b.add(el.Line, el.ID, MsgDueDate, clip(el.DueDate), why)
		}
	}
}

// parseGroups reads candidate groups: a comma-separated list of names
// ("officer, supervisor"), or the FEEL list or string of such names that
// Camunda 8 also accepts (=["officer", "supervisor"]). Expressions whose
// value is only known at run time are not supported.
func parseGroups(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	if rest, feel := strings.CutPrefix(s, "="); feel {
		rest = strings.TrimSpace(rest)
		if inner, ok := strings.CutPrefix(rest, "["); ok {
			if inner, ok = strings.CutSuffix(inner, "]"); !ok {
				return nil, false
			}
			rest = inner
		}
		if strings.TrimSpace(rest) == "" {
			return nil, true
		}
		var list []string
		for _, item := range strings.Split(rest, ",") {
			name, err := strconv.Unquote(strings.TrimSpace(item))
			if err != nil || strings.HasPrefix(strings.TrimSpace(item), "'") {
				return nil, false
			}
			names, ok := parseGroups(name)
			if !ok || len(names) == 0 {
				return nil, false
			}
			list = append(list, names...)
		}
		return list, true
	}
	var list []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if strings.ContainsAny(name, " \t\r\n$#{}[]()\"'=`") {
			return nil, false
		}
		list = append(list, name)
	}
	return list, true
}

// serviceTask reads the handler type of a service or send task:
// zeebe:taskDefinition, or a Camunda 7 external task's topic. Camunda 7
// Java delegates and connectors cannot run here.
func (b *builder) serviceTask(el *Element, c *node) {
	for _, a := range []string{"class", "expression", "delegateExpression"} {
		if c.attr(nsCamunda, a) != "" {
			b.reject(el, c.line, "camunda:"+a)
		}
	}
	if conn := c.extension(nsCamunda, "connector"); conn != nil {
		b.reject(el, conn.line, "camunda:connector")
	}
	if td := c.extension(nsZeebe, "taskDefinition"); td != nil {
		el.TaskType = strings.TrimSpace(td.attr("", "type"))
		if r := strings.TrimSpace(td.attr("", "retries")); r != "" {
			if !isNumber(r) {
				b.add(td.line, el.ID, MsgRetries, clip(r))
			} else {
				el.Retries, _ = strconv.Atoi(r)
			}
		}
	}
	// Static settings of the handler: zeebe:taskHeaders, or a Camunda 7
	// task's camunda:properties.
	for _, th := range c.extensions(nsZeebe, "taskHeaders") {
		for _, h := range th.children {
			if h.is(nsZeebe, "header") {
				el.setHeader(h.attr("", "key"), h.attr("", "value"))
			}
		}
	}
	for _, ps := range c.extensions(nsCamunda, "properties") {
		for _, p := range ps.children {
			if p.is(nsCamunda, "property") {
				el.setHeader(p.attr("", "name"), p.attr("", "value"))
			}
		}
	}
	if el.TaskType == "" {
		topic := strings.TrimSpace(c.attr(nsCamunda, "topic"))
		typ := strings.TrimSpace(c.attr(nsCamunda, "type"))
		switch {
		case topic != "":
			el.TaskType = topic
		case typ != "external":
			el.TaskType = typ
		}
	}
	if el.TaskType == "" && !b.unsupported[el] {
		b.add(el.Line, el.ID, MsgNoTaskType)
	}
}

// setHeader keeps a task header; one without a key is ignored, as Zeebe
// does.
func (el *Element) setHeader(key, value string) {
	key = strings.TrimSpace(key)
	if key == "" {
		return
	}
	if el.Headers == nil {
		el.Headers = map[string]string{}
	}
	el.Headers[key] = value
}

// callActivity reads the process a call activity starts: the
// calledElement attribute (Camunda 7) or zeebe:calledElement processId.
func (b *builder) callActivity(el *Element, c *node) {
	el.CalledProcess = strings.TrimSpace(c.attr("", "calledElement"))
	if ce := c.extension(nsZeebe, "calledElement"); ce != nil {
		if v := strings.TrimSpace(ce.attr("", "processId")); v != "" {
			el.CalledProcess = v
		}
	}
	if el.CalledProcess == "" {
		b.add(el.Line, el.ID, MsgNoCalled)
	}
}

// activity reads what every activity may have: loops (which the engine
// does not run), compensation handlers (neither) and variable mappings.
func (b *builder) activity(el *Element, c *node) {
	for _, ch := range c.children {
		if ch.name.Space != nsBPMN {
			continue
		}
		switch ch.name.Local {
		case "multiInstanceLoopCharacteristics", "standardLoopCharacteristics":
			b.reject(el, ch.line, ch.name.Local)
		}
	}
	if c.attr("", "isForCompensation") == "true" {
		b.reject(el, c.line, "isForCompensation")
	}
	// Camunda 8.
	for _, io := range c.extensions(nsZeebe, "ioMapping") {
		for _, m := range io.children {
			switch {
			case m.is(nsZeebe, "input"):
				b.mapping(el, m, &el.Inputs, m.attr("", "source"), m.attr("", "target"), false)
			case m.is(nsZeebe, "output"):
				b.mapping(el, m, &el.Outputs, m.attr("", "source"), m.attr("", "target"), false)
			}
		}
	}
	// Camunda 7.
	for _, io := range c.extensions(nsCamunda, "inputOutput") {
		for _, m := range io.children {
			switch {
			case m.is(nsCamunda, "inputParameter"):
				b.camundaParameter(el, m, &el.Inputs)
			case m.is(nsCamunda, "outputParameter"):
				b.camundaParameter(el, m, &el.Outputs)
			}
		}
	}
	if el.Kind == CallActivity {
		for _, m := range c.extensions(nsCamunda, "in") {
			b.camundaInOut(el, m, &el.Inputs)
		}
		for _, m := range c.extensions(nsCamunda, "out") {
			b.camundaInOut(el, m, &el.Outputs)
		}
	}
}

// camundaParameter reads a camunda:inputParameter or outputParameter with
// a text value: "${expression}", or a string constant. Scripts, lists and
// maps are not supported.
func (b *builder) camundaParameter(el *Element, m *node, to *[]Mapping) {
	if len(m.children) > 0 {
		ch := m.children[0]
		b.reject(el, ch.line, ch.name.Local)
		return
	}
	text := m.trimmed()
	if text == "" {
		b.mapping(el, m, to, "nil", m.attr("", "name"), true)
		return
	}
	b.mapping(el, m, to, text, m.attr("", "name"), false)
}

// camundaInOut reads a call activity's camunda:in or camunda:out: a
// variable (source) or expression (sourceExpression) copied into target.
// Passing a business key is skipped; passing all variables is not
// supported.
func (b *builder) camundaInOut(el *Element, m *node, to *[]Mapping) {
	source, expr := m.attr("", "source"), m.attr("", "sourceExpression")
	switch {
	case m.attr("", "variables") != "":
		b.reject(el, m.line, m.name.Local+" variables="+strconv.Quote(clip(m.attr("", "variables"))))
	case source == "" && expr == "" && m.attr("", "businessKey") != "":
	case source != "":
		b.mapping(el, m, to, source, m.attr("", "target"), true)
	default:
		b.mapping(el, m, to, expr, m.attr("", "target"), false)
	}
}

// mapping compiles a mapping and appends it to the list. source is as
// written (an expression or constant, see mappingSource) or, when raw, in
// expr-lang syntax already.
func (b *builder) mapping(el *Element, m *node, to *[]Mapping, source, target string, raw bool) {
	target = strings.TrimSpace(target)
	if strings.TrimSpace(source) == "" || target == "" {
		b.add(m.line, el.ID, MsgMapping)
		return
	}
	if !raw {
		inner, wrapped, _ := unwrap(source)
		if !wrapped && (strings.Contains(inner, "${") || strings.Contains(inner, "#{")) {
			b.add(m.line, el.ID, MsgExpression, "only a whole value can be an expression: "+clip(inner))
			return
		}
		source = mappingSource(source)
	}
	prog, msg := b.compile(source, false)
	if msg != "" {
		b.add(m.line, el.ID, MsgExpression, clip(msg))
		return
	}
	*to = append(*to, Mapping{Source: source, Target: target, Program: prog})
}

// isNumber reports whether s is 1 to 9 decimal digits.
func isNumber(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
