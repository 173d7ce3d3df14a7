// Package form reads, renders and checks the application forms of state
// services. A form is a JSON Schema 2020-12 document of type object whose
// properties are the form's fields, with what a person needs to fill it in
// (labels in four languages, hints, steps, widgets, conditional display)
// under our own "x-egov" keyword, which standard validators ignore:
//
//	{
//	  "$schema": "https://json-schema.org/draft/2020-12/schema",
//	  "type": "object",
//	  "x-egov": {"title": {"uz-Latn": …, "uz-Cyrl": …, "ru": …, "en": …},
//	             "steps": [{"id": "applicant", "title": {…}}, …]},
//	  "properties": {
//	    "phone": {"type": "string",
//	              "x-egov": {"label": {…}, "hint": {…}, "step": "applicant", "widget": "phone"}},
//	    "delivery": {"type": "string", "enum": ["post", "office"],
//	              "x-egov": {"label": {…}, "step": "delivery", "widget": "radio",
//	                         "options": [{"value": "post", "label": {…}}, …]}},
//	    "address": {"type": "string",
//	              "x-egov": {"label": {…}, "step": "delivery",
//	                         "showIf": {"field": "delivery", "equals": "post"}}}
//	  },
//	  "required": ["phone", "delivery", "address"]
//	}
//
// A field with showIf is shown only while the field it names has the given
// value; listed in "required", it is required whenever it is shown (a
// validator that ignores x-egov would require it always, which is why
// submissions go through Validate). A property of type object is a group of fields (one level deep) shown as a
// fieldset: listed in "required", its own required fields must be filled;
// otherwise they must be filled only once any field of the group is. Text
// fields that declare no maxLength get DefaultMaxLength. Properties may
// share a definition with "$ref": "#/$defs/name" (no other reference is
// allowed).
//
// Forms are written by agency staff and reach the platform from outside, so
// Parse treats every document as hostile: it accepts only the keywords a
// form needs, bounds sizes (see the Max… limits), never loads anything a
// document refers to, and refuses anything else with an apperr EINVALID
// error whose message key (the MsgSchema… constants) and arguments say what
// is wrong and where.
//
// A parsed Form turns posted values into typed ones (FromPost) and
// validates submissions on the server (Validate) with the compiled JSON
// Schema plus the rules JSON Schema cannot say: conditional fields, PINFL
// and phone numbers. Its steps render through the "form-fields" partial
// template (Templates, Partial, StepView) in any of the four languages;
// the package's messages are in Locales.
package form

