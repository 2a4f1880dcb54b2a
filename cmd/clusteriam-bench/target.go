package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// adminPassword is the first admin's password on every store the bench
// makes.
const adminPassword = "Bench-Admin-Password-1"

var servingRe = regexp.MustCompile(`serving (https?://\S+) `)

// target is a running clusteriam server under test.
type target struct {
	cmd     *exec.Cmd
	url     string
	dataDir string
	args    []string // how it was started, to start it again
	exited  chan error
	stopped bool // exited has been read: stop has nothing to wait for
	log     *os.File
}

// startTarget runs `clusteriam serve` (the binary bin, or `go run
// ./cmd/clusteriam` when bin is empty) on a free port with the store in
// dataDir, with more flags, and waits for it to serve. It returns the
// time that took.
func startTarget(bin, dataDir, database string, more []string) (*target, time.Duration, error) {
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "WARN"}, more...)
	if database != "" {
		args = append(args, "--database", database, "--secret-key-file", filepath.Join(dataDir, "..", "secret.key"))
	}
	t := &target{dataDir: dataDir, args: args}
	d, err := t.start(bin)
	return t, d, err
}

func (t *target) start(bin string) (time.Duration, error) {
	if bin == "" {
		t.cmd = exec.Command("go", append([]string{"run", "./cmd/clusteriam"}, t.args...)...)
	} else {
		t.cmd = exec.Command(bin, t.args...)
	}
	t.cmd.Env = append(os.Environ(), "CLUSTERIAM_ADMIN_PASSWORD="+adminPassword)
	t.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // go run's child dies with it
	log, err := os.Create(filepath.Join(t.dataDir, "..", "server.log"))
	if err != nil {
		return 0, err
	}
	t.log = log
	// The serving line is on stdout, the logs on stderr: both, in order,
	// on one pipe and into the log.
	out, err := t.cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	t.cmd.Stderr = t.cmd.Stdout
	begin := time.Now()
	if err := t.cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", t.cmd.Path, err)
	}
	t.exited, t.stopped = make(chan error, 1), false
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			if m := servingRe.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		t.exited <- t.cmd.Wait()
	}()
	select {
	case t.url = <-urlc:
	case err := <-t.exited:
		t.stopped = true
		return 0, fmt.Errorf("the server exited: %v (log: %s)", err, log.Name())
	case <-time.After(5 * time.Minute):
		t.stop()
		return 0, fmt.Errorf("the server did not start (log: %s)", log.Name())
	}
	// Serving means listening; ready means answering.
	c := newClient(1)
	for {
		res, err := c.Get(t.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(begin), nil
}

// stop ends the server with SIGTERM and waits for it.
func (t *target) stop() {
	// A second call, as a deferred stop after a failed restart, must not
	// wait for an exit already read.
	if t.cmd == nil || t.cmd.Process == nil || t.stopped {
		return
	}
	t.stopped = true
	_ = syscall.Kill(-t.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-t.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-t.cmd.Process.Pid, syscall.SIGKILL)
		<-t.exited
	}
	_ = t.log.Close()
}

// serverPID is the pid of the clusteriam process itself: the command's,
// or under `go run` the child the go tool started (from any of its
// threads).
func (t *target) serverPID() int {
	pid := t.cmd.Process.Pid
	if t.cmd.Args[0] != "go" {
		return pid
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		if kids := strings.Fields(string(b)); len(kids) > 0 {
			if child, err := strconv.Atoi(kids[len(kids)-1]); err == nil {
				return child
			}
		}
	}
	return pid
}

// memoryOf returns the resident set of process pid and its peak
// (VmRSS, VmHWM), in bytes; zero when it cannot be read.
func memoryOf(pid int) (rss, peak int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// newClient is an HTTPS client keeping up to conns connections alive.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Minute,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, // the target's certificate is self-signed
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// drain reads and closes a response body so its connection is reused.
func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
}
