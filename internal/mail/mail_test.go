package mail

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// TestNew: URLs and sender addresses are parsed, defaulted and redacted.
func TestNew(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		wantString string
		wantAddr   string
		wantTLS    bool // implicit
		wantUser   string
		wantPass   string
		wantFrom   string
	}{
		{name: "defaults", cfg: Config{URL: "smtp://mail.example.com"},
			wantString: "smtp://mail.example.com:587", wantAddr: "mail.example.com:587", wantFrom: "clusteriam@mail.example.com"},
		{name: "user and password", cfg: Config{URL: "smtp://otp:s3cret@mail.example.com:2525", From: "IAM <iam@example.com>"},
			wantString: "smtp://otp:xxxxx@mail.example.com:2525", wantAddr: "mail.example.com:2525", wantUser: "otp", wantPass: "s3cret", wantFrom: "iam@example.com"},
		{name: "percent-decoded", cfg: Config{URL: "smtp://otp%40example.com:p%3Ass%2Fw%25rd@mail.example.com/"},
			wantString: "smtp://otp%40example.com:xxxxx@mail.example.com:587", wantAddr: "mail.example.com:587", wantUser: "otp@example.com", wantPass: "p:ss/w%rd", wantFrom: "clusteriam@mail.example.com"},
		{name: "unescaped specials in the password", cfg: Config{URL: "smtp://otp:p@ss/w?r#d@mail.example.com"},
			wantString: "smtp://otp:xxxxx@mail.example.com:587", wantAddr: "mail.example.com:587", wantUser: "otp", wantPass: "p@ss/w?r#d", wantFrom: "clusteriam@mail.example.com"},
		{name: "user without password", cfg: Config{URL: "smtp://otp@mail.example.com"},
			wantString: "smtp://otp@mail.example.com:587", wantAddr: "mail.example.com:587", wantUser: "otp", wantFrom: "clusteriam@mail.example.com"},
		{name: "smtps", cfg: Config{URL: "SMTPS://otp:pw@mail.example.com"},
			wantString: "smtps://otp:xxxxx@mail.example.com:465", wantAddr: "mail.example.com:465", wantTLS: true, wantUser: "otp", wantPass: "pw", wantFrom: "clusteriam@mail.example.com"},
		{name: "IPv6", cfg: Config{URL: "smtp://[::1]:25", From: "iam@example.com"},
			wantString: "smtp://[::1]:25", wantAddr: "[::1]:25", wantFrom: "iam@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if s.String() != tt.wantString || s.addr != tt.wantAddr || s.implicitTLS != tt.wantTLS {
				t.Errorf("got %s at %s (implicit TLS %v), want %s at %s (%v)", s, s.addr, s.implicitTLS, tt.wantString, tt.wantAddr, tt.wantTLS)
			}
			if s.user != tt.wantUser || s.pass != tt.wantPass || s.hasUser != (tt.wantUser != "") {
				t.Errorf("user %q password %q, want %q %q", s.user, s.pass, tt.wantUser, tt.wantPass)
			}
			if s.from.Address != tt.wantFrom {
				t.Errorf("From %q, want %q", s.from.Address, tt.wantFrom)
			}
			if s.timeout != DefaultTimeout {
				t.Errorf("timeout %v, want %v", s.timeout, DefaultTimeout)
			}
		})
	}
}

// TestNewRejects: a bad configuration is refused with ErrConfig, and the
// password, as written or decoded, is in no error.
func TestNewRejects(t *testing.T) {
	const pass = "Very-S3cret"
	tests := []struct {
		name string
		cfg  Config
		want string // in the error text
	}{
		{name: "empty", cfg: Config{}, want: "no SMTP URL"},
		{name: "no scheme", cfg: Config{URL: "otp:" + pass + "@mail.example.com"}, want: "smtp://"},
		{name: "other scheme", cfg: Config{URL: "http://otp:" + pass + "@mail.example.com"}, want: "http://otp:xxxxx@mail.example.com"},
		{name: "bad escape in password", cfg: Config{URL: "smtp://otp:" + pass + "%zz@mail.example.com"}, want: "password"},
		{name: "bad escape in user", cfg: Config{URL: "smtp://o%zztp:" + pass + "@mail.example.com"}, want: "user name"},
		{name: "password without user", cfg: Config{URL: "smtp://:" + pass + "@mail.example.com"}, want: "no user name"},
		{name: "no host", cfg: Config{URL: "smtp://otp:" + pass + "@:25"}, want: "no host"},
		{name: "bad port", cfg: Config{URL: "smtp://otp:" + pass + "@mail.example.com:smtp"}, want: "smtp://otp:xxxxx@mail.example.com:smtp"},
		{name: "port out of range", cfg: Config{URL: "smtp://otp:" + pass + "@mail.example.com:70000"}, want: "invalid port"},
		{name: "path", cfg: Config{URL: "smtp://otp:" + pass + "@mail.example.com/x"}, want: "path"},
		{name: "query", cfg: Config{URL: "smtp://otp:" + pass + "@mail.example.com?tls=no"}, want: "query"},
		{name: "bad host", cfg: Config{URL: "smtp://otp:" + pass + "@mail example.com"}, want: "mail example.com"},
		{name: "bad From", cfg: Config{URL: "smtp://otp:" + pass + "@mail.example.com", From: "not an address"}, want: "sender address"},
		{name: "line break in From", cfg: Config{URL: "smtp://otp:" + pass + "@mail.example.com", From: "a@example.com\r\nBcc: b@example.com"}, want: "line break"},
		{name: "negative timeout", cfg: Config{URL: "smtp://otp:" + pass + "@mail.example.com", Timeout: -time.Second}, want: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New = %s, want an error", s)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), pass) || strings.Contains(err.Error(), "S3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// TestRefusedAddress: which answers to RCPT TO blame the address.
func TestRefusedAddress(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&textproto.Error{Code: 550, Msg: "5.1.1 No such user"}, true},
		{&textproto.Error{Code: 553, Msg: "5.1.3 Bad recipient address syntax"}, true},
		{&textproto.Error{Code: 501, Msg: "5.1.3 Bad recipient address syntax"}, true},
		{&textproto.Error{Code: 553, Msg: "mailbox name not allowed"}, true},
		{fmt.Errorf("rcpt: %w", &textproto.Error{Code: 550, Msg: "5.1.1 No such user"}), true},
		{&textproto.Error{Code: 550, Msg: "5.7.1 Relaying denied"}, false},
		{&textproto.Error{Code: 553, Msg: "5.7.1 Sender not authorized"}, false},
		{&textproto.Error{Code: 550, Msg: "No such user or relaying denied"}, false},
		{&textproto.Error{Code: 450, Msg: "4.1.1 Try again later"}, false},
		{&textproto.Error{Code: 452, Msg: "4.5.3 Too many recipients"}, false},
		{errors.New("connection reset"), false},
	}
	for _, tt := range tests {
		if got := refusedAddress(tt.err); got != tt.want {
			t.Errorf("refusedAddress(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
