// Package sqlite is the embedded store.Store backend: an SQLite database
// file, through the pure-Go driver modernc.org/sqlite, with the SQL of
// package sqlstore.
//
// The database runs in WAL mode with synchronous=FULL, so every write that
// returns nil has reached stable storage. All writes go through one
// connection (BEGIN IMMEDIATE transactions, serialised in this process);
// reads use a separate pool of query-only connections and run concurrently
// with a write, each on its own consistent snapshot.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/clusteriam/clusteriam/internal/store/sqlstore"
)

// busyTimeoutMsecs bounds how long a connection waits for a lock held by
// another process before failing with SQLITE_BUSY.
const busyTimeoutMsecs = 10000

//go:embed migrations/*.sql
var migrationFS embed.FS

// dialect is SQLite's: queries are written for it already, and writes are
// serialised by the single writer connection, so rows need no locks.
func dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:         "sqlite",
		IsUnique:     isUnique,
		IsForeignKey: isForeignKey,
		// modernc's driver compiles every query it is given afresh.
		CacheStatements: true,
		Migrations:      migrationFS,
		Trigrams:        sqlstore.TrigramFTS5,
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			applied_msecs INTEGER NOT NULL
		) STRICT`,
		// A migration that rebuilds a table others reference runs with
		// foreign keys off (SQLite's twelve steps of ALTER TABLE).
		SetForeignKeys:  setForeignKeys,
		ForeignKeyCheck: "PRAGMA foreign_key_check",
	}
}

// Store is a store.Store on one SQLite database file. It is safe for
// concurrent use.
type Store struct {
	*sqlstore.Store
	path string
	w    *sql.DB // one connection; every write transaction
	r    *sql.DB // query-only connections for reads
}

// Open opens the database at path, creating the file with mode 0600 when it
// is absent, and applies the pending schema migrations. It fails with an
// error wrapping store.ErrSchemaTooNew when the database was migrated by a
// newer binary.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: database path %q: %w", path, err)
	}
	if err := createFile(abs); err != nil {
		return nil, err
	}
	s := &Store{path: abs}
	if s.w, err = sql.Open("sqlite", writerDSN(abs)); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.setupRetrying(ctx); err != nil {
		_ = s.w.Close()
		return nil, err
	}
	if s.r, err = sql.Open("sqlite", readerDSN(abs)); err != nil {
		_ = s.w.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", abs, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	s.Store = sqlstore.New(dialect(), s.w, s.r)
	if err := s.r.PingContext(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", abs, err)
	}
	return s, nil
}

// setupRetrying runs setup, again while another process holds the lock
// that switching to WAL mode or migrating needs (SQLite answers BUSY at
// once there rather than wait), for up to the busy timeout.
func (s *Store) setupRetrying(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeoutMsecs * time.Millisecond)
	for {
		err := s.setup(ctx)
		if err == nil || sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// setup checks the writer connection's settings and migrates the schema.
func (s *Store) setup(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("sqlite: open %s: journal_mode is %q, want wal", s.path, mode)
	}
	return sqlstore.Migrate(ctx, s.w, dialect(), s.path)
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int64 {
	d := dialect()
	return d.SchemaVersion()
}

// createFile creates the database file with mode 0600 unless it exists, so
// that SQLite (which gives the -wal and -shm files the database file's mode)
// never creates it world-readable.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return nil
}

// fileURI renders path as a "file:" URI, escaping the characters ('?', '#',
// '%') that would otherwise end or alter the name.
func fileURI(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

func writerDSN(path string) string {
	return fileURI(path) + "?_pragma=busy_timeout(" + fmt.Sprint(busyTimeoutMsecs) + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)" +
		"&_txlock=immediate"
}

func readerDSN(path string) string {
	return fileURI(path) + "?_pragma=busy_timeout(" + fmt.Sprint(busyTimeoutMsecs) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=query_only(1)"
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// sqliteCode returns the extended result code of an SQLite error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// setForeignKeys turns the enforcement of foreign keys on or off on conn,
// and checks that it took: SQLite ignores the pragma inside a
// transaction, and says nothing.
func setForeignKeys(ctx context.Context, conn *sql.Conn, on bool) error {
	want := 0
	if on {
		want = 1
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA foreign_keys = %d", want)); err != nil {
		return fmt.Errorf("sqlite: set foreign_keys to %d: %w", want, err)
	}
	var got int
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&got); err != nil {
		return fmt.Errorf("sqlite: read foreign_keys: %w", err)
	}
	if got != want {
		return fmt.Errorf("sqlite: foreign_keys is %d after setting it to %d", got, want)
	}
	return nil
}
