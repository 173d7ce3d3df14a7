package bus_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
)

func schema() []db.Migrations { return []db.Migrations{audit.Migrations(), bus.Migrations()} }

// fixture is a registry over a fresh database with an audit log.
type fixture struct {
	t   *testing.T
	ctx context.Context
	reg *bus.Registry
	log *audit.Log
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	log := audit.New(d, c)
	return &fixture{t: t, ctx: context.Background(), reg: bus.New(d, c, log), log: log}
}

// version returns the registry's version.
func (f *fixture) version() int64 {
	f.t.Helper()
	v, err := f.reg.Version(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// must fails the test on err.
func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// wantCode checks that err carries the code and message key.
func wantCode(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || e.Message != msg {
		t.Errorf("%s: got %v, want %s %s", what, err, code, msg)
	}
}

// wantFields checks that err is EINVALID with exactly the fields and keys.
func wantFields(t *testing.T, what string, err error, fields map[string]string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != apperr.EINVALID || e.Message != bus.MsgInvalid {
		t.Errorf("%s: got %v, want EINVALID", what, err)
		return
	}
	if len(e.Fields) != len(fields) {
		t.Errorf("%s: fields %v, want %v", what, e.Fields, fields)
	}
	for k, v := range fields {
		if e.Fields[k] != v {
			t.Errorf("%s: field %s = %q, want %q", what, k, e.Fields[k], v)
		}
	}
}

var (
	civil  = xroad.ClientID{Instance: "UZ", MemberClass: bus.ClassGOV, MemberCode: "201122919"}
	tax    = xroad.ClientID{Instance: "UZ", MemberClass: bus.ClassGOV, MemberCode: "200935935"}
	egov   = xroad.ClientID{Instance: "UZ", MemberClass: bus.ClassGOV, MemberCode: "207000001"}
	births = xroad.ServiceID{Client: sub(civil, "civil-registry"), ServiceCode: "births"}
)

func sub(m xroad.ClientID, code string) xroad.ClientID {
	m.Subsystem = code
	return m
}

const openAPI = `{"openapi": "3.0.3", "info": {"title": "Births", "version": "1"}, "paths": {"/births/{pinfl}": {}}}`

// seed registers the members, subsystems and births service the tests use.
func (f *fixture) seed() {
	f.t.Helper()
	for _, m := range []bus.Member{{Client: civil, Name: "Adliya vazirligi FHDYo"}, {Client: tax, Name: "Soliq qoʻmitasi"},
		{Client: egov, Name: "Elektron hukumat"}} {
		_, err := f.reg.CreateMember(f.ctx, "admin", m)
		f.must(err)
	}
	for _, s := range []xroad.ClientID{sub(civil, "civil-registry"), sub(tax, "tax"), sub(egov, "portal"), sub(egov, "bpm")} {
		_, err := f.reg.CreateSubsystem(f.ctx, "admin", s)
		f.must(err)
	}
	_, err := f.reg.CreateService(f.ctx, "admin", bus.ServiceInput{Service: births, Title: "Tugʻilganlik yozuvlari",
		BaseURL: "http://127.0.0.1:9001/api", OpenAPI: []byte(openAPI)})
	f.must(err)
}

func TestMembersAndSubsystems(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		if v := f.version(); v != 0 {
			t.Fatalf("empty registry at version %d", v)
		}
		m, err := f.reg.CreateMember(f.ctx, "admin", bus.Member{Client: civil, Name: "  Adliya vazirligi  "})
		f.must(err)
		if m.Name != "Adliya vazirligi" || m.ID == "" || m.CreatedAt.IsZero() {
			t.Errorf("member = %+v", m)
		}
		if v := f.version(); v != 1 {
			t.Errorf("version after a member = %d, want 1", v)
		}
		got, err := f.reg.FindMember(f.ctx, sub(civil, "anything"))
		f.must(err)
		if got.ID != m.ID || got.Client != civil || !got.CreatedAt.Equal(m.CreatedAt) {
			t.Errorf("found %+v, want %+v", got, m)
		}
		_, err = f.reg.FindMember(f.ctx, tax)
		wantCode(t, "unknown member", err, apperr.ENOTFOUND, bus.MsgNoSuchMember)

		// Validation, field by field, changes nothing.
		for _, tt := range []struct {
			name   string
			in     bus.Member
			fields map[string]string
		}{
			{"empty", bus.Member{}, map[string]string{"instance": bus.MsgInstance, "member_class": bus.MsgMemberClass,
				"member_code": bus.MsgMemberCode, "name": bus.MsgName}},
			{"bad class", bus.Member{Client: xroad.ClientID{Instance: "UZ", MemberClass: "gov", MemberCode: "201122919"}, Name: "x"},
				map[string]string{"member_class": bus.MsgMemberClass}},
			{"short STIR", bus.Member{Client: xroad.ClientID{Instance: "UZ", MemberClass: "COM", MemberCode: "12345678"}, Name: "x"},
				map[string]string{"member_code": bus.MsgMemberCode}},
			{"letters in STIR", bus.Member{Client: xroad.ClientID{Instance: "UZ", MemberClass: "COM", MemberCode: "12345678a"}, Name: "x"},
				map[string]string{"member_code": bus.MsgMemberCode}},
			{"slash in instance", bus.Member{Client: xroad.ClientID{Instance: "UZ/X", MemberClass: "NGO", MemberCode: "123456789"}, Name: "x"},
				map[string]string{"instance": bus.MsgInstance}},
			{"subsystem set", bus.Member{Client: sub(tax, "tax"), Name: "x"}, map[string]string{"subsystem": bus.MsgSubsystem}},
			{"long name", bus.Member{Client: tax, Name: strings.Repeat("я", 256)}, map[string]string{"name": bus.MsgName}},
			{"control in name", bus.Member{Client: tax, Name: "a\x00b"}, map[string]string{"name": bus.MsgName}},
		} {
			_, err := f.reg.CreateMember(f.ctx, "admin", tt.in)
			wantFields(t, tt.name, err, tt.fields)
		}
		_, err = f.reg.CreateMember(f.ctx, "admin", bus.Member{Client: civil, Name: "Again"})
		wantCode(t, "duplicate member", err, apperr.ECONFLICT, bus.MsgMemberExists)
		if v := f.version(); v != 1 {
			t.Errorf("version after refused changes = %d, want 1", v)
		}

		s, err := f.reg.CreateSubsystem(f.ctx, "admin", sub(civil, "civil-registry"))
		f.must(err)
		if s.Client != sub(civil, "civil-registry") {
			t.Errorf("subsystem = %+v", s)
		}
		_, err = f.reg.CreateSubsystem(f.ctx, "admin", sub(civil, "civil-registry"))
		wantCode(t, "duplicate subsystem", err, apperr.ECONFLICT, bus.MsgSubsystemExists)
		_, err = f.reg.CreateSubsystem(f.ctx, "admin", sub(tax, "tax"))
		wantCode(t, "subsystem of an unknown member", err, apperr.ENOTFOUND, bus.MsgNoSuchMember)
		_, err = f.reg.CreateSubsystem(f.ctx, "admin", civil)
		wantFields(t, "no subsystem code", err, map[string]string{"subsystem": bus.MsgSubsystem})
		_, err = f.reg.CreateSubsystem(f.ctx, "admin", sub(civil, "../x"))
		wantFields(t, "bad subsystem code", err, map[string]string{"subsystem": bus.MsgSubsystem})
		_, err = f.reg.CreateSubsystem(f.ctx, "admin", sub(civil, strings.Repeat("a", 65)))
		wantFields(t, "long subsystem code", err, map[string]string{"subsystem": bus.MsgSubsystem})

		_, err = f.reg.CreateMember(f.ctx, "admin", bus.Member{Client: tax, Name: "Soliq qoʻmitasi"})
		f.must(err)
		clients, err := f.reg.ListClients(f.ctx)
		f.must(err)
		want := []bus.ListedClient{{ID: tax, Name: "Soliq qoʻmitasi"}, {ID: civil, Name: "Adliya vazirligi"},
			{ID: sub(civil, "civil-registry"), Name: "Adliya vazirligi"}}
		if len(clients) != len(want) {
			t.Fatalf("clients = %+v", clients)
		}
		for i := range want {
			if clients[i] != want[i] {
				t.Errorf("client %d = %+v, want %+v", i, clients[i], want[i])
			}
		}
		if v := f.version(); v != 3 {
			t.Errorf("version = %d, want 3", v)
		}

		// Every change is in the audit log, with the version it made.
		entries, _, err := f.log.List(f.ctx, audit.Filter{})
		f.must(err)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, " "); got != "bus.member.created bus.subsystem.created bus.member.created" {
			t.Errorf("audit actions = %s", got)
		}
		if entries[1].ObjectID != s.ID || entries[1].Details["client"] != "UZ/GOV/201122919/civil-registry" ||
			entries[1].Details["version"] != json.Number("2") {
			t.Errorf("subsystem audit entry = %+v", entries[1])
		}
	})
}

