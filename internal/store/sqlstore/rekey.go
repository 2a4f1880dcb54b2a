package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

// keyedTable is a table whose name columns carry keys the store computes
// in Go: store.Fold of each folded column, and names.Skeleton of one
// where the table keeps it.
type keyedTable struct {
	table, id string
	// scope is an SQL expression over a row: the unique keys are unique
	// among the rows of one scope.
	scope    string
	folded   []string // columns whose Fold is in <column>_key
	unique   int      // the first unique folded keys are unique together
	skeleton int      // index in folded of the column whose skeleton is kept
	skelCol  string   // "": none kept
}

func keyedTables() []keyedTable {
	return []keyedTable{
		{"users", "sid", "tenant_id", []string{"domain", "username", "email"}, 2, 1, "username_skeleton"},
		{"groups", "sid", "tenant_id", []string{"domain", "name"}, 2, 1, "name_skeleton"},
		{"roles", "name", "''", []string{"name"}, 1, 0, "name_skeleton"},
		// A tenant's name is unique among those not deleted inside one
		// parent: each deleted one is a scope of its own.
		{"tenants", "id", "CASE WHEN status = 'Deleted' THEN id ELSE parent_id END", []string{"name"}, 1, 0, ""},
	}
}

// keyedRow is a row of a keyedTable: its id and scope, the folded
// columns, their stored keys and skeleton, and what they should be.
type keyedRow struct {
	id, scope        string
	src, key, newKey []string
	skel, newSkel    string
}

// keyVersionSetting names the setting that holds the names.KeyVersion the
// stored keys and skeletons were computed with.
const keyVersionSetting = "name_keys"

// rekey brings the keys and skeletons of the names in db up to this
// binary's store.Fold and names.Skeleton, after the migrations: keys an
// older binary computed (strings.ToLower, before the PRECIS key), rows
// from before the skeleton columns, or a newer Unicode version. Every row
// is read when the stored names.KeyVersion differs from this binary's;
// otherwise only a table with rows that have no skeleton yet (written by
// a binary from before them) is, and nothing when none has. Only rows
// that differ are written. A row whose new key another row holds keeps
// its old key and is logged: it stays reachable by its id. Replicas
// opening together take the migration lock, so one re-keys and the
// others find nothing to do.
func rekey(ctx context.Context, db *sql.DB, d *Dialect, where string) error {
	if done, err := rekeyed(ctx, querier{d: d, db: db}); err == nil && done {
		return nil
	}
	var err error
	for range 3 {
		// A replica inserting a name that a row is being moved to fails
		// this transaction: read again and retry.
		if err = rekeyOnce(ctx, db, d); err == nil || !d.IsUnique(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %s: re-key names: %w", d.Name, where, err)
	}
	return nil
}

func rekeyOnce(ctx context.Context, db *sql.DB, d *Dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.MigrationLock); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
	}
	q := querier{d: d, db: db, tx: tx}
	version, err := keyVersion(ctx, q)
	if err != nil {
		return err
	}
	all := version != names.KeyVersion
	for _, t := range keyedTables() {
		if err := t.rekey(ctx, q, all); err != nil {
			return err
		}
	}
	if all {
		_, err := q.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, keyVersionSetting, []byte(names.KeyVersion))
		if err != nil {
			return fmt.Errorf("store the key version: %w", err)
		}
	}
	return tx.Commit()
}

// keyVersion is the version of the keys the names are stored with; ""
// before any.
func keyVersion(ctx context.Context, q querier) (string, error) {
	var version []byte
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, keyVersionSetting).Scan(&version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read the key version: %w", err)
	}
	return string(version), nil
}

// rekeyed reports whether the names are keyed by this binary's version
// and every row has its skeleton, read without a transaction or the
// migration lock: what every start but an upgrade's finds, which then
// takes no lock (on SQLite, the write lock) to learn it. Keys only move
// forward, so a reader without the lock cannot be misled into skipping
// work.
func rekeyed(ctx context.Context, q querier) (bool, error) {
	if version, err := keyVersion(ctx, q); err != nil || version != names.KeyVersion {
		return false, err
	}
	for _, t := range keyedTables() {
		if t.skelCol == "" {
			continue
		}
		var n int
		if err := q.QueryRowContext(ctx, t.unskeletonedQuery()).Scan(&n); err != nil || n > 0 {
			return false, err
		}
	}
	return true, nil
}

