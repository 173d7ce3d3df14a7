package gateway

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
)

// The JSON bodies of the metaservices, in the form of the examples of
// PR-META (Annex C, listClients) and PR-MREST (Annex B, listMethods and
// allowedMethods), which X-Road client libraries parse.

// clientList is the listClients response: {"member": [...]}.
type clientList struct {
	Member []clientEntry `json:"member"`
}

type clientEntry struct {
	ID   clientIDJSON `json:"id"`
	Name string       `json:"name"`
}

type clientIDJSON struct {
	MemberClass   string `json:"member_class"`
	MemberCode    string `json:"member_code"`
	SubsystemCode string `json:"subsystem_code,omitempty"`
	ObjectType    string `json:"object_type"`
	XRoadInstance string `json:"xroad_instance"`
}

// listClientsBody lists the clients of instance, members as MEMBER and
// subsystems as SUBSYSTEM, in the registry's order.
func listClientsBody(clients []bus.ListedClient, instance string) ([]byte, error) {
	out := clientList{Member: []clientEntry{}}
	for _, c := range clients {
		if c.ID.Instance != instance {
			continue
		}
		id := clientIDJSON{MemberClass: c.ID.MemberClass, MemberCode: c.ID.MemberCode, SubsystemCode: c.ID.Subsystem,
			ObjectType: "MEMBER", XRoadInstance: c.ID.Instance}
		if c.ID.Subsystem != "" {
			id.ObjectType = "SUBSYSTEM"
		}
		out.Member = append(out.Member, clientEntry{ID: id, Name: c.Name})
	}
	return json.Marshal(out)
}

// serviceList is the listMethods and allowedMethods response:
// {"service": [...]}.
type serviceList struct {
	Service []serviceEntry `json:"service"`
}

type serviceEntry struct {
	MemberClass   string         `json:"member_class"`
	MemberCode    string         `json:"member_code"`
	ObjectType    string         `json:"object_type"`
	ServiceCode   string         `json:"service_code"`
	ServiceType   string         `json:"service_type"`
	SubsystemCode string         `json:"subsystem_code"`
	XRoadInstance string         `json:"xroad_instance"`
	EndpointList  []endpointJSON `json:"endpoint_list"`
}

type endpointJSON struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

// serviceEntryOf describes s with the endpoints eps. Services with an
// OpenAPI description are of type OPENAPI, the others REST, as in X-Road.
func serviceEntryOf(s *bus.Service, eps []bus.Endpoint) serviceEntry {
	c := s.Service.Client
	e := serviceEntry{MemberClass: c.MemberClass, MemberCode: c.MemberCode, ObjectType: "SERVICE",
		ServiceCode: s.Service.ServiceCode, ServiceType: "REST", SubsystemCode: c.Subsystem, XRoadInstance: c.Instance,
		EndpointList: []endpointJSON{}}
	if s.OpenAPI != nil {
		e.ServiceType = "OPENAPI"
	}
	for _, ep := range eps {
		e.EndpointList = append(e.EndpointList, endpointJSON(ep))
	}
	return e
}

// openAPIMethods are the operations an OpenAPI 3 path item may hold.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// describedEndpoints returns the endpoints a service offers, for
// listMethods: those of its OpenAPI description, with each templated path
// segment ("{pinfl}") written as "*", the way X-Road and the registry's
// access rights write them; or, without a description, the whole service.
func describedEndpoints(s *bus.Service) []bus.Endpoint {
	if s.OpenAPI == nil {
		return []bus.Endpoint{bus.Whole}
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	// The registry stored only descriptions with a "paths" object; a path
	// item that is not an object has no operations to list.
	_ = json.Unmarshal(s.OpenAPI, &doc)
	var eps []bus.Endpoint
	for path, item := range doc.Paths {
		if !strings.HasPrefix(path, "/") {
			continue // an "x-" extension, not a path
		}
		segs := strings.Split(path, "/")
		for i, seg := range segs {
			if strings.Contains(seg, "{") {
				segs[i] = "*"
			}
		}
		for _, m := range openAPIMethods {
			if _, ok := item[m]; ok {
				eps = append(eps, bus.Endpoint{Method: strings.ToUpper(m), Path: strings.Join(segs, "/")})
			}
		}
	}
	slices.SortFunc(eps, func(a, b bus.Endpoint) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Method, b.Method))
	})
	return eps
}

// ownedBy reports whether id belongs to member.
func ownedBy(id, member xroad.ClientID) bool {
	id.Subsystem = ""
	return id == member
}