func TestGateways(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed()
		g, err := f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw1", Address: " gw1.adliya.uz:8443 ",
			AuthSerial: "01:AB:cd", SignSerial: "0FF"})
		f.must(err)
		if g.Address != "gw1.adliya.uz:8443" || g.AuthSerial != "1abcd" || g.SignSerial != "ff" {
			t.Errorf("gateway = %+v", g)
		}
		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw2", Address: "10.0.0.7",
			AuthSerial: "1234", SignSerial: "ff"})
		f.must(err)
		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: tax, Name: "gw1", Address: "[2001:db8::1]:443",
			AuthSerial: "5678", SignSerial: "9abc"})
		f.must(err)
		list, err := f.reg.Gateways(f.ctx)
		f.must(err)
		if len(list) != 3 || list[0].Member != tax || list[1].Name != "gw1" || list[2].Name != "gw2" {
			t.Errorf("gateways = %+v", list)
		}

		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw1", Address: "gw3.adliya.uz",
			AuthSerial: "aaaa", SignSerial: "ff"})
		wantCode(t, "same name", err, apperr.ECONFLICT, bus.MsgGatewayExists)
		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw3", Address: "gw3.adliya.uz",
			AuthSerial: "0x1abcd", SignSerial: "ff"})
		wantFields(t, "0x serial", err, map[string]string{"auth_serial": bus.MsgSerial})
		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw3", Address: "gw3.adliya.uz",
			AuthSerial: "1:ab:cd", SignSerial: "ff"})
		wantCode(t, "authentication certificate of another gateway", err, apperr.ECONFLICT, bus.MsgGatewayExists)
		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: sub(egov, "x"), Name: "gw3", Address: "gw3.adliya.uz",
			AuthSerial: "bbbb", SignSerial: "ff"})
		wantFields(t, "subsystem as member", err, map[string]string{"subsystem": bus.MsgSubsystem})
		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: xroad.ClientID{Instance: "UZ", MemberClass: "COM",
			MemberCode: "999999999"}, Name: "gw", Address: "gw.example.uz", AuthSerial: "cccc", SignSerial: "dddd"})
		wantCode(t, "unknown member", err, apperr.ENOTFOUND, bus.MsgNoSuchMember)
		for _, tt := range []struct {
			name string
			in   bus.GatewayInput
			want map[string]string
		}{
			{"empty", bus.GatewayInput{Member: civil}, map[string]string{"name": bus.MsgGatewayName, "address": bus.MsgAddress,
				"auth_serial": bus.MsgSerial, "sign_serial": bus.MsgSerial}},
			{"URL as address", bus.GatewayInput{Member: civil, Name: "g", Address: "https://gw.uz", AuthSerial: "1", SignSerial: "2"},
				map[string]string{"address": bus.MsgAddress}},
			{"path in address", bus.GatewayInput{Member: civil, Name: "g", Address: "gw.uz/x", AuthSerial: "1", SignSerial: "2"},
				map[string]string{"address": bus.MsgAddress}},
			{"bad port", bus.GatewayInput{Member: civil, Name: "g", Address: "gw.uz:70000", AuthSerial: "1", SignSerial: "2"},
				map[string]string{"address": bus.MsgAddress}},
			{"empty port", bus.GatewayInput{Member: civil, Name: "g", Address: "gw.uz:", AuthSerial: "1", SignSerial: "2"},
				map[string]string{"address": bus.MsgAddress}},
			{"user in address", bus.GatewayInput{Member: civil, Name: "g", Address: "u@gw.uz", AuthSerial: "1", SignSerial: "2"},
				map[string]string{"address": bus.MsgAddress}},
			{"underscore host", bus.GatewayInput{Member: civil, Name: "g", Address: "g_w.uz", AuthSerial: "1", SignSerial: "2"},
				map[string]string{"address": bus.MsgAddress}},
			{"zero serial", bus.GatewayInput{Member: civil, Name: "g", Address: "gw.uz", AuthSerial: "00", SignSerial: "2"},
				map[string]string{"auth_serial": bus.MsgSerial}},
			{"negative serial", bus.GatewayInput{Member: civil, Name: "g", Address: "gw.uz", AuthSerial: "1", SignSerial: "-2"},
				map[string]string{"sign_serial": bus.MsgSerial}},
			{"long serial", bus.GatewayInput{Member: civil, Name: "g", Address: "gw.uz", AuthSerial: strings.Repeat("f", 41), SignSerial: "2"},
				map[string]string{"auth_serial": bus.MsgSerial}},
			{"same certificate", bus.GatewayInput{Member: civil, Name: "g", Address: "gw.uz", AuthSerial: "0a", SignSerial: "A"},
				map[string]string{"sign_serial": bus.MsgSameSerial}},
			{"bad name", bus.GatewayInput{Member: civil, Name: "gw 1", Address: "gw.uz", AuthSerial: "1", SignSerial: "2"},
				map[string]string{"name": bus.MsgGatewayName}},
		} {
			_, err := f.reg.CreateGateway(f.ctx, "admin", tt.in)
			wantFields(t, tt.name, err, tt.want)
		}
	})
}

