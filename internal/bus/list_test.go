package bus_test

import (
	"slices"
	"testing"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// codes lists the member codes of members, in order.
func codes(ms []*bus.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Client.MemberCode)
	}
	return out
}

func TestCountsAndMembers(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		c, err := f.reg.Counts(f.ctx)
		f.must(err)
		if c != (bus.Counts{}) {
			t.Errorf("empty registry counts %+v", c)
		}
		f.seed()
		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw1", Address: "gw1.adliya.uz",
			AuthSerial: "1a", SignSerial: "1b"})
		f.must(err)
		_, err = f.reg.CreateGroup(f.ctx, "admin", bus.Group{Group: bus.GroupID{Instance: "UZ", Code: "portals"}})
		f.must(err)
		_, err = f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Subsystem: sub(egov, "portal")}, bus.Whole)
		f.must(err)
		_, err = f.reg.SubmitRequest(f.ctx, "rep", bus.RequestInput{Kind: bus.RequestSubsystem, Subsystem: sub(tax, "stats")})
		f.must(err)
		c, err = f.reg.Counts(f.ctx)
		f.must(err)
		want := bus.Counts{Members: 3, Subsystems: 4, Gateways: 1, Services: 1, Groups: 1, Rights: 1, PendingRequests: 1, Version: f.version()}
		if c != want {
			t.Errorf("counts %+v, want %+v", c, want)
		}

		// Members by identifier, a page at a time.
		all := []string{tax.MemberCode, civil.MemberCode, egov.MemberCode}
		ms, total, err := f.reg.FindMembers(f.ctx, bus.MemberFilter{})
		f.must(err)
		if total != 3 || !slices.Equal(codes(ms), all) || ms[1].Name != "Adliya vazirligi FHDYo" || ms[1].ID == "" || ms[1].CreatedAt.IsZero() {
			t.Errorf("members: %d %v", total, codes(ms))
		}
		ms, total, err = f.reg.FindMembers(f.ctx, bus.MemberFilter{Limit: 2, Offset: 2})
		f.must(err)
		if total != 3 || !slices.Equal(codes(ms), all[2:]) {
			t.Errorf("second page of two: %d %v", total, codes(ms))
		}

		// A member's subsystems and gateways.
		subs, err := f.reg.Subsystems(f.ctx, sub(egov, "ignored"))
		f.must(err)
		if len(subs) != 2 || subs[0].Client != sub(egov, "bpm") || subs[1].Client != sub(egov, "portal") || subs[0].ID == "" {
			t.Errorf("egov subsystems: %+v", subs)
		}
		gws, err := f.reg.MemberGateways(f.ctx, civil)
		f.must(err)
		if len(gws) != 1 || gws[0].Name != "gw1" || gws[0].Member != civil || gws[0].AuthSerial != "1a" || gws[0].Address != "gw1.adliya.uz" {
			t.Errorf("civil gateways: %+v", gws)
		}
		if gws, err = f.reg.MemberGateways(f.ctx, tax); err != nil || len(gws) != 0 {
			t.Errorf("tax gateways: %+v, %v", gws, err)
		}
		nobody := xroad.ClientID{Instance: "UZ", MemberClass: bus.ClassCOM, MemberCode: "999999999"}
		_, err = f.reg.Subsystems(f.ctx, nobody)
		wantCode(t, "subsystems of nobody", err, apperr.ENOTFOUND, bus.MsgNoSuchMember)
		_, err = f.reg.MemberGateways(f.ctx, nobody)
		wantCode(t, "gateways of nobody", err, apperr.ENOTFOUND, bus.MsgNoSuchMember)
	})
}

