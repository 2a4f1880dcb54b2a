// Package httpapi serves the v2 User API over HTTP: the routes, the
// handlers, the wire encoding and the authentication middleware.
package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/clientaddr"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
)

// Options are the optional dependencies of the handler.
type Options struct {
	// Logger receives request and error logs (default slog.Default()).
	Logger *slog.Logger
	// Version is what /healthz says of the build ("" leaves it out).
	Version string
	// Metrics records request metrics; nil disables them.
	Metrics *Metrics
	// ServeMetrics mounts GET /metrics on this handler.
	ServeMetrics bool
	// Spec is the OpenAPI document served at GET /v2/openapi.yaml.
	Spec []byte
	// FailedLoginsPerMinute limits failed log-ins per client address
	// (0: loginlimit.DefaultFailedLoginsPerMinute; negative: no limit).
	FailedLoginsPerMinute int
	// FailedLoginsPerAccountPerMinute limits failed log-ins per client
	// address and account (0: loginlimit.DefaultFailedLoginsPerAccountPerMinute;
	// negative: no limit).
	FailedLoginsPerAccountPerMinute int
	// TrustedProxies are the networks of proxies whose X-Forwarded-For
	// names the client (see clientAddr); none: the TCP peer is the client.
	TrustedProxies []netip.Prefix
	// MaxHeaderBytes limits the request line and header fields; past it
	// the answer is 431 (0: DefaultMaxHeaderBytes). Give the http.Server
	// ServerMaxHeaderBytes of it, so that net/http leaves the answer to
	// this handler.
	MaxHeaderBytes int
	// ChunkWriteTimeout is the time a client has to take each chunk (64
	// KiB) of a streamed list. Give it the http.Server's WriteTimeout, so
	// that it bounds each chunk of a long list rather than the whole (a
	// million users take tens of seconds). 0: the server's deadline bounds
	// the whole answer.
	ChunkWriteTimeout time.Duration

	// Limiter limits failed log-ins; nil: one made of the two limits
	// above. Give the console the same one, so that both doors share it.
	Limiter *loginlimit.Limiter

	now func() time.Time // the clock of a limiter made here (nil: time.Now), for tests
}

// NewServer returns the handler of the whole API.
func NewServer(svc *iam.Service, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.FailedLoginsPerMinute == 0 {
		opts.FailedLoginsPerMinute = loginlimit.DefaultFailedLoginsPerMinute
	}
	if opts.FailedLoginsPerAccountPerMinute == 0 {
		opts.FailedLoginsPerAccountPerMinute = loginlimit.DefaultFailedLoginsPerAccountPerMinute
	}
	if opts.Limiter == nil {
		opts.Limiter = loginlimit.New(opts.FailedLoginsPerMinute, opts.FailedLoginsPerAccountPerMinute, opts.now)
	}
	mux := http.NewServeMux()
	for _, rt := range routes(svc, opts) {
		mux.Handle(rt.pattern, routed(rt.handler))
	}
	return responseHeaders(recoverPanics(opts.Logger, limitHeaders(opts.MaxHeaderBytes, checkRequestText(jsonFallback(mux)))))
}

// hsts keeps browsers on HTTPS for two years. It leaves out
// includeSubDomains: a cluster's host name may share its domain with
// other services, which would then be unreachable over plain HTTP.
const hsts = "max-age=63072000"

// responseHeaders sets the headers every answer carries, before any
// handler runs. Cache-Control: no-store on all of them: every answer of
// this API is for its caller alone, and some carry a secret (an access
// token, a session id, an API key, an S3 secret). Strict-Transport-Security
// only on a request that came over TLS: RFC 6797 §7.2 forbids it over
// plain HTTP (--insecure-http).
func responseHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Canonical keys, assigned: Header.Set would canonicalize them
		// again on every request. One array holds both values; each slice
		// is capped, so that an Add to one cannot write into the other.
		h := w.Header()
		v := &[2]string{"no-store", hsts}
		h["Cache-Control"] = v[0:1:1]
		if r.TLS != nil {
			h["Strict-Transport-Security"] = v[1:2:2]
		}
		next.ServeHTTP(w, r)
	})
}

