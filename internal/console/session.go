package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/clusteriam/clusteriam/internal/clientaddr"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
	"github.com/clusteriam/clusteriam/internal/store"
)

// cookieName holds the session id. __Host- makes the browser refuse it
// unless it is Secure, for this host only and for the whole path; over
// plain HTTP (--insecure-http) no such cookie can be set, so it goes
// without the prefix.
const (
	cookieName         = "__Host-clusteriam"
	insecureCookieName = "clusteriam"
	csrfField          = "csrf"         // the form field of the CSRF token
	csrfHeader         = "X-CSRF-Token" // htmx's requests carry it here
	maxOTPLen          = 16             // bytes, as the API bounds otpCode
)

// page is what a handler of a logged-in user works with.
type page struct {
	w      http.ResponseWriter
	r      *http.Request
	p      *iam.Principal
	secret string // the session id, whose CSRF token the page carries
}

// authedHandler serves a logged-in user. A returned error is shown as the
// page's error.
type authedHandler func(pg *page) error

// authed runs h for the user of the request's session cookie. Without a
// live session a page goes to the log-in (and back after it); a state
// change without the session's CSRF token is refused.
func (c *console) authed(h authedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := sessionCookie(r)
		var p *iam.Principal
		err := errNoSession
		if secret != "" {
			p, err = c.svc.Authenticate(r.Context(), iam.Credential{Kind: iam.CredSession, Secret: secret})
		}
		if err != nil {
			c.toLogin(w, r)
			return
		}
		if !safeMethod(r.Method) && !validCSRF(r, secret) {
			c.fail(w, r, http.StatusForbidden, "This form is stale or came from elsewhere (no valid CSRF token): reload the page and try again.")
			return
		}
		pg := &page{w: w, r: r, p: p, secret: secret}
		if err := h(pg); err != nil {
			c.failErr(w, r, err)
		}
	})
}

var errNoSession = errors.New("no session")

// toLogin sends a request without a session to the log-in page, which
// comes back here after it. htmx follows HX-Redirect rather than a 303,
// which it would swap into the page.
func (c *console) toLogin(w http.ResponseWriter, r *http.Request) {
	clearSessionCookie(w, r)
	to := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// csrfToken is the CSRF token of the session secret: a MAC of a fixed
// text under the secret, so that it needs no storage, differs per session,
// and says nothing of the secret (nor of its stored hash).
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("clusteriam console csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF reports whether r carries secret's CSRF token, in its form or
// its header, compared in constant time.
func validCSRF(r *http.Request, secret string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	want := csrfToken(secret)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func sessionCookie(r *http.Request) string {
	for _, name := range []string{cookieName, insecureCookieName} {
		if ck, err := r.Cookie(name); err == nil && ck.Value != "" {
			return ck.Value
		}
	}
	return ""
}

// setSessionCookie hands the browser the session. It lives as long as the
// browser's session; the server ends it at its own lifetime anyway.
func setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	name, secure := cookieName, true
	if r.TLS == nil {
		name, secure = insecureCookieName, false
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: secret, Path: "/", Secure: secure, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	if sessionCookie(r) == "" {
		return
	}
	for _, name := range []string{cookieName, insecureCookieName} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Secure: name == cookieName, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
}

// flashCookie carries the note a page shows after a change ("User
// created."), for one page: text the server chose, which a link cannot
// set, as a query parameter could.
const flashCookie = "clusteriam-flash"

// setFlash hands the next page msg ("" none).
func setFlash(w http.ResponseWriter, r *http.Request, msg string) {
	if msg == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", MaxAge: 60,
		Secure: r.TLS != nil, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// takeFlash returns the note handed to this page, and forgets it.
func takeFlash(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: r.TLS != nil, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	msg, err := url.QueryUnescape(ck.Value)
	if err != nil {
		return ""
	}
	return msg
}

// withClientIP names the client's address to the service, for its audit
// trail, as the API does.
func (c *console) withClientIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientaddr.Of(r, c.opts.TrustedProxies)
		next.ServeHTTP(w, r.WithContext(iam.WithClientIP(r.Context(), ip)))
	})
}

// loginForm is what the log-in page shows and takes.
type loginForm struct {
	Username, Domain, Next string
	Domains                []string // those a log-in may name
	AskOTP                 bool     // MFA asks for a code: show its field
	SSO                    bool     // a SAML provider serves the cluster: offer it
	OTPType                string   // totp or email
	Error                  string
}

// handleLoginPage shows the log-in form; a live session goes on.
func (c *console) handleLoginPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := sessionCookie(r); s != "" {
			if _, err := c.svc.Authenticate(r.Context(), iam.Credential{Kind: iam.CredSession, Secret: s}); err == nil {
				http.Redirect(w, r, localNext(r.URL.Query().Get("next")), http.StatusSeeOther)
				return
			}
		}
		c.renderLogin(w, r, http.StatusOK, loginForm{Domain: iam.LocalDomain, Next: r.URL.Query().Get("next"), OTPType: "totp"})
	})
}

