package app

import (
	"context"
	"database/sql"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/notify"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/portal"
)

// pscCitizens finds the people public service centres serve in the
// identity register, texts them, and checks their e-signatures with the
// PKI.
type pscCitizens struct {
	accounts *identity.Service
	messages *notify.Service
	rd       *web.Renderer
	pki      *pki.Service
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
	return c.text(ctx, tx, who, "portal.psc.sms", code)
}

// AskToConfirm texts the person where to confirm the operator's request.
func (c pscCitizens) AskToConfirm(ctx context.Context, tx *sql.Tx, who portal.Citizen, operator string) error {
	return c.text(ctx, tx, who, "portal.psc.sms_confirm", operator)
}

// text sends the person the message key with arg, in their language.
func (c pscCitizens) text(ctx context.Context, tx *sql.Tx, who portal.Citizen, key, arg string) error {
	u, err := c.accounts.FindUserByID(ctx, who.UserID)
	if err != nil {
		return err
	}
	loc, _ := i18n.ParseLocale(u.Locale)
	return c.messages.SendSMS(ctx, tx, u.Phone, c.rd.T(loc, key, arg))
}

// SignedBy checks a signature as a sign-in with a certificate is checked.
func (c pscCitizens) SignedBy(ctx context.Context, certificate, challenge, signature []byte) (string, error) {
	return c.pki.CheckSignIn(ctx, certificate, challenge, signature)
}

// pscOperators tells the centre's desk who the signed-in operator is.
type pscOperators struct{}

// Operator is the signed-in operator and their browser session.
func (pscOperators) Operator(ctx context.Context) (portal.Operator, bool) {
	p := identity.FromContext(ctx)
	if p == nil || p.Session == nil || !p.Can(identity.PermAssistCitizen, "") {
		return portal.Operator{}, false
	}
	return portal.Operator{ID: p.User.ID, Name: p.User.DisplayName(web.Locale(ctx)), Session: p.Session.ID}, true
}
