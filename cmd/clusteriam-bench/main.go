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
var scenarioNames = []string{"auth", "login", "list", "create", "scale", "bad", "tenant"}

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

// options are the bench's flags.
type options struct {
	bin, database, which, jsonOut, serveFlags, load, sizes, plot, fromJSON string
	conc, tenantUsers, tenants                                             int
	dur                                                                    time.Duration
	quick, seedDirect, failOnErrors                                        bool
}

// parseFlags reads the command line; --quick shortens what it did not
// set.
func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("clusteriam-bench", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "", "clusteriam binary to measure; default: go run ./cmd/clusteriam (run from the repository)")
	fs.StringVar(&o.database, "database", "", "postgres://... of an EMPTY database to measure on; default: SQLite in a temporary dir")
	fs.IntVar(&o.conc, "concurrency", 2*runtime.NumCPU(), "clients driving the server at once")
	fs.DurationVar(&o.dur, "duration", 5*time.Second, "measuring time of each throughput figure (after a warm-up of a fifth of it)")
	fs.StringVar(&o.which, "scenarios", strings.Join(scenarioNames, ","), "scenarios to run: "+strings.Join(scenarioNames, ","))
	fs.BoolVar(&o.quick, "quick", false, "a run under a minute: short figures, the first size only unless --sizes is given")
	fs.IntVar(&o.tenantUsers, "tenant-users", 100_000, "users the tenant scenario spreads over its organizations (10,000 with --quick unless given)")
	fs.IntVar(&o.tenants, "tenants", 100, "organizations of the tenant scenario")
	fs.StringVar(&o.jsonOut, "json", "", "also write the figures as JSON to this file")
	fs.StringVar(&o.serveFlags, "serve-flags", "", "more flags of clusteriam serve, space-separated, e.g. --console=false")
	fs.StringVar(&o.load, "load", "go", "load generators of the throughput figures: go, wrk, or go,wrk for both")
	fs.StringVar(&o.sizes, "sizes", "10k,100k", "users in the store at which list, create and scale measure, ascending: e.g. 10k,100k,1M")
	fs.BoolVar(&o.seedDirect, "seed-direct", false, "write the API keys of scale through the store package, the server stopped, 1,000 per transaction")
	fs.StringVar(&o.plot, "plot", "", "draw the scaling curve into this PNG, and its table into FILE.md")
	fs.StringVar(&o.fromJSON, "from-json", "", "with --plot: redraw from the --json outputs of earlier runs (comma-separated: one below the other), running nothing")
	fs.BoolVar(&o.failOnErrors, "fail-on-errors", false, "exit 1 when a figure counts failed requests (not when it misses its target)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.quick {
		o.dur = time.Second
		if !flagSet(fs, "tenant-users") {
			o.tenantUsers = 10_000
		}
		if !flagSet(fs, "sizes") {
			o.sizes = strings.Split(o.sizes, ",")[0]
		}
	}
	return o, nil
}

// report is what --json writes and --from-json reads.
type report struct {
	Store       string `json:"store"`
	CPUs        int    `json:"cpus"`
	Concurrency int    `json:"concurrency"`
	Duration    string `json:"duration"`
	Date        string `json:"date"`
	Load        string `json:"load,omitempty"`
	Sizes       []int  `json:"sizes,omitempty"`
	Figures     []row  `json:"figures"`
}

