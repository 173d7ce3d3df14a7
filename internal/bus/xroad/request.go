package xroad

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ProtocolVersion is the first path segment of every r1 service call.
const ProtocolVersion = "r1"

// MaxURILength is the longest request target accepted. PR-REST 4.2 lets a
// gateway enforce the 2,000-character limit most clients have; larger data
// belongs in the body.
const MaxURILength = 2000

// maxHeaderValue bounds the free-text X-Road headers, which end up in the
// message log and the data tracker.
const maxHeaderValue = 255

// Names of the X-Road headers. Go canonicalises header names, so requests
// may spell them in any case (PR-REST 4.3).
const (
	HeaderClient           = "X-Road-Client"
	HeaderService          = "X-Road-Service"
	HeaderID               = "X-Road-Id"
	HeaderUserID           = "X-Road-UserId"
	HeaderIssue            = "X-Road-Issue"
	HeaderRepresentedParty = "X-Road-Represented-Party"
	HeaderSecurityServer   = "X-Road-Security-Server"
	HeaderRequestID        = "X-Road-Request-Id"
	HeaderRequestHash      = "X-Road-Request-Hash"
	HeaderError            = "X-Road-Error"
)

// Metaservice names a built-in service of the gateway instead of a
// registered one (PR-MREST, PR-META). Their codes are reserved: the
// registry must not let a subsystem register a service under them.
type Metaservice string

// The REST metaservices.
const (
	// MetaNone marks an ordinary service call.
	MetaNone Metaservice = ""
	// MetaListClients lists the members and subsystems of an instance:
	// GET /listClients[?xRoadInstance=...], outside /r1/.
	MetaListClients Metaservice = "listClients"
	// MetaListMethods lists a provider subsystem's REST services and
	// endpoints: GET /r1/{subsystem}/listMethods.
	MetaListMethods Metaservice = "listMethods"
	// MetaAllowedMethods lists those the client may call:
	// GET /r1/{subsystem}/allowedMethods.
	MetaAllowedMethods Metaservice = "allowedMethods"
	// MetaGetOpenAPI returns a service's OpenAPI description:
	// GET /r1/{subsystem}/getOpenAPI?serviceCode=....
	MetaGetOpenAPI Metaservice = "getOpenAPI"
)

// IsMetaservice reports whether code is reserved for a metaservice.
func IsMetaservice(code string) bool {
	switch Metaservice(code) {
	case MetaListClients, MetaListMethods, MetaAllowedMethods, MetaGetOpenAPI:
		return true
	}
	return false
}

// Request is an r1 request as a consumer information system sent it,
// parsed and validated.
type Request struct {
	// Method is the HTTP method, passed on unchanged.
	Method string
	// Client is the caller from X-Road-Client. It is the zero ClientID only
	// for listClients sent without the header.
	Client ClientID
	// Service is the service called, or for listMethods, allowedMethods and
	// getOpenAPI the provider subsystem with the metaservice's code. It is
	// the zero ServiceID for listClients.
	Service ServiceID
	// Meta says which metaservice is called; MetaNone for a service call.
	Meta Metaservice
	// ServicePath is the rest of the path after the service code, still
	// percent-encoded exactly as received: "" or starting with "/".
	ServicePath string
	// RawQuery is the query string without "?", unmodified, as PR-REST 4.5
	// requires it to reach the provider service.
	RawQuery string
	// OpenAPIServiceCode is the serviceCode parameter of getOpenAPI.
	OpenAPIServiceCode string
	// ListClientsInstance is the optional xRoadInstance parameter of
	// listClients; empty means the gateway's own instance.
	ListClientsInstance string
	// ID is X-Road-Id, the message's unique identifier; empty when the
	// consumer left it to its gateway to generate.
	ID string
	// UserID is X-Road-UserId, the person whose action caused the request,
	// by convention prefixed with an ISO country code (UZ + PINFL).
	UserID string
	// Issue is X-Road-Issue, the case or document that caused the request.
	Issue string
	// RepresentedParty is X-Road-Represented-Party, or nil.
	RepresentedParty *RepresentedParty
	// SecurityServer is X-Road-Security-Server, the provider gateway the
	// consumer asks for, or nil.
	SecurityServer *SecurityServerID
}

