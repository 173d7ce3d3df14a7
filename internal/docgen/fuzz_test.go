package docgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// FuzzRender renders documents with arbitrary texts: control characters,
// invalid UTF-8, characters outside the font and huge values must give a PDF
// or an EINVALID error, never a panic.
func FuzzRender(f *testing.F) {
	f.Add("Title", "Label", "Value", "https://egov.example/v/1")
	f.Add("\x00\x01\x1b[31m", "\t\r\n\u0085\u2028", "\xff\xfe\xc3", "https://egov.example/v/\x00")
	f.Add("😀👨‍👩‍👧🇺🇿", "\u202eevil\u202c", "中文 日本語 한국어 עברית العربية", "http://x/😀")
	f.Add(strings.Repeat("Sarlavha ", 200), strings.Repeat("Maydon", 500),
		strings.Repeat("Qoʻshimcha maʼlumot\n", 400), "https://egov.example/"+strings.Repeat("a", 400))
	f.Add(strings.Repeat("W", 3000), strings.Repeat("\n", 2000), strings.Repeat("ш", 4000), "https://x")
	f.Fuzz(func(t *testing.T, title, label, value, verify string) {
		d := sample(i18n.UzCyrl)
		d.Title = title
		d.Officer = label + value
		d.VerifyURL = verify
		d.Fields = append(d.Fields, Field{label, value}, Field{value, label})
		pdf, err := Render(d)
		if err != nil {
			if !apperr.Is(err, apperr.EINVALID) {
				t.Fatalf("err = %v, want a PDF or %s", err, apperr.EINVALID)
			}
			return
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatal("output is not a PDF")
		}
	})
}
