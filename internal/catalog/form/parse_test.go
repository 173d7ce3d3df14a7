package form

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// tr is a text in the four languages.
const tr = `{"uz-Latn":"Ism","uz-Cyrl":"Исм","ru":"Имя","en":"Name"}`

// textField returns the schema of a text field on step "one" with extra
// keywords (a leading comma each) and extra x-egov members.
func textField(extra, ui string) string {
	return `{"type":"string"` + extra + `,"x-egov":{"label":` + tr + `,"step":"one"` + ui + `}}`
}

// doc returns a valid form with fields a (step one) and b (step two) and
// more properties and root members (each with a leading comma).
func doc(props, root string) string {
	return `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",` +
		`"x-egov":{"title":` + tr + `,"steps":[{"id":"one","title":` + tr + `},{"id":"two","title":` + tr + `}]},` +
		`"properties":{"a":` + textField("", "") + `,"b":{"type":"string","x-egov":{"label":` + tr + `,"step":"two"}}` + props + `}` + root + `}`
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, f *Form)
	}{
		{"minimal without $schema", strings.Replace(doc("", ""), `"$schema":"https://json-schema.org/draft/2020-12/schema",`, "", 1), nil},
		{"fields keep document order", doc(`,"z":`+textField("", "")+`,"c":`+textField("", ""), ""), func(t *testing.T, f *Form) {
			var names []string
			for _, fl := range f.Steps(i18n.En)[0].Fields {
				names = append(names, fl.Name)
			}
			if got := strings.Join(names, ","); got != "a,z,c" {
				t.Errorf("order %s, want a,z,c", got)
			}
		}},
		{"default widgets", doc(`,"n":{"type":"integer","x-egov":{"label":`+tr+`,"step":"one"}},"d":`+textField(`,"format":"date"`, "")+
			`,"e":`+textField(`,"format":"email"`, "")+`,"ok":{"type":"boolean","x-egov":{"label":`+tr+`,"step":"one"}}`+
			`,"s":`+textField(`,"enum":["x"]`, `,"options":[{"value":"x","label":`+tr+`}]`), ""), func(t *testing.T, f *Form) {
			want := map[string]string{"a": WidgetText, "n": WidgetNumber, "d": WidgetDate, "e": WidgetEmail, "ok": WidgetCheckbox, "s": WidgetSelect}
			for _, fl := range f.Steps(i18n.En)[0].Fields {
				if fl.Widget != want[fl.Name] {
					t.Errorf("%s: widget %s, want %s", fl.Name, fl.Widget, want[fl.Name])
				}
			}
		}},
		{"text gets a default maxLength", doc("", ""), func(t *testing.T, f *Form) {
			if got := f.Steps(i18n.En)[0].Fields[0].MaxLength; got != DefaultMaxLength {
				t.Errorf("MaxLength %d, want %d", got, DefaultMaxLength)
			}
		}},
		{"local $ref to $defs", doc(`,"r":{"$ref":"#/$defs/code","x-egov":{"label":`+tr+`,"step":"one","widget":"radio","options":[{"value":"x","label":`+tr+`},{"value":"y","label":`+tr+`}]}}`,
			`,"$defs":{"code":{"type":"string","enum":["x","y"]}}`), func(t *testing.T, f *Form) {
			r := f.Steps(i18n.En)[0].Fields[1]
			if r.Type != TypeString || r.Widget != WidgetRadio || len(r.Options) != 2 {
				t.Errorf("field from $ref: %+v", r)
			}
		}},
		{"group and condition", doc(`,"flag":{"type":"boolean","x-egov":{"label":`+tr+`,"step":"one"}},"g":{"type":"object","properties":{"x":{"type":"string","maxLength":5,"x-egov":{"label":`+tr+`}}},"required":["x"],"x-egov":{"label":`+tr+`,"step":"two","showIf":{"field":"flag","equals":true}}}`, `,"required":["a","g"]`),
			func(t *testing.T, f *Form) {
				g := f.Steps(i18n.Ru)[1].Fields[1]
				if g.Widget != WidgetGroup || len(g.Fields) != 1 || g.Fields[0].Name != "g.x" || !g.Fields[0].Required {
					t.Errorf("group: %+v", g)
				}
				if g.ShowIf == nil || g.ShowIf.Field != "flag" || g.ShowIf.Value != "true" || g.ShowIf.Equals != true {
					t.Errorf("condition: %+v", g.ShowIf)
				}
				if f.StepOf("g.x") != "two" || f.StepOf("a") != "one" || f.StepOf("nope") != "" {
					t.Error("StepOf")
				}
			}},
		{"labels in each language", doc("", ""), func(t *testing.T, f *Form) {
			want := map[i18n.Locale]string{i18n.UzLatn: "Ism", i18n.UzCyrl: "Исм", i18n.Ru: "Имя", i18n.En: "Name", "de": "Ism"}
			for loc, w := range want {
				if got := f.Steps(loc)[0].Fields[0].Label; got != w {
					t.Errorf("%s: %q, want %q", loc, got, w)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("%v %v", err, apperr.As(err).Args)
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

// hostile lists documents Parse must refuse, with the message key and the
// first argument (usually where) it must give.
var hostile = []struct {
	name string
	doc  string
	key  string
	arg0 any // nil: not checked
}{
	{"empty", ``, MsgSchemaNotJSON, nil},
	{"truncated", `{"type":"object"`, MsgSchemaNotJSON, nil},
	{"trailing data", doc("", "") + `{}`, MsgSchemaNotJSON, nil},
	{"not UTF-8", "{\"type\":\"\xff\"}", MsgSchemaNotJSON, 9},
	{"an array", `[]`, MsgSchemaNotObject, nil},
	{"a string", `"form"`, MsgSchemaNotObject, nil},
	{"not of type object", strings.Replace(doc("", ""), `"type":"object"`, `"type":"array"`, 1), MsgSchemaNotObject, nil},
	{"no properties", `{"type":"object","x-egov":{}}`, MsgSchemaNotObject, nil},
	{"too large", doc("", `,"description":"`+strings.Repeat("x", MaxDocBytes)+`"`), MsgSchemaTooLarge, MaxDocBytes},
	{"too deep", doc(`,"d":`+textField(`,"enum":[[[[[[[[[["x"]]]]]]]]]]`, ""), ""), MsgSchemaTooDeep, nil},
	{"very deep", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), MsgSchemaTooDeep, "/0/0/0/0/0/0/0/0/0/0"},
	{"duplicate key", doc(`,"a":`+textField("", ""), ""), MsgSchemaDuplicateKey, "/properties"},
	{"long string", doc(`,"c":`+textField(`,"description":"`+strings.Repeat("é", MaxStringBytes)+`"`, ""), ""), MsgSchemaStringTooLong, "/properties/c/description"},
	{"huge number", doc(`,"n":{"type":"number","maximum":1e999999999,"x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaNumber, "/properties/n/maximum"},
	{"tiny number", doc(`,"n":{"type":"number","maximum":1e-999999999,"x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaNumber, nil},
	{"foreign dialect", strings.Replace(doc("", ""), "2020-12", "2019-09", 1), MsgSchemaDialect, "https://json-schema.org/draft/2019-09/schema"},
	{"remote meta-schema", strings.Replace(doc("", ""), "https://json-schema.org/draft/2020-12/schema", "https://evil.example/meta", 1), MsgSchemaDialect, nil},
	{"$id", doc("", `,"$id":"https://evil.example/form"`), MsgSchemaUnsupported, "/"},
	{"allOf", doc("", `,"allOf":[{"$ref":"https://evil.example/x"}]`), MsgSchemaUnsupported, "/"},
	{"if on a field", doc(`,"c":`+textField(`,"if":{"const":"x"}`, ""), ""), MsgSchemaUnsupported, "/properties/c"},
	{"$dynamicRef", doc(`,"c":`+textField(`,"$dynamicRef":"#x"`, ""), ""), MsgSchemaUnsupported, "/properties/c"},
	{"unknown x-egov key", doc(`,"c":`+textField("", `,"onclick":"alert(1)"`), ""), MsgSchemaUnsupported, "/properties/c/x-egov"},
	{"bad value", doc(`,"c":`+textField(`,"maxLength":"ten"`, ""), ""), MsgSchemaBadValue, "/properties/c/maxLength"},
	{"minLength over maxLength", doc(`,"c":`+textField(`,"minLength":5,"maxLength":2`, ""), ""), MsgSchemaBadValue, "/properties/c"},
	{"unknown format", doc(`,"c":`+textField(`,"format":"uri"`, ""), ""), MsgSchemaBadValue, "/properties/c/format"},
	{"enum of the wrong type", doc(`,"c":`+textField(`,"enum":[1]`, ""), ""), MsgSchemaBadValue, "/properties/c/enum/0"},
	{"too many fields", doc(manyFields(MaxFields), ""), MsgSchemaTooManyFields, MaxFields},
	{"enum too long", doc(`,"c":`+textField(`,"enum":[`+manyValues(MaxEnum+1)+`]`, ""), ""), MsgSchemaEnumTooLong, "/properties/c/enum"},
	{"remote $ref", doc(`,"c":{"$ref":"https://evil.example/field.json","x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaRemoteRef, "/properties/c/$ref"},
	{"file $ref", doc(`,"c":{"$ref":"file:///etc/passwd","x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaRemoteRef, "/properties/c/$ref"},
	{"relative $ref", doc(`,"c":{"$ref":"other.json#/$defs/x","x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaRemoteRef, "/properties/c/$ref"},
	{"$ref outside $defs", doc(`,"c":{"$ref":"#/properties/a","x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaBadRef, "/properties/c/$ref"},
	{"$ref to a missing definition", doc(`,"c":{"$ref":"#/$defs/nope","x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaBadRef, "/properties/c/$ref"},
	{"$ref to the root", doc(`,"c":{"$ref":"#","x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaBadRef, "/properties/c/$ref"},
	{"$ref inside a definition", doc("", `,"$defs":{"x":{"$ref":"https://evil.example/x"}}`), MsgSchemaUnsupported, "/$defs/x"},
	{"invalid pattern", doc(`,"c":`+textField(`,"pattern":"(["`, ""), ""), MsgSchemaPattern, "/properties/c/pattern"},
	{"long pattern", doc(`,"c":`+textField(`,"pattern":"`+strings.Repeat("a", MaxPatternBytes+1)+`"`, ""), ""), MsgSchemaPatternTooLong, "/properties/c/pattern"},
	{"script as a name", doc(`,"<script>alert(1)</script>":`+textField("", ""), ""), MsgSchemaName, "/properties/<script>alert(1)<~1script>"},
	{"upper-case name", doc(`,"Name":`+textField("", ""), ""), MsgSchemaName, nil},
	{"name with a quote", doc(`,"a\"b":`+textField("", ""), ""), MsgSchemaName, nil},
	{"long name", doc(`,"`+strings.Repeat("a", 65)+`":`+textField("", ""), ""), MsgSchemaName, nil},
	{"bad step id", strings.Replace(doc("", ""), `"id":"two"`, `"id":"Two steps"`, 1), MsgSchemaName, "/x-egov/steps/1/id"},
	{"group in a group", doc(`,"g":{"type":"object","properties":{"h":{"type":"object","properties":{"x":`+textField("", "")+`},"x-egov":{"label":`+tr+`}}},"x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaNesting, "/properties/g/properties/h"},
	{"array type", doc(`,"c":{"type":"array","x-egov":{"label":`+tr+`,"step":"one"}}`, ""), MsgSchemaType, "/properties/c/type"},
	{"no x-egov", doc(`,"c":{"type":"string"}`, ""), MsgSchemaNoUI, "/properties/c"},
	{"label without Russian", doc(`,"c":{"type":"string","x-egov":{"label":{"uz-Latn":"a","uz-Cyrl":"а","en":"a"},"step":"one"}}`, ""), MsgSchemaTranslation, "/properties/c/x-egov/label"},
	{"blank English label", doc(`,"c":{"type":"string","x-egov":{"label":{"uz-Latn":"a","uz-Cyrl":"а","ru":"а","en":"  "},"step":"one"}}`, ""), MsgSchemaTranslation, "/properties/c/x-egov/label"},
	{"no label", doc(`,"c":{"type":"string","x-egov":{"step":"one"}}`, ""), MsgSchemaTranslation, "/properties/c/x-egov/label"},
	{"hint without Cyrillic", doc(`,"c":`+textField("", `,"hint":{"uz-Latn":"a","ru":"а","en":"a"}`), ""), MsgSchemaTranslation, "/properties/c/x-egov/hint"},
	{"label in an unknown language", doc(`,"c":{"type":"string","x-egov":{"label":{"uz-Latn":"a","uz-Cyrl":"а","ru":"а","en":"a","de":"a"},"step":"one"}}`, ""), MsgSchemaUnsupported, "/properties/c/x-egov/label"},
	{"no title", strings.Replace(doc("", ""), `"x-egov":{"title":`+tr+`,`, `"x-egov":{`, 1), MsgSchemaTranslation, "/x-egov/title"},
	{"unknown widget", doc(`,"c":`+textField("", `,"widget":"slider"`), ""), MsgSchemaWidget, "/properties/c/x-egov/widget"},
	{"checkbox on text", doc(`,"c":`+textField("", `,"widget":"checkbox"`), ""), MsgSchemaWidgetType, "/properties/c/x-egov"},
	{"select without enum", doc(`,"c":`+textField("", `,"widget":"select"`), ""), MsgSchemaWidgetType, "/properties/c/x-egov"},
	{"options that miss a value", doc(`,"c":`+textField(`,"enum":["x","y"]`, `,"options":[{"value":"x","label":`+tr+`}]`), ""), MsgSchemaOptions, "/properties/c/x-egov/options"},
	{"options of a text field", doc(`,"c":`+textField("", `,"options":[{"value":"x","label":`+tr+`}]`), ""), MsgSchemaOptions, "/properties/c/x-egov/options"},
	{"no steps", strings.Replace(doc("", ""), `"steps":[{"id":"one","title":`+tr+`},{"id":"two","title":`+tr+`}]`, `"steps":[]`, 1), MsgSchemaSteps, MaxSteps},
	{"too many steps", strings.Replace(doc("", ""), `{"id":"two","title":`+tr+`}`, manySteps(MaxSteps), 1), MsgSchemaSteps, MaxSteps},
	{"step declared twice", strings.Replace(doc("", ""), `"id":"two"`, `"id":"one"`, 1), MsgSchemaDuplicateStep, "one"},
	{"unknown step", doc(`,"c":{"type":"string","x-egov":{"label":`+tr+`,"step":"three"}}`, ""), MsgSchemaUnknownStep, "/properties/c/x-egov/step"},
	{"no step", doc(`,"c":{"type":"string","x-egov":{"label":`+tr+`}}`, ""), MsgSchemaBadValue, "/properties/c/x-egov"},
	{"empty step", strings.Replace(doc("", ""), `"step":"two"`, `"step":"one"`, 1), MsgSchemaEmptyStep, "two"},
	{"showIf on an unknown field", doc(`,"c":`+textField("", `,"showIf":{"field":"nope","equals":"x"}`), ""), MsgSchemaShowIfField, "/properties/c/x-egov/showIf"},
	{"showIf on itself", doc(`,"c":`+textField("", `,"showIf":{"field":"c","equals":"x"}`), ""), MsgSchemaShowIfField, "/properties/c/x-egov/showIf"},
	{"showIf on a later step", doc(`,"c":`+textField("", `,"showIf":{"field":"b","equals":"x"}`), ""), MsgSchemaShowIfOrder, "/properties/c/x-egov/showIf"},
	{"showIf cycle", doc(`,"c":`+textField("", `,"showIf":{"field":"d","equals":"x"}`)+`,"d":`+textField("", `,"showIf":{"field":"c","equals":"x"}`), ""), MsgSchemaShowIfCycle, nil},
	{"showIf of the wrong type", doc(`,"c":`+textField("", `,"showIf":{"field":"a","equals":true}`), ""), MsgSchemaBadValue, "/properties/c/x-egov/showIf/equals"},
	{"showIf on a value not in enum", doc(`,"s":`+textField(`,"enum":["x"]`, `,"options":[{"value":"x","label":`+tr+`}]`)+`,"c":`+textField("", `,"showIf":{"field":"s","equals":"y"}`), ""), MsgSchemaBadValue, "/properties/c/x-egov/showIf/equals"},
	{"required names an unknown field", doc("", `,"required":["a","nope"]`), MsgSchemaRequired, "/required/1"},
	{"required twice", doc("", `,"required":["a","a"]`), MsgSchemaRequired, "/required/1"},
}

func manyFields(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `,"f%d":%s`, i, textField("", ""))
	}
	return b.String()
}

func manyValues(n int) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf(`"v%d"`, i)
	}
	return strings.Join(vals, ",")
}

func manySteps(n int) string {
	steps := make([]string, n)
	for i := range steps {
		steps[i] = fmt.Sprintf(`{"id":"s%d","title":%s}`, i, tr)
	}
	return strings.Join(steps, ",")
}

// unexpanded finds placeholders left in a translated message.
var unexpanded = regexp.MustCompile(`\{[0-9]+\}`)

func TestParseRejects(t *testing.T) {
	bundle, err := i18n.Load(web.Locales(), Locales())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			f, err := parse([]byte(tt.doc), failLoader{t})
			if f != nil || err == nil {
				t.Fatal("accepted")
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.EINVALID {
				t.Fatalf("not an EINVALID apperr: %v", err)
			}
			if e.Message != tt.key {
				t.Fatalf("key %s (args %v), want %s", e.Message, e.Args, tt.key)
			}
			if tt.arg0 != nil && (len(e.Args) == 0 || e.Args[0] != tt.arg0) {
				t.Errorf("args %v, want first %v", e.Args, tt.arg0)
			}
			// The message can be shown whole in every language.
			if !bundle.Has(e.Message) {
				t.Fatalf("%s has no translation", e.Message)
			}
			for _, loc := range i18n.All() {
				if msg := bundle.T(loc, e.Message, e.Args...); unexpanded.MatchString(msg) {
					t.Errorf("%s: placeholder left in %q", loc, msg)
				}
			}
		})
	}
}

// failLoader fails the test if the compiler ever asks it for anything.
type failLoader struct{ t *testing.T }

func (l failLoader) Load(url string) (any, error) {
	l.t.Errorf("the compiler was asked to load %s", url)
	return nil, errors.New("refused by test")
}

// TestNothingIsFetched shows the locks on loading: Parse refuses
// references to anything outside the document before compiling (the
// loader is never asked); should one slip past, a relative reference
// resolves against the document's URN, that is to the document itself, and
// an absolute one reaches only the compiler's loader, which refuses every
// URL without touching the network or the disk.
func TestNothingIsFetched(t *testing.T) {
	absolute := []string{"http://127.0.0.1:1/x.json", "https://evil.example/x", "file:///etc/passwd"}
	relative := []string{"/etc/passwd", "x.json", "//evil.example/x", "../x.json"}
	for _, ref := range append(absolute, relative...) {
		d := doc(`,"c":{"$ref":"`+ref+`","x-egov":{"label":`+tr+`,"step":"one"}}`, "")
		_, err := parse([]byte(d), failLoader{t})
		if e := apperr.As(err); e == nil || e.Message != MsgSchemaRemoteRef {
			t.Errorf("%s: %v, want %s", ref, err, MsgSchemaRemoteRef)
		}
	}
	for _, ref := range absolute {
		_, err := compile(map[string]any{"$ref": ref}, refuseLoader{})
		var le *jsonschema.LoadURLError
		if !errors.As(err, &le) || le.Err != errNoLoad {
			t.Errorf("%s: the compiler's loader did not refuse: %v", ref, err)
		}
	}
	for _, ref := range relative {
		if _, err := compile(map[string]any{"$ref": ref}, failLoader{t}); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
}

func TestCanonical(t *testing.T) {
	src := doc(`,"n":{"type":"number","maximum":1.50,"x-egov":{"label":{"uz-Latn":"<b>","uz-Cyrl":"б","ru":"б","en":"b"},"step":"one"}}`, "")
	pretty := strings.ReplaceAll(src, ",", ",\n  ")
	f1, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f2, err := Parse([]byte(pretty))
	if err != nil {
		t.Fatal(err)
	}
	c := f1.Canonical()
	if !bytes.Equal(c, f2.Canonical()) {
		t.Errorf("layout changes the canonical form:\n%s\n%s", c, f2.Canonical())
	}
	if !bytes.Contains(c, []byte(`"maximum":1.50`)) || !bytes.Contains(c, []byte(`\u003cb\u003e`)) {
		t.Errorf("canonical form lost a literal or did not escape HTML: %s", c)
	}
	c[0] = 'x'
	if f1.Canonical()[0] != '{' {
		t.Error("Canonical returns the stored slice")
	}
}

func TestExamplesFile(t *testing.T) {
	// Examples returns copies.
	a := Examples()
	for k := range a {
		a[k][0] = 'x'
	}
	for k, v := range Examples() {
		if v[0] != '{' {
			t.Errorf("%s: Examples shares its bytes", k)
		}
	}
	if _, err := os.Stat("examples"); err != nil {
		t.Fatal(err)
	}
}
