package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestServeLogLinesAreJSON runs the real binary and logs in with a
// username built to forge an audit line: line breaks, a whole JSON record,
// a Unicode line separator. Every line of the server's stderr must still be
// one JSON record (or one of the plain "clusteriam: " start-up lines), no
// forged record may appear, and the audit line must name the failure, with
// the time it happened, by the tag of a name no account has: never the
// name itself, which may be a password typed in the wrong field.
func TestServeLogLinesAreJSON(t *testing.T) {
	bin := buildBinary(t)
	srv := newReplica(t, "L", bin, "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1", envDatabase+"=")
	srv.start(t)
	const forged = `{"time":"2030-01-01T00:00:00Z","level":"INFO","msg":"change","audit":"forged","outcome":"success"}`
	hostile := "mallory\n" + forged + "\r\n" + forged + "\u2028x"
	if code, body := srv.call(insecureClient(), "POST", "/v2/access-tokens", header{}, loginBody(hostile, "Wrong-Password-1")); code != 401 {
		t.Fatalf("log-in as the hostile name: %d %s, want 401", code, body)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(srv.log.String(), `"audit":"LoginFailed"`); {
		if time.Now().After(deadline) {
			t.Fatalf("no audit line for the failed log-in:\n%s", srv.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.stop(t) // every line is in srv.log once the process has exited

	found := false
	for _, line := range strings.Split(strings.TrimSpace(srv.log.String()), "\n") {
		if strings.HasPrefix(line, "clusteriam: ") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line is not a JSON record (%v): %q", err, line)
			continue
		}
		if rec["audit"] == "forged" {
			t.Errorf("a forged audit record made it into the log: %s", line)
		}
		if strings.Contains(line, "mallory") {
			t.Errorf("a log line holds the name tried: %s", line)
		}
		name, _ := rec["name"].(string)
		if rec["audit"] == "LoginFailed" && strings.HasPrefix(name, `LOCAL\unknown user (len `) && rec["outcome"] == "failure" && rec["ip"] == "127.0.0.1" {
			found = true
			// When it happened, to the millisecond, and with the zone.
			at, _ := rec["time"].(string)
			if ts, err := time.Parse(time.RFC3339Nano, at); err != nil || time.Since(ts) > time.Minute || time.Since(ts) < 0 {
				t.Errorf("audit record time %q: want an RFC 3339 time of the last minute (%v)", at, err)
			}
		}
	}
	if !found {
		t.Errorf("no audit record names the failed log-in by its tag:\n%s", srv.log)
	}
}
