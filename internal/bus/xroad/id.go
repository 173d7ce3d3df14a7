// Package xroad is the X-Road Message Protocol for REST (r1) as egov's
// exchange bus speaks it: identifiers of members, subsystems and services,
// the request line and headers, and the protocol's errors.
//
// It is a pure library: no storage, no server. The gateway parses each
// incoming request with [ParseRequest], answers protocol faults with
// [WriteError] and ties responses to requests with [RequestHash].
//
// Identifier parts follow chapter 4.8 of the protocol (PR-REST 1.0.x,
// "Identifier Character Restrictions"): only the letters A–Z and a–z, the
// digits 0–9 and the symbols ' ( ) + , - . = ? may be used. Everything else
// is refused, which covers what the X-Road security server's own validator
// forbids (colon, semicolon, slash, backslash, percent, control characters)
// and the path segments "." and "..", which a proxy or servlet container
// could otherwise treat as traversal.
package xroad

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxPartLength bounds each identifier part in bytes, so that identifiers
// fit the registry's columns and logs cannot be flooded through them.
const MaxPartLength = 255

// ClientID identifies a member, or a subsystem of one when Subsystem is
// set: INSTANCE/CLASS/CODE[/SUBSYSTEM], e.g. UZ/GOV/201122919/civil-registry.
type ClientID struct {
	Instance    string
	MemberClass string
	MemberCode  string
	Subsystem   string
}

// ServiceID identifies a service of a subsystem:
// INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE.
type ServiceID struct {
	Client      ClientID
	ServiceCode string
}

// SecurityServerID names one gateway of a member, as the optional
// X-Road-Security-Server header does: INSTANCE/CLASS/CODE/SERVER.
type SecurityServerID struct {
	Instance    string
	MemberClass string
	MemberCode  string
	ServerCode  string
}

// RepresentedParty is the third party on whose behalf a client asks, from
// the optional X-Road-Represented-Party header: [CLASS/]CODE. MemberClass
// is empty when the header gave only the code.
type RepresentedParty struct {
	MemberClass string
	MemberCode  string
}

// String returns the identifier in its wire form, as the X-Road-Client and
// X-Road-Service headers and the r1 request path carry it: parts joined by
// "/", each percent-encoded where needed (a valid part only ever needs "?"
// encoded). Parsing the result gives back the same ClientID.
func (id ClientID) String() string {
	parts := []string{id.Instance, id.MemberClass, id.MemberCode}
	if id.Subsystem != "" {
		parts = append(parts, id.Subsystem)
	}
	return joinParts(parts...)
}

// String returns the service identifier in its wire form, as the
// X-Road-Service response header and the r1 request path carry it.
func (id ServiceID) String() string {
	return id.Client.String() + "/" + escapePart(id.ServiceCode)
}

// String returns the server identifier in the X-Road-Security-Server form.
func (id SecurityServerID) String() string {
	return joinParts(id.Instance, id.MemberClass, id.MemberCode, id.ServerCode)
}

// String returns the party in the X-Road-Represented-Party form.
func (p RepresentedParty) String() string {
	if p.MemberClass == "" {
		return escapePart(p.MemberCode)
	}
	return joinParts(p.MemberClass, p.MemberCode)
}

// DefaultMemberClasses returns the member classes of the national instance:
// government bodies, companies, non-governmental and other organisations.
// It returns a fresh slice each time so callers may change it freely.
func DefaultMemberClasses() []string {
	return []string{"GOV", "COM", "NGO", "ORG"}
}

// Parser parses identifiers and requests under one instance's rules. Its
// zero value accepts the [DefaultMemberClasses]; the package-level functions
// use the zero value.
type Parser struct {
	// MemberClasses lists the member classes the instance defines (the
	// global configuration's list); nil means DefaultMemberClasses.
	MemberClasses []string
}

// ParseClientID parses INSTANCE/CLASS/CODE[/SUBSYSTEM] with the default
// member classes. See [Parser.ParseClientID].
func ParseClientID(s string) (ClientID, error) {
	return Parser{}.ParseClientID(s)
}

