package sqlstore

import (
	"context"
	"database/sql"
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
}

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
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
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
// MigrationLock, then reads the version. Then the keys and skeletons of
// names are brought up to this binary's (rekey). where names the database
// in errors.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, where string) error {
	d = d.complete()
	ms, err := d.migrations()
	if err != nil {
		return err
	}
	newest := ms[len(ms)-1].version
	for _, m := range ms {
		if err := applyMigration(ctx, db, &d, where, m, newest); err != nil {
			return err
		}
	}
	return rekey(ctx, db, &d, where)
}

// applyMigration applies m in its own transaction unless the database has
// it already.
func applyMigration(ctx context.Context, db *sql.DB, d *Dialect, where string, m migration, newest int64) error {
	// Read committed: the version must be read after the lock is held, not
	// from a snapshot taken before it.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelDefault})
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
	mark := d.Rebind("INSERT INTO schema_migrations (version, applied_msecs) VALUES (?, ?)")
	if _, err := tx.ExecContext(ctx, mark, m.version, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("%s: %s: record migration %s: %w", d.Name, where, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %s: commit migration %s: %w", d.Name, where, m.name, err)
	}
	return nil
}
