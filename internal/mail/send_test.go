package mail_test

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	clmail "github.com/clusteriam/clusteriam/internal/mail"
	"github.com/clusteriam/clusteriam/internal/mail/mailtest"
)

const (
	testUser = "otp-relay"
	testPass = "s3cret-Pa55"
)

func newSender(t *testing.T, cfg clmail.Config) *clmail.Sender {
	t.Helper()
	s, err := clmail.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// TestSendDelivers: a message sent through a real SMTP server arrives
// with the envelope, headers and body it should have.
func TestSendDelivers(t *testing.T) {
	const (
		subject = "Ihr Anmeldecode – 123456"
		// A dot line (dot-stuffing), a line longer than 76 characters
		// (soft line breaks) and a bare LF (line ends).
		body = "Ihr Code: 123456\n.\nThis is a rather long line that quoted-printable must break softly, more than 76 characters.\r\nGrüße"
	)
	wantBody := strings.ReplaceAll(body, "\r\n", "\n")
	tests := []struct {
		name     string
		opts     mailtest.Options
		insecure bool
		roots    bool // trust the server's certificate
		from     string
		to       string
		wantFrom string // envelope sender
	}{
		{name: "STARTTLS and AUTH", opts: mailtest.Options{TLS: true, Username: testUser, Password: testPass}, roots: true,
			to: "alice@example.com", wantFrom: "clusteriam@127.0.0.1"},
		{name: "implicit TLS and AUTH", opts: mailtest.Options{ImplicitTLS: true, Username: testUser, Password: testPass}, roots: true,
			to: "alice@example.com", wantFrom: "clusteriam@127.0.0.1"},
		{name: "clear text when Insecure", opts: mailtest.Options{}, insecure: true,
			from: "IAM <noreply@example.org>", to: "Ålice Ünger <alice@example.com>", wantFrom: "noreply@example.org"},
		{name: "clear text AUTH on loopback when Insecure", opts: mailtest.Options{Username: testUser, Password: testPass}, insecure: true,
			to: "alice@example.com", wantFrom: "clusteriam@127.0.0.1"},
		{name: "Insecure skips certificate verification", opts: mailtest.Options{TLS: true, Username: testUser, Password: testPass}, insecure: true,
			to: "alice@example.com", wantFrom: "clusteriam@127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			cfg := clmail.Config{URL: srv.URL(), Insecure: tt.insecure, From: tt.from, Timeout: 5 * time.Second}
			if tt.roots {
				cfg.RootCAs = srv.RootCAs()
			}
			before := time.Now().Add(-time.Second)
			if err := newSender(t, cfg).Send(context.Background(), tt.to, subject, body); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Wait(t, 1, 5*time.Second)
			if len(msgs) != 1 {
				t.Fatalf("got %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			rcpt, _ := mail.ParseAddress(tt.to)
			if m.From != tt.wantFrom || len(m.To) != 1 || m.To[0] != rcpt.Address {
				t.Errorf("envelope: from %q to %q, want from %q to [%q]", m.From, m.To, tt.wantFrom, rcpt.Address)
			}
			h := m.Header()
			if h == nil {
				t.Fatalf("message does not parse:\n%s", m.Data)
			}
			if got := m.Subject(); got != subject {
				t.Errorf("Subject = %q, want %q", got, subject)
			}
			if raw := h.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
				t.Errorf("raw Subject %q is not Q-encoded", raw)
			}
			if got := m.Body(); got != wantBody {
				t.Errorf("Body = %q, want %q", got, wantBody)
			}
			if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].String() != rcpt.String() {
				t.Errorf("To = %v (%v), want %v", to, err, rcpt)
			}
			if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != tt.wantFrom {
				t.Errorf("From = %v (%v), want %s", from, err, tt.wantFrom)
			}
			if date, err := h.Date(); err != nil || date.Before(before) || date.After(time.Now().Add(time.Second)) {
				t.Errorf("Date = %v (%v), want about now", date, err)
			}
			if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") || !strings.Contains(id, "@") {
				t.Errorf("Message-ID = %q", id)
			}
			for name, want := range map[string]string{
				"MIME-Version":              "1.0",
				"Content-Type":              "text/plain; charset=utf-8",
				"Content-Transfer-Encoding": "quoted-printable",
			} {
				if got := h.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for i, line := range strings.Split(string(m.Data), "\r\n") {
				if len(line) > 78 || strings.ContainsAny(line, "\r\n") {
					t.Errorf("line %d is too long or has a bare line end: %q", i, line)
				}
			}
		})
	}
}

