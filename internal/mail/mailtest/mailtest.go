// Package mailtest runs a real SMTP server on loopback for tests: it keeps
// the messages it receives, can offer STARTTLS with a throw-away
// certificate and require AUTH PLAIN, and can be stopped to simulate an
// outage.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a Server.
type Options struct {
	// TLS makes the server offer STARTTLS with a self-signed certificate
	// for 127.0.0.1, ::1 and localhost; RootCAs verifies it.
	TLS bool
	// ImplicitTLS makes the server speak TLS from the first byte, as
	// smtps does, with the same kind of certificate; URL says smtps.
	ImplicitTLS bool
	// Username and Password, when Username is set, are the only
	// credentials accepted by AUTH PLAIN, and mail is refused without
	// them. With TLS, AUTH is offered only after STARTTLS.
	Username, Password string
}

// Message is one message the server accepted.
type Message struct {
	From string   // the envelope sender, MAIL FROM
	To   []string // the envelope recipients, RCPT TO
	Data []byte   // the message as sent after DATA, headers and body
}

// Header returns the parsed header of the message, or nil if it does not
// parse.
func (m Message) Header() mail.Header {
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		return nil
	}
	return msg.Header
}

// Subject returns the Subject header with RFC 2047 encoded words decoded.
func (m Message) Subject() string {
	raw := m.Header().Get("Subject")
	dec, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil {
		return raw
	}
	return dec
}

// Body returns the body with quoted-printable decoded (other transfer
// encodings are returned as sent), line ends turned into "\n", and the
// final line end, which SMTP adds anyway, removed. It is "" if the message
// does not parse.
func (m Message) Body() string {
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		return ""
	}
	r := msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return ""
	}
	body := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.TrimSuffix(body, "\n")
}

// Server is an SMTP server on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	t       testing.TB
	opts    Options
	tlsConf *tls.Config // nil without Options.TLS or ImplicitTLS
	roots   *x509.CertPool
	addr    string

	mu      sync.Mutex
	srv     *smtp.Server // nil while stopped
	l       net.Listener
	served  chan struct{}
	msgs    []Message
	arrived chan struct{} // closed and replaced when a message arrives
}

// Start starts a server on 127.0.0.1 on a free port; it stops when the test
// ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{t: t, opts: opts, arrived: make(chan struct{})}
	if opts.TLS || opts.ImplicitTLS {
		cert, roots, err := selfSigned()
		if err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
		s.tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.roots = roots
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = l.Addr().String()
	s.serve(l)
	t.Cleanup(s.Stop)
	return s
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL returns smtp://user:pass@127.0.0.1:port (smtps:// with
// Options.ImplicitTLS), without user information when Options.Username is
// empty.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.opts.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	return u.String()
}

// RootCAs returns a pool holding the server's certificate, or nil without
// Options.TLS or ImplicitTLS.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Messages returns a copy of the messages received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait waits until at least n messages have arrived and returns them all;
// it fails the test after timeout. Call it from the test's goroutine.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		msgs, arrived := append([]Message(nil), s.msgs...), s.arrived
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-arrived:
		case <-timer.C:
			t.Fatalf("mailtest: %d message(s) after %v, want %d", len(msgs), timeout, n)
			return nil
		}
	}
}

// Stop closes the listener and every connection, as in an outage. The
// received messages are kept. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, l, served := s.srv, s.l, s.served
	s.srv, s.l = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	// Close closes only the listeners Serve has registered; Serve may not
	// have run yet.
	_ = l.Close()
	<-served
}

// Restart listens again on the same address after Stop. Call it from the
// test's goroutine.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		return
	}
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("mailtest: listen again on %s: %v", s.addr, err)
	}
	s.serve(l)
}

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	srv.Domain = "mailtest.localhost"
	if s.opts.ImplicitTLS {
		l = tls.NewListener(l, s.tlsConf)
	} else {
		srv.TLSConfig = s.tlsConf
	}
	// Without TLS there is nothing to wait for; with STARTTLS, AUTH in
	// clear text is refused as a real submission server does.
	srv.AllowInsecureAuth = s.tlsConf == nil
	srv.MaxMessageBytes = 1 << 20
	srv.MaxRecipients = 50
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	// Logging to t after the test ended would panic; errors show in the
	// client instead.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	served := make(chan struct{})
	s.mu.Lock()
	s.srv, s.l, s.served = srv, l, served
	s.mu.Unlock()
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
}

func (s *Server) deliver(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// session is one SMTP connection's state.
type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil // AUTH is not advertised
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return errors.New("invalid username or password")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.deliver(Message{From: ss.from, To: append([]string(nil), ss.to...), Data: data})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// selfSigned makes an ECDSA certificate for 127.0.0.1, ::1 and localhost
// and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "clusteriam mailtest"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots, nil
}
