package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// wrkOutput is what wrk 4.1 prints with the bench's script: its text for
// people, then the script's line.
const wrkOutput = `Running 1s test @ https://127.0.0.1:40123/v2/users/S-1
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   130.21us  201.45us   8.12ms   97.61%
    Req/Sec    15.21k     1.02k   16.70k    71.43%
  30420 requests in 1.00s, 14.21MB read
  Non-2xx or 3xx responses: 7
Requests/sec:  30398.12
Transfer/sec:     14.20MB
BENCH-WRK requests=30420 duration_us=1000712 bytes=14900123 connect=0 read=2 write=0 timeout=1 status=7 p50_us=98 p99_us=870
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{Requests: 30420, DurationUs: 1000712, Bytes: 14900123, Read: 2, Timeout: 1, Status: 7, P50Us: 98, P99Us: 870}
	if r != want {
		t.Errorf("parseWrk = %+v, want %+v", r, want)
	}
	s := r.stats()
	if s.N != 30413 || s.Errors != 10 || s.P50 != 98*time.Microsecond || s.Elapsed != 1000712*time.Microsecond ||
		!strings.Contains(s.FirstErr, "7 responses above 399") {
		t.Errorf("stats = %+v", s)
	}
	for name, out := range map[string]string{
		"no line":       strings.Split(wrkOutput, "BENCH-WRK")[0],
		"a field short": strings.Replace(wrkOutput, " p99_us=870", "", 1),
		"unknown field": strings.Replace(wrkOutput, "p99_us=870", "p99_us=870 p999_us=2", 1),
		"not a number":  strings.Replace(wrkOutput, "status=7", "status=seven", 1),
	} {
		if _, err := parseWrk(out); err == nil {
			t.Errorf("%s: parseWrk succeeded", name)
		}
	}
}

// TestWrkRun drives a TLS server with the real wrk and the bench's
// script: the header reaches the server, and wrk's counts are the
// server's. Without wrk it skips, saying so, unless
// CLUSTERIAM_WRK_TESTS=required (.ci/run), when it fails.
func TestWrkRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs wrk for two seconds")
	}
	if _, err := exec.LookPath("wrk"); err != nil && os.Getenv("CLUSTERIAM_WRK_TESTS") != "required" {
		t.Skip("wrk is not installed (Debian package wrk); CLUSTERIAM_WRK_TESTS=required makes this a failure")
	}
	var served, refused atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("apiKey") != "the-secret" {
			refused.Add(1)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		served.Add(1)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	w, err := newWrkRunner(t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.once(srv.URL, [2]string{"apiKey", "the-secret"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Errors() != 0 || r.Requests > served.Load() || refused.Load() != 0 || r.P50Us <= 0 {
		t.Errorf("with the key: wrk %+v, server served %d, refused %d", r, served.Load(), refused.Load())
	}
	r, err = w.once(srv.URL, [2]string{}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Status != r.Requests || r.Requests > refused.Load() {
		t.Errorf("without it: wrk %+v, server refused %d", r, refused.Load())
	}
}
