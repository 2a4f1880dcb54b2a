package main

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// wrk (https://github.com/wg/wrk, Debian package wrk) is the second load
// generator: a C client on an event loop costs the machine less per
// request than the Go client, so the server's share of the cores is
// nearer what it would be behind real clients. The bench drives it with
// the Lua script below and reads the one line its done callback prints,
// not wrk's text for people.

//go:embed wrk.lua
var wrkScript string

// wrkLinePrefix starts the line the script's done callback prints.
const wrkLinePrefix = "BENCH-WRK "

// wrkResult is what the done callback reports: exact counts from wrk's
// summary, and latency percentiles in microseconds.
type wrkResult struct {
	Requests   int64 // responses read, errors by status included
	DurationUs int64
	Bytes      int64
	Connect    int64 // socket errors by kind
	Read       int64
	Write      int64
	Timeout    int64
	Status     int64 // responses with a status above 399
	P50Us      int64
	P99Us      int64
}

// Errors is every failed request: sockets and statuses.
func (r wrkResult) Errors() int64 { return r.Connect + r.Read + r.Write + r.Timeout + r.Status }

// stats gives r in the Go client's terms.
func (r wrkResult) stats() stats {
	s := stats{N: int(r.Requests - r.Status), Errors: int(r.Errors()), Elapsed: time.Duration(r.DurationUs) * time.Microsecond,
		P50: time.Duration(r.P50Us) * time.Microsecond, P99: time.Duration(r.P99Us) * time.Microsecond}
	if r.Errors() > 0 {
		s.FirstErr = fmt.Sprintf("wrk: %d responses above 399, socket errors: connect %d, read %d, write %d, timeout %d",
			r.Status, r.Connect, r.Read, r.Write, r.Timeout)
	}
	return s
}

// parseWrk finds the done callback's line in wrk's output and reads it.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	for line := range strings.SplitSeq(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), wrkLinePrefix)
		if !ok {
			continue
		}
		fields := map[string]*int64{"requests": &r.Requests, "duration_us": &r.DurationUs, "bytes": &r.Bytes,
			"connect": &r.Connect, "read": &r.Read, "write": &r.Write, "timeout": &r.Timeout, "status": &r.Status,
			"p50_us": &r.P50Us, "p99_us": &r.P99Us}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			p, known := fields[k]
			if !known {
				return r, fmt.Errorf("wrk: unknown field %q in %q", k, line)
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r, fmt.Errorf("wrk: field %s: %w", k, err)
			}
			*p = n
			delete(fields, k)
		}
		if len(fields) > 0 {
			return r, fmt.Errorf("wrk: line %q lacks %d fields", line, len(fields))
		}
		return r, nil
	}
	return r, fmt.Errorf("wrk printed no %q line: %q", strings.TrimSpace(wrkLinePrefix), out)
}

// wrkRunner runs wrk with the bench's script, written once into dir.
type wrkRunner struct {
	script string
	conc   int
}

// newWrkRunner checks that wrk is installed and writes the script.
func newWrkRunner(dir string, conc int) (*wrkRunner, error) {
	if _, err := exec.LookPath("wrk"); err != nil {
		return nil, fmt.Errorf("--load wrk: %w (apt-get install -y wrk)", err)
	}
	script := filepath.Join(dir, "bench.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		return nil, fmt.Errorf("write the wrk script: %w", err)
	}
	return &wrkRunner{script: script, conc: conc}, nil
}

// wrkSeconds is d in whole seconds, at least one: wrk takes no less.
func wrkSeconds(d time.Duration) string {
	return fmt.Sprintf("%ds", max(1, int((d+time.Second/2)/time.Second)))
}

// run GETs url with header h for d, after a warm-up run of d/5 (at least
// a second) whose figures are dropped, as the Go client's are.
func (w *wrkRunner) run(url string, h [2]string, d time.Duration) (stats, error) {
	if _, err := w.once(url, h, d/5); err != nil {
		return stats{}, err
	}
	r, err := w.once(url, h, d)
	if err != nil {
		return stats{}, err
	}
	return r.stats(), nil
}

func (w *wrkRunner) once(url string, h [2]string, d time.Duration) (wrkResult, error) {
	threads := max(1, min(w.conc, runtime.NumCPU()))
	cmd := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(w.conc), "-d", wrkSeconds(d),
		"--timeout", "10s", "-s", w.script, url)
	// The header goes by environment, not argv, which any user may read.
	cmd.Env = append(os.Environ(), "BENCH_HEADER_NAME="+h[0], "BENCH_HEADER_VALUE="+h[1])
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %w: %s", url, err, out)
	}
	return parseWrk(string(out))
}
