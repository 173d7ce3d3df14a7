package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// loggedConsumer is a consumer gateway of the egov member with Security
// that logs to log as "egov-gw".
func (e *secEnv) loggedConsumer(t *testing.T, log gateway.MessageLog, maxAge time.Duration) *httptest.Server {
	t.Helper()
	c, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: e.reg, Member: egov, LocalClients: apiKeys{"portal-key": portal},
		Security: e.egov, Timeout: 10 * time.Second, Log: log, GatewayName: "egov-gw", MaxTimestampAge: maxAge, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}

// logProvider has the civil registry's gateway log to log as "civil-gw".
func (e *secEnv) logProvider(t *testing.T, log gateway.MessageLog, maxAge time.Duration) {
	t.Helper()
	prov, err := gateway.NewProvider(gateway.ProviderConfig{Directory: e.reg, Member: civil, Security: e.civil,
		Log: log, GatewayName: "civil-gw", MaxTimestampAge: maxAge, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	old := e.prov.Swap(prov)
	t.Cleanup(func() { e.prov.Store(old) })
}

// errorMessage returns the message of a protocol error body.
func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ Message string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e.Message
}

// TestMessageLog checks that both gateways record a signed exchange, and
// refuse messages while their records wait too long for a timestamp.
func TestMessageLog(t *testing.T) {
	e := newSecEnv(t)
	ctx := context.Background()
	consLog, provLog := msglog.New(e.db, e.clock), msglog.New(e.db, e.clock)
	// The provider's limit is the shorter, so that its refusal is seen
	// before the consumer's own.
	e.logProvider(t, provLog, time.Minute)
	cons := e.loggedConsumer(t, consLog, 3*time.Minute)
	withID := func(id string) string {
		return strings.Replace(getBirth, "X-Road-Api-Key: portal-key", "X-Road-Api-Key: portal-key\nX-Road-Id: "+id, 1)
	}

	resp, body := call(t, cons, withID("log-0001"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Aziz Karimov") {
		t.Fatalf("got %d %s", resp.StatusCode, body)
	}
	evidence := func(log *msglog.Log, gw, id string) msglog.Record {
		t.Helper()
		ev, err := log.Evidence(ctx, gw, id)
		if err != nil || len(ev) != 1 {
			t.Fatalf("Evidence(%s, %s) = %+v, %v", gw, id, ev, err)
		}
		return ev[0].Record
	}
	c, p := evidence(consLog, "egov-gw", "log-0001"), evidence(provLog, "civil-gw", "log-0001")
	if c.RequestHash != resp.Header.Get("X-Road-Request-Hash") || p.RequestHash != c.RequestHash {
		t.Errorf("request hashes: consumer %q, provider %q, response header %q", c.RequestHash, p.RequestHash,
			resp.Header.Get("X-Road-Request-Hash"))
	}
	for _, r := range []msglog.Record{c, p} {
		if r.Client != portal.String() || r.Service != births.String() || r.Status != http.StatusOK ||
			len(r.RequestSignature) == 0 || len(r.ResponseSignature) == 0 || r.ResponseHash == "" {
			t.Errorf("record %+v", r)
		}
	}
	if !bytes.Equal(c.RequestSignature, p.RequestSignature) || !bytes.Equal(c.ResponseSignature, p.ResponseSignature) ||
		c.ResponseHash != p.ResponseHash {
		t.Error("the two gateways recorded different signatures or response hashes")
	}

	// Nothing has been timestamped: past the provider's limit, it refuses
	// and says why; the consumer relays and records the refusal.
	e.clock.Advance(2 * time.Minute)
	resp, body = call(t, cons, withID("log-0002"))
	wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.TimestampingFailed")
	if msg := errorMessage(t, body); !strings.Contains(msg, "not been timestamped within 1m0s") || strings.Contains(msg, "log-0001") {
		t.Errorf("provider's refusal says %q", msg)
	}
	if r := evidence(consLog, "egov-gw", "log-0002"); r.Status != http.StatusInternalServerError || len(r.ResponseSignature) != 0 {
		t.Errorf("relayed refusal recorded as %+v", r)
	}
	// Past the consumer's limit, it refuses before sending anything.
	e.clock.Advance(2 * time.Minute)
	resp, body = call(t, cons, withID("log-0003"))
	wantError(t, resp, body, http.StatusInternalServerError, "Server.ClientProxy.TimestampingFailed")
	if msg := errorMessage(t, body); !strings.Contains(msg, "not been timestamped within 3m0s") || strings.Contains(msg, "log-0001") {
		t.Errorf("consumer's refusal says %q", msg)
	}
	if _, err := consLog.Evidence(ctx, "egov-gw", "log-0003"); err == nil {
		t.Error("a refused request was recorded")
	}

	// Timestamped, both accept messages again.
	if n, err := consLog.TimestampBatch(ctx, e.ca); err != nil || n != 3 {
		t.Fatalf("TimestampBatch = %d, %v; want 3", n, err)
	}
	resp, body = call(t, cons, withID("log-0004"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after timestamping: %d %s", resp.StatusCode, body)
	}
	evidence(provLog, "civil-gw", "log-0004")
	for _, gw := range []string{"egov-gw", "civil-gw"} {
		if err := consLog.Verify(ctx, gw); err != nil {
			t.Error(err)
		}
	}
}

// fakeLog is a message log that keeps entries in memory and fails as
// told.
type fakeLog struct {
	mu                   sync.Mutex
	entries              []msglog.Entry
	healthErr, recordErr error
}

func (l *fakeLog) Record(_ context.Context, e msglog.Entry) (msglog.Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.recordErr != nil {
		return msglog.Record{}, l.recordErr
	}
	l.entries = append(l.entries, e)
	return msglog.Record{Entry: e}, nil
}

func (l *fakeLog) Healthy(context.Context, string, time.Duration) error { return l.healthErr }

func (l *fakeLog) recorded() []msglog.Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]msglog.Entry(nil), l.entries...)
}

