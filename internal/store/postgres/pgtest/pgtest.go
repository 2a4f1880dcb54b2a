// Package pgtest gives tests a PostgreSQL schema of their own. The server
// is named by the environment variable CLUSTERIAM_TEST_POSTGRES (a
// postgres:// URL); tests that need it skip when it is unset.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// EnvVar names the server tests use.
const EnvVar = "CLUSTERIAM_TEST_POSTGRES"

// ServerDSN returns the DSN in EnvVar, or skips t when it is unset.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn == "" {
		t.Skipf("%s is not set: skipping the PostgreSQL tests (e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvVar, EnvVar)
	}
	return dsn
}

// Schema creates an empty schema that is dropped when t ends, and returns
// a DSN whose connections use it as their search path, so that tests
// running at once never see each other's tables.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := ServerDSN(t)
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, got %q", EnvVar, dsn)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "clusteriam_test_" + hex.EncodeToString(b)
	admin := open(t, dsn)
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		db := open(t, dsn)
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	return stdlib.OpenDB(*cfg)
}

// Analyze refreshes the planner's statistics of the schema that dsn (from
// Schema) uses, as autovacuum would after a bulk load: a benchmark that
// seeds and reads at once would otherwise be planned on empty tables.
func Analyze(t testing.TB, dsn string) {
	t.Helper()
	db := open(t, dsn)
	defer db.Close()
	if _, err := db.Exec(`ANALYZE`); err != nil {
		t.Fatalf("analyze: %v", err)
	}
}

// Dump returns pg_dump's dump of the data in the schema that dsn (from
// Schema) uses, for tests that look for what is stored at rest.
func Dump(t testing.TB, dsn string) []byte {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	if schema == "" {
		t.Fatalf("dsn %q names no schema", dsn)
	}
	q.Del("search_path") // libpq does not take it in a URL
	u.RawQuery = q.Encode()
	out, err := exec.Command("pg_dump", "--data-only", "--schema="+schema, "--dbname="+u.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}
