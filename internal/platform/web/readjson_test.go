package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
)

type readTarget struct {
	Name string         `json:"name"`
	Vars map[string]any `json:"vars"`
}

func TestReadJSON(t *testing.T) {
	for _, c := range []struct {
		contentType, body, msg string
	}{
		{"application/json", `{"name": "a", "vars": {"n": 1}}`, ""},
		{"application/problem+json; charset=utf-8", `{"name": "a"}`, ""},
		{"text/plain", `{"name": "a"}`, "error.json.content_type"},
		{"", `{"name": "a"}`, "error.json.content_type"},
		{"application/json", ``, "error.json.empty"},
		{"application/json", `{"name": "a", "age": 3}`, "error.json.invalid"},
		{"application/json", `{"name": 3}`, "error.json.invalid"},
		{"application/json", `{"name": "a"`, "error.json.invalid"},
		{"application/json", `{"name": "a"} {"name": "b"}`, "error.json.trailing"},
		{"application/json", `{"name": "` + strings.Repeat("x", 100) + `"}`, "error.json.too_large"},
	} {
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.contentType)
		var v readTarget
		err := ReadJSON(r, 64, &v)
		e := apperr.As(err)
		switch {
		case c.msg == "" && err != nil:
			t.Errorf("%s: %v", c.body, err)
		case c.msg == "" && v.Name != "a":
			t.Errorf("%s: read %+v", c.body, v)
		case c.msg != "" && (e == nil || e.Code != apperr.EINVALID || e.Message != c.msg):
			t.Errorf("%s: %v, want %s", c.body, err, c.msg)
		}
	}
}

func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{`{"name": "a", "vars": {"n": [1, 2.5e3, null, true]}}`, `{`, `[]`, `{"name": "\ud800"}`, `{} x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v readTarget
		if err := ReadJSON(r, 1<<10, &v); err != nil && apperr.Code(err) != apperr.EINVALID {
			t.Fatalf("%q: %v is not EINVALID", body, err)
		}
	})
}
