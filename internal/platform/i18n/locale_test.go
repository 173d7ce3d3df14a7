package i18n

import (
	"slices"
	"strings"
	"testing"
)

func TestLocaleNames(t *testing.T) {
	tests := []struct {
		loc          Locale
		native, html string
	}{
		{UzLatn, "Oʻzbekcha", "uz-Latn"},
		{UzCyrl, "Ўзбекча", "uz-Cyrl"},
		{Ru, "Русский", "ru"},
		{En, "English", "en"},
	}
	if got := All(); !slices.Equal(got, []Locale{UzLatn, UzCyrl, Ru, En}) {
		t.Fatalf("All() = %v", got)
	}
	if Default != UzLatn || All()[0] != Default {
		t.Errorf("Default = %q, want uz-Latn first in All", Default)
	}
	for i, tt := range tests {
		if got := tt.loc.NativeName(); got != tt.native {
			t.Errorf("%s.NativeName() = %q, want %q", tt.loc, got, tt.native)
		}
		if got := tt.loc.HTMLLang(); got != tt.html {
			t.Errorf("%s.HTMLLang() = %q, want %q", tt.loc, got, tt.html)
		}
		if got := tt.loc.String(); got != string(tt.loc) {
			t.Errorf("String() = %q", got)
		}
		if idx, ok := tt.loc.index(); !ok || idx != i {
			t.Errorf("%s.index() = %d, %v", tt.loc, idx, ok)
		}
	}
	if got := Locale("fr").NativeName(); got != "fr" {
		t.Errorf(`Locale("fr").NativeName() = %q`, got)
	}
}

func TestParseLocale(t *testing.T) {
	tests := []struct {
		in   string
		want Locale // "" for not supported
	}{
		{"uz-Latn", UzLatn},
		{"UZ-LATN", UzLatn},
		{"uz-latn", UzLatn},
		{"uz", UzLatn},
		{"uz-UZ", UzLatn},
		{"uz-Latn-UZ", UzLatn},
		{"uz-Cyrl", UzCyrl},
		{"uz-cyrl", UzCyrl},
		{"uz-Cyrl-UZ", UzCyrl},
		{"ru", Ru},
		{"RU", Ru},
		{"ru-RU", Ru},
		{"ru-UZ", Ru},
		{"ru-Cyrl-RU", Ru},
		{"en", En},
		{"en-US", En},
		{"en-GB", En},
		{"en-001", En},
		{"en-Latn-US", En},
		{"en-US-x-twain", En},
		{"en-GB-oxendict", En},
		{"en-US-u-ca-gregory", En},
		{"", ""},
		{"uz-", ""},
		{"-uz", ""},
		{"uz--Latn", ""},
		{"uz-Arab", ""},
		{"uz-Arab-AF", ""},
		{"ru-Latn", ""},
		{"en-Cyrl", ""},
		{"uz-UZ-Cyrl", ""}, // script after region is not BCP 47
		{"uz_UZ", ""},
		{"uzb", ""},
		{"oz", ""},
		{"fr", ""},
		{"de-DE", ""},
		{"*", ""},
		{"en-x", ""},
		{"en-u", ""},
		{"en-u-x", ""},
		{"en-US-toolongsubtag", ""},
		{"en ", ""},
		{"en-" + strings.Repeat("abcdefgh-", 10) + "x", ""},
	}
	for _, tt := range tests {
		got, ok := ParseLocale(tt.in)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("ParseLocale(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, l := range All() {
		if got, ok := ParseLocale(l.String()); !ok || got != l {
			t.Errorf("ParseLocale(%q) = %q, %v", l, got, ok)
		}
	}
}

func FuzzParseLocale(f *testing.F) {
	for _, s := range []string{"uz-Latn", "uz-Cyrl-UZ", "ru-RU", "en-US-x-twain", "en-u-ca-gregory", "uz-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := ParseLocale(s)
		if !ok {
			return
		}
		if _, known := l.index(); !known {
			t.Fatalf("ParseLocale(%q) = unsupported %q", s, l)
		}
		if again, ok := ParseLocale(l.String()); !ok || again != l {
			t.Fatalf("ParseLocale(%q) = %q, but that does not parse back", s, l)
		}
	})
}

func TestFromAcceptLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   Locale
	}{
		{"", Default},
		{"ru", Ru},
		{"ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", Ru},
		{"en-US,en;q=0.9,uz;q=0.8", En},
		{"uz-Cyrl-UZ, uz;q=0.5", UzCyrl},
		{"uz", UzLatn},
		{"UZ-CYRL", UzCyrl},
		{"en;q=0.5, ru;q=0.8", Ru},
		{"en;q=0.8, ru;q=0.8", En},        // equal weights: header order
		{"de-DE, fr;q=0.9, ru;q=0.1", Ru}, // unsupported ranges are skipped
		{"fr-FR, de", Default},
		{"uz-Arab-AF", UzLatn}, // lookup falls back to uz
		{"en-US-x-twain", En},
		{"*", Default},
		{"fr, *;q=0.1", Default},
		{"*, uz-Latn;q=0", UzCyrl},                   // uz-Latn refused, * takes the next
		{"uz;q=0.1, *", Ru},                          // * means anything not named
		{"uz-Latn;q=0, uz", UzCyrl},                  // uz still matches uz-Cyrl
		{"uz;q=0, ru;q=0.5", Ru},                     // uz refuses both Uzbek locales
		{"ru;q=0", Default},                          // nothing acceptable
		{"ru-RU;q=0, ru;q=0.5", Ru},                  // refusing ru-RU leaves generic ru
		{" en ;q=0.5 ,\t ru ; q=0.6 ", Ru},           // optional white space
		{"en;Q=0.5, ru;q=0.4", En},                   // parameter name case
		{"en;q=1.000, ru;q=0.999", En},               // three decimals
		{",,, ru", Ru},                               // empty elements
		{"ru;q=2, en", En},                           // weight out of range: element ignored
		{"ru;q=0.1234, en;q=0.1", En},                // four decimals: element ignored
		{"ru;q=1.001, en;q=0.1", En},                 // above 1
		{"ru;q=, en;q=0.1", En},                      // empty weight
		{"ru;q=abc, en;q=0.1", En},                   // not a number
		{"ru;level=1, en;q=0.1", En},                 // unknown parameter
		{"ru;q=0.5;x=1, en;q=0.1", En},               // extra parameter
		{"r@u, en;q=0.1", En},                        // bad range syntax
		{"ru-, en;q=0.1", En},                        // empty subtag
		{"abcdefghi, en;q=0.1", En},                  // primary subtag too long
		{"\x00\xff;;;==,", Default},                  // garbage
		{"ru\u00a0, en;q=0.1", En},                   // non-ASCII white space is no OWS
		{strings.Repeat("x-", 5000) + "ru", Default}, // no comma within the limit
		{"ru," + strings.Repeat(" ", 5000) + ",en", Ru},
		{strings.Repeat("fr,", 2000) + "ru", Default},        // past the limits
		{strings.Repeat("fr,", 31) + "ru", Ru},               // the 32nd element counts
		{strings.Repeat("fr,", 32) + "ru", Default},          // the 33rd does not
		{strings.Repeat(";,", 100) + "en", Default},          // malformed elements count
		{"en-" + strings.Repeat("abcdefgh-", 400) + "x", En}, // long range, cheap lookup
	}
	for _, tt := range tests {
		if got := FromAcceptLanguage(tt.header); got != tt.want {
			t.Errorf("FromAcceptLanguage(%.60q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func FuzzFromAcceptLanguage(f *testing.F) {
	for _, s := range []string{
		"ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7",
		"uz-Cyrl-UZ, uz;q=0.5, *;q=0.1",
		"*, uz-Latn;q=0",
		"en;q=0.5, ru;q=1.000",
		"",
		"\xff;q=0.1,,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := FromAcceptLanguage(header)
		if _, ok := got.index(); !ok {
			t.Fatalf("FromAcceptLanguage(%q) = unsupported %q", header, got)
		}
		if again := FromAcceptLanguage(header); again != got {
			t.Fatalf("FromAcceptLanguage(%q) gave %q, then %q", header, got, again)
		}
	})
}

func BenchmarkFromAcceptLanguage(b *testing.B) {
	for b.Loop() {
		FromAcceptLanguage("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7")
	}
}
