package app

import (
	"context"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/identity"
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