// ParseServiceID parses INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE with the
// default member classes. See [Parser.ParseServiceID].
func ParseServiceID(s string) (ServiceID, error) {
	return Parser{}.ParseServiceID(s)
}

// ParseClientID parses a client identifier in wire form, e.g. the value of
// the X-Road-Client header. The string is split on "/" first and each part
// is then percent-decoded on its own, so "%2F" inside a part decodes to a
// slash that validation refuses rather than to a separator. Errors are
// *Error of type Client.InvalidClientIdentifier.
func (p Parser) ParseClientID(s string) (ClientID, error) {
	parts, err := decodeParts(s, 3, 4)
	if err != nil {
		return ClientID{}, clientIDError(err)
	}
	id := ClientID{Instance: parts[0], MemberClass: parts[1], MemberCode: parts[2]}
	if len(parts) == 4 {
		// A fourth part must be a subsystem, never an empty one that would
		// silently turn the ID into its member's.
		if err := checkPart("subsystem code", parts[3]); err != nil {
			return ClientID{}, clientIDError(err)
		}
		id.Subsystem = parts[3]
	}
	if err := p.checkClientID(id); err != nil {
		return ClientID{}, clientIDError(err)
	}
	return id, nil
}

// ValidateClientID reports whether id, with its parts already decoded,
// obeys the identifier rules; the registry uses it before storing one.
// Errors are *Error of type Client.InvalidClientIdentifier.
func (p Parser) ValidateClientID(id ClientID) error {
	if err := p.checkClientID(id); err != nil {
		return clientIDError(err)
	}
	return nil
}

// ParseServiceID parses a service identifier in wire form. The subsystem is
// required: egov registers services only under subsystems, and without it
// the r1 path would be ambiguous. Errors are *Error of type
// Client.BadRequest, the protocol's answer to a malformed request.
func (p Parser) ParseServiceID(s string) (ServiceID, error) {
	parts, err := decodeParts(s, 5, 5)
	if err != nil {
		return ServiceID{}, serviceIDError(err)
	}
	return p.serviceID(parts)
}

// ValidateServiceID reports whether id, with its parts already decoded,
// obeys the identifier rules. Errors are *Error of type Client.BadRequest.
func (p Parser) ValidateServiceID(id ServiceID) error {
	if err := p.checkServiceID(id); err != nil {
		return serviceIDError(err)
	}
	return nil
}

// serviceID builds and checks a service identifier from five decoded parts.
func (p Parser) serviceID(parts []string) (ServiceID, error) {
	id := ServiceID{
		Client: ClientID{
			Instance:    parts[0],
			MemberClass: parts[1],
			MemberCode:  parts[2],
			Subsystem:   parts[3],
		},
		ServiceCode: parts[4],
	}
	if err := p.checkServiceID(id); err != nil {
		return ServiceID{}, serviceIDError(err)
	}
	return id, nil
}

// parseSecurityServerID parses the X-Road-Security-Server header value.
func (p Parser) parseSecurityServerID(s string) (SecurityServerID, error) {
	parts, err := decodeParts(s, 4, 4)
	if err == nil {
		err = p.checkMember(parts[0], parts[1], parts[2])
	}
	if err == nil {
		err = checkPart("server code", parts[3])
	}
	if err != nil {
		return SecurityServerID{}, Errorf(OriginClient, CodeInvalidSecurityServer,
			"invalid %s header: %v", HeaderSecurityServer, err)
	}
	return SecurityServerID{Instance: parts[0], MemberClass: parts[1], MemberCode: parts[2], ServerCode: parts[3]}, nil
}

