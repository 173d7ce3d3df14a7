package identity

import (
	"context"
	"fmt"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// AgencyDirectory is the register of state bodies that staff grants point
// at. identity keeps no agencies of its own: app wires the catalog's
// register here.
type AgencyDirectory interface {
	// Agencies lists every agency.
	Agencies(ctx context.Context) ([]Agency, error)
}

// Agencies lists the agencies of the register, in its order.
func (s *Service) Agencies(ctx context.Context) ([]Agency, error) {
	list, err := s.agencies.Agencies(ctx)
	if err != nil {
		return nil, fmt.Errorf("agencies: %w", err)
	}
	return list, nil
}

// checkAgency tells whether the agency of an agency-scoped grant is in the
// register; an unknown one is EINVALID on the agency field.
func (s *Service) checkAgency(ctx context.Context, id string) error {
	list, err := s.Agencies(ctx)
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.ID == id {
			return nil
		}
	}
	return apperr.Invalid(msgAgencyNeeded, map[string]string{"agency": msgAgencyNeeded})
}