// ParseRequest parses an r1 request with the default member classes. See
// [Parser.ParseRequest].
func ParseRequest(r *http.Request) (*Request, error) {
	return Parser{}.ParseRequest(r)
}

// ParseRequest parses and validates a request from a consumer information
// system:
//
//	{METHOD} /r1/{instance}/{class}/{code}/{subsystem}/{service}[/path][?query]
//	GET /r1/{instance}/{class}/{code}/{subsystem}/{listMethods|allowedMethods}
//	GET /r1/{instance}/{class}/{code}/{subsystem}/getOpenAPI?serviceCode={code}
//	GET /listClients[?xRoadInstance={instance}]
//
// It reads the raw request target, never the decoded URL.Path, so that
// encoded slashes cannot pose as separators. It refuses targets over
// MaxURILength, absolute or malformed targets, path traversal and encoded
// slashes or backslashes in the service path, a missing or repeated
// X-Road-Client (optional only for listClients), repeated X-Road headers
// and invalid identifiers. Every error is an *Error to hand to WriteError,
// of origin Client.
func (p Parser) ParseRequest(r *http.Request) (*Request, error) {
	target := r.RequestURI
	if target == "" && r.URL != nil {
		target = r.URL.RequestURI()
	}
	if len(target) > MaxURILength {
		return nil, Errorf(OriginClient, CodeBadRequest, "request URI is longer than %d characters", MaxURILength)
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c >= 0x7f || c == '#' || c == '\\' {
			return nil, Errorf(OriginClient, CodeBadRequest, "request URI contains %q, which must be percent-encoded", c)
		}
	}
	if !strings.HasPrefix(target, "/") {
		return nil, Errorf(OriginClient, CodeBadRequest, "request URI must be an absolute path")
	}
	if !allowedMethod(r.Method) {
		return nil, Errorf(OriginClient, CodeInvalidHTTPMethod, "method %q is not supported", r.Method)
	}
	path, rawQuery, _ := strings.Cut(target, "?")
	req := &Request{Method: r.Method, RawQuery: rawQuery}

	if path == "/"+string(MetaListClients) {
		if err := p.parseListClients(req); err != nil {
			return nil, err
		}
	} else if err := p.parseServiceCall(req, path); err != nil {
		return nil, err
	}
	if err := p.parseHeaders(req, r.Header); err != nil {
		return nil, err
	}
	return req, nil
}

// allowedMethod reports whether m is one of the methods a REST service
// call may use. CONNECT has no r1 form, and TRACE would echo the gateways'
// request headers back to the consumer.
func allowedMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// parseListClients handles GET /listClients, the one metaservice outside
// /r1/ (PR-META 2).
func (p Parser) parseListClients(req *Request) error {
	req.Meta = MetaListClients
	if req.Method != http.MethodGet {
		return Errorf(OriginClient, CodeInvalidHTTPMethod, "%s accepts only GET", MetaListClients)
	}
	instance, err := singleParam(req.RawQuery, "xRoadInstance", false)
	if err != nil {
		return err
	}
	if instance != "" {
		if err := checkPart("instance", instance); err != nil {
			return Errorf(OriginClient, CodeBadRequest, "invalid xRoadInstance: %v", err)
		}
	}
	req.ListClientsInstance = instance
	return nil
}