// run runs the bench args ask for and prints its table to stdout, or
// with --from-json only redraws an earlier run.
func run(args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if o.fromJSON != "" {
		return redraw(o.fromJSON, o.plot)
	}
	chosen := strings.Split(o.which, ",")
	for _, s := range chosen {
		if !slices.Contains(scenarioNames, s) {
			return fmt.Errorf("unknown scenario %q; choose from %s", s, strings.Join(scenarioNames, ","))
		}
	}
	sizes, err := parseSizes(o.sizes)
	if err != nil {
		return err
	}
	loads := strings.Split(o.load, ",")
	for _, l := range loads {
		if l != "go" && l != "wrk" {
			return fmt.Errorf("--load %q: choose go, wrk or go,wrk", o.load)
		}
	}
	dir, err := os.MkdirTemp("", "clusteriam-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b, err := startBench(o, dir, loads)
	if err != nil {
		return err
	}
	defer b.tgt.stop()
	begin := time.Now()
	errs := b.runScenarios(chosen, sizes)
	rep := report{Store: "SQLite", CPUs: runtime.NumCPU(), Concurrency: o.conc, Duration: o.dur.String(),
		Date: time.Now().UTC().Format(time.RFC3339), Load: o.load, Sizes: sizes, Figures: b.rows}
	if o.database != "" {
		rep.Store = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "clusteriam-bench: %s store, %d CPUs, concurrency %d, %v per figure, %v in all\n\n",
		rep.Store, rep.CPUs, o.conc, o.dur, time.Since(begin).Round(time.Second))
	printTable(stdout, b.rows)
	return errors.Join(append(errs, writeOutputs(o, rep))...)
}

// startBench starts the target on a fresh store in dir and logs in as its
// admin.
func startBench(o options, dir string, loads []string) (*bench, error) {
	if err := writeKey(filepath.Join(dir, "secret.key")); err != nil {
		return nil, err
	}
	b := &bench{bin: o.bin, database: o.database, dir: dir, conc: o.conc, dur: o.dur, quick: o.quick,
		loads: loads, seedDirect: o.seedDirect, tenantUsers: o.tenantUsers, tenants: o.tenants}
	if slices.Contains(loads, "wrk") {
		w, err := newWrkRunner(dir, o.conc)
		if err != nil {
			return nil, err
		}
		b.wrk = w
	}
	tgt, _, err := startTarget(o.bin, filepath.Join(dir, "data"), o.database, strings.Fields(o.serveFlags))
	b.tgt = tgt
	if err != nil {
		return nil, err
	}
	c := newClient(o.conc)
	h, err := accessToken(c, tgt.url, "admin", adminPassword)
	if err != nil {
		tgt.stop()
		return nil, fmt.Errorf("log in as admin (is the database empty?): %w", err)
	}
	b.admin = api{c: c, url: tgt.url, h: h}
	return b, nil
}

// writeOutputs writes the JSON and the plot asked for, and with
// --fail-on-errors fails when a figure counted failed requests.
func writeOutputs(o options, rep report) error {
	var errs []error
	if o.jsonOut != "" {
		out, _ := json.MarshalIndent(rep, "", "  ")
		errs = append(errs, os.WriteFile(o.jsonOut, append(out, '\n'), 0o644))
	}
	if o.plot != "" {
		errs = append(errs, drawReports([]report{rep}, o.plot))
	}
	if o.failOnErrors {
		for _, r := range rep.Figures {
			if r.Errors > 0 {
				errs = append(errs, fmt.Errorf("%s: %d failed requests: %s", r.Scenario, r.Errors, r.Note))
			}
		}
	}
	return errors.Join(errs...)
}

// runScenarios runs the scenarios chosen, in order; list, create and
// scale together at each of sizes where the first of them is named, bad
// at the largest size, tenant at b.tenantUsers over b.tenants
// organizations.
func (b *bench) runScenarios(chosen []string, sizes []int) []error {
	var errs []error
	sized := false
	for _, s := range chosen {
		if slices.Contains(sizeScenarios, s) {
			if !sized {
				errs = append(errs, b.runSizes(chosen, sizes)...)
			}
			sized = true
			continue
		}
		fmt.Fprintf(os.Stderr, "clusteriam-bench: %s...\n", s)
		switch s {
		case "auth":
			errs = append(errs, b.scenarioAuth())
		case "login":
			errs = append(errs, b.scenarioLogin())
		case "bad":
			errs = append(errs, b.scenarioBad(sizes[len(sizes)-1]))
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
