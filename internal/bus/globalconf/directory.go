package globalconf

import (
	"context"
	"fmt"
	"slices"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// Holder gives the configuration to work on, or why there is none;
// *Fetcher is one.
type Holder interface {
	Current() (*Config, error)
}

// Directory answers a gateway's questions about the registry from the
// global configuration, as *bus.Registry answers them on the central
// server: it is a gateway.ProviderDirectory, gateway.ConsumerDirectory and
// gateway.GatewayLister. Its answers are the registry's at the
// configuration's version, in the same order, except that they carry no
// row IDs or creation times. While the configuration is expired or not
// yet downloaded, every method returns the Holder's error (ErrUnavailable,
// see ProtocolError).
//
// The services returned share their OpenAPI bytes with the configuration:
// callers must not change them.
type Directory struct {
	src Holder
}

// NewDirectory returns the directory over src.
func NewDirectory(src Holder) *Directory { return &Directory{src: src} }

// Service returns the service id names.
// Errors: ENOTFOUND bus.MsgNoSuchService; ErrUnavailable.
func (d *Directory) Service(_ context.Context, id xroad.ServiceID) (*bus.Service, error) {
	c, err := d.src.Current()
	if err != nil {
		return nil, fmt.Errorf("find service: %w", err)
	}
	s, err := c.service(id)
	if err != nil {
		return nil, fmt.Errorf("find service: %w", err)
	}
	out := *s
	return &out, nil
}

// Services lists the services of the subsystem provider, by code; none if
// there is no such subsystem.
// Errors: ErrUnavailable.
func (d *Directory) Services(_ context.Context, provider xroad.ClientID) ([]*bus.Service, error) {
	c, err := d.src.Current()
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	var out []*bus.Service
	for _, s := range c.idx.byProvider[provider] {
		cp := *s
		out = append(out, &cp)
	}
	return out, nil
}

// Allowed tells whether client may call service with the method and path,
// deciding as bus.Registry.Allowed does.
// Errors: ENOTFOUND bus.MsgNoSuchService; ErrUnavailable.
func (d *Directory) Allowed(_ context.Context, client xroad.ClientID, service xroad.ServiceID, method, path string) (bool, error) {
	c, err := d.src.Current()
	if err != nil {
		return false, fmt.Errorf("check access: %w", err)
	}
	eps, err := c.granted(client, service)
	if err != nil {
		return false, fmt.Errorf("check access: %w", err)
	}
	return bus.Permits(eps, method, path), nil
}

// AllowedMethods lists the endpoints of service that client may call, as
// bus.Registry.AllowedMethods does.
// Errors: ENOTFOUND bus.MsgNoSuchService; ErrUnavailable.
func (d *Directory) AllowedMethods(_ context.Context, client xroad.ClientID, service xroad.ServiceID) ([]bus.Endpoint, error) {
	c, err := d.src.Current()
	if err != nil {
		return nil, fmt.Errorf("list allowed methods: %w", err)
	}
	eps, err := c.granted(client, service)
	if err != nil {
		return nil, fmt.Errorf("list allowed methods: %w", err)
	}
	return bus.SortEndpoints(eps), nil
}

// Gateways lists every gateway, by member and name.
// Errors: ErrUnavailable.
func (d *Directory) Gateways(_ context.Context) ([]bus.Gateway, error) {
	c, err := d.src.Current()
	if err != nil {
		return nil, fmt.Errorf("list gateways: %w", err)
	}
	return slices.Clone(c.Gateways), nil
}

// ListClients lists every member and subsystem, each member followed by
// its subsystems, for the listClients metaservice.
// Errors: ErrUnavailable.
func (d *Directory) ListClients(_ context.Context) ([]bus.ListedClient, error) {
	c, err := d.src.Current()
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	return slices.Clone(c.idx.clients), nil
}

// service returns the service id names; ENOTFOUND MsgNoSuchService if the
// configuration has none.
func (c *Config) service(id xroad.ServiceID) (*bus.Service, error) {
	s := c.idx.services[id]
	if s == nil {
		return nil, apperr.New(apperr.ENOTFOUND, bus.MsgNoSuchService)
	}
	return s, nil
}

// granted returns the endpoints of service granted to client, itself or
// through its groups, selected as the registry selects them.
func (c *Config) granted(client xroad.ClientID, service xroad.ServiceID) ([]bus.Endpoint, error) {
	if _, err := c.service(service); err != nil {
		return nil, err
	}
	inGroup := func(g bus.GroupID) bool { return c.idx.groups[bus.GroupMembership{Group: g, Subsystem: client}] }
	return bus.GrantedEndpoints(c.idx.rights[service], client, service, inGroup), nil
}
