package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/internal/cli"
)

// TestEveryCommandHasHelp walks the command tree: every command that runs
// has a one-line summary and examples, and every noun has a summary.
func TestEveryCommandHasHelp(t *testing.T) {
	root := newRoot(cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden {
				continue
			}
			if sub.Short == "" {
				t.Errorf("%s has no Short", sub.CommandPath())
			}
			if sub.Runnable() {
				n++
				if strings.TrimSpace(sub.Example) == "" {
					t.Errorf("%s has no Example", sub.CommandPath())
				}
				for _, line := range strings.Split(strings.ReplaceAll(sub.Example, "\\\n", ""), "\n") {
					if !strings.HasPrefix(strings.TrimSpace(line), sub.Root().Name()+" ") && strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "echo ") {
						t.Errorf("%s: example line %q does not run clusteriam", sub.CommandPath(), line)
					}
				}
			}
			walk(sub)
		}
	}
	walk(root)
	if n < 30 {
		t.Fatalf("walked %d runnable commands; the tree is not what newRoot builds", n)
	}
}

// TestEveryCommandIsScripted checks that the testscripts run every
// command of the tree at least once (serve through serve-bg).
func TestEveryCommandIsScripted(t *testing.T) {
	scripts, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, f := range scripts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	// A command runs as "clusteriam [global flags] noun verb".
	text := regexp.MustCompile(`clusteriam( --?\S+(?: [^-\s]\S*)?)* `).ReplaceAllString(all.String(), "clusteriam ")
	root := newRoot(cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Runnable() && sub.Name() != "serve" && !strings.Contains(text, sub.CommandPath()) {
				t.Errorf("no testscript runs %q", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(root)
}
