package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// backlogCollector reports the job queue and outbox backlog. It reads each
// once per scrape, however many gauges come from the reading.
type backlogCollector struct {
	app                                       *App
	pending, running, dead, outbox, outboxLag *prometheus.Desc
}

func newBacklogCollector(a *App) *backlogCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &backlogCollector{app: a,
		pending:   d("egov_jobs_pending", "Jobs waiting to run, including scheduled ones and retries."),
		running:   d("egov_jobs_running", "Jobs being run now, on all nodes."),
		dead:      d("egov_jobs_dead", "Jobs that failed every attempt and wait for an operator."),
		outbox:    d("egov_outbox_pending", "Events committed but not yet published to NATS."),
		outboxLag: d("egov_outbox_lag_seconds", "Age of the oldest unpublished event."),
	}
}

// Describe implements prometheus.Collector.
func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.pending, c.running, c.dead, c.outbox, c.outboxLag} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. A failed reading is logged and
// its gauges left out of the scrape, so a dashboard shows a gap rather than a
// wrong figure.
func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	if s, err := c.app.Jobs.Stats(ctx); err != nil {
		c.app.log.Warn("metrics: job stats", "err", err)
	} else {
		gauge(c.pending, float64(s.Pending))
		gauge(c.running, float64(s.Running))
		gauge(c.dead, float64(s.Dead))
	}
	if n, age, err := c.app.Relay.Lag(ctx); err != nil {
		c.app.log.Warn("metrics: outbox lag", "err", err)
	} else {
		gauge(c.outbox, float64(n))
		gauge(c.outboxLag, age.Seconds())
	}
}
