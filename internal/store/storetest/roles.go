package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var roleTests = []subTest{
	{"RoleCreateGet", testRoleCreateGet},
	{"RoleCreateDuplicate", testRoleCreateDuplicate},
	{"RoleList", testRoleList},
	{"RoleFilterTenants", testRoleFilterTenants},
	{"RoleUpsertBuiltin", testRoleUpsertBuiltin},
	{"RoleUpdate", testRoleUpdate},
	{"RoleDelete", testRoleDelete},
	{"RoleDeleteInUse", testRoleDeleteInUse},
	{"RoleDeleteInUseMany", testRoleDeleteInUseMany},
	{"RoleEmptySlices", testRoleEmptySlices},
}

func testRoleCreateGet(t *testing.T, s Single) {
	ctx := t.Context()
	want := newRole("auditor")
	must(t, s.CreateRole(ctx, want))
	got, err := s.GetRole(ctx, "auditor")
	must(t, err)
	checkEqual(t, "GetRole", got, want)
	_, err = s.GetRole(ctx, "ghost")
	wantErr(t, err, store.ErrNotFound, `"ghost"`)
}

func testRoleCreateDuplicate(t *testing.T, s Single) {
	ctx := t.Context()
	must(t, s.CreateRole(ctx, newRole("auditor")))
	wantErr(t, s.CreateRole(ctx, newRole("auditor")), store.ErrAlreadyExists, `"auditor"`)
	wantErr(t, s.CreateRole(ctx, newRole("Auditor")), store.ErrAlreadyExists, `"Auditor"`)
	got, err := s.GetRole(ctx, "auditor")
	must(t, err)
	checkEqual(t, "role after failed create", got, newRole("auditor"))
}

func testRoleList(t *testing.T, s Single) {
	ctx := t.Context()
	for i, n := range []string{"c", "a", "b"} {
		r := newRole(n)
		r.CreatedMsecs = t0 + int64(i)
		must(t, s.CreateRole(ctx, r))
	}
	names := func(rs []store.Role) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, r.Name)
		}
		slices.Sort(out)
		return out
	}
	all, err := s.ListRoles(ctx, store.RoleFilter{})
	must(t, err)
	checkList(t, "all roles", names(all), []string{"a", "b", "c"})
	some, err := s.ListRoles(ctx, store.RoleFilter{Names: []string{"b", "ghost", "c"}})
	must(t, err)
	checkList(t, "roles named (unknown left out)", names(some), []string{"b", "c"})
	for _, r := range some {
		checkEqual(t, "listed role "+r.Name, r, func() store.Role {
			w := newRole(r.Name)
			w.CreatedMsecs = r.CreatedMsecs
			return w
		}())
	}
	none, err := s.ListRoles(ctx, store.RoleFilter{Names: []string{"ghost"}})
	must(t, err)
	checkList(t, "roles named, none known", names(none), nil)
}

