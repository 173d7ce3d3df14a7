package diagram

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// builder assembles a process and its drawing by hand.
type builder struct {
	p    *bpmn.Process
	defs *bpmn.Definitions
}

func newBuilder(id, name string) *builder {
	p := &bpmn.Process{ID: id, Name: name, Elements: map[string]*bpmn.Element{}, Flows: map[string]*bpmn.Flow{}}
	return &builder{p: p, defs: &bpmn.Definitions{Processes: []*bpmn.Process{p}}}
}

// el adds an element without DI.
func (b *builder) el(id, name string, kind bpmn.Kind, trig bpmn.Trigger) *bpmn.Element {
	e := &bpmn.Element{ID: id, Name: name, Kind: kind, Trigger: trig, Interrupting: true}
	b.p.Elements[id] = e
	return e
}

// shape adds an element with its DI box.
func (b *builder) shape(id, name string, kind bpmn.Kind, trig bpmn.Trigger, x, y, w, h float64) *bpmn.Element {
	e := b.el(id, name, kind, trig)
	b.defs.Diagram.Shapes = append(b.defs.Diagram.Shapes, bpmn.Shape{ElementID: id, X: x, Y: y, W: w, H: h})
	return e
}

func (b *builder) lastShape() *bpmn.Shape {
	return &b.defs.Diagram.Shapes[len(b.defs.Diagram.Shapes)-1]
}

func (b *builder) task(id, name string, kind bpmn.Kind, x, y float64) *bpmn.Element {
	return b.shape(id, name, kind, bpmn.None, x, y, 100, 80)
}

func (b *builder) event(id, name string, kind bpmn.Kind, trig bpmn.Trigger, x, y float64) *bpmn.Element {
	return b.shape(id, name, kind, trig, x, y, 36, 36)
}

func (b *builder) gateway(id, name string, kind bpmn.Kind, x, y float64) *bpmn.Element {
	return b.shape(id, name, kind, bpmn.None, x, y, 50, 50)
}

func (b *builder) boundary(id string, on *bpmn.Element, trig bpmn.Trigger, interrupting bool, x, y float64) *bpmn.Element {
	e := b.event(id, "", bpmn.BoundaryEvent, trig, x, y)
	e.AttachedTo, e.Interrupting, e.Parent = on, interrupting, on.Parent
	on.Boundaries = append(on.Boundaries, e)
	return e
}

func (b *builder) child(parent *bpmn.Element, e *bpmn.Element) *bpmn.Element {
	e.Parent = parent
	parent.Children = append(parent.Children, e)
	return e
}

// flow connects two elements, drawn through the waypoints (none: no DI).
func (b *builder) flow(id string, from, to *bpmn.Element, pts ...float64) *bpmn.Flow {
	f := &bpmn.Flow{ID: id, Source: from, Target: to}
	b.p.Flows[id] = f
	from.Outgoing = append(from.Outgoing, f)
	to.Incoming = append(to.Incoming, f)
	if len(pts) > 0 {
		e := bpmn.Edge{ElementID: id}
		for i := 0; i+1 < len(pts); i += 2 {
			e.Waypoints = append(e.Waypoints, bpmn.Point{X: pts[i], Y: pts[i+1]})
		}
		b.defs.Diagram.Edges = append(b.defs.Diagram.Edges, e)
	}
	return f
}

