package gateway_test

import (
	"bufio"
	"context"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

var (
	civil   = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "201122919"}
	egov    = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "207000001"}
	tax     = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "200935935"}
	noGW    = xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "209999999"}
	civilRg = sub(civil, "civil-registry")
	portal  = sub(egov, "portal")
	bpm     = sub(egov, "bpm")
	births  = xroad.ServiceID{Client: civilRg, ServiceCode: "births"}
)

func sub(m xroad.ClientID, code string) xroad.ClientID {
	m.Subsystem = code
	return m
}

// birthsOpenAPI describes the demo civil registry.
const birthsOpenAPI = `{"openapi":"3.0.3","info":{"title":"Births","version":"1"},"paths":{` +
	`"/births/{pinfl}":{"get":{"responses":{"200":{"description":"A birth record"}}}},` +
	`"/births/search":{"post":{"responses":{"200":{"description":"Matching records"}}}},"x-note":"demo"}}`

// seen is a request as a server received it.
type seen struct {
	method, target string
	header         http.Header
	body           []byte
}

// recorder keeps the last request a handler received.
type recorder struct {
	mu   sync.Mutex
	last seen
}

func (rec *recorder) record(r *http.Request, body []byte) {
	rec.mu.Lock()
	rec.last = seen{r.Method, r.RequestURI, r.Header.Clone(), body}
	rec.mu.Unlock()
}

func (rec *recorder) get() seen {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.last
}

