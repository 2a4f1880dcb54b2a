// Package console is clusteriam's web console: server-rendered pages
// (html/template, with htmx for partial updates) on the API's port, at /.
// Its handlers call iam.Service with the logged-in principal, as the API's
// do, so the same privilege checks, audit entries and errors apply; the
// console decides nothing itself.
//
// A log-in opens an ordinary session, the one the API's session-id header
// carries, held here in a __Host- cookie: ending it anywhere ends it here.
// Every state change carries the session's CSRF token and passes
// net/http's cross-origin checks; every page forbids framing, inline
// script and caching.
package console

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options are the console's dependencies beyond the service.
type Options struct {
	// Logger receives the console's logs (default slog.Default()).
	Logger *slog.Logger
	// Limiter limits failed log-ins: give the one the API uses, so that
	// both doors share one allowance. Nil: no limit.
	Limiter *loginlimit.Limiter
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client, as for the API.
	TrustedProxies []netip.Prefix
	// Version is shown in the footer.
	Version string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Stopping is closed when the server begins to stop: open streams
	// (the audit log's live tail) end, so that shutting down need not
	// wait for their clients to leave. Nil: never.
	Stopping <-chan struct{}
}

// console holds what the handlers share.
type console struct {
	svc   *iam.Service
	opts  Options
	pages *pages
	log   *slog.Logger
}

// New returns the console's handler, to serve at / beside the API.
func New(svc *iam.Service, opts Options) (http.Handler, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	pg, err := parsePages(templateFS, static)
	if err != nil {
		return nil, err
	}
	c := &console{svc: svc, opts: opts, pages: pg, log: opts.Logger}
	mux := http.NewServeMux()
	for _, rt := range c.routes(static) {
		mux.Handle(rt.pattern, rt.handler)
	}
	cop := http.NewCrossOriginProtection()
	// A SAML provider posts its answer from its own site; the answer is
	// signed, single-use and bound to this browser (see handleSAMLACS).
	cop.AddInsecureBypassPattern("POST /idps/authenticate")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusForbidden, "This request came from another site, and was refused.")
	}))
	return securityHeaders(c.recoverPanics(c.withClientIP(cop.Handler(mux)))), nil
}

// contentSecurityPolicy allows the console's own files only: no inline
// script or style, no framing, forms posting only here.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the headers every answer of the console carries.
// no-store keeps private pages out of the browser's cache, so that the
// back button after a log-out shows nothing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics answers a panic with a 500 page, logged, rather than a
// dropped connection.
func (c *console) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				c.log.ErrorContext(r.Context(), "console panic", "path", r.URL.Path, "panic", v)
				c.fail(w, r, http.StatusInternalServerError, "Something went wrong on the server; it is logged.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}
