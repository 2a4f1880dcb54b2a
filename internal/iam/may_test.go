package iam

import (
	"context"
	"testing"
)

// TestMay: what the console offers follows the privileges, as decide
// would rule on a record of the kind.
func TestMay(t *testing.T) {
	svc, _, _ := newTestService(t, Config{})
	ctx := context.Background()
	admin, err := svc.Authenticate(ctx, Credential{CredSession, mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: "v", Domain: LocalDomain, Password: "v-Password-12", Roles: []string{RoleViewer}}}); err != nil {
		t.Fatal(err)
	}
	vs, err := login(t, svc, "v", "v-Password-12")
	if err != nil {
		t.Fatal(err)
	}
	viewer, err := svc.Authenticate(ctx, Credential{CredSession, vs})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  string
		p    *Principal
		act  Act
		kind TargetKind
		want bool
	}{
		{"admin", admin, ActCreate, KindUser, true},
		{"admin", admin, ActDelete, KindRole, true},
		{"admin", admin, ActRead, KindAudit, true},
		{"viewer", viewer, ActRead, KindUser, true},
		{"viewer", viewer, ActCreate, KindUser, false},
		{"viewer", viewer, ActDelete, KindUser, false},
		{"viewer", viewer, ActChangeRoles, KindRole, false},
		{"viewer", viewer, ActRead, KindAudit, true},
	} {
		if got := svc.May(c.p, c.act, c.kind); got != c.want {
			t.Errorf("%s may %s a %s: %v, want %v", c.who, actVerbs[c.act], kindNames[c.kind], got, c.want)
		}
	}
}