// testRoleFilterTenants: a filter on tenants selects their custom roles
// and every built-in role, whatever tenant it names; names AND tenants.
func testRoleFilterTenants(t *testing.T, s Single) {
	ctx := t.Context()
	for i, r := range []struct {
		name, tenant string
		builtin      bool
	}{
		{"B1", "", true}, {"B2", "t1/", true}, {"c-cluster", "", false},
		{"c-t1", "t1/", false}, {"c-t2", "t2/", false}, {"c-t1-sub", "t1/sub/", false},
	} {
		role := newRole(r.name)
		role.TenantID, role.CreatedMsecs = r.tenant, t0+int64(i)
		if r.builtin {
			role.IsUserCreated = false
			must(t, s.UpsertBuiltinRole(ctx, role))
		} else {
			must(t, s.CreateRole(ctx, role))
		}
	}
	for _, tc := range []struct {
		name string
		f    store.RoleFilter
		want []string
	}{
		{"no filter", store.RoleFilter{}, []string{"B1", "B2", "c-cluster", "c-t1", "c-t2", "c-t1-sub"}},
		{"a tenant", store.RoleFilter{TenantIDs: []string{"t1/"}}, []string{"B1", "B2", "c-t1"}},
		{"the cluster", store.RoleFilter{TenantIDs: []string{""}}, []string{"B1", "B2", "c-cluster"}},
		{"tenants OR", store.RoleFilter{TenantIDs: []string{"t2/", "t1/"}}, []string{"B1", "B2", "c-t1", "c-t2"}},
		{"a tenant with none", store.RoleFilter{TenantIDs: []string{"t9/"}}, []string{"B1", "B2"}},
		{"not by prefix", store.RoleFilter{TenantIDs: []string{"t1"}}, []string{"B1", "B2"}},
		{"names AND a tenant", store.RoleFilter{Names: []string{"c-t1", "c-t2", "B1"}, TenantIDs: []string{"t1/"}},
			[]string{"B1", "c-t1"}},
		{"names AND a tenant: none", store.RoleFilter{Names: []string{"c-t2"}, TenantIDs: []string{"t1/"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListRoles(ctx, tc.f)
			must(t, err)
			var names []string
			for _, r := range got {
				names = append(names, r.Name)
			}
			checkList(t, "ListRoles", names, tc.want)
		})
	}
	b2, err := s.GetRole(ctx, "B2")
	must(t, err)
	if b2.TenantID != "t1/" || b2.IsUserCreated {
		t.Errorf("built-in role B2: tenant %q, user-created %v; want t1/, false", b2.TenantID, b2.IsUserCreated)
	}
}

func testRoleUpsertBuiltin(t *testing.T, s Single) {
	ctx := t.Context()
	b := store.Role{Name: "builtin-admin", Label: "Admin", Privileges: []string{"all"},
		CreatedMsecs: t0, UpdatedMsecs: t0}
	must(t, s.UpsertBuiltinRole(ctx, b))
	got, err := s.GetRole(ctx, b.Name)
	must(t, err)
	checkEqual(t, "created built-in role", got, b)

	createUsers(t, s, newUser(sid(1), "LOCAL", "bob", b.Name))
	b2 := b
	b2.Label, b2.Privileges, b2.Description, b2.UpdatedMsecs = "Administrator", []string{"all", "more"}, "new", t1
	b2.CreatedMsecs = t1
	must(t, s.UpsertBuiltinRole(ctx, b2))
	got, err = s.GetRole(ctx, b.Name)
	must(t, err)
	if got.Label != b2.Label || !slices.Equal(got.Privileges, b2.Privileges) ||
		got.Description != "new" || got.UpdatedMsecs != t1 || got.IsUserCreated {
		t.Errorf("replaced built-in role = %+v, want %+v", got, b2)
	}
	u, err := s.GetUser(ctx, sid(1))
	must(t, err)
	checkList(t, "holder keeps the replaced role", u.Roles, []string{b.Name})
}

func testRoleUpdate(t *testing.T, s Single) {
	ctx := t.Context()
	orig := newRole("ops")
	must(t, s.CreateRole(ctx, orig))
	var seen store.Role
	got, err := s.UpdateRole(ctx, "ops", func(r store.Role) (store.Role, error) {
		seen = r
		r.Name = "renamed" // the key is kept
		r.Label, r.Privileges, r.TenantID, r.UpdatedMsecs = "Ops", []string{"x"}, "", t2
		return r, nil
	})
	must(t, err)
	checkEqual(t, "record passed to fn", seen, orig)
	want := orig
	want.Label, want.Privileges, want.TenantID, want.UpdatedMsecs = "Ops", []string{"x"}, "", t2
	checkEqual(t, "UpdateRole result", got, want)
	stored, err := s.GetRole(ctx, "ops")
	must(t, err)
	checkEqual(t, "stored after UpdateRole", stored, want)
	_, err = s.GetRole(ctx, "renamed")
	wantErr(t, err, store.ErrNotFound)

	errFn := errors.New("fn says no")
	_, err = s.UpdateRole(ctx, "ops", func(r store.Role) (store.Role, error) {
		r.Label = "changed"
		return r, errFn
	})
	wantErr(t, err, errFn)
	stored, err = s.GetRole(ctx, "ops")
	must(t, err)
	checkEqual(t, "stored after failed UpdateRole", stored, want)
	_, err = s.UpdateRole(ctx, "ghost", func(r store.Role) (store.Role, error) { return r, nil })
	wantErr(t, err, store.ErrNotFound, `"ghost"`)
}

func testRoleDelete(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "a", "b")
	must(t, s.DeleteRole(ctx, "a"))
	_, err := s.GetRole(ctx, "a")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteRole(ctx, "a"), store.ErrNotFound, `"a"`)
	if _, err := s.GetRole(ctx, "b"); err != nil {
		t.Errorf("other role: %v", err)
	}
	must(t, s.CreateRole(ctx, newRole("A")))
}

