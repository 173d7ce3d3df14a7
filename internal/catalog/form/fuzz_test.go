package form

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// slow is how long Parse or Validate may take on any input, with room for
// a busy machine running fuzz workers side by side.
const slow = time.Second

func FuzzParse(f *testing.F) {
	// Small seeds only: the fuzzer minimizes every input that finds new
	// code, and minimizing the large examples would take all the time.
	// They are parsed by TestParseExamples.
	for _, h := range hostile {
		if len(h.doc) < 2048 {
			f.Add([]byte(h.doc))
		}
	}
	f.Add([]byte(doc(`,"g":{"type":"object","properties":{"x":{"$ref":"#/$defs/d","x-egov":{"label":`+tr+`,"showIf":{"field":"a","equals":"y"}}}},"x-egov":{"label":`+tr+`,"step":"one"}}`+
		`,"r":{"type":"integer","enum":[1,2],"x-egov":{"label":`+tr+`,"step":"two","widget":"radio","options":[{"value":1,"label":`+tr+`},{"value":2,"label":`+tr+`}]}}`+
		`,"p":{"type":"string","pattern":"^[0-9]+$","minLength":1,"maxLength":9,"x-egov":{"label":`+tr+`,"hint":`+tr+`,"step":"two","widget":"pinfl","showIf":{"field":"r","equals":2}}}`,
		`,"$defs":{"d":{"type":"integer","minimum":1}},"required":["a","g","p"]`)))
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		form, err := parse(src, failLoader{t})
		if d := time.Since(start); d > slow {
			t.Errorf("Parse took %v", d)
		}
		if err != nil {
			e := apperr.As(err)
			if e == nil || e.Code != apperr.EINVALID || !strings.HasPrefix(e.Message, "form.schema.") {
				t.Fatalf("not a form.schema EINVALID error: %v", err)
			}
			return
		}
		again, err := parse(form.Canonical(), failLoader{t})
		if err != nil {
			t.Fatalf("canonical form refused: %v", err)
		}
		if !bytes.Equal(again.Canonical(), form.Canonical()) {
			t.Fatal("canonical form not stable")
		}
		for _, loc := range i18n.All() {
			form.Title(loc)
			for _, s := range form.Steps(loc) {
				if _, ok := form.View(s.ID, loc, nil, nil); !ok {
					t.Fatalf("no view of step %s", s.ID)
				}
			}
		}
		form.Validate(map[string]any{}, i18n.En)
	})
}

func FuzzValidate(f *testing.F) {
	forms := []*Form{testForm(f)}
	for _, name := range []string{"birth_certificate_duplicate", "sole_proprietor_registration", "child_allowance"} {
		form, err := Parse(Examples()[name])
		if err != nil {
			f.Fatal(err)
		}
		forms = append(forms, form)
	}
	f.Add(uint8(0), uint8(0), []byte(`{"name":"Ali","age":30,"kind":"other","other":"more","agree":true}`), "name=Ali&age=1+500&score=2%2C5&agree=false&agree=true")
	f.Add(uint8(0), uint8(2), []byte(`{"has_car":true,"car":{"plate":"01A123BC","year":"2 020"},"phone":"90 123 45 67","pinfl":"1234 5678 9012 34"}`), "has_car=true&car.plate=x&car.model=y")
	f.Add(uint8(1), uint8(1), []byte(`{"relation":"guardian","delivery_method":"post","address":{"region":"fergana"}}`), "relation=guardian&delivery_method=office&pickup_region=khorezm")
	f.Add(uint8(2), uint8(3), []byte(`{"has_bank_account":true,"bank_account":"12345678901234567890","expected_turnover":1e9}`), "activity=other&activity_other=%00")
	f.Add(uint8(3), uint8(0), []byte(`{"children_count":"3","monthly_income":"1 200 000,50","disabled_child":"on"}`), "payment_method=card&card_number=8600")
	f.Fuzz(func(t *testing.T, which, locIdx uint8, values []byte, post string) {
		form := forms[int(which)%len(forms)]
		all := i18n.All()
		loc := all[int(locIdx)%len(all)]
		var v map[string]any
		dec := json.NewDecoder(bytes.NewReader(values))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			v = nil
		}
		check(t, form, v, loc)
		if q, err := url.ParseQuery(post); err == nil {
			check(t, form, form.FromPost(q), loc)
		}
	})
}

// check validates values and checks what must hold for any input.
func check(t *testing.T, form *Form, values map[string]any, loc i18n.Locale) {
	start := time.Now()
	clean, errs := form.Validate(values, loc)
	if d := time.Since(start); d > slow {
		t.Errorf("Validate took %v", d)
	}
	for _, s := range form.steps {
		form.View(s.id, loc, values, errs)
	}
	if len(errs) > 0 {
		if clean != nil {
			t.Fatal("clean values with errors")
		}
		for name, key := range errs {
			if _, ok := form.byName[name]; !ok {
				t.Errorf("error on unknown field %q", name)
			}
			if !strings.HasPrefix(key, "form.error.") {
				t.Errorf("error key %q", key)
			}
		}
		return
	}
	for k, v := range clean {
		fl, ok := form.byName[k]
		if !ok || fl.parent != nil {
			t.Fatalf("clean has unknown field %q", k)
		}
		if g, isGroup := v.(map[string]any); isGroup {
			for c := range g {
				if _, ok := form.byName[k+"."+c]; !ok {
					t.Fatalf("clean has unknown field %s.%s", k, c)
				}
			}
		}
	}
	again, errs := form.Validate(clean, loc)
	if len(errs) > 0 || !reflect.DeepEqual(again, clean) {
		t.Fatalf("clean values %#v do not validate to themselves: %#v %v", clean, again, errs)
	}
}
