// Package diagram draws a process's BPMN-DI drawing as SVG on the server,
// without JavaScript, for the operations pages of the workflow engine.
//
// The drawing follows bpmn.io's look so that analysts recognise it: events
// are circles (start thin, end thick, intermediate and boundary double,
// non-interrupting boundary dashed) with an icon for their trigger; tasks are
// rounded boxes with a type marker; gateways are diamonds with their marker;
// sequence flows are polylines with arrowheads, the default-flow slash and the
// conditional-flow diamond. An instance's state is laid over the drawing:
// elements where tokens wait get a coloured outline and a count badge,
// incidents a red outline and a red badge, passed elements a tint.
//
// The output is one self-contained <svg> element. It uses presentation
// attributes only (no style attribute, no <style>, no script), so it works
// under a strict Content-Security-Policy, inline in a page or as an image.
// Every text taken from the definitions (names, IDs, conditions) is escaped;
// the same input always gives the same bytes.
package diagram

import (
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// Highlights is an instance's (or a process's) state laid over the drawing.
// Every map is keyed by element or sequence flow ID and may be nil.
type Highlights struct {
	// Active is the number of tokens or tasks waiting at an element.
	Active map[string]int
	// Incidents is the number of open incidents at an element.
	Incidents map[string]int
	// Completed marks the elements and flows an instance has passed.
	Completed map[string]bool
	// Links wraps an element's shape in a link to the URL (an http(s) or
	// relative URL; any other scheme is ignored).
	Links map[string]string
}

// Status is an element's state, as given to Text.Status.
type Status struct {
	Active    int
	Incidents int
	Completed bool
}

// Text is the wording the drawing needs, in the reader's language. The zero
// value writes no words of its own: tooltips then name elements by their
// names (or IDs) only.
type Text struct {
	// Empty is written in the drawing of a process that has nothing to draw
	// (no BPMN-DI); "" leaves that drawing blank.
	Empty string
	// Kind names an element type, for the tooltip of an element without a
	// name (e.g. "Exclusive gateway"); nil or "" falls back to the ID.
	Kind func(bpmn.Kind) string
	// Status describes an element's state for its tooltip, e.g.
	// "2 waiting, 1 incident". It is called only for elements with some
	// state; nil or "" leaves the state out of the tooltip.
	Status func(Status) string
}

// Renderer draws processes. Its zero value is ready to use; a Renderer is
// safe for concurrent use.
type Renderer struct {
	Text Text
	// IDPrefix starts every id attribute in the output (markers, symbols,
	// shapes), so that several drawings can share one HTML page; "" means
	// "bpmn-". Characters other than ASCII letters, digits, '-' and '_' are
	// dropped.
	IDPrefix string
}

// Render draws process p of defs with the zero Renderer.
func Render(w io.Writer, defs *bpmn.Definitions, p *bpmn.Process, h Highlights) error {
	return Renderer{}.Render(w, defs, p, h)
}

// Render writes the SVG drawing of process p, drawn from the BPMN-DI of
// defs, with the state h laid over it. Elements and flows without DI are left
// out; a process with nothing to draw gives a small drawing with Text.Empty.
// It fails only when p is nil or w fails.
func (rr Renderer) Render(w io.Writer, defs *bpmn.Definitions, p *bpmn.Process, h Highlights) error {
	if p == nil {
		return errors.New("render diagram: no process")
	}
	c := canvas{
		text:   rr.Text,
		h:      h,
		prefix: cleanPrefix(rr.IDPrefix),
		minX:   math.Inf(1), minY: math.Inf(1),
		maxX: math.Inf(-1), maxY: math.Inf(-1),
	}
	if defs != nil {
		c.draw(&defs.Diagram, p)
	}
	if c.drawn == 0 && c.text.Empty != "" {
		spans := c.wrap(c.text.Empty, 280, fontSize, 2)
		c.textBlock(spans, c.text.Empty, 150, 30-float64(len(spans))*fontSize*lineHeight/2, fontSize, mutedInk, false)
	}
	head := make([]byte, 0, 2048)
	head = c.header(head, p)
	if _, err := w.Write(head); err != nil {
		return err
	}
	if len(c.b) > 0 {
		if _, err := w.Write(c.b); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "</svg>\n")
	return err
}

func cleanPrefix(s string) string {
	if s == "" {
		return "bpmn-"
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' {
			b = append(b, ch)
		}
	}
	if len(b) == 0 {
		return "bpmn-"
	}
	return string(b)
}

// Colours. The outline colours keep at least 4.5:1 contrast against white
// (WCAG 1.4.11 asks 3:1 for graphics), and white badge text on them too.
const (
	ink         = "#22242a" // strokes and text
	paper       = "#fff"
	activeInk   = "#0b5cad" // outline and badge of waiting tokens
	incidentInk = "#c0161d" // outline and badge of incidents
	doneFill    = "#e4f2e7" // tint of passed elements
	doneInk     = "#3b7a4a" // passed sequence flows
	mutedInk    = "#5c5f66" // the empty drawing's text
)

