package form

import (
	"bytes"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// exampleSubmissions holds, for every example form, what a person fills in
// on its pages (as the browser posts it) and the language of the pages.
// Each takes a branch that shows at least one conditional field.
var exampleSubmissions = map[string]struct {
	loc  i18n.Locale
	post url.Values
}{
	"birth_certificate_duplicate": {i18n.UzLatn, url.Values{
		"applicant_pinfl": {"31205860123456"}, "applicant_last_name": {"Rahimova"}, "applicant_first_name": {"Gulnora"},
		"relation": {"guardian"}, "guardianship_document": {"upload-1"}, "phone": {"90 123 45 67"},
		"child_last_name": {"Rahimov"}, "child_first_name": {"Jasur"}, "child_birth_date": {"2015-03-27"}, "birth_region": {"namangan"},
		"reason": {"other"}, "reason_other": {"Suv toshqinida yaroqsiz boʻlib qoldi"},
		"delivery_method": {"post"}, "address.region": {"namangan"}, "address.district": {"Chust tumani"},
		"address.street": {"Navoiy koʻchasi, 15-uy"}, "address.postcode": {"160400"}, "consent": {"false", "true"},
	}},
	"sole_proprietor_registration": {i18n.Ru, url.Values{
		"pinfl": {"30101901234567"}, "last_name": {"Ахмедов"}, "first_name": {"Бобур"}, "birth_date": {"1990-01-01"},
		"phone": {"+998 93 555 12 34"}, "activity": {"other"}, "activity_other": {"Пошив национальной одежды"},
		"business_address.region": {"fergana"}, "business_address.district": {"Маргилан"},
		"business_address.street": {"ул. Бурхониддина Маргинони, 7"}, "business_address.postcode": {"151100"},
		"tax_regime": {"turnover"}, "has_bank_account": {"false", "true"}, "bank_account": {"20208000900123456001"},
		"bank_code": {"00873"}, "consent": {"false", "true"},
	}},
	"child_allowance": {i18n.UzCyrl, url.Values{
		"pinfl": {"41205860123456"}, "last_name": {"Каримова"}, "first_name": {"Дилноза"}, "phone": {"+998901234567"},
		"marital_status": {"married"}, "region": {"samarkand"}, "mahalla": {"Регистон"},
		"children_count": {"3"}, "youngest_birth_date": {"2021-05-04"}, "disabled_child": {"false"},
		"employment": {"employed"}, "employer": {"Самарқанд чинни заводи"}, "monthly_income": {"3 200 000"},
		"payment_method": {"card"}, "card_number": {"8600123412341234"}, "consent": {"false", "true"},
	}},
	"birth_registration": {i18n.UzLatn, url.Values{
		"applicant_role": {"mother"}, "mother.pinfl": {"41505950123456"}, "mother.last_name": {"Yusupova"},
		"mother.first_name": {"Malika"}, "mother.birth_date": {"1995-05-15"}, "parents_married": {"true"},
		"marriage_record": {"I-TN 0123456"}, "father.pinfl": {"31002930123456"}, "father.last_name": {"Yusupov"},
		"father.first_name": {"Akmal"}, "father.patronymic": {"Rustam oʻgʻli"}, "father.birth_date": {"1993-02-10"},
		"phone": {"+998 97 111 22 33"}, "medical_certificate_number": {"20240517"}, "medical_certificate_date": {"2024-05-17"},
		"child_last_name": {"Yusupova"}, "child_first_name": {"Oysha"}, "child_patronymic": {"Akmal qizi"}, "child_sex": {"female"},
		"birth_date": {"2024-05-16"}, "birth_weight": {"3 250"}, "multiple_birth": {"false"}, "birth_place": {"maternity"},
		"birth_region": {"tashkent_city"}, "delivery_method": {"office"}, "registry_office": {"Chilonzor tumani FHDYo boʻlimi"},
		"consent": {"false", "true"},
	}},
	"marriage_registration": {i18n.Ru, url.Values{
		"groom_citizenship": {"uzbekistan"}, "groom_pinfl": {"30707920123456"}, "groom_last_name": {"Турсунов"},
		"groom_first_name": {"Фаррух"}, "groom_birth_date": {"1992-07-07"}, "groom_previous_marriage": {"divorced"},
		"groom_divorce_record": {"I-TN 7654321"}, "groom_phone": {"+998 90 765 43 21"},
		"bride_citizenship": {"foreign"}, "bride_passport": {"N12345678"}, "bride_last_name": {"Сейткалиева"},
		"bride_first_name": {"Айгерим"}, "bride_birth_date": {"1996-11-20"}, "bride_previous_marriage": {"never"},
		"bride_phone": {"+998 91 234 56 78"}, "registry_region": {"tashkent_city"}, "registry_office": {"Отдел ЗАГС Юнусабадского района"}, "preferred_date": {"2025-09-12"},
		"preferred_time": {"afternoon"}, "ceremony": {"solemn"}, "guests": {"20"}, "surname_after": {"own"},
		"medical_check": {"false", "true"}, "consent": {"false", "true"},
	}},
	"residence_registration_change": {i18n.UzLatn, url.Values{
		"pinfl": {"30303880123456"}, "last_name": {"Saidov"}, "first_name": {"Sherzod"}, "birth_date": {"1988-03-03"},
		"phone": {"+998 99 876 54 32"}, "region": {"samarkand"}, "district_samarkand": {"urgut"},
		// A district of another region is hidden and dropped.
		"district_tashkent_city": {"chilanzar"}, "mahalla": {"Qorateri"}, "street": {"Amir Temur koʻchasi"}, "house": {"24"},
		"housing_basis": {"family"}, "owner_pinfl": {"30101600123456"}, "move_date": {"2025-01-20"},
		"reason": {"work"}, "with_family": {"false", "true"},
		"member_1.pinfl": {"40404900123456"}, "member_1.last_name": {"Saidova"}, "member_1.first_name": {"Nodira"},
		"member_1.birth_date": {"1990-04-04"}, "member_1.relation": {"spouse"},
		"member_2.pinfl": {"50505150123456"}, "member_2.last_name": {"Saidov"}, "member_2.first_name": {"Temur"},
		"member_2.birth_date": {"2015-05-05"}, "member_2.relation": {"child"},
		"consent": {"false", "true"},
	}},
	"old_age_pension": {i18n.UzCyrl, url.Values{
		"pinfl": {"30202640123456"}, "last_name": {"Норматов"}, "first_name": {"Шукрулло"}, "birth_date": {"1964-02-02"},
		"sex": {"male"}, "phone": {"+998 90 222 33 44"}, "region": {"khorezm"}, "total_years": {"38"},
		"period_1.employer": {"Урганч ёғ-мой комбинати"}, "period_1.position": {"Механик"},
		"period_1.start_date": {"1986-09-01"}, "period_1.end_date": {"2004-12-31"},
		"period_2.employer": {"Хоразм вилояти ҳокимлиги"}, "period_2.position": {"Ҳайдовчи"}, "period_2.start_date": {"2005-01-10"},
		"military_service": {"false", "true"}, "military_years": {"2"},
		"payment_method": {"post"}, "post_office": {"220100"}, "home_delivery": {"false", "true"},
		"consent": {"false", "true"},
	}},
	"school_enrolment": {i18n.En, url.Values{
		"child_pinfl": {"51509180123456"}, "child_last_name": {"Karimov"}, "child_first_name": {"Sardor"},
		"child_birth_date": {"2018-09-15"}, "child_sex": {"male"}, "special_needs": {"false", "true"},
		"special_needs_details": {"Poor eyesight: needs a seat at the front"}, "parent_relation": {"mother"},
		"parent_pinfl": {"41203880123456"}, "parent_last_name": {"Karimova"},
		"parent_first_name": {"Zarina"}, "phone": {"+998 94 600 70 80"},
		"region": {"tashkent_city"}, "district": {"Mirzo Ulugʻbek tumani"}, "school_number": {"110"},
		"language": {"uzbek"}, "lives_nearby": {"true"}, "sibling_at_school": {"false", "true"},
		"sibling_name": {"Karimov Jahongir, 4-B sinf"}, "consent": {"false", "true"},
	}},
	"llc_registration": {i18n.En, url.Values{
		"company_name": {"Sharq Savdo"}, "activity": {"it"},
		"legal_address.region": {"tashkent_city"}, "legal_address.district": {"Yunusobod tumani"},
		"legal_address.street": {"Amir Temur shoh koʻchasi, 107B"}, "legal_address.postcode": {"100084"},
		"charter_capital": {"10,000,000"}, "contribution": {"money"}, "charter_type": {"own"}, "charter_file": {"upload-7"},
		"founder_1.kind": {"individual"}, "founder_1.pinfl": {"31111850123456"}, "founder_1.name": {"Aliyev Botir Olimovich"},
		"founder_1.share": {"60"},
		"founder_2.kind":  {"company"}, "founder_2.tin": {"301234567"}, "founder_2.name": {"Orient Invest LLC"},
		"founder_2.share": {"40"},
		"director_pinfl":  {"31111850123456"}, "director_last_name": {"Aliyev"}, "director_first_name": {"Botir"},
		"director_phone": {"+998 71 200 00 00"}, "tax_regime": {"turnover"}, "expected_revenue": {"600,000,000"},
		"consent": {"false", "true"},
	}},
	"property_register_extract": {i18n.Ru, url.Values{
		"cadastral_number": {"10:07:03:01:02:0123:0001:015"}, "property_type": {"flat"}, "region": {"tashkent_city"},
		"address": {"Мирабадский район, ул. Нукус, 12, кв. 15"}, "purpose": {"other"}, "purpose_other": {"Для консульства"},
		"applicant_role": {"representative"}, "pinfl": {"32012900123456"}, "last_name": {"Хасанов"}, "first_name": {"Ильхом"},
		"phone": {"+998 90 000 11 22"}, "owner_pinfl": {"42012600123456"}, "power_of_attorney": {"upload-3"},
		"delivery_method": {"post"}, "delivery_address.recipient": {"Хасанов Ильхом"}, "delivery_address.region": {"bukhara"},
		"delivery_address.district": {"город Бухара"}, "delivery_address.street": {"ул. Мустакиллик, 5"},
		"delivery_address.postcode": {"200100"}, "copies": {"2"}, "consent": {"false", "true"},
	}},
}

// latinInCyrillic are the words a text in Uzbek Cyrillic or Russian may
// write in Latin letters: abbreviations and brands written so in both, and
// the company name of an example.
var latinInCyrillic = []string{"ID", "PDF", "SMS", "Uzcard", "Humo", "Sharq", "Savdo"}

// TestParseExamples parses every example and checks its texts in the four
// languages, that its filled submission validates, and that leaving out any
// required field the submission shows is refused on that field.
func TestParseExamples(t *testing.T) {
	ex := Examples()
	names := slices.Sorted(maps.Keys(ex))
	if want := slices.Sorted(maps.Keys(exampleSubmissions)); !slices.Equal(names, want) {
		t.Fatalf("examples %v, want %v", names, want)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f, err := Parse(ex[name])
			if err != nil {
				t.Fatal(err)
			}
			// The canonical form is stable and parses to the same form.
			again, err := Parse(f.Canonical())
			if err != nil {
				t.Fatalf("canonical form does not parse: %v", err)
			}
			if !bytes.Equal(again.Canonical(), f.Canonical()) {
				t.Error("canonical form changes when parsed again")
			}
			if n := len(f.Steps(i18n.En)); n < 2 || n > 4 {
				t.Errorf("%d steps, want 2 to 4", n)
			}
			checkExampleTexts(t, f)
			var conditional int
			for _, s := range f.Steps(i18n.En) {
				walkFields(s.Fields, func(fl Field) {
					if fl.ShowIf != nil {
						conditional++
					}
				})
			}
			if conditional == 0 {
				t.Error("no conditional field")
			}
			checkExampleSubmission(t, f, name)
		})
	}
}

