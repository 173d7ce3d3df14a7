package translit

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// words pairs canonical Latin spellings (U+02BB in oʻ/gʻ, U+02BC for the
// tutuq) with their Cyrillic spellings. Each pair converts both ways.
var words = []struct{ lat, cyr string }{
	{"Oʻzbekiston", "Ўзбекистон"},
	{"Toshkent", "Тошкент"},
	{"shahar", "шаҳар"},
	{"choy", "чой"},
	{"gʻalaba", "ғалаба"},
	{"yoshlar", "ёшлар"},
	{"yulduz", "юлдуз"},
	{"yangi", "янги"},
	{"yer", "ер"},
	{"poyezd", "поезд"},
	{"qayerda", "қаерда"},
	{"eshik", "эшик"},
	{"maktab", "мактаб"},
	{"maʼno", "маъно"},
	{"sanʼat", "санъат"},
	{"masʼuliyat", "масъулият"},
	{"Isʼhoq", "Исҳоқ"},
	{"oila", "оила"},
	{"mehnat", "меҳнат"},
	{"sirk", "сирк"},
	{"litsey", "лицей"},
	{"militsiya", "милиция"},
	{"revolyutsiya", "революция"},
	{"protsent", "процент"},
	{"ketsa", "кетса"},
	{"otsiz", "отсиз"},
	{"tayyor", "тайёр"},
	{"dunyo", "дунё"},
	{"Ilyos", "Илёс"},
	{"kelyapti", "келяпти"},
	{"jamiyat", "жамият"},
	{"yoʻl", "йўл"},
	{"Yangiyoʻl", "Янгийўл"},
	{"qishloq", "қишлоқ"},
	{"xalq", "халқ"},
	{"hokimiyat", "ҳокимият"},
	{"Samarqand", "Самарқанд"},
	{"Fargʻona", "Фарғона"},
	{"Buxoro", "Бухоро"},
	{"Xorazm", "Хоразм"},
	{"Qoraqalpogʻiston", "Қорақалпоғистон"},
	{"Andijon", "Андижон"},
	{"Mirzo Ulugʻbek", "Мирзо Улуғбек"},
	{"tong", "тонг"},
	{"shoir", "шоир"},
	{"Navoiy", "Навоий"},
	{"oʻqituvchi", "ўқитувчи"},
	{"bogʻ", "боғ"},
	{"togʻ", "тоғ"},
	{"eʼlon", "эълон"},
	{"taʼlim", "таълим"},
	{"sheʼr", "шеър"},
	{"mashʼal", "машъал"},
	{"moʻʼjiza", "мўъжиза"},
	{"obyekt", "объект"},
	{"syezd", "съезд"},
	{"aeroport", "аэропорт"},
	{"poeziya", "поэзия"},
	{"Yevropa", "Европа"},
	{"murojaat", "мурожаат"},
	{"guvohnoma", "гувоҳнома"},
	{"Toshkent shahri", "Тошкент шаҳри"},
	{"Vazirlar Mahkamasi", "Вазирлар Маҳкамаси"},
	{"Yagona interaktiv davlat xizmatlari portali", "Ягона интерактив давлат хизматлари портали"},
	{"elektron hukumat", "электрон ҳукумат"},
	{"OʻZBEKISTON RESPUBLIKASI", "ЎЗБЕКИСТОН РЕСПУБЛИКАСИ"},
	{"SHAHAR", "ШАҲАР"},
	{"YUNESKO", "ЮНЕСКО"},
	{"Yoshlar", "Ёшлар"},
	{"CHORSU", "ЧОРСУ"},
	{"Chorsu", "Чорсу"},
	{"OʻzR", "ЎзР"},
	{"MAʼNO", "МАЪНО"},
	{"TOSH", "ТОШ"},
	{"Sh. Rashidov", "Ш. Рашидов"},
	{"2026-yil 1-yanvar, 09:00!", "2026-йил 1-январ, 09:00!"},
}