// Sizes, as in bpmn.io.
const (
	margin       = 20.0
	fontSize     = 12.0 // names inside boxes
	labelSize    = 11.0 // names beside events, gateways and flows
	lineHeight   = 1.2  // times the font size
	padding      = 5.0
	labelWidth   = 90.0 // wrap width of external labels
	maxLabelRows = 4
	badgeH       = 18.0
	haloGap      = 4.0
	maxCoord     = 1e6 // coordinates beyond are treated as broken DI
)

// Parts of <defs>, written only when used.
const (
	useArrow = iota
	useArrowDone
	useDefault
	useCond
	useTimer
	useMsg
	useMsgThrow
	useError
	useErrorThrow
	useTerminate
	useUser
	useService
	useSend
	useXor
	useAnd
	useOr
	usePlus
	numDefs = iota
)

// defsName and defsBody are the id suffix and the markup of each part; the
// markup follows its id attribute.
var defsName = [numDefs]string{
	"arrow", "arrow-done", "default", "cond",
	"timer", "msg", "msg-throw", "error", "error-throw", "terminate",
	"user", "service", "send", "xor", "and", "or", "plus",
}

var defsBody = [numDefs]string{
	`<marker id="@arrow" viewBox="0 0 20 20" refX="11" refY="10" markerWidth="10" markerHeight="10" orient="auto"><path d="M1 5L11 10L1 15Z" fill="` + ink + `" stroke="` + ink + `" stroke-linejoin="round"/></marker>`,
	`<marker id="@arrow-done" viewBox="0 0 20 20" refX="11" refY="10" markerWidth="10" markerHeight="10" orient="auto"><path d="M1 5L11 10L1 15Z" fill="` + doneInk + `" stroke="` + doneInk + `" stroke-linejoin="round"/></marker>`,
	`<marker id="@default" viewBox="0 0 20 20" refX="0" refY="10" markerWidth="10" markerHeight="10" orient="auto"><path d="M6 4L10 16" fill="none" stroke="` + ink + `" stroke-width="1.5"/></marker>`,
	`<marker id="@cond" viewBox="0 0 20 20" refX="-1" refY="10" markerWidth="10" markerHeight="10" orient="auto"><path d="M0 10L8 6L16 10L8 14Z" fill="` + paper + `" stroke="` + ink + `"/></marker>`,
	`<symbol id="@timer" viewBox="0 0 36 36"><circle cx="18" cy="18" r="11" fill="` + paper + `" stroke="` + ink + `" stroke-width="2"/><path d="M18 10L18 8M22 11.07L23 9.34M24.93 14L26.66 13M26 18L28 18M24.93 22L26.66 23M22 24.93L23 26.66M18 26L18 28M14 24.93L13 26.66M11.07 22L9.34 23M10 18L8 18M11.07 14L9.34 13M14 11.07L13 9.34" stroke="` + ink + `"/><path d="M18 18l2.25-7.5m-2.25 7.5l5.25 1.5" fill="none" stroke="` + ink + `" stroke-width="1.5"/></symbol>`,
	`<symbol id="@msg" viewBox="0 0 36 36"><path d="M8.5 11.5h19v13h-19z" fill="` + paper + `" stroke="` + ink + `" stroke-width="1.5"/><path d="M8.5 11.5L18 18.5L27.5 11.5" fill="none" stroke="` + ink + `" stroke-width="1.5"/></symbol>`,
	`<symbol id="@msg-throw" viewBox="0 0 36 36"><path d="M8.5 11.5h19v13h-19z" fill="` + ink + `" stroke="` + ink + `" stroke-width="1.5"/><path d="M8.5 11.5L18 18.5L27.5 11.5" fill="none" stroke="` + paper + `" stroke-width="1.5"/></symbol>`,
	`<symbol id="@error" viewBox="0 0 36 36"><path d="M10 26L15 12L20.5 20L26 10L21.5 24.5L16 17Z" fill="` + paper + `" stroke="` + ink + `" stroke-width="1.5" stroke-linejoin="round"/></symbol>`,
	`<symbol id="@error-throw" viewBox="0 0 36 36"><path d="M10 26L15 12L20.5 20L26 10L21.5 24.5L16 17Z" fill="` + ink + `" stroke="` + ink + `" stroke-width="1.5" stroke-linejoin="round"/></symbol>`,
	`<symbol id="@terminate" viewBox="0 0 36 36"><circle cx="18" cy="18" r="10" fill="` + ink + `"/></symbol>`,
	`<symbol id="@user" viewBox="0 0 20 20"><path d="M3 19v-2.5c0-3.6 3-5.8 7-5.8s7 2.2 7 5.8V19z" fill="` + paper + `" stroke="` + ink + `" stroke-width="1.2"/><circle cx="10" cy="6" r="3.6" fill="` + paper + `" stroke="` + ink + `" stroke-width="1.2"/></symbol>`,
	`<symbol id="@service" viewBox="0 0 20 20"><circle cx="10" cy="10" r="6.5" fill="none" stroke="` + ink + `" stroke-width="3" stroke-dasharray="2.553 2.553"/><circle cx="10" cy="10" r="5" fill="` + paper + `" stroke="` + ink + `" stroke-width="1.2"/><circle cx="10" cy="10" r="2" fill="none" stroke="` + ink + `" stroke-width="1.2"/></symbol>`,
	`<symbol id="@send" viewBox="0 0 20 20"><path d="M2 4.5h16v11H2z" fill="` + ink + `"/><path d="M2 4.5l8 6l8-6" fill="none" stroke="` + paper + `" stroke-width="1.2"/></symbol>`,
	`<symbol id="@xor" viewBox="0 0 50 50"><path d="M17.5 17.5l15 15m0-15l-15 15" stroke="` + ink + `" stroke-width="4.5"/></symbol>`,
	`<symbol id="@and" viewBox="0 0 50 50"><path d="M25 13.5v23M13.5 25h23" stroke="` + ink + `" stroke-width="4.5"/></symbol>`,
	`<symbol id="@or" viewBox="0 0 50 50"><circle cx="25" cy="25" r="11" fill="none" stroke="` + ink + `" stroke-width="2.5"/></symbol>`,
	`<symbol id="@plus" viewBox="0 0 14 14"><rect x="0.5" y="0.5" width="13" height="13" fill="` + paper + `" stroke="` + ink + `"/><path d="M7 3v8M3 7h8" stroke="` + ink + `" stroke-width="1.2"/></symbol>`,
}