// checkExampleTexts checks that every text of f (title, steps, labels,
// hints, options) is there in the four languages, each in its script.
func checkExampleTexts(t *testing.T, f *Form) {
	t.Helper()
	texts := make(map[i18n.Locale][]string)
	for _, loc := range i18n.All() {
		list := []string{f.Title(loc)}
		for _, s := range f.Steps(loc) {
			list = append(list, s.Title)
			if len(s.Fields) == 0 {
				t.Errorf("%s: step %s has no fields", loc, s.ID)
			}
			walkFields(s.Fields, func(fl Field) {
				if fl.Label == "" {
					t.Errorf("%s: %s has no label", loc, fl.Name)
				}
				// A hint is optional, but then in no language.
				list = append(list, fl.Label, fl.Hint)
				for _, o := range fl.Options {
					if o.Label == "" {
						t.Errorf("%s: option %s of %s has no label", loc, o.Value, fl.Name)
					}
					list = append(list, o.Label)
				}
			})
		}
		texts[loc] = list
	}
	for i, latn := range texts[i18n.UzLatn] {
		cyrl, ru, en := texts[i18n.UzCyrl][i], texts[i18n.Ru][i], texts[i18n.En][i]
		if latn == "" {
			if cyrl != "" || ru != "" || en != "" {
				t.Errorf("hint %q, %q, %q has no Uzbek Latin", cyrl, ru, en)
			}
			continue
		}
		// Uzbek Latin writes oʻ and gʻ with U+02BB and the tutuq belgisi
		// with U+02BC, never with apostrophes or quotes.
		if strings.ContainsAny(latn, "'‘’`") || hasScript(latn, unicode.Cyrillic) {
			t.Errorf("Uzbek Latin %q has an apostrophe or Cyrillic", latn)
		}
		if cyrl == latn || !hasScript(cyrl, unicode.Cyrillic) || strings.ContainsAny(cyrl, "'‘’`ʻʼ") {
			t.Errorf("Uzbek Cyrillic of %q is %q", latn, cyrl)
		}
		if !hasScript(ru, unicode.Cyrillic) {
			t.Errorf("Russian of %q is %q", latn, ru)
		}
		for _, s := range []string{cyrl, ru} {
			for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.In(r, unicode.Latin) }) {
				if !slices.Contains(latinInCyrillic, w) {
					t.Errorf("Latin %q in %q", w, s)
				}
			}
		}
		if en == "" || hasScript(en, unicode.Cyrillic) {
			t.Errorf("English of %q is %q", latn, en)
		}
	}
}