func TestServices(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed()
		s, err := f.reg.Service(f.ctx, births)
		f.must(err)
		if s.Service != births || s.BaseURL != "http://127.0.0.1:9001/api" || string(s.OpenAPI) != openAPI || s.Title != "Tugʻilganlik yozuvlari" {
			t.Errorf("service = %+v", s)
		}
		_, err = f.reg.CreateService(f.ctx, "admin", bus.ServiceInput{Service: births, Title: "x", BaseURL: "https://x.uz"})
		wantCode(t, "duplicate service", err, apperr.ECONFLICT, bus.MsgServiceExists)
		_, err = f.reg.CreateService(f.ctx, "admin", bus.ServiceInput{Service: xroad.ServiceID{Client: sub(civil, "nope"), ServiceCode: "x"},
			Title: "x", BaseURL: "https://x.uz"})
		wantCode(t, "service of an unknown subsystem", err, apperr.ENOTFOUND, bus.MsgNoSuchSubsystem)
		_, err = f.reg.Service(f.ctx, xroad.ServiceID{Client: births.Client, ServiceCode: "marriages"})
		wantCode(t, "unknown service", err, apperr.ENOTFOUND, bus.MsgNoSuchService)

		// A service without a description has none.
		marriages := xroad.ServiceID{Client: births.Client, ServiceCode: "marriages"}
		m, err := f.reg.CreateService(f.ctx, "admin", bus.ServiceInput{Service: marriages, Title: "Nikohlar", BaseURL: "https://fhdyo.uz/m/"})
		f.must(err)
		if m.OpenAPI != nil {
			t.Errorf("no description stored as %q", m.OpenAPI)
		}
		list, err := f.reg.Services(f.ctx, births.Client)
		f.must(err)
		if len(list) != 2 || list[0].Service != births || list[1].Service != marriages || list[1].OpenAPI != nil {
			t.Errorf("services = %+v", list)
		}

		for _, tt := range []struct {
			name string
			in   bus.ServiceInput
			want map[string]string
		}{
			{"empty", bus.ServiceInput{}, map[string]string{"instance": bus.MsgInstance, "member_class": bus.MsgMemberClass,
				"member_code": bus.MsgMemberCode, "subsystem": bus.MsgSubsystem, "service_code": bus.MsgServiceCode,
				"title": bus.MsgTitle, "base_url": bus.MsgBaseURL}},
			{"relative URL", bus.ServiceInput{Service: births, Title: "t", BaseURL: "/api"}, map[string]string{"base_url": bus.MsgBaseURL}},
			{"ftp URL", bus.ServiceInput{Service: births, Title: "t", BaseURL: "ftp://x.uz/"}, map[string]string{"base_url": bus.MsgBaseURL}},
			{"no host", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http:///api"}, map[string]string{"base_url": bus.MsgBaseURL}},
			{"query", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://x.uz/?a=1"}, map[string]string{"base_url": bus.MsgBaseURL}},
			{"fragment", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://x.uz/#a"}, map[string]string{"base_url": bus.MsgBaseURL}},
			{"credentials", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://u:p@x.uz/"}, map[string]string{"base_url": bus.MsgBaseURL}},
			{"not JSON", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://x.uz", OpenAPI: []byte("openapi: 3.0.0")},
				map[string]string{"openapi": bus.MsgOpenAPI}},
			{"no paths", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://x.uz", OpenAPI: []byte(`{"openapi": "3.1.0"}`)},
				map[string]string{"openapi": bus.MsgOpenAPI}},
			{"no version", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://x.uz", OpenAPI: []byte(`{"paths": {}}`)},
				map[string]string{"openapi": bus.MsgOpenAPI}},
			{"swagger 2", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://x.uz",
				OpenAPI: []byte(`{"openapi": "2.0", "paths": {}}`)}, map[string]string{"openapi": bus.MsgOpenAPI}},
			{"paths not an object", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://x.uz",
				OpenAPI: []byte(`{"openapi": "3.0.0", "paths": []}`)}, map[string]string{"openapi": bus.MsgOpenAPI}},
			{"array", bus.ServiceInput{Service: births, Title: "t", BaseURL: "http://x.uz", OpenAPI: []byte(`[]`)},
				map[string]string{"openapi": bus.MsgOpenAPI}},
			{"bad code", bus.ServiceInput{Service: xroad.ServiceID{Client: births.Client, ServiceCode: "a/b"}, Title: "t", BaseURL: "http://x.uz"},
				map[string]string{"service_code": bus.MsgServiceCode}},
		} {
			_, err := f.reg.CreateService(f.ctx, "admin", tt.in)
			wantFields(t, tt.name, err, tt.want)
		}

		before := f.version()
		url, doc := "https://fhdyo.uz/v2", []byte(`{"openapi":"3.1.0","paths":{}}`)
		u, err := f.reg.UpdateService(f.ctx, "admin", births, bus.ServiceUpdate{BaseURL: &url, OpenAPI: &doc})
		f.must(err)
		if u.BaseURL != url || string(u.OpenAPI) != string(doc) || u.Title != "Tugʻilganlik yozuvlari" {
			t.Errorf("updated = %+v", u)
		}
		none := []byte{}
		_, err = f.reg.UpdateService(f.ctx, "admin", births, bus.ServiceUpdate{OpenAPI: &none})
		f.must(err)
		s, err = f.reg.Service(f.ctx, births)
		f.must(err)
		if s.BaseURL != url || s.OpenAPI != nil {
			t.Errorf("after update = %+v", s)
		}
		bad := "nope"
		_, err = f.reg.UpdateService(f.ctx, "admin", births, bus.ServiceUpdate{BaseURL: &bad})
		wantFields(t, "bad update", err, map[string]string{"base_url": bus.MsgBaseURL})
		_, err = f.reg.UpdateService(f.ctx, "admin", xroad.ServiceID{Client: births.Client, ServiceCode: "x"}, bus.ServiceUpdate{})
		wantCode(t, "update of an unknown service", err, apperr.ENOTFOUND, bus.MsgNoSuchService)
		if v := f.version(); v != before+2 {
			t.Errorf("version %d after two updates from %d", v, before)
		}
	})
}

