package bus_test

import (
	"testing"

	"github.com/egovuz/egov/internal/bus"
)

// TestEndpointMatches is the table of endpoint matching: exact paths, "*"
// segments, a trailing "/*", the method wildcard, misses, and attempts to
// escape a granted path, which match nothing, not even the whole service.
func TestEndpointMatches(t *testing.T) {
	tests := []struct {
		method, pattern string
		reqMethod, path string
		want            bool
	}{
		// Exact.
		{"GET", "/births", "GET", "/births", true},
		{"GET", "/births", "GET", "/births/", false},
		{"GET", "/births", "GET", "/Births", false},
		{"GET", "/births", "GET", "/births/1", false},
		{"GET", "/births", "GET", "/birth", false},
		{"GET", "/", "GET", "/", true},
		{"GET", "/", "GET", "/a", false},
		{"GET", "/births/", "GET", "/births/", true},
		{"GET", "/births/", "GET", "/births", false},
		{"GET", "/a%20b", "GET", "/a%20b", true},
		{"GET", "/a%20b", "GET", "/a b", false},
		// "*" as an inner segment: exactly one non-empty segment.
		{"GET", "/persons/*/births", "GET", "/persons/12345678901234/births", true},
		{"GET", "/persons/*/births", "GET", "/persons/1/2/births", false},
		{"GET", "/persons/*/births", "GET", "/persons//births", false},
		{"GET", "/persons/*/births", "GET", "/persons/births", false},
		{"GET", "/*/x", "GET", "/*/x", true},
		// Trailing "/*": one or more segments.
		{"GET", "/persons/*", "GET", "/persons/1", true},
		{"GET", "/persons/*", "GET", "/persons/1/births", true},
		{"GET", "/persons/*", "GET", "/persons/1/", true},
		{"GET", "/persons/*", "GET", "/persons", false},
		{"GET", "/persons/*", "GET", "/persons/", false},
		{"GET", "/persons/*", "GET", "/personsX/1", false},
		{"GET", "/*", "GET", "/anything/at/all", true},
		{"GET", "/*", "GET", "/", false},
		// Methods.
		{"*", "/persons/*", "DELETE", "/persons/1", true},
		{"*", "/persons/*", "", "/persons/1", false},
		{"GET", "/persons/*", "POST", "/persons/1", false},
		{"GET", "/persons/*", "get", "/persons/1", false},
		{"POST", "/persons", "POST", "/persons", true},
		// The whole service.
		{"*", "**", "PATCH", "/", true},
		{"*", "**", "GET", "/a/b/c", true},
		// No match for bad request paths.
		{"GET", "/persons", "GET", "persons", false},
		{"GET", "/persons", "GET", "", false},
		{"GET", "/persons", "GET", "/persons?x=1", false},
		// Path traversal never matches, under any pattern.
		{"*", "**", "GET", "/public/../secret", false},
		{"*", "**", "GET", "/public/./secret", false},
		{"*", "**", "GET", "/..", false},
		{"*", "**", "GET", "/public/%2e%2e/secret", false},
		{"*", "**", "GET", "/public/%2E%2E/secret", false},
		{"*", "**", "GET", "/public/.%2e/secret", false},
		{"*", "**", "GET", "/public%2f..%2fsecret", false},
		{"*", "**", "GET", "/public%2F..%2Fsecret", false},
		{"*", "**", "GET", "/public%5c..%5csecret", false},
		{"*", "**", "GET", "/public\\..\\secret", false},
		{"*", "**", "GET", "/public/..;/secret", false},
		{"*", "**", "GET", "/public/x;y", false},
		{"*", "**", "GET", "/public/%00", false},
		{"*", "**", "GET", "/public/%zz", false},
		{"*", "**", "GET", "/public/%2", false},
		{"*", "**", "GET", "//secret", false},
		{"*", "**", "GET", "/public//secret", false},
		{"*", "**", "GET", "/public/\x00", false},
		{"*", "**", "GET", "/público", false},
		{"GET", "/public/*", "GET", "/public/../secret", false},
		{"GET", "/public/*", "GET", "/public/%2e%2e/secret", false},
		{"GET", "/public/*/x", "GET", "/public/../x", false},
		{"GET", "/public/*", "GET", "/public/...", false},
		// Patterns that are not patterns match nothing.
		{"GET", "/persons*", "GET", "/persons1", false},
		{"GET", "/persons*", "GET", "/persons*", false},
		{"GET", "/a/../b", "GET", "/a/../b", false},
		{"GET", "persons", "GET", "persons", false},
		{"GET", "/**", "GET", "/a", false},
	}
	for _, tt := range tests {
		e := bus.Endpoint{Method: tt.method, Path: tt.pattern}
		if got := e.Matches(tt.reqMethod, tt.path); got != tt.want {
			t.Errorf("%s %s matches %s %q = %v, want %v", tt.method, tt.pattern, tt.reqMethod, tt.path, got, tt.want)
		}
	}
}
