// Command clusteriam is the identity and access service of a storage
// cluster. `clusteriam serve` serves the v2 User API over HTTPS; the other
// commands are its command line (package cli), which speaks to a server
// through the API.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/clusteriam/clusteriam/internal/cli"
	"github.com/clusteriam/clusteriam/internal/version"
)

const rootHelp = `clusteriam is the identity and access service of a storage cluster: users,
groups, roles, API keys, sessions and directories, served as the Cohesity v2 User
API. Run a server with "clusteriam serve"; manage it with the other commands.

Environment:
  CLUSTERIAM_CONFIG          the CLI's configuration file
  CLUSTERIAM_API_KEY         an API key the CLI sends instead of the context's session (scripts)
  CLUSTERIAM_ADMIN_PASSWORD  serve: the first admin's password on an empty store
  (clusteriam serve --help lists the server's own)`

func main() { os.Exit(mainCode()) }

// mainCode runs the command of the process's arguments and returns its
// exit code.
func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		env.ReadPassword = func(prompt string) (string, error) {
			fmt.Fprint(os.Stderr, prompt)
			b, err := term.ReadPassword(fd)
			fmt.Fprintln(os.Stderr)
			return string(b), err
		}
		env.Confirm = func(q string) (bool, error) {
			fmt.Fprintf(os.Stderr, "%s [y/N] ", q)
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			return strings.EqualFold(strings.TrimSpace(line), "y") || strings.EqualFold(strings.TrimSpace(line), "yes"), err
		}
	}
	return exitCode(execute(ctx, os.Args[1:], env), os.Stderr)
}

// exitCode reports err and says how the process ends: 0 ok, 1 refused or
// failed, 2 used wrongly.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "clusteriam:", err)
	if isUsage(err) {
		return 2
	}
	return 1
}

// isUsage reports whether err says the command was used wrongly.
func isUsage(err error) bool {
	var u *cli.UsageError
	return errors.As(err, &u) || strings.HasPrefix(err.Error(), "unknown command ")
}

// run is execute with no terminal and an empty standard input, as tests
// run it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return execute(ctx, args, cli.Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Getenv: getenv})
}

// execute runs the command args names.
func execute(ctx context.Context, args []string, env cli.Env) error {
	root := newRoot(env)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// newRoot returns the command tree: serve, version, admin and the CLI's.
func newRoot(env cli.Env) *cobra.Command {
	root := &cobra.Command{
		Use:           "clusteriam",
		Short:         "The identity and access service of a storage cluster",
		Long:          rootHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cli.UsageError{Err: fmt.Errorf("%w\nRun '%s --help' for usage", err, c.CommandPath())}
	})
	root.AddCommand(serveCmd(env), versionCmd(env), adminCmd(env))
	cli.Commands(root, env)
	return root
}

func versionCmd(env cli.Env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit and Go version of this build",
		Example: "  clusteriam version",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &cli.UsageError{Err: errors.New("version takes no arguments")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(env.Stdout, version.Get())
			return nil
		},
	}
}

func serveCmd(env cli.Env) *cobra.Command {
	return &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve the v2 User API over HTTPS",
		Example: `  clusteriam serve                       # ./clusteriam-data, port 8443
  clusteriam serve --data-dir /var/lib/clusteriam --listen :443
  clusteriam serve --database postgres://iam@db/iam   # a replica on PostgreSQL
  clusteriam serve --help                # every flag and environment variable`,
		// The server's flags are its own (flag.FlagSet), parsed below, so
		// that its --help lists them with the environment it reads.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := parseServeFlags(args, env.Stdout)
			if errors.Is(err, errHelpShown) {
				return nil
			}
			if err != nil {
				return &cli.UsageError{Err: fmt.Errorf("%w\nRun 'clusteriam serve --help' for the flags", err)}
			}
			return serve(cmd.Context(), cfg, env.Getenv, env.Stdout, env.Stderr)
		},
	}
}
