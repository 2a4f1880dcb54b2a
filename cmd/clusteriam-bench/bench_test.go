package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(101-i)*time.Millisecond) // unsorted
	}
	s := summarise(lat, 3, 2*time.Second, "boom")
	if s.N != 100 || s.Errors != 3 || s.P50 != 51*time.Millisecond || s.P99 != 100*time.Millisecond || s.PerSec() != 50 {
		t.Errorf("summarise = %+v, %v/s", s, s.PerSec())
	}
	if z := summarise(nil, 0, 0, ""); z.PerSec() != 0 || z.P50 != 0 {
		t.Errorf("empty summary = %+v", z)
	}
}

// TestLoad: operations after the warm-up are counted, failures apart.
func TestLoad(t *testing.T) {
	var calls atomic.Int64
	s := load(3, 200*time.Millisecond, func(w int) error {
		if calls.Add(1)%10 == 0 {
			return errors.New("every tenth fails")
		}
		time.Sleep(time.Millisecond)
		return nil
	})
	if s.N == 0 || s.Errors == 0 || s.FirstErr != "every tenth fails" || int64(s.N+s.Errors) > calls.Load() {
		t.Errorf("load = %+v after %d calls", s, calls.Load())
	}
	if s.Elapsed < 200*time.Millisecond || s.Elapsed > time.Second {
		t.Errorf("measured for %v, want about 200ms", s.Elapsed)
	}
}

func TestPrintTable(t *testing.T) {
	met := false
	var b bytes.Buffer
	printTable(&b, []row{{Scenario: "GET x", Value: 1234.5, Unit: "req/s", P50Ms: 0.07, P99Ms: 0.5, Ratio: 0.42,
		Target: "ratio >= 0.6", Met: &met, Note: "a note"}})
	out := b.String()
	for _, want := range []string{"GET x", "1234.5", "0.42", "ratio >= 0.6", "NO", "GET x: a note"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestRunRejectsUnknownScenario(t *testing.T) {
	if err := run([]string{"--scenarios", "auth,nope"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("run with an unknown scenario: %v", err)
	}
}

// TestRunRejectsBadFlags: a wrong --load or --sizes fails before any
// server starts.
func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--load", "go,ab"}, {"--sizes", "100k,10k"}, {"--sizes", "1G"}} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("run %v succeeded", args)
		}
	}
}

// TestMain serves the baseline when run as one: the bench starts its own
// executable for it, which under go test is the test binary.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == serveBaselineFlag {
		if err := serveBaseline(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// TestTenantScenario runs the tenant scenario end to end at a small size
// on SQLite: 300 users over 3 organizations, figures of 100 ms.
func TestTenantScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "clusteriam")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/clusteriam/clusteriam/cmd/clusteriam").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jsonOut := filepath.Join(dir, "bench.json")
	var out bytes.Buffer
	err := run([]string{"--bin", bin, "--scenarios", "tenant", "--tenant-users", "300", "--tenants", "3",
		"--duration", "100ms", "--concurrency", "2", "--json", jsonOut}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	b, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Figures []row }
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	const in = " at 300 in 3 organizations, "
	want := []string{
		"baseline: bare net/http TLS, same bytes, user of an organization (300 users in 3)",
		"GET /v2/users/{sid}, apiKey, user of an organization (300 users in 3)",
		"GET /v2/users/{sid}, Bearer, user of an organization (300 users in 3)",
		"GET /v2/users/{sid}, session-id, user of an organization (300 users in 3)",
		"GET /v2/users" + in + "one sid, as the organization's admin",
		"GET /v2/users" + in + "exact username, as the organization's admin",
		"GET /v2/users" + in + "tenantIds of one organization (100 users returned), as the cluster's admin",
	}
	if len(got.Figures) != len(want) {
		t.Fatalf("%d figures, want %d:\n%s", len(got.Figures), len(want), out.String())
	}
	for i, r := range got.Figures {
		if r.Scenario != want[i] || r.Value <= 0 || r.Errors != 0 {
			t.Errorf("figure %d = %+v, want %q with a value and no errors", i, r, want[i])
		}
		if strings.HasPrefix(r.Scenario, "GET /v2/users/{sid}") && r.Ratio <= 0 {
			t.Errorf("%s: no ratio to the baseline", r.Scenario)
		}
	}
}
