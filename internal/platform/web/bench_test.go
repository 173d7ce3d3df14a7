package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/egovuz/egov/internal/platform/web"
)

// BenchmarkPage compares a page served through the whole middleware stack
// (request ID, access log, metrics, security headers, rate limit, CSRF,
// language, layout rendering) with a bare net/http handler writing the same
// bytes. The ratio is the cost of the platform's HTTP layer.
func BenchmarkPage(b *testing.B) {
	f := newFixture(b, func(o *web.Options) { o.RatePerIP, o.BurstPerIP = 1e9, 1e9 })
	rec := f.do(get("/page"))
	page := rec.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	run := func(b *testing.B, h http.Handler, cookies bool) {
		// A returning visitor sends the cookies the first visit set.
		first := httptest.NewRecorder()
		h.ServeHTTP(first, get("/page"))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req := get("/page")
				req.RemoteAddr = "192.0.2.1:1234"
				if cookies {
					for _, c := range first.Result().Cookies() {
						req.AddCookie(c)
					}
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
	b.Run("bare", func(b *testing.B) { run(b, bare, false) })
	b.Run("stack/first-visit", func(b *testing.B) { run(b, f.handler, false) })
	b.Run("stack/returning", func(b *testing.B) { run(b, f.handler, true) })
}