// civilRegistry is the demo provider service: birth records by PINFL, a
// search taking a JSON body, and an endpoint that hangs.
func civilRegistry(rec *recorder) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/births/{pinfl}", func(w http.ResponseWriter, r *http.Request) {
		rec.record(r, nil)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		// A service must not be able to speak for the gateway.
		w.Header().Set("X-Road-Request-Hash", "forged")
		w.Header().Set("X-Road-Error", "Server.ServerProxy.Forged")
		if r.PathValue("pinfl") != "31234567890123" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"no such record"}`)
			return
		}
		_, _ = io.WriteString(w, `{"pinfl":"31234567890123","name":"Aziz Karimov","born":"2001-02-03","place":"Toshkent"}`)
	})
	mux.HandleFunc("GET /api/births/moved/{pinfl}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/births/"+r.PathValue("pinfl"), http.StatusFound)
	})
	mux.HandleFunc("POST /api/births/search", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.record(r, body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"query_bytes":%d}`, len(body))
	})
	mux.HandleFunc("/slow/", func(w http.ResponseWriter, r *http.Request) {
		rec.record(r, nil)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	return mux
}

// apiKeys binds API keys to the egov member's subsystems.
type apiKeys map[string]xroad.ClientID

func (k apiKeys) ByAPIKey(_ context.Context, key string) (xroad.ClientID, bool, error) {
	c, ok := k[key]
	return c, ok, nil
}

// ByCertificate knows no certificates; see TestLocalClientCertificates.
func (apiKeys) ByCertificate(context.Context, *x509.Certificate) (xroad.ClientID, bool, error) {
	return xroad.ClientID{}, false, nil
}

// fakeProvider is the gateway of the tax member, which answers every
// request with 200 and a body, but with a request hash that is wrong,
// missing, or replaced by a false error flag, by the service code.
func fakeProvider(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	switch {
	case strings.Contains(r.RequestURI, "/tampered"):
		other := xroad.MessageHead("GET", "/r1/UZ/GOV/200935935/tax/other", http.Header{})
		w.Header().Set("X-Road-Request-Hash", xroad.RequestHash(other, nil))
	case strings.Contains(r.RequestURI, "/flagged"):
		w.Header().Set("X-Road-Error", "Server.ServerProxy.AccessDenied")
	}
	_, _ = io.WriteString(w, `{"stir":"200935935","debt":0}`)
}

// env is a registry with a provider gateway in front of the civil
// registry, a consumer gateway for egov's subsystems, and a fake provider
// gateway for the tax member.
type env struct {
	reg      *bus.Registry
	tracker  *bus.Tracker // the provider gateway's data tracker
	service  recorder     // what the civil registry received
	atGW     recorder     // what the provider gateway received
	provider *httptest.Server
	consumer *httptest.Server
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := context.Background()
	c := clock.System{}
	e := &env{reg: bus.New(d, c, audit.New(d, c)), tracker: bus.NewTracker(d, c)}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	service := httptest.NewServer(civilRegistry(&e.service))
	t.Cleanup(service.Close)
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downAddr := down.Addr().String()
	_ = down.Close()

	prov, err := gateway.NewProvider(gateway.ProviderConfig{Directory: e.reg, Member: civil, Timeout: 2 * time.Second,
		MaxBodyBytes: 4096, Tracker: e.tracker})
	if err != nil {
		t.Fatal(err)
	}
	e.provider = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.atGW.record(r, nil)
		prov.ServeHTTP(w, r)
	}))
	t.Cleanup(e.provider.Close)
	fake := httptest.NewServer(http.HandlerFunc(fakeProvider))
	t.Cleanup(fake.Close)
	cons, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: e.reg, Member: egov,
		LocalClients: apiKeys{"portal-key": portal, "bpm-key": bpm, "foreign-key": sub(tax, "tax")},
		Timeout:      5 * time.Second, MaxBodyBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	e.consumer = httptest.NewServer(cons)
	t.Cleanup(e.consumer.Close)

	for _, m := range []bus.Member{{Client: civil, Name: "Adliya vazirligi FHDYo"}, {Client: egov, Name: "Elektron hukumat"},
		{Client: tax, Name: "Soliq qoʻmitasi"}, {Client: noGW, Name: "Kadastr agentligi"}} {
		must(e.reg.CreateMember(ctx, "admin", m))
	}
	for _, s := range []xroad.ClientID{civilRg, portal, bpm, sub(tax, "tax"), sub(noGW, "cadastre")} {
		must(e.reg.CreateSubsystem(ctx, "admin", s))
	}
	must(e.reg.CreateGateway(ctx, "admin", bus.GatewayInput{Member: civil, Name: "gw1",
		Address: e.provider.Listener.Addr().String(), AuthSerial: "a1", SignSerial: "a2"}))
	must(e.reg.CreateGateway(ctx, "admin", bus.GatewayInput{Member: tax, Name: "gw1",
		Address: fake.Listener.Addr().String(), AuthSerial: "b1", SignSerial: "b2"}))
	for _, s := range []bus.ServiceInput{
		{Service: births, Title: "Tugʻilganlik yozuvlari", BaseURL: service.URL + "/api/", OpenAPI: []byte(birthsOpenAPI)},
		{Service: xroad.ServiceID{Client: civilRg, ServiceCode: "marriages"}, Title: "Nikoh yozuvlari",
			BaseURL: "http://" + downAddr + "/api"},
		{Service: xroad.ServiceID{Client: civilRg, ServiceCode: "slow"}, Title: "Sekin xizmat", BaseURL: service.URL + "/slow"},
	} {
		must(e.reg.CreateService(ctx, "admin", s))
	}
	for _, g := range []struct {
		service string
		ep      bus.Endpoint
	}{
		{"births", bus.Endpoint{Method: "GET", Path: "/births/*"}},
		{"births", bus.Endpoint{Method: "POST", Path: "/births/search"}},
		{"marriages", bus.Whole},
		{"slow", bus.Whole},
	} {
		must(e.reg.GrantRight(ctx, "admin", xroad.ServiceID{Client: civilRg, ServiceCode: g.service},
			bus.Grantee{Subsystem: portal}, g.ep))
	}
	return e
}

