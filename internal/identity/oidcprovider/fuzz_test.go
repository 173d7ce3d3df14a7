package oidcprovider

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzValidateRedirectURI checks that whatever registration accepts as a
// redirect URI parses back to the same absolute https URL, or to http on a
// loopback host, with no fragment, wildcard or user info.
func FuzzValidateRedirectURI(f *testing.F) {
	for _, s := range []string{"https://my.soliq.uz/cb", "http://localhost:8080/cb", "http://127.0.0.1/cb?x=1", "https://a/#",
		"https://*.uz/", "javascript:alert(1)", "https://user@host/", "http://[::1]:9/cb", "HTTPS://A/", "https://a/%2e%2e/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if ValidateRedirectURI(raw) != "" {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.String() != raw || u.Fragment != "" || u.User != nil || strings.ContainsAny(raw, "*# \\") {
			t.Fatalf("accepted %q", raw)
		}
		switch {
		case u.Scheme == "https" && u.Host != "":
		case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1"):
		default:
			t.Fatalf("accepted %q", raw)
		}
	})
}
