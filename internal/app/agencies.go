package app

import (
	"context"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// agencyDirectory gives identity the catalog's register of agencies, the
// one register staff grants point at.
type agencyDirectory struct{ registry *catalog.Registry }

// Agencies lists the catalog's agencies (cached by the registry).
func (d agencyDirectory) Agencies(ctx context.Context) ([]identity.Agency, error) {
	list, err := d.registry.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]identity.Agency, len(list))
	for i, a := range list {
		out[i] = identity.Agency{ID: a.ID, Code: a.Code, Names: map[i18n.Locale]string(a.Names)}
	}
	return out, nil
}

// workflowAgencies gives the workflow API the catalog's agency codes.
type workflowAgencies struct{ registry *catalog.Registry }

// AgencyID returns the ID of the agency with code; ENOTFOUND if none.
func (d workflowAgencies) AgencyID(ctx context.Context, code string) (string, error) {
	list, err := d.registry.Agencies(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range list {
		if a.Code == code {
			return a.ID, nil
		}
	}
	return "", apperr.New(apperr.ENOTFOUND, "catalog.agency.not_found")
}

// AgencyCode returns the code of the agency with id, "" if none.
func (d workflowAgencies) AgencyCode(ctx context.Context, id string) (string, error) {
	list, err := d.registry.Agencies(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range list {
		if a.ID == id {
			return a.Code, nil
		}
	}
	return "", nil
}
