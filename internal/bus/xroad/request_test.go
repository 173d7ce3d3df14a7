package xroad

import (
	"bufio"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// specParser accepts the member classes used in the examples of PR-REST,
// PR-MREST and PR-META as well as the national ones.
var specParser = Parser{MemberClasses: []string{"GOV", "COM", "NGO", "ORG", "CLASS1", "CLASS2", "MEMBERCLASS"}}

// readRequest parses raw HTTP/1.1 request text as a server would; lines
// may end in "\n" and get "\r\n".
func readRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n") + "\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("reading request: %v\n%s", err, raw)
	}
	return r
}

func TestParseRequestSpecExamples(t *testing.T) {
	petstore := ServiceID{ClientID{"DEV", "COM", "222", "TESTSERVICE"}, "petstore"}
	testClient := ClientID{"DEV", "COM", "222", "TESTCLIENT"}
	provider := ClientID{"INSTANCE", "CLASS2", "MEMBER2", "SUBSYSTEM2"}
	consumer := ClientID{"INSTANCE", "CLASS1", "MEMBER1", "SUBSYSTEM1"}
	tests := []struct {
		name string
		raw  string
		want Request
	}{
		{
			name: "PR-REST 4.1 request example",
			raw: `GET /r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE/v1/bar/zyggy?quu=1 HTTP/1.1
Host: securityserver
X-Road-Client: INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1
`,
			want: Request{
				Method:      "GET",
				Client:      consumer,
				Service:     ServiceID{provider, "BARSERVICE"},
				ServicePath: "/v1/bar/zyggy",
				RawQuery:    "quu=1",
			},
		},
		{
			name: "PR-REST 4.3 optional headers, lower-case names",
			raw: `POST /r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/PETSTORE/pets HTTP/1.1
Host: securityserver
x-road-client: INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1
X-Road-Id: fa2e18a5-c2cb-4d09-b994-f57727f7c3fb
X-Road-UserId: EE12345678901
X-Road-Issue: MT324223MSD
X-Road-Security-Server: INSTANCE/MEMBERCLASS/MEMBERCODE/SERVERCODE
X-Road-Represented-Party: MEMBERCLASS/MEMBERCODE
Content-Type: application/json; charset=utf-8
Content-Length: 2

{}`,
			want: Request{
				Method:           "POST",
				Client:           consumer,
				Service:          ServiceID{provider, "PETSTORE"},
				ServicePath:      "/pets",
				ID:               "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb",
				UserID:           "EE12345678901",
				Issue:            "MT324223MSD",
				SecurityServer:   &SecurityServerID{"INSTANCE", "MEMBERCLASS", "MEMBERCODE", "SERVERCODE"},
				RepresentedParty: &RepresentedParty{"MEMBERCLASS", "MEMBERCODE"},
			},
		},
		{
			name: "represented party without class",
			raw: `GET /r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/PETSTORE HTTP/1.1
Host: securityserver
X-Road-Client: INSTANCE/CLASS1/MEMBER1
X-Road-Represented-Party: MEMBERCODE
`,
			want: Request{
				Method:           "GET",
				Client:           ClientID{"INSTANCE", "CLASS1", "MEMBER1", ""},
				Service:          ServiceID{provider, "PETSTORE"},
				RepresentedParty: &RepresentedParty{"", "MEMBERCODE"},
			},
		},
		{
			name: "PR-REST 6.2 GET",
			raw: `GET /r1/DEV/COM/222/TESTSERVICE/petstore/v2/pets/1124 HTTP/1.1
Host: securityserver
accept: application/json
X-Road-Client: DEV/COM/222/TESTCLIENT
`,
			want: Request{Method: "GET", Client: testClient, Service: petstore, ServicePath: "/v2/pets/1124"},
		},
		{
			name: "PR-REST 6.3 PUT",
			raw: `PUT /r1/DEV/COM/222/TESTSERVICE/petstore/v2/pets/5657082955040009 HTTP/1.1
Host: securityserver
accept: application/json
Content-Type: application/json
X-Road-Client: DEV/COM/222/TESTCLIENT
Content-Length: 2

{}`,
			want: Request{Method: "PUT", Client: testClient, Service: petstore, ServicePath: "/v2/pets/5657082955040009"},
		},
		{
			name: "PR-REST 6.4 POST",
			raw: `POST /r1/DEV/COM/222/TESTSERVICE/petstore/v2/pets HTTP/1.1
Host: securityserver
accept: application/json
Content-Type: application/json
X-Road-Client: DEV/COM/222/TESTCLIENT
Content-Length: 2

{}`,
			want: Request{Method: "POST", Client: testClient, Service: petstore, ServicePath: "/v2/pets"},
		},
		{
			name: "PR-REST 6.5 DELETE",
			raw: `DELETE /r1/DEV/COM/222/TESTSERVICE/petstore/v2/pets/1124 HTTP/1.1
Host: securityserver
accept: application/json
X-Road-Client: DEV/COM/222/TESTCLIENT
`,
			want: Request{Method: "DELETE", Client: testClient, Service: petstore, ServicePath: "/v2/pets/1124"},
		},
		{
			name: "PR-REST 6.6 POST with attachment, X-Road-client spelling",
			raw: `POST /r1/DEV/COM/222/TESTSERVICE/petstore/v2/pets/1124/images HTTP/1.1
Host: securityserver
accept: application/json
Content-Type: multipart/form-data; boundary=b
X-Road-client: DEV/COM/222/TESTCLIENT
Content-Length: 0
`,
			want: Request{Method: "POST", Client: testClient, Service: petstore, ServicePath: "/v2/pets/1124/images"},
		},
		{
			name: "percent-encoded identifier parts",
			raw: `GET /r1/UZ/GOV/201122919/civil%2Dregistry/birth%3Fcert/v1/records/%D0%90?pinfl=31234567890123&x=%2F HTTP/1.1
Host: gw
X-Road-Client: UZ/GOV/200000001/portal
`,
			want: Request{
				Method:      "GET",
				Client:      ClientID{"UZ", "GOV", "200000001", "portal"},
				Service:     ServiceID{ClientID{"UZ", "GOV", "201122919", "civil-registry"}, "birth?cert"},
				ServicePath: "/v1/records/%D0%90",
				RawQuery:    "pinfl=31234567890123&x=%2F",
			},
		},
		{
			name: "trailing slash and empty query kept",
			raw: `GET /r1/UZ/GOV/201122919/civil-registry/births/? HTTP/1.1
Host: gw
X-Road-Client: UZ/GOV/200000001/portal
`,
			want: Request{
				Method:      "GET",
				Client:      ClientID{"UZ", "GOV", "200000001", "portal"},
				Service:     ServiceID{ClientID{"UZ", "GOV", "201122919", "civil-registry"}, "births"},
				ServicePath: "/",
			},
		},
		{
			name: "PR-MREST listMethods",
			raw: `GET /r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/listMethods HTTP/1.1
Host: securityserver
accept: application/json
X-Road-Client:INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1
`,
			want: Request{Method: "GET", Client: consumer, Service: ServiceID{provider, "listMethods"}, Meta: MetaListMethods},
		},
		{
			name: "PR-MREST allowedMethods",
			raw: `GET /r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/allowedMethods HTTP/1.1
Host: securityserver
accept: application/json
X-Road-Client:INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1
`,
			want: Request{Method: "GET", Client: consumer, Service: ServiceID{provider, "allowedMethods"}, Meta: MetaAllowedMethods},
		},
		{
			name: "PR-MREST getOpenAPI",
			raw: `GET /r1/INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/getOpenAPI?serviceCode=listFirms HTTP/1.1
Host: securityserver
accept: application/json
X-Road-Client:INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1
`,
			want: Request{
				Method:             "GET",
				Client:             consumer,
				Service:            ServiceID{provider, "getOpenAPI"},
				Meta:               MetaGetOpenAPI,
				RawQuery:           "serviceCode=listFirms",
				OpenAPIServiceCode: "listFirms",
			},
		},
		{
			name: "allowedMethods as an Estonian client sends it",
			raw: `GET /r1/ee-test/GOV/70008658/kotkas-pistrik/allowedMethods HTTP/1.1
Host: securityserver
X-Road-Client: ee-test/GOV/70008658/pistrik-client
`,
			want: Request{
				Method:  "GET",
				Client:  ClientID{"ee-test", "GOV", "70008658", "pistrik-client"},
				Service: ServiceID{ClientID{"ee-test", "GOV", "70008658", "kotkas-pistrik"}, "allowedMethods"},
				Meta:    MetaAllowedMethods,
			},
		},
		{
			name: "PR-META listClients, JSON",
			raw: `GET /listClients HTTP/1.1
Host: securityserver
Accept: application/json
`,
			want: Request{Method: "GET", Meta: MetaListClients},
		},
		{
			name: "PR-META listClients of another instance",
			raw: `GET /listClients?xRoadInstance=AA HTTP/1.1
Host: securityserver
Accept: application/json
X-Road-Client: INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1
`,
			want: Request{Method: "GET", Client: consumer, Meta: MetaListClients, RawQuery: "xRoadInstance=AA", ListClientsInstance: "AA"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := specParser.ParseRequest(readRequest(t, tt.raw))
			if err != nil {
				t.Fatalf("ParseRequest: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("ParseRequest =\n%+v\nwant\n%+v", *got, tt.want)
			}
		})
	}
}

func TestParseRequestRefuses(t *testing.T) {
	const svc = "/r1/UZ/GOV/201122919/civil-registry/births"
	const client = "UZ/GOV/200000001/portal"
	tests := []struct {
		name     string
		method   string
		target   string
		header   http.Header
		wantType string
	}{
		// Request line.
		{"URI over 2000 characters", "GET", svc + "/" + strings.Repeat("a", MaxURILength), nil, "Client.BadRequest"},
		{"absolute-form target", "GET", "http://gw" + svc, nil, "Client.BadRequest"},
		{"asterisk target", "OPTIONS", "*", nil, "Client.BadRequest"},
		{"no r1 prefix", "GET", "/UZ/GOV/201122919/civil-registry/births", nil, "Client.BadRequest"},
		{"root", "GET", "/", nil, "Client.BadRequest"},
		{"other protocol version", "GET", "/r2/UZ/GOV/201122919/civil-registry/births", nil, "Client.InvalidProtocolVersion"},
		{"missing service code", "GET", "/r1/UZ/GOV/201122919/civil-registry", nil, "Client.BadRequest"},
		{"missing service code, trailing slash", "GET", "/r1/UZ/GOV/201122919/civil-registry/", nil, "Client.BadRequest"},
		{"service ID with separators encoded (PR-REST 4.2)", "GET", "/r1/UZ%2FGOV%2F201122919%2Fcivil-registry%2Fbirths", nil, "Client.BadRequest"},
		{"encoded slash in service code (PR-REST 4.2 BAR%2FSERVICE)", "GET", "/r1/UZ/GOV/201122919/civil-registry/BAR%2FSERVICE", nil, "Client.BadRequest"},
		{"unknown member class", "GET", "/r1/UZ/BANK/201122919/civil-registry/births", nil, "Client.BadRequest"},
		{"dot-dot subsystem", "GET", "/r1/UZ/GOV/201122919/../births", nil, "Client.BadRequest"},
		{"encoded dot-dot service code", "GET", "/r1/UZ/GOV/201122919/civil-registry/%2e%2e", nil, "Client.BadRequest"},
		{"semicolon in member code", "GET", "/r1/UZ/GOV/2011;22919/civil-registry/births", nil, "Client.BadRequest"},
		{"colon in instance", "GET", "/r1/U:Z/GOV/201122919/civil-registry/births", nil, "Client.BadRequest"},
		{"percent in subsystem", "GET", "/r1/UZ/GOV/201122919/civil%25registry/births", nil, "Client.BadRequest"},
		{"malformed escape in identifier", "GET", "/r1/UZ/GOV/201122919/civil%zzregistry/births", nil, "Client.BadRequest"},
		{"encoded NUL in identifier", "GET", "/r1/UZ/GOV/201122919/civil%00/births", nil, "Client.BadRequest"},
		{"raw control character", "GET", svc + "/a\x01b", nil, "Client.BadRequest"},
		{"raw non-ASCII", "GET", svc + "/\xd0\x90", nil, "Client.BadRequest"},
		{"fragment", "GET", svc + "/v1#frag", nil, "Client.BadRequest"},
		{"TRACE", "TRACE", svc, nil, "Client.InvalidHttpMethod"},
		{"CONNECT", "CONNECT", svc, nil, "Client.InvalidHttpMethod"},

		// Service path.
		{"dot-dot segment", "GET", svc + "/v1/../admin", nil, "Client.BadRequest"},
		{"trailing dot-dot", "GET", svc + "/..", nil, "Client.BadRequest"},
		{"dot segment", "GET", svc + "/./v1", nil, "Client.BadRequest"},
		{"encoded dot-dot", "GET", svc + "/%2e%2e/admin", nil, "Client.BadRequest"},
		{"half-encoded dot-dot", "GET", svc + "/.%2E/admin", nil, "Client.BadRequest"},
		{"dot-dot with matrix parameter", "GET", svc + "/..;/admin", nil, "Client.BadRequest"},
		{"double-encoded dot-dot", "GET", svc + "/%252e%252e/admin", nil, "Client.BadRequest"},
		{"encoded slash", "GET", svc + "/v1%2Fadmin", nil, "Client.BadRequest"},
		{"encoded slash, lower case", "GET", svc + "/v1%2fadmin", nil, "Client.BadRequest"},
		{"double-encoded slash", "GET", svc + "/v1%252Fadmin", nil, "Client.BadRequest"},
		{"backslash", "GET", svc + `/v1\..\admin`, nil, "Client.BadRequest"},
		{"encoded backslash", "GET", svc + "/v1%5C..%5Cadmin", nil, "Client.BadRequest"},
		{"encoded NUL", "GET", svc + "/file%00.pdf", nil, "Client.BadRequest"},
		{"encoded newline", "GET", svc + "/a%0D%0AX-Injected:%201", nil, "Client.BadRequest"},
		{"malformed escape", "GET", svc + "/100%", nil, "Client.BadRequest"},

		// Metaservices.
		{"listMethods by POST", "POST", "/r1/UZ/GOV/201122919/civil-registry/listMethods", nil, "Client.InvalidHttpMethod"},
		{"listMethods with a path", "GET", "/r1/UZ/GOV/201122919/civil-registry/listMethods/x", nil, "Client.BadRequest"},
		{"getOpenAPI without serviceCode", "GET", "/r1/UZ/GOV/201122919/civil-registry/getOpenAPI", nil, "Client.BadRequest"},
		{"getOpenAPI with empty serviceCode", "GET", "/r1/UZ/GOV/201122919/civil-registry/getOpenAPI?serviceCode=", nil, "Client.BadRequest"},
		{"getOpenAPI with repeated serviceCode", "GET", "/r1/UZ/GOV/201122919/civil-registry/getOpenAPI?serviceCode=a&serviceCode=b", nil, "Client.BadRequest"},
		{"getOpenAPI with invalid serviceCode", "GET", "/r1/UZ/GOV/201122919/civil-registry/getOpenAPI?serviceCode=..", nil, "Client.BadRequest"},
		{"getOpenAPI with malformed query", "GET", "/r1/UZ/GOV/201122919/civil-registry/getOpenAPI?serviceCode=%zz", nil, "Client.BadRequest"},
		{"listClients under r1", "GET", "/r1/UZ/GOV/201122919/civil-registry/listClients", nil, "Client.BadRequest"},
		{"listClients by POST", "POST", "/listClients", nil, "Client.InvalidHttpMethod"},
		{"listClients with invalid instance", "GET", "/listClients?xRoadInstance=A%2FB", nil, "Client.BadRequest"},
		{"listClients with repeated instance", "GET", "/listClients?xRoadInstance=A&xRoadInstance=B", nil, "Client.BadRequest"},

		// Headers.
		{"missing X-Road-Client", "GET", svc, http.Header{}, "Client.MissingHeader"},
		{"empty X-Road-Client", "GET", svc, http.Header{"X-Road-Client": {" "}}, "Client.MissingHeader"},
		{"double X-Road-Client", "GET", svc, http.Header{"X-Road-Client": {client, "UZ/GOV/200000002/other"}}, "Client.DuplicateHeaderField"},
		{"double X-Road-Client, same value", "GET", svc, http.Header{"X-Road-Client": {client, client}}, "Client.DuplicateHeaderField"},
		{"two clients in one X-Road-Client", "GET", svc, http.Header{"X-Road-Client": {client + ", UZ/GOV/200000002/other"}}, "Client.InvalidClientIdentifier"},
		{"X-Road-Client with encoded slash", "GET", svc, http.Header{"X-Road-Client": {"UZ/GOV/200000001/por%2Ftal"}}, "Client.InvalidClientIdentifier"},
		{"X-Road-Client without member code", "GET", svc, http.Header{"X-Road-Client": {"UZ/GOV"}}, "Client.InvalidClientIdentifier"},
		{"X-Road-Client with dot-dot", "GET", svc, http.Header{"X-Road-Client": {"UZ/GOV/../portal"}}, "Client.InvalidClientIdentifier"},
		{"listClients with double X-Road-Client", "GET", "/listClients", http.Header{"X-Road-Client": {client, client}}, "Client.DuplicateHeaderField"},
		{"double X-Road-Id", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Id": {"a", "b"}}, "Client.DuplicateHeaderField"},
		{"double X-Road-UserId", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Userid": {"UZ1", "UZ2"}}, "Client.DuplicateHeaderField"},
		{"control character in X-Road-Issue", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Issue": {"a\x00b"}}, "Client.BadRequest"},
		{"X-Road-Issue too long", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Issue": {strings.Repeat("x", 256)}}, "Client.BadRequest"},
		{"X-Road-UserId not UTF-8", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Userid": {"UZ\xff"}}, "Client.BadRequest"},
		{"bad X-Road-Security-Server", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Security-Server": {"UZ/GOV/201122919"}}, "Client.InvalidSecurityServer"},
		{"X-Road-Security-Server with bad class", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Security-Server": {"UZ/XXX/201122919/gw"}}, "Client.InvalidSecurityServer"},
		{"double X-Road-Security-Server", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Security-Server": {"UZ/GOV/1/gw", "UZ/GOV/1/gw"}}, "Client.DuplicateHeaderField"},
		{"X-Road-Represented-Party with three parts", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Represented-Party": {"UZ/COM/1"}}, "Client.BadRequest"},
		{"X-Road-Represented-Party with bad class", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Represented-Party": {"XXX/1"}}, "Client.BadRequest"},
		{"X-Road-Represented-Party with semicolon", "GET", svc, http.Header{"X-Road-Client": {client}, "X-Road-Represented-Party": {"COM/1;2"}}, "Client.BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{"X-Road-Client": {client}}
			}
			r := &http.Request{Method: tt.method, RequestURI: tt.target, Header: h}
			got, err := ParseRequest(r)
			if err == nil {
				t.Fatalf("ParseRequest(%s %q) = %+v, want %s", tt.method, tt.target, got, tt.wantType)
			}
			if typ := errType(err); typ != tt.wantType {
				t.Fatalf("ParseRequest(%s %q) error %q (%v), want %s", tt.method, tt.target, typ, err, tt.wantType)
			}
			if status := err.(*Error).Status(); status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", status)
			}
		})
	}
}

func TestParseRequestDuplicateClientOnTheWire(t *testing.T) {
	// Two spellings of the header name are one header twice.
	r := readRequest(t, `GET /r1/UZ/GOV/201122919/civil-registry/births HTTP/1.1
Host: gw
X-Road-Client: UZ/GOV/200000001/portal
x-road-client: UZ/GOV/200000002/other
`)
	if _, err := ParseRequest(r); errType(err) != "Client.DuplicateHeaderField" {
		t.Fatalf("ParseRequest = %v, want Client.DuplicateHeaderField", err)
	}
}

func TestParseRequestLongestURI(t *testing.T) {
	const svc = "/r1/UZ/GOV/201122919/civil-registry/births/"
	target := svc + strings.Repeat("a", MaxURILength-len(svc))
	r := &http.Request{Method: "GET", RequestURI: target, Header: http.Header{"X-Road-Client": {"UZ/GOV/1/portal"}}}
	if _, err := ParseRequest(r); err != nil {
		t.Fatalf("URI of exactly %d characters refused: %v", MaxURILength, err)
	}
}

func TestParseRequestClientSideURL(t *testing.T) {
	// Requests built in process (no RequestURI) are read from URL, keeping
	// the encoding the caller gave.
	r, err := http.NewRequest("GET", "http://gw/r1/UZ/GOV/201122919/civil-registry/births/v1%2Fx", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set(HeaderClient, "UZ/GOV/200000001/portal")
	if _, err := ParseRequest(r); errType(err) != "Client.BadRequest" {
		t.Fatalf("encoded slash via URL: %v", err)
	}
}

func TestStripRequestHeaders(t *testing.T) {
	h := http.Header{}
	for _, kv := range [][2]string{
		{"Connection", "keep-alive, X-Secret-Hop"},
		{"Connection", "Upgrade"},
		{"X-Secret-Hop", "1"},
		{"Keep-Alive", "timeout=5"},
		{"Proxy-Connection", "keep-alive"},
		{"Proxy-Authorization", "Basic x"},
		{"Proxy-Authenticate", "Basic"},
		{"TE", "trailers"},
		{"Trailer", "X-Checksum"},
		{"Transfer-Encoding", "chunked"},
		{"Upgrade", "websocket"},
		{"Host", "internal.example"},
		{"User-Agent", "curl/8"},
		{"Server", "nginx"},
		{"X-Road-Client", "UZ/GOV/1/portal"},
		{"X-Road-Id", "1"},
		{"X-Road-UserId", "UZ1"},
		{"X-Road-Issue", "case"},
		{"X-Road-Represented-Party", "COM/1"},
		{"X-Road-Security-Server", "UZ/GOV/1/gw"},
		{"X-Road-Request-Id", "forged"},
		{"X-Road-Request-Hash", "forged"},
		{"X-Road-Service", "forged"},
		{"X-Road-Error", "forged"},
		// Kept: end-to-end headers and user-defined X-Road extensions.
		{"Accept", "application/json"},
		{"Content-Type", "application/json"},
		{"Authorization", "Bearer jwt"},
		{"Cache-Control", "no-cache"},
		{"X-Road-Extension", "kept"},
	} {
		h.Add(kv[0], kv[1])
	}
	StripRequestHeaders(h)
	want := http.Header{
		"Accept":           {"application/json"},
		"Content-Type":     {"application/json"},
		"Authorization":    {"Bearer jwt"},
		"Cache-Control":    {"no-cache"},
		"X-Road-Extension": {"kept"},
	}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("after StripRequestHeaders:\n%v\nwant\n%v", h, want)
	}
}

func TestRemoveHopByHopKeepsXRoadHeaders(t *testing.T) {
	// On a response the X-Road headers set by the provider gateway stay.
	h := http.Header{"Connection": {"close"}, "X-Road-Request-Hash": {"h"}, "Server": {"x"}}
	RemoveHopByHop(h)
	if want := (http.Header{"X-Road-Request-Hash": {"h"}}); !reflect.DeepEqual(h, want) {
		t.Fatalf("after RemoveHopByHop: %v", h)
	}
}
