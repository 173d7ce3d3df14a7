package app

import (
	"context"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// busTracker gives the identity profile the bus's data tracker: who asked
// the exchange about a person, with the asking member's name from the
// exchange registry.
type busTracker struct {
	tracker  *bus.Tracker
	registry *bus.Registry
}

// Accesses returns the latest accesses to the person's data, newest first.
// Each member's name is looked up once per call; a client the registry no
// longer knows is shown by its identifier alone.
func (b busTracker) Accesses(ctx context.Context, pinfl string, limit int) ([]identity.DataAccess, error) {
	list, err := b.tracker.Accesses(ctx, pinfl, limit)
	if err != nil {
		return nil, err
	}
	names := map[xroad.ClientID]string{}
	out := make([]identity.DataAccess, 0, len(list))
	for _, a := range list {
		d := identity.DataAccess{At: a.At, Client: a.Client, Service: a.Service, Issue: a.Issue}
		if d.Agency, err = b.memberName(ctx, names, a.Client); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// memberName returns the name of the member whose subsystem client is,
// from names or else the registry, which it remembers in names; "" when
// client is not a valid identifier or its member is not registered.
func (b busTracker) memberName(ctx context.Context, names map[xroad.ClientID]string, client string) (string, error) {
	id, err := xroad.ParseClientID(client)
	if err != nil {
		return "", nil
	}
	id.Subsystem = ""
	if name, ok := names[id]; ok {
		return name, nil
	}
	m, err := b.registry.FindMember(ctx, id)
	switch {
	case apperr.Is(err, apperr.ENOTFOUND):
		names[id] = ""
	case err != nil:
		return "", err
	default:
		names[id] = m.Name
	}
	return names[id], nil
}
