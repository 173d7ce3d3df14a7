package form

import (
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/egovuz/egov/internal/platform/i18n"
	cut "github.com/egovuz/egov/internal/platform/text"
)

// field is one field of a form as parsed: everything Validate, FromPost and
// the renderer need, in every language.
type field struct {
	idx    int    // position in Form.all
	name   string // dotted: "phone", "address.city"
	key    string // the property name
	path   string // JSON pointer of its schema, for errors
	parent *field // the group, or nil
	typ    string
	widget string
	label  text
	hint   text
	step   string // for top-level fields
	showIf *condition
	// required says the parent lists the field in "required".
	required bool
	enum     []any // normalized values
	hasConst bool
	format   string
	// minLength and maxLength are 0 when not set; maxLengthSet tells a
	// declared maxLength from DefaultMaxLength.
	minLength, maxLength int
	maxLengthSet         bool
	minimum, maximum     *float64
	options              []option
	children             []*field
	prefill              *Prefill
}

// condition is a parsed showIf.
type condition struct {
	field  string // as written
	target *field
	equals any // normalized to the target's type
	path   string
}

type option struct {
	value any
	label text
}

type step struct {
	id     string
	title  text
	fields []*field
}

// nameRE is what a field, step or definition name looks like. Names reach
// pages as ids and form control names, so they must be plain.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Keywords allowed where. Anything else is refused, so that a document can
// only say what this package understands; in particular $id, $anchor,
// $dynamicRef, $vocabulary and the applicators (allOf, if, …) are refused.
func rootKey(k string) bool {
	return oneOf(k, "$schema", "$comment", "title", "description", "type", "properties", "required", "additionalProperties", "$defs", uiKey)
}

func groupKey(k string) bool {
	return oneOf(k, "$comment", "title", "description", "type", "properties", "required", "additionalProperties", uiKey)
}

func scalarKey(k string) bool { return k == "$ref" || k == uiKey || defKey(k) }

func defKey(k string) bool {
	return oneOf(k, "$comment", "title", "description", "type", "enum", "const", "minLength", "maxLength", "pattern", "minimum", "maximum", "format")
}

func rootUIKey(k string) bool { return oneOf(k, "title", "steps", "region") }
func stepKey(k string) bool   { return oneOf(k, "id", "title") }
func fieldUIKey(k string) bool {
	return oneOf(k, "label", "hint", "step", "widget", "options", "showIf", "prefill")
}
func optionKey(k string) bool { return oneOf(k, "value", "label") }
func showIfKey(k string) bool { return oneOf(k, "field", "equals") }

func localeKey(k string) bool {
	return oneOf(k, string(i18n.UzLatn), string(i18n.UzCyrl), string(i18n.Ru), string(i18n.En))
}

func isWidget(w string) bool {
	return oneOf(w, WidgetText, WidgetTextarea, WidgetNumber, WidgetDate, WidgetSelect, WidgetRadio, WidgetCheckbox, WidgetPhone, WidgetPINFL, WidgetEmail, WidgetFile)
}

func oneOf(k string, set ...string) bool { return slices.Contains(set, k) }

// builder holds what building a Form needs besides the Form.
type builder struct {
	f     *Form
	defs  map[string]*object
	steps map[string]int // step id → position
	count int            // fields so far
}

// build checks the decoded document and builds the Form from it, without
// its compiled schema.
func build(root *object) (*Form, error) {
	if err := checkKeys(root, "", rootKey); err != nil {
		return nil, err
	}
	if err := checkRootDialect(root); err != nil {
		return nil, err
	}
	b := &builder{f: &Form{byName: make(map[string]*field)}, defs: make(map[string]*object), steps: make(map[string]int)}
	if err := b.rootUI(root); err != nil {
		return nil, err
	}
	if err := b.readDefs(root); err != nil {
		return nil, err
	}
	fields, err := b.properties(root, "", nil)
	if err != nil {
		return nil, err
	}
	b.f.fields = fields
	for _, fl := range fields {
		s := b.f.steps[b.steps[fl.step]]
		s.fields = append(s.fields, fl)
	}
	for _, s := range b.f.steps {
		if len(s.fields) == 0 {
			return nil, schemaErr(MsgSchemaEmptyStep, s.id)
		}
	}
	if err := b.resolveConditions(); err != nil {
		return nil, err
	}
	if err := b.order(); err != nil {
		return nil, err
	}
	if err := b.regionFields(root); err != nil {
		return nil, err
	}
	return b.f, nil
}

