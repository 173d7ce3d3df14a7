package xroad

import (
	"bufio"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseClientID checks that the identifier parser never panics, fails
// only with the protocol's error, and accepts only identifiers that
// validate and survive a round trip through their wire form.
func FuzzParseClientID(f *testing.F) {
	for _, s := range []string{
		"UZ/GOV/201122919/civil-registry",
		"UZ/COM/301234567",
		"INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1",
		"UZ/GOV/1/a%3Fb",
		"UZ/GOV/1/a%2Fb",
		"UZ%2FGOV%2F1%2Fsub",
		"UZ/GOV/1/%2e%2e",
		"UZ/GOV/1/a%252Fb",
		"UZ/GOV/1/",
		`UZ/GOV/1/a\b`,
		"UZ/GOV/1/a;b:c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseClientID(s)
		if err != nil {
			if errType(err) != "Client.InvalidClientIdentifier" {
				t.Fatalf("ParseClientID(%q) error %v is not Client.InvalidClientIdentifier", s, err)
			}
			return
		}
		if err := (Parser{}).ValidateClientID(id); err != nil {
			t.Fatalf("ParseClientID(%q) accepted %+v that does not validate: %v", s, id, err)
		}
		for _, part := range []string{id.Instance, id.MemberClass, id.MemberCode, id.Subsystem} {
			if strings.ContainsAny(part, "/\\%;:") || part == "." || part == ".." {
				t.Fatalf("ParseClientID(%q) accepted part %q", s, part)
			}
		}
		again, err := ParseClientID(id.String())
		if err != nil || again != id {
			t.Fatalf("round trip of %q through %q = %+v, %v", s, id.String(), again, err)
		}
	})
}

// FuzzParseRequest feeds raw HTTP/1.1 requests through Go's request reader
// and the r1 parser, as a gateway would receive them. It checks that the
// parser never panics, fails only with Client errors, and that whatever it
// accepts is safe to forward: a short target, valid identifiers, a single
// client, and a service path that no decoding step turns into traversal or
// an extra separator.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"GET /r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar/zyggy?quu=1 HTTP/1.1\r\nHost: ss\r\nX-Road-Client: INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1\r\n\r\n",
		"GET /r1/DEV/COM/222/TESTSERVICE/petstore/v2/pets/1124 HTTP/1.1\r\nHost: ss\r\naccept: application/json\r\nX-Road-Client: DEV/COM/222/TESTCLIENT\r\n\r\n",
		"POST /r1/UZ/GOV/201122919/civil-registry/births/v1 HTTP/1.1\r\nHost: gw\r\nX-Road-Client: UZ/GOV/2/portal\r\nX-Road-Id: 1\r\nX-Road-UserId: UZ31234567890123\r\nX-Road-Issue: case-1\r\nX-Road-Represented-Party: COM/1\r\nX-Road-Security-Server: UZ/GOV/1/gw\r\nContent-Length: 2\r\n\r\n{}",
		"GET /r1/INSTANCE/GOV/MEMBER2/SUBSYSTEM2/getOpenAPI?serviceCode=listFirms HTTP/1.1\r\nHost: ss\r\nX-Road-Client: INSTANCE/GOV/MEMBER1/SUBSYSTEM1\r\n\r\n",
		"GET /r1/INSTANCE/GOV/MEMBER2/SUBSYSTEM2/listMethods HTTP/1.1\r\nHost: ss\r\nX-Road-Client: INSTANCE/GOV/MEMBER1/SUBSYSTEM1\r\n\r\n",
		"GET /listClients?xRoadInstance=AA HTTP/1.1\r\nHost: ss\r\nAccept: application/json\r\n\r\n",
		"GET /r1/UZ/GOV/1/s/svc/%2e%2e/x HTTP/1.1\r\nHost: gw\r\nX-Road-Client: UZ/GOV/2/p\r\n\r\n",
		"GET /r1/UZ/GOV/1/s/svc/a%2Fb HTTP/1.1\r\nHost: gw\r\nX-Road-Client: UZ/GOV/2/p\r\nx-road-client: UZ/GOV/3/q\r\n\r\n",
		"GET /r1/UZ/GOV/1/s/svc/..;/x HTTP/1.1\r\nHost: gw\r\nX-Road-Client: UZ/GOV/2/p\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return // Go's server would have refused it before us.
		}
		checkParsed(t, r)
	})
}

