package sqlite

import (
	"fmt"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// TestTrigramTablesInStep: the triggers of migration 0014 leave one
// index row per user and group, and none behind, after creates, renames,
// other updates and deletes. (The conformance suite sees what a search finds; stale rows, which the
// exact test hides, only this sees.)
func TestTrigramTablesInStep(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	st := storetest.Single{Store: s}
	var users []store.User
	var groups []store.Group
	for i := range 50 {
		users = append(users, store.User{SID: fmt.Sprintf("S-%d", i), Domain: "LOCAL", Username: fmt.Sprintf("user%d", i)})
		groups = append(groups, store.Group{SID: fmt.Sprintf("G-%d", i), Domain: "LOCAL", Name: fmt.Sprintf("group%d", i)})
	}
	must(t, st.CreateUsers(ctx, users))
	must(t, st.CreateGroups(ctx, groups))
	for i := range 10 {
		_, err := st.UpdateUser(ctx, fmt.Sprintf("S-%d", i), func(u store.User) (store.User, error) {
			u.Username = "renamed" + u.Username
			return u, nil
		})
		must(t, err)
		_, err = st.UpdateGroup(ctx, fmt.Sprintf("G-%d", i), func(g store.Group) (store.Group, error) {
			g.Description = "not a rename"
			return g, nil
		})
		must(t, err)
	}
	must(t, st.DeleteUsers(ctx, []string{"S-10", "S-11", "S-0"}))
	must(t, st.DeleteGroups(ctx, []string{"G-10", "G-1"}))
	for _, table := range []string{"users", "groups"} {
		var rows, ids, fts, stale int
		err := s.r.QueryRowContext(ctx, fmt.Sprintf(`SELECT
			(SELECT count(*) FROM %[1]s),
			(SELECT count(*) FROM %[1]s_name_trgm_ids),
			(SELECT count(*) FROM %[1]s_name_trgm),
			(SELECT count(*) FROM %[1]s_name_trgm WHERE rowid NOT IN (SELECT id FROM %[1]s_name_trgm_ids))`, table)).
			Scan(&rows, &ids, &fts, &stale)
		must(t, err)
		if ids != rows || fts != rows || stale != 0 {
			t.Errorf("%s: %d rows, %d ids, %d index rows, %d stale; want %d, %d, 0", table, rows, ids, fts, stale, rows, rows)
		}
	}
}