func TestRights(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed()
		portal, bpm, taxSub := sub(egov, "portal"), sub(egov, "bpm"), sub(tax, "tax")
		allowed := func(client xroad.ClientID, method, path string) bool {
			t.Helper()
			ok, err := f.reg.Allowed(f.ctx, client, births, method, path)
			f.must(err)
			return ok
		}
		if allowed(portal, "GET", "/births/1") {
			t.Error("allowed before any grant")
		}

		// A grant to a subsystem.
		r1, err := f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Subsystem: portal}, bus.Endpoint{Method: "GET", Path: "/births/*"})
		f.must(err)
		if !allowed(portal, "GET", "/births/12345678901234") || allowed(portal, "POST", "/births/1") || allowed(bpm, "GET", "/births/1") ||
			allowed(portal, "GET", "/births/../admin") || allowed(egov, "GET", "/births/1") {
			t.Error("subsystem grant decided wrongly")
		}
		_, err = f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Subsystem: portal}, bus.Endpoint{Method: "GET", Path: "/births/*"})
		wantCode(t, "same grant twice", err, apperr.ECONFLICT, bus.MsgRightExists)

		// A grant to a group reaches its members only.
		group := bus.GroupID{Instance: "UZ", Code: "state-bodies"}
		_, err = f.reg.CreateGroup(f.ctx, "admin", bus.Group{Group: group, Description: "Davlat organlari"})
		f.must(err)
		_, err = f.reg.CreateGroup(f.ctx, "admin", bus.Group{Group: group})
		wantCode(t, "duplicate group", err, apperr.ECONFLICT, bus.MsgGroupExists)
		_, err = f.reg.CreateGroup(f.ctx, "admin", bus.Group{Group: bus.GroupID{Code: "a b"}, Description: strings.Repeat("x", 501)})
		wantFields(t, "bad group", err, map[string]string{"instance": bus.MsgInstance, "group_code": bus.MsgGroupCode,
			"description": bus.MsgDescription})
		f.must(f.reg.AddGroupMember(f.ctx, "admin", group, bpm))
		f.must(f.reg.AddGroupMember(f.ctx, "admin", group, taxSub))
		wantCode(t, "member twice", f.reg.AddGroupMember(f.ctx, "admin", group, bpm), apperr.ECONFLICT, bus.MsgGroupMemberExists)
		wantCode(t, "unknown group", f.reg.AddGroupMember(f.ctx, "admin", bus.GroupID{Instance: "UZ", Code: "x"}, bpm),
			apperr.ENOTFOUND, bus.MsgNoSuchGroup)
		wantCode(t, "unknown subsystem", f.reg.AddGroupMember(f.ctx, "admin", group, sub(egov, "x")),
			apperr.ENOTFOUND, bus.MsgNoSuchSubsystem)
		members, err := f.reg.GroupMembers(f.ctx, group)
		f.must(err)
		if len(members) != 2 || members[0] != taxSub || members[1] != bpm {
			t.Errorf("group members = %+v", members)
		}
		_, err = f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Group: group}, bus.Endpoint{Method: "*", Path: "/births/*/certificate"})
		f.must(err)
		if !allowed(bpm, "POST", "/births/1/certificate") || !allowed(taxSub, "GET", "/births/1/certificate") ||
			allowed(bpm, "GET", "/births/1") || allowed(bpm, "GET", "/births/1/certificate/x") {
			t.Error("group grant decided wrongly")
		}
		f.must(f.reg.RemoveGroupMember(f.ctx, "admin", group, taxSub))
		if allowed(taxSub, "GET", "/births/1/certificate") {
			t.Error("allowed after leaving the group")
		}
		wantCode(t, "remove twice", f.reg.RemoveGroupMember(f.ctx, "admin", group, taxSub), apperr.ENOTFOUND, bus.MsgNoSuchGroupMember)

		// A grant of the whole service.
		_, err = f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Subsystem: bpm}, bus.Whole)
		f.must(err)
		if !allowed(bpm, "DELETE", "/") || !allowed(bpm, "GET", "/births/1") || allowed(bpm, "GET", "/births/%2e%2e/x") {
			t.Error("whole-service grant decided wrongly")
		}
		eps, err := f.reg.AllowedMethods(f.ctx, bpm, births)
		f.must(err)
		if len(eps) != 2 || eps[0] != bus.Whole || eps[1] != (bus.Endpoint{Method: "*", Path: "/births/*/certificate"}) {
			t.Errorf("allowed methods of bpm = %+v", eps)
		}
		eps, err = f.reg.AllowedMethods(f.ctx, taxSub, births)
		f.must(err)
		if len(eps) != 0 {
			t.Errorf("allowed methods of tax = %+v", eps)
		}

		// Unknown services are told apart from denials.
		_, err = f.reg.Allowed(f.ctx, portal, xroad.ServiceID{Client: births.Client, ServiceCode: "x"}, "GET", "/")
		wantCode(t, "unknown service", err, apperr.ENOTFOUND, bus.MsgNoSuchService)
		_, err = f.reg.AllowedMethods(f.ctx, portal, xroad.ServiceID{Client: births.Client, ServiceCode: "x"})
		wantCode(t, "unknown service", err, apperr.ENOTFOUND, bus.MsgNoSuchService)
		if allowed(sub(egov, "unknown"), "GET", "/births/1") {
			t.Error("unknown client allowed")
		}

		// Bad grants.
		for _, tt := range []struct {
			name string
			to   bus.Grantee
			e    bus.Endpoint
			want map[string]string
		}{
			{"nobody", bus.Grantee{}, bus.Whole, map[string]string{"grantee": bus.MsgGrantee}},
			{"both", bus.Grantee{Subsystem: portal, Group: group}, bus.Whole, map[string]string{"grantee": bus.MsgGrantee}},
			{"bad method", bus.Grantee{Subsystem: portal}, bus.Endpoint{Method: "get", Path: "/"}, map[string]string{"method": bus.MsgMethod}},
			{"partial wildcard", bus.Grantee{Subsystem: portal}, bus.Endpoint{Method: "GET", Path: "/births*"}, map[string]string{"path": bus.MsgPath}},
			{"relative", bus.Grantee{Subsystem: portal}, bus.Endpoint{Method: "GET", Path: "births"}, map[string]string{"path": bus.MsgPath}},
			{"dot segment", bus.Grantee{Subsystem: portal}, bus.Endpoint{Method: "GET", Path: "/a/../b"}, map[string]string{"path": bus.MsgPath}},
			{"empty", bus.Grantee{Subsystem: portal}, bus.Endpoint{}, map[string]string{"method": bus.MsgMethod, "path": bus.MsgPath}},
		} {
			_, err := f.reg.GrantRight(f.ctx, "admin", births, tt.to, tt.e)
			wantFields(t, tt.name, err, tt.want)
		}
		_, err = f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Subsystem: sub(egov, "x")}, bus.Whole)
		wantCode(t, "grant to an unknown subsystem", err, apperr.ENOTFOUND, bus.MsgNoSuchSubsystem)
		_, err = f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Group: bus.GroupID{Instance: "UZ", Code: "x"}}, bus.Whole)
		wantCode(t, "grant to an unknown group", err, apperr.ENOTFOUND, bus.MsgNoSuchGroup)

		// Revocation.
		rights, err := f.reg.Rights(f.ctx, births)
		f.must(err)
		if len(rights) != 3 || rights[0].ID != r1.ID || rights[0].Grantee.Subsystem != portal || rights[1].Grantee.Group != group ||
			rights[0].Service != births || rights[0].GrantedBy != "admin" {
			t.Errorf("rights = %+v", rights)
		}
		before := f.version()
		revoked, err := f.reg.RevokeRight(f.ctx, "admin", r1.ID)
		f.must(err)
		if revoked.Endpoint != r1.Endpoint {
			t.Errorf("revoked %+v", revoked)
		}
		if allowed(portal, "GET", "/births/1") {
			t.Error("allowed after revocation")
		}
		_, err = f.reg.RevokeRight(f.ctx, "admin", r1.ID)
		wantCode(t, "revoke twice", err, apperr.ENOTFOUND, bus.MsgNoSuchRight)
		if v := f.version(); v != before+1 {
			t.Errorf("version %d after revocation from %d", v, before)
		}
		entries, _, err := f.log.List(f.ctx, audit.Filter{ObjectType: ptr("bus_right")})
		f.must(err)
		if len(entries) != 4 || entries[0].Action != "bus.right.revoked" || entries[0].ObjectID != r1.ID ||
			entries[0].Details["subsystem"] != "UZ/GOV/207000001/portal" || entries[0].Details["path"] != "/births/*" {
			t.Errorf("right audit entries = %+v", entries)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestRegistrationRequests(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed()
		v0 := f.version()

		// A subsystem: submitted, approved, added.
		q, err := f.reg.SubmitRequest(f.ctx, "tax-officer", bus.RequestInput{Kind: bus.RequestSubsystem, Subsystem: sub(tax, "stir-lookup")})
		f.must(err)
		if q.State != bus.RequestPending || q.RequestedBy != "tax-officer" {
			t.Errorf("request = %+v", q)
		}
		if f.version() != v0 {
			t.Error("a submitted request changed the version")
		}
		_, err = f.reg.SubmitRequest(f.ctx, "tax-officer", bus.RequestInput{Kind: bus.RequestSubsystem, Subsystem: sub(tax, "stir-lookup")})
		wantCode(t, "same request twice", err, apperr.ECONFLICT, bus.MsgRequestPending)
		_, err = f.reg.ApproveRequest(f.ctx, "tax-officer", q.ID)
		wantCode(t, "own request", err, apperr.EFORBIDDEN, bus.MsgRequestOwn)
		a, err := f.reg.ApproveRequest(f.ctx, "admin", q.ID)
		f.must(err)
		if a.State != bus.RequestApproved || a.DecidedBy != "admin" || a.DecidedAt == nil || a.ResultID == "" {
			t.Errorf("approved = %+v", a)
		}
		if _, err := f.reg.GrantRight(f.ctx, "admin", births, bus.Grantee{Subsystem: sub(tax, "stir-lookup")}, bus.Whole); err != nil {
			t.Errorf("the approved subsystem is not there: %v", err)
		}
		if v := f.version(); v != v0+2 {
			t.Errorf("version %d, want %d", v, v0+2)
		}
		_, err = f.reg.ApproveRequest(f.ctx, "admin", q.ID)
		wantCode(t, "approve twice", err, apperr.ECONFLICT, bus.MsgRequestDecided)
		_, err = f.reg.RejectRequest(f.ctx, "admin", q.ID, "late")
		wantCode(t, "reject after approval", err, apperr.ECONFLICT, bus.MsgRequestDecided)
		_, err = f.reg.SubmitRequest(f.ctx, "tax-officer", bus.RequestInput{Kind: bus.RequestSubsystem, Subsystem: sub(tax, "stir-lookup")})
		wantCode(t, "request for an existing subsystem", err, apperr.ECONFLICT, bus.MsgSubsystemExists)

		// A gateway: submitted, rejected, nothing added.
		gw := bus.GatewayInput{Member: tax, Name: "gw1", Address: "gw.soliq.uz", AuthSerial: "AB:01", SignSerial: "cd02"}
		g, err := f.reg.SubmitRequest(f.ctx, "tax-officer", bus.RequestInput{Kind: bus.RequestGateway, Gateway: gw})
		f.must(err)
		if g.Gateway.AuthSerial != "ab01" {
			t.Errorf("gateway request = %+v", g)
		}
		_, err = f.reg.RejectRequest(f.ctx, "admin", g.ID, "  ")
		wantFields(t, "no reason", err, map[string]string{"reason": bus.MsgReason})
		rj, err := f.reg.RejectRequest(f.ctx, "admin", g.ID, "Sertifikat boshqa tashkilotga berilgan")
		f.must(err)
		if rj.State != bus.RequestRejected || rj.Reason != "Sertifikat boshqa tashkilotga berilgan" || rj.ResultID != "" {
			t.Errorf("rejected = %+v", rj)
		}
		if list, _ := f.reg.Gateways(f.ctx); len(list) != 0 {
			t.Errorf("a rejected gateway was added: %+v", list)
		}
		if v := f.version(); v != v0+2 {
			t.Errorf("a rejection changed the version to %d", v)
		}

		// Submitted again, then approved: the gateway is added as asked.
		g, err = f.reg.SubmitRequest(f.ctx, "tax-officer", bus.RequestInput{Kind: bus.RequestGateway, Gateway: gw})
		f.must(err)
		found, err := f.reg.FindRequest(f.ctx, g.ID)
		f.must(err)
		if found.Kind != bus.RequestGateway || found.Gateway != g.Gateway || !found.CreatedAt.Equal(g.CreatedAt) {
			t.Errorf("found %+v, want %+v", found, g)
		}
		_, err = f.reg.ApproveRequest(f.ctx, "admin", g.ID)
		f.must(err)
		list, err := f.reg.Gateways(f.ctx)
		f.must(err)
		if len(list) != 1 || list[0].GatewayInput != g.Gateway {
			t.Errorf("gateways = %+v", list)
		}

		// An approval that can no longer be applied leaves the request
		// pending and changes nothing.
		clash, err := f.reg.SubmitRequest(f.ctx, "tax-officer", bus.RequestInput{Kind: bus.RequestGateway,
			Gateway: bus.GatewayInput{Member: tax, Name: "gw2", Address: "gw2.soliq.uz", AuthSerial: "ab01", SignSerial: "cd02"}})
		f.must(err)
		before := f.version()
		_, err = f.reg.ApproveRequest(f.ctx, "admin", clash.ID)
		wantCode(t, "approve a clashing gateway", err, apperr.ECONFLICT, bus.MsgGatewayExists)
		if found, _ := f.reg.FindRequest(f.ctx, clash.ID); found.State != bus.RequestPending || f.version() != before {
			t.Errorf("failed approval left %+v at version %d", found, f.version())
		}

		pending := bus.RequestPending
		open, err := f.reg.FindRequests(f.ctx, bus.RequestFilter{State: &pending, Member: &tax})
		f.must(err)
		if len(open) != 1 || open[0].ID != clash.ID {
			t.Errorf("pending requests = %+v", open)
		}
		all, err := f.reg.FindRequests(f.ctx, bus.RequestFilter{})
		f.must(err)
		if len(all) != 4 {
			t.Errorf("%d requests, want 4", len(all))
		}

		// Bad requests.
		_, err = f.reg.SubmitRequest(f.ctx, "x", bus.RequestInput{Kind: "member"})
		wantFields(t, "bad kind", err, map[string]string{"kind": bus.MsgKind})
		_, err = f.reg.SubmitRequest(f.ctx, "x", bus.RequestInput{Kind: bus.RequestSubsystem, Subsystem: tax})
		wantFields(t, "no subsystem code", err, map[string]string{"subsystem": bus.MsgSubsystem})
		_, err = f.reg.SubmitRequest(f.ctx, "x", bus.RequestInput{Kind: bus.RequestSubsystem,
			Subsystem: xroad.ClientID{Instance: "UZ", MemberClass: "COM", MemberCode: "999999999", Subsystem: "x"}})
		wantCode(t, "unknown member", err, apperr.ENOTFOUND, bus.MsgNoSuchMember)
		_, err = f.reg.ApproveRequest(f.ctx, "admin", "nope")
		wantCode(t, "unknown request", err, apperr.ENOTFOUND, bus.MsgNoSuchRequest)

		entries, _, err := f.log.List(f.ctx, audit.Filter{ObjectType: ptr("bus_request")})
		f.must(err)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, " "); got != "bus.request.submitted bus.request.approved bus.request.submitted "+
			"bus.request.rejected bus.request.submitted bus.request.approved bus.request.submitted" {
			t.Errorf("request audit actions = %s", got)
		}
		rep, err := f.log.Verify(f.ctx)
		f.must(err)
		if !rep.OK {
			t.Errorf("audit chain: %+v", rep)
		}
	})
}

// TestEveryMessageIsTranslated loads the catalog, which checks that every
// locale has every key, and checks that every message key the package
// declares is in it.
func TestEveryMessageIsTranslated(t *testing.T) {
	b, err := i18n.Load(bus.Locales())
	if err != nil {
		t.Fatal(err)
	}
	file, err := parser.ParseFile(token.NewFileSet(), "bus.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(file, func(node ast.Node) bool {
		spec, ok := node.(*ast.ValueSpec)
		if !ok || !strings.HasPrefix(spec.Names[0].Name, "Msg") {
			return true
		}
		key, _ := strconv.Unquote(spec.Values[0].(*ast.BasicLit).Value)
		n++
		if !b.Has(key) {
			t.Errorf("%s (%q) has no translation", spec.Names[0].Name, key)
		}
		return true
	})
	// Page texts (bus.admin.*) are checked by TestPagesTexts.
	errorKeys := 0
	for _, k := range b.Keys() {
		if !strings.HasPrefix(k, "bus.admin.") {
			errorKeys++
		}
	}
	if n != errorKeys {
		t.Errorf("%d message keys declared, %d translated", n, errorKeys)
	}
}
