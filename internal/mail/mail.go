// Package mail sends the e-mails of clusteriam, such as one-time log-in
// codes, through an SMTP relay.
//
// The relay is named by a URL, smtp://user:pass@host:port (STARTTLS,
// port 587 by default) or smtps://user:pass@host:port (implicit TLS, port
// 465 by default). Transport security is required unless the configuration
// says Insecure, and the password never appears in an error or in String.
package mail

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrUnavailable is wrapped by every error of Send that comes from reaching
// or talking to the mail server, including a refused log-in: the request
// cannot be served now, so callers answer 503.
var ErrUnavailable = errors.New("the mail server is unavailable")

// ErrBadAddress is wrapped by the errors of Send about the recipient's
// address: it is malformed, or the server refused it as an address.
var ErrBadAddress = errors.New("bad e-mail address")

// ErrConfig is wrapped by the errors of New: the configuration is invalid.
var ErrConfig = errors.New("invalid mail configuration")

// DefaultTimeout bounds a whole Send, from dialling to QUIT, when
// Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config is the configuration of a Sender.
type Config struct {
	// URL names the SMTP server: smtp://user:pass@host:port with STARTTLS
	// (port 587 by default) or smtps://user:pass@host:port with implicit
	// TLS (port 465 by default). User and password are optional and
	// percent-decoded; without them no AUTH is attempted.
	URL string
	// Insecure lets Send go on in clear text when the server offers no
	// STARTTLS, and skips the verification of the server's certificate
	// when TLS is used. It is meant for a relay on loopback or in tests.
	Insecure bool
	// From is the sender's address; it defaults to clusteriam@<host of URL>.
	From string
	// Timeout bounds each Send; zero means DefaultTimeout.
	Timeout time.Duration
	// RootCAs verifies the server's certificate; nil means the system's.
	RootCAs *x509.CertPool
}

// Sender sends e-mails through one SMTP server. Its configuration is fixed
// by New, so it is safe for concurrent use.
type Sender struct {
	host        string // host name or IP, without brackets
	addr        string // host:port to dial
	implicitTLS bool   // smtps: TLS from the first byte
	user, pass  string
	hasUser     bool
	redacted    string
	from        *mail.Address
	insecure    bool
	timeout     time.Duration
	rootCAs     *x509.CertPool
}

// New checks cfg and returns a Sender for it. It does not contact the
// server: an outage must not stop clusteriam from starting, it only makes
// Send fail. Errors wrap ErrConfig and never contain the password.
func New(cfg Config) (*Sender, error) {
	s := &Sender{insecure: cfg.Insecure, rootCAs: cfg.RootCAs, timeout: cfg.Timeout}
	if err := s.parseURL(cfg.URL); err != nil {
		return nil, err
	}
	switch {
	case s.timeout == 0:
		s.timeout = DefaultTimeout
	case s.timeout < 0:
		return nil, fmt.Errorf("%w: negative timeout %v", ErrConfig, cfg.Timeout)
	}
	from := cfg.From
	if from == "" {
		from = "clusteriam@" + s.host
	}
	if strings.ContainsAny(from, "\r\n") {
		return nil, fmt.Errorf("%w: the sender address contains a line break", ErrConfig)
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("%w: sender address %q: %w", ErrConfig, from, err)
	}
	s.from = addr
	return s, nil
}

// String returns the server's URL with the password replaced by xxxxx.
func (s *Sender) String() string { return s.redacted }

// parseURL fills the connection fields of s from raw. The user information
// is cut off and decoded here rather than by url.Parse, whose errors quote
// the whole URL, password included. It ends at the last "@", so that a
// password with an unescaped "/", "?" or "#" is still taken whole and
// never shown: the URL may have no path, query or fragment anyway.
func (s *Sender) parseURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("%w: no SMTP URL", ErrConfig)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return fmt.Errorf("%w: the SMTP URL %s does not start with smtp:// or smtps://", ErrConfig, redactRaw(raw))
	}
	scheme = strings.ToLower(scheme)
	var port string
	switch scheme {
	case "smtp":
		port = "587" // submission with STARTTLS, RFC 6409
	case "smtps":
		port, s.implicitTLS = "465", true // submission over TLS, RFC 8314
	default:
		return fmt.Errorf("%w: the SMTP URL %s has scheme %q, not smtp or smtps", ErrConfig, redactRaw(raw), scheme)
	}
	hostport := rest
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		hostport = rest[at+1:]
		rawUser, rawPass, _ := strings.Cut(rest[:at], ":")
		user, err := url.PathUnescape(rawUser)
		if err != nil {
			return fmt.Errorf("%w: the user name in the SMTP URL %s is not correctly percent-encoded", ErrConfig, redactRaw(raw))
		}
		pass, err := url.PathUnescape(rawPass)
		if err != nil {
			return fmt.Errorf("%w: the password in the SMTP URL %s is not correctly percent-encoded", ErrConfig, redactRaw(raw))
		}
		if user == "" {
			return fmt.Errorf("%w: the SMTP URL %s has a password but no user name", ErrConfig, redactRaw(raw))
		}
		// smtp://user@host means an empty password.
		s.user, s.pass, s.hasUser = user, pass, true
	}
	hostport = strings.TrimSuffix(hostport, "/")
	if strings.ContainsAny(hostport, "/?#") {
		return fmt.Errorf("%w: the SMTP URL %s has a path, query or fragment; only scheme, user, password, host and port are allowed", ErrConfig, redactRaw(raw))
	}
	// What is left holds no secret, so url.Parse may quote it in its errors.
	u, err := url.Parse(scheme + "://" + hostport)
	if err != nil {
		return fmt.Errorf("%w: the SMTP URL %s: %w", ErrConfig, redactRaw(raw), err)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return fmt.Errorf("%w: the SMTP URL %s has no host", ErrConfig, redactRaw(raw))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: the SMTP URL %s has an invalid port %q", ErrConfig, redactRaw(raw), p)
		}
		port = p
	}
	s.addr = net.JoinHostPort(s.host, port)
	clean := url.URL{Scheme: scheme, Host: s.addr}
	if s.hasUser {
		clean.User = url.User(s.user)
		if s.pass != "" {
			clean.User = url.UserPassword(s.user, s.pass)
		}
	}
	s.redacted = clean.Redacted()
	return nil
}

// redactRaw replaces the password of a URL that may not parse by xxxxx, so
// that a malformed URL can still be shown in an error. It splits the user
// information off as parseURL does.
func redactRaw(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		// Without a scheme nothing tells a password apart; show nothing.
		return "(unparsable URL)"
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if hasPass {
		user += ":xxxxx"
	}
	return scheme + "://" + user + rest[at:]
}
