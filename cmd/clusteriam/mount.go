package main

import (
	"log/slog"
	"net/http"

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
	})
	if !cfg.console {
		return apiHandler, nil
	}
	con, err := console.New(svc, console.Options{Logger: log, Limiter: limiter, TrustedProxies: cfg.trustedProxies,
		Version: version.Get().String(), Stopping: stopping})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, p := range []string{"/v2/", "/healthz", "/metrics"} {
		mux.Handle(p, apiHandler)
	}
	mux.Handle("/", con)
	return mux, nil
}
