package storetest

import (
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var tenantNameTests = []subTest{
	{"UserNamesPerTenant", testUserNamesPerTenant},
	{"GroupNamesPerTenant", testGroupNamesPerTenant},
}

// userIn is newUser of tenant.
func userIn(tenant, sid, name string) store.User {
	u := newUser(sid, "LOCAL", name)
	u.TenantID = tenant
	return u
}

// groupIn is newGroup of tenant.
func groupIn(tenant, sid, name string) store.Group {
	g := newGroup(sid, "LOCAL", name, nil, nil)
	g.TenantID = tenant
	return g
}

// testUserNamesPerTenant: a user name is unique within its tenant and
// domain only; GetUserByName finds the user of the tenant asked; an update
// can neither rename a user onto another of its tenant nor move it into a
// tenant where its name is taken.
func testUserNamesPerTenant(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, userIn("", sid(1), "bob"), userIn("t1/", sid(2), "Bob"), userIn("t2/", sid(3), "BOB"))
	tests := []struct {
		name  string
		users []store.User
		words []string
	}{
		{"the cluster's", []store.User{userIn("", sid(4), "bob")}, []string{`"bob"`}},
		{"a tenant's, in other case", []store.User{userIn("t1/", sid(4), "BOB")}, []string{`"BOB"`, `"t1/"`}},
		{"twice in one batch for one tenant", []store.User{userIn("t3/", sid(4), "carol"),
			userIn("t3/", sid(5), "Carol")}, []string{`"Carol"`, `"t3/"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s.CreateUsers(ctx, tc.users), store.ErrAlreadyExists, tc.words...)
			all, err := s.ListUsers(ctx, store.UserFilter{})
			must(t, err)
			checkList(t, "users after failed create", sidsOf(all), sids(1, 2, 3))
		})
	}
	for tenant, want := range map[string]string{"": sid(1), "t1/": sid(2), "t2/": sid(3)} {
		u, err := s.GetUserByName(ctx, tenant, "local", "bob")
		if err != nil || u.SID != want {
			t.Errorf("GetUserByName(%q, local, bob) = %s, %v; want %s", tenant, u.SID, err, want)
		}
	}
	_, err := s.GetUserByName(ctx, "t3/", "LOCAL", "bob")
	wantErr(t, err, store.ErrNotFound, `"bob"`, `"t3/"`)

	createUsers(t, s, userIn("t1/", sid(6), "carol"))
	_, err = s.UpdateUser(ctx, sid(6), func(u store.User) (store.User, error) { u.Username = "BOB"; return u, nil })
	wantErr(t, err, store.ErrAlreadyExists, `"BOB"`)
	_, err = s.UpdateUser(ctx, sid(2), func(u store.User) (store.User, error) { u.TenantID = "t2/"; return u, nil })
	wantErr(t, err, store.ErrAlreadyExists, `"Bob"`)
	u, err := s.UpdateUser(ctx, sid(2), func(u store.User) (store.User, error) { u.TenantID = "t3/"; return u, nil })
	must(t, err)
	if u.TenantID != "t3/" {
		t.Errorf("moved user: tenant %q, want t3/", u.TenantID)
	}
	if u, err := s.GetUserByName(ctx, "t3/", "LOCAL", "BOB"); err != nil || u.SID != sid(2) {
		t.Errorf("GetUserByName(t3/, LOCAL, BOB) after the move = %s, %v; want %s", u.SID, err, sid(2))
	}
	// Its name is free in the tenant it left.
	createUsers(t, s, userIn("t1/", sid(7), "bob"))
}

// testGroupNamesPerTenant: as testUserNamesPerTenant, for groups.
func testGroupNamesPerTenant(t *testing.T, s Single) {
	ctx := t.Context()
	createGroups(t, s, groupIn("", sid(1), "ops"), groupIn("t1/", sid(2), "Ops"), groupIn("t2/", sid(3), "OPS"))
	tests := []struct {
		name   string
		groups []store.Group
		words  []string
	}{
		{"the cluster's", []store.Group{groupIn("", sid(4), "ops")}, []string{`"ops"`}},
		{"a tenant's, in other case", []store.Group{groupIn("t1/", sid(4), "OPS")}, []string{`"OPS"`, `"t1/"`}},
		{"twice in one batch for one tenant", []store.Group{groupIn("t3/", sid(4), "dev"),
			groupIn("t3/", sid(5), "DEV")}, []string{`"DEV"`, `"t3/"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s.CreateGroups(ctx, tc.groups), store.ErrAlreadyExists, tc.words...)
			all, err := s.ListGroups(ctx, store.GroupFilter{})
			must(t, err)
			checkList(t, "groups after failed create", groupSIDsOf(all), sids(1, 2, 3))
		})
	}
	for tenant, want := range map[string]string{"": sid(1), "t1/": sid(2), "t2/": sid(3)} {
		gs, err := s.ListGroups(ctx, store.GroupFilter{Names: []string{"ops"}, TenantIDs: []string{tenant}})
		must(t, err)
		checkList(t, "ListGroups(ops of "+tenant+")", groupSIDsOf(gs), []string{want})
	}

	createGroups(t, s, groupIn("t1/", sid(6), "dev"))
	_, err := s.UpdateGroup(ctx, sid(6), func(g store.Group) (store.Group, error) { g.Name = "OPS"; return g, nil })
	wantErr(t, err, store.ErrAlreadyExists, `"OPS"`)
	_, err = s.UpdateGroup(ctx, sid(2), func(g store.Group) (store.Group, error) { g.TenantID = "t2/"; return g, nil })
	wantErr(t, err, store.ErrAlreadyExists, `"Ops"`)
	g, err := s.UpdateGroup(ctx, sid(2), func(g store.Group) (store.Group, error) { g.TenantID = "t3/"; return g, nil })
	must(t, err)
	if g.TenantID != "t3/" {
		t.Errorf("moved group: tenant %q, want t3/", g.TenantID)
	}
	createGroups(t, s, groupIn("t1/", sid(7), "ops"))
}