// TestSendFails: a server that cannot or will not take the message makes
// Send fail with ErrUnavailable, delivers nothing, and the password shows
// in no error.
func TestSendFails(t *testing.T) {
	tests := []struct {
		name     string
		opts     mailtest.Options
		url      func(srv *mailtest.Server) string
		insecure bool
		roots    bool
		want     string // in the error text
	}{
		{name: "no STARTTLS and not Insecure", opts: mailtest.Options{Username: testUser, Password: testPass},
			want: "does not offer STARTTLS"},
		{name: "no STARTTLS, no AUTH, not Insecure", opts: mailtest.Options{},
			want: "does not offer STARTTLS"},
		{name: "untrusted certificate", opts: mailtest.Options{TLS: true, Username: testUser, Password: testPass},
			want: "STARTTLS"},
		{name: "wrong password", opts: mailtest.Options{TLS: true, Username: testUser, Password: "another-one"}, roots: true,
			url: func(srv *mailtest.Server) string { return "smtp://" + testUser + ":" + testPass + "@" + srv.Addr() }, want: "AUTH"},
		{name: "wrong password in clear text", opts: mailtest.Options{Username: testUser, Password: "another-one"}, insecure: true,
			url: func(srv *mailtest.Server) string { return "smtp://" + testUser + ":" + testPass + "@" + srv.Addr() }, want: "AUTH"},
		{name: "AUTH required but no user", opts: mailtest.Options{TLS: true, Username: testUser, Password: testPass}, roots: true,
			url: func(srv *mailtest.Server) string { return "smtp://" + srv.Addr() }, want: "MAIL FROM"},
		{name: "user but no AUTH offered", opts: mailtest.Options{TLS: true}, roots: true,
			url: func(srv *mailtest.Server) string { return "smtp://" + testUser + ":" + testPass + "@" + srv.Addr() }, want: "AUTH PLAIN"},
		{name: "smtps to a STARTTLS server", opts: mailtest.Options{TLS: true, Username: testUser, Password: testPass}, roots: true,
			url: func(srv *mailtest.Server) string { return "smtps://" + testUser + ":" + testPass + "@" + srv.Addr() }, want: "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			cfg := clmail.Config{URL: srv.URL(), Insecure: tt.insecure, Timeout: 5 * time.Second}
			if tt.url != nil {
				cfg.URL = tt.url(srv)
			}
			if tt.roots {
				cfg.RootCAs = srv.RootCAs()
			}
			err := newSender(t, cfg).Send(context.Background(), "alice@example.com", "code", "123456")
			if !errors.Is(err, clmail.ErrUnavailable) || errors.Is(err, clmail.ErrBadAddress) {
				t.Fatalf("Send: %v, want ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Send: %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testPass) {
				t.Errorf("the error shows the password: %v", err)
			}
			if msgs := srv.Messages(); len(msgs) != 0 {
				t.Errorf("%d message(s) delivered, want none", len(msgs))
			}
		})
	}
}

