package storetest

import (
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var groupListTests = []subTest{
	{"GroupListFilters", testGroupListFilters},
}

func testGroupListFilters(t *testing.T, s Single) {
	createRoles(t, s, "admin", "viewer")
	mk := func(n int, domain, name string, created int64, tenant string, roles ...string) store.Group {
		g := newGroup(sid(n), domain, name, roles, nil)
		g.TenantID, g.CreatedMsecs = tenant, created
		return g
	}
	createGroups(t, s,
		mk(101, "LOCAL", "ops", t2, "t1/", "admin"),
		mk(102, "LOCAL", "Dev_Ops", t0, "t3/", "viewer"),
		mk(103, "AD", "OPS", t1, "", "admin", "viewer"),
		mk(104, "LOCAL", "devXops", t1, "t2/"),
		mk(105, "AD", "50%off", t0, ""),
		mk(106, "LOCAL", "ops", t0, "t2/"), // 101's name, in another tenant
	)
	tests := []struct {
		name string
		f    store.GroupFilter
		want []string
	}{
		{"no filter: by creation then sid", store.GroupFilter{}, sids(102, 105, 106, 103, 104, 101)},
		{"domain", store.GroupFilter{Domain: "ad"}, sids(105, 103)},
		{"sids", store.GroupFilter{SIDs: sids(101, 104, 999)}, sids(104, 101)},
		{"name exact, any case, every tenant", store.GroupFilter{Names: []string{"Ops"}}, sids(106, 103, 101)},
		{"names OR", store.GroupFilter{Names: []string{"dev_ops", "50%OFF"}}, sids(102, 105)},
		{"partial", gpartial("OPS"), sids(102, 106, 103, 104, 101)},
		{"partial underscore is literal", gpartial("v_o"), sids(102)},
		{"partial percent is literal", gpartial("%"), sids(105)},
		{"partial percent not any run", gpartial("5%f"), nil},
		{"partial OR", gpartial("xo", "0%"), sids(105, 104)},
		{"role", store.GroupFilter{Roles: []string{"viewer"}}, sids(102, 103)},
		{"roles OR", store.GroupFilter{Roles: []string{"viewer", "admin"}}, sids(102, 103, 101)},
		{"tenant", store.GroupFilter{TenantIDs: []string{"t2/"}}, sids(106, 104)},
		{"tenants OR", store.GroupFilter{TenantIDs: []string{"t3/", "t1/"}}, sids(102, 101)},
		{"the cluster's", store.GroupFilter{TenantIDs: []string{""}}, sids(105, 103)},
		{"the cluster's OR a tenant", store.GroupFilter{TenantIDs: []string{"t1/", ""}}, sids(105, 103, 101)},
		{"unknown tenant", store.GroupFilter{TenantIDs: []string{"t9/"}}, nil},
		{"a tenant id's prefix is another", store.GroupFilter{TenantIDs: []string{"t"}}, nil},
		{"domain AND role", store.GroupFilter{Domain: "LOCAL", Roles: []string{"admin"}}, sids(101)},
		{"partial AND tenant", store.GroupFilter{Names: []string{"dev"}, MatchPartialNames: true,
			TenantIDs: []string{"t2/", "t3/"}}, sids(102, 104)},
		{"name AND tenant", store.GroupFilter{Names: []string{"OPS"}, TenantIDs: []string{"t2/"}}, sids(106)},
		{"name AND domain: none", store.GroupFilter{Names: []string{"50%off"}, Domain: "LOCAL"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListGroups(t.Context(), tc.f)
			must(t, err)
			checkList(t, "ListGroups", groupSIDsOf(got), tc.want)
		})
	}
}

// gpartial is a filter on partial group names.
func gpartial(names ...string) store.GroupFilter {
	return store.GroupFilter{Names: names, MatchPartialNames: true}
}
