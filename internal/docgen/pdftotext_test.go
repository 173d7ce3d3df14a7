package docgen

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// TestExtractedText reads each rendered document back with pdftotext
// (poppler-utils, which CI installs) to prove that the text is really in the
// PDF, Uzbek modifier letters and Cyrillic included, and not just shapes.
// Without pdftotext it is skipped on a developer's machine and fails in CI
// (CI=true), so that CI never passes untested.
func TestExtractedText(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("pdftotext is missing: install poppler-utils (apt-get install poppler-utils)")
		}
		t.Fatal("pdftotext is missing: install poppler-utils (apt-get install poppler-utils)")
	}
	for _, loc := range i18n.All() {
		t.Run(string(loc), func(t *testing.T) {
			d := sample(loc)
			pdf, err := Render(d)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
			cmd.Stdin = bytes.NewReader(pdf)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := squash(string(out))
			w := wordsFor(loc)
			for _, want := range []string{d.Title, d.Number, d.Issuer, d.Officer, d.VerifyURL,
				d.Fields[0].Value, d.Fields[2].Value, w.Number, w.Scan, w.Signed,
				i18n.FormatDate(loc, d.IssuedAt), w.Page + " 1 / 1"} {
				if !strings.Contains(text, squash(want)) {
					t.Errorf("extracted text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// squash turns every run of white space into one space, so that a text that
// wrapped onto two lines is still found.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
