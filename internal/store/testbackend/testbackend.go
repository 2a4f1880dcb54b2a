// Package testbackend opens, for tests above the store, the backend that
// CLUSTERIAM_TEST_BACKEND names: "sqlite" (the default) or "postgres", so
// that the service and API suites can run on either.
package testbackend

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/sqlite"
)

// EnvVar names the backend.
const EnvVar = "CLUSTERIAM_TEST_BACKEND"

// Backend is an open store and what the tests may do with it.
type Backend struct {
	Store store.Store
	// Name is "sqlite" or "postgres".
	Name string
	// Path is the SQLite file; "" for PostgreSQL.
	Path string
	// Dump returns everything the store holds at rest: the SQLite files,
	// or a pg_dump of the schema.
	Dump func() []byte
	// Reopen opens another store on the same database, as another
	// replica would, closed when t ends.
	Reopen func(t testing.TB) store.Store
	// DSN is the PostgreSQL schema's connection string; "" for SQLite.
	DSN string
}

// closing closes st when t ends, and fails t on err.
func closing(t testing.TB, st store.Store, err error) store.Store {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Open opens a new, empty store of the chosen backend, closed when t ends.
// PostgreSQL gets a schema of its own; without CLUSTERIAM_TEST_POSTGRES the
// test is skipped.
func Open(t testing.TB) *Backend {
	t.Helper()
	ctx := context.Background()
	switch name := os.Getenv(EnvVar); name {
	case "", "sqlite":
		path := filepath.Join(t.TempDir(), "clusteriam.db")
		open := func(t testing.TB) store.Store {
			st, err := sqlite.Open(ctx, path)
			return closing(t, st, err)
		}
		return &Backend{Store: open(t), Name: "sqlite", Path: path, Dump: func() []byte { return readFiles(t, path+"*") }, Reopen: open}
	case "postgres":
		dsn := pgtest.Schema(t)
		open := func(t testing.TB) store.Store {
			st, err := postgres.Open(ctx, dsn, postgres.Options{})
			return closing(t, st, err)
		}
		return &Backend{Store: open(t), Name: "postgres", Dump: func() []byte { return pgtest.Dump(t, dsn) }, Reopen: open, DSN: dsn}
	default:
		t.Fatalf("%s=%q: want sqlite or postgres", EnvVar, name)
		return nil
	}
}

// readFiles concatenates the files matching pattern.
func readFiles(t testing.TB, pattern string) []byte {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	var b bytes.Buffer
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.Bytes()
}
