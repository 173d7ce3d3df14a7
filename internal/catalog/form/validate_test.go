package form

import (
	"encoding/json"
	"maps"
	"net/url"
	"os"
	"reflect"
	"testing"

	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// testForm parses testdata/test_form.json: text with lengths and a
// pattern, integer and number ranges, PINFL, phone, email and date fields,
// a select with a conditional textarea and a condition on that, an integer
// radio, a checkbox that shows a group, and a consent box.
func testForm(t testing.TB) *Form {
	t.Helper()
	src, err := os.ReadFile("testdata/test_form.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// with returns the minimal valid submission plus more.
func with(more map[string]any) map[string]any {
	v := map[string]any{"name": "Ali", "age": 30, "kind": "a", "agree": true}
	maps.Copy(v, more)
	return v
}

func TestValidate(t *testing.T) {
	f := testForm(t)
	bundle, err := i18n.Load(web.Locales(), Locales())
	if err != nil {
		t.Fatal(err)
	}
	minimal := map[string]any{"name": "Ali", "age": int64(30), "kind": "a", "agree": true}
	tests := []struct {
		name   string
		values map[string]any
		loc    i18n.Locale
		errs   map[string]string
		clean  map[string]any // checked when errs is empty
	}{
		{"nothing", map[string]any{}, i18n.UzLatn,
			map[string]string{"name": MsgRequired, "age": MsgRequired, "kind": MsgRequired, "agree": MsgRequired}, nil},
		{"nil values", nil, i18n.UzLatn,
			map[string]string{"name": MsgRequired, "age": MsgRequired, "kind": MsgRequired, "agree": MsgRequired}, nil},
		{"minimal", with(nil), i18n.UzLatn, nil, minimal},
		{"unknown fields are dropped", with(map[string]any{"junk": "x", "__proto__": map[string]any{}}), i18n.UzLatn, nil, minimal},
		{"blank is no value", with(map[string]any{"code": "  ", "email": "", "score": nil}), i18n.UzLatn, nil, minimal},
		{"text is trimmed", with(map[string]any{"name": "  Ali \n"}), i18n.UzLatn, nil, minimal},
		{"blank required", with(map[string]any{"name": " "}), i18n.UzLatn, map[string]string{"name": MsgRequired}, nil},
		{"too short", with(map[string]any{"name": "A"}), i18n.UzLatn, map[string]string{"name": MsgTooShort}, nil},
		{"too long", with(map[string]any{"name": "Abdulazizxon"}), i18n.UzLatn, map[string]string{"name": MsgTooLong}, nil},
		{"length counts characters", with(map[string]any{"name": "Ёдгоржон"}), i18n.UzCyrl, nil,
			map[string]any{"name": "Ёдгоржон", "age": int64(30), "kind": "a", "agree": true}},
		{"control character", with(map[string]any{"name": "Al\x00i"}), i18n.UzLatn, map[string]string{"name": MsgInvalid}, nil},
		{"invalid UTF-8", with(map[string]any{"name": "Al\xffi"}), i18n.UzLatn, map[string]string{"name": MsgInvalid}, nil},
		{"number for text", with(map[string]any{"name": 12}), i18n.UzLatn, map[string]string{"name": MsgInvalid}, nil},
		{"pattern", with(map[string]any{"code": "abc"}), i18n.UzLatn, map[string]string{"code": MsgPattern}, nil},
		{"pattern met", with(map[string]any{"code": "ABC"}), i18n.UzLatn, nil, with(map[string]any{"age": int64(30), "code": "ABC"})},
		{"integer from text", with(map[string]any{"age": "30"}), i18n.UzLatn, nil, minimal},
		{"integer from JSON", with(map[string]any{"age": json.Number("30")}), i18n.UzLatn, nil, minimal},
		{"integer from float", with(map[string]any{"age": 30.0}), i18n.UzLatn, nil, minimal},
		{"fraction for integer", with(map[string]any{"age": 1.5}), i18n.UzLatn, map[string]string{"age": MsgInteger}, nil},
		{"word for integer", with(map[string]any{"age": "thirty"}), i18n.UzLatn, map[string]string{"age": MsgInteger}, nil},
		{"bool for integer", with(map[string]any{"age": true}), i18n.UzLatn, map[string]string{"age": MsgInteger}, nil},
		{"huge integer", with(map[string]any{"age": json.Number("1e300")}), i18n.UzLatn, map[string]string{"age": MsgInteger}, nil},
		{"below minimum", with(map[string]any{"age": -1}), i18n.UzLatn, map[string]string{"age": MsgTooSmall}, nil},
		{"above maximum", with(map[string]any{"age": 151}), i18n.UzLatn, map[string]string{"age": MsgTooLarge}, nil},
		{"decimal comma in Russian", with(map[string]any{"score": "2,5"}), i18n.Ru, nil, with(map[string]any{"age": int64(30), "score": 2.5})},
		{"decimal comma in Uzbek", with(map[string]any{"score": "9,75"}), i18n.UzLatn, nil, with(map[string]any{"age": int64(30), "score": 9.75})},
		{"grouping comma in English", with(map[string]any{"score": "2,5"}), i18n.En, map[string]string{"score": MsgTooLarge}, nil},
		{"grouping space", with(map[string]any{"age": "1 500"}), i18n.Ru, map[string]string{"age": MsgTooLarge}, nil},
		{"NaN", with(map[string]any{"score": "NaN"}), i18n.En, map[string]string{"score": MsgNumber}, nil},
		{"exponent as text", with(map[string]any{"score": "1e1"}), i18n.En, map[string]string{"score": MsgNumber}, nil},
		{"not an option", with(map[string]any{"kind": "zzz"}), i18n.UzLatn, map[string]string{"kind": MsgChoice}, nil},
		{"integer option", with(map[string]any{"count": "2"}), i18n.UzLatn, nil, with(map[string]any{"age": int64(30), "count": int64(2)})},
		{"integer not an option", with(map[string]any{"count": 4}), i18n.UzLatn, map[string]string{"count": MsgChoice}, nil},
		{"shown and required", with(map[string]any{"kind": "other"}), i18n.UzLatn, map[string]string{"other": MsgRequired}, nil},
		{"shown and filled", with(map[string]any{"kind": "other", "other": "Boshqa"}), i18n.UzLatn, nil,
			with(map[string]any{"age": int64(30), "kind": "other", "other": "Boshqa"})},
		{"hidden is dropped", with(map[string]any{"other": "Boshqa", "other_note": "x"}), i18n.UzLatn, nil, minimal},
		{"hidden is not checked", with(map[string]any{"other": 42}), i18n.UzLatn, nil, minimal},
		{"chained condition shown", with(map[string]any{"kind": "other", "other": "more"}), i18n.UzLatn, map[string]string{"other_note": MsgRequired}, nil},
		{"chained condition hidden", with(map[string]any{"other": "more"}), i18n.UzLatn, nil, minimal},
		{"group shown and required", with(map[string]any{"has_car": true}), i18n.UzLatn,
			map[string]string{"car.plate": MsgRequired, "car.model": MsgRequired}, nil},
		{"group fields checked", with(map[string]any{"has_car": true, "car": map[string]any{"plate": "bad", "model": "Cobalt", "year": 1900}}), i18n.UzLatn,
			map[string]string{"car.plate": MsgPattern, "car.year": MsgTooSmall}, nil},
		{"group valid", with(map[string]any{"has_car": "true", "car": map[string]any{"plate": "01A123BC", "model": "Cobalt", "junk": 1}}), i18n.UzLatn, nil,
			with(map[string]any{"age": int64(30), "has_car": true, "car": map[string]any{"plate": "01A123BC", "model": "Cobalt"}})},
		{"group hidden", with(map[string]any{"has_car": false, "car": map[string]any{"plate": "bad"}}), i18n.UzLatn, nil,
			with(map[string]any{"age": int64(30), "has_car": false})},
		{"group not an object", with(map[string]any{"has_car": true, "car": "Cobalt"}), i18n.UzLatn,
			map[string]string{"car": MsgInvalid, "car.plate": MsgRequired, "car.model": MsgRequired}, nil},
		{"consent refused", with(map[string]any{"agree": false}), i18n.UzLatn, map[string]string{"agree": MsgAccept}, nil},
		{"consent as posted", with(map[string]any{"agree": "on"}), i18n.UzLatn, nil, minimal},
		{"not a boolean", with(map[string]any{"agree": "maybe"}), i18n.UzLatn, map[string]string{"agree": MsgInvalid}, nil},
		{"PINFL too short", with(map[string]any{"pinfl": "1234567890123"}), i18n.UzLatn, map[string]string{"pinfl": MsgPINFL}, nil},
		{"PINFL with a letter", with(map[string]any{"pinfl": "1234567890123a"}), i18n.UzLatn, map[string]string{"pinfl": MsgPINFL}, nil},
		{"PINFL with spaces", with(map[string]any{"pinfl": "3120 5860 1234 56"}), i18n.UzLatn, nil,
			with(map[string]any{"age": int64(30), "pinfl": "31205860123456"})},
		{"phone typed freely", with(map[string]any{"phone": "+998 (90) 123-45-67"}), i18n.UzLatn, nil,
			with(map[string]any{"age": int64(30), "phone": "+998901234567"})},
		{"phone national digits", with(map[string]any{"phone": "90 123 45 67"}), i18n.UzLatn, nil,
			with(map[string]any{"age": int64(30), "phone": "+998901234567"})},
		{"phone without plus", with(map[string]any{"phone": "998901234567"}), i18n.UzLatn, nil,
			with(map[string]any{"age": int64(30), "phone": "+998901234567"})},
		{"foreign phone", with(map[string]any{"phone": "+7 900 123 45 67"}), i18n.UzLatn, map[string]string{"phone": MsgPhone}, nil},
		{"phone with letters", with(map[string]any{"phone": "+998 90 CALL ME"}), i18n.UzLatn, map[string]string{"phone": MsgPhone}, nil},
		{"email", with(map[string]any{"email": "ali@example.uz"}), i18n.UzLatn, nil, with(map[string]any{"age": int64(30), "email": "ali@example.uz"})},
		{"bad email", with(map[string]any{"email": "ali at example"}), i18n.UzLatn, map[string]string{"email": MsgEmail}, nil},
		{"date", with(map[string]any{"born": "2024-02-29"}), i18n.UzLatn, nil, with(map[string]any{"age": int64(30), "born": "2024-02-29"})},
		{"no such date", with(map[string]any{"born": "2023-02-29"}), i18n.UzLatn, map[string]string{"born": MsgDate}, nil},
		{"date written otherwise", with(map[string]any{"born": "29.02.2024"}), i18n.UzLatn, map[string]string{"born": MsgDate}, nil},
		{"several errors", map[string]any{"name": "A", "age": "x", "kind": "other", "agree": false, "phone": "1"}, i18n.En,
			map[string]string{"name": MsgTooShort, "age": MsgInteger, "other": MsgRequired, "agree": MsgAccept, "phone": MsgPhone}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, errs := f.Validate(tt.values, tt.loc)
			if len(tt.errs) > 0 || len(errs) > 0 {
				if !reflect.DeepEqual(errs, tt.errs) {
					t.Fatalf("errors %v, want %v", errs, tt.errs)
				}
				if clean != nil {
					t.Errorf("clean values %v with errors", clean)
				}
				for _, key := range errs {
					if !bundle.Has(key) {
						t.Errorf("%s has no translation", key)
					}
				}
				return
			}
			if !reflect.DeepEqual(clean, tt.clean) {
				t.Fatalf("clean %#v, want %#v", clean, tt.clean)
			}
			// Clean values are valid as they are.
			again, errs := f.Validate(clean, tt.loc)
			if len(errs) > 0 || !reflect.DeepEqual(again, clean) {
				t.Errorf("clean values do not validate to themselves: %v %v", again, errs)
			}
		})
	}
}

// TestValidateKeysDoNotDependOnLocale: the locale changes only how numbers
// written as text are read; the keys are for the caller to translate.
func TestValidateKeysDoNotDependOnLocale(t *testing.T) {
	f := testForm(t)
	values := map[string]any{"name": "A", "age": 200, "kind": "other", "agree": false, "pinfl": "1"}
	first, _ := f.Validate(values, i18n.UzLatn)
	_, want := f.Validate(values, i18n.UzLatn)
	for _, loc := range append(i18n.All(), "xx") {
		clean, errs := f.Validate(values, loc)
		if !reflect.DeepEqual(errs, want) || clean != nil || first != nil {
			t.Errorf("%s: %v, want %v", loc, errs, want)
		}
	}
}

func TestFromPost(t *testing.T) {
	f := testForm(t)
	tests := []struct {
		name string
		post url.Values
		want map[string]any
	}{
		{"nothing", url.Values{}, map[string]any{}},
		{"typed", url.Values{
			"name": {"Ali"}, "age": {"30"}, "score": {"2.5"}, "count": {"2"}, "kind": {"a"}, "code": {""},
			"agree": {"false", "true"}, "has_car": {"false"}, "car.plate": {"01A123BC"}, "car.year": {"2020"},
			"junk": {"x"}, "car.junk": {"y"},
		}, map[string]any{
			"name": "Ali", "age": int64(30), "score": 2.5, "count": int64(2), "kind": "a",
			"agree": true, "has_car": false, "car": map[string]any{"plate": "01A123BC", "year": int64(2020)},
		}},
		{"grouped digits", url.Values{"age": {"1 500"}, "score": {" 7 "}}, map[string]any{"age": int64(1500), "score": 7.0}},
		{"kept as typed", url.Values{"age": {"1.5"}, "score": {"2,5"}, "agree": {"maybe"}, "count": {"two"}},
			map[string]any{"age": "1.5", "score": "2,5", "agree": "maybe", "count": "two"}},
		{"negative", url.Values{"age": {"-3"}}, map[string]any{"age": int64(-3)}},
		{"blank is left out", url.Values{"name": {"  "}, "age": {""}, "agree": {""}}, map[string]any{}},
		{"first value", url.Values{"name": {"Ali", "Vali"}}, map[string]any{"name": "Ali"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.FromPost(tt.post); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	// What FromPost keeps as typed, Validate reads by the language.
	clean, errs := f.Validate(f.FromPost(url.Values{"name": {"Ali"}, "age": {"30"}, "kind": {"a"}, "agree": {"false", "true"}, "score": {"2,5"}}), i18n.Ru)
	if len(errs) > 0 || clean["score"] != 2.5 {
		t.Errorf("posted 2,5 in Russian: %v %v", clean, errs)
	}
}

func TestExamplesValidate(t *testing.T) {
	src := Examples()["child_allowance"]
	f, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	post := url.Values{
		"pinfl": {"31205860123456"}, "last_name": {"Karimova"}, "first_name": {"Dilnoza"}, "phone": {"+998 90 123 45 67"},
		"marital_status": {"married"}, "region": {"samarkand"}, "mahalla": {"Registon"},
		"children_count": {"3"}, "youngest_birth_date": {"2021-05-04"}, "disabled_child": {"false"},
		"employment": {"unemployed"}, "employer": {"ignored, hidden"}, "monthly_income": {"1 200 000"},
		"payment_method": {"card"}, "card_number": {"8600123412341234"}, "consent": {"false", "true"},
	}
	clean, errs := f.Validate(f.FromPost(post), i18n.UzLatn)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if _, ok := clean["employer"]; ok || clean["monthly_income"] != int64(1200000) && clean["monthly_income"] != 1200000.0 {
		t.Errorf("clean: %v", clean)
	}
	post.Set("disabled_child", "true")
	post.Set("payment_method", "post_office")
	post.Del("card_number")
	_, errs = f.Validate(f.FromPost(post), i18n.UzLatn)
	if !reflect.DeepEqual(errs, map[string]string{"disability_certificate": MsgRequired}) {
		t.Errorf("errors %v", errs)
	}
	if f.StepOf("disability_certificate") != "children" {
		t.Error("StepOf")
	}
}

// TestConcurrentUse runs one Form from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	f := testForm(t)
	done := make(chan bool)
	for i := range 8 {
		go func() {
			defer func() { done <- true }()
			loc := i18n.All()[i%4]
			for range 50 {
				v := f.FromPost(url.Values{"name": {"Ali"}, "age": {"3"}, "kind": {"other"}, "has_car": {"true"}, "car.plate": {"x"}})
				_, errs := f.Validate(v, loc)
				if errs["other"] != MsgRequired || errs["car.plate"] != MsgPattern {
					t.Errorf("errors %v", errs)
					return
				}
				f.Steps(loc)
				f.View("details", loc, v, errs)
			}
		}()
	}
	for range 8 {
		<-done
	}
}
