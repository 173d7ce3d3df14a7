package web

import (
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// StatusWriter remembers the status and size of a response, for logs and
// metrics: Status is 0 until the handler writes.
type StatusWriter struct {
	http.ResponseWriter
	Status int
	Bytes  int64
}

func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.Bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestID accepts a caller's X-Request-ID when it is short and plain (so a
// load balancer's ID carries through the logs) and otherwise makes one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 64 && isToken(id) {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func isToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// clientIP is the peer address, or, when the peer is a trusted proxy, the
// right-most address in X-Forwarded-For that is not itself a trusted proxy.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !inPrefixes(addr, trusted) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !inPrefixes(a, trusted) {
			return a.String()
		}
	}
	return host
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// base starts every request: request ID, client IP, language, display
// preferences and CSRF cookie into the context; the access log line and
// metrics after it; and recovery from a handler's panic.
func (s *Server) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{id: requestID(r), ip: clientIP(r, s.opts.TrustedProxies), tls: r.TLS != nil || s.opts.TLS}
		ctx := withInfo(r.Context(), info)
		ctx = audit.WithSource(ctx, audit.Source{IP: info.ip, RequestID: info.id, UserAgent: r.UserAgent()})
		r = r.WithContext(ctx)
		sw := &StatusWriter{ResponseWriter: w}
		sw.Header().Set("X-Request-ID", info.id)

		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", info.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.Status == 0 {
					s.renderer.Error(sw, r, fmt.Errorf("panic: %v", p))
				}
			}
			elapsed := time.Since(start)
			route := info.pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.observe(route, r.Method, sw.Status, elapsed)
			s.log.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("request_id", info.id), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", sw.Status), slog.Int64("bytes", sw.Bytes),
				slog.Duration("duration", elapsed), slog.String("ip", info.ip))
		}()

		info.locale, info.prefs = s.negotiate(sw, r)
		info.csrf = s.csrf.ensure(sw, r, info.tls)
		next.ServeHTTP(sw, r)
	})
}

// negotiate picks the language — ?lang=, then the cookie, then
// Accept-Language — and remembers an explicit choice in a cookie.
func (s *Server) negotiate(w http.ResponseWriter, r *http.Request) (i18n.Locale, Prefs) {
	prefs := prefsFrom(r)
	if q := r.URL.Query().Get("lang"); q != "" {
		if loc, ok := i18n.ParseLocale(q); ok {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(loc), Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.opts.TLS, SameSite: http.SameSiteLaxMode})
			return loc, prefs
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if loc, ok := i18n.ParseLocale(c.Value); ok {
			return loc, prefs
		}
	}
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")), prefs
}

const langCookie = "egov_lang"

// securityHeaders sets the headers that make the browser refuse what the
// platform never does: inline script, framing, sniffing, leaking referrers.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if r.TLS != nil || s.opts.TLS {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// limits bounds request bodies and throttles each client IP. Health checks
// and metrics are exempt so a busy node is not taken out of the balancer by
// its own limiter.
func (s *Server) limits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Operational(r) {
			next.ServeHTTP(w, r)
			return
		}
		if ok, wait := s.ipLimit.Allow(ClientIP(r.Context())); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			s.renderer.Error(w, r, apperr.New(apperr.ETOOMANY, "error.too_many_requests"))
			return
		}
		if r.Body != nil && s.opts.MaxBodyBytes > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// Operational tells whether r asks for the platform's health, readiness or
// metrics: requests that carry no person and must stay cheap.
func Operational(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

// compressible lists the content types worth gzipping.
func compressible(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	switch strings.TrimSpace(ct) {
	case "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
		"application/json", "application/problem+json", "image/svg+xml", "application/xml", "text/xml":
		return true
	}
	return false
}

// gzipWriter compresses the response when its content type is worth it,
// deciding at the first write, once the handler has set its headers.
type gzipWriter struct {
	http.ResponseWriter
	pool    *sync.Pool
	gz      *gzip.Writer
	decided bool
}

func (g *gzipWriter) decide() {
	if g.decided {
		return
	}
	g.decided = true
	h := g.Header()
	if h.Get("Content-Encoding") != "" || !compressible(h.Get("Content-Type")) {
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	g.gz = g.pool.Get().(*gzip.Writer)
	g.gz.Reset(g.ResponseWriter)
}

func (g *gzipWriter) WriteHeader(code int) {
	if code != http.StatusNoContent && code != http.StatusNotModified && code >= 200 {
		g.decide()
	} else {
		g.decided = true
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	g.decide()
	if g.gz != nil {
		return g.gz.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) close() {
	if g.gz != nil {
		_ = g.gz.Close()
		g.pool.Put(g.gz)
	}
}

// compress gzips text responses for clients that accept it.
func (s *Server) compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if r.Method == http.MethodHead || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			next.ServeHTTP(w, r)
			return
		}
		g := &gzipWriter{ResponseWriter: w, pool: &s.gzPool}
		defer g.close()
		next.ServeHTTP(g, r)
	})
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a non-zero quality.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, "gzip") && name != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}