func TestFindServicesAndGroups(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed()
		info := xroad.ServiceID{Client: sub(tax, "tax"), ServiceCode: "info"}
		portalAPI := xroad.ServiceID{Client: sub(egov, "portal"), ServiceCode: "api"}
		for _, s := range []xroad.ServiceID{info, portalAPI} {
			_, err := f.reg.CreateService(f.ctx, "admin", bus.ServiceInput{Service: s, Title: "T " + s.ServiceCode, BaseURL: "https://x.uz/api"})
			f.must(err)
		}
		_, err := f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Subsystem: sub(egov, "portal")}, bus.Whole)
		f.must(err)
		_, err = f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Subsystem: sub(tax, "tax")}, bus.Endpoint{Method: "GET", Path: "/births/*"})
		f.must(err)

		ids := func(list []bus.ServiceSummary) []xroad.ServiceID {
			var out []xroad.ServiceID
			for _, s := range list {
				out = append(out, s.Service)
			}
			return out
		}
		list, total, err := f.reg.FindServices(f.ctx, bus.ServiceFilter{})
		f.must(err)
		if want := []xroad.ServiceID{info, births, portalAPI}; total != 3 || !slices.Equal(ids(list), want) {
			t.Errorf("all services: %d %v, want %v", total, ids(list), want)
		}
		b := list[1]
		if !b.HasOpenAPI || b.Rights != 2 || b.Title != "Tugʻilganlik yozuvlari" || b.BaseURL != "http://127.0.0.1:9001/api" || b.ID == "" ||
			b.UpdatedAt.IsZero() || list[0].HasOpenAPI || list[0].Rights != 0 {
			t.Errorf("births summary %+v, info %+v", b, list[0])
		}
		list, total, err = f.reg.FindServices(f.ctx, bus.ServiceFilter{Limit: 1, Offset: 1})
		f.must(err)
		if total != 3 || !slices.Equal(ids(list), []xroad.ServiceID{births}) {
			t.Errorf("second page of one: %d %v", total, ids(list))
		}
		list, total, err = f.reg.FindServices(f.ctx, bus.ServiceFilter{Member: ptr(sub(egov, "ignored"))})
		f.must(err)
		if total != 1 || !slices.Equal(ids(list), []xroad.ServiceID{portalAPI}) {
			t.Errorf("egov's services: %d %v", total, ids(list))
		}
		list, total, err = f.reg.FindServices(f.ctx, bus.ServiceFilter{Subsystem: ptr(sub(egov, "bpm"))})
		f.must(err)
		if total != 0 || len(list) != 0 {
			t.Errorf("bpm's services: %d %v", total, ids(list))
		}

		// Groups, with their sizes.
		portals := bus.GroupID{Instance: "UZ", Code: "portals"}
		for _, g := range []bus.Group{{Group: portals, Description: "Portallar"}, {Group: bus.GroupID{Instance: "UZ", Code: "bpm"}}} {
			_, err := f.reg.CreateGroup(f.ctx, "admin", g)
			f.must(err)
		}
		f.must(f.reg.AddGroupMember(f.ctx, "admin", portals, sub(egov, "portal")))
		f.must(f.reg.AddGroupMember(f.ctx, "admin", portals, sub(egov, "bpm")))
		groups, err := f.reg.Groups(f.ctx)
		f.must(err)
		if len(groups) != 2 || groups[0].Group.Group.Code != "bpm" || groups[0].Members != 0 || groups[1].Group.Group != portals ||
			groups[1].Members != 2 || groups[1].Description != "Portallar" {
			t.Errorf("groups: %+v", groups)
		}
		g, err := f.reg.FindGroup(f.ctx, portals)
		f.must(err)
		if g.Group != portals || g.Description != "Portallar" || g.ID != groups[1].ID || g.CreatedAt.IsZero() {
			t.Errorf("FindGroup: %+v", g)
		}
		_, err = f.reg.FindGroup(f.ctx, bus.GroupID{Instance: "UZ", Code: "nope"})
		wantCode(t, "unknown group", err, apperr.ENOTFOUND, bus.MsgNoSuchGroup)
	})
}

func TestListRequests(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed()
		var reqs []*bus.Request
		for _, code := range []string{"a", "b", "c", "d"} {
			q, err := f.reg.SubmitRequest(f.ctx, "rep", bus.RequestInput{Kind: bus.RequestSubsystem, Subsystem: sub(tax, code)})
			f.must(err)
			reqs = append(reqs, q)
		}
		_, err := f.reg.ApproveRequest(f.ctx, "admin", reqs[1].ID)
		f.must(err)
		_, err = f.reg.RejectRequest(f.ctx, "admin", reqs[3].ID, "Takroriy")
		f.must(err)
		idsOf := func(list []*bus.Request) []string {
			var out []string
			for _, q := range list {
				out = append(out, q.Subsystem.Subsystem)
			}
			return out
		}
		pending, total, err := f.reg.ListRequests(f.ctx, bus.RequestList{})
		f.must(err)
		if total != 2 || !slices.Equal(idsOf(pending), []string{"a", "c"}) || pending[0].State != bus.RequestPending {
			t.Errorf("pending: %d %v", total, idsOf(pending))
		}
		decided, total, err := f.reg.ListRequests(f.ctx, bus.RequestList{Decided: true})
		f.must(err)
		if total != 2 || !slices.Equal(idsOf(decided), []string{"d", "b"}) || decided[0].State != bus.RequestRejected ||
			decided[0].Reason != "Takroriy" || decided[1].State != bus.RequestApproved || decided[1].ResultID == "" {
			t.Errorf("decided: %d %v", total, idsOf(decided))
		}
		page, total, err := f.reg.ListRequests(f.ctx, bus.RequestList{Limit: 1, Offset: 1})
		f.must(err)
		if total != 2 || !slices.Equal(idsOf(page), []string{"c"}) {
			t.Errorf("second pending page of one: %d %v", total, idsOf(page))
		}
	})
}