// canvas is the state of one rendering.
type canvas struct {
	text   Text
	h      Highlights
	prefix string

	b     []byte // the body: everything between <defs> and </svg>
	spans []span // scratch for word wrap
	used  uint32 // parts of <defs> used
	drawn int    // shapes and edges drawn

	minX, minY, maxX, maxY float64
}

// node is a shape to draw.
type node struct {
	s     *bpmn.Shape
	el    *bpmn.Element
	layer int // 0..: expanded sub-processes by depth; then other nodes, then boundary events
}

func (c *canvas) grow(x0, y0, x1, y1 float64) {
	c.minX = min(c.minX, x0)
	c.minY = min(c.minY, y0)
	c.maxX = max(c.maxX, x1)
	c.maxY = max(c.maxY, y1)
}

func okNum(v float64) bool { return v >= -maxCoord && v <= maxCoord } // false for NaN and ±Inf

func okBounds(x, y, w, h float64) bool {
	return okNum(x) && okNum(y) && okNum(w) && okNum(h) && w >= 0 && h >= 0
}

func isContainer(s *bpmn.Shape, el *bpmn.Element) bool {
	return el.Kind == bpmn.SubProcess && s.Expanded
}

// draw writes the body and records the extent and the defs used.
func (c *canvas) draw(d *bpmn.Diagram, p *bpmn.Process) {
	// The first shape of each element of p wins.
	shapes := make(map[string]*bpmn.Shape, len(d.Shapes))
	for i := range d.Shapes {
		s := &d.Shapes[i]
		if p.Elements[s.ElementID] == nil || !okBounds(s.X, s.Y, s.W, s.H) {
			continue
		}
		if _, dup := shapes[s.ElementID]; !dup {
			shapes[s.ElementID] = s
		}
	}
	// visible says whether an element's enclosing sub-processes are all
	// drawn expanded: the children of a collapsed sub-process live on a
	// plane of their own.
	visible := func(el *bpmn.Element) (depth int, ok bool) {
		for q := el.Parent; q != nil; q = q.Parent {
			s := shapes[q.ID]
			if s == nil || !isContainer(s, q) || depth > 64 {
				return 0, false
			}
			depth++
		}
		return depth, true
	}
	const (
		layerNodes    = 100
		layerBoundary = 101
	)
	nodes := make([]node, 0, len(shapes))
	for i := range d.Shapes {
		s := &d.Shapes[i]
		if shapes[s.ElementID] != s {
			continue
		}
		el := p.Elements[s.ElementID]
		depth, ok := visible(el)
		if !ok {
			continue
		}
		layer := layerNodes
		switch {
		case isContainer(s, el):
			layer = min(depth, layerNodes-1)
		case el.Kind == bpmn.BoundaryEvent:
			layer = layerBoundary
		}
		nodes = append(nodes, node{s: s, el: el, layer: layer})
	}
	slices.SortStableFunc(nodes, func(a, b node) int { return a.layer - b.layer })

	c.b = make([]byte, 0, 400*(len(nodes)+len(d.Edges))+1024)
	i := 0
	for ; i < len(nodes) && nodes[i].layer < layerNodes; i++ {
		c.shape(nodes[i].s, nodes[i].el)
	}
	seen := make(map[string]bool, len(d.Edges))
	for k := range d.Edges {
		e := &d.Edges[k]
		f := p.Flows[e.ElementID]
		if f == nil || seen[e.ElementID] || len(e.Waypoints) < 2 {
			continue
		}
		if f.Source != nil {
			if _, ok := visible(f.Source); !ok {
				continue
			}
		}
		if c.edge(e, f) {
			seen[e.ElementID] = true
		}
	}
	for ; i < len(nodes); i++ {
		c.shape(nodes[i].s, nodes[i].el)
	}
	// Badges go on top of everything.
	for _, n := range nodes {
		c.badges(n.s, n.el.ID)
	}
}

