package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema step, numbered by its file name
// (0001_init.sql is version 1).
type migration struct {
	version int64
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order. Versions
// must run 1, 2, 3... without gaps or repeats.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: embedded migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlite: migration %s: name must start with a number and '_'", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlite: migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != int64(i+1) {
			return nil, fmt.Errorf("sqlite: migration %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int64 {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate brings the schema of db up to the newest embedded migration, one
// transaction per migration, and refuses a database migrated further.
func migrate(ctx context.Context, db *sql.DB, file string) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("sqlite: no embedded migrations")
	}
	newest := ms[len(ms)-1].version
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied_msecs INTEGER NOT NULL
	) STRICT`
	if _, err := db.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("sqlite: %s: create schema_migrations: %w", file, err)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, db, file, m, newest); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration applies m in its own write transaction unless the
// database already has it. It fails with store.ErrSchemaTooNew when the
// database is at a version above newest.
func applyMigration(ctx context.Context, db *sql.DB, file string, m migration, newest int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin migration: %w", file, err)
	}
	defer func() { _ = tx.Rollback() }()
	var cur int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
		return fmt.Errorf("sqlite: %s: read schema version: %w", file, err)
	}
	if cur > newest {
		return fmt.Errorf("sqlite: %s has schema version %d but this binary knows only up to %d; "+
			"upgrade clusteriam or restore a backup: %w", file, cur, newest, store.ErrSchemaTooNew)
	}
	if m.version <= cur {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlite: %s: migration %s: %w", file, m.name, err)
	}
	const mark = "INSERT INTO schema_migrations(version, applied_msecs) VALUES (?, ?)"
	if _, err := tx.ExecContext(ctx, mark, m.version, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: %s: record migration %s: %w", file, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit migration %s: %w", file, m.name, err)
	}
	return nil
}
