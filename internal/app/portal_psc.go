package app

import (
	"context"
	"database/sql"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/notify"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/portal"
)

// pscCitizens finds the people public service centres serve in the
// identity register and texts them their codes.
type pscCitizens struct {
	accounts *identity.Service
	messages *notify.Service
	rd       *web.Renderer
}

// ByPINFL returns the person with the PINFL.
func (c pscCitizens) ByPINFL(ctx context.Context, pinfl string) (portal.Citizen, error) {
	u, err := c.accounts.FindUserByPINFL(ctx, pinfl)
	if err != nil {
		return portal.Citizen{}, err
	}
	return portal.Citizen{UserID: u.ID, PINFL: u.PINFL, Name: u.FullName(), Phone: u.Phone}, nil
}

// SendCode texts the code to the person in their language.
func (c pscCitizens) SendCode(ctx context.Context, tx *sql.Tx, who portal.Citizen, code string) error {
	u, err := c.accounts.FindUserByID(ctx, who.UserID)
	if err != nil {
		return err
	}
	loc, _ := i18n.ParseLocale(u.Locale)
	return c.messages.SendSMS(ctx, tx, u.Phone, c.rd.T(loc, "portal.psc.sms", code))
}

// pscOperators tells the centre's desk who the signed-in operator is.
type pscOperators struct{}

// Operator is the signed-in operator and their browser session.
func (pscOperators) Operator(ctx context.Context) (string, string, bool) {
	p := identity.FromContext(ctx)
	if p == nil || p.Session == nil || !p.Can(identity.PermAssistCitizen, "") {
		return "", "", false
	}
	return p.User.ID, p.Session.ID, true
}
