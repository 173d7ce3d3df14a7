package docgen

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// sample returns a duplicate birth certificate in loc, with the letters that
// are hardest to get right: ʻ and ʼ in Uzbek Latin, ў қ ғ ҳ in Cyrillic.
func sample(loc i18n.Locale) Document {
	d := Document{
		Locale:    loc,
		Number:    "2026-0001234",
		IssuedAt:  time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC),
		VerifyURL: "https://egov.example/verify/2026-0001234?c=Xk3p9QzR",
	}
	switch loc {
	case i18n.UzCyrl:
		d.Title = "Туғилганлик ҳақидаги гувоҳноманинг дубликати"
		d.Issuer = "Тошкент шаҳар Юнусобод тумани ФҲДЁ бўлими"
		d.Officer = "Ҳасанова Гўзал Қодировна"
		d.Fields = []Field{
			{"Фамилияси, исми, отасининг исми", "Ғайратов Ҳусан Қўчқорович"},
			{"Туғилган санаси", "2019 йил 4 март"},
			{"Туғилган жойи", "Ўзбекистон Республикаси, Қорақалпоғистон, Нукус шаҳри"},
			{"Отаси", "Ғайратов Қўчқор Ҳамидович"},
			{"Онаси", "Ғайратова Шаҳноза Ўктамовна"},
		}
	case i18n.Ru:
		d.Title = "Дубликат свидетельства о рождении"
		d.Issuer = "Отдел ЗАГС Юнусабадского района города Ташкента"
		d.Officer = "Хасанова Гузаль Кадыровна"
		d.Fields = []Field{
			{"Фамилия, имя, отчество", "Гайратов Хусан Кучкарович"},
			{"Дата рождения", "4 марта 2019 г."},
			{"Место рождения", "Республика Узбекистан, Республика Каракалпакстан, город Нукус"},
			{"Отец", "Гайратов Кучкар Хамидович"},
			{"Мать", "Гайратова Шахноза Уктамовна"},
		}
	case i18n.En:
		d.Title = "Duplicate birth certificate"
		d.Issuer = "Civil Registry Office of Yunusabad District, Tashkent"
		d.Officer = "Gʻuzal Hasanova"
		d.Fields = []Field{
			{"Full name", "Husan Gʻayratov"},
			{"Date of birth", "4 March 2019"},
			{"Place of birth", "Nukus, Republic of Karakalpakstan, Republic of Uzbekistan"},
			{"Father", "Qoʻchqor Gʻayratov"},
			{"Mother", "Shahnoza Gʻayratova"},
		}
	default:
		d.Title = "Tugʻilganlik haqidagi guvohnomaning dublikati"
		d.Issuer = "Toshkent shahar Yunusobod tumani FHDYO boʻlimi"
		d.Officer = "Hasanova Goʻzal Qodirovna"
		d.Fields = []Field{
			{"Familiyasi, ismi, otasining ismi", "Gʻayratov Husan Qoʻchqorovich"},
			{"Tugʻilgan sanasi", "2019-yil 4-mart"},
			{"Tugʻilgan joyi", "Oʻzbekiston Respublikasi, Qoraqalpogʻiston, Nukus shahri"},
			{"Otasi", "Gʻayratov Qoʻchqor Hamidovich"},
			{"Onasi", "Gʻayratova Shahnoza Oʻktamovna"},
			{"Qoʻshimcha maʼlumot", "Dalolatnoma yozuvi 2019-yil 6-martda tuzilgan"},
		}
	}
	return d
}

func TestRenderLocales(t *testing.T) {
	for _, loc := range i18n.All() {
		t.Run(string(loc), func(t *testing.T) {
			pdf, err := Render(sample(loc))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("output starts with %q, want %%PDF-", pdf[:min(len(pdf), 8)])
			}
			if n := pageCount(pdf); n != 1 {
				t.Errorf("pages = %d, want 1", n)
			}
			if !bytes.Contains(pdf, []byte("/Lang ("+loc.HTMLLang()+")")) {
				t.Errorf("document language %s not declared", loc)
			}
		})
	}
}

