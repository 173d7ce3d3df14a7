// Package webtest holds checks that every module's tests share: that each
// message key its templates use exists in the catalogs.
package webtest

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// keyUse finds translation calls in templates: {{.T "key"}}, {{.Tf "key" …}},
// {{$.N "key" …}}.
var keyUse = regexp.MustCompile(`\.(?:T|Tf|N)\s+"([^"]+)"`)

// AssertTemplateKeys fails the test for every message key used by a template
// (*.html) in fsys that the bundle does not define.
func AssertTemplateKeys(t *testing.T, b *i18n.Bundle, fsys fs.FS) {
	t.Helper()
	n := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !regexpHTML.MatchString(p) {
			return err
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		for _, m := range keyUse.FindAllStringSubmatch(string(src), -1) {
			n++
			if !b.Has(m[1]) {
				t.Errorf("%s uses message key %q, which no catalog defines", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("no message keys found in templates; is the folder right?")
	}
}

var regexpHTML = regexp.MustCompile(`\.html$`)
