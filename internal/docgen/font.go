package docgen

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-fonts/liberation/liberationsansbold"
	"github.com/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font/sfnt"
)

// The text face is Liberation Sans (SIL Open Font License 1.1), embedded as
// a subset of the glyphs used. Unlike the Go fonts, it has the Cyrillic
// letters of Uzbek (ў қ ғ ҳ) and the modifier letters ʻ (U+02BB) and
// ʼ (U+02BC) of Uzbek Latin, so no text needs to be rewritten to be shown.
const family = "LiberationSans"

// missing stands in for a character the font cannot show, so that a gap in a
// name or an address is visible on the document rather than silently lost.
const missing = '□'

// faces is the font data, regular and bold, checked for coverage by glyphs.
type faces struct {
	regular, bold *sfnt.Font
}

// embeddedFaces are the embedded fonts, parsed once: they never change,
// and an sfnt.Font is safe for concurrent use.
var embeddedFaces = sync.OnceValues(loadFaces)

// loadFaces parses the embedded fonts to look up which runes they cover.
func loadFaces() (faces, error) {
	r, err := sfnt.Parse(liberationsansregular.TTF)
	if err != nil {
		return faces{}, fmt.Errorf("parse regular font: %w", err)
	}
	b, err := sfnt.Parse(liberationsansbold.TTF)
	if err != nil {
		return faces{}, fmt.Errorf("parse bold font: %w", err)
	}
	return faces{regular: r, bold: b}, nil
}

// has reports whether both faces have a glyph for r. The PDF writer handles
// only the Basic Multilingual Plane, so runes beyond it never count.
func (fs faces) has(buf *sfnt.Buffer, r rune) bool {
	if r > 0xFFFF {
		return false
	}
	for _, f := range []*sfnt.Font{fs.regular, fs.bold} {
		if i, err := f.GlyphIndex(buf, r); err != nil || i == 0 {
			return false
		}
	}
	return true
}

// clean makes s drawable: line breaks become "\n" where multiline allows
// them and spaces elsewhere, other white space a space, invisible format
// characters (zero-width and bidi marks, soft hyphen) are dropped, and
// control characters, invalid UTF-8 and characters without a glyph become
// the visible substitute.
func (fs faces) clean(s string, multiline bool) string {
	var buf sfnt.Buffer
	var b strings.Builder
	b.Grow(len(s))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(missing)
		case r == '\n' && multiline:
			b.WriteByte('\n')
		case r == '\u00a0':
			b.WriteRune(r) // keeps grouped digits together
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Cf, r):
			// dropped: invisible by design
		case unicode.IsControl(r) || !fs.has(&buf, r):
			b.WriteRune(missing)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
