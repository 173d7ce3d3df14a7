package i18n

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// catalog builds a source from file contents keyed by file name.
func catalog(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// portal is a complete, valid source as a module would contribute it.
func portal() fstest.MapFS {
	return catalog(map[string]string{
		"uz-Latn.json": `{
			"portal.title": "Davlat xizmatlari",
			"portal.hello": "Xush kelibsiz, {0}!",
			"portal.services": {"one": "{n} ta xizmat", "other": "{n} ta xizmat"},
			"portal.found": {"one": "{0} boʻyicha {n} ta natija", "other": "{0} boʻyicha {n} ta natija"}
		}`,
		"uz-Cyrl.json": `{
			"portal.title": "Давлат хизматлари",
			"portal.hello": "Хуш келибсиз, {0}!",
			"portal.services": {"one": "{n} та хизмат", "other": "{n} та хизмат"},
			"portal.found": {"one": "{0} бўйича {n} та натижа", "other": "{0} бўйича {n} та натижа"}
		}`,
		"ru.json": `{
			"portal.title": "Государственные услуги",
			"portal.hello": "Добро пожаловать, {0}!",
			"portal.services": {"one": "{n} услуга", "few": "{n} услуги", "many": "{n} услуг", "other": "{n} услуги"},
			"portal.found": {"one": "По запросу {0} найден {n} результат", "few": "По запросу {0} найдено {n} результата", "many": "По запросу {0} найдено {n} результатов", "other": "По запросу {0} найдено {n} результата"}
		}`,
		"en.json": `{
			"portal.title": "Government services",
			"portal.hello": "Welcome, {0}!",
			"portal.services": {"one": "{n} service", "other": "{n} services"},
			"portal.found": {"one": "{n} result for {0}", "other": "{n} results for {0}"}
		}`,
		"README.md":       "Catalogs of the portal module.",
		"drafts/fr.json":  `{"portal.title": "Services publics"}`,
		"uz-Latn.json.gz": "ignored",
	})
}

// appeals is a second valid source with one plain key.
func appeals() fstest.MapFS {
	return catalog(map[string]string{
		"uz-Latn.json": `{"appeals.title": "Murojaatlar"}`,
		"uz-Cyrl.json": `{"appeals.title": "Мурожаатлар"}`,
		"ru.json":      `{"appeals.title": "Обращения"}`,
		"en.json":      `{"appeals.title": "Appeals"}`,
	})
}

func mustLoad(t *testing.T) *Bundle {
	t.Helper()
	b, err := Load(portal(), appeals())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoad(t *testing.T) {
	b := mustLoad(t)
	want := []string{"appeals.title", "portal.found", "portal.hello", "portal.services", "portal.title"}
	if got := b.Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys() = %v, want %v", got, want)
	}
	b.Keys()[0] = "changed"
	if b.Keys()[0] != "appeals.title" {
		t.Error("Keys() exposes the bundle's own slice")
	}
	for _, k := range want {
		if !b.Has(k) {
			t.Errorf("Has(%q) = false", k)
		}
	}
	if b.Has("portal.missing") || b.Has("") {
		t.Error("Has reports an undefined key")
	}
	empty, err := Load()
	if err != nil || len(empty.Keys()) != 0 {
		t.Errorf("Load() = %v, %v; want an empty bundle", empty.Keys(), err)
	}
}

// replace returns a copy of the valid portal source with one file changed.
func replace(name, data string) fstest.MapFS {
	fsys := portal()
	if data == "" {
		delete(fsys, name)
	} else {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

func TestLoadErrors(t *testing.T) {
	const ruPlurals = `"portal.found": {"one": "{0}: {n}", "few": "{0}: {n}", "many": "{0}: {n}", "other": "{0}: {n}"}`
	srcs := func(sources ...fstest.MapFS) []fs.FS {
		var list []fs.FS
		for _, s := range sources {
			list = append(list, s)
		}
		return list
	}
	tests := []struct {
		name    string
		sources []fs.FS
		want    []string // substrings of the error
	}{
		{"duplicate key across sources", srcs(portal(), appeals(), appeals()),
			[]string{"source 3", "uz-Latn.json", `"appeals.title"`, "already defined by source 2"}},
		{"key missing in a locale", srcs(appeals(), replace("ru.json", `{"portal.title": "Услуги", "portal.hello": "Привет, {0}!", `+ruPlurals+`}`)),
			[]string{"source 2", "ru.json", `missing key "portal.services"`, "uz-Latn.json"}},
		{"key only in a later locale", srcs(replace("en.json", `{"portal.extra": "x", "portal.title": "T", "portal.hello": "Hi {0}", "portal.services": {"one": "{n}", "other": "{n}"}, "portal.found": {"one": "{0}: {n}", "other": "{0}: {n}"}}`)),
			[]string{"uz-Latn.json", `missing key "portal.extra"`, "defined in en.json"}},
		{"locale file missing", srcs(replace("uz-Cyrl.json", "")),
			[]string{"source 1", "uz-Cyrl.json is missing"}},
		{"bad JSON", srcs(replace("en.json", `{"portal.title": "Government services",}`)),
			[]string{"source 1", "en.json", "invalid JSON"}},
		{"truncated JSON", srcs(replace("en.json", `{"portal.title": "Gov`)),
			[]string{"en.json", "invalid JSON"}},
		{"not an object", srcs(replace("en.json", `["portal.title"]`)),
			[]string{"en.json", "one JSON object"}},
		{"trailing data", srcs(replace("en.json", `{} {}`)),
			[]string{"en.json", "after the JSON object"}},
		{"duplicate key in a file", srcs(replace("en.json", `{"portal.title": "A", "portal.title": "B"}`)),
			[]string{"en.json", `"portal.title" is given twice`}},
		{"empty key", srcs(replace("en.json", `{"": "A"}`)),
			[]string{"en.json", "empty key"}},
		{"number value", srcs(replace("en.json", `{"portal.title": 5}`)),
			[]string{"en.json", `"portal.title"`, "string or an object"}},
		{"array value", srcs(replace("en.json", `{"portal.title": ["a"]}`)),
			[]string{"en.json", `"portal.title"`, "string or an object"}},
		{"missing plural category", srcs(replace("ru.json", `{"portal.title": "У", "portal.hello": "{0}", "portal.services": {"one": "{n} услуга", "few": "{n} услуги", "other": "{n} услуги"}, `+ruPlurals+`}`)),
			[]string{"ru.json", `"portal.services"`, `missing plural category "many"`}},
		{"missing other", srcs(replace("en.json", `{"portal.services": {"one": "{n} service"}}`)),
			[]string{"en.json", `"portal.services"`, `missing plural category "other"`}},
		{"category the locale does not use", srcs(replace("en.json", `{"portal.services": {"one": "{n}", "few": "{n}", "other": "{n}"}}`)),
			[]string{"en.json", `"portal.services"`, `"few" is not used by en`}},
		{"unknown category", srcs(replace("en.json", `{"portal.services": {"one": "{n}", "several": "{n}", "other": "{n}"}}`)),
			[]string{"en.json", `unknown plural category "several"`}},
		{"plural form not a string", srcs(replace("en.json", `{"portal.services": {"one": 1, "other": "{n}"}}`)),
			[]string{"en.json", `"portal.services"`, `form "one" must be a string`}},
		{"nested object in plural", srcs(replace("en.json", `{"portal.services": {"one": "{n}", "other": "{n}", "x": {}}}`)),
			[]string{"en.json", "portal.services"}},
		{"plural in one locale, string in another", srcs(replace("en.json", `{"portal.title": "T", "portal.hello": "Hi {0}", "portal.services": "services", "portal.found": {"one": "{0}: {n}", "other": "{0}: {n}"}}`)),
			[]string{"en.json", `"portal.services"`, "a plain string here but a plural in uz-Latn.json"}},
		{"placeholders differ", srcs(replace("en.json", `{"portal.title": "T", "portal.hello": "Welcome!", "portal.services": {"one": "{n}", "other": "{n}"}, "portal.found": {"one": "{0}: {n}", "other": "{0}: {n}"}}`)),
			[]string{"en.json", `"portal.hello"`, "placeholders [] here but [{0}]"}},
		{"unknown locale file", srcs(replace("fr.json", `{}`)),
			[]string{"source 1", "fr.json", `unknown locale "fr"`}},
		{"locale file named in lower case", srcs(replace("uz-latn.json", `{}`)),
			[]string{"uz-latn.json", "unknown locale"}},
		{"no catalog files", srcs(catalog(map[string]string{"README.md": "x"})),
			[]string{"source 1", "no catalog files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.sources...)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := Load(nil); err == nil || !strings.Contains(err.Error(), "source 1") {
		t.Errorf("Load(nil) error = %v", err)
	}
}

func TestT(t *testing.T) {
	b := mustLoad(t)
	tests := []struct {
		loc  Locale
		key  string
		args []any
		want string
	}{
		{UzLatn, "portal.title", nil, "Davlat xizmatlari"},
		{UzCyrl, "portal.title", nil, "Давлат хизматлари"},
		{Ru, "portal.title", nil, "Государственные услуги"},
		{En, "portal.title", nil, "Government services"},
		{En, "portal.hello", []any{"Aziza"}, "Welcome, Aziza!"},
		{Ru, "portal.hello", []any{42}, "Добро пожаловать, 42!"},
		{En, "portal.hello", nil, "Welcome, {0}!"},               // no argument: left visible
		{En, "portal.hello", []any{"A", "extra"}, "Welcome, A!"}, // extra arguments ignored
		{Locale("fr"), "portal.title", nil, "Davlat xizmatlari"}, // unsupported: Default
		{En, "portal.services", nil, "{n} services"},             // plural key: other form
		{En, "portal.missing", []any{1}, "portal.missing"},       // unknown key: the key
		{En, "appeals.title", nil, "Appeals"},
	}
	for _, tt := range tests {
		if got := b.T(tt.loc, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %q, %v) = %q, want %q", tt.loc, tt.key, tt.args, got, tt.want)
		}
	}
	var nilBundle *Bundle
	if got := nilBundle.T(En, "portal.title"); got != "portal.title" || nilBundle.Has("x") || nilBundle.Keys() != nil {
		t.Errorf("nil Bundle: T = %q", got)
	}
}

func TestExpand(t *testing.T) {
	count := int64(1234)
	tests := []struct {
		text  string
		args  []any
		count *int64
		want  string
	}{
		{"", nil, nil, ""},
		{"plain", []any{1}, nil, "plain"},
		{"{0}{1}{0}", []any{"a", "b"}, nil, "aba"},
		{"{1} then {0}", []any{"a", 2.5}, nil, "2.5 then a"},
		{"{10}", []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "ten"}, nil, "ten"},
		{"{2}", []any{"a"}, nil, "{2}"},
		{"{n} of {0}", []any{"x"}, &count, "1,234 of x"},
		{"{n}", nil, nil, "{n}"},
		{"{x} {} {0", []any{"a"}, nil, "{x} {} {0"},
		{"{{0}}", []any{"a"}, nil, "{a}"},
		{"{-1} {0001}", []any{"a"}, nil, "{-1} {0001}"},
		{"{0}", []any{nil}, nil, "<nil>"},
	}
	for _, tt := range tests {
		if got := expand(tt.text, En, tt.args, tt.count); got != tt.want {
			t.Errorf("expand(%q, %v) = %q, want %q", tt.text, tt.args, got, tt.want)
		}
	}
}

func TestN(t *testing.T) {
	b := mustLoad(t)
	tests := []struct {
		loc  Locale
		key  string
		n    int
		args []any
		want string
	}{
		{En, "portal.services", 0, nil, "0 services"},
		{En, "portal.services", 1, nil, "1 service"},
		{En, "portal.services", 2, nil, "2 services"},
		{En, "portal.services", -1, nil, "-1 service"},
		{En, "portal.services", 1500, nil, "1,500 services"},
		{UzLatn, "portal.services", 1, nil, "1 ta xizmat"},
		{UzLatn, "portal.services", 700, nil, "700 ta xizmat"},
		{UzLatn, "portal.services", 12000, nil, "12\u00a0000 ta xizmat"},
		{UzCyrl, "portal.services", 3, nil, "3 та хизмат"},
		{Ru, "portal.services", 1, nil, "1 услуга"},
		{Ru, "portal.services", 2, nil, "2 услуги"},
		{Ru, "portal.services", 5, nil, "5 услуг"},
		{Ru, "portal.services", 11, nil, "11 услуг"},
		{Ru, "portal.services", 21, nil, "21 услуга"},
		{Ru, "portal.services", 22, nil, "22 услуги"},
		{Ru, "portal.services", 25, nil, "25 услуг"},
		{Ru, "portal.services", 111, nil, "111 услуг"},
		{Ru, "portal.services", 112, nil, "112 услуг"},
		{Ru, "portal.services", 1001, nil, "1\u00a0001 услуга"},
		{Ru, "portal.found", 3, []any{"«паспорт»"}, "По запросу «паспорт» найдено 3 результата"},
		{En, "portal.found", 1, []any{"passport"}, "1 result for passport"},
		{En, "portal.hello", 5, []any{"Aziza"}, "Welcome, Aziza!"}, // plain key
		{Locale("de"), "portal.services", 2, nil, "2 ta xizmat"},
		{En, "portal.missing", 2, nil, "portal.missing"},
	}
	for _, tt := range tests {
		if got := b.N(tt.loc, tt.key, tt.n, tt.args...); got != tt.want {
			t.Errorf("N(%s, %q, %d) = %q, want %q", tt.loc, tt.key, tt.n, got, tt.want)
		}
	}
}

func TestPluralCategory(t *testing.T) {
	tests := []struct {
		loc  Locale
		n    int64
		want category
	}{
		{Ru, 0, catMany},
		{Ru, 1, catOne},
		{Ru, 2, catFew},
		{Ru, 4, catFew},
		{Ru, 5, catMany},
		{Ru, 11, catMany},
		{Ru, 12, catMany},
		{Ru, 14, catMany},
		{Ru, 21, catOne},
		{Ru, 22, catFew},
		{Ru, 25, catMany},
		{Ru, 101, catOne},
		{Ru, 111, catMany},
		{Ru, 112, catMany},
		{Ru, 122, catFew},
		{Ru, 1000001, catOne},
		{Ru, -1, catOne},
		{Ru, -22, catFew},
		{Ru, -9223372036854775808, catMany},
		{En, 0, catOther},
		{En, 1, catOne},
		{En, 2, catOther},
		{En, 21, catOther},
		{En, -1, catOne},
		{UzLatn, 1, catOne},
		{UzLatn, 0, catOther},
		{UzLatn, 21, catOther},
		{UzCyrl, 1, catOne},
		{UzCyrl, 2, catOther},
	}
	for _, tt := range tests {
		if got := pluralCategory(tt.loc, tt.n); got != tt.want {
			t.Errorf("pluralCategory(%s, %d) = %s, want %s", tt.loc, tt.n, got, tt.want)
		}
	}
	for c := range numCategories {
		if got, ok := parseCategory(c.String()); !ok || got != c {
			t.Errorf("parseCategory(%q) = %v, %v", c, got, ok)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(`{"k": "v {0}", "p": {"one": "{n}", "other": "{n}s"}}`)
	f.Add(`{"k": {"one": 1}}`)
	f.Add(`{"k": "v"} x`)
	f.Fuzz(func(t *testing.T, data string) {
		fsys := catalog(map[string]string{"uz-Latn.json": data, "uz-Cyrl.json": data, "ru.json": data, "en.json": data})
		b, err := Load(fsys)
		if err != nil {
			return
		}
		for _, k := range b.Keys() {
			for _, l := range All() {
				b.T(l, k, "x")
				b.N(l, k, 3, "x")
			}
		}
	})
}
