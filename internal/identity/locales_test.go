package identity_test

import (
	"testing"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/password"
	"github.com/egovuz/egov/internal/identity/pinfl"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
)

// TestEveryMessageIsTranslated checks the keys templates name literally and
// the ones they build at run time: role and basis names and the messages of
// form errors.
func TestEveryMessageIsTranslated(t *testing.T) {
	b, err := i18n.Load(web.Locales(), identity.Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, b, identity.Templates())
	keys := []string{"identity.basis.director", "identity.basis.attorney",
		pinfl.MsgPINFLLength, pinfl.MsgPINFLDigits, pinfl.MsgPINFLCentury, pinfl.MsgPINFLDate, pinfl.MsgPINFLFuture, pinfl.MsgPINFLChecksum,
		password.MsgTooShort, password.MsgTooLong, password.MsgBlank, password.MsgCommon, password.MsgPersonal}
	for _, r := range identity.Roles() {
		keys = append(keys, "identity.role."+string(r))
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}
}