func TestRenderDeterministic(t *testing.T) {
	for _, loc := range i18n.All() {
		first, err := Render(sample(loc))
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			again, err := Render(sample(loc))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, again) {
				t.Fatalf("%s: two renderings of the same document differ", loc)
			}
		}
	}
	// The instant decides, not the zone it is written in.
	d := sample(i18n.UzLatn)
	a, _ := Render(d)
	d.IssuedAt = d.IssuedAt.In(time.FixedZone("X", -7*3600))
	b, _ := Render(d)
	if !bytes.Equal(a, b) {
		t.Error("the same instant in another zone gives another PDF")
	}
}

func TestRenderManyFieldsFlow(t *testing.T) {
	tests := []struct {
		fields             int
		value              string
		minPages, maxPages int
	}{
		{fields: 5, value: "qisqa", minPages: 1, maxPages: 1},
		// About 30 one-line rows fit on a page.
		{fields: 80, value: "Toshkent shahri, Yunusobod tumani", minPages: 3, maxPages: 4},
		// One value longer than a page continues on the next ones.
		{fields: 1, value: strings.Repeat("Qoʻshimcha maʼlumot ", 400), minPages: 3, maxPages: 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.fields, "x", len(tt.value)), func(t *testing.T) {
			d := sample(i18n.UzLatn)
			d.Fields = nil
			for i := range tt.fields {
				d.Fields = append(d.Fields, Field{Label: fmt.Sprintf("Maydon %d", i+1), Value: tt.value})
			}
			pdf, err := Render(d)
			if err != nil {
				t.Fatal(err)
			}
			if n := pageCount(pdf); n < tt.minPages || n > tt.maxPages {
				t.Errorf("pages = %d, want %d to %d", n, tt.minPages, tt.maxPages)
			}
		})
	}
}

func TestRenderInvalid(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Document)
		field string
	}{
		{"no verify URL", func(d *Document) { d.VerifyURL = "" }, "VerifyURL"},
		{"relative verify URL", func(d *Document) { d.VerifyURL = "/verify/1" }, "VerifyURL"},
		{"other scheme", func(d *Document) { d.VerifyURL = "javascript:alert(1)" }, "VerifyURL"},
		{"long verify URL", func(d *Document) { d.VerifyURL += strings.Repeat("a", maxURLBytes) }, "VerifyURL"},
		{"no title", func(d *Document) { d.Title = "" }, "Title"},
		{"no number", func(d *Document) { d.Number = "" }, "Number"},
		{"no issuer", func(d *Document) { d.Issuer = "" }, "Issuer"},
		{"no date", func(d *Document) { d.IssuedAt = time.Time{} }, "IssuedAt"},
		{"huge value", func(d *Document) { d.Fields[1].Value = strings.Repeat("x", maxTextBytes+1) }, "Fields[1]"},
		{"too many fields", func(d *Document) { d.Fields = make([]Field, maxFields+1) }, "Fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sample(i18n.En)
			tt.edit(&d)
			pdf, err := Render(d)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.EINVALID {
				t.Fatalf("err = %v, want %s", err, apperr.EINVALID)
			}
			if e.Fields[tt.field] == "" {
				t.Errorf("fields = %v, want a message for %s", e.Fields, tt.field)
			}
			if pdf != nil {
				t.Error("an invalid document gave a PDF")
			}
		})
	}
}

func TestRenderNoOfficer(t *testing.T) {
	d := sample(i18n.En)
	d.Officer = ""
	if _, err := Render(d); err != nil {
		t.Fatal(err)
	}
}

func TestUnsupportedLocaleFallsBack(t *testing.T) {
	want, err := Render(sample(i18n.UzLatn))
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []i18n.Locale{"", "de", "uz-Arab"} {
		d := sample(i18n.UzLatn)
		d.Locale = loc
		got, err := Render(d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("locale %q: PDF differs from the Uzbek Latin one", loc)
		}
	}
}

// pageObject matches a page object's type, not the /Type /Pages tree node.
var pageObject = regexp.MustCompile(`/Type /Page\b[^s]`)

// pageCount counts the page objects of a PDF written by fpdf, whose object
// dictionaries are never compressed.
func pageCount(pdf []byte) int { return len(pageObject.FindAll(pdf, -1)) }
