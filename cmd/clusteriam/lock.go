package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockStore takes an exclusive lock on the SQLite database at path (a
// file beside it, path+".lock"), so that a second server on the same data
// dir stops at once, naming the first. SQLite stores serve one process:
// two would each trust credentials the other revoked, and fight over the
// file. The lock goes with the process, however it ends; release lets it
// go before.
func lockStore(path string) (release func(), err error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(name)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another clusteriam (process %s) serves the store %s: stop it first, or give this one another --data-dir",
				strings.TrimSpace(string(holder)), path)
		}
		return nil, fmt.Errorf("lock the store %s: %w", name, err)
	}
	// Who holds it, for the next one to name; the lock, not this text, is
	// what counts.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { _ = f.Close() }, nil
}
