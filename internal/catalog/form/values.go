package form

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// Values of fields are held as string, int64, float64 and bool: a document's
// json.Number becomes int64 for an integer field and float64 for a number
// field, so that comparing an enum value with a submitted one is simple.

// maxSafeInteger is the largest integer every JSON reader (JavaScript's
// included) holds exactly; integer fields stay within it.
const maxSafeInteger = 1<<53 - 1

// scalarOf converts a value of a document to the value of a field of type
// typ, or reports false if it is not one.
func scalarOf(v any, typ string) (any, bool) {
	switch typ {
	case TypeString:
		s, ok := v.(string)
		return s, ok
	case TypeBoolean:
		b, ok := v.(bool)
		return b, ok
	case TypeInteger:
		n, ok := wholeNumber(v)
		return n, ok && n >= -maxSafeInteger && n <= maxSafeInteger
	case TypeNumber:
		n, ok := v.(json.Number)
		if !ok {
			return nil, false
		}
		f, err := n.Float64()
		return f, err == nil
	}
	return nil, false
}

// sameValue reports whether two field values are equal; numbers compare by
// value whatever their Go type.
func sameValue(a, b any) bool {
	if x, ok := asFloat(a); ok {
		y, ok := asFloat(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func contains(vals []any, v any) bool {
	for _, x := range vals {
		if sameValue(x, v) {
			return true
		}
	}
	return false
}

// formValue writes a value as a form control holds it.
func formValue(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case int:
		return strconv.Itoa(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return string(t)
	}
	return fmt.Sprint(v)
}

// coerce turns a submitted value into the field's type, or returns the
// message key of why it cannot. Blank text and nil are no value. Values
// arrive from FromPost (strings it could not type are kept as they were
// typed) or from a JSON API (numbers of any Go type, json.Number); loc says
// how numbers written as text are read.
func coerce(fl *field, raw any, loc i18n.Locale) (any, string) {
	if raw == nil {
		return nil, ""
	}
	if s, ok := raw.(string); ok {
		if !utf8.ValidString(s) || hasControl(s) {
			return nil, MsgInvalid
		}
		if s = strings.TrimSpace(s); s == "" {
			return nil, ""
		}
		raw = s
	}
	switch fl.typ {
	case TypeString:
		s, ok := raw.(string)
		if !ok {
			return nil, MsgInvalid
		}
		switch fl.widget {
		case WidgetPhone:
			if s, ok = normalizePhone(s); !ok {
				return nil, MsgPhone
			}
		case WidgetPINFL:
			if s = stripSpaces(s); !isPINFL(s) {
				return nil, MsgPINFL
			}
		}
		return s, ""
	case TypeInteger:
		n, ok := toInteger(raw, loc)
		if !ok {
			return nil, MsgInteger
		}
		return n, ""
	case TypeNumber:
		n, ok := toNumber(raw, loc)
		if !ok {
			return nil, MsgNumber
		}
		return n, ""
	case TypeBoolean:
		switch v := raw.(type) {
		case bool:
			return v, ""
		case string:
			if b, ok := parseBool(v); ok {
				return b, ""
			}
		}
	}
	return nil, MsgInvalid
}

// hasControl reports whether s has a control character other than tab and
// line breaks.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return true
		}
	}
	return false
}

// parseBool reads what checkboxes and yes/no radios post.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "on", "1", "yes":
		return true, true
	case "false", "off", "0", "no":
		return false, true
	}
	return false, false
}

func toInteger(raw any, loc i18n.Locale) (int64, bool) {
	var n int64
	switch v := raw.(type) {
	case int:
		n = int64(v)
	case int8:
		n = int64(v)
	case int16:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case uint:
		if uint64(v) > maxSafeInteger {
			return 0, false
		}
		n = int64(v)
	case uint8:
		n = int64(v)
	case uint16:
		n = int64(v)
	case uint32:
		n = int64(v)
	case uint64:
		if v > maxSafeInteger {
			return 0, false
		}
		n = int64(v)
	case float32:
		return floatInteger(float64(v))
	case float64:
		return floatInteger(v)
	case json.Number:
		return parseDecimalInteger(string(v))
	case string:
		s, ok := localDecimal(v, loc)
		if !ok {
			return 0, false
		}
		return parseDecimalInteger(s)
	default:
		return 0, false
	}
	return n, n >= -maxSafeInteger && n <= maxSafeInteger
}

// floatInteger accepts floats that are whole numbers (JSON has no integer
// type: 3.0 is the integer 3).
func floatInteger(f float64) (int64, bool) {
	if f != math.Trunc(f) || math.Abs(f) > maxSafeInteger {
		return 0, false
	}
	return int64(f), true
}

// parseDecimalInteger reads a decimal literal that must be a whole number.
func parseDecimalInteger(s string) (int64, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, n >= -maxSafeInteger && n <= maxSafeInteger
	}
	if !plainDecimal(s) && !jsonNumber(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return floatInteger(f)
}

func toNumber(raw any, loc i18n.Locale) (float64, bool) {
	var f float64
	switch v := raw.(type) {
	case float64:
		f = v
	case float32:
		f = float64(v)
	case json.Number:
		if !jsonNumber(string(v)) {
			return 0, false
		}
		var err error
		if f, err = strconv.ParseFloat(string(v), 64); err != nil {
			return 0, false
		}
	case string:
		s, ok := localDecimal(v, loc)
		if !ok {
			return 0, false
		}
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, false
		}
	default:
		n, ok := toInteger(raw, loc)
		return float64(n), ok
	}
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}

// localDecimal rewrites a number as a person in loc types it into a plain
// decimal literal: digits are grouped with spaces (any kind) in every
// language and with commas in English; the decimal separator is a point in
// English and a comma or a point in Uzbek and Russian.
func localDecimal(s string, loc i18n.Locale) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\u00a0', '\u202f', '\u2009':
			continue
		case ',':
			if loc == i18n.En {
				continue
			}
			r = '.'
		}
		b.WriteRune(r)
	}
	out := b.String()
	return out, plainDecimal(out)
}

// plainDecimal reports whether s is an optional sign, digits and an
// optional fraction: no exponent, no NaN or Inf, which ParseFloat would
// take.
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(s) > 40 {
		return false
	}
	return allDigits(whole) && (!hasFrac || frac != "" && allDigits(frac))
}

// jsonNumber reports whether s is a JSON number literal of sane size.
func jsonNumber(s string) bool {
	return json.Valid([]byte(s)) && s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && saneNumber(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// stripSpaces removes the spaces (of any width) people type inside
// identifiers and numbers.
func stripSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' {
			return -1
		}
		return r
	}, s)
}

// isPINFL reports whether s is 14 ASCII digits, the form of a personal
// identification number. (Its check digit and date are for the identity
// module, which owns the registry of people.)
func isPINFL(s string) bool { return len(s) == 14 && allDigits(s) }

// normalizePhone returns an Uzbek phone number as +998 and nine digits. It
// accepts it with or without the +, with spaces, dashes and brackets, or as
// the nine national digits alone.
func normalizePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", false
		}
	}
	d := b.String()
	switch {
	case len(d) == 13 && strings.HasPrefix(d, "+998"):
	case len(d) == 12 && strings.HasPrefix(d, "998"):
		d = "+" + d
	case len(d) == 9 && d[0] != '+':
		d = "+998" + d
	default:
		return "", false
	}
	return d, true
}
