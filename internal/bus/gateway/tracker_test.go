package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// TestDataTracker checks that the provider gateway records a service call
// about a person, and only one that names a person and reaches the service.
func TestDataTracker(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		const aziz = "31234567890123"
		accesses := func() []bus.Access {
			t.Helper()
			got, err := e.tracker.Accesses(ctx, aziz, 20)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}

		before := time.Now().Add(-time.Second)
		resp, body := call(t, e.consumer, `GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key
X-Road-Id: 0b9f1c2e-track-0001
X-Road-UserId: UZ31234567890123
X-Road-Issue: ARIZA-2026-0042`)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d %s", resp.StatusCode, body)
		}
		got := accesses()
		want := bus.Access{PINFL: aziz, Client: "UZ/GOV/207000001/portal", Service: "UZ/GOV/201122919/civil-registry/births",
			Issue: "ARIZA-2026-0042", QueryID: "0b9f1c2e-track-0001"}
		if len(got) != 1 {
			t.Fatalf("accesses %+v, want one", got)
		}
		at := got[0].At
		got[0].At = time.Time{}
		if got[0] != want || at.Before(before) || at.After(time.Now().Add(time.Second)) {
			t.Errorf("access %+v at %v, want %+v about now", got[0], at, want)
		}

		// No user, a user who is not a PINFL, a call refused before the
		// service and a metaservice leave nothing; a service's own error
		// answer still means it was asked.
		for _, raw := range []string{
			`GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key`,
			`GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key
X-Road-UserId: EE31234567890123`,
			`GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/bpm
X-Road-Api-Key: bpm-key
X-Road-UserId: UZ31234567890123`,
			`GET /r1/UZ/GOV/201122919/civil-registry/listMethods HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key
X-Road-UserId: UZ31234567890123`,
		} {
			call(t, e.consumer, raw)
		}
		if got := accesses(); len(got) != 1 {
			t.Errorf("accesses after calls about no one %+v", got)
		}
		resp, _ = call(t, e.consumer, `GET /r1/UZ/GOV/201122919/civil-registry/births/births/1 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key
X-Road-Id: 0b9f1c2e-track-0002
X-Road-UserId: UZ31234567890123`)
		if got := accesses(); resp.StatusCode != http.StatusNotFound || len(got) != 2 ||
			got[0].QueryID != "0b9f1c2e-track-0002" || got[0].Issue != "" {
			t.Errorf("after the service's 404 (%d): %+v", resp.StatusCode, got)
		}
	})
}

// failingTracker refuses every access.
type failingTracker struct{}

func (failingTracker) Record(context.Context, bus.Access) error { return errors.New("tracker down") }

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDataTrackerFailure checks that a tracker failure is logged and the
// consumer still gets the service's answer.
func TestDataTrackerFailure(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var logs lockedBuffer
		prov, err := gateway.NewProvider(gateway.ProviderConfig{Directory: e.reg, Member: civil, Timeout: 2 * time.Second,
			Tracker: failingTracker{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(prov)
		t.Cleanup(srv.Close)
		resp, body := call(t, srv, `GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Id: 0b9f1c2e-track-0003
X-Road-UserId: UZ31234567890123`)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"name":"Aziz Karimov"`) {
			t.Errorf("got %d %s", resp.StatusCode, body)
		}
		if l := logs.String(); !strings.Contains(l, "recording a data access failed") ||
			!strings.Contains(l, "0b9f1c2e-track-0003") || !strings.Contains(l, "tracker down") {
			t.Errorf("log %q", l)
		}
	})
}