// regionFields reads the root's x-egov "region": the text or choice fields,
// in order of preference, whose answer is the region an application
// concerns (where the certificate is collected or posted), for the
// statistics by region.
func (b *builder) regionFields(root *object) error {
	const path = "/" + uiKey + "/region"
	ui, _ := root.get(uiKey)
	v, ok := ui.(*object).get("region")
	if !ok {
		return nil
	}
	names, ok := v.([]any)
	if !ok || len(names) == 0 || len(names) > MaxSteps {
		return schemaErr(MsgSchemaBadValue, path, "region")
	}
	for i, n := range names {
		name, _ := n.(string)
		fl, known := b.f.byName[name]
		if !known || fl.typ != TypeString || fl.widget == WidgetFile {
			return schemaErr(MsgSchemaBadValue, path+"/"+strconv.Itoa(i), "region")
		}
		b.f.region = append(b.f.region, fl)
	}
	return nil
}

// checkKeys refuses any key of o that allowed lacks.
func checkKeys(o *object, path string, allowed func(string) bool) error {
	for _, k := range o.keys {
		if !allowed(k) {
			return schemaErr(MsgSchemaUnsupported, displayPath(path), clip(k))
		}
	}
	return nil
}

// checkRootDialect checks the root's $schema, type and annotations.
func checkRootDialect(root *object) error {
	if v, ok := root.get("$schema"); ok {
		s, isStr := v.(string)
		if !isStr {
			return schemaErr(MsgSchemaBadValue, "/$schema", "$schema")
		}
		if strings.TrimSuffix(s, "#") != Dialect {
			return schemaErr(MsgSchemaDialect, clip(s))
		}
	}
	if t, _ := root.vals["type"].(string); t != TypeObject {
		return schemaErr(MsgSchemaNotObject)
	}
	if p, ok := root.vals["properties"].(*object); !ok || len(p.keys) == 0 {
		return schemaErr(MsgSchemaNotObject)
	}
	return checkAnnotations(root, "")
}

// checkAnnotations checks that the annotation keywords of o are strings.
func checkAnnotations(o *object, path string) error {
	// These keywords carry only text for people reading the document.
	for _, k := range []string{"$comment", "title", "description"} {
		if v, ok := o.get(k); ok {
			if _, isStr := v.(string); !isStr {
				return schemaErr(MsgSchemaBadValue, displayPath(path), k)
			}
		}
	}
	if v, ok := o.get("additionalProperties"); ok {
		if _, isBool := v.(bool); !isBool {
			return schemaErr(MsgSchemaBadValue, displayPath(path), "additionalProperties")
		}
	}
	return nil
}

// rootUI reads the root's x-egov: the title and the steps.
func (b *builder) rootUI(root *object) error {
	const path = "/" + uiKey
	ui, err := uiObject(root, "")
	if err != nil {
		return err
	}
	if err := checkKeys(ui, path, rootUIKey); err != nil {
		return err
	}
	if b.f.title, err = readText(ui, path, "title", true); err != nil {
		return err
	}
	steps, ok := ui.vals["steps"].([]any)
	if !ok {
		return schemaErr(MsgSchemaBadValue, path, "steps")
	}
	if len(steps) == 0 || len(steps) > MaxSteps {
		return schemaErr(MsgSchemaSteps, MaxSteps)
	}
	for i, v := range steps {
		sp := path + "/steps/" + strconv.Itoa(i)
		so, ok := v.(*object)
		if !ok {
			return schemaErr(MsgSchemaBadValue, sp, "steps")
		}
		if err := checkKeys(so, sp, stepKey); err != nil {
			return err
		}
		id, _ := so.vals["id"].(string)
		if !nameRE.MatchString(id) {
			return schemaErr(MsgSchemaName, sp+"/id", clip(id))
		}
		if _, dup := b.steps[id]; dup {
			return schemaErr(MsgSchemaDuplicateStep, id)
		}
		title, err := readText(so, sp, "title", true)
		if err != nil {
			return err
		}
		b.steps[id] = len(b.f.steps)
		b.f.steps = append(b.f.steps, &step{id: id, title: title})
	}
	return nil
}

