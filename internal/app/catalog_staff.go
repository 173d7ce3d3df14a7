package app

import (
	"context"

	"github.com/egovuz/egov/internal/identity"
)

// catalogStaff tells the registry's administration who is signed in and
// which agencies' services they may change, from their roles.
type catalogStaff struct{}

// Actor is the signed-in person's account ID, recorded in the history.
func (catalogStaff) Actor(ctx context.Context) string {
	if p := identity.FromContext(ctx); p != nil {
		return p.User.ID
	}
	return ""
}

// MayEdit holds for a role with PermCatalogEdit held everywhere (platform
// administrator) or, for agencyID other than "", inside that agency.
func (catalogStaff) MayEdit(ctx context.Context, agencyID string) bool {
	p := identity.FromContext(ctx)
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		for _, perm := range g.Role.Grants() {
			if perm != identity.PermCatalogEdit {
				continue
			}
			if !g.Role.AgencyScoped() || (agencyID != "" && g.AgencyID == agencyID) {
				return true
			}
		}
	}
	return false
}
