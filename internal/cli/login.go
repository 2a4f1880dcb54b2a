package cli

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

type loginFlags struct {
	server, domain, username string
	passwordStdin            bool
	caCert, fingerprint      string
	insecure                 bool
	otp, otpType             string
}

// defaultServer is where login goes with no --server and no context: the
// address `clusteriam serve` listens on by default.
const defaultServer = "https://localhost:8443"

func (a *app) loginCmd() *cobra.Command {
	var f loginFlags
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in to a server and keep the session in the CLI's configuration",
		Long: `Log in to a clusteriam server with a username and password, and keep the session
in the CLI's configuration file (mode 0600) as a context named after the server.

A server with a self-signed certificate is shown by its SHA-256 fingerprint to
confirm once (compare it with the one clusteriam serve printed); the context then
trusts that certificate only. --ca-cert trusts a CA instead.`,
		Example: `  clusteriam login --server https://localhost:8443 --username admin
  echo "$PASSWORD" | clusteriam login --server https://iam.example.com --username alice --domain corp.example.com --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.login(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.server, "server", "", "the server's URL, https://HOST:PORT (default the context's, else "+defaultServer+")")
	fl.StringVar(&f.domain, "domain", "", "the user's domain: LOCAL, or a directory domain (default the context's, else LOCAL)")
	fl.StringVar(&f.username, "username", "", "the user to log in as (default the context's, else admin)")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from standard input (its first line)")
	fl.StringVar(&f.caCert, "ca-cert", "", "a PEM file of the CAs the server's certificate must chain to")
	fl.StringVar(&f.fingerprint, "fingerprint", "", "trust the server's certificate with this SHA-256 fingerprint (sha256:ab:cd:...) without asking")
	fl.BoolVar(&f.insecure, "insecure-skip-verify", false, "accept any certificate (tests only: anyone on the path can read the password)")
	fl.StringVar(&f.otp, "otp", "", "the one-time code of your second factor, when MFA is on (asked on a terminal when needed)")
	fl.StringVar(&f.otpType, "otp-type", "totp", "the kind of --otp: totp (an authenticator app) or email")
	return cmd
}

func (a *app) login(cmd *cobra.Command, f loginFlags) error {
	cfg, path, err := a.config()
	if err != nil {
		return err
	}
	x, err := a.loginContext(cfg, f)
	if err != nil {
		return err
	}
	if err := a.trust(x, f); err != nil {
		return err
	}
	pw, err := a.password(f.passwordStdin, fmt.Sprintf("Password of %s\\%s: ", x.Domain, x.Username))
	if err != nil {
		return err
	}
	id, err := a.createSession(background(cmd), x, pw, f)
	if err != nil {
		return err
	}
	x.SessionID = id
	// The session is made; reading its user only adds what it can (an
	// enrolment session may read nothing).
	me, selfErr := a.self(background(cmd), x)
	var refused *client.APIError
	if selfErr == nil {
		x.UserSID = str(me.Sid)
	}
	cfg.put(x)
	if err := cfg.save(path); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stdout, "Logged in to %s as %s\\%s (context %q).\n", x.Server, x.Domain, x.Username, x.Name)
	switch {
	case errors.As(selfErr, &refused) && refused.Code == "MfaEnrolmentRequired":
		fmt.Fprintln(a.env.Stdout, "This session may only enrol a second factor: clusteriam mfa totp enroll, then log in again.")
	case selfErr == nil && me.ForcePasswordChange != nil && *me.ForcePasswordChange:
		fmt.Fprintln(a.env.Stdout, "This password must be changed before anything else: clusteriam users set-password --self")
	}
	return nil
}

// createSession logs in to x's server and returns the session id. When
// MFA asks for a code that --otp did not give, it asks on the terminal.
func (a *app) createSession(ctx context.Context, x *Context, pw string, f loginFlags) (string, error) {
	hc, err := httpClient(x)
	if err != nil {
		return "", err
	}
	c, err := client.New(x.Server, client.WithHTTPClient(hc))
	if err != nil {
		return "", err
	}
	body := client.CreateSessionJSONRequestBody{Username: &x.Username, Password: &pw, Domain: &x.Domain}
	for {
		if f.otp != "" {
			t := client.CreateUserSessionRequestParamsOtpType(f.otpType)
			body.OtpCode, body.OtpType = &f.otp, &t
		}
		res, err := c.CreateSessionWithResponse(ctx, body)
		if err != nil {
			return "", err
		}
		err = client.Check(res.HTTPResponse, res.Body)
		var e *client.APIError
		switch {
		case err == nil:
			return res.JSON201.SessionId, nil
		case !errors.As(err, &e) || e.Code != "MfaRequired" || f.otp != "":
			return "", err
		case a.env.ReadPassword == nil:
			return "", fmt.Errorf("%s\ngive the code of your authenticator app with --otp CODE (or --otp-type email)", e.Message)
		}
		if f.otp, err = a.env.ReadPassword(fmt.Sprintf("One-time code (%s): ", f.otpType)); err != nil {
			return "", err
		}
	}
}

// self reads the user of x's new session; it may, even while its password
// must be changed.
func (a *app) self(ctx context.Context, x *Context) (*client.UserParams, error) {
	hc, err := httpClient(x)
	if err != nil {
		return nil, err
	}
	c, err := client.New(x.Server, client.WithHTTPClient(checking{hc}), client.WithCredential(client.SessionID(x.SessionID)))
	if err != nil {
		return nil, err
	}
	// An organization's user logs in as name@org and is name inside it.
	names := []string{x.Username}
	if i := strings.LastIndex(x.Username, "@"); i > 0 {
		names = append(names, x.Username[:i])
	}
	for _, name := range names {
		one := []string{name}
		res, err := c.GetUsersWithResponse(ctx, &client.GetUsersParams{Usernames: &one, Domain: &x.Domain})
		if err != nil {
			return nil, err
		}
		if len(res.JSON200.Users) == 1 {
			return &res.JSON200.Users[0], nil
		}
	}
	return nil, fmt.Errorf("the server does not show %s\\%s to itself", x.Domain, x.Username)
}

// loginContext is the context a log-in writes: the one named, or the
// current one when no server is given, else one named after the server.
func (a *app) loginContext(cfg *Config, f loginFlags) (*Context, error) {
	base := cfg.context(a.contextName)
	x := &Context{}
	if base != nil && (f.server == "" || strings.TrimSuffix(f.server, "/") == base.Server) {
		*x = *base
	}
	if f.server != "" {
		u, err := url.Parse(f.server)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, usageErr("--server %q: want https://HOST:PORT", f.server)
		}
		if x.Server != u.Scheme+"://"+u.Host {
			*x = Context{}
		}
		x.Server = u.Scheme + "://" + u.Host
	}
	if x.Server == "" {
		x.Server = defaultServer
	}
	x.Name = a.contextName
	if x.Name == "" {
		x.Name = strings.TrimPrefix(strings.TrimPrefix(x.Server, "https://"), "http://")
	}
	switch {
	case f.domain != "":
		x.Domain = f.domain
	case x.Domain == "":
		x.Domain = "LOCAL"
	}
	switch {
	case f.username != "":
		x.Username = f.username
	case x.Username == "":
		x.Username = "admin"
	}
	x.SessionID, x.UserSID = "", ""
	return x, nil
}

// trust settles how x's server is trusted: as the flags say, or by the
// system's CAs when they do, or by confirming its fingerprint.
func (a *app) trust(x *Context, f loginFlags) error {
	switch {
	case f.insecure:
		x.InsecureSkipVerify, x.CACert, x.Fingerprint = true, "", ""
		return nil
	case f.caCert != "":
		x.InsecureSkipVerify, x.CACert, x.Fingerprint = false, f.caCert, ""
		_, err := tlsConfig(x)
		return err
	case x.InsecureSkipVerify || x.CACert != "" || strings.HasPrefix(x.Server, "http://"):
		return nil
	}
	u, _ := url.Parse(x.Server)
	addr := u.Host
	if u.Port() == "" {
		addr += ":443"
	}
	cert, err := serverCertificate(addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", x.Server, err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: u.Hostname()}); err == nil {
		x.Fingerprint = "" // the system's CAs vouch for it
		return nil
	}
	fp := Fingerprint(cert.Raw)
	switch {
	case f.fingerprint != "" && !strings.EqualFold(f.fingerprint, fp):
		return fmt.Errorf("the server's certificate has fingerprint %s, not %s", fp, f.fingerprint)
	case f.fingerprint != "", strings.EqualFold(x.Fingerprint, fp):
		x.Fingerprint = fp
		return nil
	case a.env.Confirm == nil:
		return fmt.Errorf("the certificate of %s is not signed by a CA this machine trusts; its fingerprint is\n  %s\n"+
			"compare it with the one the server printed, then log in again with --fingerprint %s (or --ca-cert FILE)", x.Server, fp, fp)
	}
	ok, err := a.env.Confirm(fmt.Sprintf("The certificate of %s is not signed by a CA this machine trusts.\nIts fingerprint is %s\nTrust this certificate?", x.Server, fp))
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("not trusted: nothing changed")
	}
	x.Fingerprint = fp
	return nil
}

// password reads a password: from stdin's first line, or asked without
// echo on the terminal.
func (a *app) password(fromStdin bool, prompt string) (string, error) {
	if fromStdin {
		if a.stdin == nil {
			a.stdin = bufio.NewReader(a.env.Stdin) // one, for the lines after the first
		}
		line, err := a.stdin.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if err != nil {
				return "", fmt.Errorf("--password-stdin: %w", err)
			}
			return "", usageErr("--password-stdin: the first line of standard input is empty")
		}
		return line, nil
	}
	if a.env.ReadPassword == nil {
		return "", usageErr("standard input is no terminal to ask the password on: give --password-stdin")
	}
	return a.env.ReadPassword(prompt)
}

// newPassword reads a password to set: asked twice on a terminal, where a
// typo would go unseen.
func (a *app) newPassword(fromStdin bool, prompt string) (string, error) {
	pw, err := a.password(fromStdin, prompt)
	if err != nil || fromStdin {
		return pw, err
	}
	again, err := a.password(false, "Again: ")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", errors.New("the two passwords differ: nothing changed")
	}
	return pw, nil
}

func (a *app) logoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "End the context's session and forget it",
		Long: `End the context's session on the server and forget it. The API ends sessions user
by user, so this ends every session of the user, on every machine.`,
		Example: "  clusteriam logout\n  clusteriam logout --context prod",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, path, err := a.config()
			if err != nil {
				return err
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			sid, err := s.whoami(cmd)
			if err != nil {
				return err
			}
			_, err = s.c.DeleteSessionWithResponse(background(cmd), &client.DeleteSessionParams{Sid: &sid})
			if err != nil {
				return err
			}
			x := cfg.context(s.ctx.Name)
			x.SessionID, x.UserSID = "", ""
			if err := cfg.save(path); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Logged out of %s.\n", x.Server)
			return nil
		},
	}
}

// whoami returns the sid of the session's user.
func (s *session) whoami(cmd *cobra.Command) (string, error) {
	if s.byKey {
		return "", errors.New("with CLUSTERIAM_API_KEY the CLI does not know whose key it is: name the user")
	}
	if s.ctx.UserSID != "" {
		return s.ctx.UserSID, nil
	}
	return s.resolveUser(cmd, s.ctx.Username, s.ctx.Domain)
}

func (a *app) whoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show the server and user of the current context",
		Example: "  clusteriam whoami\n  clusteriam whoami --context prod",
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			sid, err := s.whoami(cmd)
			if err != nil {
				return err
			}
			res, err := s.c.GetUserBySidWithResponse(background(cmd), sid)
			if err != nil {
				return err
			}
			u := res.JSON200
			return a.print(u, []string{"SERVER", "USER", "SID", "ROLES"}, func() [][]string {
				return [][]string{{s.ctx.Server, s.ctx.Domain + `\` + s.ctx.Username, sid, strings.Join(u.Roles, ",")}}
			})
		}),
	}
}