// uiObject returns the x-egov object of o, which must be there.
func uiObject(o *object, path string) (*object, error) {
	v, ok := o.get(uiKey)
	if !ok {
		return nil, schemaErr(MsgSchemaNoUI, displayPath(path))
	}
	ui, ok := v.(*object)
	if !ok {
		return nil, schemaErr(MsgSchemaBadValue, path+"/"+uiKey, uiKey)
	}
	return ui, nil
}

// readText reads o[key] as a text in the four languages. Each must be
// there and not blank. A missing optional text is the empty text.
func readText(o *object, path, key string, required bool) (text, error) {
	var t text
	v, ok := o.get(key)
	if !ok {
		if required {
			return t, schemaErr(MsgSchemaTranslation, path+"/"+key, string(i18n.Default))
		}
		return t, nil
	}
	tp := path + "/" + key
	to, ok := v.(*object)
	if !ok {
		return t, schemaErr(MsgSchemaBadValue, displayPath(path), key)
	}
	if err := checkKeys(to, tp, localeKey); err != nil {
		return t, err
	}
	for i, loc := range i18n.All() {
		s, _ := to.vals[string(loc)].(string)
		if strings.TrimSpace(s) == "" {
			return t, schemaErr(MsgSchemaTranslation, tp, string(loc))
		}
		t[i] = s
	}
	return t, nil
}

// readDefs checks the shared field schemas under $defs. They are plain
// scalar schemas without x-egov that properties use with $ref.
func (b *builder) readDefs(root *object) error {
	v, ok := root.get("$defs")
	if !ok {
		return nil
	}
	defs, ok := v.(*object)
	if !ok {
		return schemaErr(MsgSchemaBadValue, "/", "$defs")
	}
	if len(defs.keys) > MaxDefs {
		return schemaErr(MsgSchemaBadValue, "/$defs", "$defs")
	}
	for _, name := range defs.keys {
		path := "/$defs/" + escapePointer(name)
		if !nameRE.MatchString(name) {
			return schemaErr(MsgSchemaName, path, clip(name))
		}
		d, ok := defs.vals[name].(*object)
		if !ok {
			return schemaErr(MsgSchemaBadValue, path, "$defs")
		}
		if err := checkKeys(d, path, defKey); err != nil {
			return err
		}
		fl := &field{path: path}
		if err := readKeywords(fl, []keyed{{d, path}}); err != nil {
			return err
		}
		b.defs[name] = d
	}
	return nil
}

// properties reads the fields of o (the root or a group), in order, and
// marks the required ones.
func (b *builder) properties(o *object, path string, parent *field) ([]*field, error) {
	props, ok := o.vals["properties"].(*object)
	if !ok || len(props.keys) == 0 {
		return nil, schemaErr(MsgSchemaBadValue, displayPath(path), "properties")
	}
	var fields []*field
	byKey := make(map[string]*field, len(props.keys))
	for _, key := range props.keys {
		fp := path + "/properties/" + escapePointer(key)
		fl, err := b.field(key, props.vals[key], fp, parent)
		if err != nil {
			return nil, err
		}
		fields = append(fields, fl)
		byKey[key] = fl
	}
	if v, ok := o.get("required"); ok {
		req, ok := v.([]any)
		if !ok {
			return nil, schemaErr(MsgSchemaBadValue, displayPath(path), "required")
		}
		for i, r := range req {
			name, _ := r.(string)
			fl, known := byKey[name]
			if !known || fl.required {
				return nil, schemaErr(MsgSchemaRequired, path+"/required/"+strconv.Itoa(i), clip(name))
			}
			fl.required = true
		}
	}
	return fields, nil
}

