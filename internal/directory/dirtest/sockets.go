package dirtest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// endpoint is a port a server binds: "tcp" (listening) or "udp", on any
// local address.
type endpoint struct {
	proto string
	port  int
}

func (e endpoint) String() string { return fmt.Sprintf("%s/%d", e.proto, e.port) }

// boundSockets returns the listening TCP and the bound UDP sockets of this
// network namespace, IPv4 and IPv6, by socket inode, read from /proc/net.
func boundSockets() (map[uint64]endpoint, error) {
	out := map[uint64]endpoint{}
	for _, f := range []struct{ proto, file string }{
		{"tcp", "/proc/net/tcp"}, {"tcp", "/proc/net/tcp6"}, {"udp", "/proc/net/udp"}, {"udp", "/proc/net/udp6"},
	} {
		if err := readSocketTable(f.file, f.proto, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// readSocketTable adds the sockets of one /proc/net table to out. A
// missing table (no IPv6) has no sockets.
func readSocketTable(file, proto string, out map[uint64]endpoint) error {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sockets: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || (proto == "tcp" && fields[3] != tcpListen) {
			continue
		}
		_, portHex, ok := strings.Cut(fields[1], ":")
		port, perr := strconv.ParseUint(portHex, 16, 16)
		inode, ierr := strconv.ParseUint(fields[9], 10, 64)
		if !ok || perr != nil || ierr != nil {
			return fmt.Errorf("sockets: cannot read %s line %q", file, sc.Text())
		}
		out[inode] = endpoint{proto, int(port)}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("sockets: %w", err)
	}
	return nil
}

// groupEndpoints returns what the processes of process group pgid have
// bound, sorted: every port of a server started by startProc, its
// children's included.
func groupEndpoints(pgid int) ([]endpoint, error) {
	socks, err := boundSockets()
	if err != nil {
		return nil, err
	}
	pids, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, fmt.Errorf("sockets: %w", err)
	}
	seen := map[endpoint]bool{}
	for _, dir := range pids {
		if processGroup(dir) != pgid {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join(dir, "fd")) // gone, or a zombie: no sockets
		for _, fd := range fds {
			link, _ := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			inodeText, ok := strings.CutPrefix(link, "socket:[")
			if !ok {
				continue
			}
			inode, _ := strconv.ParseUint(strings.TrimSuffix(inodeText, "]"), 10, 64)
			if e, ok := socks[inode]; ok {
				seen[e] = true
			}
		}
	}
	return sortedEndpoints(seen), nil
}

// processGroup returns the process group of the process /proc/PID, or -1.
func processGroup(procDir string) int {
	b, err := os.ReadFile(filepath.Join(procDir, "stat"))
	if err != nil {
		return -1
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return -1
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 3 {
		return -1
	}
	pgrp, err := strconv.Atoi(fields[2])
	if err != nil {
		return -1
	}
	return pgrp
}

// boundOf returns which of want anything in this network namespace binds.
func boundOf(want []endpoint) ([]endpoint, error) {
	socks, err := boundSockets()
	if err != nil {
		return nil, err
	}
	bound := map[endpoint]bool{}
	for _, e := range socks {
		if slices.Contains(want, e) {
			bound[e] = true
		}
	}
	return sortedEndpoints(bound), nil
}

// missingFrom returns the endpoints of want that are not in have.
func missingFrom(want, have []endpoint) []endpoint {
	var missing []endpoint
	for _, e := range want {
		if !slices.Contains(have, e) {
			missing = append(missing, e)
		}
	}
	return missing
}

// waitReleased waits until no process of group pgid binds a port any more
// (pgid 0: no group to wait for) and nothing binds one of fixed: then a new
// server can bind them all.
func waitReleased(timeout time.Duration, pgid int, fixed []endpoint) error {
	deadline := time.Now().Add(timeout)
	for {
		var held []endpoint
		if pgid > 0 {
			var err error
			if held, err = groupEndpoints(pgid); err != nil {
				return err
			}
		}
		busy, err := boundOf(fixed)
		if err != nil {
			return err
		}
		if len(held) == 0 && len(busy) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ports still bound after %v: %v, of which the stopped server's %v", timeout, busy, held)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sortedEndpoints(set map[endpoint]bool) []endpoint {
	out := make([]endpoint, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b endpoint) int {
		if a.proto != b.proto {
			return strings.Compare(a.proto, b.proto)
		}
		return a.port - b.port
	})
	return out
}
