package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/mail"
	"github.com/clusteriam/clusteriam/internal/mail/mailtest"
)

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// newEmailEnv is an mfaEnv whose codes go through a real SMTP server on
// loopback, with STARTTLS and a password.
func newEmailEnv(t *testing.T, perHour int) (*mfaEnv, *mailtest.Server) {
	t.Helper()
	smtp := mailtest.Start(t, mailtest.Options{TLS: true, Username: "relay", Password: "Relay-Password-1"})
	sender, err := mail.New(mail.Config{URL: smtp.URL(), RootCAs: smtp.RootCAs(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return newMFAEnv(t, iam.Config{Mailer: sender, EmailCodesPerHour: perHour}, "email", "totp"), smtp
}

// lastCode waits for the n-th message and returns the code it carries.
func lastCode(t *testing.T, smtp *mailtest.Server, n int, to string) string {
	t.Helper()
	msgs := smtp.Wait(t, n, 5*time.Second)
	m := msgs[n-1]
	if len(m.To) != 1 || m.To[0] != to {
		t.Fatalf("message %d went to %v, want %s", n, m.To, to)
	}
	code := sixDigits.FindString(m.Body())
	if code == "" {
		t.Fatalf("message %d carries no code: %q", n, m.Body())
	}
	return code
}

// TestMFAEmailLogIn: a code e-mailed through the test SMTP server logs a
// user in, once, within its ten minutes, within the hourly limit; a mail
// server that is down gives 503 and no session.
func TestMFAEmailLogIn(t *testing.T) {
	e, smtp := newEmailEnv(t, 3)
	const pw = "Fay-Password-1"
	body := []map[string]any{{"username": "fay", "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"},
		"localUserParams": map[string]any{"password": pw, "email": "fay@example.test"}}}
	e.want(e.do("POST", "/v2/users", e.admin, body), 201)
	creds := map[string]any{"username": "fay", "password": pw, "domain": "LOCAL"}

	// Without a code: which factor to send, and no credential.
	e.wantMsg(e.logIn("fay", pw, "", ""), 401, "POST /v2/email-otp")
	// A wrong password sends nothing.
	e.want(e.do("POST", "/v2/email-otp", noCred, map[string]any{"username": "fay", "password": "Wrong-Password-1"}), 401)

	e.want(e.do("POST", "/v2/email-otp", noCred, creds), 204)
	code := lastCode(t, smtp, 1, "fay@example.test")
	if m := smtp.Messages()[0]; !strings.Contains(m.Subject(), "log-in code") {
		t.Errorf("subject %q", m.Subject())
	}
	if len(smtp.Messages()) != 1 {
		t.Fatalf("%d messages, want 1 (the wrong password sent one?)", len(smtp.Messages()))
	}
	// Kept as a keyed hash, never the code.
	m, err := e.st.GetUserMFA(t.Context(), e.sidOf("fay"))
	if err != nil || len(m.EmailCodeHash) != 32 || strings.Contains(string(m.EmailCodeHash), code) {
		t.Errorf("stored code: %x, %v", m.EmailCodeHash, err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "999999"
	}
	e.wantMsg(e.logIn("fay", pw, "email", wrong), 401, "wrong")
	full := sessionOf(t, e.want(e.logIn("fay", pw, "email", code), 201))
	e.want(e.logIn("fay", pw, "email", code), 401) // once

	// Ten minutes, no more.
	e.want(e.do("POST", "/v2/send-email-otp", full, nil), 204)
	code = lastCode(t, smtp, 2, "fay@example.test")
	e.clock.Add(10*time.Minute + time.Second)
	e.want(e.logIn("fay", pw, "email", code), 401)

	// Three an hour (the limit this server was given).
	e.want(e.do("POST", "/v2/email-otp", noCred, creds), 204)
	r := e.wantMsg(e.do("POST", "/v2/email-otp", noCred, creds), 429, "last hour")
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if n := len(smtp.Messages()); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
	e.clock.Add(time.Hour)

	// The mail server down: 503, and the code it could not send logs
	// nobody in.
	smtp.Stop()
	e.wantMsg(e.do("POST", "/v2/email-otp", noCred, creds), 503, "mail server")
	smtp.Restart()
	e.want(e.do("POST", "/v2/email-otp", noCred, creds), 204)
	e.want(e.logIn("fay", pw, "email", lastCode(t, smtp, 4, "fay@example.test")), 201)

	// No code in the log.
	for _, msg := range smtp.Messages() {
		if c := sixDigits.FindString(msg.Body()); strings.Contains(e.logBuf.String(), c) {
			t.Errorf("the log holds the code %s", c)
		}
	}
	if strings.Contains(e.logBuf.String(), "Relay-Password-1") {
		t.Error("the log holds the SMTP password")
	}
}

// sidOf returns the sid of the LOCAL user name.
func (e *env) sidOf(name string) string {
	e.t.Helper()
	var ul usersList
	e.want(e.do("GET", "/v2/users?usernames="+name, e.admin, nil), 200).decode(e.t, &ul)
	return ul.Users[0].SID
}

// TestNoMFASecretAtRest: neither a TOTP secret nor an e-mailed code is in
// the database or the log in a form that gives it away.
func TestNoMFASecretAtRest(t *testing.T) {
	e, smtp := newEmailEnv(t, 5)
	const pw = "Hal-Password-1"
	// Without an address hal has no factor, so it enrolls TOTP first.
	hal := e.createUser("hal", pw, "COHESITY_VIEWER")
	secret := e.enrol("hal", pw)
	sess := sessionOf(t, e.want(e.logIn("hal", pw, "totp", e.code(secret, 0)), 201))
	e.want(e.do("PUT", "/v2/users/"+hal, e.admin, map[string]any{"localUserParams": map[string]any{"email": "hal@example.test"}}), 200)
	e.want(e.do("POST", "/v2/send-email-otp", sess, nil), 204)
	code := lastCode(t, smtp, 1, "hal@example.test")

	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	dump := e.be.Dump()
	if !bytes.Contains(dump, []byte("hal@example.test")) {
		t.Fatalf("the %s dump lacks hal; scanning it would prove nothing", e.be.Name)
	}
	for name, s := range map[string][]byte{"the TOTP secret": []byte(secret), "its bytes in hex": []byte(hex.EncodeToString(raw)),
		"its bytes": raw, "its bytes in base64": []byte(base64.StdEncoding.EncodeToString(raw))} {
		if bytes.Contains(dump, s) {
			t.Errorf("%s found in the %s database", name, e.be.Name)
		}
		if strings.Contains(e.logBuf.String(), string(s)) {
			t.Errorf("%s found in the log", name)
		}
	}
	// Six digits may stand in any timestamp of a dump; what is kept of
	// the code is its keyed hash, which is no plain hash of it.
	m, err := e.st.GetUserMFA(t.Context(), hal)
	if err != nil {
		t.Fatal(err)
	}
	plain := sha256.Sum256([]byte(code))
	if len(m.EmailCodeHash) != 32 || bytes.Equal(m.EmailCodeHash, plain[:]) || bytes.Contains(m.EmailCodeHash, []byte(code)) {
		t.Errorf("the stored code %x gives the code %s away", m.EmailCodeHash, code)
	}
	if strings.Contains(e.logBuf.String(), `"`+code+`"`) || strings.Contains(e.logBuf.String(), " "+code) {
		t.Errorf("the log holds the code %s", code)
	}
}
