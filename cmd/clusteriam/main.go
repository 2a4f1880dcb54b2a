// Command clusteriam is the identity and access service of a storage
// cluster. `clusteriam serve` serves the v2 User API over HTTPS.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/clusteriam/clusteriam/internal/version"
)

const usage = `usage: clusteriam <command> [flags]

commands:
  serve    serve the v2 User API (clusteriam serve -h for flags)
  version  print the version, commit and Go version of this build
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "clusteriam:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		cfg, err := parseServeFlags(args[1:], stderr)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, getenv, stderr)
	case "version":
		if len(args) > 1 {
			return fmt.Errorf("version takes no arguments")
		}
		fmt.Fprintln(stdout, version.Get())
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stderr, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
