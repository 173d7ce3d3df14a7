package form

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// Validate checks a submission and returns its clean values, or the errors
// of its fields when there are any (clean is then nil).
//
// values are what FromPost returns or what a JSON client sends: a group's
// fields in a nested map. Validate
//   - drops keys the form does not have, and fields hidden by showIf
//     (a hidden field is never required, and its value is never kept);
//   - trims text, treats blank text as no value, and reads numbers written
//     as text as people in loc write them ("1 500,5" in Uzbek and Russian,
//     "1,500.5" in English);
//   - requires the required fields that are shown;
//   - checks PINFL fields (14 digits) and phone fields (+998 and 9 digits,
//     typed with or without +998, spaces or dashes), which come back
//     normalized (+998901234567);
//   - checks everything the schema says with the compiled JSON Schema.
//
// Clean values are string, int64, float64, bool, and map[string]any for a
// group. fieldErrors maps a field's name ("phone", "address.city") to a
// message key, one of the Msg… field error constants, which the caller
// translates.
func (f *Form) Validate(values map[string]any, loc i18n.Locale) (clean map[string]any, fieldErrors map[string]string) {
	errs := make(map[string]string)
	vals := make([]any, len(f.all))
	for _, fl := range f.all {
		raw, groupOK := lookup(values, fl)
		if !groupOK {
			errs[fl.name] = MsgInvalid
			continue
		}
		if fl.typ == TypeObject {
			continue
		}
		v, key := coerce(fl, raw, loc)
		if key != "" {
			errs[fl.name] = key
		}
		vals[fl.idx] = v
	}

	// Decide what is shown: every field comes after its group and the
	// field its condition names.
	shown := make([]bool, len(f.all))
	for _, fl := range f.all {
		ok := fl.parent == nil || shown[fl.parent.idx]
		if c := fl.showIf; ok && c != nil {
			ok = shown[c.target.idx] && vals[c.target.idx] != nil && sameValue(vals[c.target.idx], c.equals)
		}
		shown[fl.idx] = ok
		if !ok {
			vals[fl.idx] = nil
			delete(errs, fl.name)
			continue
		}
		// The schema requires unconditional fields; conditional ones are
		// required here, now that we know they are shown.
		if fl.showIf != nil && fl.required && fl.typ != TypeObject && vals[fl.idx] == nil && errs[fl.name] == "" {
			errs[fl.name] = MsgRequired
		}
	}

	inst := make(map[string]any)
	for _, fl := range f.fields {
		if !shown[fl.idx] {
			continue
		}
		if fl.typ != TypeObject {
			if v := vals[fl.idx]; v != nil {
				inst[fl.key] = v
			}
			continue
		}
		g := make(map[string]any)
		for _, c := range fl.children {
			if v := vals[c.idx]; v != nil && shown[c.idx] {
				g[c.key] = v
			}
		}
		// A required group is there even when empty, so that the schema
		// requires its required fields.
		if len(g) > 0 || fl.required {
			inst[fl.key] = g
		}
	}
	if err := f.schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			// Every instance we build is valid JSON; should the
			// validator still refuse it, refuse the submission.
			errs[""] = MsgInvalid
		} else {
			f.collect(ve, errs)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return inst, nil
}

// lookup returns the submitted value of fl. It reports false when fl is in
// a group whose value is not an object, or is a group whose value is
// neither an object nor nil.
func lookup(values map[string]any, fl *field) (any, bool) {
	if fl.parent == nil {
		v := values[fl.key]
		if fl.typ == TypeObject {
			_, isMap := v.(map[string]any)
			return v, v == nil || isMap
		}
		return v, true
	}
	g, present := values[fl.parent.key]
	if !present || g == nil {
		return nil, true
	}
	m, ok := g.(map[string]any)
	if !ok {
		return nil, true // the group reports it
	}
	return m[fl.key], true
}