func hasScript(s string, script *unicode.RangeTable) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(script, r) }) >= 0
}

// checkExampleSubmission validates the example's filled submission, then
// the same without each required field it shows, one at a time.
func checkExampleSubmission(t *testing.T, f *Form, name string) {
	t.Helper()
	sub := exampleSubmissions[name]
	clean, errs := f.Validate(f.FromPost(sub.post), sub.loc)
	if len(errs) > 0 {
		t.Fatalf("filled submission: errors %v", errs)
	}
	again, errs := f.Validate(clean, sub.loc)
	if len(errs) > 0 || !reflect.DeepEqual(again, clean) {
		t.Errorf("clean values do not validate to themselves: %v", errs)
	}
	var shownConditional, checked int
	for _, s := range f.Steps(sub.loc) {
		walkFields(s.Fields, func(fl Field) {
			_, has := cleanValue(clean, fl.Name)
			if fl.ShowIf != nil && has {
				shownConditional++
			}
			if !fl.Required || fl.Type == TypeObject || !has {
				return
			}
			checked++
			post := maps.Clone(sub.post)
			post.Del(fl.Name)
			c, errs := f.Validate(f.FromPost(post), sub.loc)
			if want := map[string]string{fl.Name: MsgRequired}; c != nil || !reflect.DeepEqual(errs, want) {
				t.Errorf("without %s: errors %v, want %v", fl.Name, errs, want)
			}
		})
	}
	if shownConditional == 0 {
		t.Error("the filled submission shows no conditional field")
	}
	if checked == 0 {
		t.Error("no required field was checked")
	}
	t.Logf("%d required fields checked, %d conditional fields shown", checked, shownConditional)
	// What is posted for a field the submission hides is dropped.
	for key := range sub.post {
		if _, has := cleanValue(clean, key); !has && f.StepOf(key) != "" && sub.post.Get(key) != "" {
			if fl := f.byName[key]; fl.showIf == nil && (fl.parent == nil || fl.parent.showIf == nil) {
				t.Errorf("%s was posted, is shown and is not in the clean values", key)
			}
		}
	}
}

