package globalconf_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/globalconf"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// A Directory is what gateways read the registry through.
var (
	_ gateway.ProviderDirectory = (*globalconf.Directory)(nil)
	_ gateway.ConsumerDirectory = (*globalconf.Directory)(nil)
	_ gateway.GatewayLister     = (*globalconf.Directory)(nil)
	_ globalconf.Holder         = (*globalconf.Fetcher)(nil)
)

// fixed holds one configuration, or an error.
type fixed struct {
	c   *globalconf.Config
	err error
}

func (f fixed) Current() (*globalconf.Config, error) { return f.c, f.err }

// TestDirectoryAnswersAsTheRegistry asks the registry and a directory over
// the configuration downloaded from it the same questions.
func TestDirectoryAnswersAsTheRegistry(t *testing.T) {
	e := newEnv(t)
	cs := newCentral(t, newPublisher(t, e))
	f := newFetcher(t, e, cs.URL, "")
	if err := f.Refresh(e.ctx); err != nil {
		t.Fatal(err)
	}
	d := globalconf.NewDirectory(f)
	unknownService := xroad.ServiceID{Client: civilRg, ServiceCode: "marriages"}
	otherProvider := xroad.ServiceID{Client: portal, ServiceCode: "births"}

	tests := []struct {
		client       xroad.ClientID
		service      xroad.ServiceID
		method, path string
	}{
		{portal, births, "GET", "/births/31234567890123"},
		{portal, births, "GET", "/births/1/certificate"},
		{portal, births, "GET", "/births"},
		{portal, births, "GET", "/births/"},
		{portal, births, "POST", "/births/search"},
		{portal, births, "POST", "/births/1"},
		{portal, births, "get", "/births/1"},
		{portal, births, "GET", "/births/../admin"},
		{portal, births, "GET", "/births/%2e%2e/admin"},
		{portal, births, "GET", "/births/a;b"},
		{portal, births, "GET", "/"},
		{bpm, births, "GET", "/"},
		{bpm, births, "DELETE", "/births/1/certificate"},
		{bpm, births, "GET", "/births/1/certificate/x"},
		{bpm, births, "GET", "/births/1"},
		{civilRg, births, "PUT", "/births/1/certificate"}, // through the group
		{civilRg, births, "GET", "/births/1"},
		{loans, births, "GET", "/births/1/certificate"},
		{loans, deaths, "PATCH", "/anything/at/all"},
		{loans, deaths, "GET", "/"},
		{loans, deaths, "GET", "//x"},
		{bpm, deaths, "GET", "/persons/1/deaths"},
		{bpm, deaths, "GET", "/persons/1/deaths/2"},
		{civilRg, deaths, "GET", "/persons/1/deaths"},
		{portal, deaths, "GET", "/persons/1/deaths"},
		{egov, births, "GET", "/births/1"},           // a member, not a subsystem
		{sub(egov, "x"), births, "GET", "/births/1"}, // an unknown subsystem
		{xroad.ClientID{Instance: "EE", MemberClass: "GOV", MemberCode: "1", Subsystem: "portal"}, births, "GET", "/births/1"},
		{portal, unknownService, "GET", "/"},
		{portal, otherProvider, "GET", "/"},
	}
	for _, tt := range tests {
		want, wantErr := e.reg.Allowed(e.ctx, tt.client, tt.service, tt.method, tt.path)
		got, err := d.Allowed(e.ctx, tt.client, tt.service, tt.method, tt.path)
		if got != want || code(err) != code(wantErr) {
			t.Errorf("Allowed(%s, %s, %s %q) = %v, %v; registry %v, %v", tt.client, tt.service, tt.method, tt.path, got, err, want, wantErr)
		}
		wantEps, wantErr := e.reg.AllowedMethods(e.ctx, tt.client, tt.service)
		gotEps, err := d.AllowedMethods(e.ctx, tt.client, tt.service)
		if !reflect.DeepEqual(gotEps, wantEps) || code(err) != code(wantErr) {
			t.Errorf("AllowedMethods(%s, %s) = %v, %v; registry %v, %v", tt.client, tt.service, gotEps, err, wantEps, wantErr)
		}
	}

	for _, id := range []xroad.ServiceID{births, deaths, unknownService, otherProvider} {
		want, wantErr := e.reg.Service(e.ctx, id)
		got, err := d.Service(e.ctx, id)
		if code(err) != code(wantErr) || (err == nil && !reflect.DeepEqual(got, withoutRowData(want))) {
			t.Errorf("Service(%s) = %+v, %v; registry %+v, %v", id, got, err, want, wantErr)
		}
		if err != nil && !apperr.Is(err, apperr.ENOTFOUND) || err != nil && apperr.As(err).Message != bus.MsgNoSuchService {
			t.Errorf("Service(%s): %v", id, err)
		}
	}
	for _, provider := range []xroad.ClientID{civilRg, portal, sub(egov, "x"), civil} {
		want, err := e.reg.Services(e.ctx, provider)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range want {
			want[i] = withoutRowData(s)
		}
		if got, err := d.Services(e.ctx, provider); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Services(%s) = %+v, %v; registry %+v", provider, got, err, want)
		}
	}
	wantGWs, err := e.reg.Gateways(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range wantGWs {
		wantGWs[i].ID, wantGWs[i].CreatedAt = "", time.Time{}
	}
	if got, err := d.Gateways(e.ctx); err != nil || !reflect.DeepEqual(got, wantGWs) {
		t.Errorf("Gateways = %+v, %v; registry %+v", got, err, wantGWs)
	}
	wantClients, err := e.reg.ListClients(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d.ListClients(e.ctx); err != nil || !reflect.DeepEqual(got, wantClients) {
		t.Errorf("ListClients = %+v, %v; registry %+v", got, err, wantClients)
	}

	// Callers may change what they get without changing the directory.
	gws, _ := d.Gateways(e.ctx)
	gws[0].Address = "evil.test:443"
	s, _ := d.Service(e.ctx, births)
	s.BaseURL = "https://evil.test/"
	if again, _ := d.Gateways(e.ctx); again[0].Address == "evil.test:443" {
		t.Error("a caller changed the gateways")
	}
	if again, _ := d.Service(e.ctx, births); again.BaseURL == "https://evil.test/" {
		t.Error("a caller changed a service")
	}
}

// withoutRowData is s as the configuration carries it.
func withoutRowData(s *bus.Service) *bus.Service {
	if s == nil {
		return nil
	}
	out := *s
	out.ID, out.CreatedAt, out.UpdatedAt = "", time.Time{}, time.Time{}
	return &out
}

// code is the apperr code of err, "" for nil, "other" for another error.
func code(err error) string {
	if err == nil {
		return ""
	}
	if e := apperr.As(err); e != nil {
		return e.Code + " " + e.Message
	}
	return "other"
}

// TestDirectoryRefusesWithoutConfiguration checks that every method gives
// the holder's error once the configuration expired.
func TestDirectoryRefusesWithoutConfiguration(t *testing.T) {
	e := newEnv(t)
	cs := newCentral(t, newPublisher(t, e))
	f := newFetcher(t, e, cs.URL, "")
	d := globalconf.NewDirectory(f)
	check := func(what string, want func(error) bool) {
		t.Helper()
		_, err1 := d.Service(e.ctx, births)
		_, err2 := d.Services(e.ctx, civilRg)
		_, err3 := d.Allowed(e.ctx, portal, births, "GET", "/births/1")
		_, err4 := d.AllowedMethods(e.ctx, portal, births)
		_, err5 := d.Gateways(e.ctx)
		_, err6 := d.ListClients(e.ctx)
		for i, err := range []error{err1, err2, err3, err4, err5, err6} {
			if !want(err) {
				t.Errorf("%s: method %d: %v", what, i+1, err)
			}
		}
	}
	check("not loaded", func(err error) bool { return errors.Is(err, globalconf.ErrNotLoaded) })
	if err := f.Refresh(e.ctx); err != nil {
		t.Fatal(err)
	}
	check("loaded", func(err error) bool { return err == nil })
	e.clock.Advance(globalconf.DefaultValidity)
	check("expired", func(err error) bool {
		var exp *globalconf.ExpiredError
		return errors.As(err, &exp) && globalconf.ProtocolError(err, xroad.OriginServerProxy).Type == "Server.ServerProxy.OutdatedGlobalConf"
	})
	if _, err := globalconf.NewDirectory(fixed{err: globalconf.ErrNotLoaded}).Gateways(e.ctx); !errors.Is(err, globalconf.ErrUnavailable) {
		t.Errorf("fixed error: %v", err)
	}
}
