package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/globalconf"
	"github.com/egovuz/egov/internal/bus/xroad"
)

// expired is a gateway's configuration source whose configuration ran
// out without a newer one arriving.
type expired struct{}

func (expired) Current() (*globalconf.Config, error) {
	return nil, &globalconf.ExpiredError{Version: 7, ExpiresAt: time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC)}
}

// TestOutdatedGlobalConf checks that both sides of a gateway working from
// an expired global configuration refuse every message with the
// protocol's OutdatedGlobalConf, saying since when.
func TestOutdatedGlobalConf(t *testing.T) {
	dir := globalconf.NewDirectory(expired{})
	egov := xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "207000001"}
	civil := xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "201122919"}
	cons, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: dir, Member: egov,
		LocalClients: apiKeys{"portal-key": sub(egov, "portal")}})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := gateway.NewProvider(gateway.ProviderConfig{Directory: dir, Member: civil})
	if err != nil {
		t.Fatal(err)
	}
	for side, h := range map[string]http.Handler{"Server.ClientProxy": cons, "Server.ServerProxy": prov} {
		srv := httptest.NewServer(h)
		resp, body := call(t, srv, `GET /r1/UZ/GOV/201122919/civil-registry/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key`)
		srv.Close()
		if resp.StatusCode != 500 || resp.Header.Get("X-Road-Error") != side+".OutdatedGlobalConf" ||
			!strings.Contains(string(body), "expired since 2026-12-02T04:00:00Z") {
			t.Errorf("%s: %d %s %s", side, resp.StatusCode, resp.Header.Get("X-Road-Error"), body)
		}
	}
}
