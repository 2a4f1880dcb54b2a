package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/tlscert"
)

// The baseline is the ceiling a Go HTTPS server reaches on this machine: a
// bare net/http TLS server, in a process of its own as the target is,
// that answers every request with the same JSON bytes as the endpoint
// measured. Throughputs are given as ratios to it.

// serveBaselineFlag makes the bench binary serve the baseline instead.
const serveBaselineFlag = "-serve-baseline"

// serveBaseline serves the bytes of file on a free port over TLS, prints
// its URL and serves until killed.
func serveBaseline(file string) error {
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	// The same kind of self-signed certificate as the target's.
	cert, err := tlscert.LoadOrCreate(filepath.Dir(file), "", "")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Printf("baseline https://%s\n", ln.Addr())
	return srv.ServeTLS(ln, "", "")
}

// baseline is a running baseline server process.
type baseline struct {
	cmd *exec.Cmd
	url string
}

// startBaseline runs this binary as a baseline serving body.
func startBaseline(dir string, body []byte) (*baseline, error) {
	file := dir + "/baseline.json"
	if err := os.WriteFile(file, body, 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, serveBaselineFlag, file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "baseline "); ok {
			return &baseline{cmd: cmd, url: u}, nil
		}
	}
	_ = cmd.Process.Kill()
	return nil, fmt.Errorf("the baseline server did not start: %v", cmd.Wait())
}

func (b *baseline) stop() {
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
}