import (
	"bytes"
	"embed"
	"io/fs"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// Limits on a form document. They are far above what a real form needs and
// low enough that no document can make Parse or Validate slow.
const (
	// MaxDocBytes bounds the size of a document.
	MaxDocBytes = 256 << 10
	// MaxDepth bounds the nesting of JSON objects and arrays. A form with
	// a group of fields whose options carry labels needs 9.
	MaxDepth = 10
	// MaxFields bounds the number of properties, groups and their fields
	// together.
	MaxFields = 200
	// MaxEnum bounds the values of one enum and the options of one field.
	MaxEnum = 500
	// MaxSteps bounds the steps of a form.
	MaxSteps = 20
	// MaxDefs bounds the shared definitions under $defs.
	MaxDefs = 50
	// MaxStringBytes bounds every string in a document: labels, hints,
	// enum values.
	MaxStringBytes = 4096
	// MaxPatternBytes bounds a pattern. Patterns are RE2 (Go regexp), which
	// matches in linear time, so a long pattern costs memory, not time.
	MaxPatternBytes = 256
	// MaxLengthLimit bounds minLength and maxLength.
	MaxLengthLimit = 100000
	// DefaultMaxLength is the maxLength of a text field that declares none,
	// so no field accepts unbounded text.
	DefaultMaxLength = 4000
)

// maxKeyBytes bounds object keys; real keys are names of at most 64 bytes.
const maxKeyBytes = 256

// Message keys of the errors Parse returns, for translation catalogs. The
// arguments each key takes are listed with it; a path is a JSON pointer into
// the document ("/properties/phone/x-egov/label").
const (
	MsgSchemaNotJSON        = "form.schema.not_json"         // {0} byte offset
	MsgSchemaTooLarge       = "form.schema.too_large"        // {0} limit in bytes
	MsgSchemaTooDeep        = "form.schema.too_deep"         // {0} path, {1} limit
	MsgSchemaDuplicateKey   = "form.schema.duplicate_key"    // {0} path, {1} key
	MsgSchemaStringTooLong  = "form.schema.string_too_long"  // {0} path, {1} limit in bytes
	MsgSchemaNumber         = "form.schema.number"           // {0} path
	MsgSchemaNotObject      = "form.schema.not_object"       // no arguments
	MsgSchemaDialect        = "form.schema.dialect"          // {0} the $schema given
	MsgSchemaUnsupported    = "form.schema.unsupported"      // {0} path, {1} keyword
	MsgSchemaBadValue       = "form.schema.bad_value"        // {0} path, {1} keyword
	MsgSchemaTooManyFields  = "form.schema.too_many_fields"  // {0} limit
	MsgSchemaEnumTooLong    = "form.schema.enum_too_long"    // {0} path, {1} limit
	MsgSchemaName           = "form.schema.name"             // {0} path, {1} the name
	MsgSchemaRemoteRef      = "form.schema.remote_ref"       // {0} path, {1} the reference
	MsgSchemaBadRef         = "form.schema.bad_ref"          // {0} path, {1} the reference
	MsgSchemaPattern        = "form.schema.pattern"          // {0} path
	MsgSchemaPatternTooLong = "form.schema.pattern_too_long" // {0} path, {1} limit in bytes
	MsgSchemaNesting        = "form.schema.nesting"          // {0} path
	MsgSchemaType           = "form.schema.type"             // {0} path, {1} the type
	MsgSchemaNoUI           = "form.schema.no_ui"            // {0} path
	MsgSchemaTranslation    = "form.schema.translation"      // {0} path, {1} locale
	MsgSchemaWidget         = "form.schema.widget"           // {0} path, {1} the widget
	MsgSchemaWidgetType     = "form.schema.widget_type"      // {0} path, {1} widget, {2} type
	MsgSchemaOptions        = "form.schema.options"          // {0} path
	MsgSchemaSteps          = "form.schema.steps"            // {0} limit
	MsgSchemaDuplicateStep  = "form.schema.duplicate_step"   // {0} step id
	MsgSchemaUnknownStep    = "form.schema.unknown_step"     // {0} path, {1} step id
	MsgSchemaEmptyStep      = "form.schema.empty_step"       // {0} step id
	MsgSchemaShowIfField    = "form.schema.show_if_field"    // {0} path, {1} field
	MsgSchemaShowIfOrder    = "form.schema.show_if_order"    // {0} path, {1} field
	MsgSchemaShowIfCycle    = "form.schema.show_if_cycle"    // {0} field
	MsgSchemaRequired       = "form.schema.required"         // {0} path, {1} name
	MsgSchemaInvalid        = "form.schema.invalid"          // {0} the validator's explanation
)

// Message keys of field errors that Validate returns, for translation
// catalogs. They take no arguments: the page shows them next to the field,
// whose label and hint say the rest.
const (
	MsgRequired = "form.error.required" // a required field is empty
	MsgInvalid  = "form.error.invalid"  // a value of the wrong kind
	MsgInteger  = "form.error.integer"  // not a whole number
	MsgNumber   = "form.error.number"   // not a number
	MsgTooShort = "form.error.too_short"
	MsgTooLong  = "form.error.too_long"
	MsgTooSmall = "form.error.too_small" // below minimum
	MsgTooLarge = "form.error.too_large" // above maximum
	MsgPattern  = "form.error.pattern"   // does not match the field's pattern
	MsgChoice   = "form.error.choice"    // not one of the options
	MsgDate     = "form.error.date"      // not a date (YYYY-MM-DD)
	MsgEmail    = "form.error.email"
	MsgPINFL    = "form.error.pinfl" // not 14 digits
	MsgPhone    = "form.error.phone" // not an Uzbek number (+998 and 9 digits)
	MsgAccept   = "form.error.accept"
)

// Widgets: how a field is shown. WidgetGroup is not written in documents; it
// is the widget of a field of type object, shown as a fieldset of its own
// fields. A WidgetFile field (type string) holds the reference of an
// upload: the handler stores the posted file and puts its reference in the
// values it validates; it must check that a reference it did not issue is
// not accepted.
const (
	WidgetText     = "text"
	WidgetTextarea = "textarea"
	WidgetNumber   = "number"
	WidgetDate     = "date"
	WidgetSelect   = "select"
	WidgetRadio    = "radio"
	WidgetCheckbox = "checkbox"
	WidgetPhone    = "phone"
	WidgetPINFL    = "pinfl"
	WidgetEmail    = "email"
	WidgetFile     = "file"
	WidgetGroup    = "group"
)

// Field types, the JSON Schema "type" of a field.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
	TypeObject  = "object"
)

