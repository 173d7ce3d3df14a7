package docgen

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// pageTexts returns every text a document in loc can show besides the
// caller's: the fixed words, the dates of every month and the footer.
func pageTexts(loc i18n.Locale) []string {
	w := wordsFor(loc)
	texts := []string{w.Number, w.Issued, w.IssuedBy, w.DecidedBy, w.Scan, w.Signed, w.Page,
		"0123456789 / · ", string(missing)}
	for m := time.January; m <= time.December; m++ {
		texts = append(texts, i18n.FormatDate(loc, time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC)))
	}
	return texts
}

// TestGlyphCoverage checks that both faces of the embedded font have a glyph
// for every rune of the fixed words, the dates and the test documents, so
// that nothing in the four languages is drawn as the substitute.
func TestGlyphCoverage(t *testing.T) {
	fs, err := loadFaces()
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	for _, loc := range i18n.All() {
		d := sample(loc)
		texts := append(pageTexts(loc), d.Title, d.Number, d.Issuer, d.Officer, d.VerifyURL)
		for _, f := range d.Fields {
			texts = append(texts, f.Label, f.Value)
		}
		for _, s := range texts {
			for _, r := range s {
				if !fs.has(&buf, r) {
					t.Errorf("%s: no glyph for %q %U in %q", loc, r, r, s)
				}
			}
		}
	}
	// The letters that other free fonts lack, named one by one.
	for _, r := range "ўқғҳЎҚҒҲʻʼ" {
		if !fs.has(&buf, r) {
			t.Errorf("no glyph for %q %U", r, r)
		}
	}
}

func TestLabelsUzbekLatinMarks(t *testing.T) {
	for _, s := range pageTexts(i18n.UzLatn) {
		if strings.ContainsAny(s, "'`‘’") {
			t.Errorf("%q: write oʻ/gʻ with U+02BB and the tutuq with U+02BC", s)
		}
	}
}

func TestClean(t *testing.T) {
	fs, err := loadFaces()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in  string
		multiline bool
		want      string
	}{
		{"kept", "Gʻayratov Ҳусан Қўчқорович", false, "Gʻayratov Ҳусан Қўчқорович"},
		{"line break in a value", "a\r\nb\nc", true, "a\nb\nc"},
		{"line break in a title", "a\nb", false, "a b"},
		{"tab and odd spaces", "a\tb\u2028c\u3000d", true, "a b c d"},
		{"no-break space", "1\u00a0234", false, "1\u00a0234"},
		{"controls", "a\x00b\x1bc\x7fd\u0085e", false, "a□b□c□d e"},
		{"invisible format", "a\u200bb\u200dc\u202ed\ufeff", false, "abcd"},
		{"invalid UTF-8", "a\xffb", false, "a□b"},
		{"beyond the BMP", "a😀b𝔸c", false, "a□b□c"},
		{"no glyph", "a\u4e2db\uf8ffc", false, "a□b□c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fs.clean(tt.in, tt.multiline); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