// TestMessageLogFailures checks that an answer that cannot be recorded is
// not relayed, and that a log that cannot tell its health stops the
// gateway without telling why; and, without Security, what is recorded.
func TestMessageLogFailures(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		consumer := func(log gateway.MessageLog) *httptest.Server {
			c, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: e.reg, Member: egov,
				LocalClients: apiKeys{"portal-key": portal}, Timeout: 5 * time.Second, Log: log, GatewayName: "egov-gw"})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(c)
			t.Cleanup(srv.Close)
			return srv
		}
		const get = `GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key
X-Road-Id: log-fake-0001`

		ok := &fakeLog{}
		resp, body := call(t, consumer(ok), get)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d %s", resp.StatusCode, body)
		}
		want := msglog.Entry{Gateway: "egov-gw", QueryID: "log-fake-0001", Client: portal.String(), Service: births.String(),
			RequestHash: resp.Header.Get("X-Road-Request-Hash"), Status: http.StatusOK}
		if got := ok.recorded(); len(got) != 1 || got[0].RequestHash == "" || got[0].Gateway != want.Gateway ||
			got[0].QueryID != want.QueryID || got[0].Client != want.Client || got[0].Service != want.Service ||
			got[0].RequestHash != want.RequestHash || got[0].Status != want.Status || got[0].ResponseHash != "" ||
			got[0].RequestSignature != nil || got[0].ResponseSignature != nil {
			t.Errorf("recorded %+v, want %+v", got, want)
		}

		resp, body = call(t, consumer(&fakeLog{recordErr: errors.New("disk full")}), get)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ClientProxy.LoggingFailed")
		if strings.Contains(string(body), "Aziz") || strings.Contains(string(body), "disk full") {
			t.Errorf("the unrecorded answer or the cause reached the client: %s", body)
		}

		resp, body = call(t, consumer(&fakeLog{healthErr: errors.New("disk on fire")}), get)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ClientProxy.LoggingFailed")
		if strings.Contains(string(body), "disk on fire") {
			t.Errorf("the cause reached the client: %s", body)
		}

		// The provider side alike, without Security.
		prov, err := gateway.NewProvider(gateway.ProviderConfig{Directory: e.reg, Member: civil,
			Log: &fakeLog{recordErr: errors.New("disk full")}, GatewayName: "civil-gw"})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(prov)
		t.Cleanup(srv.Close)
		resp, body = call(t, srv, `GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal`)
		wantError(t, resp, body, http.StatusInternalServerError, "Server.ServerProxy.LoggingFailed")
		if resp.Header.Get("X-Road-Request-Hash") != "" || strings.Contains(string(body), "Aziz") {
			t.Errorf("the unrecorded answer reached the consumer: %v %s", resp.Header, body)
		}

		if _, err := gateway.NewProvider(gateway.ProviderConfig{Directory: e.reg, Member: civil, Log: &fakeLog{}}); err == nil {
			t.Error("NewProvider took a log without a gateway name")
		}
		if _, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: e.reg, Member: egov, LocalClients: apiKeys{},
			Log: &fakeLog{}, GatewayName: "egov-gw", MaxTimestampAge: -time.Second}); err == nil {
			t.Error("NewConsumer took a negative timestamp age")
		}
	})
}
