package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/clusteriam/clusteriam/internal/store/sqlstore"
)

// withMigrations returns this binary's migrations followed by extra, the
// texts of the next versions, as a Dialect's Migrations.
func withMigrations(t *testing.T, extra ...string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := migrationFS.ReadDir("migrations")
	must(t, err)
	for _, e := range entries {
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		must(t, err)
		out["migrations/"+e.Name()] = &fstest.MapFile{Data: b}
	}
	for i, text := range extra {
		name := fmt.Sprintf("migrations/%04d_test.sql", len(entries)+i+1)
		out[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return out
}

// TestMigrationForeignKeysOff: a migration whose first line asks for
// foreign keys off rebuilds a table others reference without the cascade
// deleting them, and leaves foreign keys on; one that breaks a reference,
// or fails, is undone and leaves them on too; a dialect that cannot turn
// them off refuses such a migration.
func TestMigrationForeignKeysOff(t *testing.T) {
	const parents = `CREATE TABLE parent (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
		CREATE TABLE child (id TEXT PRIMARY KEY,
			parent TEXT NOT NULL REFERENCES parent (id) ON DELETE CASCADE) STRICT;
		INSERT INTO parent VALUES ('p1', 'a'), ('p2', 'b');
		INSERT INTO child VALUES ('c1', 'p1'), ('c2', 'p2');`
	const off = "-- foreign_keys: off\n"
	const rebuild = off + `CREATE TABLE parent_new (id TEXT PRIMARY KEY, name TEXT NOT NULL,
			kind TEXT NOT NULL DEFAULT '', UNIQUE (kind, name)) STRICT;
		INSERT INTO parent_new (id, name) SELECT id, name FROM parent;
		DROP TABLE parent;
		ALTER TABLE parent_new RENAME TO parent;`
	tests := []struct {
		name      string
		migration string
		noSwitch  bool   // a dialect without SetForeignKeys
		wantErr   string // "": it applies
	}{
		{"rebuild", rebuild, false, ""},
		{"broken reference", off + `DELETE FROM parent WHERE id = 'p2';`, false, "1 broken foreign key references"},
		{"failing", off + `DROP TABLE parent; SELECT x FROM nowhere;`, false, "nowhere"},
		{"without the switch", rebuild, true, "cannot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			db, err := sql.Open("sqlite", writerDSN(filepath.Join(t.TempDir(), "m.db")))
			must(t, err)
			defer db.Close()
			db.SetMaxOpenConns(1) // as the store's writer: what is checked below is the migration's connection
			d := dialect()
			d.Migrations = withMigrations(t, parents)
			must(t, sqlstore.Migrate(ctx, db, d, "test"))
			base := d.SchemaVersion()

			d.Migrations = withMigrations(t, parents, tc.migration)
			if tc.noSwitch {
				d.SetForeignKeys = nil
			}
			err = sqlstore.Migrate(ctx, db, d, "test")
			want := base + 1
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Migrate: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Migrate = %v, want an error saying %q", err, tc.wantErr)
			case tc.wantErr != "":
				want = base
			}
			checkParents(t, db, want)
		})
	}
}

// checkParents fails t unless db is at schema version want, has foreign
// keys on, keeps both children of the parents of TestMigrationForeignKeysOff,
// and enforces and cascades their references.
func checkParents(t *testing.T, db *sql.DB, want int64) {
	t.Helper()
	ctx := t.Context()
	var version int64
	must(t, db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&version))
	if version != want {
		t.Errorf("schema version %d, want %d", version, want)
	}
	if on := pragma[int](t, db, "foreign_keys"); on != 1 {
		t.Errorf("foreign_keys = %d after the migration, want 1", on)
	}
	count := func() (n int) {
		must(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM child").Scan(&n))
		return n
	}
	if n := count(); n != 2 {
		t.Errorf("%d children left, want 2", n)
	}
	// The references hold, and cascade, on the table as it is now.
	_, err := db.ExecContext(ctx, "DELETE FROM parent WHERE id = 'p1'")
	must(t, err)
	if n := count(); n != 1 {
		t.Errorf("%d children after deleting a parent, want 1", n)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO child VALUES ('c9', 'ghost')"); err == nil {
		t.Error("a child of no parent was inserted")
	}
}
