package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"
)

// helloName is the name given in EHLO. A relay that checks it checks it
// against the client's address, which clusteriam cannot know behind NAT.
const helloName = "localhost"

// Send sends a plain-text e-mail to one recipient. The whole exchange,
// from dialling to QUIT, ends by the Sender's timeout or when ctx is done.
//
// Errors about the recipient (a malformed address, a line break in it, or
// the server refusing it as an address) wrap ErrBadAddress. A line break in
// subject is refused with an error that wraps neither sentinel, being a
// programming error. Every other failure, a refused log-in included, wraps
// ErrUnavailable. No error contains the password.
func (s *Sender) Send(ctx context.Context, to, subject, body string) error {
	// Check before dialling, so that a bad request costs no connection.
	if strings.ContainsAny(to, "\r\n") {
		return fmt.Errorf("mail: %w: the recipient contains a line break", ErrBadAddress)
	}
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("mail: %w: %q: %w", ErrBadAddress, to, err)
	}
	if strings.ContainsAny(subject, "\r\n") {
		return errors.New("mail: the subject contains a line break")
	}
	msg, err := s.compose(rcpt, subject, body, time.Now())
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	fail := func(step string, err error) error {
		ctxErr := ctx.Err()
		if ctxErr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
			// The connection's deadline is ctx's, but may pass first.
			ctxErr = context.DeadlineExceeded
		}
		if ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return fmt.Errorf("mail: %w (%s): %s: %w", ErrUnavailable, s.redacted, step, err)
	}

	conn, err := s.dial(ctx)
	if err != nil {
		return fail("connect", err)
	}
	defer conn.Close()
	// The deadline bounds every read and write, and cancelling ctx moves
	// it to the past, which ends a blocked read at once.
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return fail("connect", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(helloName); err != nil {
		return fail("EHLO", err)
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fail("STARTTLS", err)
			}
		} else if !s.insecure {
			return fail("STARTTLS", errors.New("the server does not offer STARTTLS, and the configuration does not allow clear text"))
		}
	}
	if s.hasUser {
		ok, mechs := c.Extension("AUTH")
		if !ok || !hasWord(mechs, "PLAIN") {
			return fail("AUTH", fmt.Errorf("the server does not offer AUTH PLAIN (it offers %q)", mechs))
		}
		// PlainAuth itself refuses clear text to a host other than
		// localhost, 127.0.0.1 or ::1, even when Insecure.
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fail("AUTH", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fail("MAIL FROM", err)
	}
	if err := c.Rcpt(rcpt.Address); err != nil {
		if refusedAddress(err) {
			return fmt.Errorf("mail: %w: the server refused %q: %w", ErrBadAddress, rcpt.Address, err)
		}
		return fail("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("DATA", err)
	}
	// The message is accepted now; a failed QUIT does not undo that.
	_ = c.Quit()
	return nil
}

// dial opens the TCP connection, with TLS from the start for smtps.
func (s *Sender) dial(ctx context.Context) (net.Conn, error) {
	if s.implicitTLS {
		d := tls.Dialer{Config: s.tlsConfig()}
		return d.DialContext(ctx, "tcp", s.addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.addr)
}

func (s *Sender) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         s.host,
		RootCAs:            s.rootCAs,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: s.insecure, //nolint:gosec // Insecure is the operator's explicit choice.
	}
}

// refusedAddress tells whether the server's answer to RCPT TO blames the
// address rather than the server or the sender: an enhanced status code
// 5.1.x (RFC 3463: addressing status) or, without one, reply code 553
// (mailbox name not allowed). A bare 550 is ambiguous (no such user or
// relaying denied), so it counts as the server's problem.
func refusedAddress(err error) bool {
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code < 500 || te.Code > 599 {
		return false
	}
	if status, _, _ := strings.Cut(te.Msg, " "); isEnhancedStatus(status) {
		return strings.HasPrefix(status, "5.1.")
	}
	return te.Code == 553
}

// isEnhancedStatus tells whether s looks like class.subject.detail.
func isEnhancedStatus(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// hasWord tells whether the space-separated list has w, ignoring case.
func hasWord(list, w string) bool {
	for f := range strings.FieldsSeq(list) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// compose writes the RFC 5322 message. The body is quoted-printable, so
// any text, however long its lines or whatever its line ends, arrives as
// written and the message stays 7-bit clean for any relay.
func (s *Sender) compose(to *mail.Address, subject, body string, now time.Time) ([]byte, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("mail: Message-ID: %w", err)
	}
	domain := s.from.Address[strings.LastIndex(s.from.Address, "@")+1:]

	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	// RFC 3834: no vacation replies or bounce loops to a robot's mail.
	header("Auto-Submitted", "auto-generated")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("mail: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("mail: encode body: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
