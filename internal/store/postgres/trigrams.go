package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
)

// trigramMigration is the migration that creates the trigram indexes of
// partial-name search. Every statement in it is idempotent. Its GIN
// indexes keep fastupdate with a pending list of 256 kB: the default
// 4 MB list, which every search reads, took a partial-name search at
// 100,000 users from 1 ms to 7 ms, and fastupdate off took bulk creation
// from 10,400 to 6,200 users/s, where 256 kB costs it nothing measurable
// (the file has the figures).
const trigramMigration = "migrations/0014_name_trigrams.sql"

// ensureTrigrams checks that the trigram indexes exist. A role that could
// not create pg_trgm got none at migration 0014 (which still succeeded);
// the migration runs again here, under the migration lock, and builds
// them once the extension is there. Without them, partial-name search
// reads every name, which it warns of at every start.
func ensureTrigrams(ctx context.Context, db *sql.DB, where string) error {
	if n, err := countTrigramIndexes(ctx, db); err != nil || n == 2 {
		return err
	}
	script, err := migrationFS.ReadFile(trigramMigration)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("postgres: %s: build the trigram indexes: %w", where, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, dialect().MigrationLock); err != nil {
		return fmt.Errorf("postgres: %s: take the migration lock: %w", where, err)
	}
	if _, err := tx.ExecContext(ctx, string(script)); err != nil {
		return fmt.Errorf("postgres: %s: build the trigram indexes: %w", where, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("postgres: %s: build the trigram indexes: %w", where, err)
	}
	n, err := countTrigramIndexes(ctx, db)
	if err != nil {
		return err
	}
	if n < 2 {
		slog.Warn("postgres: no trigram index of names: partial-name search reads every name; "+
			"as a superuser, CREATE EXTENSION pg_trgm SCHEMA public in this database, then restart",
			"database", where)
	}
	return nil
}

// countTrigramIndexes counts the trigram indexes of migration 0014 in
// the current schema.
func countTrigramIndexes(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()
		AND indexname IN ('users_username_trgm', 'groups_name_trgm')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: look for the trigram indexes: %w", err)
	}
	return n, nil
}