// call sends raw, a request written as in the protocol documents with
// "\n" line ends, to srv, adding Host, Connection: close and, with a body,
// Content-Length; it returns the response and its body.
func call(t *testing.T, srv *httptest.Server, raw string) (*http.Response, []byte) {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\n\n")
	head = strings.ReplaceAll(strings.TrimSpace(head), "\n", "\r\n") + "\r\nHost: gateway.local\r\nConnection: close\r\n"
	if body != "" && !strings.Contains(strings.ToLower(head), "content-length:") &&
		!strings.Contains(strings.ToLower(head), "transfer-encoding:") {
		head += "Content-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, got
}

// wantError checks that a response is the protocol error of the type, with
// its status, X-Road-Error header and JSON body with a detail to find it
// in the logs by.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, typ string) {
	t.Helper()
	var e struct{ Type, Message, Detail string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if resp.StatusCode != status || resp.Header.Get("X-Road-Error") != typ || e.Type != typ || e.Message == "" || e.Detail == "" {
		t.Errorf("got %d %q %s, want %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"), body, status, typ)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("error Content-Type %q", ct)
	}
}

// hashOf computes X-Road-Request-Hash independently for a request as the
// provider gateway received it: the head without the hop-by-hop headers
// and those a transport may rewrite, and the body.
func hashOf(r seen, body []byte) string {
	h := r.header.Clone()
	xroad.RemoveHopByHop(h)
	for _, name := range []string{"Content-Length", "Expect", "Accept-Encoding"} {
		h.Del(name)
	}
	head := xroad.MessageHead(r.method, r.target, h)
	if len(body) == 0 {
		return xroad.RequestHash(head, nil)
	}
	d := sha512.Sum512(body)
	return xroad.RequestHash(head, d[:])
}

func schema() []db.Migrations { return []db.Migrations{audit.Migrations(), bus.Migrations()} }

func TestServiceCall(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)

		// PR-REST 4.1 and 4.3: the service ID percent-encoded part by
		// part, the optional headers, a query, a user-defined X-Road
		// header that must pass and an Accept that must reach the service.
		resp, body := call(t, e.consumer, `GET /r1/UZ/GOV/201122919/civil%2Dregistry/births/births/31234567890123?lang=uz&v=1 HTTP/1.1
x-road-client: UZ/GOV/207000001/portal
X-Road-Id: fa2e18a5-c2cb-4d09-b994-f57727f7c3fb
X-Road-UserId: UZ31234567890123
X-Road-Issue: ARIZA-2026-0042
X-Road-Represented-Party: COM/301234567
X-Road-Security-Server: UZ/GOV/201122919/gw1
X-Road-Api-Key: portal-key
X-Road-Trace: abc
Accept: application/json
User-Agent: portal/1.0`)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"name":"Aziz Karimov"`) {
			t.Fatalf("got %d %s", resp.StatusCode, body)
		}
		h := resp.Header
		for name, want := range map[string]string{
			"X-Road-Client":  "UZ/GOV/207000001/portal",
			"X-Road-Service": "UZ/GOV/201122919/civil-registry/births",
			"X-Road-Id":      "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb",
			"Content-Type":   "application/json; charset=utf-8",
			"X-Road-Error":   "",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("response %s = %q, want %q", name, got, want)
			}
		}
		if h.Get("X-Road-Request-Id") == "" {
			t.Error("no X-Road-Request-Id")
		}
		// The consumer gateway accepted the hash; it is also the one
		// computed independently over what the provider gateway received,
		// not the service's forgery.
		atGW := e.atGW.get()
		if got, want := h.Get("X-Road-Request-Hash"), hashOf(atGW, nil); got != want {
			t.Errorf("X-Road-Request-Hash %q, want %q", got, want)
		}
		if atGW.header.Get("X-Road-Api-Key") != "" || atGW.header.Get("User-Agent") != "" {
			t.Errorf("the provider gateway received %v", atGW.header)
		}

		// The service got the path and query as sent, the X-Road headers
		// the gateways vouch for, and neither the API key nor the
		// consumer's host details.
		svc := e.service.get()
		if svc.target != "/api/births/31234567890123?lang=uz&v=1" {
			t.Errorf("service target %q", svc.target)
		}
		for name, want := range map[string]string{
			"X-Road-Client":            "UZ/GOV/207000001/portal",
			"X-Road-Service":           "UZ/GOV/201122919/civil-registry/births",
			"X-Road-Id":                "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb",
			"X-Road-Request-Id":        h.Get("X-Road-Request-Id"),
			"X-Road-UserId":            "UZ31234567890123",
			"X-Road-Issue":             "ARIZA-2026-0042",
			"X-Road-Represented-Party": "COM/301234567",
			"X-Road-Trace":             "abc",
			"Accept":                   "application/json",
			"X-Road-Api-Key":           "",
			"X-Road-Security-Server":   "",
			"User-Agent":               "",
		} {
			if got := svc.header.Get(name); got != want {
				t.Errorf("service saw %s = %q, want %q", name, got, want)
			}
		}

		// Without X-Road-Id the consumer gateway gives one, which the
		// service and the response carry; the service's own error
		// responses pass unchanged, without X-Road-Error.
		resp, body = call(t, e.consumer, `GET /r1/UZ/GOV/201122919/civil-registry/births/births/1 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key`)
		if resp.StatusCode != http.StatusNotFound || string(body) != `{"error":"no such record"}` || resp.Header.Get("X-Road-Error") != "" {
			t.Errorf("service's 404: %d %v %s", resp.StatusCode, resp.Header, body)
		}
		if id := resp.Header.Get("X-Road-Id"); id == "" || e.service.get().header.Get("X-Road-Id") != id {
			t.Errorf("generated X-Road-Id %q, service saw %q", id, e.service.get().header.Get("X-Road-Id"))
		}

		// PR-REST 4.4: a redirect is not followed but reaches the client.
		resp, _ = call(t, e.consumer, `GET /r1/UZ/GOV/201122919/civil-registry/births/births/moved/31234567890123 HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key`)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/api/births/31234567890123" {
			t.Errorf("redirect: %d %v", resp.StatusCode, resp.Header)
		}

		// PR-REST 6.4: a POST with a JSON body; the hash covers the body.
		query := `{"name":"Aziz Karimov","born":"2001-02-03"}`
		resp, body = call(t, e.consumer, `POST /r1/UZ/GOV/201122919/civil-registry/births/births/search HTTP/1.1