// Dialect is the only $schema a form may declare (it may also declare none).
const Dialect = "https://json-schema.org/draft/2020-12/schema"

// uiKey is our keyword.
const uiKey = "x-egov"

// resourceURL names the document inside the JSON Schema compiler. It is a
// URN so that no relative reference can resolve to a file or a host.
const resourceURL = "urn:egov:form"

// Form is a parsed and compiled application form. It is immutable and safe
// for concurrent use.
type Form struct {
	title  text
	steps  []*step
	fields []*field          // top-level fields in document order
	all    []*field          // every field, in an order where each comes after its group and the field its showIf names
	byName map[string]*field // every field by its dotted name
	schema *jsonschema.Schema
	doc    []byte   // canonical document
	region []*field // the fields that say the region, in order of preference
}

// Step is a page of a form in one language.
type Step struct {
	ID     string
	Title  string
	Fields []Field
}

// Field is what a renderer needs to show one field in one language.
type Field struct {
	// Name is the field's key in submitted values, its form control's name
	// and id, and its key in field errors. A field of a group is named
	// "group.field".
	Name  string
	Label string
	Hint  string // may be empty
	// Widget is one of the Widget… constants.
	Widget string
	// Type is one of the Type… constants.
	Type string
	// Required says the field must be filled in; for a field with ShowIf,
	// whenever it is shown.
	Required bool
	// Options are the choices of a select or radio field, in order.
	Options []Option
	// ShowIf, when set, shows the field only while another field has a
	// given value.
	ShowIf *Condition
	// Format is "date", "email" or empty.
	Format string
	// MinLength and MaxLength bound text in characters; 0 is no bound.
	MinLength, MaxLength int
	// Min and Max bound numbers; nil is no bound.
	Min, Max *float64
	// Fields are the fields of a group.
	Fields []Field
}

// Option is one choice of a select or radio field.
type Option struct {
	// Value is the choice as a form posts it ("true", "3", "post").
	Value string
	Label string
}

// Condition shows a field only while the field named Field equals Equals.
type Condition struct {
	Field string
	// Equals is the value: a string, int64, float64 or bool.
	Equals any
	// Value is Equals as a form posts it, for data-show-if-value.
	Value string
}

// Parse reads a form document, checks it and compiles its schema. Every
// problem is an *apperr.Error with code EINVALID, a MsgSchema… key and the
// arguments that key lists. No document can make Parse read a file or use
// the network: references other than "#/$defs/…" are refused, and the
// compiler's loader refuses everything.
func Parse(doc []byte) (*Form, error) {
	return parse(doc, refuseLoader{})
}

// parse is Parse with the compiler's loader given, so that tests can prove
// it is never asked for anything.
func parse(doc []byte, loader jsonschema.URLLoader) (*Form, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	root, ok := v.(*object)
	if !ok {
		return nil, schemaErr(MsgSchemaNotObject)
	}
	f, err := build(root)
	if err != nil {
		return nil, err
	}
	if f.schema, err = compile(effective(root, f), loader); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	encode(&b, root)
	f.doc = b.Bytes()
	return f, nil
}

