package main

import (
	"crypto/tls"
	"io"
	"net"
	"net/url"
	"testing"
	"time"
)

// TestSlowClients: a client that dribbles its request headers, or never
// finishes its TLS handshake, loses its connection after the read-header
// timeout instead of holding it forever (slowloris).
func TestSlowClients(t *testing.T) {
	s := startServe(t, map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"},
		"--data-dir", t.TempDir(), "--read-header-timeout", "300ms")
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	closedWithin := func(t *testing.T, c net.Conn, limit time.Duration) {
		t.Helper()
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the server still holds the connection after 5 s")
		}
		if took := time.Since(start); took > limit {
			t.Errorf("the server closed the connection after %v, want within %v", took, limit)
		}
	}
	t.Run("headers one byte at a time", func(t *testing.T) {
		c, err := tls.Dial("tcp", u.Host, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		req := "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
		for i := 0; time.Since(start) < 2*time.Second; i++ {
			if _, err := c.Write([]byte{req[i%len(req)]}); err != nil {
				break // closed: as it should be
			}
			time.Sleep(50 * time.Millisecond)
		}
		if time.Since(start) >= 2*time.Second {
			t.Fatal("the server kept reading a header dribbled for 2 s")
		}
		closedWithin(t, c, time.Second)
	})
	t.Run("TLS handshake never finished", func(t *testing.T) {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		closedWithin(t, c, 2*time.Second)
	})
}
