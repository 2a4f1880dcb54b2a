package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var userListTests = []subTest{
	{"UserListFilters", testUserListFilters},
	{"UserListPaging", testUserListPaging},
	{"UserListPagingBroad", testUserListPagingBroad},
	{"UserListLocked", testUserListLocked},
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

// testUserListPaging pages through the users, two at a time, with the
// cursor of each page's last user: every user comes exactly once, in the
// list's order, as the list without paging has them.
func testUserListPaging(t *testing.T, s Single) {
	userListFixture(t, s)
	filters := []struct {
		name string
		f    store.UserFilter
	}{
		{"all", store.UserFilter{}},
		{"domain", store.UserFilter{Domain: "LOCAL"}},
		{"partial name", partial("o")},
		{"role", store.UserFilter{Roles: []string{"admin", "viewer"}}},
		{"tenant", store.UserFilter{TenantIDs: []string{"t1", "t2"}}},
		{"tenant and name", store.UserFilter{TenantIDs: []string{"t2", ""}, Usernames: []string{"b"}, MatchPartialNames: true}},
		{"cluster's own", store.UserFilter{TenantIDs: []string{""}}},
		{"not locked", store.UserFilter{Locked: ptr(false), NowMsecs: t2}},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			all, err := s.ListUsers(t.Context(), tc.f)
			must(t, err)
			checkList(t, "paged", pageUsers(t, s, tc.f, 2, len(all)), sidsOf(all))
		})
	}
}

// pageUsers lists the users f selects, limit a page, each page after the
// last user of the one before, and returns their sids; it stops after
// most+1 pages, which a list of most users never needs.
func pageUsers(t *testing.T, s Single, f store.UserFilter, limit, most int) []string {
	t.Helper()
	var sids []string
	f.Limit = limit
	for range most + 1 {
		page, err := s.ListUsers(t.Context(), f)
		must(t, err)
		sids = append(sids, sidsOf(page)...)
		if len(page) < limit {
			break
		}
		last := page[len(page)-1]
		f.After = &store.UserCursor{CreatedMsecs: last.CreatedMsecs, SID: last.SID}
	}
	return sids
}

// testUserListPagingBroad pages through filters that match more users
// than a backend may test as a set (sqlstore tests such filters row by
// row): each user once, in order, and only those that match.
func testUserListPagingBroad(t *testing.T, s Single) {
	const n = 1_600
	createRoles(t, s, "admin", "viewer")
	users := make([]store.User, n)
	for i := range users {
		users[i] = newUser(fmt.Sprintf("S-1-5-21-1-2-3-%d", 10_000+i), "LOCAL", fmt.Sprintf("broad%04d", i))
		users[i].CreatedMsecs = t1 + int64(i%7) // ties, broken by sid
		if i%10 == 0 {
			users[i].Username = fmt.Sprintf("other%04d", i)
		}
		users[i].Roles = []string{"viewer"}
		if i%3 == 0 {
			users[i].Roles = []string{"admin"}
		}
	}
	createUsers(t, s, users...)
	for _, f := range []store.UserFilter{
		{Usernames: []string{"ROAD"}, MatchPartialNames: true},
		{Roles: []string{"viewer"}},
		{Usernames: []string{"road"}, MatchPartialNames: true, Roles: []string{"admin"}},
	} {
		all, err := s.ListUsers(t.Context(), f)
		must(t, err)
		if len(all) < 300 {
			t.Fatalf("the filter %+v matches %d users: too few to be broad", f, len(all))
		}
		checkList(t, fmt.Sprintf("paged %+v", f), pageUsers(t, s, f, 97, len(all)), sidsOf(all))
	}
}

// testUserListLocked selects users locked or not as the service shows
// them, and expired or not, in SQL.
func testUserListLocked(t *testing.T, s Single) {
	const (
		now    = t2 + 10_000
		unused = t1 // used at or before it: unused too long
		reason = "FailedLoginAttempts"
	)
	// sids order as text: 1, 10, 11, 2, ...
	mk := func(n int, domain string, created int64, edit func(*store.User)) store.User {
		u := newUser(sid(n), domain, fmt.Sprint("u", n))
		u.CreatedMsecs = created
		edit(&u)
		return u
	}
	lock := func(reason string, until int64) func(*store.User) {
		return func(u *store.User) { u.Locked, u.LockedReason, u.LockedUntilMsecs = true, reason, until }
	}
	createUsers(t, s,
		mk(1, "LOCAL", t2, func(*store.User) {}),                            // fresh, unlocked
		mk(2, "LOCAL", t2, lock("AdminLocked", 0)),                          // locked by hand
		mk(3, "LOCAL", t2, lock(reason, now)),                               // its lock ran out at now
		mk(4, "LOCAL", t2, lock(reason, now+1)),                             // its lock runs still
		mk(5, "LOCAL", t0, func(*store.User) {}),                            // unused: locked
		mk(6, "LOCAL", t0, func(u *store.User) { u.LastLoginMsecs = t2 }),   // used since
		mk(7, "AD", t0, func(*store.User) {}),                               // not LOCAL: never unused
		mk(8, "LOCAL", t0, func(*store.User) {}),                            // unused, but exempt
		mk(9, "LOCAL", t0, func(u *store.User) { u.ReactivatedMsecs = t2 }), // reactivated since
		mk(10, "LOCAL", t2, func(u *store.User) { u.ExpiryTimeMsecs = ptr(now) }),
		mk(11, "LOCAL", t2, func(u *store.User) { u.ExpiryTimeMsecs = ptr(now + 1) }),
	)
	terms := store.LockTerms{RunsOutReason: reason, UnusedSince: unused, UnusedDomain: "local", Exempt: sids(8)}
	f := func(locked, expired *bool, lt store.LockTerms) store.UserFilter {
		return store.UserFilter{Locked: locked, Expired: expired, Lock: lt, NowMsecs: now}
	}
	yes, no := ptr(true), ptr(false)
	tests := []struct {
		name string
		f    store.UserFilter
		want []string
	}{
		{"locked, no inactivity", f(yes, nil, store.LockTerms{RunsOutReason: reason}), sids(2, 4)},
		{"not locked, no inactivity", f(no, nil, store.LockTerms{RunsOutReason: reason}), sids(5, 6, 7, 8, 9, 1, 10, 11, 3)},
		{"locked with inactivity", f(yes, nil, terms), sids(5, 2, 4)},
		{"not locked with inactivity", f(no, nil, terms), sids(6, 7, 8, 9, 1, 10, 11, 3)},
		{"expired", f(nil, yes, terms), sids(10)},
		{"not expired", f(nil, no, terms), sids(5, 6, 7, 8, 9, 1, 11, 2, 3, 4)},
		{"locked and not expired, paged", store.UserFilter{Locked: yes, Expired: no, Lock: terms, NowMsecs: now,
			After: &store.UserCursor{CreatedMsecs: t0, SID: sid(5)}, Limit: 1}, sids(2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListUsers(t.Context(), tc.f)
			must(t, err)
			checkList(t, "ListUsers", sidsOf(got), tc.want)
		})
	}
}