X-Road-Client: UZ/GOV/207000001/portal
X-Road-Api-Key: portal-key
Content-Type: application/json; charset=utf-8

`+query)
		if resp.StatusCode != http.StatusOK || string(body) != fmt.Sprintf(`{"query_bytes":%d}`, len(query)) {
			t.Fatalf("POST: %d %s", resp.StatusCode, body)
		}
		if got := e.service.get(); string(got.body) != query || got.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("service received %q with %v", got.body, got.header)
		}
		if got, want := resp.Header.Get("X-Road-Request-Hash"), hashOf(e.atGW.get(), []byte(query)); got != want {
			t.Errorf("POST hash %q, want %q", got, want)
		}

		// A chunked body of unknown length is hashed alike.
		resp, body = call(t, e.consumer, "POST /r1/UZ/GOV/201122919/civil-registry/births/births/search HTTP/1.1\n"+
			"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key\nTransfer-Encoding: chunked\n\n"+
			"5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n")
		if resp.StatusCode != http.StatusOK || string(body) != `{"query_bytes":7}` {
			t.Errorf("chunked POST: %d %s", resp.StatusCode, body)
		}
	})
}

func TestMetaservices(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		get := func(target, key string) (*http.Response, []byte) {
			t.Helper()
			return call(t, e.consumer, "GET "+target+" HTTP/1.1\nX-Road-Client: "+sub(egov, strings.TrimSuffix(key, "-key")).String()+
				"\nX-Road-Api-Key: "+key+"\nAccept: application/json")
		}

		// PR-MREST 4: listMethods lists every service of the subsystem,
		// with the endpoints of its OpenAPI description or the whole
		// service; allowedMethods only what the caller may call.
		const birthsListed = `{"member_class":"GOV","member_code":"201122919","object_type":"SERVICE","service_code":"births",` +
			`"service_type":"OPENAPI","subsystem_code":"civil-registry","xroad_instance":"UZ","endpoint_list":[` +
			`{"method":"GET","path":"/births/*"},{"method":"POST","path":"/births/search"}]}`
		rest := func(code string) string {
			return `{"member_class":"GOV","member_code":"201122919","object_type":"SERVICE","service_code":"` + code +
				`","service_type":"REST","subsystem_code":"civil-registry","xroad_instance":"UZ","endpoint_list":[` +
				`{"method":"*","path":"**"}]}`
		}
		all := `{"service":[` + birthsListed + `,` + rest("marriages") + `,` + rest("slow") + `]}`
		for _, tt := range []struct {
			name, target, key, want string
		}{
			{"listMethods", "/r1/UZ/GOV/201122919/civil-registry/listMethods", "bpm-key", all},
			{"allowedMethods, all granted", "/r1/UZ/GOV/201122919/civil-registry/allowedMethods", "portal-key", all},
			{"allowedMethods, none granted", "/r1/UZ/GOV/201122919/civil-registry/allowedMethods", "bpm-key", `{"service":[]}`},
			{"getOpenAPI", "/r1/UZ/GOV/201122919/civil-registry/getOpenAPI?serviceCode=births", "bpm-key", birthsOpenAPI},
		} {
			t.Run(tt.name, func(t *testing.T) {
				resp, body := get(tt.target, tt.key)
				if resp.StatusCode != http.StatusOK || string(body) != tt.want {
					t.Errorf("got %d\n%s\nwant\n%s", resp.StatusCode, body, tt.want)
				}
				if resp.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
					resp.Header.Get("X-Road-Service") != "UZ/GOV/201122919/civil-registry/"+strings.TrimPrefix(
						strings.Split(tt.target, "?")[0], "/r1/UZ/GOV/201122919/civil-registry/") {
					t.Errorf("headers %v", resp.Header)
				}
				if got, want := resp.Header.Get("X-Road-Request-Hash"), hashOf(e.atGW.get(), nil); got != want {
					t.Errorf("hash %q, want %q", got, want)
				}
			})
		}

		// PR-MREST 5: no description, or no such service.
		resp, body := get("/r1/UZ/GOV/201122919/civil-registry/getOpenAPI?serviceCode=marriages", "portal-key")
		wantError(t, resp, body, 500, "Server.ServerProxy.UnknownService")
		resp, body = get("/r1/UZ/GOV/201122919/civil-registry/getOpenAPI?serviceCode=deaths", "portal-key")
		wantError(t, resp, body, 500, "Server.ServerProxy.UnknownService")

		// PR-META 2: listClients at the consumer gateway's root, without
		// authentication, for its own instance by default.
		resp, body = call(t, e.consumer, "GET /listClients HTTP/1.1\nAccept: application/json")
		var list struct {
			Member []struct {
				ID struct {
					MemberClass   string `json:"member_class"`
					MemberCode    string `json:"member_code"`
					SubsystemCode string `json:"subsystem_code"`
					ObjectType    string `json:"object_type"`
					XRoadInstance string `json:"xroad_instance"`
				} `json:"id"`
				Name string `json:"name"`
			} `json:"member"`
		}
		if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("listClients: %d %s %v", resp.StatusCode, body, err)
		}
		var got []string
		for _, m := range list.Member {
			got = append(got, m.ID.ObjectType+":"+m.ID.XRoadInstance+"/"+m.ID.MemberClass+"/"+m.ID.MemberCode+"/"+m.ID.SubsystemCode+"="+m.Name)
		}
		want := "MEMBER:UZ/GOV/200935935/=Soliq qoʻmitasi SUBSYSTEM:UZ/GOV/200935935/tax=Soliq qoʻmitasi " +
			"MEMBER:UZ/GOV/201122919/=Adliya vazirligi FHDYo SUBSYSTEM:UZ/GOV/201122919/civil-registry=Adliya vazirligi FHDYo " +
			"MEMBER:UZ/GOV/207000001/=Elektron hukumat SUBSYSTEM:UZ/GOV/207000001/bpm=Elektron hukumat " +
			"SUBSYSTEM:UZ/GOV/207000001/portal=Elektron hukumat " +
			"MEMBER:UZ/GOV/209999999/=Kadastr agentligi SUBSYSTEM:UZ/GOV/209999999/cadastre=Kadastr agentligi"
		if strings.Join(got, " ") != want {
			t.Errorf("listClients =\n%s\nwant\n%s", strings.Join(got, " "), want)
		}
		if !strings.Contains(string(body), `"id":{"member_class":"GOV","member_code":"200935935","object_type":"MEMBER","xroad_instance":"UZ"}`) {
			t.Errorf("listClients member entry not in PR-META's form: %s", body)
		}
		resp, body = call(t, e.consumer, "GET /listClients?xRoadInstance=EE HTTP/1.1\nAccept: application/json")
		if resp.StatusCode != http.StatusOK || string(body) != `{"member":[]}` {
			t.Errorf("listClients of another instance: %d %s", resp.StatusCode, body)
		}
	})
}

