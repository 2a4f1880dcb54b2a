package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// openTemp opens a store on a new file in a temporary directory.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "iam.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func pragma[T any](t *testing.T, db *sql.DB, name string) T {
	t.Helper()
	var v T
	must(t, db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v))
	return v
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	if m := pragma[string](t, s.w, "journal_mode"); m != "wal" {
		t.Errorf("writer journal_mode = %q, want wal", m)
	}
	if v := pragma[int](t, s.w, "synchronous"); v != 2 {
		t.Errorf("writer synchronous = %d, want 2 (FULL)", v)
	}
	if v := pragma[int](t, s.w, "foreign_keys"); v != 1 {
		t.Errorf("writer foreign_keys = %d, want 1", v)
	}
	if v := pragma[int](t, s.w, "busy_timeout"); v != busyTimeoutMsecs {
		t.Errorf("writer busy_timeout = %d, want %d", v, busyTimeoutMsecs)
	}
	if m := pragma[string](t, s.r, "journal_mode"); m != "wal" {
		t.Errorf("reader journal_mode = %q, want wal", m)
	}
	if v := pragma[int](t, s.r, "query_only"); v != 1 {
		t.Errorf("reader query_only = %d, want 1", v)
	}
	if v := pragma[int](t, s.r, "busy_timeout"); v != busyTimeoutMsecs {
		t.Errorf("reader busy_timeout = %d, want %d", v, busyTimeoutMsecs)
	}
	if _, err := s.r.ExecContext(t.Context(), "UPDATE meta SET value = 0"); err == nil {
		t.Error("a write through the reader pool succeeded")
	}
	if n := s.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer pool allows %d connections, want 1", n)
	}
	if n := s.r.Stats().MaxOpenConnections; n < 2 {
		t.Errorf("reader pool allows %d connections, want several", n)
	}
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iam.db")
	s, err := Open(t.Context(), path)
	must(t, err)
	defer s.Close()
	must(t, storetest.Single{Store: s}.CreateRole(t.Context(), store.Role{Name: "r"})) // make the WAL exist
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		must(t, err)
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), m)
		}
	}
}

// TestOddPath: a name with URI metacharacters is the file opened.
func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir#1")
	must(t, os.Mkdir(dir, 0o700))
	path := filepath.Join(dir, "iam?x=1&y%20.db")
	s, err := Open(t.Context(), path)
	must(t, err)
	must(t, storetest.Single{Store: s}.CreateRole(t.Context(), store.Role{Name: "r"}))
	must(t, s.Close())
	entries, err := os.ReadDir(dir)
	must(t, err)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "iam?x=1&y%20.db") {
			t.Errorf("unexpected file %q beside the database", e.Name())
		}
	}
	s, err = Open(t.Context(), path)
	must(t, err)
	defer s.Close()
	if _, err := s.GetRole(t.Context(), "r"); err != nil {
		t.Errorf("role after reopen: %v", err)
	}
}

func TestIntegrity(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	defer s.Close()
	must(t, storetest.Single{Store: s}.CreateRole(ctx, store.Role{Name: "admin"}))
	var users []store.User
	for i := range 50 {
		users = append(users, store.User{SID: fmt.Sprint("S-", i), Domain: "LOCAL",
			Username: fmt.Sprint("u", i), Roles: []string{"admin"}})
	}
	must(t, storetest.Single{Store: s}.CreateUsers(ctx, users))
	must(t, storetest.Single{Store: s}.CreateGroups(ctx, []store.Group{{SID: "G", Domain: "LOCAL", Name: "g",
		Members: []string{"S-1", "S-2"}, Roles: []string{"admin"}}}))
	must(t, storetest.Single{Store: s}.DeleteUsers(ctx, []string{"S-1", "S-3"}))
	if v := pragma[string](t, s.w, "integrity_check"); v != "ok" {
		t.Errorf("integrity_check = %q", v)
	}
	rows, err := s.w.QueryContext(ctx, "PRAGMA foreign_key_check")
	must(t, err)
	defer rows.Close()
	if rows.Next() {
		t.Error("foreign_key_check reports violations")
	}
}

// TestReadDuringWrite: a read is not blocked by an open write transaction
// and sees the last committed state.
func TestReadDuringWrite(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	defer s.Close()
	must(t, storetest.Single{Store: s}.CreateUsers(ctx, []store.User{{SID: "S-1", Domain: "LOCAL", Username: "bob"}}))
	_, err := storetest.Single{Store: s}.UpdateUser(ctx, "S-1", func(u store.User) (store.User, error) {
		u.Description = "uncommitted"
		read := make(chan error, 1)
		go func() {
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			got, err := s.GetUser(rctx, "S-1")
			if err == nil && got.Description != "" {
				err = fmt.Errorf("read saw %q before commit", got.Description)
			}
			read <- err
		}()
		return u, <-read
	})
	must(t, err)
}

func TestMigrationsEmbedded(t *testing.T) {
	entries, err := migrationFS.ReadDir("migrations")
	must(t, err)
	if len(entries) == 0 || SchemaVersion() != int64(len(entries)) {
		t.Errorf("%d migrations embedded, SchemaVersion %d", len(entries), SchemaVersion())
	}
}

// TestRepeatedReferences: a role or member named twice is stored once.
func TestRepeatedReferences(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	defer s.Close()
	must(t, storetest.Single{Store: s}.CreateRole(ctx, store.Role{Name: "a"}))
	must(t, storetest.Single{Store: s}.CreateRole(ctx, store.Role{Name: "b"}))
	must(t, storetest.Single{Store: s}.CreateUsers(ctx, []store.User{{SID: "S-1", Domain: "LOCAL", Username: "bob",
		Roles: []string{"b", "a", "b"}}}))
	must(t, storetest.Single{Store: s}.CreateGroups(ctx, []store.Group{{SID: "G", Domain: "LOCAL", Name: "g",
		Roles: []string{"a", "a"}, Members: []string{"S-1", "S-1"}}}))
	u, err := s.GetUser(ctx, "S-1")
	must(t, err)
	g, err := s.GetGroup(ctx, "G")
	must(t, err)
	if fmt.Sprint(u.Roles, g.Roles, g.Members) != "[b a] [a] [S-1]" {
		t.Errorf("user roles %q, group roles %q, members %q", u.Roles, g.Roles, g.Members)
	}
}

// TestOpenDuringWrite opens a store, up to date, while another
// connection holds its write lock: opening must not wait for the lock
// (Migrate and the re-keying read first, and write only when there is
// something to do), or a restart would wait out a long write, up to the
// busy timeout of 10 s.
func TestOpenDuringWrite(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "iam.db")
	s, err := Open(ctx, path)
	must(t, err)
	defer s.Close()
	must(t, storetest.Single{Store: s}.CreateUsers(ctx, []store.User{{SID: "S-1", Domain: "LOCAL", Username: "bob"}}))
	_, err = storetest.Single{Store: s}.UpdateUser(ctx, "S-1", func(u store.User) (store.User, error) {
		start := time.Now()
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		again, err := Open(octx, path)
		if err != nil {
			return u, fmt.Errorf("open during a write, after %v: %w", time.Since(start), err)
		}
		defer again.Close()
		if took := time.Since(start); took > 2*time.Second {
			return u, fmt.Errorf("open during a write took %v: it waited for the write lock", took)
		}
		return u, nil
	})
	must(t, err)
}