func testRoleDeleteInUse(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "admin", "other")
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob", "other", "admin"), newUser(sid(2), "LOCAL", "carol"))
	createGroups(t, s, newGroup(sid(100), "LOCAL", "ops", []string{"admin"}, nil))

	err := s.DeleteRole(ctx, "admin")
	wantErr(t, err, store.ErrInUse, `"admin"`, `user LOCAL\bob`, `group LOCAL\ops`)
	var iu *store.InUseError
	if !errors.As(err, &iu) {
		t.Fatalf("DeleteRole error %T is not an *InUseError", err)
	}
	checkList(t, "holders", iu.Holders, []string{`user LOCAL\bob`, `group LOCAL\ops`})
	if _, err := s.GetRole(ctx, "admin"); err != nil {
		t.Fatalf("role in use was deleted: %v", err)
	}

	_, err = s.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) {
		u.Roles = []string{"other"}
		return u, nil
	})
	must(t, err)
	err = s.DeleteRole(ctx, "admin")
	wantErr(t, err, store.ErrInUse, `group LOCAL\ops`)
	if errors.As(err, &iu) && slices.Contains(iu.Holders, `user LOCAL\bob`) {
		t.Errorf("holders %q still name bob", iu.Holders)
	}
	_, err = s.UpdateGroup(ctx, sid(100), func(g store.Group) (store.Group, error) {
		g.Roles = nil
		return g, nil
	})
	must(t, err)
	must(t, s.DeleteRole(ctx, "admin"))
}

func testRoleDeleteInUseMany(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "admin")
	var users []store.User
	for i := range 30 {
		users = append(users, newUser(sid(i), "LOCAL", fmt.Sprintf("user%02d", i), "admin"))
	}
	createUsers(t, s, users...)
	err := s.DeleteRole(ctx, "admin")
	var iu *store.InUseError
	if !errors.As(err, &iu) {
		t.Fatalf("DeleteRole = %v, want an *InUseError", err)
	}
	if len(iu.Holders) < 2 || len(iu.Holders) > 21 {
		t.Errorf("holders of a role held 30 times: %d entries, want a capped list", len(iu.Holders))
	}
	if len(iu.Holders) < 30 {
		last := iu.Holders[len(iu.Holders)-1]
		want := fmt.Sprintf("and %d more", 30-(len(iu.Holders)-1))
		if last != want {
			t.Errorf("last holder entry %q, want %q", last, want)
		}
	}
}

func testRoleEmptySlices(t *testing.T, s Single) {
	ctx := t.Context()
	must(t, s.CreateRole(ctx, store.Role{Name: "bare"}))
	must(t, s.UpsertBuiltinRole(ctx, store.Role{Name: "bare-builtin"}))
	for _, n := range []string{"bare", "bare-builtin"} {
		got, err := s.GetRole(ctx, n)
		must(t, err)
		checkNonNil(t, "GetRole "+n, got, "Privileges")
	}
	list, err := s.ListRoles(ctx, store.RoleFilter{})
	must(t, err)
	for _, r := range list {
		checkNonNil(t, "ListRoles "+r.Name, r, "Privileges")
	}
}