// collect turns the validator's errors into field errors. A field keeps the
// first error it gets.
func (f *Form) collect(e *jsonschema.ValidationError, errs map[string]string) {
	for _, c := range e.Causes {
		f.collect(c, errs)
	}
	if len(e.Causes) > 0 {
		return
	}
	if r, ok := e.ErrorKind.(*kind.Required); ok {
		for _, m := range r.Missing {
			f.setError(errs, append(append([]string(nil), e.InstanceLocation...), m), func(*field) string { return MsgRequired })
		}
		return
	}
	f.setError(errs, e.InstanceLocation, func(fl *field) string { return errorKey(e.ErrorKind, fl) })
}

func (f *Form) setError(errs map[string]string, loc []string, key func(*field) string) {
	name := strings.Join(loc, ".")
	fl, ok := f.byName[name]
	if !ok {
		return
	}
	if _, had := errs[name]; !had {
		errs[name] = key(fl)
	}
}

// errorKey returns the message key of a validator error on field fl.
func errorKey(k jsonschema.ErrorKind, fl *field) string {
	switch k := k.(type) {
	case *kind.MinLength:
		return MsgTooShort
	case *kind.MaxLength:
		return MsgTooLong
	case *kind.Pattern:
		return MsgPattern
	case *kind.Minimum, *kind.ExclusiveMinimum:
		return MsgTooSmall
	case *kind.Maximum, *kind.ExclusiveMaximum:
		return MsgTooLarge
	case *kind.Enum:
		return MsgChoice
	case *kind.Const:
		if k.Want == true {
			return MsgAccept
		}
		if fl.enum != nil {
			return MsgChoice
		}
	case *kind.Format:
		switch k.Want {
		case "date":
			return MsgDate
		case "email":
			return MsgEmail
		}
	case *kind.Type:
		switch fl.typ {
		case TypeInteger:
			return MsgInteger
		case TypeNumber:
			return MsgNumber
		}
	}
	return MsgInvalid
}

// FromPost reads the posted values of the form's fields into the types of
// the fields, for Validate: integers and numbers (when they are plain; a
// number Validate must read by the page's language is kept as text), and
// booleans from checkboxes and yes/no radios. A field that was not posted,
// or posted blank, is left out, so FromPost of one step's page holds only
// that step's fields; a checkbox is posted even when unticked, because the
// partial puts a hidden "false" before it. A group's fields come in a
// nested map. Text that cannot be typed is kept as it was, so Validate
// reports it and the page shows it again as typed.
func (f *Form) FromPost(r url.Values) map[string]any {
	out := make(map[string]any)
	for _, fl := range f.all {
		if fl.typ == TypeObject {
			continue
		}
		v, ok := fromPost(fl, r[fl.name])
		if !ok {
			continue
		}
		if fl.parent == nil {
			out[fl.key] = v
			continue
		}
		g, _ := out[fl.parent.key].(map[string]any)
		if g == nil {
			g = make(map[string]any)
			out[fl.parent.key] = g
		}
		g[fl.key] = v
	}
	return out
}

func fromPost(fl *field, vs []string) (any, bool) {
	if len(vs) == 0 {
		return nil, false
	}
	if fl.typ == TypeBoolean {
		// A ticked checkbox posts "false" (the hidden input) and "true".
		val, seen := false, false
		for _, s := range vs {
			if b, ok := parseBool(s); ok {
				val, seen = val || b, true
			}
		}
		if seen {
			return val, true
		}
	}
	s := vs[0]
	if strings.TrimSpace(s) == "" {
		return nil, false
	}
	switch fl.typ {
	case TypeInteger:
		if n, ok := parseDecimalInteger(stripSpaces(strings.TrimSpace(s))); ok && !strings.ContainsAny(s, ".eE") {
			return n, true
		}
	case TypeNumber:
		if t := stripSpaces(strings.TrimSpace(s)); plainDecimal(t) {
			if n, err := strconv.ParseFloat(t, 64); err == nil {
				return n, true
			}
		}
	}
	return s, true
}
