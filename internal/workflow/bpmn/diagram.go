package bpmn

import (
	"math"
	"strconv"
	"strings"
)

// diagram reads the first plane of a bpmndi:BPMNDiagram: the shape of
// every element and the line of every edge it draws, including those of
// elements the engine skips (pools, lanes, annotations, associations), so
// that the whole drawing can be shown. The renderer finds what a shape
// stands for by looking its ElementID up in the processes.
func (p *parser) diagram(d *node) Diagram {
	var dg Diagram
	plane := d.child(nsBPMNDI, "BPMNPlane")
	if plane == nil {
		return dg
	}
	for _, c := range plane.children {
		id := c.attr("", "bpmnElement")
		switch {
		case id == "":
		case c.is(nsBPMNDI, "BPMNShape"):
			s := Shape{ElementID: id, Expanded: c.attr("", "isExpanded") == "true"}
			if bn := c.child(nsDC, "Bounds"); bn != nil {
				bounds := p.bounds(bn, id)
				s.X, s.Y, s.W, s.H = bounds.X, bounds.Y, bounds.W, bounds.H
			} else {
				p.add(c.line, id, MsgDiagram, "dc:Bounds")
			}
			s.Label = p.label(c, id)
			dg.Shapes = append(dg.Shapes, s)
		case c.is(nsBPMNDI, "BPMNEdge"):
			e := Edge{ElementID: id}
			for _, w := range c.children {
				if w.is(nsDI, "waypoint") {
					e.Waypoints = append(e.Waypoints, Point{X: p.number(w, id, "x"), Y: p.number(w, id, "y")})
				}
			}
			e.Label = p.label(c, id)
			dg.Edges = append(dg.Edges, e)
		}
	}
	return dg
}

// label reads the bounds of a shape's or edge's bpmndi:BPMNLabel, nil when
// the file gives none.
func (p *parser) label(c *node, id string) *Bounds {
	l := c.child(nsBPMNDI, "BPMNLabel")
	if l == nil {
		return nil
	}
	bn := l.child(nsDC, "Bounds")
	if bn == nil {
		return nil
	}
	b := p.bounds(bn, id)
	return &b
}

// bounds reads a dc:Bounds.
func (p *parser) bounds(n *node, id string) Bounds {
	return Bounds{
		X: p.number(n, id, "x"), Y: p.number(n, id, "y"),
		W: p.number(n, id, "width"), H: p.number(n, id, "height"),
	}
}

// number reads a coordinate attribute, reporting one that is missing or
// not a finite number.
func (p *parser) number(n *node, id, attr string) float64 {
	v := n.attr("", attr)
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		p.add(n.line, id, MsgDiagram, ref(attr, v))
		return 0
	}
	return f
}
