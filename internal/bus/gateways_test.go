package bus_test

import (
	"testing"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

func TestUpdateGateway(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed()
		_, err := f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw1", Address: "gw1.adliya.uz:8443",
			AuthSerial: "1abc", SignSerial: "ff"})
		f.must(err)
		_, err = f.reg.CreateGateway(f.ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw2", Address: "gw2.adliya.uz:8443",
			AuthSerial: "2abc", SignSerial: "ff"})
		f.must(err)
		before := f.version()
		addr, auth := " 127.0.0.1:9443 ", "AB:CD"
		g, err := f.reg.UpdateGateway(f.ctx, "admin", civil, "gw1", bus.GatewayUpdate{Address: &addr, AuthSerial: &auth})
		f.must(err)
		if g.Address != "127.0.0.1:9443" || g.AuthSerial != "abcd" || g.SignSerial != "ff" {
			t.Errorf("updated gateway = %+v", g)
		}
		if f.version() != before+1 {
			t.Errorf("version %d after %d", f.version(), before)
		}
		list, err := f.reg.Gateways(f.ctx)
		f.must(err)
		if list[0].Address != "127.0.0.1:9443" || list[0].AuthSerial != "abcd" {
			t.Errorf("stored gateway = %+v", list[0])
		}

		taken, bad := "2abc", "x:y"
		_, err = f.reg.UpdateGateway(f.ctx, "admin", civil, "gw1", bus.GatewayUpdate{AuthSerial: &taken})
		wantCode(t, "another gateway's certificate", err, apperr.ECONFLICT, bus.MsgGatewayExists)
		_, err = f.reg.UpdateGateway(f.ctx, "admin", civil, "gw1", bus.GatewayUpdate{Address: &bad})
		wantFields(t, "bad address", err, map[string]string{"address": bus.MsgAddress})
		_, err = f.reg.UpdateGateway(f.ctx, "admin", tax, "gw1", bus.GatewayUpdate{Address: &addr})
		wantCode(t, "another member's", err, apperr.ENOTFOUND, bus.MsgNoSuchGateway)
		if f.version() != before+1 {
			t.Errorf("refused updates changed the version")
		}
	})
}