// jsonFallback answers unrouted requests (404, 405) with the Error model
// instead of ServeMux's text/plain. A routed request is matched once: the
// mux gets a muxWriter, which the route's handler swaps back for w
// (routed). Anything else, whose answer the muxWriter only recorded, is
// then served as before, by asking the mux which handler it is.
func jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mw := &muxWriter{w: w}
		mux.ServeHTTP(mw, r)
		if mw.routed {
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &codeRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		for _, k := range []string{"Allow", "Location"} {
			if v := rec.Header().Get(k); v != "" {
				w.Header().Set(k, v)
			}
		}
		switch rec.code {
		case http.StatusMethodNotAllowed:
			writeErrorStatus(w, rec.code, fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path))
		case http.StatusNotFound:
			writeErrorStatus(w, rec.code, fmt.Sprintf("no operation at %s %s", r.Method, r.URL.Path))
		default:
			writeErrorStatus(w, rec.code, strings.TrimSpace(rec.body.String()))
		}
	})
}

// codeRecorder captures what ServeMux's own error handlers write.
type codeRecorder struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (c *codeRecorder) Header() http.Header {
	if c.header == nil {
		c.header = http.Header{}
	}
	return c.header
}
func (c *codeRecorder) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}
func (c *codeRecorder) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(b)
}

// muxWriter is the ResponseWriter jsonFallback hands the mux: a route's
// handler takes w back from it, and what the mux answers itself is only
// recorded.
type muxWriter struct {
	codeRecorder
	w      http.ResponseWriter
	routed bool
}

// routed wraps a route's handler, so that it writes to the real
// ResponseWriter, and jsonFallback knows the request was routed.
func routed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mw, ok := w.(*muxWriter); ok {
			mw.routed, w = true, mw.w
		}
		h.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged 500 rather than a dropped
// connection.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeErrorStatus(w, http.StatusInternalServerError, "internal error; the server log has the details")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status written, and the start of an error's
// body, for metrics and logs.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	errBody []byte
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	if s.status >= 400 && len(s.errBody) < maxLoggedError {
		s.errBody = append(s.errBody, b[:min(len(b), maxLoggedError-len(s.errBody))]...)
	}
	return s.ResponseWriter.Write(b)
}

// maxLoggedError bounds how much of an error's body a log line quotes.
const maxLoggedError = 1024

// reason returns the message of the Error written, as far as it was kept.
func (s *statusRecorder) reason() string {
	var e errorJSON
	if json.Unmarshal(s.errBody, &e) != nil {
		return string(s.errBody)
	}
	return e.Message
}

// caller holds who made a request, once authenticate knows, for the
// request's log line.
type caller struct{ sid string }

type callerKey struct{}

// noteCaller records the caller's sid for the log line of r.
func noteCaller(r *http.Request, sid string) {
	if c, ok := r.Context().Value(callerKey{}).(*caller); ok {
		c.sid = sid
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// instrument records one operation's requests in metrics and logs, and
// names the client's address to the service, for its audit trail. Every
// refused request (4xx) gets a log line with its caller, address and
// reason: failed authentication and access control above all.
func instrument(op string, opts Options, next http.Handler) http.Handler {
	metrics := opts.Metrics.forOp(op)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		who, ip := &caller{}, clientaddr.Of(r, opts.TrustedProxies)
		ctx := context.WithValue(iam.WithClientIP(r.Context(), ip), callerKey{}, who)
		r = r.WithContext(ctx)
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		metrics.observe(rec.status, d)
		if rec.status >= 400 && rec.status < 500 {
			opts.Logger.InfoContext(ctx, "refused", "op", op, "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "actor", who.sid, "ip", ip, "reason", rec.reason())
			return
		}
		// Asked first, as the arguments cost allocations even when the
		// line is not written.
		if !opts.Logger.Enabled(ctx, slog.LevelDebug) {
			return
		}
		opts.Logger.DebugContext(ctx, "request", "op", op, "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", d)
	})
}
