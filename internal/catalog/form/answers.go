package form

import (
	"regexp"
	"strings"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// Prefill says that the state already holds a field's value: the portal
// fetches it from Source (a name the platform's prefill sources know, such
// as "person" for the identity register or "birth-record" for the civil
// registry over the exchange bus) and reads it at Path, the dotted names
// of the source's JSON document ("child.lastName"). A form writes it as
// "prefill": "birth-record:child.lastName". The applicant sees where the
// value came from and confirms it; a change is shown to the officer.
type Prefill struct {
	Source string
	Path   string
}

// prefillRE is what a prefill looks like: a source name, a colon and one
// to eight dotted JSON member names.
var prefillRE = regexp.MustCompile(`^([a-z][a-z0-9-]{0,31}):([A-Za-z][A-Za-z0-9_]{0,63}(?:\.[A-Za-z][A-Za-z0-9_]{0,63}){0,7})$`)

// readPrefill reads a field's prefill. Groups and file fields cannot have
// one: a registry gives values, not documents or whole fieldsets.
func readPrefill(fl *field, v any, path string) (*Prefill, error) {
	s, _ := v.(string)
	m := prefillRE.FindStringSubmatch(s)
	if m == nil || fl.typ == TypeObject || fl.widget == WidgetFile {
		return nil, schemaErr(MsgSchemaBadValue, path, "prefill")
	}
	return &Prefill{Source: m[1], Path: m[2]}, nil
}

// Prefills returns the fields the state fills in, by name ("child_last_name",
// "address.region"), in document order.
func (f *Form) Prefills() []PrefillField {
	var out []PrefillField
	for _, fl := range f.all {
		if fl.prefill != nil {
			out = append(out, PrefillField{Name: fl.name, Prefill: *fl.prefill})
		}
	}
	return out
}

// PrefillField is a field with its prefill.
type PrefillField struct {
	Name string
	Prefill
}

// FromSource converts a value a registry gave for the field name into the
// field's value: text is trimmed; a choice matches an option by its value
// or by its label in any language, ignoring case ("Toshkent shahri" is the
// option "tashkent_city"); numbers and booleans must be of the field's
// type. It reports false for a value that does not fit, which the caller
// leaves for the applicant to fill in.
func (f *Form) FromSource(name string, v any) (any, bool) {
	fl, ok := f.byName[name]
	if !ok || fl.typ == TypeObject || v == nil {
		return nil, false
	}
	if s, isText := v.(string); isText {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, false
		}
		v = s
	}
	if len(fl.options) == 0 {
		var fits bool
		switch fl.typ {
		case TypeString:
			_, fits = v.(string)
		case TypeBoolean:
			_, fits = v.(bool)
		case TypeInteger:
			if n, ok := v.(float64); ok {
				if i, whole := floatInteger(n); whole {
					return i, true
				}
			}
		case TypeNumber:
			_, fits = v.(float64)
		}
		if !fits {
			return nil, false
		}
		return v, true
	}
	given := formValue(v)
	for _, o := range fl.options {
		if formValue(o.value) == given {
			return o.value, true
		}
		for _, label := range o.label {
			if strings.EqualFold(label, given) {
				return o.value, true
			}
		}
	}
	return nil, false
}

// MergeStep returns values with the fields of step stepID replaced by
// posted (as FromPost reads that step's page): a field of the step that
// was not posted is removed, so clearing a field on a page clears it. The
// other steps' values are kept as they were. values is not modified.
func (f *Form) MergeStep(values map[string]any, stepID string, posted map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = v
	}
	for _, fl := range f.fields {
		if fl.step != stepID {
			continue
		}
		if v, ok := posted[fl.key]; ok {
			out[fl.key] = v
		} else {
			delete(out, fl.key)
		}
	}
	return out
}

// SummaryStep is one step of a "check your answers" page.
type SummaryStep struct {
	ID    string
	Title string
	Rows  []SummaryRow
}

// SummaryRow is one answer as the applicant reads it.
type SummaryRow struct {
	Name  string
	Label string
	// Value is the answer in words: an option's label, the text typed,
	// or "" for no answer; Yes tells a checkbox's state when Checkbox.
	Value    string
	Checkbox bool
	Yes      bool
	// File says Value is the reference of an upload.
	File bool
}

// Summary lists the answers of clean values (as Validate returns them) by
// step, in loc: every field that is shown, a group's fields labelled
// "Group: field", an unanswered optional field with an empty value.
func (f *Form) Summary(clean map[string]any, loc i18n.Locale) []SummaryStep {
	shown := make([]bool, len(f.all))
	vals := make([]any, len(f.all))
	for _, fl := range f.all {
		v, _ := lookup(clean, fl)
		vals[fl.idx] = v
		ok := fl.parent == nil || shown[fl.parent.idx]
		if c := fl.showIf; ok && c != nil {
			ok = shown[c.target.idx] && vals[c.target.idx] != nil && sameValue(vals[c.target.idx], c.equals)
		}
		shown[fl.idx] = ok
	}
	out := make([]SummaryStep, 0, len(f.steps))
	for _, s := range f.steps {
		st := SummaryStep{ID: s.id, Title: s.title.in(loc)}
		for _, fl := range s.fields {
			if !shown[fl.idx] {
				continue
			}
			if fl.typ != TypeObject {
				st.Rows = append(st.Rows, fl.row(vals[fl.idx], "", loc))
				continue
			}
			for _, c := range fl.children {
				if shown[c.idx] {
					st.Rows = append(st.Rows, c.row(vals[c.idx], fl.label.in(loc)+": ", loc))
				}
			}
		}
		out = append(out, st)
	}
	return out
}

// row is the summary of the field's value v.
func (fl *field) row(v any, prefix string, loc i18n.Locale) SummaryRow {
	r := SummaryRow{Name: fl.name, Label: prefix + fl.label.in(loc), Value: formValue(v)}
	switch {
	case fl.widget == WidgetCheckbox:
		b, _ := v.(bool)
		r.Checkbox, r.Yes = true, b
	case fl.widget == WidgetFile:
		r.File = true
	case len(fl.options) > 0 && v != nil:
		for _, o := range fl.options {
			if sameValue(o.value, v) {
				r.Value = o.label.in(loc)
			}
		}
	}
	return r
}

// FileFields returns the names of the step's file fields, a group's
// included.
func (f *Form) FileFields(stepID string) []string {
	var out []string
	for _, fl := range f.all {
		if fl.widget == WidgetFile && topOf(fl).step == stepID {
			out = append(out, fl.name)
		}
	}
	return out
}

// FileRefs returns the upload references values hold in file fields.
func (f *Form) FileRefs(values map[string]any) []string {
	var out []string
	for _, fl := range f.all {
		if fl.widget != WidgetFile {
			continue
		}
		v, _ := lookup(values, fl)
		if ref, ok := v.(string); ok && ref != "" {
			out = append(out, ref)
		}
	}
	return out
}

// Region returns the region an application with clean values concerns:
// the answer of the first of the form's region fields (x-egov "region")
// that has one, or "" when the form names none or none is answered.
func (f *Form) Region(clean map[string]any) string {
	for _, fl := range f.region {
		v, _ := lookup(clean, fl)
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}
