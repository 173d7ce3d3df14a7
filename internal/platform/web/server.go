// Package web is egov's HTTP layer: the router with per-route permissions, the
// middleware every request passes (request ID, access log, metrics, panic
// recovery, security headers, CSRF, rate limits, body limits, gzip, language),
// the shared page layout and static assets, errors as pages or RFC 9457
// problem details, and the health, readiness and metrics endpoints.
package web

import (
	"compress/gzip"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"

	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure the HTTP layer.
type Options struct {
	Logger *slog.Logger
	Bundle *i18n.Bundle
	// Registerer and Gatherer receive and expose the metrics.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// Secret keys the CSRF tokens; every node behind one balancer needs the
	// same one.
	Secret []byte
	// TLS says the site is served over HTTPS (directly or by a terminating
	// proxy): cookies become Secure and HSTS is sent.
	TLS bool
	// MaxBodyBytes bounds every request body.
	MaxBodyBytes int64
	// RatePerIP and BurstPerIP throttle each client address.
	RatePerIP  float64
	BurstPerIP int
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// MetricsAllow may scrape /metrics.
	MetricsAllow []netip.Prefix
	// Demo shows the demo banner.
	Demo bool
	// LoginPath is where a browser asking for a page that needs a signed-in
	// user is sent (with ?next=); empty shows the 401 page instead.
	LoginPath string
}

// Server is the HTTP layer of one node.
type Server struct {
	opts     Options
	log      *slog.Logger
	router   *Router
	renderer *Renderer
	assets   *Assets
	csrf     *csrf
	ipLimit  *Limiter
	metrics  *httpMetrics
	checks   []namedCheck
	inner    []Middleware
	api      OpenAPI
	gzPool   sync.Pool
}

// New builds the HTTP layer and registers the platform's own routes: static
// files, health, readiness, metrics and the display-preference form.
func New(opts Options) (*Server, error) {
	if len(opts.Secret) < 32 {
		return nil, fmt.Errorf("web: secret must be at least 32 bytes")
	}
	if opts.Bundle == nil || opts.Logger == nil || opts.Registerer == nil || opts.Gatherer == nil {
		return nil, fmt.Errorf("web: bundle, logger and metrics registry are required")
	}
	if opts.RatePerIP <= 0 {
		opts.RatePerIP, opts.BurstPerIP = 50, 100
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web: load assets: %w", err)
	}
	rend, err := newRenderer(opts.Bundle, assets, opts.Logger, opts.Demo, opts.LoginPath)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		renderer: rend,
		assets:   assets,
		csrf:     &csrf{secret: opts.Secret},
		ipLimit:  NewLimiter(opts.RatePerIP, opts.BurstPerIP),
		metrics:  newHTTPMetrics(opts.Registerer),
		gzPool: sync.Pool{New: func() any {
			w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
			return w
		}},
	}
	s.router = newRouter(rend, s.csrf)
	s.router.Handle("GET /static/{path...}", Public, assets.serve)
	s.router.Handle("GET /healthz", Public, s.healthz)
	s.router.Handle("GET /readyz", Public, s.readyz)
	s.router.Handle("GET /metrics", Public, s.metricsHandler())
	s.router.Handle("POST /prefs", Public, s.savePrefs)
	s.router.Handle("GET /api/v1/openapi.json", Public, s.api.serve)
	return s, nil
}

// Router is where modules register their routes.
func (s *Server) Router() *Router { return s.router }

// API is the OpenAPI document modules describe their JSON APIs in.
func (s *Server) API() *OpenAPI { return &s.api }

// Renderer parses module pages and renders errors.
func (s *Server) Renderer() *Renderer { return s.renderer }

// Use adds a middleware between the platform's stack and the router, such as
// the identity module's session loader. Middlewares run in the order added.
func (s *Server) Use(mw Middleware) { s.inner = append(s.inner, mw) }

// Handler is the whole stack, outermost first.
func (s *Server) Handler() http.Handler {
	var h http.Handler = s.router
	for i := len(s.inner) - 1; i >= 0; i-- {
		h = s.inner[i](h)
	}
	return s.base(s.securityHeaders(s.limits(s.compress(h))))
}

//go:embed locales
var locales embed.FS

// Locales is the catalog of the shell's own texts, one source of the bundle.
func Locales() fs.FS {
	sub, _ := fs.Sub(locales, "locales")
	return sub
}