// everyKind is a process with every kind of element, trigger and flow.
func everyKind() *builder {
	b := newBuilder("ariza", "Arizani ko‘rib chiqish / Рассмотрение заявления")
	start := b.event("start", "Ariza keldi", bpmn.StartEvent, bpmn.None, 100, 200)
	b.lastShape().Label = &bpmn.Bounds{X: 90, Y: 243, W: 56, H: 14}
	startMsg := b.event("startMsg", "Xabar", bpmn.StartEvent, bpmn.Message, 100, 400)
	startTimer := b.event("startTimer", "Har kuni", bpmn.StartEvent, bpmn.Timer, 100, 600)
	review := b.task("review", "Arizani ko‘rib chiqish va qaror qabul qilish", bpmn.UserTask, 200, 178)
	b.boundary("bTimer", review, bpmn.Timer, true, 282, 240)
	b.boundary("bMsg", review, bpmn.Message, false, 212, 240)
	bErr := b.boundary("bErr", review, bpmn.Error, true, 247, 240)
	gw := b.gateway("gw", "Tasdiqlandimi?", bpmn.ExclusiveGateway, 360, 193)
	b.lastShape().Label = &bpmn.Bounds{X: 348, Y: 163, W: 74, H: 14}
	svc := b.task("svc", "Reyestrga yozish", bpmn.ServiceTask, 460, 178)
	send := b.task("send", "Уведомить заявителя", bpmn.SendTask, 620, 178)
	fork := b.gateway("fork", "", bpmn.ParallelGateway, 780, 193)
	incl := b.gateway("incl", "", bpmn.InclusiveGateway, 360, 393)

	sub := b.shape("sub", "Hujjatlarni tekshirish", bpmn.SubProcess, bpmn.None, 460, 350, 350, 200)
	b.lastShape().Expanded = true
	subStart := b.child(sub, b.event("subStart", "", bpmn.StartEvent, bpmn.None, 480, 432))
	subTask := b.child(sub, b.task("subTask", "Check passport", bpmn.UserTask, 560, 410))
	subEnd := b.child(sub, b.event("subEnd", "", bpmn.EndEvent, bpmn.None, 740, 432))

	collapsed := b.shape("collapsed", "Collapsed", bpmn.SubProcess, bpmn.None, 860, 350, 100, 80)
	hidden := b.child(collapsed, b.task("hiddenTask", "On its own plane", bpmn.UserTask, 0, 0))
	call := b.task("call", "Call other", bpmn.CallActivity, 860, 178)
	waitT := b.event("waitTimer", "5 kun", bpmn.IntermediateCatchEvent, bpmn.Timer, 1000, 200)
	waitM := b.event("waitMsg", "Javob", bpmn.IntermediateCatchEvent, bpmn.Message, 1000, 300)
	end := b.event("end", "Tugadi", bpmn.EndEvent, bpmn.None, 1100, 200)
	endMsg := b.event("endMsg", "", bpmn.EndEvent, bpmn.Message, 1100, 300)
	endErr := b.event("endErr", "", bpmn.EndEvent, bpmn.Error, 1100, 400)
	endTerm := b.event("endTerm", "", bpmn.EndEvent, bpmn.Terminate, 1100, 500)
	noDI := b.el("noDI", "Not drawn", bpmn.UserTask, bpmn.None)
	_ = noDI
	_ = hidden

	b.flow("f1", start, review, 136, 218, 200, 218)
	b.flow("f2", review, gw, 300, 218, 360, 218)
	yes := b.flow("fYes", gw, svc, 410, 218, 460, 218)
	yes.Name, yes.Condition = "Ha", "approved == true"
	no := b.flow("fNo", gw, incl, 385, 243, 385, 393)
	no.Name = "Yo‘q"
	gw.Default = no
	b.flow("f3", svc, send, 560, 218, 620, 218)
	cond := b.flow("fCond", svc, sub, 510, 258, 510, 350)
	cond.Condition = "amount > 100"
	svc.Default = b.flow("fSvcDefault", svc, fork, 560, 200, 805, 150, 805, 193)
	b.flow("f4", send, fork, 720, 218, 780, 218)
	b.flow("f5", fork, call, 830, 218, 860, 218)
	b.flow("f6", call, waitT, 960, 218, 1000, 218)
	b.flow("f7", waitT, end, 1036, 218, 1100, 218)
	b.flow("f8", startMsg, incl, 136, 418, 360, 418)
	b.flow("f9", startTimer, waitM, 136, 618, 1018, 618, 1018, 336)
	b.flow("f10", waitM, endMsg, 1036, 318, 1100, 318)
	b.flow("f11", bErr, endErr, 265, 276, 265, 418, 1100, 418)
	b.flow("f12", incl, collapsed)         // no DI: not drawn
	b.flow("f13", collapsed, endTerm, 910) // one coordinate: no waypoint, not drawn
	b.flow("fsub1", subStart, subTask, 516, 450, 560, 450)
	b.flow("fsub2", subTask, subEnd, 660, 450, 740, 450)
	b.flow("fHidden", hidden, hidden, 0, 0, 10, 10) // inside the collapsed sub-process
	// A shape and an edge of another process are ignored.
	b.defs.Diagram.Shapes = append(b.defs.Diagram.Shapes, bpmn.Shape{ElementID: "otherProcessTask", X: 5000, Y: 5000, W: 100, H: 80})
	b.defs.Diagram.Edges = append(b.defs.Diagram.Edges, bpmn.Edge{ElementID: "otherFlow", Waypoints: []bpmn.Point{{X: -5000, Y: 0}, {X: 0, Y: 0}}})
	return b
}

