package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/cli"
	"github.com/clusteriam/clusteriam/internal/iam"
)

// adminCmd holds what acts on a store directly, with no server running.
func adminCmd(env cli.Env) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Act on a store directly, with its server stopped"}
	cmd.AddCommand(resetPasswordCmd(env))
	return cmd
}

func resetPasswordCmd(env cli.Env) *cobra.Command {
	var dataDir, database, secretKeyFile string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "reset-password",
		Short: "Give the built-in admin a new password, when it is lost",
		Long: `Give the built-in admin a new password, working on the store itself: the way back
in when the admin's password is lost. The server must be stopped: an SQLite store is
locked while one serves it. The admin is unlocked and its sessions end; the change
is in the audit trail.

The new password is read from standard input with --password-stdin, or asked on
the terminal; otherwise one is made up, printed once, and must be changed at the
next log-in.`,
		Example: `  clusteriam admin reset-password --data-dir ./clusteriam-data
  echo "$NEW_PASSWORD" | clusteriam admin reset-password --database "$CLUSTERIAM_DATABASE" --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			args := []string{"--data-dir", dataDir, "--database", database, "--secret-key-file", secretKeyFile}
			cfg, err := parseServeFlags(args, io.Discard)
			if err != nil {
				return err
			}
			pw, generated, err := newAdminPassword(env, passwordStdin)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, db, err := openStore(ctx, cfg, env.Getenv)
			if err != nil {
				return fmt.Errorf("open store: %w", err)
			}
			defer st.Close()
			log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			svc, err := newService(ctx, cfg, st, db, env.Getenv, log)
			if err != nil {
				return err
			}
			defer svc.Flush()
			u, err := svc.ResetAdminPassword(ctx, pw, generated)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Reset the password of LOCAL\\%s (%s) in %s.\n", u.Username, u.SID, db)
			if generated {
				fmt.Fprintf(env.Stdout, "Its new password, shown only this once, is %s\nIt must be changed at the next log-in: clusteriam users set-password --self\n", pw)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dataDir, "data-dir", "./clusteriam-data", "the server's data dir")
	fl.StringVar(&database, "database", "", "the server's database, as serve --database (default $"+envDatabase+", else the data dir's)")
	fl.StringVar(&secretKeyFile, "secret-key-file", "", "as serve --secret-key-file")
	fl.BoolVar(&passwordStdin, "password-stdin", false, "read the new password from standard input (its first line)")
	return cmd
}

// newAdminPassword is the password to set: read, asked, or made up
// (generated).
func newAdminPassword(env cli.Env, fromStdin bool) (string, bool, error) {
	switch {
	case fromStdin:
		line, _ := bufio.NewReader(env.Stdin).ReadString('\n')
		if line = strings.TrimRight(line, "\r\n"); line == "" {
			return "", false, &cli.UsageError{Err: errors.New("--password-stdin: the first line of standard input is empty")}
		}
		return line, false, nil
	case env.ReadPassword != nil:
		pw, err := env.ReadPassword("New password of LOCAL\\" + iam.AdminUsername + ": ")
		return pw, false, err
	}
	pw, err := auth.RandomPassword()
	return pw, true, err
}
