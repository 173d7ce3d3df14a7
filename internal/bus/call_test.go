package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
)

// gatewaySeen is what a consumer gateway received from the caller.
type gatewaySeen struct {
	method, uri, body string
	header            http.Header
}

// fakeGateway answers as a consumer gateway would: the service's answer
// for known paths, a protocol error for the service "down".
func fakeGateway(t *testing.T, seen chan<- gatewaySeen) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen <- gatewaySeen{r.Method, r.RequestURI, string(body), r.Header.Clone()}
		w.Header().Set(xroad.HeaderID, r.Header.Get(xroad.HeaderID))
		switch {
		case strings.Contains(r.RequestURI, "/down"):
			xroad.WriteError(w, &xroad.Error{Type: "Server.ServerProxy.ServiceFailed", Message: "the service did not answer", Detail: "d1", RequestID: "r1"})
		case strings.HasSuffix(r.RequestURI, "/00000000000000"):
			w.WriteHeader(http.StatusNotFound)
		case strings.HasSuffix(r.RequestURI, "/teapot"):
			w.WriteHeader(http.StatusTeapot)
		case strings.HasSuffix(r.RequestURI, "/broken"):
			w.WriteHeader(http.StatusBadGateway)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"actNumber":"123","child":{"lastName":"Karimov"}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientRunTask(t *testing.T) {
	seen := make(chan gatewaySeen, 1)
	srv := fakeGateway(t, seen)
	portal := xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "201122919", Subsystem: "portal"}
	c, err := bus.NewClient(bus.ClientConfig{Gateway: srv.URL + "/", Client: portal, APIKey: "egov_k"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	task := func(headers map[string]string) bus.Task {
		return bus.Task{Key: "tok-1", InstanceID: "inst-1", BusinessKey: "2026-0000001", Headers: headers,
			Variables: map[string]any{"applicant": map[string]any{"pinfl": "30101900000011"}, "n": float64(42), "doc": map[string]any{"a": "b/c"}}}
	}
	births := "UZ/GOV/200000001/civil-registry/births"

	out, err := c.RunTask(ctx, task(map[string]string{"service": births, "path": "/{applicant.pinfl}", "userId": "UZ{applicant.pinfl}", "result": "birth"}))
	if err != nil {
		t.Fatal(err)
	}
	got := <-seen
	if got.method != "GET" || got.uri != "/r1/"+births+"/30101900000011" {
		t.Errorf("sent %s %s", got.method, got.uri)
	}
	for name, want := range map[string]string{"X-Road-Client": portal.String(), "X-Road-Api-Key": "egov_k", "X-Road-Id": "tok-1",
		"X-Road-Userid": "UZ30101900000011", "X-Road-Issue": "2026-0000001", "Accept": "application/json"} {
		if g := got.header.Get(name); g != want {
			t.Errorf("header %s = %q, want %q", name, g, want)
		}
	}
	if b, _ := json.Marshal(out); string(b) != `{"birth":{"actNumber":"123","child":{"lastName":"Karimov"}}}` {
		t.Errorf("result %s", b)
	}

	// Values are one segment each: a slash cannot add one.
	_, err = c.RunTask(ctx, task(map[string]string{"service": births, "method": "post", "path": "/x/{doc.a}/{n}", "body": "doc", "issue": "check {n}"}))
	if err != nil {
		t.Fatal(err)
	}
	got = <-seen
	if got.method != "POST" || got.uri != "/r1/"+births+"/x/b%2Fc/42" || got.body != `{"a":"b/c"}` ||
		got.header.Get("Content-Type") != "application/json" || got.header.Get("X-Road-Issue") != "check 42" {
		t.Errorf("sent %s %s %s %v", got.method, got.uri, got.body, got.header)
	}

	var te *bus.TaskError
	_, err = c.RunTask(ctx, task(map[string]string{"service": births, "path": "/00000000000000"}))
	<-seen
	if !errors.As(err, &te) || te.Code != "NOT_FOUND" {
		t.Errorf("404: %v", err)
	}
	_, err = c.RunTask(ctx, task(map[string]string{"service": births, "path": "/teapot"}))
	<-seen
	if !errors.As(err, &te) || te.Code != "HTTP_418" {
		t.Errorf("418: %v", err)
	}
	_, err = c.RunTask(ctx, task(map[string]string{"service": births, "path": "/broken"}))
	<-seen
	if err == nil || errors.As(err, &te) {
		t.Errorf("502 must be retried, not thrown: %v", err)
	}
	_, err = c.RunTask(ctx, task(map[string]string{"service": births, "path": "/down"}))
	<-seen
	var xe *xroad.Error
	if !errors.As(err, &xe) || xe.Type != "Server.ServerProxy.ServiceFailed" || xe.Detail != "d1" || xe.RequestID != "r1" {
		t.Errorf("gateway fault: %#v", err)
	}

	for name, h := range map[string]map[string]string{
		"no service":       {"path": "/x"},
		"missing variable": {"service": births, "path": "/{nobody}"},
		"unclosed":         {"service": births, "path": "/{applicant.pinfl"},
		"missing body":     {"service": births, "body": "nothing"},
	} {
		if _, err := c.RunTask(ctx, task(h)); err == nil || errors.As(err, &te) {
			t.Errorf("%s: %v", name, err)
		}
	}
	select {
	case s := <-seen:
		t.Errorf("a bad task was sent: %v", s)
	default:
	}
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	portal := xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "201122919", Subsystem: "portal"}
	member := portal
	member.Subsystem = ""
	for name, cfg := range map[string]bus.ClientConfig{
		"relative URL": {Gateway: "/r1", Client: portal, APIKey: "k"},
		"member":       {Gateway: "http://gw", Client: member, APIKey: "k"},
		"no key":       {Gateway: "http://gw", Client: portal},
	} {
		if _, err := bus.NewClient(cfg); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
