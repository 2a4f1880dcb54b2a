package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of the API.
type Metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	loginFailures *prometheus.CounterVec
}

// NewMetrics makes the metrics on a registry of their own, with the Go and
// process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "clusteriam_http_requests_total", Help: "HTTP requests by operation and status code.",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "clusteriam_http_request_duration_seconds", Help: "HTTP request latency by operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation"}),
		loginFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "clusteriam_login_failures_total", Help: "Failed log-ins by operation.",
		}, []string{"operation"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.loginFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Register adds collectors, such as those of the database pools.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.registry.Register(c); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	return nil
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// opMetrics are the series of one operation. Those of its 200s are found
// once, not by their labels at every request (hashing them, and a string
// for the code). They are made at the first request that needs them, as
// WithLabelValues made them: /metrics lists no series before its first
// request.
type opMetrics struct {
	m       *Metrics
	op      string
	ok      func() prometheus.Counter
	latency func() prometheus.Observer
}

// forOp returns the metrics of operation op; nil when m is.
func (m *Metrics) forOp(op string) *opMetrics {
	if m == nil {
		return nil
	}
	return &opMetrics{
		m: m, op: op,
		ok:      sync.OnceValue(func() prometheus.Counter { return m.requests.WithLabelValues(op, "200") }),
		latency: sync.OnceValue(func() prometheus.Observer { return m.latency.WithLabelValues(op) }),
	}
}

// observe records one request of the operation.
func (o *opMetrics) observe(status int, d time.Duration) {
	if o == nil {
		return
	}
	if status == http.StatusOK {
		o.ok().Inc()
	} else {
		o.m.requests.WithLabelValues(o.op, strconv.Itoa(status)).Inc()
	}
	o.latency().Observe(d.Seconds())
}

func (m *Metrics) loginFailed(op string) {
	if m != nil {
		m.loginFailures.WithLabelValues(op).Inc()
	}
}
