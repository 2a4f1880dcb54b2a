package main

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestServeHeaderLimit: past --max-header-bytes the real server answers
// 431 with the Error JSON, over HTTP/1.1 and HTTP/2; below it the request
// is served. Past twice the limit net/http's own plain-text 431 is the
// backstop (docs/guarantees.md, "Hostile input").
func TestServeHeaderLimit(t *testing.T) {
	// Large enough that twice it is well past the few KiB of slack net/http
	// allows above its own limit.
	const limit = 32 << 10
	s := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"},
		"--data-dir", t.TempDir(), "--max-header-bytes", strconv.Itoa(limit))
	// A tls.Config each: the HTTP/2 transport adds "h2" to the one it has.
	clients := map[string]*http.Client{
		"HTTP/1.1": {Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
		"HTTP/2":   {Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}},
	}
	cases := []struct {
		name   string
		size   int
		status int
	}{
		{"under the limit", limit - 1000, 200},
		{"just over the limit", limit + 100, 431},
		{"near twice the limit", 2*limit - 1000, 431},
	}
	major := map[string]int{"HTTP/1.1": 1, "HTTP/2": 2}
	for proto, c := range clients {
		for _, tc := range cases {
			t.Run(proto+"/"+tc.name, func(t *testing.T) {
				status, ct, body, got := getWithHeader(t, c, s.url+"/v2/roles", tc.size)
				if got != major[proto] {
					t.Fatalf("served over HTTP/%d", got)
				}
				if tc.status == 200 {
					// Served, so 401 here: no credentials were sent.
					if status != 401 {
						t.Fatalf("status %d: %s", status, body)
					}
					return
				}
				if status != tc.status {
					t.Fatalf("status %d, want %d: %.200s", status, tc.status, body)
				}
				var e struct{ ErrorCode, Message string }
				if err := json.Unmarshal(body, &e); err != nil || ct != "application/json" || e.ErrorCode != "RequestHeaderFieldsTooLarge" || !strings.Contains(e.Message, strconv.Itoa(limit)) {
					t.Fatalf("not the Error JSON (%v, %s): %.200s", err, ct, body)
				}
			})
		}
	}
	t.Run("backstop past twice the limit", func(t *testing.T) {
		status, _, body, _ := getWithHeader(t, clients["HTTP/1.1"], s.url+"/v2/roles", 4*limit)
		if status != 431 {
			t.Fatalf("status %d: %.200s", status, body)
		}
	})
}

// getWithHeader sends GET url with one header of about size bytes.
func getWithHeader(t *testing.T, c *http.Client, url string, size int) (status int, ctype string, body []byte, protoMajor int) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padding", strings.Repeat("p", size))
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), body, res.ProtoMajor
}
