package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var auditTests = []subTest{
	{"Audit", testAudit},
	{"AuditFilters", testAuditFilters},
	{"AuditWithChange", testAuditWithChange},
	{"AuditRetention", testAuditRetention},
	{"AuditTenants", testAuditTenants},
}

// auditEntry returns an entry at usecs by actor on a user named target.
func auditEntry(usecs int64, actor, action, target string) store.AuditEntry {
	return store.AuditEntry{
		TimeUsecs: usecs, ActorSID: sid(1), ActorDomain: "LOCAL", ActorUsername: actor,
		IP: "192.0.2.7", Action: action, EntityType: "User", EntityID: sid(2),
		EntityName: `LOCAL\` + target, Details: action + " user " + target,
	}
}

// actionsOf lists the actions of entries, in order.
func actionsOf(entries []store.AuditEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Action
	}
	return out
}

// checkActions fails t unless got holds the actions want, in order, and
// total is wantTotal.
func checkActions(t *testing.T, what string, got []store.AuditEntry, total, wantTotal int64, want []string) {
	t.Helper()
	if total != wantTotal || len(got) != len(want) || (len(got) > 0 && !slices.Equal(actionsOf(got), want)) {
		t.Errorf("%s: got %v (total %d), want %v (total %d)", what, actionsOf(got), total, want, wantTotal)
	}
}

func testAudit(t *testing.T, s Single) {
	ctx := t.Context()
	got, total, err := s.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	if len(got) != 0 || total != 0 {
		t.Fatalf("empty store: ListAudit = %d entries, total %d", len(got), total)
	}
	// Two at one time: the later appended is the newer.
	in := []store.AuditEntry{auditEntry(1000, "admin", "Create", "bob"),
		auditEntry(2000, "admin", "Modify", "bob"), auditEntry(2000, "admin", "Delete", "bob")}
	in[0].ID = 77 // ignored
	must(t, s.AppendAudit(ctx, in))
	must(t, s.AppendAudit(ctx, nil))
	got, total, err = s.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	checkActions(t, "newest first", got, total, 3, []string{"Delete", "Modify", "Create"})
	if t.Failed() {
		t.FailNow()
	}
	if !(got[0].ID > got[1].ID && got[1].ID > got[2].ID) {
		t.Errorf("ids %d, %d, %d do not grow with the entries", got[2].ID, got[1].ID, got[0].ID)
	}
	want := in[0]
	want.ID = got[2].ID
	checkEqual(t, "entry read back", got[2], want)

	// Pages of the same order; the total counts them all.
	for _, tc := range []struct {
		offset, limit int
		want          []string
	}{{0, 2, []string{"Delete", "Modify"}}, {1, 1, []string{"Modify"}}, {2, 0, []string{"Create"}}, {3, 5, nil}} {
		got, total, err := s.ListAudit(ctx, store.AuditFilter{Offset: tc.offset, Limit: tc.limit})
		must(t, err)
		checkActions(t, fmt.Sprintf("offset %d limit %d", tc.offset, tc.limit), got, total, 3, tc.want)
	}
}

func testAuditFilters(t *testing.T, s Single) {
	ctx := t.Context()
	alice := auditEntry(1000, "Alice", "Create", "bob")
	alice.ActorDomain = "CORP.example"
	carol := auditEntry(2000, "carol", "Login", "carol")
	carol.EntityType, carol.Details = "Session", "logged in from 192.0.2.7"
	dave := auditEntry(3000, "dave", "Delete", "Ünïcode_%")
	must(t, s.AppendAudit(ctx, []store.AuditEntry{alice, carol, dave}))
	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		want []string
	}{
		{"actor any case", store.AuditFilter{ActorUsernames: []string{"ALICE", "nobody"}}, []string{"Create"}},
		{"actor domain any case", store.AuditFilter{ActorDomains: []string{"corp.EXAMPLE"}}, []string{"Create"}},
		{"actions", store.AuditFilter{Actions: []string{"Login", "Delete"}}, []string{"Delete", "Login"}},
		{"action case matters", store.AuditFilter{Actions: []string{"login"}}, nil},
		{"entity types", store.AuditFilter{EntityTypes: []string{"Session"}}, []string{"Login"}},
		{"search target", store.AuditFilter{Search: `local\BOB`}, []string{"Create"}},
		{"search details", store.AuditFilter{Search: "192.0.2"}, []string{"Login"}},
		{"search target sid", store.AuditFilter{Search: sid(2)}, []string{"Delete", "Login", "Create"}},
		{"search is literal", store.AuditFilter{Search: "_%"}, []string{"Delete"}},
		{"search unicode", store.AuditFilter{Search: "Ünï"}, []string{"Delete"}},
		{"search metacharacters", store.AuditFilter{Search: "' OR 1=1 --"}, nil},
		{"from", store.AuditFilter{StartUsecs: 2000}, []string{"Delete", "Login"}},
		{"until", store.AuditFilter{EndUsecs: 2000}, []string{"Login", "Create"}},
		{"between", store.AuditFilter{StartUsecs: 1500, EndUsecs: 2500}, []string{"Login"}},
		{"fields AND", store.AuditFilter{ActorUsernames: []string{"alice"}, Actions: []string{"Login"}}, nil},
	} {
		got, total, err := s.ListAudit(ctx, tc.f)
		must(t, err)
		checkActions(t, tc.name, got, total, int64(len(tc.want)), tc.want)
	}
}

// testAuditWithChange checks that entries appended in a transaction commit
// with the change they ride on, and vanish with it when it fails.
func testAuditWithChange(t *testing.T, s Single) {
	ctx := t.Context()
	// audited makes a change with its entry in one transaction.
	audited := func(e store.AuditEntry, change func(tx store.Tx) error) error {
		return s.Update(ctx, func(tx store.Tx) error {
			if err := tx.AppendAudit(ctx, e); err != nil {
				return err
			}
			return change(tx)
		})
	}
	created := auditEntry(1000, "admin", "Create", "bob")
	must(t, audited(created, func(tx store.Tx) error {
		return tx.CreateUsers(ctx, []store.User{newUser(sid(2), "LOCAL", "bob")})
	}))
	// A duplicate fails, and so does an update whose fn refuses.
	dup := auditEntry(2000, "admin", "Create", "BOB")
	wantErr(t, audited(dup, func(tx store.Tx) error {
		return tx.CreateUsers(ctx, []store.User{newUser(sid(3), "LOCAL", "BOB")})
	}), store.ErrAlreadyExists)
	refused := errors.New("refused")
	err := audited(auditEntry(3000, "admin", "Modify", "bob"), func(tx store.Tx) error {
		_, err := tx.UpdateUser(ctx, sid(2), func(store.User) (store.User, error) { return store.User{}, refused })
		return err
	})
	if !errors.Is(err, refused) {
		t.Fatalf("UpdateUser: %v, want %v", err, refused)
	}
	must(t, audited(auditEntry(4000, "admin", "Modify", "bob"), func(tx store.Tx) error {
		_, err := tx.UpdateUser(ctx, sid(2), func(u store.User) (store.User, error) { u.Description = "changed"; return u, nil })
		return err
	}))
	// A transaction without entries records nothing.
	must(t, s.DeleteUsers(ctx, []string{sid(2)}))
	got, _, err := s.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	checkActions(t, "recorded", got, int64(len(got)), 2, []string{"Modify", "Create"})
	if len(got) > 0 && got[0].TimeUsecs != 4000 {
		t.Errorf("the Modify recorded is at %d, want the one at 4000", got[0].TimeUsecs)
	}
}

func testAuditRetention(t *testing.T, s Single) {
	ctx := t.Context()
	// More than one INSERT's worth, at times 1..450.
	var in []store.AuditEntry
	for i := range 450 {
		in = append(in, auditEntry(int64(i+1), "admin", fmt.Sprint("A", i+1), "bob"))
	}
	must(t, s.AppendAudit(ctx, in))
	n, err := s.DeleteAuditBefore(ctx, 448)
	must(t, err)
	if n != 447 {
		t.Errorf("DeleteAuditBefore(448) = %d, want 447", n)
	}
	got, total, err := s.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	checkActions(t, "kept", got, total, 3, []string{"A450", "A449", "A448"})
}

// testAuditTenants: the tenant an act was made in, and the actor's own
// when it impersonated, read back as written; a filter on tenants selects
// by the first only.
func testAuditTenants(t *testing.T, s Single) {
	ctx := t.Context()
	inT1 := auditEntry(1000, "alice", "Create", "bob")
	inT1.TenantID, inT1.TenantName = "t1/", "Org One"
	impersonated := auditEntry(2000, "admin", "Modify", "bob")
	impersonated.TenantID, impersonated.TenantName = "t2/", "Org Two"
	impersonated.OriginalTenantID, impersonated.OriginalTenantName = "t1/", "Org One"
	impersonated.IsImpersonation = true
	cluster := auditEntry(3000, "admin", "Delete", "bob")
	must(t, s.AppendAudit(ctx, []store.AuditEntry{inT1, impersonated, cluster}))

	got, total, err := s.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	checkActions(t, "all", got, total, 3, []string{"Delete", "Modify", "Create"})
	if t.Failed() {
		t.FailNow()
	}
	for i, want := range []store.AuditEntry{cluster, impersonated, inT1} {
		want.ID = got[i].ID
		checkEqual(t, "entry "+want.Action+" read back", got[i], want)
	}
	for _, tc := range []struct {
		name    string
		tenants []string
		want    []string
	}{
		{"a tenant", []string{"t1/"}, []string{"Create"}},
		{"the tenant acted in, not the actor's own", []string{"t2/"}, []string{"Modify"}},
		{"the cluster", []string{""}, []string{"Delete"}},
		{"tenants OR", []string{"", "t1/"}, []string{"Delete", "Create"}},
		{"no prefix", []string{"t"}, nil},
		{"unknown", []string{"t9/"}, nil},
	} {
		got, total, err := s.ListAudit(ctx, store.AuditFilter{TenantIDs: tc.tenants})
		must(t, err)
		checkActions(t, tc.name, got, total, int64(len(tc.want)), tc.want)
	}
	got, total, err = s.ListAudit(ctx, store.AuditFilter{TenantIDs: []string{"t1/", "t2/"}, Actions: []string{"Modify"}, Limit: 1})
	must(t, err)
	checkActions(t, "tenants AND action", got, total, 1, []string{"Modify"})
}
