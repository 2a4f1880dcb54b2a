package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// migration is one schema step, numbered by its file name (0001_init.sql
// is version 1).
type migration struct {
	version int64
	name    string
	sql     string
	// foreignKeysOff: the migration runs with foreign keys off, as its
	// first line (foreignKeysOffLine) asks; see applyMigration.
	foreignKeysOff bool
}

// foreignKeysOffLine, as the first line of a migration, has it run with
// foreign keys off: one that rebuilds a table others reference (SQLite's
// way to change a table's constraints) would otherwise delete, by
// cascade, the rows that reference it when it drops the old table.
const foreignKeysOffLine = "-- foreign_keys: off"

// migrations returns the dialect's migrations in version order. Versions
// must run 1, 2, 3... without gaps or repeats.
func (d *Dialect) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(d.Migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("%s: migrations: %w", d.Name, err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("%s: migration %s: name must be NNNN_name.sql", d.Name, e.Name())
		}
		b, err := fs.ReadFile(d.Migrations, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("%s: migration %s: %w", d.Name, e.Name(), err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		m := migration{version: v, name: e.Name(), sql: string(b),
			foreignKeysOff: strings.TrimSpace(first) == foreignKeysOffLine}
		if m.foreignKeysOff && (d.SetForeignKeys == nil || d.ForeignKeyCheck == "") {
			return nil, fmt.Errorf("%s: migration %s: asks for foreign keys off, which the dialect cannot do", d.Name, e.Name())
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != int64(i+1) {
			return nil, fmt.Errorf("%s: migration %s: version %d, want %d", d.Name, m.name, m.version, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("%s: no migrations", d.Name)
	}
	return ms, nil
}

// SchemaVersion is the newest schema version the dialect's migrations
// reach, or 0 when they are malformed (Migrate then says how).
func (d *Dialect) SchemaVersion() int64 {
	ms, err := d.migrations()
	if err != nil {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate brings the schema of db up to the dialect's newest migration,
// one transaction per migration, and refuses (store.ErrSchemaTooNew) a
// database migrated further. Processes migrating one database at once
// apply each migration once: each transaction first takes the dialect's
// MigrationLock, then reads the version; an up-to-date database is
// seen as such without them (upToDate). Then the keys and skeletons of
// names are brought up to this binary's (rekey). where names the database
// in errors.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, where string) error {
	d = d.complete()
	ms, err := d.migrations()
	if err != nil {
		return err
	}
	newest := ms[len(ms)-1].version
	if upToDate(ctx, db, newest) {
		return rekey(ctx, db, &d, where)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, db, &d, where, m, newest); err != nil {
			return err
		}
	}
	return rekey(ctx, db, &d, where)
}

// upToDate reports whether db has every migration up to newest and none
// past it, read once without the migration lock: at every start but the
// first after an upgrade, that is all Migrate has to learn, and a
// transaction per migration, each under the lock, cost every start on
// PostgreSQL a round trip or more per migration, and on SQLite the
// write lock. Versions only grow, so nothing read here at newest needs
// applying; any other answer, or none (no table yet), is left to the
// migrations' transactions.
func upToDate(ctx context.Context, db *sql.DB, newest int64) bool {
	var cur int64
	err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur)
	return err == nil && cur == newest
}

// applyMigration applies m in its own transaction unless the database has
// it already. A migration that asks for foreign keys off runs on a
// connection of its own, on which the dialect turns them off before the
// transaction (SQLite ignores the switch inside one) and on again after
// it, whatever happened; its transaction commits only when the dialect's
// ForeignKeyCheck finds every reference whole.
func applyMigration(ctx context.Context, db *sql.DB, d *Dialect, where string, m migration, newest int64) error {
	if !m.foreignKeysOff {
		return migrateTx(ctx, db, d, where, m, newest)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %s: migration %s: take a connection: %w", d.Name, where, m.name, err)
	}
	defer conn.Close()
	what := fmt.Sprintf("%s: %s: migration %s", d.Name, where, m.name)
	return withForeignKeysOff(ctx, conn, d, what, func() error {
		return migrateTx(ctx, conn, d, where, m, newest)
	})
}

// withForeignKeysOff runs fn with foreign keys off on conn, and turns them
// on again however fn ended. A connection that cannot be turned back is
// closed rather than returned to the pool: later writes on it would go
// unchecked. what names the migration in errors.
func withForeignKeysOff(ctx context.Context, conn *sql.Conn, d *Dialect, what string, fn func() error) (err error) {
	defer func() {
		// Even when ctx is done: the connection goes back to the pool.
		if onErr := d.SetForeignKeys(context.WithoutCancel(ctx), conn, true); onErr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // discards it
			err = errors.Join(err, fmt.Errorf("%s: turn foreign keys on again: %w", what, onErr))
		}
	}()
	if err := d.SetForeignKeys(ctx, conn, false); err != nil {
		return fmt.Errorf("%s: turn foreign keys off: %w", what, err)
	}
	return fn()
}

// beginner is a *sql.DB or a *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// migrateTx applies m in a transaction of b, after taking the migration
// lock and reading the version, unless the database has it already.
func migrateTx(ctx context.Context, b beginner, d *Dialect, where string, m migration, newest int64) error {
	// Read committed: the version must be read after the lock is held, not
	// from a snapshot taken before it.
	tx, err := b.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelDefault})
	if err != nil {
		return fmt.Errorf("%s: %s: begin migration: %w", d.Name, where, err)
	}
	defer func() { _ = tx.Rollback() }()
	if d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.MigrationLock); err != nil {
			return fmt.Errorf("%s: %s: take the migration lock: %w", d.Name, where, err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.MigrationsTable); err != nil {
		return fmt.Errorf("%s: %s: create schema_migrations: %w", d.Name, where, err)
	}
	var cur int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
		return fmt.Errorf("%s: %s: read schema version: %w", d.Name, where, err)
	}
	if cur > newest {
		return fmt.Errorf("%s: %s has schema version %d but this binary knows only up to %d; "+
			"upgrade clusteriam or restore a backup: %w", d.Name, where, cur, newest, store.ErrSchemaTooNew)
	}
	if m.version <= cur {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("%s: %s: migration %s: %w", d.Name, where, m.name, err)
	}
	if m.foreignKeysOff {
		if err := checkForeignKeys(ctx, tx, d); err != nil {
			return fmt.Errorf("%s: %s: migration %s: %w", d.Name, where, m.name, err)
		}
	}
	mark := d.Rebind("INSERT INTO schema_migrations (version, applied_msecs) VALUES (?, ?)")
	if _, err := tx.ExecContext(ctx, mark, m.version, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("%s: %s: record migration %s: %w", d.Name, where, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %s: commit migration %s: %w", d.Name, where, m.name, err)
	}
	return nil
}

// checkForeignKeys fails, naming the first and counting them all, when the
// dialect's ForeignKeyCheck finds broken references in tx: a migration run
// with foreign keys off must leave none.
func checkForeignKeys(ctx context.Context, tx *sql.Tx, d *Dialect) error {
	rows, err := tx.QueryContext(ctx, d.ForeignKeyCheck)
	if err != nil {
		return fmt.Errorf("check foreign keys: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("check foreign keys: %w", err)
	}
	var first []string
	n := 0
	for ; rows.Next(); n++ {
		if n > 0 {
			continue
		}
		vals := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("check foreign keys: %w", err)
		}
		for i, c := range cols {
			first = append(first, c+"="+vals[i].String)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check foreign keys: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%d broken foreign key references, the first %s", n, strings.Join(first, " "))
	}
	return nil
}
