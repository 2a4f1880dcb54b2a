// Package postgres is the store.Store backend for several replicas: a
// PostgreSQL database, through github.com/jackc/pgx/v5, with the SQL of
// package sqlstore.
//
// Write transactions run at READ COMMITTED and lock the row they update
// (SELECT ... FOR UPDATE), so concurrent updates of one record queue up
// instead of losing one another. Unique and foreign-key constraints decide
// races between replicas: of two creates of one name, exactly one commits.
// A transaction that fails with a serialization failure or a deadlock runs
// again. Reads that take several queries run in one REPEATABLE READ
// snapshot.
//
// Replicas starting together migrate the schema once: each migration's
// transaction holds a transaction-scoped advisory lock keyed by the
// database and schema.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/clusteriam/clusteriam/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockClass is the first key of the advisory lock held while
// migrating; the second is a hash of the database and schema names.
const migrationLockClass = 0x69616d // "iam"

// principalsLockClass is the first key of the advisory lock that
// serialises the transactions checking invariants over principals
// (store.Tx.LockPrincipals); the second is as for migrations.
const principalsLockClass = 0x69616e

// sessionsLockClass is the first key of the advisory lock that
// serialises the log-ins counting sessions against a limit
// (store.Tx.LockSessions); the second is as for migrations.
const sessionsLockClass = 0x69616f

// Options tune the connection pool.
type Options struct {
	// MaxConns bounds the open connections; 0 means DefaultMaxConns.
	MaxConns int
}

// DefaultMaxConns is the pool size when Options.MaxConns is 0.
const DefaultMaxConns = 10

// Store is a store.Store on a PostgreSQL database. It is safe for
// concurrent use.
type Store struct {
	*sqlstore.Store
	db      *sql.DB
	cfg     *pgx.ConnConfig
	channel string // of Publish and Listen
}

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, as libpq takes), checks that it answers, and applies
// the pending schema migrations. It fails with an error wrapping
// store.ErrSchemaTooNew when the database was migrated by a newer binary.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err) // pgx leaves the password out
	}
	n := opts.MaxConns
	if n == 0 {
		n = DefaultMaxConns
	}
	if n < 1 {
		return nil, fmt.Errorf("postgres: pool size %d: want at least 1", n)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	where := fmt.Sprintf("database %q on %s:%d", cfg.Database, cfg.Host, cfg.Port)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", where, err)
	}
	if err := sqlstore.Migrate(ctx, db, dialect(), where); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := ensureTrigrams(ctx, db, where); err != nil {
		_ = db.Close()
		return nil, err
	}
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_database() || '.' || current_schema()").Scan(&schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: %s: %w", where, err)
	}
	// One channel per database and schema: clusters sharing a server do
	// not hear each other.
	channel := fmt.Sprintf("clusteriam_%08x", crc32.ChecksumIEEE([]byte(schema)))
	return &Store{Store: sqlstore.New(dialect(), db, db), db: db, cfg: cfg, channel: channel}, nil
}

// dialect is PostgreSQL's.
func dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:         "postgres",
		Rebind:       rebind,
		IsUnique:     hasCode("23505"),
		IsForeignKey: hasCode("23503"),
		// serialization_failure, deadlock_detected
		IsRetryable:   hasCode("40001", "40P01"),
		IsUnavailable: isUnavailable,
		LockRow:       " FOR UPDATE",
		ReadTx:        &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		Migrations:    migrationFS,
		Trigrams:      sqlstore.TrigramPG,
		LockPrincipals: fmt.Sprintf(
			"SELECT pg_advisory_xact_lock(%d, hashtext(current_database() || '.' || current_schema()))",
			principalsLockClass),
		LockSessions: fmt.Sprintf(
			"SELECT pg_advisory_xact_lock(%d, hashtext(current_database() || '.' || current_schema()))",
			sessionsLockClass),
		// The commit still reaches the WAL in order: a later synchronous
		// commit flushes it too.
		NoSync:           "SET LOCAL synchronous_commit TO OFF",
		MaterializeScope: true,
		PageNamesInline:  true,
		ArrayIn:          true,
		WalkOrder:        [2]string{"SET LOCAL enable_sort = off", "SET LOCAL enable_sort = on"},
		MigrationLock: fmt.Sprintf(
			"SELECT pg_advisory_xact_lock(%d, hashtext(current_database() || '.' || current_schema()))",
			migrationLockClass),
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version BIGINT PRIMARY KEY,
			applied_msecs BIGINT NOT NULL
		)`,
	}
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int64 {
	d := dialect()
	return d.SchemaVersion()
}

// hasCode returns a test of whether an error is a PostgreSQL error with
// one of the SQLSTATE codes given.
func hasCode(codes ...string) func(error) bool {
	return func(err error) bool {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			return false
		}
		for _, c := range codes {
			if pe.Code == c {
				return true
			}
		}
		return false
	}
}

// isUnavailable reports whether err means the server cannot be reached:
// no connection, a connection lost, or the server refusing work while it
// starts, stops or is full (SQLSTATE classes 08 and 57P, and 53300). A
// closed connection is among the errors pgx calls safe to retry.
func isUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "53300"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// rebind rewrites a query written for SQLite: '?' placeholders become $1,
// $2..., json_each over a JSON array becomes jsonb_array_elements_text,
// whose column is also named value, and instr becomes strpos, which takes
// the same arguments; "IN (SELECT value FROM json_each(?))" becomes
// "= ANY(ARRAY(...))". Quoted text is left alone.
func rebind(q string) string {
	// A set-returning function in IN (...) leaves the planner guessing its
	// size, and it may scan a whole table; ARRAY(...) is computed once and
	// compared through the index.
	q = strings.ReplaceAll(q, "IN (SELECT value FROM json_each(?))", "= ANY(ARRAY(SELECT value FROM json_each(?)))")
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		case strings.HasPrefix(q[i:], "json_each("):
			b.WriteString("jsonb_array_elements_text(")
			i += len("json_each(") - 1
			continue
		case strings.HasPrefix(q[i:], "instr("):
			b.WriteString("strpos(")
			i += len("instr(") - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
