// Package cli is clusteriam's command line, `clusteriam <noun> <verb>`:
// log-in and contexts, and the nouns of the v2 API. It speaks to the
// server only through package client, as any other program would.
package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

// Env is what the commands read and write: the process's, or a test's.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// ReadPassword asks for a password without echo; nil when stdin is no
	// terminal (then --password-stdin is the way).
	ReadPassword func(prompt string) (string, error)
	// Confirm asks a yes/no question on the terminal; nil when there is
	// none.
	Confirm func(question string) (bool, error)
}

// UsageError is a command used wrongly: exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErr(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// app is the state the commands share: the global flags and what they
// resolve to.
type app struct {
	env         Env
	configFile  string // --config
	contextName string // --context
	output      string // -o
	tenant      string // --impersonate-tenant
	stdin       *bufio.Reader
}

// Commands returns the CLI's commands, to add to the root command, and
// binds their global flags to root.
func Commands(root *cobra.Command, env Env) {
	a := &app{env: env}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "the CLI's configuration file (default $CLUSTERIAM_CONFIG, else $XDG_CONFIG_HOME/clusteriam/config.yaml)")
	pf.StringVar(&a.contextName, "context", "", "the context (server) to use, of those clusteriam login made (default the current one)")
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table, json or yaml (json and yaml print the API's own models)")
	pf.StringVar(&a.tenant, "impersonate-tenant", "", "act inside this organization below your own (its id, e.g. acme/), as the x-impersonate-tenant-id header asks")
	root.AddCommand(
		a.loginCmd(),
		a.logoutCmd(),
		a.whoamiCmd(),
		a.contextsCmd(),
		a.usersCmd(),
		a.groupsCmd(),
		a.apiKeysCmd(),
		a.sessionsCmd(),
		a.s3KeyCmd(),
		a.rolesCmd(),
		a.privilegesCmd(),
		a.auditCmd(),
		a.tenantsCmd(),
		a.mfaCmd(),
		a.securityConfigCmd(),
		a.principalsCmd(),
		a.sourcesCmd(),
		a.ssoCmd(),
		a.directoriesCmd(),
	)
	a.addCompletion(root)
}

// config loads the CLI's file.
func (a *app) config() (*Config, string, error) {
	path := a.configFile
	if path == "" {
		var err error
		if path, err = configPath(a.env.Getenv); err != nil {
			return nil, "", err
		}
	}
	c, err := loadConfig(path)
	return c, path, err
}

// session is a client of the current context's server with its
// credential: $CLUSTERIAM_API_KEY when set (for scripts), else the
// context's session.
type session struct {
	c   *client.ClientWithResponses
	ctx *Context
	// byKey: the credential is $CLUSTERIAM_API_KEY, whose owner the CLI
	// does not know (the context's user is not it).
	byKey bool
}

func (a *app) session() (*session, error) {
	cfg, _, err := a.config()
	if err != nil {
		return nil, err
	}
	x := cfg.context(a.contextName)
	if x == nil {
		if a.contextName != "" {
			return nil, fmt.Errorf("no context %q in the configuration: `clusteriam login --context %s` makes it", a.contextName, a.contextName)
		}
		return nil, errors.New("not logged in: run `clusteriam login --server https://HOST:8443` first")
	}
	cred, byKey := client.SessionID(x.SessionID), false
	if key := a.env.Getenv("CLUSTERIAM_API_KEY"); key != "" {
		cred, byKey = client.APIKey(key), true
	} else if x.SessionID == "" {
		return nil, fmt.Errorf("logged out of %s: run `clusteriam login` again", x.Server)
	}
	hc, err := httpClient(x)
	if err != nil {
		return nil, err
	}
	opts := []client.ClientOption{client.WithHTTPClient(checking{hc}), client.WithCredential(cred)}
	for _, fn := range actingIn(a.tenant) {
		opts = append(opts, client.WithRequestEditorFn(fn))
	}
	c, err := client.New(x.Server, opts...)
	if err != nil {
		return nil, err
	}
	return &session{c: c, ctx: x, byKey: byKey}, nil
}

// checking is the HTTP client of a session: an answer that is not a
// success comes back as the command's error (check), so that no command
// reads one as data.
type checking struct{ c *http.Client }

func (d checking) Do(req *http.Request) (*http.Response, error) {
	res, err := d.c.Do(req)
	if err != nil || res.StatusCode < 300 {
		return res, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return nil, check(res, body)
}

// check turns an answer into the command's error: the server's message,
// and, where it helps, what to do next.
func check(res *http.Response, body []byte) error {
	err := client.Check(res, body)
	var e *client.APIError
	if !errors.As(err, &e) {
		return err
	}
	switch {
	case e.Code == "MfaEnrolmentRequired":
		return &refusal{e, "enrol a second factor first: clusteriam mfa totp enroll"}
	case e.Status == http.StatusUnauthorized:
		return &refusal{e, "the credential was refused (a session ended, or an API key revoked): run `clusteriam login` again, or check CLUSTERIAM_API_KEY"}
	case e.Status == http.StatusForbidden && strings.Contains(e.Message, "must be changed first"):
		return &refusal{e, "choose a new password: clusteriam users set-password --self"}
	// The server's advice names the API's parameters; say the flags.
	case strings.Contains(e.Message, "saveAnyway=true"):
		return &refusal{e, "(--save-anyway saves it all the same)"}
	case strings.Contains(e.Message, "forceRemove=true"):
		return &refusal{e, "(--force leaves the machine accounts in the directory)"}
	}
	return &refusal{APIError: e}
}

// refusal is the server's refusal as a command reports it: its message,
// and a hint of what to do next.
type refusal struct {
	*client.APIError
	hint string
}

func (r *refusal) Error() string {
	msg := r.Code + ": " + r.Message
	if r.hint != "" {
		msg += "\n" + r.hint
	}
	return msg
}

func (r *refusal) Unwrap() error { return r.APIError }

// background is the context of a command's requests.
func background(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// withSession is a command's RunE that opens the context's session and
// runs fn with it.
func (a *app) withSession(fn func(cmd *cobra.Command, s *session, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s, err := a.session()
		if err != nil {
			return err
		}
		return fn(cmd, s, args)
	}
}
