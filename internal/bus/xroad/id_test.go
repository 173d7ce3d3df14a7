package xroad

import (
	"errors"
	"strings"
	"testing"
)

// errType returns the protocol error type of err, or "" if err is not an
// *Error.
func errType(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Type
	}
	return ""
}

func TestParseClientID(t *testing.T) {
	tests := []struct {
		in   string
		want ClientID
	}{
		{"UZ/GOV/201122919/civil-registry", ClientID{"UZ", "GOV", "201122919", "civil-registry"}},
		{"UZ/COM/301234567", ClientID{"UZ", "COM", "301234567", ""}},
		// Every symbol chapter 4.8 allows.
		{"UZ/NGO/a'b(c)d+e,f-g.h=i/j%3Fk", ClientID{"UZ", "NGO", "a'b(c)d+e,f-g.h=i", "j?k"}},
		// Parts are percent-decoded one by one.
		{"U%5A/G%4FV/%32%30%31/civil%2Dregistry", ClientID{"UZ", "GOV", "201", "civil-registry"}},
		{"ee-test/ORG/70008658/pistrik-client", ClientID{"ee-test", "ORG", "70008658", "pistrik-client"}},
		// Three dots are a name, not a path segment.
		{"UZ/GOV/.../x", ClientID{"UZ", "GOV", "...", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseClientID(tt.in)
			if err != nil {
				t.Fatalf("ParseClientID(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseClientID(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			again, err := ParseClientID(got.String())
			if err != nil || again != got {
				t.Fatalf("round trip through %q = %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseClientIDRefuses(t *testing.T) {
	long := strings.Repeat("a", MaxPartLength+1)
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"too few parts", "UZ/GOV"},
		{"too many parts", "UZ/GOV/1/sub/extra"},
		{"empty instance", "/GOV/1/sub"},
		{"empty member code", "UZ/GOV//sub"},
		{"empty subsystem", "UZ/GOV/1/"},
		{"encoded slash", "UZ/GOV/1/a%2Fb"},
		{"encoded slash lower case", "UZ/GOV/1/a%2fb"},
		{"all separators encoded", "UZ%2FGOV%2F1%2Fsub"},
		{"backslash", `UZ/GOV/1/a\b`},
		{"encoded backslash", "UZ/GOV/1/a%5Cb"},
		{"semicolon", "UZ/GOV/1;x/sub"},
		{"encoded semicolon", "UZ/GOV/1%3Bx/sub"},
		{"colon", "UZ/GOV/1:2/sub"},
		{"percent", "UZ/GOV/1/100%25"},
		{"double encoded slash", "UZ/GOV/1/a%252Fb"},
		{"malformed escape", "UZ/GOV/1/a%G0"},
		{"truncated escape", "UZ/GOV/1/a%2"},
		{"dot", "UZ/GOV/./sub"},
		{"dot dot", "UZ/GOV/1/.."},
		{"encoded dot dot", "UZ/GOV/1/%2E%2e"},
		{"NUL", "UZ/GOV/1/a%00"},
		{"newline", "UZ/GOV/1/a%0Ab"},
		{"tab", "UZ/GOV/1/a\tb"},
		{"DEL", "UZ/GOV/1/a%7F"},
		{"space", "UZ/GOV/1/a b"},
		{"underscore", "UZ/GOV/1/a_b"},
		{"non-ASCII letter", "UZ/GOV/1/o%CA%BBzbek"},
		{"invalid UTF-8", "UZ/GOV/1/%FF"},
		{"unknown member class", "UZ/BANK/1/sub"},
		{"member class in lower case", "UZ/gov/1/sub"},
		{"part too long", "UZ/GOV/1/" + long},
		{"identifier far too long", strings.Repeat("a", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseClientID(tt.in)
			if err == nil {
				t.Fatalf("ParseClientID(%q) = %+v, want error", tt.in, id)
			}
			if got := errType(err); got != "Client.InvalidClientIdentifier" {
				t.Fatalf("ParseClientID(%q) error type = %q (%v)", tt.in, got, err)
			}
		})
	}
}

func TestParserMemberClasses(t *testing.T) {
	p := Parser{MemberClasses: []string{"CLASS1", "CLASS2"}}
	if _, err := p.ParseClientID("INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1"); err != nil {
		t.Fatalf("configured class refused: %v", err)
	}
	if _, err := p.ParseClientID("INSTANCE/GOV/MEMBER1/SUBSYSTEM1"); err == nil {
		t.Fatal("class outside the configured list accepted")
	}
	if err := p.ValidateClientID(ClientID{"INSTANCE", "CLASS2", "M", "a/b"}); errType(err) != "Client.InvalidClientIdentifier" {
		t.Fatalf("ValidateClientID with a slash = %v", err)
	}
	if err := p.ValidateServiceID(ServiceID{ClientID{"INSTANCE", "CLASS2", "M", "S"}, "svc"}); err != nil {
		t.Fatalf("ValidateServiceID: %v", err)
	}
	if err := p.ValidateServiceID(ServiceID{ClientID{"INSTANCE", "CLASS2", "M", ""}, "svc"}); errType(err) != "Client.BadRequest" {
		t.Fatalf("ValidateServiceID without subsystem = %v", err)
	}
}

func TestParseServiceID(t *testing.T) {
	p := Parser{MemberClasses: []string{"COM"}}
	got, err := p.ParseServiceID("DEV/COM/222/TESTSERVICE/petstore")
	want := ServiceID{ClientID{"DEV", "COM", "222", "TESTSERVICE"}, "petstore"}
	if err != nil || got != want {
		t.Fatalf("ParseServiceID = %+v, %v; want %+v", got, err, want)
	}
	if s := got.String(); s != "DEV/COM/222/TESTSERVICE/petstore" {
		t.Fatalf("String() = %q", s)
	}
	for _, in := range []string{
		"DEV/COM/222/petstore",            // no subsystem
		"DEV/COM/222/TESTSERVICE/pet%2F1", // encoded slash
		"DEV/COM/222/TESTSERVICE/..",      // traversal
		"DEV/COM/222/TESTSERVICE/p;x",     // semicolon
		"DEV/COM/222/TESTSERVICE/petstore/v1",
	} {
		if _, err := p.ParseServiceID(in); errType(err) != "Client.BadRequest" {
			t.Errorf("ParseServiceID(%q) = %v, want Client.BadRequest", in, err)
		}
	}
}

func TestIdentifierStringEscapes(t *testing.T) {
	// String never lets a part's content pose as a separator, whatever the
	// part holds, so even an invalid ID cannot be turned into another one.
	id := ClientID{"UZ", "GOV", "1/2", "a?b%c"}
	if got, want := id.String(), "UZ/GOV/1%2F2/a%3Fb%25c"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	ss := SecurityServerID{"UZ", "GOV", "201122919", "gw1"}
	if got := ss.String(); got != "UZ/GOV/201122919/gw1" {
		t.Fatalf("SecurityServerID.String() = %q", got)
	}
	if got := (RepresentedParty{"", "30101"}).String(); got != "30101" {
		t.Fatalf("RepresentedParty without class = %q", got)
	}
	if got := (RepresentedParty{"COM", "30101"}).String(); got != "COM/30101" {
		t.Fatalf("RepresentedParty with class = %q", got)
	}
}

func TestIsMetaservice(t *testing.T) {
	for _, code := range []string{"listClients", "listMethods", "allowedMethods", "getOpenAPI"} {
		if !IsMetaservice(code) {
			t.Errorf("IsMetaservice(%q) = false", code)
		}
	}
	for _, code := range []string{"", "births", "getWsdl", "listmethods"} {
		if IsMetaservice(code) {
			t.Errorf("IsMetaservice(%q) = true", code)
		}
	}
}
