package gateway

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/web"
)

// Metrics counts the exchanges gateways pass, for Prometheus: per gateway,
// side, service and result, with their durations. One Metrics serves any
// number of gateways of a process.
type Metrics struct {
	exchanges *prometheus.CounterVec
	duration  *prometheus.HistogramVec
}

// NewMetrics registers the gateway metrics with reg:
//
//	egov_bus_exchanges_total{gateway, side, service, result}
//	egov_bus_exchange_seconds{gateway, side}
//
// side is "consumer" or "provider"; service is the X-Road service
// identifier of an exchange that reached it (X-Road-Service), or "none"
// for a request a gateway refused or a metaservice; result is "ok"
// for a 1xx-3xx answer of the service, "service_error" for a 4xx or 5xx
// answer of the service, or the X-Road error type of a gateway's fault.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		exchanges: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "egov_bus_exchanges_total",
			Help: "Exchanges passed by the exchange bus gateways, by gateway, side, service and result."},
			[]string{"gateway", "side", "service", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "egov_bus_exchange_seconds",
			Help:    "Time from a gateway receiving a request to its answer being written.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}},
			[]string{"gateway", "side"}),
	}
	reg.MustRegister(m.exchanges, m.duration)
	return m
}

// Handler counts the exchanges h, one side of gateway, answers.
func (m *Metrics) Handler(gateway, side string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &web.StatusWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		m.duration.WithLabelValues(gateway, side).Observe(time.Since(start).Seconds())
		// Only a service the exchange reached names the series: a refused
		// request's identifiers are the caller's to invent, and would let
		// anyone add series without end.
		service := rec.Header().Get(xroad.HeaderService)
		if service == "" {
			service = "none"
		}
		result := "ok"
		switch {
		case rec.Header().Get(xroad.HeaderError) != "":
			result = rec.Header().Get(xroad.HeaderError)
		case rec.Status >= 400:
			result = "service_error"
		}
		m.exchanges.WithLabelValues(gateway, side, service, result).Inc()
	})
}