func TestErrors(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		const births1 = "GET /r1/UZ/GOV/201122919/civil-registry/births/births/31234567890123 HTTP/1.1\n"
		tests := []struct {
			name   string
			to     *httptest.Server
			raw    string
			status int
			typ    string
		}{
			{"no API key", e.consumer, births1 + "X-Road-Client: UZ/GOV/207000001/portal", 400, "Client.AccessDenied"},
			{"two API keys", e.consumer, births1 + "X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key\nX-Road-Api-Key: bpm-key",
				400, "Client.AccessDenied"},
			{"unknown API key", e.consumer, births1 + "X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: guess", 400, "Client.AccessDenied"},
			{"API key of another client", e.consumer, births1 + "X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: bpm-key",
				400, "Client.AccessDenied"},
			{"client of another member", e.consumer, births1 + "X-Road-Client: UZ/GOV/200935935/tax\nX-Road-Api-Key: foreign-key",
				400, "Client.AccessDenied"},
			{"member as client", e.consumer, births1 + "X-Road-Client: UZ/GOV/207000001\nX-Road-Api-Key: portal-key",
				400, "Client.AccessDenied"},
			{"no client", e.consumer, births1 + "X-Road-Api-Key: portal-key", 400, "Client.MissingHeader"},
			{"access not granted", e.consumer, births1 + "X-Road-Client: UZ/GOV/207000001/bpm\nX-Road-Api-Key: bpm-key",
				500, "Server.ServerProxy.AccessDenied"},
			{"endpoint not granted", e.consumer, "DELETE /r1/UZ/GOV/201122919/civil-registry/births/births/1 HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ServerProxy.AccessDenied"},
			{"unknown service", e.consumer, "GET /r1/UZ/GOV/201122919/civil-registry/deaths/1 HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ServerProxy.UnknownService"},
			{"member without a gateway", e.consumer, "GET /r1/UZ/GOV/209999999/cadastre/parcels/1 HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ClientProxy.UnknownMember"},
			{"gateway of another member named", e.consumer, births1 + "X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key\n" +
				"X-Road-Security-Server: UZ/GOV/200935935/gw1", 400, "Client.InvalidSecurityServer"},
			{"service down", e.consumer, "GET /r1/UZ/GOV/201122919/civil-registry/marriages/1 HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ServerProxy.NetworkError"},
			{"service hangs", e.consumer, "GET /r1/UZ/GOV/201122919/civil-registry/slow/x HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ServerProxy.ServiceFailed"},
			{"hash tampered", e.consumer, "GET /r1/UZ/GOV/200935935/tax/tampered HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ClientProxy.InvalidSignatureValue"},
			{"hash missing", e.consumer, "GET /r1/UZ/GOV/200935935/tax/debts HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ClientProxy.InvalidSignatureValue"},
			{"data flagged as an error", e.consumer, "GET /r1/UZ/GOV/200935935/tax/flagged HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ClientProxy.InvalidSignatureValue"},
			{"dot segments", e.consumer, "GET /r1/UZ/GOV/201122919/civil-registry/births/births/%2e%2e/%2e%2e/admin HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 400, "Client.BadRequest"},
			{"servlet dot segment", e.consumer, "GET /r1/UZ/GOV/201122919/civil-registry/births/births/..;/admin HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 400, "Client.BadRequest"},
			{"encoded slash", e.consumer, "GET /r1/UZ/GOV/201122919/civil-registry/births/births/1%2F..%2Fadmin HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 400, "Client.BadRequest"},
			{"empty segment", e.consumer, "GET /r1/UZ/GOV/201122919/civil-registry/births//births/1 HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 500, "Server.ServerProxy.AccessDenied"},
			{"body too large", e.consumer, "POST /r1/UZ/GOV/201122919/civil-registry/births/births/search HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key\n\n" + strings.Repeat("x", 5000),
				400, "Client.BadRequest"},
			{"chunked body too large", e.consumer, "POST /r1/UZ/GOV/201122919/civil-registry/births/births/search HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key\nTransfer-Encoding: chunked\n\n" +
				"1388\r\n" + strings.Repeat("x", 5000) + "\r\n0\r\n\r\n", 400, "Client.BadRequest"},
			{"old protocol version", e.consumer, "GET /r0/UZ/GOV/201122919/civil-registry/births/births/1 HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nX-Road-Api-Key: portal-key", 400, "Client.InvalidProtocolVersion"},

			// Straight to the provider gateway, as any consumer gateway
			// may call it.
			{"service of another member", e.provider, "GET /r1/UZ/GOV/200935935/tax/debts HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal", 500, "Server.ServerProxy.UnknownService"},
			{"listClients at the provider", e.provider, "GET /listClients HTTP/1.1", 500, "Server.ServerProxy.UnknownService"},
			{"dot segments at the provider", e.provider, "GET /r1/UZ/GOV/201122919/civil-registry/births/births/%2E./x HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal", 400, "Client.BadRequest"},
			{"unknown client at the provider", e.provider, births1 + "X-Road-Client: UZ/GOV/207000001/unknown",
				500, "Server.ServerProxy.AccessDenied"},
			{"chunked body too large at the provider", e.provider, "POST /r1/UZ/GOV/201122919/civil-registry/births/births/search HTTP/1.1\n" +
				"X-Road-Client: UZ/GOV/207000001/portal\nTransfer-Encoding: chunked\n\n" +
				"1388\r\n" + strings.Repeat("x", 5000) + "\r\n0\r\n\r\n", 400, "Client.BadRequest"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp, body := call(t, tt.to, tt.raw)
				t.Logf("%d %s", resp.StatusCode, body)
				wantError(t, resp, body, tt.status, tt.typ)
				// Errors from the provider gateway name the exchange.
				if strings.HasPrefix(tt.typ, "Server.ServerProxy.") && resp.Header.Get("X-Road-Request-Id") == "" {
					t.Error("provider gateway error without X-Road-Request-Id")
				}
			})
		}
	})
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, m := range []xroad.ClientID{{}, portal, {Instance: "UZ", MemberClass: "XXX", MemberCode: "1"}} {
		if _, err := gateway.NewProvider(gateway.ProviderConfig{Directory: &bus.Registry{}, Member: m}); err == nil {
			t.Errorf("provider for member %+v accepted", m)
		}
		if _, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: &bus.Registry{}, LocalClients: apiKeys{}, Member: m}); err == nil {
			t.Errorf("consumer for member %+v accepted", m)
		}
	}
	if _, err := gateway.NewProvider(gateway.ProviderConfig{Member: civil}); err == nil {
		t.Error("provider without a directory accepted")
	}
	if _, err := gateway.NewConsumer(gateway.ConsumerConfig{Directory: &bus.Registry{}, Member: egov}); err == nil {
		t.Error("consumer without local clients accepted")
	}
	if _, err := gateway.NewProvider(gateway.ProviderConfig{Directory: &bus.Registry{}, Member: civil, Timeout: -1}); err == nil {
		t.Error("negative timeout accepted")
	}
}
