package gateway_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// keyring is a LocalClients whose keys a test changes.
type keyring struct {
	mu   sync.Mutex
	keys map[string]xroad.ClientID
}

func (k *keyring) ByAPIKey(_ context.Context, key string) (xroad.ClientID, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c, ok := k.keys[key]
	return c, ok, nil
}

// ByCertificate knows no certificates.
func (*keyring) ByCertificate(context.Context, *x509.Certificate) (xroad.ClientID, bool, error) {
	return xroad.ClientID{}, false, nil
}

func (k *keyring) revoke(key string) {
	k.mu.Lock()
	delete(k.keys, key)
	k.mu.Unlock()
}

// TestCacheDelays checks the bound the gateways' caches put on how late a
// change reaches them: a revoked access right and a revoked API key still
// work within CacheTTL and no longer after it.
func TestCacheDelays(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		clk := clock.NewManual(time.Now())

		// The provider side: an access right.
		prov, err := gateway.NewProvider(gateway.ProviderConfig{Directory: e.reg, Member: civil, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(prov)
		t.Cleanup(srv.Close)
		right, err := e.reg.GrantRight(ctx, "admin", births, bus.Grantee{Subsystem: bpm}, bus.Endpoint{Method: "GET", Path: "/births/*"})
		if err != nil {
			t.Fatal(err)
		}
		const asBPM = `GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/bpm`
		if resp, body := call(t, srv, asBPM); resp.StatusCode != http.StatusOK {
			t.Fatalf("granted: %d %s", resp.StatusCode, body)
		}
		if _, err := e.reg.RevokeRight(ctx, "admin", right.ID); err != nil {
			t.Fatal(err)
		}
		if resp, body := call(t, srv, asBPM); resp.StatusCode != http.StatusOK {
			t.Errorf("revoked within the TTL: %d %s", resp.StatusCode, body)
		}
		clk.Advance(gateway.DefaultCacheTTL)
		resp, body := call(t, srv, asBPM)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.AccessDenied")

		// The consumer side: an API key.
		keys := &keyring{keys: map[string]xroad.ClientID{"portal-key": portal}}
		cons, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: e.reg, Member: egov, LocalClients: keys,
			Timeout: 5 * time.Second, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		csrv := httptest.NewServer(cons)
		t.Cleanup(csrv.Close)
		const get = `GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key`
		if resp, body := call(t, csrv, get); resp.StatusCode != http.StatusOK {
			t.Fatalf("valid key: %d %s", resp.StatusCode, body)
		}
		keys.revoke("portal-key")
		if resp, body := call(t, csrv, get); resp.StatusCode != http.StatusOK {
			t.Errorf("revoked key within the TTL: %d %s", resp.StatusCode, body)
		}
		clk.Advance(gateway.DefaultCacheTTL)
		resp, body = call(t, csrv, get)
		wantError(t, resp, body, http.StatusBadRequest, "Client.AccessDenied")

		// Without caching, a change takes effect at once.
		nocache, err := gateway.NewProvider(gateway.ProviderConfig{Directory: e.reg, Member: civil, CacheTTL: -1})
		if err != nil {
			t.Fatal(err)
		}
		nsrv := httptest.NewServer(nocache)
		t.Cleanup(nsrv.Close)
		right, err = e.reg.GrantRight(ctx, "admin", births, bus.Grantee{Subsystem: bpm}, bus.Endpoint{Method: "GET", Path: "/births/*"})
		if err != nil {
			t.Fatal(err)
		}
		if resp, body := call(t, nsrv, asBPM); resp.StatusCode != http.StatusOK {
			t.Fatalf("granted again: %d %s", resp.StatusCode, body)
		}
		if _, err := e.reg.RevokeRight(ctx, "admin", right.ID); err != nil {
			t.Fatal(err)
		}
		resp, body = call(t, nsrv, asBPM)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.AccessDenied")
	})
}