// header writes the <svg> start tag, the title and the defs.
func (c *canvas) header(b []byte, p *bpmn.Process) []byte {
	x, y, w, h := 0.0, 0.0, 300.0, 60.0
	if c.drawn > 0 {
		x, y = c.minX-margin, c.minY-margin
		w, h = c.maxX-c.minX+2*margin, c.maxY-c.minY+2*margin
	}
	b = append(b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" class="bpmn-diagram" aria-labelledby="`...)
	b = append(b, c.prefix...)
	b = append(b, `title" data-process-id="`...)
	b = appendEsc(b, p.ID)
	b = append(b, `" viewBox="`...)
	b = appendNum(b, x)
	b = append(b, ' ')
	b = appendNum(b, y)
	b = append(b, ' ')
	b = appendNum(b, w)
	b = append(b, ' ')
	b = appendNum(b, h)
	b = append(b, `" width="`...)
	b = appendNum(b, w)
	b = append(b, `" height="`...)
	b = appendNum(b, h)
	b = append(b, `" font-family="Arial, Helvetica, sans-serif" font-size="12"><title id="`...)
	b = append(b, c.prefix...)
	b = append(b, `title">`...)
	if p.Name != "" {
		b = appendEsc(b, p.Name)
	} else {
		b = appendEsc(b, p.ID)
	}
	b = append(b, "</title>"...)
	if c.used != 0 {
		b = append(b, "<defs>"...)
		for i := range numDefs {
			if c.used&(1<<i) == 0 {
				continue
			}
			part := defsBody[i]
			// Each part starts `<tag id="@…`: put the prefix in place of '@'.
			at := strings.IndexByte(part, '@')
			b = append(b, part[:at]...)
			b = append(b, c.prefix...)
			b = append(b, part[at+1:]...)
		}
		b = append(b, "</defs>"...)
	}
	return b
}

// status is the state of element id.
func (c *canvas) status(id string) Status {
	return Status{Active: c.h.Active[id], Incidents: c.h.Incidents[id], Completed: c.h.Completed[id]}
}

// open writes the start of an element's group: the optional link, the <g>
// and its <title>.
func (c *canvas) open(id, class, name, extra string, kind bpmn.Kind, st Status) {
	if u, ok := c.h.Links[id]; ok && safeURL(u) {
		c.b = append(c.b, `<a href="`...)
		c.b = appendEsc(c.b, u)
		c.b = append(c.b, `">`...)
	}
	c.b = append(c.b, `<g id="`...)
	c.b = append(c.b, c.prefix...)
	c.b = append(c.b, "el-"...)
	c.b = appendEsc(c.b, id)
	c.b = append(c.b, `" data-element-id="`...)
	c.b = appendEsc(c.b, id)
	c.b = append(c.b, `" class="`...)
	c.b = append(c.b, class...)
	if st.Active > 0 {
		c.b = append(c.b, " active"...)
	}
	if st.Incidents > 0 {
		c.b = append(c.b, " incident"...)
	}
	if st.Completed {
		c.b = append(c.b, " completed"...)
	}
	c.b = append(c.b, `"><title>`...)
	if name == "" && kind != "" && c.text.Kind != nil {
		name = c.text.Kind(kind)
	}
	if name == "" {
		name = id
	}
	c.b = appendEsc(c.b, name)
	if extra != "" {
		c.b = append(c.b, " ["...)
		c.b = appendEsc(c.b, extra)
		c.b = append(c.b, ']')
	}
	if c.text.Status != nil && (st.Active > 0 || st.Incidents > 0 || st.Completed) {
		if s := c.text.Status(st); s != "" {
			c.b = append(c.b, " ("...)
			c.b = appendEsc(c.b, s)
			c.b = append(c.b, ')')
		}
	}
	c.b = append(c.b, "</title>"...)
}

func (c *canvas) close(id string) {
	c.b = append(c.b, "</g>"...)
	if u, ok := c.h.Links[id]; ok && safeURL(u) {
		c.b = append(c.b, "</a>"...)
	}
}

// safeURL accepts relative URLs and http(s) ones.
func safeURL(u string) bool {
	if u == "" {
		return false
	}
	for i := 0; i < len(u); i++ {
		switch u[i] {
		case '/', '?', '#':
			return true
		case ':':
			s := u[:i]
			return equalFold(s, "http") || equalFold(s, "https")
		}
	}
	return true
}

func equalFold(s, ascii string) bool {
	if len(s) != len(ascii) {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != ascii[i] {
			return false
		}
	}
	return true
}

// shape draws one element.
func (c *canvas) shape(s *bpmn.Shape, el *bpmn.Element) {
	st := c.status(el.ID)
	// Unknown kinds are drawn as plain activities.
	class := "activity"
	switch {
	case el.Kind == bpmn.StartEvent, el.Kind == bpmn.EndEvent, el.Kind == bpmn.IntermediateCatchEvent, el.Kind == bpmn.BoundaryEvent:
		class = "event"
	case isGateway(el.Kind):
		class = "gateway"
	case isContainer(s, el):
		class = "container"
	}
	c.open(el.ID, class, el.Name, "", el.Kind, st)
	c.drawn++
	c.grow(s.X, s.Y, s.X+s.W, s.Y+s.H)

	fill := paper
	if st.Completed {
		fill = doneFill
	}
	halo := ""
	switch {
	case st.Incidents > 0:
		halo = incidentInk
	case st.Active > 0:
		halo = activeInk
	}

	switch class {
	case "event":
		c.event(s, el, fill, halo)
	case "gateway":
		c.gateway(s, el, fill, halo)
	default:
		c.activity(s, el, fill, halo)
	}
	c.close(el.ID)
}

func (c *canvas) num(v float64) { c.b = appendNum(c.b, v) }
func (c *canvas) str(s string)  { c.b = append(c.b, s...) }
func (c *canvas) attr(k string, v float64) {
	c.b = append(c.b, ' ')
	c.b = append(c.b, k...)
	c.b = append(c.b, `="`...)
	c.b = appendNum(c.b, v)
	c.b = append(c.b, '"')
}

// use writes a <use> of a defs part scaled into the box.
func (c *canvas) use(part int, x, y, w, h float64) {
	c.used |= 1 << part
	c.str(`<use href="#`)
	c.str(c.prefix)
	c.str(defsName[part])
	c.str(`"`)
	c.attr("x", x)
	c.attr("y", y)
	c.attr("width", w)
	c.attr("height", h)
	c.str(`/>`)
}

func (c *canvas) circle(cx, cy, r float64, fill, stroke string, width float64, dashed bool) {
	c.str(`<circle`)
	c.attr("cx", cx)
	c.attr("cy", cy)
	c.attr("r", r)
	c.str(` fill="`)
	c.str(fill)
	c.str(`" stroke="`)
	c.str(stroke)
	c.str(`"`)
	c.attr("stroke-width", width)
	if dashed {
		c.str(` stroke-dasharray="5.5 3"`)
	}
	c.str(`/>`)
}

func (c *canvas) rect(x, y, w, h, rx float64, fill, stroke string, width float64) {
	c.str(`<rect`)
	c.attr("x", x)
	c.attr("y", y)
	c.attr("width", w)
	c.attr("height", h)
	c.attr("rx", rx)
	c.str(` fill="`)
	c.str(fill)
	c.str(`" stroke="`)
	c.str(stroke)
	c.str(`"`)
	c.attr("stroke-width", width)
	c.str(`/>`)
}

func (c *canvas) diamond(x, y, w, h float64, fill, stroke string, width float64) {
	c.str(`<path d="M`)
	c.num(x + w/2)
	c.str(" ")
	c.num(y)
	c.str("L")
	c.num(x + w)
	c.str(" ")
	c.num(y + h/2)
	c.str("L")
	c.num(x + w/2)
	c.str(" ")
	c.num(y + h)
	c.str("L")
	c.num(x)
	c.str(" ")
	c.num(y + h/2)
	c.str(`Z" fill="`)
	c.str(fill)
	c.str(`" stroke="`)
	c.str(stroke)
	c.str(`"`)
	c.attr("stroke-width", width)
	c.str(` stroke-linejoin="round"/>`)
}

func (c *canvas) event(s *bpmn.Shape, el *bpmn.Element, fill, halo string) {
	cx, cy, r := s.X+s.W/2, s.Y+s.H/2, min(s.W, s.H)/2
	if halo != "" {
		c.circle(cx, cy, r+haloGap, "none", halo, 3, false)
		c.grow(cx-r-haloGap-2, cy-r-haloGap-2, cx+r+haloGap+2, cy+r+haloGap+2)
	}
	dashed := el.Kind == bpmn.BoundaryEvent && !el.Interrupting
	switch el.Kind {
	case bpmn.StartEvent:
		c.circle(cx, cy, r, fill, ink, 1.5, false)
	case bpmn.EndEvent:
		c.circle(cx, cy, max(r-1.5, 0), fill, ink, 4, false)
	default: // intermediate and boundary: double circle
		c.circle(cx, cy, r, fill, ink, 1.5, dashed)
		c.circle(cx, cy, max(r-3, 0), "none", ink, 1.5, dashed)
	}
	throw := el.Kind == bpmn.EndEvent
	icon := -1
	switch el.Trigger {
	case bpmn.Timer:
		icon = useTimer
	case bpmn.Message:
		icon = useMsg
		if throw {
			icon = useMsgThrow
		}
	case bpmn.Error:
		icon = useError
		if throw {
			icon = useErrorThrow
		}
	case bpmn.Terminate:
		icon = useTerminate
	}
	if icon >= 0 {
		c.use(icon, cx-r, cy-r, 2*r, 2*r)
	}
	c.externalLabel(el.Name, s)
}

func (c *canvas) gateway(s *bpmn.Shape, el *bpmn.Element, fill, halo string) {
	if halo != "" {
		g := haloGap * math.Sqrt2
		c.diamond(s.X-g, s.Y-g, s.W+2*g, s.H+2*g, "none", halo, 3)
		c.grow(s.X-g-2, s.Y-g-2, s.X+s.W+g+2, s.Y+s.H+g+2)
	}
	c.diamond(s.X, s.Y, s.W, s.H, fill, ink, 2)
	switch el.Kind {
	case bpmn.ExclusiveGateway:
		c.use(useXor, s.X, s.Y, s.W, s.H)
	case bpmn.ParallelGateway:
		c.use(useAnd, s.X, s.Y, s.W, s.H)
	case bpmn.InclusiveGateway:
		c.use(useOr, s.X, s.Y, s.W, s.H)
	}
	c.externalLabel(el.Name, s)
}

func (c *canvas) activity(s *bpmn.Shape, el *bpmn.Element, fill, halo string) {
	const rx = 10
	if halo != "" {
		c.rect(s.X-haloGap, s.Y-haloGap, s.W+2*haloGap, s.H+2*haloGap, rx+haloGap, "none", halo, 3)
		c.grow(s.X-haloGap-2, s.Y-haloGap-2, s.X+s.W+haloGap+2, s.Y+s.H+haloGap+2)
	}
	width := 2.0
	if el.Kind == bpmn.CallActivity {
		width = 5
	}
	c.rect(s.X, s.Y, s.W, s.H, rx, fill, ink, width)
	const icon = 18.0
	switch el.Kind {
	case bpmn.UserTask:
		c.use(useUser, s.X+5, s.Y+5, icon, icon)
	case bpmn.ServiceTask:
		c.use(useService, s.X+5, s.Y+5, icon, icon)
	case bpmn.SendTask:
		c.use(useSend, s.X+5, s.Y+5, icon, icon)
	case bpmn.SubProcess:
		if !s.Expanded {
			c.use(usePlus, s.X+s.W/2-7, s.Y+s.H-18, 14, 14)
		}
	}
	if el.Name == "" {
		return
	}
	lh := fontSize * lineHeight
	maxW := s.W - 2*padding
	if el.Kind == bpmn.SubProcess && s.Expanded {
		rows := min(int((s.H-2*padding)/lh), 3)
		spans := c.wrap(el.Name, maxW, fontSize, max(rows, 1))
		c.textBlock(spans, el.Name, s.X+s.W/2, s.Y+padding, fontSize, ink, false)
		return
	}
	reserve := 0.0
	if el.Kind == bpmn.SubProcess {
		reserve = 16 // the [+] marker
	}
	rows := int((s.H - 2*padding - reserve) / lh)
	spans := c.wrap(el.Name, maxW, fontSize, max(rows, 1))
	block := float64(len(spans)) * lh
	top := s.Y + (s.H-reserve)/2 - block/2
	if el.Kind == bpmn.UserTask || el.Kind == bpmn.ServiceTask || el.Kind == bpmn.SendTask {
		// Move a tall name below the type marker as far as the box allows.
		top = max(top, min(s.Y+5+icon+1, s.Y+s.H-padding-block))
	}
	c.textBlock(spans, el.Name, s.X+s.W/2, top, fontSize, ink, false)
}

// externalLabel writes the name of an event or gateway at its DI label, or
// below the shape when the file gives none.
func (c *canvas) externalLabel(name string, s *bpmn.Shape) {
	if name == "" {
		return
	}
	cx, top, w := s.X+s.W/2, s.Y+s.H+5, labelWidth
	if l := s.Label; l != nil && okBounds(l.X, l.Y, l.W, l.H) {
		cx, top, w = l.X+l.W/2, l.Y, max(l.W, labelWidth)
	}
	spans := c.wrap(name, w, labelSize, maxLabelRows)
	c.textBlock(spans, name, cx, top, labelSize, ink, true)
}

// textBlock writes wrapped lines centred on cx from top down.
func (c *canvas) textBlock(spans []span, s string, cx, top, size float64, fill string, grow bool) {
	if len(spans) == 0 {
		return
	}
	lh := size * lineHeight
	c.str(`<text text-anchor="middle" fill="`)
	c.str(fill)
	c.str(`"`)
	if size != fontSize {
		c.attr("font-size", size)
	}
	c.str(`>`)
	wmax := 0.0
	for i, sp := range spans {
		c.str(`<tspan`)
		c.attr("x", cx)
		c.attr("y", top+(float64(i)+0.5)*lh+0.35*size)
		c.str(`>`)
		c.b = appendEsc(c.b, s[sp.a:sp.b])
		if sp.ellipsis {
			c.str("…")
		}
		c.str(`</tspan>`)
		wmax = max(wmax, sp.w)
	}
	c.str(`</text>`)
	if grow {
		c.grow(cx-wmax/2, top, cx+wmax/2, top+float64(len(spans))*lh)
	}
}

// edge draws a sequence flow; it reports false when the waypoints are broken.
func (c *canvas) edge(e *bpmn.Edge, f *bpmn.Flow) bool {
	for _, pt := range e.Waypoints {
		if !okNum(pt.X) || !okNum(pt.Y) {
			return false
		}
	}
	st := Status{Completed: c.h.Completed[f.ID]}
	c.open(f.ID, "flow", f.Name, f.Condition, "", st)
	c.drawn++
	stroke, arrow := ink, useArrow
	if st.Completed {
		stroke, arrow = doneInk, useArrowDone
	}
	c.str(`<polyline points="`)
	for i, pt := range e.Waypoints {
		if i > 0 {
			c.str(" ")
		}
		c.num(pt.X)
		c.str(",")
		c.num(pt.Y)
		c.grow(pt.X, pt.Y, pt.X, pt.Y)
	}
	c.str(`" fill="none" stroke="`)
	c.str(stroke)
	c.str(`" stroke-width="1.5" stroke-linejoin="round"`)
	c.marker("marker-end", arrow)
	src := f.Source
	switch {
	case src != nil && src.Default == f:
		c.marker("marker-start", useDefault)
	case src != nil && f.Condition != "" && !isGateway(src.Kind):
		c.marker("marker-start", useCond)
	}
	c.str(`/>`)
	if f.Name != "" {
		lh := labelSize * lineHeight
		if l := e.Label; l != nil && okBounds(l.X, l.Y, l.W, l.H) {
			spans := c.wrap(f.Name, max(l.W, labelWidth), labelSize, maxLabelRows)
			c.textBlock(spans, f.Name, l.X+l.W/2, l.Y, labelSize, ink, true)
		} else {
			mid := midpoint(e.Waypoints)
			spans := c.wrap(f.Name, labelWidth, labelSize, maxLabelRows)
			c.textBlock(spans, f.Name, mid.X, mid.Y-float64(len(spans))*lh-3, labelSize, ink, true)
		}
	}
	c.close(f.ID)
	return true
}

func (c *canvas) marker(attr string, part int) {
	c.used |= 1 << part
	c.str(" ")
	c.str(attr)
	c.str(`="url(#`)
	c.str(c.prefix)
	c.str(defsName[part])
	c.str(`)"`)
}

func isGateway(k bpmn.Kind) bool {
	return k == bpmn.ExclusiveGateway || k == bpmn.ParallelGateway || k == bpmn.InclusiveGateway
}

// midpoint is the point halfway along a polyline.
func midpoint(pts []bpmn.Point) bpmn.Point {
	total := 0.0
	for i := 1; i < len(pts); i++ {
		total += math.Hypot(pts[i].X-pts[i-1].X, pts[i].Y-pts[i-1].Y)
	}
	half := total / 2
	for i := 1; i < len(pts); i++ {
		d := math.Hypot(pts[i].X-pts[i-1].X, pts[i].Y-pts[i-1].Y)
		if d >= half && d > 0 {
			t := half / d
			return bpmn.Point{X: pts[i-1].X + t*(pts[i].X-pts[i-1].X), Y: pts[i-1].Y + t*(pts[i].Y-pts[i-1].Y)}
		}
		half -= d
	}
	return pts[0]
}

// badges writes the count badges of a shape: waiting tokens at the bottom
// left, incidents at the bottom right.
func (c *canvas) badges(s *bpmn.Shape, id string) {
	if n := c.h.Active[id]; n > 0 {
		c.badge(s, id, n, activeInk, "active", false)
	}
	if n := c.h.Incidents[id]; n > 0 {
		c.badge(s, id, n, incidentInk, "incident", true)
	}
}

func (c *canvas) badge(s *bpmn.Shape, id string, n int, colour, class string, right bool) {
	var digits [24]byte
	txt := strconv.AppendInt(digits[:0], int64(min(n, 999)), 10)
	if n > 999 {
		txt = append(txt, '+')
	}
	w := max(badgeH, 8+7*float64(len(txt)))
	x := s.X - 8
	if right {
		x = s.X + s.W + 8 - w
	}
	y := s.Y + s.H - badgeH/2 - 1
	c.str(`<g class="badge `)
	c.str(class)
	c.str(`" data-element-id="`)
	c.b = appendEsc(c.b, id)
	c.str(`">`)
	c.rect(x, y, w, badgeH, badgeH/2, colour, paper, 1.5)
	c.str(`<text text-anchor="middle" font-size="11" font-weight="bold" fill="` + paper + `"`)
	c.attr("x", x+w/2)
	c.attr("y", y+badgeH/2+4)
	c.str(`>`)
	c.b = append(c.b, txt...)
	c.str(`</text></g>`)
	c.grow(x-1, y-1, x+w+1, y+badgeH+1)
}

// span is one wrapped line: s[a:b], w wide, with "…" after it when the
// text was cut.
type span struct {
	a, b     int
	w        float64
	ellipsis bool
}

// wrap breaks s into at most rows lines of at most maxW pixels at the font
// size, by an estimate of character widths. Words longer than a line are
// broken between characters; text that does not fit ends in "…". The
// result is valid until the next call.
func (c *canvas) wrap(s string, maxW, size float64, rows int) []span {
	lines := c.spans[:0]
	if maxW < size/2 || rows < 1 {
		return lines // no room for a character
	}
	space := runeEm(' ') * size
	ell := runeEm('…') * size
	cur := span{a: -1}
	full := false
	newline := false // the next word starts a line
	// emit ends the current line; it reports false when no row is left.
	emit := func() bool {
		if cur.a < 0 {
			return true
		}
		if len(lines) == rows {
			full = true
			return false
		}
		lines = append(lines, cur)
		cur = span{a: -1}
		return true
	}
	i := 0
words:
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '\n' {
			newline = true
			i += n
			continue
		}
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		// A word: s[i:j].
		j, ww := i, 0.0
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) {
				break
			}
			ww += runeEm(r) * size
			j += n
		}
		switch {
		case cur.a >= 0 && !newline && cur.w+space+ww <= maxW:
			cur.b, cur.w = j, cur.w+space+ww
		case ww <= maxW:
			if !emit() {
				break words
			}
			cur = span{a: i, b: j, w: ww}
		default:
			// Too long for any line: break between characters.
			if !emit() {
				break words
			}
			for k := i; k < j; {
				r, n := utf8.DecodeRuneInString(s[k:])
				rw := runeEm(r) * size
				if cur.a >= 0 && cur.w+rw > maxW {
					if !emit() {
						break words
					}
				}
				if cur.a < 0 {
					cur = span{a: k, b: k}
				}
				cur.b, cur.w = k+n, cur.w+rw
				k += n
			}
		}
		i, newline = j, false
	}
	if !full && cur.a >= 0 {
		if len(lines) < rows {
			lines = append(lines, cur)
		} else {
			full = true
		}
	}
	if full && len(lines) > 0 {
		// Cut the last line until the ellipsis fits.
		last := &lines[len(lines)-1]
		for last.b > last.a && last.w+ell > maxW {
			r, n := utf8.DecodeLastRuneInString(s[last.a:last.b])
			last.b -= n
			last.w -= runeEm(r) * size
		}
		for last.b > last.a {
			r, n := utf8.DecodeLastRuneInString(s[last.a:last.b])
			if !unicode.IsSpace(r) {
				break
			}
			last.b -= n
			last.w -= runeEm(r) * size
		}
		last.w += ell
		last.ellipsis = true
	}
	c.spans = lines
	return lines
}

