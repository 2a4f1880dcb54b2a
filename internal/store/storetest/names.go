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
		u, err := s.GetUserByName(ctx, "LOCAL", name)
		if err != nil || u.SID != sid(1) {
			t.Errorf("GetUserByName(LOCAL, %+q) = %s, %v; want %s", name, u.SID, err, sid(1))
		}
	}
	u, err := s.GetUserByName(ctx, "LOCAL", "\u212aATE")
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

// testNameLookalikes: LookalikeNames finds a name of the same kind and
// domain with the same skeleton and another key, for each candidate, in
// one call as one by one.
func testNameLookalikes(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "COHESITY_VIEWER")
	createUsers(t, s, newUser(sid(1), "LOCAL", "admin"), newUser(sid(2), "AD", "cepa"))
	createGroups(t, s, newGroup(sid(3), "LOCAL", "Ops Team", nil, nil))
	tests := []struct {
		kind         names.Kind
		domain, name string
		want         string
	}{
		{names.User, "LOCAL", "\u0430dmin", "admin"}, // Cyrillic а
		{names.User, "local", "adrnin", "admin"},
		{names.User, "LOCAL", "adm\u0131n", "admin"}, // dotless ı
		{names.User, "LOCAL", "ADMIN", ""},           // the same name: a conflict, not a look-alike
		{names.User, "LOCAL", "alice", ""},
		{names.User, "LOCAL", "\u0441\u0435\u0440\u0430", ""}, // "cepa" is in another domain
		{names.User, "AD", "\u0441\u0435\u0440\u0430", "cepa"},
		{names.Group, "LOCAL", "0ps Team", "Ops Team"},
		{names.Group, "LOCAL", "admin", ""}, // a user's name, not a group's
		{names.Role, "", "COHESITY_VlEWER", "COHESITY_VIEWER"},
		{names.Role, "", "cohesity_viewer", ""},
	}
	byKind := map[[2]string][]string{} // kind and domain: the candidates
	for _, tc := range tests {
		found, err := s.LookalikeNames(ctx, tc.kind, tc.domain, []string{tc.name})
		if got := found[tc.name]; err != nil || got != tc.want {
			t.Errorf("LookalikeNames(%v, %q, %+q) = %q, %v; want %q", tc.kind, tc.domain, tc.name, got, err, tc.want)
		}
		k := [2]string{fmt.Sprint(tc.kind), store.Fold(tc.domain)}
		byKind[k] = append(byKind[k], tc.name)
	}
	for _, tc := range tests { // all candidates of a kind and domain at once
		k := [2]string{fmt.Sprint(tc.kind), store.Fold(tc.domain)}
		found, err := s.LookalikeNames(ctx, tc.kind, tc.domain, byKind[k])
		if got := found[tc.name]; err != nil || got != tc.want {
			t.Errorf("LookalikeNames(%v, %q, %q)[%+q] = %q, %v; want %q", tc.kind, tc.domain, byKind[k], tc.name, got, err, tc.want)
		}
	}
}
