package bpmn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// unwrap takes the expression out of the wrapper Camunda writes around it:
// "=expr" (FEEL, Camunda 8) or "${expr}" and "#{expr}" (JUEL, Camunda 7).
// wrapped says whether there was one, juel whether it was JUEL.
func unwrap(s string) (inner string, wrapped, juel bool) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "="):
		return strings.TrimSpace(s[1:]), true, false
	case (strings.HasPrefix(s, "${") || strings.HasPrefix(s, "#{")) && strings.HasSuffix(s, "}"):
		return strings.TrimSpace(s[2 : len(s)-1]), true, true
	}
	return s, false, false
}

// juelWords are JUEL's spelled-out operators and their expr-lang forms.
var juelWords = map[string]string{
	"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
	"div": "/", "mod": "%",
}

// translate rewrites the few spellings of FEEL and JUEL that expr-lang
// reads differently, outside string literals: a single "=" comparison
// becomes "==", null becomes nil, and in JUEL the operators eq, ne, lt, gt,
// le, ge, div and mod become symbols. and, or, not, !, &&, ||, !=, <=, >=,
// arithmetic, member access and string literals are the same in all three.
func translate(s string, juel bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	prev := byte(0) // the last byte written that is not white space
	write := func(t string) {
		b.WriteString(t)
		if u := strings.TrimRight(t, " \t\r\n"); u != "" {
			prev = u[len(u)-1]
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			write(s[i:j])
			i = j
		case c == '=':
			switch {
			case i+1 < len(s) && s[i+1] == '=':
				write("==")
				i += 2
			case i > 0 && strings.IndexByte("!<>=", s[i-1]) >= 0:
				write("=")
				i++
			default:
				write("==")
				i++
			}
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			write(s[i:j])
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			w := s[i:j]
			if prev != '.' {
				if w == "null" {
					w = "nil"
				} else if op, ok := juelWords[w]; ok && juel {
					w = op
				}
			}
			write(w)
			i = j
		default:
			write(s[i : i+1])
			i++
		}
	}
	return b.String()
}

// isWordByte reports whether c may be part of an identifier or number;
// bytes of multi-byte UTF-8 letters count, so that a word is never split.
func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// conditionSource is a sequence flow's condition in expr-lang syntax.
func conditionSource(text string) string {
	s, _, juel := unwrap(text)
	return translate(s, juel)
}

// mappingSource is a mapping's source in expr-lang syntax: the expression
// when text is one ("=…", "${…}"), else text as a string constant, the
// meaning Camunda gives to a value without expression marker.
func mappingSource(text string) string {
	s, wrapped, juel := unwrap(text)
	if !wrapped {
		return strconv.Quote(text)
	}
	return translate(s, juel)
}

// Bounds on the expressions of a file. The compiler's time grows with the
// length of an expression, steeply with its nesting, and a file of hostile
// expressions must not cost more than a second or so; no real process
// comes near these figures.
const (
	maxNesting   = 32        // brackets nested in one expression
	maxExprBytes = 4 << 10   // one expression
	maxExprTotal = 256 << 10 // all the expressions of a file
)

// nesting returns how deep brackets are nested in src, outside strings.
func nesting(src string) int {
	depth, deepest := 0, 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"', '\'', '`':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' && c != '`' {
					i++
				}
			}
		case '(', '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ')', ']', '}':
			depth--
		}
	}
	return deepest
}

// compile compiles an expr-lang expression over a map of variables, whose
// names are not known in advance, returning a bool when asBool. msg is the
// first line of the compiler's message when it fails. The compiler is
// guarded: a panic in it is a failure to compile, not a crash.
func (p *parser) compile(src string, asBool bool) (*vm.Program, string) {
	switch {
	case len(src) > maxExprBytes:
		return nil, fmt.Sprintf("the expression is longer than %d bytes", maxExprBytes)
	case p.exprBytes+len(src) > maxExprTotal:
		return nil, fmt.Sprintf("the expressions of the file are longer than %d KiB together", maxExprTotal>>10)
	case nesting(src) > maxNesting:
		return nil, fmt.Sprintf("brackets are nested more than %d deep", maxNesting)
	}
	p.exprBytes += len(src)
	return compile(src, asBool)
}

// compile is parser.compile without the bounds.
func compile(src string, asBool bool) (p *vm.Program, msg string) {
	defer func() {
		if r := recover(); r != nil {
			p, msg = nil, fmt.Sprint("the expression compiler failed: ", r)
		}
	}()
	opts := []expr.Option{expr.Env(map[string]any{}), expr.AllowUndefinedVariables()}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		msg, _, _ = strings.Cut(err.Error(), "\n")
		return nil, msg
	}
	return prog, ""
}