// parseServiceCall handles /r1/{serviceId}[/path], metaservices included.
func (p Parser) parseServiceCall(req *Request, path string) error {
	// path starts with "/", so segs[0] is empty.
	segs := strings.SplitN(path, "/", 8)
	if segs[1] != ProtocolVersion {
		if isVersionSegment(segs[1]) {
			return Errorf(OriginClient, CodeInvalidProtocolVersion, "protocol version %q is not supported; use %s", segs[1], ProtocolVersion)
		}
		return Errorf(OriginClient, CodeBadRequest, "request path must start with /%s/", ProtocolVersion)
	}
	if len(segs) < 7 {
		return serviceIDError(fmt.Errorf("want /%s/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE", ProtocolVersion))
	}
	parts := make([]string, 5)
	for i, raw := range segs[2:7] {
		dec, err := url.PathUnescape(raw)
		if err != nil {
			return serviceIDError(fmt.Errorf("part %d: malformed percent-encoding", i+1))
		}
		parts[i] = dec
	}
	id, err := p.serviceID(parts)
	if err != nil {
		return err
	}
	req.Service = id
	if len(segs) == 8 {
		req.ServicePath = "/" + segs[7]
		if err := checkServicePath(req.ServicePath); err != nil {
			return Errorf(OriginClient, CodeBadRequest, "invalid service path: %v", err)
		}
	}

	switch m := Metaservice(id.ServiceCode); m {
	case MetaListMethods, MetaAllowedMethods, MetaGetOpenAPI:
		req.Meta = m
		if req.Method != http.MethodGet {
			return Errorf(OriginClient, CodeInvalidHTTPMethod, "%s accepts only GET", m)
		}
		if req.ServicePath != "" {
			return Errorf(OriginClient, CodeBadRequest, "%s takes no path after the service code", m)
		}
		if m == MetaGetOpenAPI {
			code, err := singleParam(req.RawQuery, "serviceCode", true)
			if err != nil {
				return err
			}
			if err := checkPart("service code", code); err != nil {
				return Errorf(OriginClient, CodeBadRequest, "invalid serviceCode: %v", err)
			}
			req.OpenAPIServiceCode = code
		}
	case MetaListClients:
		return Errorf(OriginClient, CodeBadRequest, "%s is called as /%s, not under /%s/", m, m, ProtocolVersion)
	}
	return nil
}

// isVersionSegment reports whether s looks like a protocol version, r and
// digits, so a wrong version gets InvalidProtocolVersion, not BadRequest.
func isVersionSegment(s string) bool {
	if len(s) < 2 || s[0] != 'r' {
		return false
	}
	return strings.Trim(s[1:], "0123456789") == ""
}

// checkServicePath refuses what could make the provider service or a proxy
// in front of it resolve a different resource than the one access was
// granted for: dot segments (also percent-encoded, also with a ";"
// parameter as servlet containers read "..;"), encoded slashes and
// backslashes, encoded control characters, double percent-encoding and
// malformed escapes. Raw backslashes were refused with the whole target.
func checkServicePath(p string) error {
	for _, seg := range strings.Split(p[1:], "/") {
		lower := strings.ToLower(seg)
		switch {
		case strings.Contains(lower, "%2f"):
			return fmt.Errorf("encoded slash")
		case strings.Contains(lower, "%5c"):
			return fmt.Errorf("encoded backslash")
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return fmt.Errorf("malformed percent-encoding")
		}
		if name, _, _ := strings.Cut(dec, ";"); name == "." || name == ".." {
			return fmt.Errorf("dot segment %q", seg)
		}
		if hasEscape(dec) {
			return fmt.Errorf("double percent-encoding")
		}
		for _, r := range dec {
			if unicode.IsControl(r) {
				return fmt.Errorf("encoded control character")
			}
		}
	}
	return nil
}

// hasEscape reports whether s still holds a "%XX" escape.
func hasEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && isHex(s[i+1]) && isHex(s[i+2]) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// singleParam returns the one value of query parameter name, refusing it
// repeated (HTTP parameter pollution, PR-REST 4.2) and, when required,
// missing or empty.
func singleParam(rawQuery, name string, required bool) (string, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", Errorf(OriginClient, CodeBadRequest, "malformed query string")
	}
	vs := q[name]
	switch {
	case len(vs) > 1:
		return "", Errorf(OriginClient, CodeBadRequest, "query parameter %s is repeated", name)
	case required && (len(vs) == 0 || vs[0] == ""):
		return "", Errorf(OriginClient, CodeBadRequest, "query parameter %s is required", name)
	case len(vs) == 0:
		return "", nil
	}
	return vs[0], nil
}

