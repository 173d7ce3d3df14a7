package bpmn

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Limits on the files Parse reads, so that a hostile or mistaken file costs
// a bounded amount of memory and time. The messages workflow.bpmn.too_large,
// too_deep, too_many and too_long state these figures: change them together.
const (
	MaxBytes      = 4 << 20  // 4 MiB, the whole file
	MaxDepth      = 64       // elements nested in each other
	MaxElements   = 10000    // XML elements in the file, DI included
	MaxValueBytes = 64 << 10 // 64 KiB, one attribute value or element text
)

// The namespaces Parse reads, by URI: a file may bind them to any prefix.
const (
	nsBPMN    = "http://www.omg.org/spec/BPMN/20100524/MODEL"
	nsBPMNDI  = "http://www.omg.org/spec/BPMN/20100524/DI"
	nsDC      = "http://www.omg.org/spec/DD/20100524/DC"
	nsDI      = "http://www.omg.org/spec/DD/20100524/DI"
	nsCamunda = "http://camunda.org/schema/1.0/bpmn"
	nsZeebe   = "http://camunda.org/schema/zeebe/1.0"
)

// node is an XML element as read, with the line its start tag is on.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*node
	// text is the element's character data, without the runs that are
	// only white space (the indentation between child elements).
	text string
	line int
	buf  []byte // text while it is read
}

// attr returns the value of the attribute space:local ("" for an
// unqualified attribute), or "".
func (n *node) attr(space, local string) string {
	for _, a := range n.attrs {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// id is the element's id attribute.
func (n *node) id() string { return n.attr("", "id") }

// is reports whether the element is space:local.
func (n *node) is(space, local string) bool {
	return n.name.Space == space && n.name.Local == local
}

// child returns the first child element space:local, or nil.
func (n *node) child(space, local string) *node {
	for _, c := range n.children {
		if c.is(space, local) {
			return c
		}
	}
	return nil
}

// extensions returns the children of the element's bpmn:extensionElements
// that are in namespace space and named local.
func (n *node) extensions(space, local string) []*node {
	var list []*node
	for _, ext := range n.children {
		if !ext.is(nsBPMN, "extensionElements") {
			continue
		}
		for _, c := range ext.children {
			if c.is(space, local) {
				list = append(list, c)
			}
		}
	}
	return list
}

// extension returns the first of n.extensions(space, local), or nil.
func (n *node) extension(space, local string) *node {
	if list := n.extensions(space, local); len(list) > 0 {
		return list[0]
	}
	return nil
}

// readTree reads the XML document in data into a tree of nodes. It refuses,
// with an *ParseError of one problem, what is not well-formed XML, any DOCTYPE or
// other declaration (so that no entity is ever declared, let alone
// expanded), and what exceeds MaxDepth, MaxElements or MaxValueBytes.
func readTree(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var (
		root  *node
		stack []*node
		count int
	)
	for {
		// The decoder stands just before the next token, so this is the
		// line a start tag begins on.
		line, _ := d.InputPos()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fatal(se.Line, MsgNotXML, se.Msg)
			}
			return nil, fatal(line, MsgNotXML, err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if count++; count > MaxElements {
				return nil, fatal(line, MsgTooMany)
			}
			if len(stack) >= MaxDepth {
				return nil, fatal(line, MsgTooDeep)
			}
			for _, a := range t.Attr {
				if len(a.Value) > MaxValueBytes {
					return nil, fatal(line, MsgTooLong)
				}
			}
			n := &node{name: t.Name, attrs: t.Attr, line: line}
			if len(stack) == 0 {
				if root != nil {
					return nil, fatal(line, MsgNotXML, "more than one root element")
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.text, n.buf = string(n.buf), nil
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			if len(stack) == 0 {
				lead := len(t) - len(bytes.TrimLeft(t, " \t\r\n"))
				return nil, fatal(line+bytes.Count(t[:lead], []byte("\n")), MsgNotXML, "text outside the root element")
			}
			n := stack[len(stack)-1]
			if len(n.buf)+len(t) > MaxValueBytes {
				return nil, fatal(line, MsgTooLong)
			}
			n.buf = append(n.buf, t...)
		case xml.Directive:
			return nil, fatal(line, MsgDoctype)
		}
	}
	if root == nil {
		return nil, fatal(0, MsgNotXML, "no root element")
	}
	return root, nil
}

// trimmed is the element's text without surrounding white space.
func (n *node) trimmed() string { return strings.TrimSpace(n.text) }
