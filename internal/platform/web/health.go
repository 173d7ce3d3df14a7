package web

import (
	"context"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is a readiness probe of one dependency (the database, NATS, the blob
// store).
type Check func(ctx context.Context) error

// AddCheck adds a dependency that /readyz probes.
func (s *Server) AddCheck(name string, c Check) {
	s.checks = append(s.checks, namedCheck{name, c})
}

type namedCheck struct {
	name  string
	check Check
}

// healthz says the process is alive; a load balancer restarts it otherwise.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write([]byte("ok\n"))
	return err
}

// readyz probes every dependency at once, each with a short deadline, and
// answers 503 if any fails so the balancer stops sending traffic here.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	results := make(map[string]string, len(s.checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range s.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := "ok"
			if err := c.check(ctx); err != nil {
				s.log.WarnContext(ctx, "readiness check failed", "check", c.name, "err", err)
				res = "failed"
			}
			mu.Lock()
			results[c.name] = res
			mu.Unlock()
		}()
	}
	wg.Wait()
	status, overall := http.StatusOK, "ok"
	for _, res := range results {
		if res != "ok" {
			status, overall = http.StatusServiceUnavailable, "unavailable"
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return WriteJSON(w, status, map[string]any{"status": overall, "checks": results})
}

// metricsHandler serves Prometheus metrics to the addresses allowed to scrape.
func (s *Server) metricsHandler() HandlerFunc {
	h := promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{})
	return func(w http.ResponseWriter, r *http.Request) error {
		ip, err := netip.ParseAddr(ClientIP(r.Context()))
		if err != nil || !inPrefixes(ip, s.opts.MetricsAllow) {
			return apperr.New(apperr.EFORBIDDEN, "error.forbidden")
		}
		h.ServeHTTP(w, r)
		return nil
	}
}