// handleLogin checks a log-in as the API does: the same limiter (its
// token taken before the password is checked), the same service call,
// the same lock-out, and one message for every wrong answer.
func (c *console) handleLogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := loginForm{Username: r.PostFormValue("username"), Domain: r.PostFormValue("domain"),
			Next: r.PostFormValue("next"), OTPType: r.PostFormValue("otpType")}
		if f.Domain == "" {
			f.Domain = iam.LocalDomain
		}
		if f.OTPType != "email" {
			f.OTPType = "totp"
		}
		in := iam.LoginInput{Username: f.Username, Password: r.PostFormValue("password"), Domain: f.Domain,
			OTPCode: r.PostFormValue("otp")}
		if in.OTPCode != "" {
			in.OTPType = f.OTPType
		}
		if in.Username == "" || in.Password == "" || len(in.Username) > iam.MaxLoginUsernameLen ||
			len(in.Domain) > iam.MaxLoginDomainLen || len(in.Password) > iam.MaxLoginPasswordLen || len(in.OTPCode) > maxOTPLen {
			f.Error = fmt.Sprintf("Give a username (at most %d bytes) and a password (at most %d).", iam.MaxLoginUsernameLen, iam.MaxLoginPasswordLen)
			c.renderLogin(w, r, http.StatusBadRequest, f)
			return
		}
		addr := loginlimit.LimitedAddr(clientaddr.Of(r, c.opts.TrustedProxies))
		release, wait, ok := c.opts.Limiter.Reserve(addr, loginlimit.AccountKey(in.Domain, in.Username))
		if !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", fmt.Sprint(secs))
			f.Error = fmt.Sprintf("Too many failed log-ins from this address: try again in %d s.", secs)
			c.renderLogin(w, r, http.StatusTooManyRequests, f)
			return
		}
		secret, p, err := c.svc.Login(r.Context(), in, store.SessionKindSession)
		release(err == nil || iam.KindOf(err) == iam.KindForbidden || iam.NeedsSecondFactor(err))
		switch {
		case iam.NeedsSecondFactor(err):
			f.AskOTP, f.Error = true, "Your second factor is needed: give your password again with the one-time code."
			c.renderLogin(w, r, http.StatusUnauthorized, f)
			return
		case err != nil:
			f.Error = loginRefusal(err)
			c.renderLogin(w, r, statusOf(err), f)
			return
		}
		setSessionCookie(w, r, secret)
		next := localNext(f.Next)
		if p.MFAEnrolOnly {
			next = "/account"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

// renderLogin shows the log-in page with f.
func (c *console) renderLogin(w http.ResponseWriter, r *http.Request, status int, f loginForm) {
	f.Domains = c.svc.LoginDomains(r.Context())
	f.SSO = c.svc.SSOEnabled(r.Context(), "")
	c.render(w, r, status, "login", nil, f)
}

// loginRefusal is what the log-in page says of err: the service's own
// message for a wrong answer, which is one for every wrong answer.
func loginRefusal(err error) string {
	var e *iam.Error
	if errors.As(err, &e) && e.Kind != iam.KindInternal {
		return e.Msg
	}
	return "The log-in could not be checked; try again."
}

// localNext is where a log-in goes next: a path of this console only,
// never another site ("//evil.example" or "https://...").
func localNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// handleLogout ends this session, and only this one.
func (c *console) handleLogout() authedHandler {
	return func(pg *page) error {
		if err := c.svc.Logout(pg.r.Context(), pg.p); err != nil {
			return err
		}
		clearSessionCookie(pg.w, pg.r)
		http.Redirect(pg.w, pg.r, "/login", http.StatusSeeOther)
		return nil
	}
}
