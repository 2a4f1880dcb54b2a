package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlotFromJSON redraws testdata/curve.json, a small report of three
// sizes, into a PNG and its table, and checks the exponents and verdicts:
// a flat lookup, a lookup growing as n, a whole list growing as n, a
// throughput falling tenfold, memory growing slower than n.
func TestPlotFromJSON(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "curve.png")
	if err := run([]string{"--from-json", "testdata/curve.json", "--plot", out}, &bytes.Buffer{}); err != nil {
		t.Fatalf("run --from-json: %v", err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", out, err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 400 {
		t.Errorf("the plot is %v, too small for four panels", b)
	}
	md, err := os.ReadFile(filepath.Join(dir, "curve.md"))
	if err != nil {
		t.Fatal(err)
	}
	table := string(md)
	for _, want := range []string{
		"| figure | unit | 10k | 100k | 1M | exponent | growth |",
		"| GET /v2/users, one sid | ms p50 | 0.20 | 0.20 | 0.20 | 0.00 | O(log n) or better |",
		"| GET /v2/users, partial username (10 matches) | ms p50 | 1.00 | 10.0 | 100 | 1.00 | **worse than O(log n)** |",
		"| GET /v2/users, all users: total | ms p50 | 100 | 1000 | 10000 | 1.00 | O(n) or better (grows with the answer) |",
		"| create_users, 1,000 per request, no passwords | users/s | 20000 | 20000 | 2000 | 1.00 | **worse than O(log n)** |",
		"| server RSS at rest | MB | 50.0 | 100 | 250 | 0.40 | O(n) or better (grows with the answer) |",
		"| bad: 100 usernames in one filter | ms p50 | | | 3.00 | | |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks\n%s\nin\n%s", want, table)
		}
	}
	if strings.Contains(table, "GET /v2/users/{sid}, apiKey") {
		t.Errorf("a figure of one size only (auth) is on the curve:\n%s", table)
	}
}

// TestFromJSONNeedsPlot: --from-json alone has nothing to do.
func TestFromJSONNeedsPlot(t *testing.T) {
	if err := run([]string{"--from-json", "testdata/curve.json"}, &bytes.Buffer{}); err == nil {
		t.Error("--from-json without --plot succeeded")
	}
}

func TestParseSizes(t *testing.T) {
	got, err := parseSizes("10k,100k,1M")
	if err != nil || len(got) != 3 || got[0] != 10_000 || got[1] != 100_000 || got[2] != 1_000_000 {
		t.Errorf("parseSizes(10k,100k,1M) = %v, %v", got, err)
	}
	for _, bad := range []string{"100k,10k", "10k,10k", "x", "0", "-5k", ""} {
		if _, err := parseSizes(bad); err == nil {
			t.Errorf("parseSizes(%q) succeeded", bad)
		}
	}
	for n, want := range map[int]string{10_000: "10k", 1_000_000: "1M", 1500: "1500", 2_500_000: "2500k"} {
		if got := sizeName(n); got != want {
			t.Errorf("sizeName(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestPlotNothingToDraw: a curve with a zero (no log scale for it) and
// panels with no curve at all still give a PNG and a table.
func TestPlotNothingToDraw(t *testing.T) {
	out := filepath.Join(t.TempDir(), "zero.png")
	rep := report{Store: "SQLite", Figures: []row{
		{Scenario: "a", Figure: "GET /v2/users, one sid", Size: 10_000, Value: 0, Unit: "ms p50"},
		{Scenario: "b", Figure: "GET /v2/users, one sid", Size: 100_000, Value: 0.3, Unit: "ms p50"},
	}}
	if err := drawReports([]report{rep}, out); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(filepath.Dir(out), "zero.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "| GET /v2/users, one sid | ms p50 | 0.00 | 0.30 | | |"; !strings.Contains(string(md), want) {
		t.Errorf("the table lacks %q:\n%s", want, md)
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	if got := strings.Join(labels(0.3, 120), " "); got != "0.5 1 2 5 10 20 50 100" {
		t.Errorf("labels over three decades: %s", got)
	}
	if got := strings.Join(labels(2300, 7800), " "); got != "3000 4000 5000 6000 7000" {
		t.Errorf("labels within a decade: %s", got)
	}
}

// TestPlotTwoStores redraws two runs, one per store, into one PNG of
// twice the height and one file of both tables.
func TestPlotTwoStores(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/curve.json")
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	rep.Store = "PostgreSQL"
	pg, _ := json.Marshal(rep)
	pgFile := filepath.Join(dir, "pg.json")
	if err := os.WriteFile(pgFile, pg, 0o644); err != nil {
		t.Fatal(err)
	}
	heights := map[string]int{}
	for name, from := range map[string]string{"one": "testdata/curve.json", "two": "testdata/curve.json," + pgFile} {
		out := filepath.Join(dir, name+".png")
		if err := run([]string{"--from-json", from, "--plot", out}, &bytes.Buffer{}); err != nil {
			t.Fatalf("run --from-json %s: %v", from, err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s is not a PNG: %v", out, err)
		}
		heights[name] = img.Bounds().Dy()
	}
	if heights["two"] < 2*heights["one"]-2 {
		t.Errorf("two stores drew %d pixels high, one store %d: want twice", heights["two"], heights["one"])
	}
	md, err := os.ReadFile(filepath.Join(dir, "two.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"the scaling curve, SQLite", "the scaling curve, PostgreSQL"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("the tables lack %q:\n%s", want, md)
		}
	}
}