// Title returns the form's title in loc (an unsupported locale gets the
// default one).
func (f *Form) Title(loc i18n.Locale) string { return f.title.in(loc) }

// Steps returns the form's steps in order, with their fields, in loc.
func (f *Form) Steps(loc i18n.Locale) []Step {
	out := make([]Step, len(f.steps))
	for i, s := range f.steps {
		out[i] = Step{ID: s.id, Title: s.title.in(loc), Fields: publicFields(s.fields, loc)}
	}
	return out
}

// StepOf returns the id of the step that shows the field name (a group's
// field is on its group's step), or "" for an unknown field. A multi-step
// page uses it to show each step only its own errors.
func (f *Form) StepOf(name string) string {
	fl, ok := f.byName[name]
	if !ok {
		return ""
	}
	if fl.parent != nil {
		fl = fl.parent
	}
	return fl.step
}

// Canonical returns the document as stored: compact JSON with keys in their
// original order, so that Parse(Canonical()) is the same form and equal
// forms have equal bytes. It is a copy.
func (f *Form) Canonical() []byte { return bytes.Clone(f.doc) }

func publicFields(fields []*field, loc i18n.Locale) []Field {
	out := make([]Field, len(fields))
	for i, fl := range fields {
		out[i] = fl.public(loc)
	}
	return out
}

func (fl *field) public(loc i18n.Locale) Field {
	p := Field{Name: fl.name, Label: fl.label.in(loc), Hint: fl.hint.in(loc), Widget: fl.widget, Type: fl.typ,
		Required: fl.required, Format: fl.format, MinLength: fl.minLength, MaxLength: fl.maxLength}
	if fl.minimum != nil {
		m := *fl.minimum
		p.Min = &m
	}
	if fl.maximum != nil {
		m := *fl.maximum
		p.Max = &m
	}
	for _, o := range fl.options {
		p.Options = append(p.Options, Option{Value: formValue(o.value), Label: o.label.in(loc)})
	}
	if c := fl.showIf; c != nil {
		p.ShowIf = &Condition{Field: c.target.name, Equals: c.equals, Value: formValue(c.equals)}
	}
	if len(fl.children) > 0 {
		p.Fields = publicFields(fl.children, loc)
	}
	return p
}

// schemaErr returns the EINVALID error Parse reports.
func schemaErr(key string, args ...any) *apperr.Error {
	return apperr.New(apperr.EINVALID, key, args...)
}

//go:embed templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// Partial is the path, in Templates, of the file of partial templates that
// render a step's fields. It defines "form-fields", which a page calls with
// its view: {{template "form-fields" .}}; the page's data must have a field
// Form holding the StepView to render (see StepView).
const Partial = "templates/fields.html"

// Templates returns the package's templates; Partial is among them.
func Templates() fs.FS { return templateFS }

// Locales returns the package's message catalog (keys "form.…").
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// WithPartial returns fsys with Partial added (shadowing any file of fsys
// at that path), so that a module parses a page that uses the partial with
// web.Renderer.Page(form.WithPartial(templates), "templates/apply.html",
// form.Partial).
func WithPartial(fsys fs.FS) fs.FS { return overlay{fsys} }

type overlay struct{ base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	if name == Partial {
		return templateFS.Open(name)
	}
	return o.base.Open(name)
}

// in returns the text in loc, or in the default locale for an unsupported
// one.
func (t text) in(loc i18n.Locale) string {
	if i := localeIndex(loc); i >= 0 {
		return t[i]
	}
	return t[0]
}

// localeIndex returns the position of loc in i18n.All, or -1.
func localeIndex(loc i18n.Locale) int {
	switch loc {
	case i18n.UzLatn:
		return 0
	case i18n.UzCyrl:
		return 1
	case i18n.Ru:
		return 2
	case i18n.En:
		return 3
	}
	return -1
}

// text is a string in each locale, indexed like i18n.All.
type text [4]string
