package form

import (
	"reflect"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// region is a choice field on step two whose options have labels.
const region = `,"region":{"type":"string","enum":["tashkent_city","samarkand"],"x-egov":{"label":` + tr + `,"step":"two",` +
	`"prefill":"birth-record:office.region","options":[` +
	`{"value":"tashkent_city","label":{"uz-Latn":"Toshkent shahri","uz-Cyrl":"Тошкент шаҳри","ru":"город Ташкент","en":"Tashkent city"}},` +
	`{"value":"samarkand","label":{"uz-Latn":"Samarqand viloyati","uz-Cyrl":"Самарқанд вилояти","ru":"Самаркандская область","en":"Samarkand region"}}]}}`

func TestPrefill(t *testing.T) {
	f, err := Parse([]byte(doc(`,"last":`+textField("", `,"prefill":"person:lastName"`)+region+
		`,"ok":{"type":"boolean","x-egov":{"label":`+tr+`,"step":"two"}}`, "")))
	if err != nil {
		t.Fatal(err)
	}
	want := []PrefillField{{Name: "last", Prefill: Prefill{Source: "person", Path: "lastName"}},
		{Name: "region", Prefill: Prefill{Source: "birth-record", Path: "office.region"}}}
	if got := f.Prefills(); !reflect.DeepEqual(got, want) {
		t.Errorf("Prefills() = %+v, want %+v", got, want)
	}
	for _, c := range []struct {
		name string
		in   any
		want any
		ok   bool
	}{
		{"last", "  Karimov ", "Karimov", true},
		{"last", "", nil, false},
		{"last", 12.0, nil, false},
		{"region", "Toshkent shahri", "tashkent_city", true},
		{"region", "САМАРКАНДСКАЯ ОБЛАСТЬ", "samarkand", true},
		{"region", "samarkand", "samarkand", true},
		{"region", "Namangan viloyati", nil, false},
		{"ok", true, true, true},
		{"ok", "yes", nil, false},
		{"missing", "x", nil, false},
	} {
		got, ok := f.FromSource(c.name, c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("FromSource(%s, %v) = %v, %v; want %v, %v", c.name, c.in, got, ok, c.want, c.ok)
		}
	}
	for _, bad := range []string{`"person"`, `"person:"`, `"Person:x"`, `"person:a..b"`, `"person:1a"`, `12`} {
		_, err := Parse([]byte(doc(`,"c":`+textField("", `,"prefill":`+bad), "")))
		if apperr.Code(err) != apperr.EINVALID {
			t.Errorf("prefill %s: err %v, want EINVALID", bad, err)
		}
	}
}

func TestMergeStepAndSummary(t *testing.T) {
	f, err := Parse([]byte(doc(region+`,"ok":{"type":"boolean","x-egov":{"label":`+tr+`,"step":"two"}}`, "")))
	if err != nil {
		t.Fatal(err)
	}
	saved := map[string]any{"a": "first", "b": "second", "region": "samarkand"}
	merged := f.MergeStep(saved, "two", map[string]any{"b": "changed", "ok": true})
	want := map[string]any{"a": "first", "b": "changed", "ok": true}
	if !reflect.DeepEqual(merged, want) {
		t.Errorf("MergeStep = %v, want %v (a cleared region goes)", merged, want)
	}
	if saved["b"] != "second" {
		t.Error("MergeStep changed its argument")
	}
	clean, errs := f.Validate(map[string]any{"a": "x", "b": "y", "region": "samarkand", "ok": true}, i18n.En)
	if errs != nil {
		t.Fatal(errs)
	}
	got := f.Summary(clean, i18n.Ru)
	if len(got) != 2 || got[0].ID != "one" || len(got[1].Rows) != 3 {
		t.Fatalf("Summary = %+v", got)
	}
	if r := got[1].Rows[1]; r.Name != "region" || r.Value != "Самаркандская область" {
		t.Errorf("choice row %+v, want its Russian label", r)
	}
	if r := got[1].Rows[2]; !r.Checkbox || !r.Yes {
		t.Errorf("checkbox row %+v", r)
	}
}

func TestFileFields(t *testing.T) {
	f, err := Parse([]byte(doc(`,"scan":`+textField("", `,"widget":"file"`)+
		`,"g":{"type":"object","properties":{"copy":{"type":"string","x-egov":{"label":`+tr+`,"widget":"file"}}},"x-egov":{"label":`+tr+`,"step":"two"}}`, "")))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.FileFields("one"); !reflect.DeepEqual(got, []string{"scan"}) {
		t.Errorf("FileFields(one) = %v", got)
	}
	if got := f.FileFields("two"); !reflect.DeepEqual(got, []string{"g.copy"}) {
		t.Errorf("FileFields(two) = %v", got)
	}
	refs := f.FileRefs(map[string]any{"a": "x", "scan": "ref-1", "g": map[string]any{"copy": "ref-2"}})
	if !reflect.DeepEqual(refs, []string{"ref-1", "ref-2"}) {
		t.Errorf("FileRefs = %v", refs)
	}
	rows := f.Summary(map[string]any{"a": "x", "b": "y", "scan": "ref-1"}, i18n.En)
	if r := rows[0].Rows[1]; !r.File || r.Value != "ref-1" {
		t.Errorf("file row %+v", r)
	}
}

func TestRegion(t *testing.T) {
	withRegion := func(list string) string {
		return strings.Replace(doc(region+`,"g":{"type":"object","properties":{"city":{"type":"string","x-egov":{"label":`+tr+`}}},"x-egov":{"label":`+tr+`,"step":"two"}}`, ""),
			`"steps":[`, `"region":`+list+`,"steps":[`, 1)
	}
	f, err := Parse([]byte(withRegion(`["g.city","region"]`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		values map[string]any
		want   string
	}{
		{map[string]any{"g": map[string]any{"city": "Toshkent"}, "region": "samarkand"}, "Toshkent"},
		{map[string]any{"region": "samarkand"}, "samarkand"},
		{map[string]any{}, ""},
	} {
		if got := f.Region(c.values); got != c.want {
			t.Errorf("Region(%v) = %q, want %q", c.values, got, c.want)
		}
	}
	for _, bad := range []string{`[]`, `"region"`, `["nope"]`, `["g"]`, `[1]`} {
		if _, err := Parse([]byte(withRegion(bad))); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("region %s: %v", bad, err)
		}
	}
}
