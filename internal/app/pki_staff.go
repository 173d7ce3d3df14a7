package app

import (
	"context"
	"slices"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// pkiStaff tells the certificate pages where the signed-in person works,
// from their roles and the catalog's agency register: officers request
// officer certificates of their agencies, and the administrators of staff
// decide on them.
type pkiStaff struct{ registry *catalog.Registry }

// OfficerAgencies lists the agencies where the person holds a role that
// processes applications (officer, supervisor), named in Uzbek Latin as
// the certificates carry them.
func (s pkiStaff) OfficerAgencies(ctx context.Context) ([]pki.Agency, error) {
	ids := scopedAgencies(identity.FromContext(ctx), identity.PermApplicationsProcess)
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := s.registry.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	var out []pki.Agency
	for _, a := range list {
		if slices.Contains(ids, a.ID) {
			out = append(out, pki.Agency{ID: a.ID, Name: a.Names.Get(i18n.UzLatn)})
		}
	}
	return out, nil
}

// Administers follows the permission to manage staff: held everywhere
// (platform administrator), it reaches every agency; held in agencies
// (agency administrator), those.
func (pkiStaff) Administers(ctx context.Context) ([]string, bool) {
	p := identity.FromContext(ctx)
	if p == nil {
		return nil, false
	}
	for _, g := range p.Grants {
		if !g.Role.AgencyScoped() && slices.Contains(g.Role.Grants(), identity.PermAgencyStaff) {
			return nil, true
		}
	}
	return scopedAgencies(p, identity.PermAgencyStaff), false
}

// scopedAgencies lists the agencies where p holds perm through an
// agency-scoped role.
func scopedAgencies(p *identity.Principal, perm web.Permission) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, g := range p.Grants {
		if g.Role.AgencyScoped() && slices.Contains(g.Role.Grants(), perm) && !slices.Contains(out, g.AgencyID) {
			out = append(out, g.AgencyID)
		}
	}
	return out
}
