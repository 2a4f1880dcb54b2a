package postgres

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// TestTrigramsWithoutExtension: a role that may not create pg_trgm, in a
// database without it, still migrates and finds partial names (by a
// scan), and is warned at every start; once an administrator creates the
// extension, the next start builds the indexes. It runs in a database
// and role of its own, since pg_trgm belongs to a whole database. Not
// parallel: it captures the default logger.
func TestTrigramsWithoutExtension(t *testing.T) {
	server := pgtest.ServerDSN(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "clusteriam_test_trgm_" + hex.EncodeToString(b)
	admin := openDB(t, server)
	mustExec(t, admin, "CREATE DATABASE "+name)
	mustExec(t, admin, "CREATE ROLE "+name+" LOGIN")
	t.Cleanup(func() {
		mustExec(t, admin, "DROP DATABASE "+name+" WITH (FORCE)")
		mustExec(t, admin, "DROP ROLE "+name)
	})
	dbAdmin := openDB(t, withURL(t, server, "", name, ""))
	mustExec(t, dbAdmin, "CREATE SCHEMA iam AUTHORIZATION "+name)
	dsn := withURL(t, server, name, name, "iam")

	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	s, err := Open(t.Context(), dsn, Options{})
	must(t, err)
	if !strings.Contains(logs.String(), "no trigram index") {
		t.Errorf("no warning of the missing index; the log:\n%s", logs.String())
	}
	if n, err := countTrigramIndexes(t.Context(), s.db); err != nil || n != 0 {
		t.Errorf("%d trigram indexes (%v), want none", n, err)
	}
	must(t, storetest.Single{Store: s}.CreateUsers(t.Context(), []store.User{
		{SID: "S-1", Domain: "LOCAL", Username: "alice"}, {SID: "S-2", Domain: "LOCAL", Username: "bob"}}))
	got, err := s.ListUsers(t.Context(), store.UserFilter{Usernames: []string{"lic"}, MatchPartialNames: true})
	if err != nil || len(got) != 1 || got[0].SID != "S-1" {
		t.Errorf("users by partial name lic: %v, %v; want S-1", got, err)
	}
	must(t, s.Close())

	mustExec(t, dbAdmin, "CREATE EXTENSION pg_trgm SCHEMA public")
	logs.Reset()
	s, err = Open(t.Context(), dsn, Options{})
	must(t, err)
	defer s.Close()
	if n, err := countTrigramIndexes(t.Context(), s.db); err != nil || n != 2 {
		t.Errorf("%d trigram indexes (%v) once the extension is there, want 2", n, err)
	}
	if strings.Contains(logs.String(), "no trigram index") {
		t.Errorf("a warning with the index there:\n%s", logs.String())
	}
}

// withURL is dsn with another user, database and search path ("": as
// it was, or none).
func withURL(t *testing.T, dsn, user, database, schema string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	must(t, err)
	if user != "" {
		u.User = url.User(user)
	}
	u.Path = "/" + database
	if schema != "" {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	must(t, err)
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
