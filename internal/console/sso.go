package console

import (
	"html/template"
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/samlsp"
)

// Single sign-on through a SAML provider: /v2/idps/login sends the
// browser there; the provider posts its answer here, to the assertion
// consumer the vendor's guides name (/idps/authenticate, outside /v2).

// handleSAMLACS checks the provider's answer and opens a console session.
// The answer is a cross-site POST, so it carries no CSRF token: the
// signed answer, its single use and the binding cookie stand for it.
func (c *console) handleSAMLACS() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, samlsp.MaxResponseBytes+4096)
		binding := samlsp.Binding(r)
		samlsp.ClearBinding(w)
		secret, _, err := c.svc.SAMLLogin(r.Context(), r.Host, binding, r.PostFormValue("SAMLResponse"))
		if err != nil {
			c.renderLogin(w, r, statusOf(err), loginForm{Domain: iam.LocalDomain, OTPType: "totp",
				Error: "The single sign-on log-in failed. Try again, or ask an administrator: the server's log says why."})
			return
		}
		setSessionCookie(w, r, secret)
		// The session cookie is SameSite=Strict: a redirect in answer to
		// this cross-site POST would reach the console without it. A page
		// of our own, which moves on at once, makes the next request
		// same-site.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = landing.Execute(w, nil)
	})
}

var landing = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/">
<title>Signed in - clusteriam</title></head>
<body><p>Signed in. <a href="/">Go on to the console</a>.</p></body></html>
`))

// handleSAMLMetadata serves the cluster's SAML metadata, for a provider's
// administrator to import: its entity id, assertion consumer URL and
// signing certificate.
func (c *console) handleSAMLMetadata() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		md, err := c.svc.SPMetadata(r.Context(), r.Host)
		if err != nil {
			c.fail(w, r, statusOf(err), "The metadata could not be made: the server's log says why.")
			return
		}
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		_, _ = w.Write(md)
	})
}
