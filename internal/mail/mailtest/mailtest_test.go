package mailtest

import (
	"net/smtp"
	"strings"
	"testing"
	"time"
)

// TestServer: a message sent with net/smtp is kept, and the helpers decode
// its subject and body.
func TestServer(t *testing.T) {
	srv := Start(t, Options{Username: "u", Password: "p"})
	if got, want := srv.URL(), "smtp://u:p@"+srv.Addr(); got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	data := "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Code: 123456, a soft=\r\nly broken line\r\nGr=C3=BC=C3=9Fe\r\n"
	auth := smtp.PlainAuth("", "u", "p", "127.0.0.1")
	if err := smtp.SendMail(srv.Addr(), auth, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(data)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	msgs := srv.Wait(t, 1, 5*time.Second)
	m := msgs[0]
	if m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com,c@example.com" {
		t.Errorf("envelope from %q to %q", m.From, m.To)
	}
	if got, want := m.Subject(), "Grüße"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got, want := m.Body(), "Code: 123456, a softly broken line\nGrüße"; got != want {
		t.Errorf("Body = %q, want %q", got, want)
	}

	// Without credentials the server refuses the mail.
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(data)); err == nil {
		t.Error("SendMail without AUTH succeeded")
	}
	srv.Stop()
	if err := smtp.SendMail(srv.Addr(), auth, "a@example.com", []string{"b@example.com"}, []byte(data)); err == nil {
		t.Error("SendMail to a stopped server succeeded")
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}
