package app

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/notify"
	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/portal"
	"github.com/egovuz/egov/internal/workflow"
)

// applicationForms gives the portal's applications the catalogue's live
// services and their forms.
type applicationForms struct {
	registry *catalog.Registry
	fees     *payments.Service
}

// Service returns a live service that takes applications on the portal and
// has a back-office process; ENOTFOUND for any other.
func (f applicationForms) Service(ctx context.Context, code string) (portal.ServiceInfo, error) {
	s, err := f.registry.ServiceByCode(ctx, code)
	if err != nil {
		return portal.ServiceInfo{}, err
	}
	if !s.TakesApplications() {
		return portal.ServiceInfo{}, apperr.New(apperr.ENOTFOUND, "catalog.service.not_found")
	}
	version, err := f.registry.FormVersion(ctx, s.ID)
	if err != nil {
		return portal.ServiceInfo{}, err
	}
	// Exemptions are the passport's words for an officer to apply; the
	// applicant is asked for the full fee.
	fee, err := f.fees.Due(payments.Fee{BCAMultiple: s.Fee.BCAMultiple, FixedSum: s.Fee.FixedSum}, false)
	if err != nil {
		return portal.ServiceInfo{}, err
	}
	return portal.ServiceInfo{Code: s.Code, AgencyID: s.AgencyID, ProcessKey: s.ProcessKey, FormVersion: version, Names: s.Name,
		Recipients: s.Recipients, TermDays: s.TermDays, Fee: fee, Exemptions: s.Fee.Exemptions,
		SignatureRequired: s.SignatureRequired}, nil
}

// Form returns a version of the service's form.
func (f applicationForms) Form(ctx context.Context, code string, version int) (*form.Form, error) {
	sf, err := f.registry.Form(ctx, code, version)
	if err != nil {
		return nil, err
	}
	return sf.Form, nil
}

// applicationProcesses starts applications' processes in the workflow
// engine, once per application number.
type applicationProcesses struct{ engine *workflow.Engine }

// StartOnce starts the newest version of process key with businessKey,
// unless an instance of it with that business key exists (a retry after a
// crash between the start and its recording, or a second node running
// the same job), whose ID it returns.
func (p applicationProcesses) StartOnce(ctx context.Context, key, businessKey, agencyID string, vars map[string]any) (string, error) {
	id, err := p.engine.Start(ctx, workflow.StartRequest{Key: key, BusinessKey: businessKey, AgencyID: agencyID, Variables: vars,
		Once: true})
	if err != nil {
		return "", fmt.Errorf("start the process of application %s: %w", businessKey, err)
	}
	return id, nil
}

// applicants tells the applications who applies: the signed-in person,
// with the organisation they act for, or, for a public service centre
// operator serving an identified citizen, that citizen.
type applicants struct{ psc *portal.PSC }

// Applicant is who applies now; false for nobody.
func (a applicants) Applicant(ctx context.Context) (portal.Applicant, bool) {
	p := identity.FromContext(ctx)
	if p == nil {
		return portal.Applicant{}, false
	}
	if a.psc != nil && p.Session != nil && p.Can(identity.PermAssistCitizen, "") {
		// An operator who cannot be checked acts for nobody else.
		if s, err := a.psc.Active(ctx, p.User.ID, p.Session.ID); err == nil && s != nil {
			return portal.Applicant{UserID: s.Citizen.UserID, PINFL: s.Citizen.PINFL, Operator: p.User.ID}, true
		}
	}
	who := portal.Applicant{UserID: p.User.ID, PINFL: p.User.PINFL}
	if r := p.ActingFor; r != nil {
		who.Org = &portal.Org{ID: r.Org.ID, Name: r.Org.Name}
	}
	return who, true
}

// applicationNotifier tells applicants of their applications through
// notify, in their language, with their name and the service's title.
type applicationNotifier struct {
	accounts *identity.Service
	registry *catalog.Registry
	messages *notify.Service
}

// Prepare reads the applicant and the service, and returns what stores
// the notice of event in the caller's transaction.
func (n applicationNotifier) Prepare(ctx context.Context, userID, service, event string) (func(context.Context, *sql.Tx, map[string]string) error, error) {
	u, err := n.accounts.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	s, err := n.registry.ServiceByCode(ctx, service)
	if err != nil {
		return nil, err
	}
	loc, _ := i18n.ParseLocale(u.Locale)
	personal := map[string]string{"name": u.DisplayName(loc), "service": s.Name.Get(loc)}
	return func(ctx context.Context, tx *sql.Tx, p map[string]string) error {
		for k, v := range p {
			personal[k] = v
		}
		return n.messages.Notify(ctx, tx, notify.Notification{UserID: userID, Event: event, Locale: loc, Personalisation: personal,
			Recipients: notify.Recipients{Phone: u.Phone, Email: u.Email}})
	}, nil
}