// parseRepresentedParty parses the X-Road-Represented-Party header value.
func (p Parser) parseRepresentedParty(s string) (RepresentedParty, error) {
	parts, err := decodeParts(s, 1, 2)
	var party RepresentedParty
	if err == nil {
		party.MemberCode = parts[len(parts)-1]
		if len(parts) == 2 {
			party.MemberClass = parts[0]
			err = p.checkClass(party.MemberClass)
		}
	}
	if err == nil {
		err = checkPart("member code", party.MemberCode)
	}
	if err != nil {
		return RepresentedParty{}, Errorf(OriginClient, CodeBadRequest,
			"invalid %s header: %v", HeaderRepresentedParty, err)
	}
	return party, nil
}

func clientIDError(err error) *Error {
	return Errorf(OriginClient, CodeInvalidClientIdentifier, "invalid client identifier: %v", err)
}

func serviceIDError(err error) *Error {
	return Errorf(OriginClient, CodeBadRequest, "invalid service identifier: %v", err)
}

func (p Parser) checkClientID(id ClientID) error {
	if err := p.checkMember(id.Instance, id.MemberClass, id.MemberCode); err != nil {
		return err
	}
	if id.Subsystem == "" {
		return nil
	}
	return checkPart("subsystem code", id.Subsystem)
}

func (p Parser) checkServiceID(id ServiceID) error {
	if err := p.checkMember(id.Client.Instance, id.Client.MemberClass, id.Client.MemberCode); err != nil {
		return err
	}
	if err := checkPart("subsystem code", id.Client.Subsystem); err != nil {
		return err
	}
	return checkPart("service code", id.ServiceCode)
}

func (p Parser) checkMember(instance, class, code string) error {
	if err := checkPart("instance", instance); err != nil {
		return err
	}
	if err := p.checkClass(class); err != nil {
		return err
	}
	return checkPart("member code", code)
}

func (p Parser) checkClass(class string) error {
	if err := checkPart("member class", class); err != nil {
		return err
	}
	classes := p.MemberClasses
	if classes == nil {
		classes = DefaultMemberClasses()
	}
	if !slices.Contains(classes, class) {
		return fmt.Errorf("member class %q is not defined", class)
	}
	return nil
}

// decodeParts splits s on "/" and percent-decodes each part separately,
// requiring between lo and hi parts.
func decodeParts(s string, lo, hi int) ([]string, error) {
	if len(s) > hi*(3*MaxPartLength+1) {
		return nil, fmt.Errorf("identifier is too long")
	}
	parts := strings.Split(s, "/")
	if len(parts) < lo || len(parts) > hi {
		if lo == hi {
			return nil, fmt.Errorf("want %d parts separated by \"/\", got %d", lo, len(parts))
		}
		return nil, fmt.Errorf("want %d to %d parts separated by \"/\", got %d", lo, hi, len(parts))
	}
	for i, raw := range parts {
		dec, err := url.PathUnescape(raw)
		if err != nil {
			return nil, fmt.Errorf("part %d: malformed percent-encoding", i+1)
		}
		parts[i] = dec
	}
	return parts, nil
}

// checkPart applies the identifier rules to one decoded part; what names
// the part in the message.
func checkPart(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s is empty", what)
	case len(s) > MaxPartLength:
		return fmt.Errorf("%s is longer than %d bytes", what, MaxPartLength)
	case s == "." || s == "..":
		return fmt.Errorf("%s %q is a path segment", what, s)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isIDChar(r) {
			if r == utf8.RuneError && size == 1 {
				return fmt.Errorf("%s is not valid UTF-8", what)
			}
			return fmt.Errorf("%s contains %q, which identifiers may not use", what, r)
		}
		i += size
	}
	return nil
}

// isIDChar reports whether c is one of the characters chapter 4.8 allows
// in identifiers.
func isIDChar(c rune) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return strings.ContainsRune("'()+,-.=?", c)
}

func joinParts(parts ...string) string {
	for i, p := range parts {
		parts[i] = escapePart(p)
	}
	return strings.Join(parts, "/")
}

// escapePart percent-encodes every byte that is not an identifier
// character, and "?", so a part never puts a "/", "?", "%" or control
// character on the wire, whatever it holds.
func escapePart(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '?' && isIDChar(rune(c)) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0f])
	}
	return b.String()
}
