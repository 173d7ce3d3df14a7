package bus_test

import (
	"context"
	"crypto/x509"
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
)

func TestAPIKeys(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
		keys := bus.NewAPIKeys(d, c, audit.New(d, c))
		portal := xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "201122919", Subsystem: "portal"}
		other := portal
		other.Subsystem = "archive"

		key, secret, err := keys.Create(ctx, "admin", portal, "  Portal back office  ")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "egov_") || len(secret) < 50 || key.Label != "Portal back office" {
			t.Fatalf("key %+v, secret %q", key, secret)
		}
		_, secret2, err := keys.Create(ctx, "admin", other, "Archive")
		if err != nil {
			t.Fatal(err)
		}
		if secret2 == secret {
			t.Fatal("two keys are the same")
		}
		for _, tc := range []struct {
			key  string
			want xroad.ClientID
			ok   bool
		}{
			{secret, portal, true},
			{secret2, other, true},
			{secret + "x", xroad.ClientID{}, false},
			{strings.TrimPrefix(secret, "egov_"), xroad.ClientID{}, false},
			{"", xroad.ClientID{}, false},
		} {
			got, ok, err := keys.ByAPIKey(ctx, tc.key)
			if err != nil || ok != tc.ok || got != tc.want {
				t.Errorf("ByAPIKey(%q) = %v, %v, %v; want %v, %v", tc.key, got, ok, err, tc.want, tc.ok)
			}
		}

		member := portal
		member.Subsystem = ""
		_, _, err = keys.Create(ctx, "admin", member, "no subsystem")
		wantFields(t, "member without subsystem", err, map[string]string{"subsystem": bus.MsgSubsystem})
		_, _, err = keys.Create(ctx, "admin", portal, " ")
		wantFields(t, "empty label", err, map[string]string{"label": bus.MsgLabel})

		if err := keys.Revoke(ctx, "admin", key.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := keys.ByAPIKey(ctx, secret); ok || err != nil {
			t.Errorf("revoked key still works: %v %v", ok, err)
		}
		wantCode(t, "revoke twice", keys.Revoke(ctx, "admin", key.ID), apperr.ECONFLICT, bus.MsgAPIKeyRevoked)
		wantCode(t, "revoke unknown", keys.Revoke(ctx, "admin", "nope"), apperr.ENOTFOUND, bus.MsgNoSuchAPIKey)

		// A system's TLS certificate, registered once, works as its key.
		cert := &x509.Certificate{Raw: []byte("a system's certificate, DER")}
		if _, err := keys.AddCertificate(ctx, "admin", other, "Archive TLS", cert); err != nil {
			t.Fatal(err)
		}
		_, err = keys.AddCertificate(ctx, "admin", portal, "again", cert)
		wantCode(t, "one certificate twice", err, apperr.ECONFLICT, bus.MsgCertificateExists)
		if got, ok, err := keys.ByCertificate(ctx, cert); err != nil || !ok || got != other {
			t.Errorf("ByCertificate = %v, %v, %v", got, ok, err)
		}
		if _, ok, _ := keys.ByCertificate(ctx, &x509.Certificate{Raw: []byte("another")}); ok {
			t.Error("an unregistered certificate works")
		}

		list, err := keys.List(ctx, portal)
		if err != nil || len(list) != 1 || list[0].ID != key.ID || list[0].RevokedAt == nil || list[0].Client != portal {
			t.Fatalf("list = %+v, %v", list, err)
		}
	})
}
