package bpmn_test

import (
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// TestEveryMessageIsTranslated checks that the catalogs load (every key
// in all four languages) and hold exactly the keys the parser reports.
func TestEveryMessageIsTranslated(t *testing.T) {
	b, err := i18n.Load(bpmn.Locales())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range bpmn.MessageKeys {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}
	for _, k := range b.Keys() {
		if !strings.HasPrefix(k, "workflow.bpmn.") {
			t.Errorf("key %q is outside workflow.bpmn.", k)
		}
	}
	if n, m := len(b.Keys()), len(bpmn.MessageKeys); n != m {
		t.Errorf("catalog has %d keys, the parser %d", n, m)
	}
	// The messages take no arguments: the generic error page translates
	// apperr Fields without them.
	for _, k := range b.Keys() {
		for _, loc := range i18n.All() {
			if text := b.T(loc, k); strings.Contains(text, "{0}") {
				t.Errorf("%s %s has a placeholder: %q", loc, k, text)
			}
		}
	}
}