// parseHeaders reads and validates the X-Road request headers.
func (p Parser) parseHeaders(req *Request, h http.Header) error {
	client, err := singleHeader(h, HeaderClient)
	if err != nil {
		return err
	}
	switch {
	case client != "":
		if req.Client, err = p.ParseClientID(client); err != nil {
			return err
		}
	case req.Meta != MetaListClients:
		return Errorf(OriginClient, CodeMissingHeader, "header %s is required", HeaderClient)
	}

	for _, f := range []struct {
		name string
		dst  *string
	}{{HeaderID, &req.ID}, {HeaderUserID, &req.UserID}, {HeaderIssue, &req.Issue}} {
		v, err := singleHeader(h, f.name)
		if err != nil {
			return err
		}
		if err := checkText(v); err != nil {
			return Errorf(OriginClient, CodeBadRequest, "invalid %s header: %v", f.name, err)
		}
		*f.dst = v
	}

	party, err := singleHeader(h, HeaderRepresentedParty)
	if err != nil {
		return err
	}
	if party != "" {
		rp, err := p.parseRepresentedParty(party)
		if err != nil {
			return err
		}
		req.RepresentedParty = &rp
	}

	server, err := singleHeader(h, HeaderSecurityServer)
	if err != nil {
		return err
	}
	if server != "" {
		ss, err := p.parseSecurityServerID(server)
		if err != nil {
			return err
		}
		req.SecurityServer = &ss
	}
	return nil
}

// singleHeader returns the value of header name, "" when absent, and
// refuses it sent more than once: two identities in one request must not
// let the gateway check one and the provider see the other.
func singleHeader(h http.Header, name string) (string, error) {
	vs := h.Values(name)
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vs[0]), nil
	}
	return "", Errorf(OriginClient, CodeDuplicateHeaderField, "header %s is repeated", name)
}

// checkText validates a free-text header value: UTF-8, no control
// characters, at most maxHeaderValue bytes.
func checkText(s string) error {
	if len(s) > maxHeaderValue {
		return fmt.Errorf("longer than %d bytes", maxHeaderValue)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("contains a control character")
		}
	}
	return nil
}

// hopByHop lists the headers that describe one connection, not the
// message: RFC 9110 7.6.1 (with the obsolete Proxy-Connection and
// Keep-Alive), the proxy authentication headers of RFC 9110 11.7, and
// those PR-REST 4.3 filters because they leak the origin host.
func hopByHop() []string {
	return []string{
		"Connection", "Proxy-Connection", "Keep-Alive", "TE", "Trailer",
		"Transfer-Encoding", "Upgrade", "Proxy-Authenticate",
		"Proxy-Authorization", "Host", "User-Agent", "Server",
	}
}

// RemoveHopByHop deletes from h, in place, the headers a gateway must not
// pass on: every header named in Connection, then the hop-by-hop and
// host-revealing headers. Use it on requests and responses alike.
func RemoveHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop() {
		h.Del(name)
	}
}

// StripRequestHeaders prepares a consumer's headers for forwarding: it
// removes the hop-by-hop headers and every X-Road header the protocol
// defines, so that the gateway re-adds only the values ParseRequest
// validated and the ones it sets itself (X-Road-Request-Id), and a consumer
// cannot forge X-Road-Service, X-Road-Request-Hash or X-Road-Error. Other
// X-Road-* headers are user-defined and pass (PR-REST 4.3).
func StripRequestHeaders(h http.Header) {
	RemoveHopByHop(h)
	for _, name := range []string{
		HeaderClient, HeaderService, HeaderID, HeaderUserID, HeaderIssue,
		HeaderRepresentedParty, HeaderSecurityServer, HeaderRequestID,
		HeaderRequestHash, HeaderError,
	} {
		h.Del(name)
	}
}