// FuzzParseRequestTarget reaches deeper than FuzzParseRequest by building
// the request directly from a request target and an X-Road-Client value,
// skipping the HTTP syntax most random inputs fail on.
func FuzzParseRequestTarget(f *testing.F) {
	f.Add("GET", "/r1/INSTANCE/GOV/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar/zyggy?quu=1", "INSTANCE/GOV/MEMBER1/SUBSYSTEM1")
	f.Add("GET", "/r1/UZ/GOV/201122919/civil%2Dregistry/births/v1/%D0%90", "UZ/GOV/2/p%3F")
	f.Add("GET", "/r1/UZ/GOV/1/s/getOpenAPI?serviceCode=listFirms", "UZ/GOV/2/p")
	f.Add("GET", "/listClients?xRoadInstance=AA", "")
	f.Add("GET", "/r1/UZ/GOV/1/s/svc/.%2E/x", "UZ/GOV/2/p")
	f.Add("POST", "/r1/UZ/GOV/1/s/svc/%252e%252e;x/y", "UZ/GOV/2/p")
	f.Fuzz(func(t *testing.T, method, target, client string) {
		h := http.Header{}
		if client != "" {
			h.Set(HeaderClient, client)
		}
		checkParsed(t, &http.Request{Method: method, RequestURI: target, Header: h})
	})
}

// checkParsed parses r and checks the invariants every outcome must hold.
func checkParsed(t *testing.T, r *http.Request) {
	t.Helper()
	req, err := ParseRequest(r)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || !strings.HasPrefix(e.Type, "Client.") || e.Status() != http.StatusBadRequest {
			t.Fatalf("error %v is not a Client protocol error", err)
		}
		return
	}
	if len(r.RequestURI) > MaxURILength {
		t.Fatalf("accepted a %d-character URI", len(r.RequestURI))
	}
	if len(r.Header.Values(HeaderClient)) > 1 {
		t.Fatal("accepted a repeated X-Road-Client")
	}
	if req.Meta == MetaListClients {
		if req.Client != (ClientID{}) {
			if err := (Parser{}).ValidateClientID(req.Client); err != nil {
				t.Fatalf("accepted invalid client %+v: %v", req.Client, err)
			}
		}
		return
	}
	if err := (Parser{}).ValidateClientID(req.Client); err != nil {
		t.Fatalf("accepted invalid client %+v: %v", req.Client, err)
	}
	if err := (Parser{}).ValidateServiceID(req.Service); err != nil {
		t.Fatalf("accepted invalid service %+v: %v", req.Service, err)
	}
	if req.ServicePath != "" && !strings.HasPrefix(req.ServicePath, "/") {
		t.Fatalf("service path %q does not start with /", req.ServicePath)
	}
	// Decoding the path once or twice, as a provider might, must not
	// produce a dot segment or a backslash, nor more segments.
	p := req.ServicePath
	for range 2 {
		dec, err := url.PathUnescape(p)
		if err != nil {
			break
		}
		if strings.Count(dec, "/") != strings.Count(req.ServicePath, "/") || strings.Contains(dec, `\`) {
			t.Fatalf("service path %q decodes to %q", req.ServicePath, dec)
		}
		for _, seg := range strings.Split(dec, "/") {
			if name, _, _ := strings.Cut(seg, ";"); name == "." || name == ".." {
				t.Fatalf("service path %q decodes to %q", req.ServicePath, dec)
			}
		}
		p = dec
	}
	if !strings.HasPrefix(r.RequestURI, "/r1/") {
		t.Fatalf("accepted target %q outside /r1/", r.RequestURI)
	}
	if back, err := ParseServiceID(req.Service.String()); err != nil || back != req.Service {
		t.Fatalf("service %+v does not round-trip: %+v, %v", req.Service, back, err)
	}
}