// cleanValue returns the value of the field name ("a" or "group.a") in
// clean values.
func cleanValue(clean map[string]any, name string) (any, bool) {
	group, key, inGroup := strings.Cut(name, ".")
	if !inGroup {
		v, ok := clean[name]
		return v, ok
	}
	g, _ := clean[group].(map[string]any)
	v, ok := g[key]
	return v, ok
}

func walkFields(fields []Field, fn func(Field)) {
	for _, fl := range fields {
		fn(fl)
		walkFields(fl.Fields, fn)
	}
}

// TestExamplesRender renders every step of every example in every language
// through the partial, with the filled submission, and checks that the
// conditional fields carry what egov.js needs to show and hide them.
func TestExamplesRender(t *testing.T) {
	srv, page := applyServer(t)
	var err error
	forms := make(map[string]*Form)
	for name, doc := range Examples() {
		if forms[name], err = Parse(doc); err != nil {
			t.Fatal(err)
		}
	}
	srv.Router().Handle("GET /apply/{form}/{step}", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		f, ok := forms[r.PathValue("form")]
		if !ok {
			return http.ErrMissingFile
		}
		sub := exampleSubmissions[r.PathValue("form")]
		v, ok := f.View(r.PathValue("step"), web.Locale(r.Context()), f.FromPost(sub.post), nil)
		if !ok {
			return http.ErrMissingFile
		}
		return page.Render(w, r, http.StatusOK, applyView{Form: v})
	})
	for name, f := range forms {
		for _, loc := range i18n.All() {
			for _, s := range f.Steps(loc) {
				path := "/apply/" + name + "/" + s.ID + "?lang=" + string(loc)
				rec := httptest.NewRecorder()
				srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != http.StatusOK {
					t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
				}
				body := rec.Body.String()
				walkFields(s.Fields, func(fl Field) {
					if !strings.Contains(body, `name="`+fl.Name+`"`) && fl.Type != TypeObject {
						t.Errorf("%s: no control for %s", path, fl.Name)
					}
					if c := fl.ShowIf; c != nil {
						if want := `data-show-if-field="` + c.Field + `" data-show-if-value="` + c.Value + `"`; !strings.Contains(body, want) {
							t.Errorf("%s: %s lacks %s", path, fl.Name, want)
						}
					}
				})
			}
		}
	}
}