// TestSendServerDown: a stopped server, one that never answers, and a
// cancelled context all end Send with ErrUnavailable, by the deadline and
// not later.
func TestSendServerDown(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never greets
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })

	tests := []struct {
		name    string
		url     func(t *testing.T) string
		timeout time.Duration
		cancel  time.Duration // cancel the context after this, if not 0
		wantErr error         // besides ErrUnavailable
		min     time.Duration
		max     time.Duration
	}{
		{name: "stopped", url: func(t *testing.T) string {
			srv := mailtest.Start(t, mailtest.Options{})
			srv.Stop()
			return srv.URL()
		}, timeout: 5 * time.Second, max: time.Second},
		{name: "silent until the timeout", url: func(*testing.T) string { return "smtp://" + silent.Addr().String() },
			timeout: 300 * time.Millisecond, wantErr: context.DeadlineExceeded, min: 300 * time.Millisecond, max: 2 * time.Second},
		{name: "silent until cancelled", url: func(*testing.T) string { return "smtp://" + silent.Addr().String() },
			timeout: 5 * time.Second, cancel: 200 * time.Millisecond, wantErr: context.Canceled, min: 200 * time.Millisecond, max: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSender(t, clmail.Config{URL: tt.url(t), Insecure: true, Timeout: tt.timeout})
			ctx := context.Background()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				time.AfterFunc(tt.cancel, cancel)
			}
			start := time.Now()
			err := s.Send(ctx, "alice@example.com", "code", "123456")
			elapsed := time.Since(start)
			if !errors.Is(err, clmail.ErrUnavailable) {
				t.Fatalf("Send: %v, want ErrUnavailable", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Send: %v, want it to wrap %v", err, tt.wantErr)
			}
			if elapsed < tt.min || elapsed > tt.max {
				t.Errorf("Send took %v, want between %v and %v", elapsed, tt.min, tt.max)
			}
		})
	}
}

// TestSendAfterRestart: the outage ends when the server is back.
func TestSendAfterRestart(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := newSender(t, clmail.Config{URL: srv.URL(), Insecure: true, Timeout: 5 * time.Second})
	srv.Stop()
	if err := s.Send(context.Background(), "alice@example.com", "code", "1"); !errors.Is(err, clmail.ErrUnavailable) {
		t.Fatalf("Send while stopped: %v, want ErrUnavailable", err)
	}
	srv.Restart()
	if err := s.Send(context.Background(), "alice@example.com", "code", "2"); err != nil {
		t.Fatalf("Send after Restart: %v", err)
	}
	if msgs := srv.Wait(t, 1, 5*time.Second); len(msgs) != 1 || msgs[0].Body() != "2" {
		t.Errorf("messages %v, want the one sent after Restart", msgs)
	}
}

// TestSendRefusesBadInput: line breaks (header injection) and malformed
// addresses are refused before anything is sent.
func TestSendRefusesBadInput(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := newSender(t, clmail.Config{URL: srv.URL(), Insecure: true, Timeout: 5 * time.Second})
	tests := []struct {
		name, to, subject string
		badAddress        bool // else: neither sentinel
	}{
		{name: "CRLF in to", to: "alice@example.com\r\nBcc: eve@example.com", subject: "code", badAddress: true},
		{name: "LF in to", to: "alice@example.com\nBcc: eve@example.com", subject: "code", badAddress: true},
		{name: "CR in to", to: "alice@example.com\rBcc: eve@example.com", subject: "code", badAddress: true},
		{name: "CRLF in display name", to: "\"Alice\r\nBcc: eve@example.com\" <alice@example.com>", subject: "code", badAddress: true},
		{name: "CRLF in subject", to: "alice@example.com", subject: "code\r\nBcc: eve@example.com"},
		{name: "LF in subject", to: "alice@example.com", subject: "code\nBcc: eve@example.com"},
		{name: "CR in subject", to: "alice@example.com", subject: "code\rBcc: eve@example.com"},
		{name: "no address", to: "", subject: "code", badAddress: true},
		{name: "not an address", to: "alice", subject: "code", badAddress: true},
		{name: "two addresses", to: "alice@example.com, eve@example.com", subject: "code", badAddress: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Send(context.Background(), tt.to, tt.subject, "123456")
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if errors.Is(err, clmail.ErrBadAddress) != tt.badAddress || errors.Is(err, clmail.ErrUnavailable) {
				t.Errorf("Send: %v; want ErrBadAddress %v, and not ErrUnavailable", err, tt.badAddress)
			}
		})
	}
	if msgs := srv.Messages(); len(msgs) != 0 {
		t.Errorf("%d message(s) delivered, want none", len(msgs))
	}
}
