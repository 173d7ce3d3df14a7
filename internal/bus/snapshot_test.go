package bus_test

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// snapIDs are the identifiers of the snapshot tests' registry.
var (
	snapCivil  = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "201122919"}
	snapEgov   = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "207000001"}
	snapBank   = xroad.ClientID{Instance: "UZ", MemberClass: "COM", MemberCode: "300000001"}
	snapCivilS = snapSub(snapCivil, "civil-registry")
	snapPortal = snapSub(snapEgov, "portal")
	snapBPM    = snapSub(snapEgov, "bpm")
	snapLoans  = snapSub(snapBank, "loans")
	snapBirths = xroad.ServiceID{Client: snapCivilS, ServiceCode: "births"}
	snapDeaths = xroad.ServiceID{Client: snapCivilS, ServiceCode: "deaths"}
	snapGroup  = bus.GroupID{Instance: "UZ", Code: "state-bodies"}
)

func snapSub(m xroad.ClientID, code string) xroad.ClientID {
	m.Subsystem = code
	return m
}

// snapRegistry is a registry over d filled with members, subsystems,
// gateways, services, a group and rights of every kind.
func snapRegistry(t *testing.T, d *db.DB) *bus.Registry {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	reg := bus.New(d, clk, audit.New(d, clk))
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []bus.Member{{Client: snapCivil, Name: "FHDYo"}, {Client: snapEgov, Name: "Elektron hukumat"},
		{Client: snapBank, Name: "Bank"}} {
		must(reg.CreateMember(ctx, "admin", m))
	}
	for _, s := range []xroad.ClientID{snapCivilS, snapPortal, snapBPM, snapLoans} {
		must(reg.CreateSubsystem(ctx, "admin", s))
	}
	must(reg.CreateGateway(ctx, "admin", bus.GatewayInput{Member: snapCivil, Name: "gw1", Address: "civil.test:8443",
		AuthSerial: "a1", SignSerial: "51"}))
	must(reg.CreateGateway(ctx, "admin", bus.GatewayInput{Member: snapEgov, Name: "gw1", Address: "egov.test",
		AuthSerial: "a2", SignSerial: "52"}))
	must(reg.CreateService(ctx, "admin", bus.ServiceInput{Service: snapBirths, Title: "Births", BaseURL: "https://civil.test/api/",
		OpenAPI: []byte(`{"openapi": "3.0.3",  "paths": {"/births/{id}": {}}}`)}))
	must(reg.CreateService(ctx, "admin", bus.ServiceInput{Service: snapDeaths, Title: "Deaths", BaseURL: "https://civil.test/deaths"}))
	must(reg.CreateGroup(ctx, "admin", bus.Group{Group: snapGroup, Description: "Davlat organlari"}))
	for _, s := range []xroad.ClientID{snapBPM, snapCivilS} {
		if err := reg.AddGroupMember(ctx, "admin", snapGroup, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []struct {
		service xroad.ServiceID
		to      bus.Grantee
		e       bus.Endpoint
	}{
		{snapBirths, bus.Grantee{Subsystem: snapPortal}, bus.Endpoint{Method: "GET", Path: "/births/*"}},
		{snapBirths, bus.Grantee{Subsystem: snapPortal}, bus.Endpoint{Method: "POST", Path: "/births/search"}},
		{snapBirths, bus.Grantee{Group: snapGroup}, bus.Endpoint{Method: "*", Path: "/births/*/certificate"}},
		{snapBirths, bus.Grantee{Subsystem: snapBPM}, bus.Endpoint{Method: "*", Path: "/births/*/certificate"}},
		{snapDeaths, bus.Grantee{Subsystem: snapLoans}, bus.Whole},
		{snapDeaths, bus.Grantee{Group: snapGroup}, bus.Endpoint{Method: "GET", Path: "/"}},
	} {
		must(reg.GrantRight(ctx, "admin", g.service, g.to, g.e))
	}
	return reg
}

// TestSnapshot checks that a snapshot holds what the registry's own list
// methods give, at the registry's version, in their order.
func TestSnapshot(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations(), bus.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := snapRegistry(t, d)
		s, err := reg.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := reg.Version(ctx); s.Version != v || v == 0 {
			t.Errorf("version %d, registry at %d", s.Version, v)
		}
		for _, m := range s.Members {
			want, err := reg.FindMember(ctx, m.Client)
			if err != nil || !reflect.DeepEqual(*want, m) {
				t.Errorf("member %+v, registry %+v %v", m, want, err)
			}
		}
		if len(s.Members) != 3 || s.Members[0].Client != snapBank || s.Members[1].Client != snapCivil {
			t.Errorf("members = %+v", s.Members)
		}
		var subs []xroad.ClientID
		for _, sub := range s.Subsystems {
			if sub.ID == "" || sub.CreatedAt.IsZero() {
				t.Errorf("subsystem %+v", sub)
			}
			subs = append(subs, sub.Client)
		}
		if !slices.Equal(subs, []xroad.ClientID{snapLoans, snapCivilS, snapBPM, snapPortal}) {
			t.Errorf("subsystems = %v", subs)
		}
		gws, err := reg.Gateways(ctx)
		if err != nil || !reflect.DeepEqual(gws, s.Gateways) {
			t.Errorf("gateways %+v, registry %+v %v", s.Gateways, gws, err)
		}
		services, err := reg.Services(ctx, snapCivilS)
		if err != nil || !reflect.DeepEqual(services, s.Services) {
			t.Errorf("services %+v, registry %+v %v", s.Services, services, err)
		}
		if len(s.Groups) != 1 || s.Groups[0].Group != snapGroup || s.Groups[0].Description != "Davlat organlari" || s.Groups[0].ID == "" {
			t.Errorf("groups = %+v", s.Groups)
		}
		members, err := reg.GroupMembers(ctx, snapGroup)
		if err != nil {
			t.Fatal(err)
		}
		var inGroup []xroad.ClientID
		for _, gm := range s.GroupMembers {
			if gm.Group != snapGroup {
				t.Errorf("membership %+v", gm)
			}
			inGroup = append(inGroup, gm.Subsystem)
		}
		if !slices.Equal(inGroup, members) {
			t.Errorf("group members %v, registry %v", inGroup, members)
		}
		var rights []*bus.Right
		for _, id := range []xroad.ServiceID{snapBirths, snapDeaths} {
			rs, err := reg.Rights(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			rights = append(rights, rs...)
		}
		if !reflect.DeepEqual(rights, s.Rights) {
			t.Errorf("rights %+v, registry %+v", s.Rights, rights)
		}
	})
}

// TestSnapshotDecidesLikeTheRegistry checks that the pure decisions over
// a snapshot's rights give the registry's answers to Allowed and
// AllowedMethods.
func TestSnapshotDecidesLikeTheRegistry(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations(), bus.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := snapRegistry(t, d)
		s, err := reg.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		member := func(c xroad.ClientID) func(bus.GroupID) bool {
			return func(g bus.GroupID) bool {
				return slices.Contains(s.GroupMembers, bus.GroupMembership{Group: g, Subsystem: c})
			}
		}
		clients := []xroad.ClientID{snapPortal, snapBPM, snapCivilS, snapLoans, snapEgov, snapSub(snapEgov, "unknown")}
		requests := []struct{ method, path string }{
			{"GET", "/births/1"}, {"GET", "/births/1/certificate"}, {"POST", "/births/1/certificate"}, {"POST", "/births/search"},
			{"GET", "/births/search"}, {"GET", "/"}, {"DELETE", "/"}, {"GET", "/births/../x"}, {"GET", "/births"},
		}
		for _, c := range clients {
			for _, service := range []xroad.ServiceID{snapBirths, snapDeaths} {
				eps := bus.GrantedEndpoints(s.Rights, c, service, member(c))
				for _, q := range requests {
					want, err := reg.Allowed(ctx, c, service, q.method, q.path)
					if err != nil {
						t.Fatal(err)
					}
					if got := bus.Permits(eps, q.method, q.path); got != want {
						t.Errorf("%s %s %s %s: %v, registry %v", c, service, q.method, q.path, got, want)
					}
				}
				want, err := reg.AllowedMethods(ctx, c, service)
				if err != nil {
					t.Fatal(err)
				}
				if got := bus.SortEndpoints(eps); !slices.Equal(got, want) {
					t.Errorf("%s %s: methods %v, registry %v", c, service, got, want)
				}
			}
		}
	})
}

// TestSnapshotIsConsistent takes snapshots while members are added: each
// must hold exactly the members its version counts.
func TestSnapshotIsConsistent(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations(), bus.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		reg := bus.New(d, clk, audit.New(d, clk))
		const n = 30
		var wg sync.WaitGroup
		done := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done)
			for i := range n {
				c := xroad.ClientID{Instance: "UZ", MemberClass: "ORG", MemberCode: "4000000" + string(rune('1'+i/10)) + string(rune('0'+i%10))}
				if _, err := reg.CreateMember(ctx, "admin", bus.Member{Client: c, Name: "Org"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		for {
			s, err := reg.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(s.Members)) != s.Version {
				t.Fatalf("version %d with %d members", s.Version, len(s.Members))
			}
			if s.Version == n {
				break
			}
			select {
			case <-done:
				if s.Version != n {
					// The writer stopped early (its error is reported);
					// one more snapshot sees all it wrote.
					if s, err = reg.Snapshot(ctx); err != nil || int64(len(s.Members)) != s.Version {
						t.Fatalf("final snapshot: %v", err)
					}
					wg.Wait()
					return
				}
			default:
			}
		}
		wg.Wait()
	})
}