// field reads one property.
func (b *builder) field(key string, v any, path string, parent *field) (*field, error) {
	if !nameRE.MatchString(key) {
		return nil, schemaErr(MsgSchemaName, path, clip(key))
	}
	if b.count++; b.count > MaxFields {
		return nil, schemaErr(MsgSchemaTooManyFields, MaxFields)
	}
	o, ok := v.(*object)
	if !ok {
		return nil, schemaErr(MsgSchemaBadValue, path, "properties")
	}
	fl := &field{key: key, name: key, path: path, parent: parent}
	if parent != nil {
		fl.name = parent.key + "." + key
	}
	if t, _ := o.vals["type"].(string); t == TypeObject {
		if parent != nil {
			return nil, schemaErr(MsgSchemaNesting, path)
		}
		return b.group(fl, o)
	}
	if err := checkKeys(o, path, scalarKey); err != nil {
		return nil, err
	}
	if err := checkAnnotations(o, path); err != nil {
		return nil, err
	}
	sources := []keyed{{o, path}}
	if v, ok := o.get("$ref"); ok {
		d, dpath, err := b.ref(v, path+"/$ref")
		if err != nil {
			return nil, err
		}
		if dt, ot := d.vals["type"], o.vals["type"]; dt != nil && ot != nil && dt != ot {
			return nil, schemaErr(MsgSchemaBadValue, path, "type")
		}
		sources = []keyed{{d, dpath}, {o, path}}
	}
	if err := readKeywords(fl, sources); err != nil {
		return nil, err
	}
	if err := b.fieldUI(fl, o); err != nil {
		return nil, err
	}
	b.add(fl)
	return fl, nil
}

// group reads a property of type object: a fieldset of fields.
func (b *builder) group(fl *field, o *object) (*field, error) {
	fl.typ, fl.widget = TypeObject, WidgetGroup
	if err := checkKeys(o, fl.path, groupKey); err != nil {
		return nil, err
	}
	if err := checkAnnotations(o, fl.path); err != nil {
		return nil, err
	}
	if err := b.fieldUI(fl, o); err != nil {
		return nil, err
	}
	b.add(fl)
	children, err := b.properties(o, fl.path, fl)
	if err != nil {
		return nil, err
	}
	fl.children = children
	return fl, nil
}

// add records a field.
func (b *builder) add(fl *field) {
	b.f.all = append(b.f.all, fl)
	b.f.byName[fl.name] = fl
}

// ref resolves a property's $ref, which may only name a definition of the
// same document. Anything else is refused before the compiler sees it, and
// the compiler's loader refuses everything as well.
func (b *builder) ref(v any, path string) (*object, string, error) {
	s, ok := v.(string)
	if !ok {
		return nil, "", schemaErr(MsgSchemaBadValue, path, "$ref")
	}
	if !strings.HasPrefix(s, "#") {
		return nil, "", schemaErr(MsgSchemaRemoteRef, path, clip(s))
	}
	name, ok := strings.CutPrefix(s, "#/$defs/")
	d, known := b.defs[name]
	if !ok || !known {
		return nil, "", schemaErr(MsgSchemaBadRef, path, clip(s))
	}
	return d, "/$defs/" + name, nil
}

// keyed is a schema object and its path.
type keyed struct {
	o    *object
	path string
}

