package bus

import (
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/bus/xroad"
)

// The decisions on access rights as pure functions, so that the registry,
// which selects the granted endpoints in SQL, and a gateway answering from
// the downloaded global configuration, which selects them in memory, decide
// alike.

// Valid tells whether e is an endpoint a right may grant: a method of an
// Endpoint (or AnyMethod) and a path pattern (see Endpoint). The global
// configuration checks the rights it receives with it.
func (e Endpoint) Valid() bool {
	f := map[string]string{}
	e.validate(f)
	return len(f) == 0
}

// Permits tells whether a request with the method and path (after the
// service code, percent-encoded as sent) falls under one of the granted
// endpoints eps (see Endpoint.Matches): the decision of Allowed.
func Permits(eps []Endpoint, method, path string) bool {
	return slices.ContainsFunc(eps, func(e Endpoint) bool { return e.Matches(method, path) })
}

// SortEndpoints orders granted endpoints by path, then method, and drops
// repeats (one endpoint granted to the client and to its group), reusing
// eps: the answer of AllowedMethods.
func SortEndpoints(eps []Endpoint) []Endpoint {
	slices.SortFunc(eps, func(a, b Endpoint) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return slices.Compact(eps)
}

// GrantedEndpoints returns the endpoints of service that rights grant to
// client: those granted to the client subsystem itself and to the groups
// inGroup says it is in, in the order of rights. A member (a client
// without a subsystem) is granted nothing, as in the registry, which only
// grants rights to subsystems and groups of subsystems.
func GrantedEndpoints(rights []*Right, client xroad.ClientID, service xroad.ServiceID, inGroup func(GroupID) bool) []Endpoint {
	if client.Subsystem == "" {
		return nil
	}
	var out []Endpoint
	for _, rt := range rights {
		if rt.Service != service {
			continue
		}
		if g := rt.Grantee.Group; g != (GroupID{}) {
			if inGroup(g) {
				out = append(out, rt.Endpoint)
			}
		} else if rt.Grantee.Subsystem == client {
			out = append(out, rt.Endpoint)
		}
	}
	return out
}