func TestToCyrillic(t *testing.T) {
	for _, w := range words {
		if got := ToCyrillic(w.lat); got != w.cyr {
			t.Errorf("ToCyrillic(%q) = %q, want %q", w.lat, got, w.cyr)
		}
	}
	tests := []struct{ in, want string }{
		// Every apostrophe variant after o and g, and as the tutuq.
		{"O'zbekiston", "Ўзбекистон"},
		{"O`zbekiston", "Ўзбекистон"},
		{"O‘zbekiston", "Ўзбекистон"},
		{"O’zbekiston", "Ўзбекистон"},
		{"Oʼzbekiston", "Ўзбекистон"},
		{"g'alaba", "ғалаба"},
		{"ma'no", "маъно"},
		{"san’at", "санъат"},
		{"san`at", "санъат"},
		{"Is'hoq", "Исҳоқ"},
		{"Is‘hoq", "Исҳоқ"},
		{"ISʼHOQ", "ИСҲОҚ"},
		{"mo'’jiza", "мўъжиза"},
		// Case: a digraph takes the case of its first letter.
		{"ShAHAR", "ШАҲАР"},
		{"Shahar", "Шаҳар"},
		{"ChORSU", "ЧОРСУ"},
		{"YoSHLAR", "ЁШЛАР"},
		{"OBYEKT", "ОБЪЕКТ"},
		{"yER", "еР"},
		// ts: ц at word start and in loan-word endings, тс elsewhere.
		{"tsirk", "цирк"},
		{"Tsirk", "Цирк"},
		{"natsional", "национал"},
		{"patsiyent", "пациент"},
		{"aytsin", "айтсин"},
		{"konsert", "консерт"},
		// Apostrophes that are quotation marks stay.
		{"'salom'", "'салом'"},
		{"‘Toshkent’", "‘Тошкент’"},
		{"manʼ etilgan", "манъ этилган"},
		// Letters outside the Uzbek alphabet and other text pass through.
		{"Windows", "Windows"},
		{"Coca-Cola", "Coca-Cola"},
		{"Uzcard va Humo", "Uzcard ва Ҳумо"},
		{"Müller", "Müller"},
		{"'Click'", "'Click'"},
		{"Toshкент", "Toshкент"},
		{"Ўcw", "Ўcw"},
		{"Ўзбек", "Ўзбек"},
		{"", ""},
		{"\xff", "\uFFFD"},
	}
	for _, tt := range tests {
		if got := ToCyrillic(tt.in); got != tt.want {
			t.Errorf("ToCyrillic(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestToLatin(t *testing.T) {
	for _, w := range words {
		if got := ToLatin(w.cyr); got != w.lat {
			t.Errorf("ToLatin(%q) = %q, want %q", w.cyr, got, w.lat)
		}
	}
	tests := []struct{ in, want string }{
		{"цирк", "sirk"},
		{"Цирк", "Sirk"},
		{"концерт", "konsert"},
		{"ЛИЦЕЙ", "LITSEY"},
		{"ЕР", "YER"},
		{"ЁШ", "YOSH"},
		{"Ю", "Yu"},
		{"Ч.Айтматов", "Ch.Aytmatov"},
		{"ЎЗБЕК", "OʻZBEK"},
		{"ҒАЛАБА", "GʻALABA"},
		{"ЯНГИ ЙЎЛ", "YANGI YOʻL"},
		{"июнь", "iyun"},
		{"ателье", "atelye"},
		{"Щука", "Shchuka"},
		{"ЩИ", "SHCHI"},
		{"Рыба", "Riba"},
		{"район", "rayon"},
		{"Tashkent 2026", "Tashkent 2026"},
		{"Київ", "Kiїv"},
		{"", ""},
		{"\xff", "\uFFFD"},
	}
	for _, tt := range tests {
		if got := ToLatin(tt.in); got != tt.want {
			t.Errorf("ToLatin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRoundTrip checks that Latin text, however its apostrophes are typed,
// comes back from Cyrillic in its canonical spelling.
func TestRoundTrip(t *testing.T) {
	for _, w := range words {
		if got := ToLatin(ToCyrillic(w.lat)); got != w.lat {
			t.Errorf("ToLatin(ToCyrillic(%q)) = %q", w.lat, got)
		}
		if got := ToCyrillic(ToLatin(w.cyr)); got != w.cyr {
			t.Errorf("ToCyrillic(ToLatin(%q)) = %q", w.cyr, got)
		}
	}
	typed := []struct{ in, want string }{
		{"O'zbekiston", "Oʻzbekiston"},
		{"O‘zbekiston", "Oʻzbekiston"},
		{"G`ulom", "Gʻulom"},
		{"ma'no", "maʼno"},
		{"san’at", "sanʼat"},
		{"Is'hoq", "Isʼhoq"},
		{"mo‘’jiza", "moʻʼjiza"},
	}
	for _, tt := range typed {
		if got := ToLatin(ToCyrillic(tt.in)); got != tt.want {
			t.Errorf("ToLatin(ToCyrillic(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	groups := []struct {
		key   string
		texts []string
	}{
		{"ozbekiston", []string{"Oʻzbekiston", "O'zbekiston", "O‘zbekiston", "O’zbekiston", "O`zbekiston", "Oʼzbekiston", "Ozbekiston", "Ўзбекистон", "ЎЗБЕКИСТОН", "OʻZBEKISTON"}},
		{"galaba", []string{"gʻalaba", "g'alaba", "ғалаба", "Ғалаба", "Galaba"}},
		{"mano", []string{"maʼno", "ma'no", "маъно", "mano"}},
		{"ishoq", []string{"Isʼhoq", "Is'hoq", "Исҳоқ", "Ishoq"}},
		{"poyezd", []string{"poyezd", "поезд", "POYEZD"}},
		{"sirk", []string{"sirk", "tsirk", "цирк", "Tsirk"}},
		{"litsey", []string{"litsey", "лицей"}},
		{"obyekt", []string{"obyekt", "объект"}},
		{"toshkent shahri", []string{"Toshkent shahri", "  Тошкент \t\n шаҳри ", "TOSHKENT SHAHRI"}},
		{"yagona portal", []string{"Yagona   portal", "Ягона портал"}},
		{"2026-yil", []string{"2026-yil", "2026-йил"}},
		{"", []string{"", "   ", "'", "ʼ ʻ"}},
	}
	for _, g := range groups {
		for _, s := range g.texts {
			if got := Fold(s); got != g.key {
				t.Errorf("Fold(%q) = %q, want %q", s, got, g.key)
			}
		}
	}
}

// TestCaseFastPaths checks toLower and toUpper against package unicode over
// the Latin and Cyrillic blocks, where their fast paths are.
func TestCaseFastPaths(t *testing.T) {
	for r := rune(0); r < 0x530; r++ {
		if got, want := toLower(r), unicode.ToLower(r); got != want {
			t.Errorf("toLower(%U) = %U, want %U", r, got, want)
		}
		if got, want := toUpper(r), unicode.ToUpper(r); got != want {
			t.Errorf("toUpper(%U) = %U, want %U", r, got, want)
		}
	}
}

// checkUTF8 fails the test if any of the named outputs is invalid UTF-8.
func checkUTF8(t *testing.T, in string, outs map[string]string) {
	t.Helper()
	for name, out := range outs {
		if !utf8.ValidString(out) {
			t.Fatalf("%s(%q) = %q is not valid UTF-8", name, in, out)
		}
	}
}

func FuzzToCyrillic(f *testing.F) {
	for _, w := range words {
		f.Add(w.lat)
	}
	f.Add("s'h o' g` ts tse tsiy ye 'e' ʼ")
	f.Fuzz(func(t *testing.T, s string) {
		c := ToCyrillic(s)
		checkUTF8(t, s, map[string]string{"ToCyrillic": c, "ToLatin∘ToCyrillic": ToLatin(c)})
		// Script independence holds for text typed in Uzbek Latin with
		// ASCII letters, spaces and any apostrophes. Most fuzz inputs are
		// not such text, so each is also mapped onto that alphabet.
		for _, l := range []string{s, typedLatin(s)} {
			if !isTypedLatin(l) {
				continue
			}
			if a, b := Fold(ToCyrillic(l)), Fold(l); a != b {
				t.Fatalf("Fold(ToCyrillic(%q)) = %q, Fold(%q) = %q", l, a, l, b)
			}
		}
	})
}

// latinKeys is what Uzbek Latin is typed with: ASCII letters, space and the
// apostrophe variants.
const latinKeys = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ '`ʻʼ‘’"

// isTypedLatin reports whether s holds only runes from latinKeys.
func isTypedLatin(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(latinKeys, r) {
			return false
		}
	}
	return true
}

// typedLatin maps each byte of s onto a rune of latinKeys.
func typedLatin(s string) string {
	keys := []rune(latinKeys)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(keys[int(s[i])%len(keys)])
	}
	return b.String()
}

func FuzzToLatin(f *testing.F) {
	for _, w := range words {
		f.Add(w.cyr)
	}
	f.Add("ЪЕ цц ЩЬ ы сҳ Ё")
	f.Fuzz(func(t *testing.T, s string) {
		l := ToLatin(s)
		checkUTF8(t, s, map[string]string{"ToLatin": l, "ToCyrillic∘ToLatin": ToCyrillic(l)})
	})
}

func FuzzFold(f *testing.F) {
	for _, w := range words {
		f.Add(w.lat)
		f.Add(w.cyr)
	}
	f.Add(" \t tsirk  ЦИРК\u00a0'ts ")
	f.Fuzz(func(t *testing.T, s string) {
		k := Fold(s)
		checkUTF8(t, s, map[string]string{"Fold": k})
		if again := Fold(k); again != k {
			t.Fatalf("Fold(%q) = %q, but Fold(%q) = %q", s, k, k, again)
		}
		if strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") {
			t.Fatalf("Fold(%q) = %q has stray spaces", s, k)
		}
		if c := ToCyrillic(s); isTypedLatin(s) && Fold(c) != k {
			t.Fatalf("Fold(ToCyrillic(%q)) = %q, want %q", s, Fold(c), k)
		}
	})
}

// benchText is a typical service description in Latin Uzbek.
const benchText = "Oʻzbekiston Respublikasi Yagona interaktiv davlat xizmatlari portali orqali " +
	"fuqarolar va tadbirkorlik subyektlari davlat organlariga murojaat yuborishi, " +
	"ariza holatini kuzatishi va elektron guvohnoma olishi mumkin. Maʼlumotlar himoyalangan."

func BenchmarkToCyrillic(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		ToCyrillic(benchText)
	}
}

func BenchmarkToLatin(b *testing.B) {
	cyr := ToCyrillic(benchText)
	b.SetBytes(int64(len(cyr)))
	for b.Loop() {
		ToLatin(cyr)
	}
}

func BenchmarkFold(b *testing.B) {
	cyr := ToCyrillic(benchText)
	b.SetBytes(int64(len(cyr)))
	for b.Loop() {
		Fold(cyr)
	}
}