// readKeywords reads the validation keywords of a scalar field from its
// schema and, first, from the definition it refers to; the field's own
// keywords win where both have one (both still apply when validating).
func readKeywords(fl *field, sources []keyed) error {
	type entry struct {
		v    any
		path string
	}
	m := make(map[string]entry)
	for _, s := range sources {
		for _, k := range s.o.keys {
			m[k] = entry{s.o.vals[k], s.path + "/" + k}
		}
	}
	t, ok := m["type"]
	if !ok {
		return schemaErr(MsgSchemaBadValue, displayPath(fl.path), "type")
	}
	typ, _ := t.v.(string)
	switch typ {
	case TypeString, TypeInteger, TypeNumber, TypeBoolean:
		fl.typ = typ
	default:
		return schemaErr(MsgSchemaType, t.path, clip(typ))
	}
	for _, k := range []string{"format", "minLength", "maxLength", "pattern", "minimum", "maximum", "enum", "const"} {
		e, ok := m[k]
		if !ok {
			continue
		}
		numeric := typ == TypeInteger || typ == TypeNumber
		if (k == "minimum" || k == "maximum") && !numeric ||
			(k == "format" || k == "minLength" || k == "maxLength" || k == "pattern") && typ != TypeString {
			return schemaErr(MsgSchemaUnsupported, e.path, k)
		}
		bad := schemaErr(MsgSchemaBadValue, e.path, k)
		switch k {
		case "format":
			if fl.format, _ = e.v.(string); fl.format != "date" && fl.format != "email" {
				return bad
			}
		case "minLength", "maxLength":
			n, ok := wholeNumber(e.v)
			if !ok || n < 0 || n > MaxLengthLimit {
				return bad
			}
			if k == "minLength" {
				fl.minLength = int(n)
			} else {
				fl.maxLength, fl.maxLengthSet = int(n), true
			}
		case "pattern":
			// Patterns run on Go's RE2 engine, in linear time whatever
			// the input.
			p, ok := e.v.(string)
			if !ok {
				return bad
			}
			if len(p) > MaxPatternBytes {
				return schemaErr(MsgSchemaPatternTooLong, e.path, MaxPatternBytes)
			}
			if _, err := regexp.Compile(p); err != nil {
				return schemaErr(MsgSchemaPattern, e.path)
			}
		case "minimum", "maximum":
			n, ok := e.v.(json.Number)
			if !ok {
				return bad
			}
			x, err := n.Float64()
			if err != nil {
				return bad
			}
			if k == "minimum" {
				fl.minimum = &x
			} else {
				fl.maximum = &x
			}
		case "enum":
			vals, ok := e.v.([]any)
			if !ok || len(vals) == 0 {
				return bad
			}
			if len(vals) > MaxEnum {
				return schemaErr(MsgSchemaEnumTooLong, e.path, MaxEnum)
			}
			fl.enum = make([]any, 0, len(vals))
			for i, v := range vals {
				x, ok := scalarOf(v, typ)
				if !ok || contains(fl.enum, x) {
					return schemaErr(MsgSchemaBadValue, e.path+"/"+strconv.Itoa(i), k)
				}
				fl.enum = append(fl.enum, x)
			}
		case "const":
			if _, ok := scalarOf(e.v, typ); !ok {
				return bad
			}
			fl.hasConst = true
		}
	}
	if fl.maxLengthSet && fl.minLength > fl.maxLength {
		return schemaErr(MsgSchemaBadValue, displayPath(fl.path), "maxLength")
	}
	if fl.minimum != nil && fl.maximum != nil && *fl.minimum > *fl.maximum {
		return schemaErr(MsgSchemaBadValue, displayPath(fl.path), "maximum")
	}
	return nil
}

