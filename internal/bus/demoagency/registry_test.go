package demoagency_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/demoagency"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/pinfl"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// portal is the subsystem that calls the agencies in the test.
var portal = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "207000001", Subsystem: "portal"}

// TestOnTheBus registers the agencies in a bus registry, as the demo
// wiring does, with the endpoints their descriptions list granted to the
// portal, and calls every service through a provider gateway: the
// registry accepts the members, subsystems and descriptions, and the
// gateway's joining of base URL and service path reaches the records.
func TestOnTheBus(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations(), bus.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		reg := bus.New(d, c, audit.New(d, c))
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(reg.CreateMember(ctx, "admin", bus.Member{Client: xroad.ClientID{Instance: "UZ", MemberClass: "GOV",
			MemberCode: portal.MemberCode}, Name: "Elektron hukumat"}))
		must(reg.CreateSubsystem(ctx, "admin", portal))

		var people []demoagency.Person
		for _, p := range identity.DemoPeople() {
			people = append(people, demoagency.Person{FirstName: p.FirstName, LastName: p.LastName, PINFL: p.PINFL,
				BirthDate: p.BirthDate, Female: p.Sex == pinfl.Female})
		}
		for _, a := range demoagency.Agencies(people) {
			member := xroad.ClientID{Instance: "UZ", MemberClass: a.MemberClass, MemberCode: a.MemberCode}
			sub := member
			sub.Subsystem = a.Subsystem
			must(reg.CreateMember(ctx, "admin", bus.Member{Client: member, Name: a.Name}))
			must(reg.CreateSubsystem(ctx, "admin", sub))
			srv := httptest.NewServer(a.Handler)
			t.Cleanup(srv.Close)
			prov, err := gateway.NewProvider(gateway.ProviderConfig{Directory: reg, Member: member, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range a.Services {
				id := xroad.ServiceID{Client: sub, ServiceCode: s.Code}
				must(reg.CreateService(ctx, "admin", bus.ServiceInput{Service: id, Title: s.Title, BaseURL: srv.URL + s.Path,
					OpenAPI: s.OpenAPI}))
				for _, ep := range endpoints(t, s.OpenAPI) {
					must(reg.GrantRight(ctx, "admin", id, bus.Grantee{Subsystem: portal}, ep))
				}

				// The example through the gateway is the example asked
				// directly.
				target := "/r1/" + id.String() + strings.TrimPrefix(s.Example, s.Path)
				rec := call(prov, target)
				direct := httptest.NewRecorder()
				a.Handler.ServeHTTP(direct, httptest.NewRequest("GET", s.Example, nil))
				if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), direct.Body.Bytes()) ||
					rec.Header().Get("Content-Type") != "application/json" {
					t.Errorf("%s: %d %s %s, want %s", target, rec.Code, rec.Header().Get("Content-Type"), rec.Body, direct.Body)
				}
				// The agency's problems pass through as its own answers.
				missing := "/r1/" + id.String() + "/0"
				if strings.HasSuffix(s.Example, "/address") {
					missing += "/address"
				}
				miss := call(prov, missing)
				if miss.Code != http.StatusBadRequest || miss.Header().Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s: %d %s", missing, miss.Code, miss.Body)
				}
				// getOpenAPI serves the description as registered.
				meta := call(prov, "/r1/"+sub.String()+"/getOpenAPI?serviceCode="+s.Code)
				if meta.Code != http.StatusOK || !bytes.Equal(meta.Body.Bytes(), s.OpenAPI) {
					t.Errorf("getOpenAPI %s: %d", s.Code, meta.Code)
				}
			}
		}
	})
}

// call sends a GET of target from the portal to the provider gateway.
func call(prov http.Handler, target string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set(xroad.HeaderClient, portal.String())
	rec := httptest.NewRecorder()
	prov.ServeHTTP(rec, r)
	return rec
}

// endpoints lists the operations of an OpenAPI description as the
// registry's endpoints, "{param}" segments as "*".
func endpoints(t *testing.T, doc []byte) []bus.Endpoint {
	t.Helper()
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var out []bus.Endpoint
	for p, ops := range d.Paths {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, "{") {
				segs[i] = "*"
			}
		}
		for m := range ops {
			out = append(out, bus.Endpoint{Method: strings.ToUpper(m), Path: strings.Join(segs, "/")})
		}
	}
	if len(out) == 0 {
		t.Fatal("a description without operations")
	}
	return out
}
