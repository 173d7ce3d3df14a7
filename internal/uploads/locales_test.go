package uploads_test

import (
	"testing"

	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/uploads"
)

func TestEveryMessageIsTranslated(t *testing.T) {
	b, err := i18n.Load(web.Locales(), uploads.Locales())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{uploads.MsgTooLargeMB, uploads.MsgTooLargeKB, uploads.MsgEmpty, uploads.MsgType,
		uploads.MsgMismatch, uploads.MsgInfected, uploads.MsgUnknown, uploads.MsgClaimed, uploads.MsgNoFile, "error.not_found"} {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}
	if got := b.T(i18n.Locale("en"), uploads.MsgMismatch, "PDF", "PNG"); got != "The file was sent as PDF, but its content is PNG. Check that you chose the right file." {
		t.Errorf("mismatch reads %q", got)
	}
}
