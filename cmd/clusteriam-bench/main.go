// Command clusteriam-bench measures a clusteriam server the way its users
// feel it: credential checks on every request, log-ins, listings at 10k
// and 100k users, bulk creates, memory and cold start, and the credential
// checks and listings of users spread over organizations. It starts the
// server itself on a fresh store, seeds it through the public API, drives
// it over keep-alive HTTPS, and gives throughput as a ratio to a bare
// net/http TLS server run in the same way, since absolute figures on a
// shared machine are noise. See BENCHMARKS.md.
//
//	go run ./cmd/clusteriam-bench --quick
//	go run ./cmd/clusteriam-bench --bin ./clusteriam --json bench.json
package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// scenarios in the order they run; each may be chosen with --scenarios.
var scenarioNames = []string{"auth", "login", "list", "create", "scale", "tenant"}

func main() {
	if len(os.Args) == 3 && os.Args[1] == serveBaselineFlag {
		if err := serveBaseline(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "clusteriam-bench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("clusteriam-bench", flag.ContinueOnError)
	bin := fs.String("bin", "", "clusteriam binary to measure; default: go run ./cmd/clusteriam (run from the repository)")
	database := fs.String("database", "", "postgres://... of an EMPTY database to measure on; default: SQLite in a temporary dir")
	conc := fs.Int("concurrency", 2*runtime.NumCPU(), "clients driving the server at once")
	dur := fs.Duration("duration", 5*time.Second, "measuring time of each throughput figure (after a warm-up of a fifth of it)")
	which := fs.String("scenarios", strings.Join(scenarioNames, ","), "scenarios to run: "+strings.Join(scenarioNames, ","))
	quick := fs.Bool("quick", false, "a run under a minute: short figures, listings at 10k users only")
	tenantUsers := fs.Int("tenant-users", 100_000, "users the tenant scenario spreads over its organizations (10,000 with --quick unless given)")
	tenants := fs.Int("tenants", 100, "organizations of the tenant scenario")
	jsonOut := fs.String("json", "", "also write the figures as JSON to this file")
	serveFlags := fs.String("serve-flags", "", "more flags of clusteriam serve, space-separated, e.g. --console=false")
	if err := fs.Parse(args); err != nil {
		return err
	}
	chosen := strings.Split(*which, ",")
	for _, s := range chosen {
		if !slices.Contains(scenarioNames, s) {
			return fmt.Errorf("unknown scenario %q; choose from %s", s, strings.Join(scenarioNames, ","))
		}
	}
	sizes := []int{10_000, 100_000}
	if *quick {
		*dur = time.Second
		sizes = sizes[:1]
		if !flagSet(fs, "tenant-users") {
			*tenantUsers = 10_000
		}
	}
	dir, err := os.MkdirTemp("", "clusteriam-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := writeKey(filepath.Join(dir, "secret.key")); err != nil {
		return err
	}
	begin := time.Now()
	tgt, _, err := startTarget(*bin, filepath.Join(dir, "data"), *database, strings.Fields(*serveFlags))
	if err != nil {
		return err
	}
	defer tgt.stop()
	c := newClient(*conc)
	h, err := accessToken(c, tgt.url, "admin", adminPassword)
	if err != nil {
		return fmt.Errorf("log in as admin (is the database empty?): %w", err)
	}
	b := &bench{bin: *bin, database: *database, dir: dir, conc: *conc, dur: *dur, quick: *quick, tgt: tgt,
		admin: api{c: c, url: tgt.url, h: h}, tenantUsers: *tenantUsers, tenants: *tenants}
	errs := b.runScenarios(chosen, sizes)
	store := "SQLite"
	if *database != "" {
		store = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "clusteriam-bench: %s store, %d CPUs, concurrency %d, %v per figure, %v in all\n\n",
		store, runtime.NumCPU(), *conc, *dur, time.Since(begin).Round(time.Second))
	printTable(stdout, b.rows)
	if *jsonOut != "" {
		out, _ := json.MarshalIndent(map[string]any{"store": store, "cpus": runtime.NumCPU(), "concurrency": *conc,
			"duration": dur.String(), "date": time.Now().UTC().Format(time.RFC3339), "figures": b.rows}, "", "  ")
		if err := os.WriteFile(*jsonOut, append(out, '\n'), 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// runScenarios runs the scenarios chosen, in order; list at each of sizes,
// scale at the largest, tenant at b.tenantUsers over b.tenants
// organizations.
func (b *bench) runScenarios(chosen []string, sizes []int) []error {
	var errs []error
	for _, s := range chosen {
		fmt.Fprintf(os.Stderr, "clusteriam-bench: %s...\n", s)
		switch s {
		case "auth":
			errs = append(errs, b.scenarioAuth())
		case "login":
			errs = append(errs, b.scenarioLogin())
		case "list":
			for _, n := range sizes {
				errs = append(errs, b.scenarioList(n))
			}
		case "create":
			errs = append(errs, b.scenarioCreate())
		case "scale":
			errs = append(errs, b.scenarioScale(sizes[len(sizes)-1]))
		case "tenant":
			errs = append(errs, b.scenarioTenant(b.tenantUsers, b.tenants))
		}
	}
	return errs
}

// flagSet reports whether flag name was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// writeKey makes the S3-secret key a PostgreSQL target needs.
func writeKey(path string) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	return os.WriteFile(path, key, 0o600)
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tvalue\tunit\tp50 ms\tp99 ms\tratio\ttarget\tmet\terrors\t")
	for _, r := range rows {
		ratio, met, p50, p99 := "", "", "", ""
		if r.Ratio != 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		if r.Met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*r.Met]
		}
		if r.P50Ms != 0 {
			p50, p99 = fmt.Sprintf("%.2f", r.P50Ms), fmt.Sprintf("%.2f", r.P99Ms)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", r.Scenario, r.Value, r.Unit, p50, p99, ratio, r.Target, met, r.Errors)
	}
	tw.Flush()
	for _, r := range rows {
		if r.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", r.Scenario, r.Note)
		}
	}
}
