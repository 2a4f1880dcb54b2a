package main

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/clusteriam/clusteriam/api"
	"github.com/clusteriam/clusteriam/internal/console"
	"github.com/clusteriam/clusteriam/internal/httpapi"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"github.com/clusteriam/clusteriam/internal/version"
)

// handlers returns what serve answers with: the API, and, unless
// --console=false, the web console at every path the API does not use.
// Both take passwords through one limiter. The console's streams end
// when stopping is closed.
func handlers(cfg serveConfig, svc *iam.Service, log *slog.Logger, metrics *httpapi.Metrics, stopping <-chan struct{}) (http.Handler, error) {
	limiter := loginlimit.New(cfg.failedLoginsPerMinute, cfg.failedLoginsPerAcct, nil)
	apiHandler := httpapi.NewServer(svc, httpapi.Options{
		Logger: log, Metrics: metrics, ServeMetrics: cfg.metricsListen == "", Spec: api.Spec(), Version: version.Get().String(),
		FailedLoginsPerMinute: cfg.failedLoginsPerMinute, FailedLoginsPerAccountPerMinute: cfg.failedLoginsPerAcct,
		TrustedProxies: cfg.trustedProxies, MaxHeaderBytes: cfg.maxHeaderBytes, Limiter: limiter,
		ChunkWriteTimeout: cfg.writeTimeout,
	})
	if !cfg.console {
		return apiHandler, nil
	}
	con, err := console.New(svc, console.Options{Logger: log, Limiter: limiter, TrustedProxies: cfg.trustedProxies,
		Version: version.Get().String(), Stopping: stopping})
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPIPath(r.URL.Path) {
			apiHandler.ServeHTTP(w, r)
			return
		}
		con.ServeHTTP(w, r)
	}), nil
}

// isAPIPath reports whether path is the API's: /v2/..., /healthz and
// /metrics. A plain test, rather than a second ServeMux, so that the
// console costs the API's requests nothing.
func isAPIPath(path string) bool {
	return strings.HasPrefix(path, "/v2/") || path == "/v2" || path == "/healthz" || path == "/metrics"
}
