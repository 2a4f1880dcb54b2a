package storetest

import (
	"fmt"
	"testing"

	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

var nameTests = []subTest{
	{"NameKeys", testNameKeys},
	{"NameLookalikes", testNameLookalikes},
}

// testNameKeys: names compare by their PRECIS key, so the NFC and NFD
// forms of a name, its fullwidth form and a Kelvin sign for K are one
// name, in lookups and in uniqueness.
func testNameKeys(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "jos\u00e9"), newUser(sid(2), "LOCAL", "Kate"))
	createGroups(t, s, newGroup(sid(3), "LOCAL", "\u00c9quipe Ops", nil, nil))
	createRoles(t, s, "R\u00f4le")

	for _, name := range []string{"jose\u0301", "JOS\u00c9", "\uff4a\uff4f\uff53\u00e9"} {
		u, err := s.GetUserByName(ctx, "", "LOCAL", name)
		if err != nil || u.SID != sid(1) {
			t.Errorf("GetUserByName(LOCAL, %+q) = %s, %v; want %s", name, u.SID, err, sid(1))
		}
	}
	u, err := s.GetUserByName(ctx, "", "LOCAL", "\u212aATE")
	if err != nil || u.SID != sid(2) {
		t.Errorf("GetUserByName(LOCAL, %+q) = %s, %v; want %s", "\u212aATE", u.SID, err, sid(2))
	}
	users, err := s.ListUsers(ctx, store.UserFilter{Usernames: []string{"JOSE\u0301"}})
	must(t, err)
	if len(users) != 1 || users[0].SID != sid(1) {
		t.Errorf("ListUsers(JOSÉ in NFD) = %v, want %s", users, sid(1))
	}
	groups, err := s.ListGroups(ctx, store.GroupFilter{Names: []string{"E\u0301QUIPE OPS"}})
	must(t, err)
	if len(groups) != 1 || groups[0].SID != sid(3) {
		t.Errorf("ListGroups(ÉQUIPE OPS in NFD) = %v, want %s", groups, sid(3))
	}

	wantErr(t, s.CreateUsers(ctx, []store.User{newUser(sid(4), "LOCAL", "jose\u0301")}), store.ErrAlreadyExists)
	wantErr(t, s.CreateUsers(ctx, []store.User{newUser(sid(5), "LOCAL", "\u212aate")}), store.ErrAlreadyExists)
	wantErr(t, s.CreateGroups(ctx, []store.Group{newGroup(sid(6), "LOCAL", "E\u0301quipe ops", nil, nil)}), store.ErrAlreadyExists)
	wantErr(t, s.CreateRole(ctx, newRole("RO\u0302LE")), store.ErrAlreadyExists)
}

// testNameLookalikes: LookalikeNames finds a name of the same kind, and
// for users and groups of the same tenant and domain, with the same
// skeleton and another key, for each candidate, in one call as one by
// one. Roles are looked up across the cluster, whatever tenant and domain
// are given.
func testNameLookalikes(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "COHESITY_VIEWER")
	root := newUser(sid(4), "LOCAL", "root")
	root.TenantID = "t1/"
	createUsers(t, s, newUser(sid(1), "LOCAL", "admin"), newUser(sid(2), "AD", "cepa"), root)
	dev := newGroup(sid(5), "LOCAL", "Dev Team", nil, nil)
	dev.TenantID = "t1/"
	createGroups(t, s, newGroup(sid(3), "LOCAL", "Ops Team", nil, nil), dev)
	const rOOt, dEv = "r\u043e\u043et", "D\u0435v Team" // Cyrillic о and е
	tests := []struct {
		kind                 names.Kind
		tenant, domain, name string
		want                 string
	}{
		{names.User, "", "LOCAL", "\u0430dmin", "admin"}, // Cyrillic а
		{names.User, "", "local", "adrnin", "admin"},
		{names.User, "", "LOCAL", "adm\u0131n", "admin"}, // dotless ı
		{names.User, "", "LOCAL", "ADMIN", ""},           // the same name: a conflict, not a look-alike
		{names.User, "", "LOCAL", "alice", ""},
		{names.User, "", "LOCAL", "\u0441\u0435\u0440\u0430", ""}, // "cepa" is in another domain
		{names.User, "", "AD", "\u0441\u0435\u0440\u0430", "cepa"},
		{names.User, "t1/", "LOCAL", "\u0430dmin", ""}, // "admin" is the cluster's
		{names.User, "t1/", "LOCAL", rOOt, "root"},
		{names.User, "", "LOCAL", rOOt, ""}, // "root" is t1/'s
		{names.User, "t2/", "LOCAL", rOOt, ""},
		{names.Group, "", "LOCAL", "0ps Team", "Ops Team"},
		{names.Group, "", "LOCAL", "admin", ""}, // a user's name, not a group's
		{names.Group, "t1/", "LOCAL", "0ps Team", ""},
		{names.Group, "t1/", "LOCAL", dEv, "Dev Team"},
		{names.Group, "", "LOCAL", dEv, ""},
		{names.Role, "", "", "COHESITY_VlEWER", "COHESITY_VIEWER"},
		{names.Role, "", "", "cohesity_viewer", ""},
		{names.Role, "t1/", "LOCAL", "COHESITY_VlEWER", "COHESITY_VIEWER"},
	}
	byKind := map[[3]string][]string{} // kind, tenant and domain: the candidates
	for _, tc := range tests {
		found, err := s.LookalikeNames(ctx, tc.kind, tc.tenant, tc.domain, []string{tc.name})
		if got := found[tc.name]; err != nil || got != tc.want {
			t.Errorf("LookalikeNames(%v, %q, %q, %+q) = %q, %v; want %q", tc.kind, tc.tenant, tc.domain, tc.name, got, err, tc.want)
		}
		k := [3]string{fmt.Sprint(tc.kind), tc.tenant, store.Fold(tc.domain)}
		byKind[k] = append(byKind[k], tc.name)
	}
	for _, tc := range tests { // all candidates of a kind, tenant and domain at once
		k := [3]string{fmt.Sprint(tc.kind), tc.tenant, store.Fold(tc.domain)}
		found, err := s.LookalikeNames(ctx, tc.kind, tc.tenant, tc.domain, byKind[k])
		if got := found[tc.name]; err != nil || got != tc.want {
			t.Errorf("LookalikeNames(%v, %q, %q, %q)[%+q] = %q, %v; want %q", tc.kind, tc.tenant, tc.domain, byKind[k], tc.name, got, err, tc.want)
		}
	}
}
