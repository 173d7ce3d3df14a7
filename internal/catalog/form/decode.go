package form

import (
	"bytes"
	"encoding/json"
	"errors"
	cut "github.com/egovuz/egov/internal/platform/text"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// object is a decoded JSON object that remembers the order of its keys: the
// order of "properties" is the order in which a form shows its fields, and
// Canonical keeps it.
type object struct {
	keys []string
	vals map[string]any
}

// get returns the value of key and whether the object has it.
func (o *object) get(key string) (any, bool) {
	v, ok := o.vals[key]
	return v, ok
}

// decode parses a form document into *object, []any, string, json.Number,
// bool and nil values. It is the first gate for hostile input, so it bounds
// everything that could cost time or memory later: the document's size, its
// nesting, the length of every string and key, and the magnitude of every
// number (a literal like 1e999999999 would make the validator build a huge
// rational). Keys given twice in one object are refused rather than silently
// resolved, so that a reviewer reads what the validator sees.
func decode(doc []byte) (any, error) {
	if len(doc) > MaxDocBytes {
		return nil, schemaErr(MsgSchemaTooLarge, MaxDocBytes)
	}
	if !utf8.Valid(doc) {
		return nil, schemaErr(MsgSchemaNotJSON, invalidUTF8Offset(doc))
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	v, err := readValue(d, "", 1)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, schemaErr(MsgSchemaNotJSON, d.InputOffset())
	}
	return v, nil
}

// invalidUTF8Offset returns the byte offset of the first invalid UTF-8
// sequence in b.
func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// readValue reads the next value; path is its JSON pointer and depth the
// nesting level of a container starting here (the root is at 1).
func readValue(d *json.Decoder, path string, depth int) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, notJSON(d, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth > MaxDepth {
			return nil, schemaErr(MsgSchemaTooDeep, displayPath(path), MaxDepth)
		}
		if t == '{' {
			return readObject(d, path, depth)
		}
		if t == '[' {
			return readArray(d, path, depth)
		}
		return nil, schemaErr(MsgSchemaNotJSON, d.InputOffset())
	case string:
		if len(t) > MaxStringBytes {
			return nil, schemaErr(MsgSchemaStringTooLong, displayPath(path), MaxStringBytes)
		}
		return t, nil
	case json.Number:
		if !saneNumber(string(t)) {
			return nil, schemaErr(MsgSchemaNumber, displayPath(path))
		}
		return t, nil
	default: // bool, nil
		return t, nil
	}
}

func readObject(d *json.Decoder, path string, depth int) (any, error) {
	o := &object{vals: make(map[string]any)}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, notJSON(d, err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, schemaErr(MsgSchemaNotJSON, d.InputOffset())
		}
		if len(key) > maxKeyBytes {
			return nil, schemaErr(MsgSchemaStringTooLong, displayPath(path), maxKeyBytes)
		}
		if _, dup := o.vals[key]; dup {
			return nil, schemaErr(MsgSchemaDuplicateKey, displayPath(path), clip(key))
		}
		v, err := readValue(d, path+"/"+escapePointer(key), depth+1)
		if err != nil {
			return nil, err
		}
		o.keys = append(o.keys, key)
		o.vals[key] = v
	}
	if _, err := d.Token(); err != nil { // '}'
		return nil, notJSON(d, err)
	}
	return o, nil
}

func readArray(d *json.Decoder, path string, depth int) (any, error) {
	a := []any{}
	for d.More() {
		v, err := readValue(d, path+"/"+strconv.Itoa(len(a)), depth+1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	if _, err := d.Token(); err != nil { // ']'
		return nil, notJSON(d, err)
	}
	return a, nil
}

// notJSON reports a syntax error at the decoder's offset.
func notJSON(d *json.Decoder, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return schemaErr(MsgSchemaNotJSON, syn.Offset)
	}
	return schemaErr(MsgSchemaNotJSON, d.InputOffset())
}

// maxExponent bounds the decimal exponent of number literals, which keeps
// every number within float64 range and every rational the validator builds
// small.
const maxExponent = 308

// saneNumber reports whether the number literal s (already valid JSON) is
// short and its exponent small.
func saneNumber(s string) bool {
	if len(s) > 40 {
		return false
	}
	if _, exp, hasExp := strings.Cut(strings.ToLower(s), "e"); hasExp {
		e, err := strconv.Atoi(exp)
		if err != nil || e > maxExponent || e < -maxExponent {
			return false
		}
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// escapePointer escapes a key for a JSON pointer (RFC 6901).
func escapePointer(key string) string {
	if !strings.ContainsAny(key, "~/") {
		return key
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
}

// displayPath returns path for an error message; the root is "/".
func displayPath(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// clip shortens s for an error message.
func clip(s string) string { return cut.Clip(s, 64) }

// encode writes v, as decode returns it, as compact JSON that keeps the
// order of object keys and the literal form of numbers.
func encode(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeString(b, k)
			b.WriteByte(':')
			encode(b, t.vals[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e)
		}
		b.WriteByte(']')
	case string:
		encodeString(b, t)
	case json.Number:
		b.WriteString(string(t))
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case nil:
		b.WriteString("null")
	}
}

// encodeString writes s as a JSON string; <, > and & are escaped, so the
// document may be embedded in HTML safely.
func encodeString(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s) // a string always marshals
	b.Write(out)
}

// plain converts v, as decode returns it, into the map[string]any form the
// JSON Schema compiler takes, dropping every "x-egov" key on the way: those
// are ours and mean nothing to the validator.
func plain(v any) any {
	switch t := v.(type) {
	case *object:
		m := make(map[string]any, len(t.keys))
		for _, k := range t.keys {
			if k == uiKey {
				continue
			}
			m[k] = plain(t.vals[k])
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, e := range t {
			a[i] = plain(e)
		}
		return a
	}
	return v
}
