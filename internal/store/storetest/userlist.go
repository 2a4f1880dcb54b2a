package storetest

import (
	"slices"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var userListTests = []subTest{
	{"UserListFilters", testUserListFilters},
}

// userListFixture creates users whose creation order differs from their
// sid order, and returns nothing: cases name users by number.
func userListFixture(t *testing.T, s Single) {
	createRoles(t, s, "admin", "viewer", "audit")
	mk := func(n int, domain, name, email, tenant string, created int64, roles ...string) store.User {
		u := newUser(sid(n), domain, name, roles...)
		u.Email, u.TenantID, u.CreatedMsecs = email, tenant, created
		return u
	}
	createUsers(t, s,
		mk(1, "LOCAL", "alice", "Alice@Example.com", "t1", t2, "admin"),
		mk(2, "LOCAL", "bob", "bob@example.com", "t2", t0, "viewer"),
		mk(3, "AD", "Bob", "", "t1", t1, "admin", "viewer"),
		mk(4, "LOCAL", "100%_sure", "", "", t1),
		mk(5, "LOCAL", "100xxsure", "", "", t1),
		mk(6, "LOCAL", `back\slash`, "", "", t2, "audit"),
		mk(7, "AD", "robert", "BOB@example.com", "t2", t0),
	)
	// Directory groups recorded at the AD users' last log-ins.
	for sid, groups := range map[string][]string{sid(3): {"G-ops", "G-all"}, sid(7): {"G-all"}} {
		_, err := s.UpdateUser(t.Context(), sid, func(u store.User) (store.User, error) {
			u.DirectoryGroups = groups
			return u, nil
		})
		must(t, err)
	}
}

func sids(ns ...int) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, sid(n))
	}
	return out
}

func testUserListFilters(t *testing.T, s Single) {
	userListFixture(t, s)
	tests := []struct {
		name string
		f    store.UserFilter
		want []string
	}{
		{"no filter: by creation then sid", store.UserFilter{}, sids(2, 7, 3, 4, 5, 1, 6)},
		{"flag alone does not filter", store.UserFilter{MatchPartialNames: true}, sids(2, 7, 3, 4, 5, 1, 6)},
		{"limit keeps the first", store.UserFilter{Limit: 3}, sids(2, 7, 3)},
		{"limit with a filter", store.UserFilter{Domain: "LOCAL", Limit: 2}, sids(2, 4)},
		{"limit above the count", store.UserFilter{Domain: "AD", Limit: 10}, sids(7, 3)},
		{"domain, other case", store.UserFilter{Domain: "local"}, sids(2, 4, 5, 1, 6)},
		{"domain AD", store.UserFilter{Domain: "Ad"}, sids(7, 3)},
		{"unknown domain", store.UserFilter{Domain: "NOPE"}, nil},
		{"sids", store.UserFilter{SIDs: sids(6, 1, 99)}, sids(1, 6)},
		{"name exact, any case", store.UserFilter{Usernames: []string{"BOB"}}, sids(2, 3)},
		{"name exact is not a prefix", store.UserFilter{Usernames: []string{"bo"}}, nil},
		{"names OR", store.UserFilter{Usernames: []string{"alice", "ROBERT"}}, sids(7, 1)},
		{"exact name with wildcard chars", store.UserFilter{Usernames: []string{"100__sure"}}, nil},
		{"partial", partial("ob"), sids(2, 7, 3)},
		{"partial, any case", partial("ALI"), sids(1)},
		{"partial OR", partial("LIC", "bert"), sids(7, 1)},
		{"partial percent is literal", partial("%"), sids(4)},
		{"partial underscore is literal", partial("_"), sids(4)},
		{"partial both literal", partial("0%_S"), sids(4)},
		{"partial underscore not one char", partial("0_x"), nil},
		{"partial percent not any run", partial("1%e"), nil},
		{"partial backslash is literal", partial(`\`), sids(6)},
		{"partial with backslash", partial(`k\S`), sids(6)},
		{"partial, 1,000 names", partial(append(slices.Repeat([]string{"nobody"}, 999), "LIC")...), sids(1)},
		{"email any case", store.UserFilter{Emails: []string{"bob@EXAMPLE.com"}}, sids(2, 7)},
		{"email exact", store.UserFilter{Emails: []string{"alice@example.com", "x@y"}}, sids(1)},
		{"email is not partial", store.UserFilter{Emails: []string{"example.com"}}, nil},
		{"role", store.UserFilter{Roles: []string{"admin"}}, sids(3, 1)},
		{"roles OR", store.UserFilter{Roles: []string{"viewer", "audit"}}, sids(2, 3, 6)},
		{"unknown role", store.UserFilter{Roles: []string{"ghost"}}, nil},
		{"tenant", store.UserFilter{TenantIDs: []string{"t1"}}, sids(3, 1)},
		{"directory group", store.UserFilter{InDirectoryGroups: []string{"G-ops"}}, sids(3)},
		{"directory groups OR", store.UserFilter{InDirectoryGroups: []string{"G-x", "G-all"}}, sids(7, 3)},
		{"directory group and domain", store.UserFilter{Domain: "AD", InDirectoryGroups: []string{"G-all"}, Usernames: []string{"robert"}}, sids(7)},
		{"no such directory group", store.UserFilter{InDirectoryGroups: []string{"G-none"}}, nil},
		{"tenants OR", store.UserFilter{TenantIDs: []string{"t2", "t1"}}, sids(2, 7, 3, 1)},
		{"domain AND role", store.UserFilter{Domain: "LOCAL", Roles: []string{"admin"}}, sids(1)},
		{"domain AND name", store.UserFilter{Domain: "AD", Usernames: []string{"bob"}}, sids(3)},
		{"partial AND email", store.UserFilter{Usernames: []string{"o"}, MatchPartialNames: true,
			Emails: []string{"bob@example.com"}}, sids(2, 7)},
		{"roles OR, AND tenant", store.UserFilter{Roles: []string{"admin", "viewer"},
			TenantIDs: []string{"t2"}}, sids(2)},
		{"email AND tenant: none", store.UserFilter{Emails: []string{"bob@example.com"},
			TenantIDs: []string{"t1"}}, nil},
		{"everything", store.UserFilter{Domain: "local", SIDs: sids(1, 2, 3), Usernames: []string{"B"},
			MatchPartialNames: true, Emails: []string{"BOB@EXAMPLE.COM"}, Roles: []string{"viewer"},
			TenantIDs: []string{"t2"}}, sids(2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListUsers(t.Context(), tc.f)
			must(t, err)
			checkList(t, "ListUsers", sidsOf(got), tc.want)
		})
	}
}

// partial is a filter on partial user names.
func partial(names ...string) store.UserFilter {
	return store.UserFilter{Usernames: names, MatchPartialNames: true}
}
