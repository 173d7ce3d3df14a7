package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzRequestHeaders throws arbitrary client-controlled headers and paths at
// the whole middleware stack: language, Accept, Accept-Encoding, cookies,
// X-Forwarded-For and request IDs are all parsed from outside input. The
// stack must never panic and must answer with a real status.
func FuzzRequestHeaders(f *testing.F) {
	f.Add("/page", "ru;q=0.5,en", "application/json;q=0.9, text/html", "gzip;q=0", "egov_prefs=large.contrast; egov_lang=uz-Cyrl", "1.2.3.4, ::1", "abc-123")
	f.Add("/nowhere?lang=xx", "*", "*/*", "br, gzip", "egov_csrf=", "garbage", "\x00")
	f.Add("/static/css/egov.css", "uz-Cyrl-UZ", "", "identity", "", "", "")
	fx := newFixture(f, nil)
	f.Fuzz(func(t *testing.T, path, lang, accept, enc, cookie, xff, reqID string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = path
		req.Header.Set("Accept-Language", lang)
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", enc)
		req.Header.Set("Cookie", cookie)
		req.Header.Set("X-Forwarded-For", xff)
		req.Header.Set("X-Request-ID", reqID)
		rec := fx.do(req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
	})
}