// rekey re-keys the rows of t that need it: any row when all is set,
// else only when some row has no skeleton.
func (t keyedTable) rekey(ctx context.Context, q querier, all bool) error {
	if !all && t.skelCol == "" {
		return nil
	}
	if !all {
		var n int
		err := q.QueryRowContext(ctx, t.unskeletonedQuery()).Scan(&n)
		if err != nil || n == 0 {
			return err
		}
	}
	rows, err := t.read(ctx, q)
	if err != nil {
		return err
	}
	moves, stays, holders := t.plan(rows)
	// One statement per move, in the planned order: each finds its new
	// unique key free when it runs.
	for _, r := range moves {
		if err := t.update(ctx, q, []keyedRow{r}); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(stays, rekeyChunk) {
		if err := t.update(ctx, q, chunk); err != nil {
			return err
		}
	}
	for _, r := range stays {
		if h, ok := holders[r.id]; ok {
			slog.WarnContext(ctx, "store: a name keeps its old key, for its new key is another's; "+
				"it can be reached by its id only: delete one of them",
				"table", t.table, "id", r.id, "name", r.src[t.skeleton], "holder", h)
		}
	}
	if n := len(moves) + len(stays); n > 0 {
		slog.InfoContext(ctx, "store: re-keyed names", "table", t.table, "rows", n)
	}
	return nil
}

// unskeletonedQuery counts the rows of t that have no skeleton yet. It
// runs at every opening, so an index must answer it without reading the
// rows that have one: <table>_unskeletoned (migration 0015), partial,
// holds the others only, or, for roles, <table>_name_skeleton leads with
// the skeleton.
func (t keyedTable) unskeletonedQuery() string {
	return `SELECT COUNT(*) FROM ` + t.table + ` WHERE ` + t.skelCol + ` = ''`
}

// rekeyChunk is how many rows one UPDATE re-keys: 5 arguments each stay
// well under both engines' limits on bound arguments.
const rekeyChunk = 500

// plan sorts the rows whose keys or skeleton differ into moves, whose
// unique key changes, in an order in which each finds its new key free,
// and stays, whose unique key does not. A row whose new unique key another
// row holds stays with its old one: holders maps its id to that row's.
func (t keyedTable) plan(rows []keyedRow) (moves, stays []keyedRow, holders map[string]string) {
	taken := make(map[string]string, len(rows)) // unique key -> id
	var pending []keyedRow
	for _, r := range rows {
		taken[t.uniqueKey(r.scope, r.key)] = r.id
		switch {
		case t.uniqueKey(r.scope, r.key) != t.uniqueKey(r.scope, r.newKey):
			pending = append(pending, r)
		case r.skel != r.newSkel || !slices.Equal(r.key, r.newKey):
			stays = append(stays, r)
		}
	}
	// A move can free the key another row waits for: go round until
	// nothing moves.
	for moved := true; moved; {
		moved = false
		for i, r := range pending {
			to := t.uniqueKey(r.scope, r.newKey)
			if r.id == "" || taken[to] != "" {
				continue
			}
			delete(taken, t.uniqueKey(r.scope, r.key))
			taken[to] = r.id
			moves = append(moves, r)
			pending[i].id, moved = "", true
		}
	}
	holders = map[string]string{}
	for _, r := range pending {
		if r.id != "" {
			holders[r.id] = taken[t.uniqueKey(r.scope, r.newKey)]
			copy(r.newKey, r.key[:t.unique])
			stays = append(stays, r)
		}
	}
	return moves, stays, holders
}

// uniqueKey joins the scope and the unique keys of a row.
func (t keyedTable) uniqueKey(scope string, keys []string) string {
	return scope + "\x00" + strings.Join(keys[:t.unique], "\x00")
}

// read reads every row of t, with the keys and skeleton this binary
// computes for it.
func (t keyedTable) read(ctx context.Context, q querier) ([]keyedRow, error) {
	n := len(t.folded)
	cols := append([]string{t.id, t.scope}, t.folded...)
	for _, c := range t.folded {
		cols = append(cols, c+"_key")
	}
	if t.skelCol != "" {
		cols = append(cols, t.skelCol)
	}
	query := `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + t.table
	return queryAll(ctx, q, "re-key "+t.table, func(sc scanner) (keyedRow, error) {
		r := keyedRow{src: make([]string, n), key: make([]string, n), newKey: make([]string, n)}
		dest := []any{&r.id, &r.scope}
		for i := range n {
			dest = append(dest, &r.src[i])
		}
		for i := range n {
			dest = append(dest, &r.key[i])
		}
		if t.skelCol != "" {
			dest = append(dest, &r.skel)
		}
		if err := sc.Scan(dest...); err != nil {
			return r, err
		}
		for i, s := range r.src {
			r.newKey[i] = store.Fold(s)
		}
		if t.skelCol != "" {
			r.newSkel = names.Skeleton(r.src[t.skeleton])
		}
		return r, nil
	}, query)
}

// update stores the new keys and skeletons of rows.
func (t keyedTable) update(ctx context.Context, q querier, rows []keyedRow) error {
	n := len(t.folded)
	set := make([]string, 0, n+1)
	for i, c := range t.folded {
		set = append(set, fmt.Sprintf("%s_key = v.column%d", c, i+2))
	}
	if t.skelCol != "" {
		set = append(set, fmt.Sprintf("%s = v.column%d", t.skelCol, n+2))
	}
	tuple := "(?" + strings.Repeat(", ?", len(set)) + ")"
	args := make([]any, 0, len(rows)*(len(set)+1))
	for _, r := range rows {
		args = append(args, r.id)
		for _, k := range r.newKey {
			args = append(args, k)
		}
		if t.skelCol != "" {
			args = append(args, r.newSkel)
		}
	}
	query := `UPDATE ` + t.table + ` SET ` + strings.Join(set, ", ") + ` FROM (VALUES ` +
		strings.TrimSuffix(strings.Repeat(tuple+", ", len(rows)), ", ") + `) AS v WHERE ` +
		t.table + `.` + t.id + ` = v.column1`
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return q.d.mapErr("re-key "+t.table, err)
	}
	return nil
}