// asciiEm is runeEm for ASCII, precomputed; it is never written after.
var asciiEm = func() (t [utf8.RuneSelf]float64) {
	for r := range t {
		t[r] = runeEmSlow(rune(r))
	}
	return t
}()

// runeEm estimates a character's advance in Arial, in em.
func runeEm(r rune) float64 {
	if r >= 0 && r < utf8.RuneSelf {
		return asciiEm[r]
	}
	return runeEmSlow(r)
}

func runeEmSlow(r rune) float64 {
	switch r {
	case ' ', 'i', 'j', 'l', 'I', '.', ',', ':', ';', '\'', '|', '!', '`',
		'ʻ', 'ʼ', '‘', '’', 'і', 'ї', 'І':
		return 0.25
	case 'f', 't', 'r', '(', ')', '[', ']', '/', '\\', '-', '"', '«', '»', 'г', 'ґ':
		return 0.35
	case 'm', 'w', 'M', 'W', '@', '%', 'ш', 'щ', 'ж', 'ю', 'ы', 'м', 'ф',
		'Ш', 'Щ', 'Ж', 'Ю', 'Ы', 'М', 'Ф', '…':
		return 0.85
	}
	switch {
	case r >= '0' && r <= '9':
		return 0.56
	case r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) ||
		unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)):
		return 1
	case unicode.IsUpper(r):
		return 0.68
	case unicode.Is(unicode.Mn, r): // combining marks take no room
		return 0
	}
	return 0.55
}

