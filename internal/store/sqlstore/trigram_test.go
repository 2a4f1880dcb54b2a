package sqlstore_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/sqlstore"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// TestTrigramPlan: a partial name of 3 characters or more is looked up
// in the trigram index, not found by reading every name, on both
// engines and in both forms of the query (a list's, and the count that
// picks a page's plan).
func TestTrigramPlan(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		loc := b.location(t)
		s, err := b.open(t.Context(), loc)
		must(t, err)
		defer s.Close()
		users := make([]store.User, 20_000)
		for i := range users {
			users[i] = store.User{SID: fmt.Sprintf("S-%d", i), Domain: "LOCAL", Username: fmt.Sprintf("u%06d", i)}
		}
		must(t, storetest.Single{Store: s}.CreateUsers(t.Context(), users))
		db := b.raw(t, loc)
		kind, explain, want, scan := sqlstore.TrigramFTS5, "EXPLAIN QUERY PLAN ", "users_name_trgm", "SCAN users"
		var setup []string
		if b.name == "postgres" {
			// 20,000 rows are few enough for a scan to cost about as
			// much: the planner is told it costs more.
			kind, explain, want, scan = sqlstore.TrigramPG, "EXPLAIN ", "users_username_trgm", "Seq Scan"
			setup = []string{"SET LOCAL enable_seqscan = off"}
			// As autovacuum would: until then new keys wait in the GIN
			// index's pending list, which the planner rightly costs high.
			_, err := db.ExecContext(t.Context(), "VACUUM ANALYZE users")
			must(t, err)
		}
		for _, count := range []bool{false, true} {
			for _, terms := range [][]string{{"u00424"}, {"424", "u00123"}} {
				q, args := sqlstore.UserNameQuery(kind, terms, count)
				if b.name == "postgres" {
					q = toPostgres(q)
				}
				plan := queryPlan(t, db, setup, explain+q, args...)
				if !strings.Contains(plan, want) || strings.Contains(plan+"\n", scan+"\n") || strings.Contains(plan, scan+" ") {
					t.Errorf("%s (%v): the plan does not use %s alone:\n%s", q, args, want, plan)
				}
			}
		}
	})
}

// toPostgres numbers the placeholders of q, as the dialect's Rebind does.
func toPostgres(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return strings.ReplaceAll(b.String(), "instr(", "strpos(")
}

// queryPlan returns the rows of an EXPLAIN, one a line, run in a
// transaction after setup.
func queryPlan(t *testing.T, db *sql.DB, setup []string, q string, args ...any) string {
	t.Helper()
	tx, err := db.BeginTx(t.Context(), nil)
	must(t, err)
	defer func() { _ = tx.Rollback() }()
	for _, st := range setup {
		_, err := tx.ExecContext(t.Context(), st)
		must(t, err)
	}
	rows, err := tx.QueryContext(t.Context(), q, args...)
	must(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	must(t, err)
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		out = append(out, fmt.Sprint(vals...))
	}
	must(t, rows.Err())
	return strings.Join(out, "\n")
}
