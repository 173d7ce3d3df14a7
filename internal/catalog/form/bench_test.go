package form

import (
	"net/url"
	"testing"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// BenchmarkParse measures parsing and compiling the largest example, which
// a node does once per form version.
func BenchmarkParse(b *testing.B) {
	src := Examples()["birth_certificate_duplicate"]
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubmit measures what a node does for each posted page.
func BenchmarkSubmit(b *testing.B) {
	f := testForm(b)
	post := url.Values{"name": {"Ali"}, "age": {"30"}, "kind": {"other"}, "other": {"Matn"}, "agree": {"false", "true"},
		"phone": {"90 123 45 67"}, "has_car": {"false", "true"}, "car.plate": {"01A123BC"}, "car.model": {"Cobalt"}}
	for b.Loop() {
		if _, errs := f.Validate(f.FromPost(post), i18n.Ru); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