// xnode is a parsed XML element.
type xnode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []*xnode   `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n *xnode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// walk visits n and its descendants.
func (n *xnode) walk(f func(*xnode)) {
	f(n)
	for _, c := range n.Children {
		c.walk(f)
	}
}

func (n *xnode) all(local string) []*xnode {
	var out []*xnode
	n.walk(func(x *xnode) {
		if x.XMLName.Local == local {
			out = append(out, x)
		}
	})
	return out
}

// text is the character data of n and its descendants.
func (n *xnode) text() string {
	var sb strings.Builder
	n.walk(func(x *xnode) { sb.WriteString(x.Text) })
	return sb.String()
}

// group finds the <g> of an element, nil when it is not drawn.
func (n *xnode) group(id string) *xnode {
	var found *xnode
	n.walk(func(x *xnode) {
		if found == nil && x.XMLName.Local == "g" && x.attr("data-element-id") == id && !strings.HasPrefix(x.attr("class"), "badge") {
			found = x
		}
	})
	return found
}

func (n *xnode) title() string {
	for _, c := range n.Children {
		if c.XMLName.Local == "title" {
			return c.Text
		}
	}
	return ""
}

// parse checks that out is well-formed XML and returns its tree.
func parse(t testing.TB, out []byte) *xnode {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
	}
	var root xnode
	if err := xml.Unmarshal(out, &root); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return &root
}

func render(t testing.TB, r Renderer, b *builder, h Highlights) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(&buf, b.defs, b.p, h); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRenderEveryKind(t *testing.T) {
	b := everyKind()
	out := render(t, Renderer{}, b, Highlights{})
	root := parse(t, out)

	if root.XMLName.Space != "http://www.w3.org/2000/svg" || root.XMLName.Local != "svg" {
		t.Fatalf("root = %v", root.XMLName)
	}
	if root.attr("role") != "img" || root.attr("aria-labelledby") != "bpmn-title" {
		t.Errorf("root attrs: %v", root.Attrs)
	}
	if len(root.Children) == 0 || root.Children[0].XMLName.Local != "title" || root.Children[0].Text != b.p.Name {
		t.Fatalf("first child is not the process title: %+v", root.Children[0])
	}
	if root.attr("data-process-id") != "ariza" {
		t.Errorf("data-process-id = %q", root.attr("data-process-id"))
	}

	// Drawn and skipped elements.
	for _, id := range []string{"start", "startMsg", "startTimer", "review", "bTimer", "bMsg", "bErr", "gw", "svc", "send",
		"fork", "incl", "sub", "subStart", "subTask", "subEnd", "collapsed", "call", "waitTimer", "waitMsg",
		"end", "endMsg", "endErr", "endTerm",
		"f1", "f2", "fYes", "fNo", "f3", "fCond", "fSvcDefault", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "fsub1", "fsub2"} {
		g := root.group(id)
		if g == nil {
			t.Errorf("%s not drawn", id)
			continue
		}
		if g.attr("id") != "bpmn-el-"+id {
			t.Errorf("%s: id = %q", id, g.attr("id"))
		}
		if g.title() == "" {
			t.Errorf("%s: no title", id)
		}
	}
	for _, id := range []string{"noDI", "hiddenTask", "fHidden", "f12", "f13", "otherProcessTask", "otherFlow"} {
		if root.group(id) != nil {
			t.Errorf("%s drawn, want skipped", id)
		}
	}
	if n := len(root.all("g")); n != 41 {
		t.Errorf("%d groups, want 41", n)
	}

	uses := func(id string) []string {
		var hrefs []string
		for _, u := range root.group(id).all("use") {
			hrefs = append(hrefs, strings.TrimPrefix(u.attr("href"), "#bpmn-"))
		}
		return hrefs
	}
	circles := func(id string) []*xnode { return root.group(id).all("circle") }
	// Events: circles, strokes and icons.
	for _, tc := range []struct {
		id      string
		circles int
		width   string
		dashed  bool
		icon    string
	}{
		{"start", 1, "1.5", false, ""},
		{"startMsg", 1, "1.5", false, "msg"},
		{"startTimer", 1, "1.5", false, "timer"},
		{"end", 1, "4", false, ""},
		{"endMsg", 1, "4", false, "msg-throw"},
		{"endErr", 1, "4", false, "error-throw"},
		{"endTerm", 1, "4", false, "terminate"},
		{"waitTimer", 2, "1.5", false, "timer"},
		{"waitMsg", 2, "1.5", false, "msg"},
		{"bTimer", 2, "1.5", false, "timer"},
		{"bMsg", 2, "1.5", true, "msg"},
		{"bErr", 2, "1.5", false, "error"},
	} {
		cs := circles(tc.id)
		if len(cs) != tc.circles {
			t.Errorf("%s: %d circles, want %d", tc.id, len(cs), tc.circles)
			continue
		}
		if w := cs[0].attr("stroke-width"); w != tc.width {
			t.Errorf("%s: stroke-width %s, want %s", tc.id, w, tc.width)
		}
		if d := cs[0].attr("stroke-dasharray") != ""; d != tc.dashed {
			t.Errorf("%s: dashed %v, want %v", tc.id, d, tc.dashed)
		}
		if got := strings.Join(uses(tc.id), ","); got != tc.icon {
			t.Errorf("%s: icons %q, want %q", tc.id, got, tc.icon)
		}
		if g := root.group(tc.id); g.attr("class") != "event" {
			t.Errorf("%s: class %q", tc.id, g.attr("class"))
		}
	}
	// Activities and gateways.
	for _, tc := range []struct {
		id, icon, width, class string
	}{
		{"review", "user", "2", "activity"},
		{"svc", "service", "2", "activity"},
		{"send", "send", "2", "activity"},
		{"call", "", "5", "activity"},
		{"collapsed", "plus", "2", "activity"},
		{"sub", "", "2", "container"},
		{"gw", "xor", "", "gateway"},
		{"fork", "and", "", "gateway"},
		{"incl", "or", "", "gateway"},
	} {
		g := root.group(tc.id)
		if g.attr("class") != tc.class {
			t.Errorf("%s: class %q, want %q", tc.id, g.attr("class"), tc.class)
		}
		if got := strings.Join(uses(tc.id), ","); got != tc.icon {
			t.Errorf("%s: icons %q, want %q", tc.id, got, tc.icon)
		}
		if tc.class == "gateway" {
			if len(g.all("path")) != 1 || !strings.HasSuffix(g.all("path")[0].attr("d"), "Z") {
				t.Errorf("%s: no diamond", tc.id)
			}
			continue
		}
		rects := g.all("rect")
		if len(rects) != 1 || rects[0].attr("rx") != "10" || rects[0].attr("stroke-width") != tc.width {
			t.Errorf("%s: box %+v", tc.id, rects)
		}
	}
	// The expanded sub-process is drawn before the flows and shapes in it.
	if i, j := bytes.Index(out, []byte(`data-element-id="sub"`)), bytes.Index(out, []byte(`data-element-id="subTask"`)); i < 0 || j < i {
		t.Error("sub-process not drawn below its children")
	}
	if i, j := bytes.Index(out, []byte(`data-element-id="review"`)), bytes.Index(out, []byte(`data-element-id="bTimer"`)); j < i {
		t.Error("boundary event drawn below its task")
	}

	// Flows: arrows, default slash, conditional diamond only from a non-gateway.
	for _, tc := range []struct {
		id, start string
	}{
		{"f1", ""}, {"fYes", ""}, {"fNo", "url(#bpmn-default)"}, {"fCond", "url(#bpmn-cond)"},
		{"fSvcDefault", "url(#bpmn-default)"}, {"f9", ""},
	} {
		pl := root.group(tc.id).all("polyline")
		if len(pl) != 1 {
			t.Fatalf("%s: %d polylines", tc.id, len(pl))
		}
		if pl[0].attr("marker-end") != "url(#bpmn-arrow)" {
			t.Errorf("%s: marker-end %q", tc.id, pl[0].attr("marker-end"))
		}
		if pl[0].attr("marker-start") != tc.start {
			t.Errorf("%s: marker-start %q, want %q", tc.id, pl[0].attr("marker-start"), tc.start)
		}
	}
	if got := root.group("f9").all("polyline")[0].attr("points"); got != "136,618 1018,618 1018,336" {
		t.Errorf("f9 points %q", got)
	}
	// Markers and symbols used are defined exactly once; unused ones are not.
	defined := map[string]int{}
	for _, d := range root.all("defs") {
		for _, c := range d.Children {
			defined[c.attr("id")]++
		}
	}
	for _, id := range []string{"arrow", "default", "cond", "timer", "msg", "msg-throw", "error", "error-throw", "terminate",
		"user", "service", "send", "xor", "and", "or", "plus"} {
		if defined["bpmn-"+id] != 1 {
			t.Errorf("%s defined %d times", id, defined["bpmn-"+id])
		}
	}
	if defined["bpmn-arrow-done"] != 0 {
		t.Error("arrow-done defined without completed flows")
	}

	// Names: inside the task box (wrapped), at the DI label, below a gateway
	// without one, at a flow.
	review := root.group("review").all("tspan")
	if len(review) < 2 {
		t.Errorf("task name not wrapped: %d lines", len(review))
	}
	if got := root.group("review").all("text")[0].text(); got != "Arizani ko‘rib chiqish va qaror qabul qilish" && !strings.Contains(strings.Join(strings.Fields(got), " "), "qaror") {
		t.Errorf("task text %q", got)
	}
	for _, sp := range review {
		x, _ := strconv.ParseFloat(sp.attr("x"), 64)
		y, _ := strconv.ParseFloat(sp.attr("y"), 64)
		if x != 250 || y < 178 || y > 258 {
			t.Errorf("task line at %v,%v, outside the box", x, y)
		}
	}
	gwText := root.group("gw").all("tspan")
	if len(gwText) != 1 || gwText[0].attr("x") != "385" || gwText[0].Text != "Tasdiqlandimi?" {
		t.Errorf("gateway label %+v", gwText)
	}
	if y, _ := strconv.ParseFloat(gwText[0].attr("y"), 64); y < 163 || y > 177 {
		t.Errorf("gateway label at y=%v, want in the DI label bounds", y)
	}
	if sp := root.group("waitTimer").all("tspan"); len(sp) != 1 || sp[0].attr("x") != "1018" {
		t.Errorf("event label without DI bounds: %+v", sp)
	} else if y, _ := strconv.ParseFloat(sp[0].attr("y"), 64); y < 236 {
		t.Errorf("event label at y=%v, want below the event", y)
	}
	if got := root.group("fNo").all("text")[0].text(); got != "Yo‘q" {
		t.Errorf("flow label %q", got)
	}
	if got := root.group("fYes").title(); got != "Ha [approved == true]" {
		t.Errorf("flow title %q", got)
	}
	if got := root.group("fork").title(); got != "fork" {
		t.Errorf("nameless gateway title %q", got)
	}
	// Without highlights: no halo, no badge.
	if bytes.Contains(out, []byte("badge")) || bytes.Contains(out, []byte(activeInk)) || bytes.Contains(out, []byte(doneFill)) {
		t.Error("highlight drawn without highlights")
	}
}

func TestHighlights(t *testing.T) {
	b := everyKind()
	h := Highlights{
		Active:    map[string]int{"review": 3, "waitTimer": 1, "subTask": 1200, "noDI": 5, "gw": 0},
		Incidents: map[string]int{"svc": 1, "review": 2},
		Completed: map[string]bool{"start": true, "f1": true, "review": true},
		Links:     map[string]string{"review": "/ops/tasks?el=review&x=1", "svc": "javascript:alert(1)", "gw": " JavaScript:alert(1)", "end": "HTTPS://example.uz/a"},
	}
	text := Text{
		Kind: func(k bpmn.Kind) string { return "kind:" + string(k) },
		Status: func(s Status) string {
			return fmt.Sprintf("a=%d i=%d c=%v", s.Active, s.Incidents, s.Completed)
		},
	}
	out := render(t, Renderer{Text: text}, b, h)
	root := parse(t, out)

	halo := func(id string) string {
		for _, n := range root.group(id).Children {
			if n.attr("fill") == "none" && n.attr("stroke-width") == "3" {
				return n.attr("stroke")
			}
		}
		return ""
	}
	if got := halo("review"); got != incidentInk {
		t.Errorf("review halo %q, want incident colour (incidents win)", got)
	}
	if got := halo("waitTimer"); got != activeInk {
		t.Errorf("waitTimer halo %q", got)
	}
	if got := halo("svc"); got != incidentInk {
		t.Errorf("svc halo %q", got)
	}
	if got := halo("gw"); got != "" {
		t.Errorf("gw with 0 tokens has halo %q", got)
	}
	if got := root.group("review").attr("class"); got != "activity active incident completed" {
		t.Errorf("review class %q", got)
	}
	// Badges.
	badges := map[string]string{}
	for _, g := range root.all("g") {
		if c := g.attr("class"); strings.HasPrefix(c, "badge") {
			badges[c+" "+g.attr("data-element-id")] = g.all("text")[0].Text
			if c == "badge active" && g.all("rect")[0].attr("fill") != activeInk ||
				c == "badge incident" && g.all("rect")[0].attr("fill") != incidentInk {
				t.Errorf("badge %s colour", c)
			}
		}
	}
	want := map[string]string{
		"badge active review": "3", "badge active waitTimer": "1", "badge active subTask": "999+",
		"badge incident svc": "1", "badge incident review": "2",
	}
	if fmt.Sprint(badges) != fmt.Sprint(want) {
		t.Errorf("badges %v, want %v", badges, want)
	}
	// Badges come after every shape, so nothing covers them.
	if i, j := bytes.Index(out, []byte(`class="badge`)), bytes.LastIndex(out, []byte(`class="event`)); i < j {
		t.Error("badges not on top")
	}
	// Completed: tinted shapes, tinted flow with its own arrow.
	if got := root.group("start").all("circle")[0].attr("fill"); got != doneFill {
		t.Errorf("completed start fill %q", got)
	}
	if got := root.group("review").all("rect"); got[len(got)-1].attr("fill") != doneFill {
		t.Errorf("completed task fill %q", got[len(got)-1].attr("fill"))
	}
	if pl := root.group("f1").all("polyline")[0]; pl.attr("stroke") != doneInk || pl.attr("marker-end") != "url(#bpmn-arrow-done)" {
		t.Errorf("completed flow %v", pl.Attrs)
	}
	// Tooltips name the element and its state through Text.
	if got := root.group("review").title(); got != "Arizani ko‘rib chiqish va qaror qabul qilish (a=3 i=2 c=true)" {
		t.Errorf("review title %q", got)
	}
	if got := root.group("fork").title(); got != "kind:parallelGateway" {
		t.Errorf("fork title %q", got)
	}
	if got := root.group("f1").title(); got != "f1 (a=0 i=0 c=true)" {
		t.Errorf("f1 title %q", got)
	}
	// Links: only safe ones, wrapping the element's group.
	links := map[string]string{}
	for _, a := range root.all("a") {
		links[a.Children[0].attr("data-element-id")] = a.attr("href")
	}
	if fmt.Sprint(links) != fmt.Sprint(map[string]string{"review": "/ops/tasks?el=review&x=1", "end": "HTTPS://example.uz/a"}) {
		t.Errorf("links %v", links)
	}
	if bytes.Contains(bytes.ToLower(out), []byte("javascript")) {
		t.Error("javascript: URL written")
	}
}

func TestEscaping(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`"]]><x`,
		`'"><svg onload=alert(1)>`,
		"a&b &amp; &#x3c; \x00\x01\x1f\ufffe bad\xff utf8",
		`</title></g></svg><script>`,
		"line\nbreak\ttab\r",
	}
	for _, s := range hostile {
		t.Run(strconv.Quote(s), func(t *testing.T) {
			b := newBuilder(s, s)
			task := b.task(s, s, bpmn.UserTask, 0, 0)
			gw := b.gateway("g"+s, s, bpmn.ExclusiveGateway, 200, 15)
			b.lastShape().Label = &bpmn.Bounds{X: 200, Y: 70, W: 50, H: 14}
			f := b.flow("f"+s, task, gw, 100, 40, 200, 40)
			f.Name, f.Condition = s, s
			gw.Default = f
			h := Highlights{Active: map[string]int{s: 1}, Links: map[string]string{s: "/x?q=" + s}}
			r := Renderer{Text: Text{Status: func(Status) string { return s }}, IDPrefix: s}
			out := render(t, r, b, h)
			root := parse(t, out)
			if bytes.Contains(out, []byte("<script")) || bytes.Contains(out, []byte("<x")) || bytes.Contains(out, []byte("<svg onload")) {
				t.Fatalf("raw markup escaped the text:\n%s", out)
			}
			if len(root.all("script")) != 0 || len(root.all("x")) != 0 {
				t.Fatal("injected element")
			}
			clean := cleanXML(s)
			if got := root.Children[0].Text; got != clean {
				t.Errorf("process title %q, want %q", got, clean)
			}
			if got := root.group(clean); got == nil || got.title() != clean+" ("+clean+")" {
				t.Errorf("task group/title wrong: %v", got)
			}
			if got := root.group("f" + clean).title(); got != clean+" ["+clean+"]" {
				t.Errorf("flow title %q", got)
			}
			for _, n := range root.all("g") {
				if id := n.attr("id"); id != "" && !strings.HasPrefix(id, cleanPrefix(s)) {
					t.Errorf("id %q without the cleaned prefix", id)
				}
			}
		})
	}
}

