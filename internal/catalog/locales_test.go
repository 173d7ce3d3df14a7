package catalog_test

import (
	"fmt"
	"testing"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
)

// TestEveryMessageIsTranslated checks the keys the templates name and the
// ones they build: statuses, recipients, levels and channels.
func TestEveryMessageIsTranslated(t *testing.T) {
	b, err := i18n.Load(web.Locales(), catalog.Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, b, catalog.Templates())
	var keys []string
	for _, s := range []catalog.Status{catalog.StatusPlanned, catalog.StatusDigitising, catalog.StatusLive, catalog.StatusSuspended, catalog.StatusRetired} {
		keys = append(keys, "catalog.status."+string(s))
	}
	for _, r := range []string{"citizen", "business", "both"} {
		keys = append(keys, "catalog.recipients."+r)
	}
	for l := catalog.LevelInformation; l <= catalog.LevelProactive; l++ {
		keys = append(keys, fmt.Sprintf("catalog.level.%d", l))
	}
	for _, c := range []string{"portal", "mobile", "psc", "office"} {
		keys = append(keys, "catalog.channel."+c)
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}
}