// appendNum writes v rounded to two decimals, shortest form.
func appendNum(b []byte, v float64) []byte {
	c := math.Round(v * 100)
	if c == 0 {
		return append(b, '0')
	}
	if !(math.Abs(c) < 1e17) { // out of int64's reach, or NaN
		return strconv.AppendFloat(b, c/100, 'f', -1, 64)
	}
	n := int64(c)
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/100, 10)
	if f := n % 100; f != 0 {
		b = append(b, '.', byte('0'+f/10))
		if f%10 != 0 {
			b = append(b, byte('0'+f%10))
		}
	}
	return b
}

// appendEsc writes s escaped for XML text and attribute values. Characters
// XML does not allow (most C0 controls, U+FFFE, U+FFFF, lone surrogates)
// are dropped and invalid UTF-8 becomes U+FFFD.
func appendEsc(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		ch := s[i]
		if ch < utf8.RuneSelf {
			var rep string
			switch {
			case ch == '&':
				rep = "&amp;"
			case ch == '<':
				rep = "&lt;"
			case ch == '>':
				rep = "&gt;"
			case ch == '"':
				rep = "&#34;"
			case ch == '\'':
				rep = "&#39;"
			case ch == '\t':
				rep = "&#9;"
			case ch == '\n':
				rep = "&#10;"
			case ch == '\r':
				rep = "&#13;"
			case ch < 0x20 || ch == 0x7f:
				rep = ""
			default:
				i++
				continue
			}
			b = append(b, s[last:i]...)
			b = append(b, rep...)
			i++
			last = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			b = append(b, s[last:i]...)
			if n == 1 && r == utf8.RuneError {
				b = append(b, "\uFFFD"...)
			}
			i += n
			last = i
			continue
		}
		i += n
	}
	return append(b, s[last:]...)
}