// cleanXML is s as it reads back from the drawing.
func cleanXML(s string) string {
	var sb strings.Builder
	for i, r := range s {
		switch {
		case r == '\uFFFD' && strings.HasPrefix(s[i:], "\xff"):
			sb.WriteRune(r)
		case r == '\t' || r == '\n' || r == '\r':
			sb.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == 0xFFFE || r == 0xFFFF:
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func TestViewBox(t *testing.T) {
	b := newBuilder("p", "P")
	b.task("t", "T", bpmn.UserTask, 100, 100)
	root := parse(t, render(t, Renderer{}, b, Highlights{}))
	if got := root.attr("viewBox"); got != "80 80 140 120" {
		t.Errorf("viewBox %q", got)
	}
	if root.attr("width") != "140" || root.attr("height") != "120" {
		t.Errorf("size %s x %s", root.attr("width"), root.attr("height"))
	}

	// Waypoints, labels and badges count too.
	b.event("e", "A rather long event name", bpmn.EndEvent, bpmn.None, 300, 122)
	b.lastShape().Label = &bpmn.Bounds{X: 290, Y: 165, W: 60, H: 27}
	f := b.flow("f", b.p.Elements["t"], b.p.Elements["e"], 200, 140, 250, 140, 250, -40, 300, 140)
	_ = f
	root = parse(t, render(t, Renderer{}, b, Highlights{Incidents: map[string]int{"e": 1}}))
	vb := strings.Fields(root.attr("viewBox"))
	nums := make([]float64, 4)
	for i, s := range vb {
		nums[i], _ = strconv.ParseFloat(s, 64)
	}
	if nums[1] != -60 {
		t.Errorf("top %v, want -60 (waypoint at -40)", nums[1])
	}
	if nums[0] != 80 || nums[0]+nums[2] < 344+margin || nums[1]+nums[3] < 190+margin {
		t.Errorf("viewBox %v does not cover the drawing", nums)
	}

	// Broken coordinates are skipped, not spread over the view box.
	b.shape("huge", "", bpmn.UserTask, bpmn.None, 1e300, 0, 100, 80)
	b.shape("nan", "", bpmn.UserTask, bpmn.None, 0, 0, -1, 80)
	b.defs.Diagram.Edges[0].Waypoints[1].Y = math.NaN()
	root2 := parse(t, render(t, Renderer{}, b, Highlights{}))
	if root2.group("huge") != nil || root2.group("nan") != nil || root2.group("f") != nil {
		t.Error("broken DI drawn")
	}
	if strings.Contains(root2.attr("viewBox"), "e+") || strings.Contains(root2.attr("viewBox"), "NaN") {
		t.Errorf("viewBox %q", root2.attr("viewBox"))
	}
}

func TestEmpty(t *testing.T) {
	b := newBuilder("p", "Jarayon")
	b.el("t", "T", bpmn.UserTask, bpmn.None)
	for _, tc := range []struct {
		name string
		defs *bpmn.Definitions
		text Text
		want string
	}{
		{"no DI", b.defs, Text{Empty: "Chizma yo‘q <b>"}, "Chizma yo‘q <b>"},
		{"nil defs", nil, Text{Empty: "Нет схемы"}, "Нет схемы"},
		{"no text", b.defs, Text{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := (Renderer{Text: tc.text}).Render(&buf, tc.defs, b.p, Highlights{Active: map[string]int{"t": 1}}); err != nil {
				t.Fatal(err)
			}
			root := parse(t, buf.Bytes())
			if root.attr("viewBox") != "0 0 300 60" {
				t.Errorf("viewBox %q", root.attr("viewBox"))
			}
			texts := root.all("text")
			switch {
			case tc.want == "" && len(texts) != 0:
				t.Errorf("text written: %v", texts[0].Text)
			case tc.want != "" && (len(texts) != 1 || texts[0].text() != tc.want):
				t.Errorf("texts %+v, want %q", texts, tc.want)
			}
			if len(root.all("g")) != 0 || len(root.all("defs")) != 0 {
				t.Error("shapes in an empty drawing")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	h := func() Highlights {
		h := Highlights{Active: map[string]int{}, Incidents: map[string]int{}, Completed: map[string]bool{}, Links: map[string]string{}}
		for i, id := range []string{"review", "svc", "send", "gw", "end", "f1", "f2", "subTask"} {
			h.Active[id] = i + 1
			h.Incidents[id] = i % 2
			h.Completed[id] = i%3 == 0
			h.Links[id] = "/el/" + id
		}
		return h
	}
	first := render(t, Renderer{}, everyKind(), h())
	for range 20 {
		// Fresh maps, so their iteration order differs.
		if got := render(t, Renderer{}, everyKind(), h()); !bytes.Equal(got, first) {
			t.Fatal("output differs between runs")
		}
	}
}

func TestGolden(t *testing.T) {
	b := newBuilder("p", "P")
	start := b.event("s", "", bpmn.StartEvent, bpmn.None, 0, 22)
	task := b.task("t", "Qabul", bpmn.ServiceTask, 100, 0)
	b.flow("f", start, task, 36, 40, 100, 40)
	got := string(render(t, Renderer{IDPrefix: "d1-"}, b, Highlights{Active: map[string]int{"t": 2}}))
	for _, want := range []string{
		`<svg xmlns="http://www.w3.org/2000/svg" role="img" class="bpmn-diagram" aria-labelledby="d1-title" data-process-id="p" viewBox="-20 -26 246 135" width="246" height="135" font-family="Arial, Helvetica, sans-serif" font-size="12"><title id="d1-title">P</title><defs><marker id="d1-arrow"`,
		`<g id="d1-el-s" data-element-id="s" class="event"><title>s</title><circle cx="18" cy="40" r="18" fill="#fff" stroke="#22242a" stroke-width="1.5"/></g>`,
		`<g id="d1-el-f" data-element-id="f" class="flow"><title>f</title><polyline points="36,40 100,40" fill="none" stroke="#22242a" stroke-width="1.5" stroke-linejoin="round" marker-end="url(#d1-arrow)"/></g>`,
		`<g id="d1-el-t" data-element-id="t" class="activity active"><title>Qabul</title><rect x="96" y="-4" width="108" height="88" rx="14" fill="none" stroke="#0b5cad" stroke-width="3"/><rect x="100" y="0" width="100" height="80" rx="10" fill="#fff" stroke="#22242a" stroke-width="2"/><use href="#d1-service" x="105" y="5" width="18" height="18"/><text text-anchor="middle" fill="#22242a"><tspan x="150" y="44.2">Qabul</tspan></text></g>`,
		`<g class="badge active" data-element-id="t"><rect x="92" y="70" width="18" height="18" rx="9" fill="#0b5cad" stroke="#fff" stroke-width="1.5"/><text text-anchor="middle" font-size="11" font-weight="bold" fill="#fff" x="101" y="83">2</text></g></svg>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing\n%s\nin\n%s", want, got)
		}
	}
	parse(t, []byte(got))
}

func TestWrap(t *testing.T) {
	var c canvas
	lines := func(s string, maxW float64, rows int) []string {
		var out []string
		for _, sp := range c.wrap(s, maxW, fontSize, rows) {
			l := s[sp.a:sp.b]
			if sp.ellipsis {
				l += "…"
			}
			if sp.w > maxW+0.001 {
				t.Errorf("%q: line %q is %v wide, max %v", s, l, sp.w, maxW)
			}
			out = append(out, l)
		}
		return out
	}
	for _, tc := range []struct {
		s    string
		maxW float64
		rows int
		want []string
	}{
		{"", 90, 5, nil},
		{"   ", 90, 5, nil},
		{"Qabul", 90, 5, []string{"Qabul"}},
		{"Arizani ko‘rib chiqish", 90, 5, []string{"Arizani ko‘rib", "chiqish"}},
		{"Рассмотрение заявления гражданина", 90, 5, []string{"Рассмотрение", "заявления", "гражданина"}},
		{"one two three four five six", 90, 1, []string{"one two three…"}},
		{"a\nb", 90, 5, []string{"a", "b"}},
		{"a\n", 90, 1, []string{"a"}},
		{"  spaced   out  ", 200, 5, []string{"spaced   out"}},
		{"Supercalifragilisticexpialidocious", 60, 5, []string{"Supercalifr", "agilisticex", "pialidociou", "s"}},
		{"Supercalifragilisticexpialidocious", 60, 2, []string{"Supercalifr", "agilistice…"}},
		{"x y", 0, 3, nil}, // no room at all
		{"x y", 3, 3, nil},
	} {
		got := lines(tc.s, tc.maxW, tc.rows)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
			t.Errorf("wrap(%q, %v, %d) = %q, want %q", tc.s, tc.maxW, tc.rows, got, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	b := everyKind()
	if err := Render(&bytes.Buffer{}, b.defs, nil, Highlights{}); err == nil {
		t.Error("nil process accepted")
	}
	boom := errors.New("boom")
	for n := range 3 {
		w := &failWriter{after: n, err: boom}
		if err := Render(w, b.defs, b.p, Highlights{}); !errors.Is(err, boom) {
			t.Errorf("write %d failing: err = %v", n, err)
		}
	}
}

type failWriter struct {
	after int
	err   error
}

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, w.err
	}
	w.after--
	return len(p), nil
}

// TestWriteFile leaves a drawing for a person to look at:
// go test ./internal/workflow/diagram/ -run WriteFile -v
func TestWriteFile(t *testing.T) {
	b := everyKind()
	h := Highlights{
		Active:    map[string]int{"review": 3, "subTask": 1, "waitTimer": 12},
		Incidents: map[string]int{"svc": 1},
		Completed: map[string]bool{"start": true, "f1": true, "review": true, "f2": true, "gw": true, "fYes": true},
		Links:     map[string]string{"review": "#review"},
	}
	path := filepath.Join(t.TempDir(), "every-kind.svg")
	var buf bytes.Buffer
	if err := Render(&buf, b.defs, b.p, h); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	big := bigProcess(200)
	bigPath := filepath.Join(t.TempDir(), "big.svg")
	buf.Reset()
	if err := Render(&buf, big.defs, big.p, Highlights{Active: map[string]int{"t50": 2}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bigPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s and %s (removed after the test; copy them to look)", path, bigPath)
}

// bigProcess is a chain of n elements in rows, every tenth a gateway.
func bigProcess(n int) *builder {
	b := newBuilder("big", "Katta jarayon")
	var prev *bpmn.Element
	for i := range n {
		x, y := float64(i%10)*150, float64(i/10)*130
		var e *bpmn.Element
		switch {
		case i == 0:
			e = b.event("s", "Boshlash", bpmn.StartEvent, bpmn.None, x+32, y+22)
		case i == n-1:
			e = b.event("e", "Tugash", bpmn.EndEvent, bpmn.None, x+32, y+22)
		case i%10 == 5:
			e = b.gateway(fmt.Sprintf("g%d", i), "Tekshirildimi?", bpmn.ExclusiveGateway, x+25, y+15)
		default:
			e = b.task(fmt.Sprintf("t%d", i), fmt.Sprintf("Hujjatni ko‘rib chiqish №%d va xulosa", i), bpmn.UserTask, x, y)
		}
		if prev != nil {
			f := b.flow(fmt.Sprintf("f%d", i), prev, e, x-50, y+40, x, y+40)
			f.Name = "ha"
		}
		prev = e
	}
	return b
}

func BenchmarkRender200(b *testing.B) {
	p := bigProcess(200)
	h := Highlights{Active: map[string]int{"t11": 1, "t50": 2}, Incidents: map[string]int{"t77": 1}, Completed: map[string]bool{"s": true, "f1": true}}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, p.defs, p.p, h); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

// FuzzRender checks that no name breaks the markup.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"", "Ariza", `<script>alert(1)</script>`, `"]]><x`, "\xff\x00", "…‘ʻ"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, name, id string) {
		if id == "" {
			id = "x"
		}
		b := newBuilder(id, name)
		task := b.task(id, name, bpmn.UserTask, 0, 0)
		ev := b.event("e"+id, name, bpmn.EndEvent, bpmn.Message, 200, 22)
		fl := b.flow("f"+id, task, ev, 100, 40, 200, 40)
		fl.Name, fl.Condition = name, name
		out := render(t, Renderer{IDPrefix: name}, b, Highlights{Active: map[string]int{id: 1}, Links: map[string]string{id: name}})
		root := parse(t, out)
		want := cleanXML(name)
		if name == "" {
			want = cleanXML(id)
		}
		if root.Children[0].Text != want {
			t.Errorf("title %q, want %q", root.Children[0].Text, want)
		}
	})
}

func TestAppendNum(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {-0.001, "0"}, {1, "1"}, {-1, "-1"}, {12.5, "12.5"}, {12.05, "12.05"}, {-0.5, "-0.5"},
		{1.005, "1"}, {1.999, "2"}, {123456.78, "123456.78"}, {44.2, "44.2"}, {1e20, "100000000000000000000"},
	} {
		if got := string(appendNum(nil, tc.v)); got != tc.want {
			t.Errorf("appendNum(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestUniqueIDs(t *testing.T) {
	b := everyKind()
	// Element IDs that look like the drawing's own ids.
	b.task("title", "", bpmn.UserTask, 0, 700)
	b.task("arrow", "", bpmn.UserTask, 150, 700)
	b.task("el-review", "", bpmn.UserTask, 300, 700)
	root := parse(t, render(t, Renderer{}, b, Highlights{}))
	seen := map[string]bool{}
	root.walk(func(n *xnode) {
		if id := n.attr("id"); id != "" {
			if seen[id] {
				t.Errorf("id %q twice", id)
			}
			seen[id] = true
		}
	})
	if !seen["bpmn-title"] || !seen["bpmn-arrow"] || !seen["bpmn-el-title"] || !seen["bpmn-el-arrow"] {
		t.Errorf("ids %v", seen)
	}
}

func TestUnknownKind(t *testing.T) {
	b := newBuilder("p", "P")
	b.task("m", "Manual", bpmn.Kind("manualTask"), 0, 0)
	root := parse(t, render(t, Renderer{}, b, Highlights{}))
	g := root.group("m")
	if g == nil || g.attr("class") != "activity" || len(g.all("rect")) != 1 || len(g.all("use")) != 0 {
		t.Errorf("unknown kind not drawn as a plain activity: %+v", g)
	}
}