// wholeNumber returns a JSON number that is a whole number.
func wholeNumber(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// fieldUI reads a field's x-egov.
func (b *builder) fieldUI(fl *field, o *object) error {
	ui, err := uiObject(o, fl.path)
	if err != nil {
		return err
	}
	path := fl.path + "/" + uiKey
	if err := checkKeys(ui, path, fieldUIKey); err != nil {
		return err
	}
	if fl.label, err = readText(ui, path, "label", true); err != nil {
		return err
	}
	if fl.hint, err = readText(ui, path, "hint", false); err != nil {
		return err
	}
	if err := b.fieldStep(fl, ui, path); err != nil {
		return err
	}
	if v, ok := ui.get("widget"); ok {
		w, _ := v.(string)
		if fl.typ == TypeObject {
			return schemaErr(MsgSchemaWidgetType, path+"/widget", clip(w), fl.typ)
		}
		if !isWidget(w) {
			return schemaErr(MsgSchemaWidget, path+"/widget", clip(w))
		}
		fl.widget = w
	}
	if v, ok := ui.get("options"); ok {
		if err := readOptions(fl, v, path+"/options"); err != nil {
			return err
		}
	}
	if v, ok := ui.get("showIf"); ok {
		if fl.showIf, err = readShowIf(v, path+"/showIf"); err != nil {
			return err
		}
	}
	if v, ok := ui.get("prefill"); ok {
		if fl.prefill, err = readPrefill(fl, v, path+"/prefill"); err != nil {
			return err
		}
	}
	if fl.typ == TypeObject {
		return nil
	}
	return checkWidget(fl, path)
}

// fieldStep reads the step of a field. A group's fields are on the group's
// step and need not say so.
func (b *builder) fieldStep(fl *field, ui *object, path string) error {
	v, ok := ui.get("step")
	s, isStr := v.(string)
	if fl.parent != nil {
		if ok && (!isStr || s != fl.parent.step) {
			return schemaErr(MsgSchemaBadValue, path, "step")
		}
		return nil
	}
	if !isStr {
		return schemaErr(MsgSchemaBadValue, path, "step")
	}
	if _, known := b.steps[s]; !known {
		return schemaErr(MsgSchemaUnknownStep, path+"/step", clip(s))
	}
	fl.step = s
	return nil
}

func readOptions(fl *field, v any, path string) error {
	if fl.typ == TypeObject {
		return schemaErr(MsgSchemaOptions, path)
	}
	opts, ok := v.([]any)
	if !ok {
		return schemaErr(MsgSchemaBadValue, path, "options")
	}
	if len(opts) > MaxEnum {
		return schemaErr(MsgSchemaEnumTooLong, path, MaxEnum)
	}
	for i, v := range opts {
		op := path + "/" + strconv.Itoa(i)
		oo, ok := v.(*object)
		if !ok {
			return schemaErr(MsgSchemaBadValue, op, "options")
		}
		if err := checkKeys(oo, op, optionKey); err != nil {
			return err
		}
		val, ok := scalarOf(oo.vals["value"], fl.typ)
		if !ok {
			return schemaErr(MsgSchemaBadValue, op, "value")
		}
		label, err := readText(oo, op, "label", true)
		if err != nil {
			return err
		}
		fl.options = append(fl.options, option{value: val, label: label})
	}
	return nil
}

func readShowIf(v any, path string) (*condition, error) {
	o, ok := v.(*object)
	if !ok {
		return nil, schemaErr(MsgSchemaBadValue, path, "showIf")
	}
	if err := checkKeys(o, path, showIfKey); err != nil {
		return nil, err
	}
	name, _ := o.vals["field"].(string)
	if name == "" {
		return nil, schemaErr(MsgSchemaBadValue, path, "field")
	}
	switch o.vals["equals"].(type) {
	case string, json.Number, bool:
	default:
		return nil, schemaErr(MsgSchemaBadValue, path, "equals")
	}
	return &condition{field: name, equals: o.vals["equals"], path: path}, nil
}

// checkWidget gives a field without a widget the one its type suggests and
// checks that the widget suits the field's type, enum, format and options.
func checkWidget(fl *field, path string) error {
	if fl.widget == "" {
		switch {
		case fl.enum != nil:
			fl.widget = WidgetSelect
		case fl.typ == TypeBoolean:
			fl.widget = WidgetCheckbox
		case fl.typ == TypeInteger || fl.typ == TypeNumber:
			fl.widget = WidgetNumber
		case fl.format == "date":
			fl.widget = WidgetDate
		case fl.format == "email":
			fl.widget = WidgetEmail
		default:
			fl.widget = WidgetText
		}
	}
	var fits bool
	switch fl.widget {
	case WidgetText:
		fits = fl.typ == TypeString && fl.enum == nil
	case WidgetTextarea, WidgetPhone, WidgetPINFL, WidgetFile:
		fits = fl.typ == TypeString && fl.enum == nil && fl.format == ""
	case WidgetDate, WidgetEmail:
		fits = fl.typ == TypeString && fl.enum == nil && (fl.format == "" || fl.format == fl.widget)
		fl.format = fl.widget
	case WidgetNumber:
		fits = (fl.typ == TypeInteger || fl.typ == TypeNumber) && fl.enum == nil
	case WidgetCheckbox:
		fits = fl.typ == TypeBoolean && fl.enum == nil
	case WidgetSelect, WidgetRadio:
		fits = fl.enum != nil
	}
	if !fits {
		return schemaErr(MsgSchemaWidgetType, path, fl.widget, fl.typ)
	}
	isChoice := fl.widget == WidgetSelect || fl.widget == WidgetRadio
	if !isChoice {
		if fl.options != nil {
			return schemaErr(MsgSchemaOptions, path+"/options")
		}
		return nil
	}
	// Every value needs a label in every language, and every label a
	// value.
	if len(fl.options) != len(fl.enum) {
		return schemaErr(MsgSchemaOptions, path+"/options")
	}
	var seen []any
	for _, o := range fl.options {
		if !contains(fl.enum, o.value) || contains(seen, o.value) {
			return schemaErr(MsgSchemaOptions, path+"/options")
		}
		seen = append(seen, o.value)
	}
	return nil
}

// resolveConditions binds each showIf to the field it names.
func (b *builder) resolveConditions() error {
	for _, fl := range b.f.all {
		c := fl.showIf
		if c == nil {
			continue
		}
		t, ok := b.f.byName[c.field]
		if !ok || t == fl || t.typ == TypeObject {
			return schemaErr(MsgSchemaShowIfField, c.path, clip(c.field))
		}
		if b.steps[topOf(t).step] > b.steps[topOf(fl).step] {
			return schemaErr(MsgSchemaShowIfOrder, c.path, c.field)
		}
		eq, ok := scalarOf(c.equals, t.typ)
		if !ok || t.enum != nil && !contains(t.enum, eq) {
			return schemaErr(MsgSchemaBadValue, c.path+"/equals", "equals")
		}
		c.target, c.equals = t, eq
	}
	return nil
}

// topOf returns the top-level field of fl: its group or itself.
func topOf(fl *field) *field {
	if fl.parent != nil {
		return fl.parent
	}
	return fl
}

// order sorts Form.all so that every field comes after its group and after
// the field its showIf names, which is the order Validate decides
// visibility in, and refuses conditions that depend on themselves.
func (b *builder) order() error {
	const (
		visiting = 1
		done     = 2
	)
	state := make([]int8, len(b.f.all))
	for i, fl := range b.f.all {
		fl.idx = i
	}
	sorted := make([]*field, 0, len(b.f.all))
	var visit func(fl *field) error
	visit = func(fl *field) error {
		switch state[fl.idx] {
		case done:
			return nil
		case visiting:
			return schemaErr(MsgSchemaShowIfCycle, fl.name)
		}
		state[fl.idx] = visiting
		if fl.parent != nil {
			if err := visit(fl.parent); err != nil {
				return err
			}
		}
		if fl.showIf != nil {
			if err := visit(fl.showIf.target); err != nil {
				return err
			}
		}
		state[fl.idx] = done
		sorted = append(sorted, fl)
		return nil
	}
	for _, fl := range b.f.all {
		if err := visit(fl); err != nil {
			return err
		}
	}
	for i, fl := range sorted {
		fl.idx = i
	}
	b.f.all = sorted
	return nil
}

// effective returns the schema the validator compiles: the document without
// x-egov, with what the UI keywords imply made explicit (formats of date and
// email widgets, a maxLength on every text field) and with conditional
// fields left out of "required": Validate drops hidden fields before the
// schema sees the values and requires the shown ones itself.
func effective(root *object, f *Form) map[string]any {
	m := plain(root).(map[string]any)
	adjust(m, f.fields)
	return m
}

func adjust(m map[string]any, fields []*field) {
	props := m["properties"].(map[string]any)
	var req []any
	for _, fl := range fields {
		if fl.required && fl.showIf == nil {
			req = append(req, fl.key)
		}
		p := props[fl.key].(map[string]any)
		switch {
		case fl.typ == TypeObject:
			adjust(p, fl.children)
		case fl.typ == TypeString && !fl.maxLengthSet && fl.enum == nil && !fl.hasConst:
			p["maxLength"] = json.Number(strconv.Itoa(DefaultMaxLength))
			fl.maxLength = DefaultMaxLength
		}
		if fl.format != "" {
			p["format"] = fl.format
		}
	}
	if req != nil {
		m["required"] = req
	} else {
		delete(m, "required")
	}
}

// compile compiles the effective schema with a compiler that can load
// nothing but the document itself.
func compile(doc map[string]any, loader jsonschema.URLLoader) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(loader)
	if err := c.AddResource(resourceURL, doc); err != nil {
		return nil, invalidSchema(err)
	}
	s, err := c.Compile(resourceURL)
	if err != nil {
		return nil, invalidSchema(err)
	}
	return s, nil
}

// invalidSchema reports what the JSON Schema compiler refused.
func invalidSchema(err error) error {
	e := schemaErr(MsgSchemaInvalid, cut.Clip(err.Error(), 300))
	e.Err = err
	return e
}

// refuseLoader is the compiler's loader: it refuses every URL, so that no
// document can make the platform read a file or reach a host.
type refuseLoader struct{}

// errNoLoad is what refuseLoader answers.
var errNoLoad = errors.New("form schemas may refer only to their own $defs")

func (refuseLoader) Load(string) (any, error) { return nil, errNoLoad }
