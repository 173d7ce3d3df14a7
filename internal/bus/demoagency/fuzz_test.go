package demoagency

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseCadastralNumber checks that a cadastral number is accepted
// exactly when it has the documented layout, and then comes back as sent.
func FuzzParseCadastralNumber(f *testing.F) {
	for _, s := range []string{bakeryLand, "26:12:04:02:03:0048", "", "26:02:07:01:05:12", "26-02-07-01-05-0012",
		"26:02:07:01:05:0012:0001", "２6:02:07:01:05:0012", "26:02:07:01:05:001\x00", " 26:02:07:01:05:001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseCadastralNumber(s)
		layout := len(s) == len(CadastralNumberFormat)
		for i := 0; layout && i < len(s); i++ {
			if CadastralNumberFormat[i] == ':' {
				layout = s[i] == ':'
			} else {
				layout = s[i] >= '0' && s[i] <= '9'
			}
		}
		if layout != (err == nil) {
			t.Fatalf("%q: layout %v, error %v", s, layout, err)
		}
		if err == nil && got != s {
			t.Fatalf("%q came back as %q", s, got)
		}
	})
}

// FuzzPaths sends arbitrary identifiers to every service, raw and
// percent-encoded, and checks that each answer is a record or a problem
// with a status the descriptions give: never a panic, a 500 or a redirect.
func FuzzPaths(f *testing.F) {
	for _, s := range []string{bakeryLand, "26%3A02%3A07%3A01%3A05%3A0012", "31705900261002", "305123456", "",
		"..", "%2e%2e", "a/b", "%2F", "%00", "31705900261002/address", "99:99:99:99:99:9999", "\u02bb"} {
		f.Add(s)
	}
	agencies := Agencies(nil)
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range agencies {
			for _, svc := range a.Services {
				for _, target := range []string{svc.Path + "/" + s, svc.Path + "/" + url.PathEscape(s),
					svc.Path + "/" + url.PathEscape(s) + "/address"} {
					u, err := url.ParseRequestURI(target)
					if err != nil || strings.ContainsAny(target, " \t\r\n") {
						continue // not something an HTTP server would hand over
					}
					r := httptest.NewRequest("GET", "/", nil)
					r.URL, r.RequestURI = u, target
					rec := httptest.NewRecorder()
					a.Handler.ServeHTTP(rec, r)
					switch rec.Code {
					case http.StatusOK:
						if rec.Header().Get("Content-Type") != "application/json" {
							t.Fatalf("%s: 200 as %s", target, rec.Header().Get("Content-Type"))
						}
					case http.StatusBadRequest, http.StatusNotFound:
						var p problem
						if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code ||
							rec.Header().Get("Content-Type") != "application/problem+json" {
							t.Fatalf("%s: %d %s: %v", target, rec.Code, rec.Body, err)
						}
					default:
						t.Fatalf("%s: status %d %s", target, rec.Code, rec.Body)
					}
				}
			}
		}
	})
}
