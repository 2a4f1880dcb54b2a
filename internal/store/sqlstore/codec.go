package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// jsonList encodes a list as a JSON array; nil becomes "[]".
func jsonList[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings and int64s are encoded here; they always marshal.
		panic(fmt.Sprintf("sqlite: encode list: %v", err))
	}
	return string(b)
}

// parseList decodes a JSON array column; the result is never nil.
func parseList[T any](col, s string) ([]T, error) {
	out := []T{}
	if s == "" || s == "[]" {
		// Most rows: json.Unmarshal would cost a tenth of a long list.
		return out, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("sqlite: column %s: %w", col, err)
	}
	if out == nil { // "null"
		out = []T{}
	}
	return out, nil
}

// nullList encodes an optional list: nil is NULL, anything else a JSON
// array.
func nullList(v []string) sql.NullString {
	if v == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: jsonList(v), Valid: true}
}

// parseNullList decodes a nullable JSON array column: NULL is nil.
func parseNullList(col string, s sql.NullString) ([]string, error) {
	if !s.Valid {
		return nil, nil
	}
	return parseList[string](col, s.String)
}

// nullInt maps an optional time to a nullable column value.
func nullInt(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

// ptrInt maps a nullable column back to an optional time.
func ptrInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// nonNil returns v, or an empty slice for nil, as lists are read.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// nilIfEmpty stores empty bytes as NULL, which every backend reads back
// as nil (SQLite reads an empty BLOB as nil too; PostgreSQL would not).
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// foldAll applies store.Fold to every element.
func foldAll(v []string, fold func(string) string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = fold(s)
	}
	return out
}

// where accumulates the AND-ed conditions of a filtered query.
type where struct {
	conds []string
	args  []any
	// inline writes the name and role conditions of a list as tests of
	// each row rather than as sets of sids that drive the plan (see
	// listUsers).
	inline bool
	// paged marks the filter of a page, read in index order up to a
	// limit: its scope is never materialized (see scoped).
	paged bool
	// inlineNames is inline for the name conditions alone (see
	// Dialect.PageNamesInline).
	inlineNames bool
	// count marks a count that only picks a plan (broadFilter): a
	// condition may select a few rows too many, never for a list.
	count bool
}

// add appends a condition and its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// anyOf joins conds with OR as a balanced tree: a flat chain nests one
// level per term in SQLite's parser, which refuses about 500 of them.
func anyOf(conds []string) string {
	if len(conds) <= 8 {
		return strings.Join(conds, " OR ")
	}
	half := len(conds) / 2
	return "(" + anyOf(conds[:half]) + ") OR (" + anyOf(conds[half:]) + ")"
}

// String renders the WHERE clause, or "" when nothing filters.
// scoped renders a list of table by the filters of w and, unless
// tenantIDs is empty, by tenant_id: what goes before SELECT, the table to
// select from, and the WHERE clause with its arguments. Alone, the scope
// is read through the table's tenant_id index. Beside other filters, it
// must not drive the plan: driven from tenant_id, both engines read every
// row of the cluster's own scope, which may be all of them. So it is
// written as a condition no index serves ((tenant_id || ”) compares the
// same, but is an expression), and the planners keep the plans of the
// other filters; or, where the dialect asks (MaterializeScope), it
// applies to what those filters select, in a materialized common table
// expression.
func (d *Dialect) scoped(table string, w *where, tenantIDs []string) (with, from, cond string, args []any) {
	scope := &where{}
	col := "tenant_id"
	// A page walks an index in order and stops at its limit;
	// materialized first, it would read every match.
	if len(w.conds) > 0 && (!d.MaterializeScope || w.paged) {
		scope, col = w, "(tenant_id || '')"
	}
	switch len(tenantIDs) {
	case 0:
		return "", table, w.String(), w.args
	case 1:
		scope.add(col+` = ?`, tenantIDs[0])
	default:
		scope.add(col+` IN (SELECT value FROM json_each(?))`, jsonList(tenantIDs))
	}
	if scope == w || len(w.conds) == 0 {
		return "", table, scope.String(), scope.args
	}
	with = "WITH filtered AS MATERIALIZED (SELECT * FROM " + table + w.String() + ") "
	return with, "filtered", scope.String(), append(slices.Clone(w.args), scope.args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
