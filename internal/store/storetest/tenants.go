package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var tenantTests = []subTest{
	{"TenantCreateGet", testTenantCreateGet},
	{"TenantCreateDuplicate", testTenantCreateDuplicate},
	{"TenantList", testTenantList},
	{"TenantUpdate", testTenantUpdate},
	{"TenantUpdateErrors", testTenantUpdateErrors},
	{"ConcurrentCreateSameTenantName", testConcurrentCreateSameTenantName},
}

// newTenant returns an active tenant without a network.
func newTenant(id, name string) store.Tenant {
	return store.Tenant{ID: id, Name: name, Status: store.TenantActive, CreatedMsecs: t0, UpdatedMsecs: t0}
}

// fullTenant returns a tenant with every field set.
func fullTenant(id, name string) store.Tenant {
	return store.Tenant{
		ID:                id,
		Name:              name,
		Description:       "The organization " + name,
		Status:            store.TenantInactive,
		IsManagedOnHelios: true,
		Network: &store.TenantNetwork{ConnectorEnabled: true, ClusterHostname: "cluster.example.com",
			ClusterIPs: []string{"192.0.2.10", "2001:db8::10"}},
		CreatedMsecs: t0,
		UpdatedMsecs: t1,
		DeletedMsecs: t2,
	}
}

// createTenants creates tenants, failing t on error.
func createTenants(t *testing.T, s Single, tenants ...store.Tenant) {
	t.Helper()
	for _, tn := range tenants {
		must(t, s.CreateTenant(t.Context(), tn))
	}
}

// tenantIDsOf returns the ids of tenants, in order.
func tenantIDsOf(tenants []store.Tenant) []string {
	out := []string{}
	for _, tn := range tenants {
		out = append(out, tn.ID)
	}
	return out
}

// testTenantCreateGet: a tenant reads back as written, by id and listed;
// a network without addresses reads back with an empty list, and none
// as none.
func testTenantCreateGet(t *testing.T, s Single) {
	ctx := t.Context()
	full := fullTenant("org1/", "Org One")
	bare := store.Tenant{ID: "org1/sub/", Name: "Sub", Status: store.TenantActive}
	noIPs := newTenant("org2/", "Org Two")
	noIPs.Network = &store.TenantNetwork{ClusterHostname: "h"}
	createTenants(t, s, full, bare, noIPs)
	wantNoIPs := noIPs
	wantNoIPs.Network = &store.TenantNetwork{ClusterHostname: "h", ClusterIPs: []string{}}

	for _, want := range []store.Tenant{full, bare, wantNoIPs} {
		got, err := s.GetTenant(ctx, want.ID)
		must(t, err)
		checkEqual(t, "GetTenant("+want.ID+")", got, want)
		if got.Network != nil && got.Network.ClusterIPs == nil {
			t.Errorf("GetTenant(%s): Network.ClusterIPs is nil, want an empty list", want.ID)
		}
		list, err := s.ListTenants(ctx, store.TenantFilter{IDs: []string{want.ID}})
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("ListTenants(%s): %d tenants, want 1", want.ID, len(list))
		}
		checkEqual(t, "ListTenants("+want.ID+")", list[0], want)
	}
	_, err := s.GetTenant(ctx, "ghost/")
	wantErr(t, err, store.ErrNotFound, `"ghost/"`)
}

// testTenantCreateDuplicate: an id is never used twice, not even after
// its tenant was deleted; a name (by its key) is unique among the tenants
// not deleted.
func testTenantCreateDuplicate(t *testing.T, s Single) {
	ctx := t.Context()
	deleted := newTenant("d/", "Delta")
	deleted.Status = store.TenantDeleted
	createTenants(t, s, newTenant("a/", "Alpha"), deleted)
	taken := func(id, name, status string) store.Tenant {
		tn := newTenant(id, name)
		tn.Status = status
		return tn
	}
	tests := []struct {
		name   string
		tenant store.Tenant
		words  []string
	}{
		{"same id", taken("a/", "Other", store.TenantActive), []string{`"a/"`}},
		{"id of a deleted tenant", taken("d/", "Other", store.TenantActive), []string{`"d/"`}},
		{"id of a deleted tenant, deleted too", taken("d/", "Other", store.TenantDeleted), []string{`"d/"`}},
		{"same name", taken("b/", "Alpha", store.TenantActive), []string{`"Alpha"`}},
		{"name in other case", taken("b/", "ALPHA", store.TenantInactive), []string{`"ALPHA"`}},
		{"name of one marked for deletion", taken("b/", "alpha", store.TenantMarkedForDeletion), []string{`"alpha"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s.CreateTenant(ctx, tc.tenant), store.ErrAlreadyExists, tc.words...)
			all, err := s.ListTenants(ctx, store.TenantFilter{})
			must(t, err)
			checkList(t, "tenants after failed create", tenantIDsOf(all), []string{"a/", "d/"})
		})
	}
	// A deleted tenant's name is free, and deleted tenants may share one.
	createTenants(t, s, taken("e/", "DELTA", store.TenantActive), taken("f/", "delta", store.TenantDeleted))
	wantErr(t, s.CreateTenant(ctx, taken("g/", "Delta", store.TenantInactive)), store.ErrAlreadyExists, `"Delta"`)
	// A deleted tenant's name may be another's not deleted.
	createTenants(t, s, taken("h/", "Alpha", store.TenantDeleted))
	// Names are unique inside one parent: tenants of different parents
	// may share one, and with the top level's.
	createTenants(t, s, newTenant("a/x/", "Alpha"), newTenant("e/x/", "Alpha"), newTenant("e/y/", "Omega"))
	wantErr(t, s.CreateTenant(ctx, newTenant("a/z/", "ALPHA")), store.ErrAlreadyExists, `"ALPHA"`)
	_, err := s.UpdateTenant(ctx, "e/y/", func(tn store.Tenant) (store.Tenant, error) { tn.Name = "alpha"; return tn, nil })
	wantErr(t, err, store.ErrAlreadyExists)
}

// testTenantList: filters on ids, statuses and the subtree under an id,
// in the order of the ids' bytes whatever the database's collation. The
// subtree is a plain prefix: "ab/" is not under "a/", and % and _ in an
// id are no wildcards.
func testTenantList(t *testing.T, s Single) {
	ctx := t.Context()
	status := map[string]string{"a/": store.TenantActive, "a/b/": store.TenantInactive,
		"a/b/c/": store.TenantDeleted, "ab/": store.TenantActive, "a%/": store.TenantActive,
		"a_/": store.TenantMarkedForDeletion, "B/": store.TenantActive, "x/": store.TenantInactive,
		"x/a/": store.TenantActive, "\u00e9/": store.TenantActive, "\u00e9/\u00e8/": store.TenantDeleted}
	n := 0
	for id, st := range status {
		tn := newTenant(id, fmt.Sprint("tenant ", n))
		tn.Status = st
		createTenants(t, s, tn)
		n++
	}
	all := []string{"B/", "a%/", "a/", "a/b/", "a/b/c/", "a_/", "ab/", "x/", "x/a/", "\u00e9/", "\u00e9/\u00e8/"}
	tests := []struct {
		name string
		f    store.TenantFilter
		want []string
	}{
		{"no filter: by the bytes of the id", store.TenantFilter{}, all},
		{"ids", store.TenantFilter{IDs: []string{"x/", "a/", "nope/"}}, []string{"a/", "x/"}},
		{"one id", store.TenantFilter{IDs: []string{"a%/"}}, []string{"a%/"}},
		{"status", store.TenantFilter{Statuses: []string{store.TenantDeleted}}, []string{"a/b/c/", "\u00e9/\u00e8/"}},
		{"statuses OR", store.TenantFilter{Statuses: []string{store.TenantInactive, store.TenantMarkedForDeletion}},
			[]string{"a/b/", "a_/", "x/"}},
		{"status case matters", store.TenantFilter{Statuses: []string{"active"}}, nil},
		{"under a tenant: itself and below", store.TenantFilter{Under: "a/"}, []string{"a/", "a/b/", "a/b/c/"}},
		{"under a sub-tenant", store.TenantFilter{Under: "a/b/"}, []string{"a/b/", "a/b/c/"}},
		{"under a leaf", store.TenantFilter{Under: "a/b/c/"}, []string{"a/b/c/"}},
		{"under: % is no wildcard", store.TenantFilter{Under: "a%/"}, []string{"a%/"}},
		{"under: _ is no wildcard", store.TenantFilter{Under: "a_/"}, []string{"a_/"}},
		{"under: a bare prefix", store.TenantFilter{Under: "a"}, []string{"a%/", "a/", "a/b/", "a/b/c/", "a_/", "ab/"}},
		{"under: case matters", store.TenantFilter{Under: "b/"}, nil},
		{"under: characters, not bytes", store.TenantFilter{Under: "\u00e9/"}, []string{"\u00e9/", "\u00e9/\u00e8/"}},
		{"under nothing known", store.TenantFilter{Under: "z/"}, nil},
		{"under AND status", store.TenantFilter{Under: "a/", Statuses: []string{store.TenantActive, store.TenantDeleted}},
			[]string{"a/", "a/b/c/"}},
		{"under AND ids", store.TenantFilter{Under: "x/", IDs: []string{"a/", "x/a/"}}, []string{"x/a/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListTenants(ctx, tc.f)
			must(t, err)
			checkList(t, "ListTenants", tenantIDsOf(got), tc.want)
		})
	}
}

// testTenantUpdate: an update stores what fn returns from the stored
// tenant, keeps what fn leaves alone, and never moves the id.
func testTenantUpdate(t *testing.T, s Single) {
	ctx := t.Context()
	orig := fullTenant("org/", "Org")
	createTenants(t, s, orig)
	var seen store.Tenant
	got, err := s.UpdateTenant(ctx, "org/", func(tn store.Tenant) (store.Tenant, error) {
		seen = tn
		tn.Description = "changed"
		return tn, nil
	})
	must(t, err)
	checkEqual(t, "record passed to fn", seen, orig)
	want := orig
	want.Description = "changed"
	checkEqual(t, "UpdateTenant result, one field", got, want)

	got, err = s.UpdateTenant(ctx, "org/", func(tn store.Tenant) (store.Tenant, error) {
		tn.ID = "moved/" // the key is kept
		tn.Name, tn.Status, tn.Network = "Organization", store.TenantActive, nil
		tn.IsManagedOnHelios, tn.UpdatedMsecs, tn.DeletedMsecs = false, t2, 0
		return tn, nil
	})
	must(t, err)
	want.Name, want.Status, want.Network = "Organization", store.TenantActive, nil
	want.IsManagedOnHelios, want.UpdatedMsecs, want.DeletedMsecs = false, t2, 0
	checkEqual(t, "UpdateTenant result, many fields", got, want)
	stored, err := s.GetTenant(ctx, "org/")
	must(t, err)
	checkEqual(t, "stored after UpdateTenant", stored, want)
	if _, err := s.GetTenant(ctx, "moved/"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetTenant(changed id) = %v, want ErrNotFound", err)
	}
	// The old name is free, the new one taken.
	createTenants(t, s, newTenant("other/", "ORG"))
	wantErr(t, s.CreateTenant(ctx, newTenant("third/", "organization")), store.ErrAlreadyExists)
}

// testTenantUpdateErrors: a failed update changes nothing. A name stays
// unique among the tenants not deleted, through a rename as through a
// tenant that comes back from Deleted.
func testTenantUpdateErrors(t *testing.T, s Single) {
	ctx := t.Context()
	gone := newTenant("gone/", "Beta")
	gone.Status = store.TenantDeleted
	createTenants(t, s, newTenant("a/", "Alpha"), newTenant("b/", "Beta"), gone)
	errFn := errors.New("fn says no")
	tests := []struct {
		name     string
		id       string
		fn       func(store.Tenant) (store.Tenant, error)
		sentinel error
		words    []string
	}{
		{"not found", "ghost/", func(tn store.Tenant) (store.Tenant, error) { return tn, nil },
			store.ErrNotFound, []string{`"ghost/"`}},
		{"fn error", "a/", func(tn store.Tenant) (store.Tenant, error) { tn.Description = "x"; return tn, errFn },
			errFn, nil},
		{"rename onto another", "a/", func(tn store.Tenant) (store.Tenant, error) {
			tn.Name, tn.Description = "BETA", "x"
			return tn, nil
		}, store.ErrAlreadyExists, []string{`"BETA"`}},
		{"back from deleted onto a name taken since", "gone/", func(tn store.Tenant) (store.Tenant, error) {
			tn.Status = store.TenantActive
			return tn, nil
		}, store.ErrAlreadyExists, []string{`"Beta"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, err := s.ListTenants(ctx, store.TenantFilter{})
			must(t, err)
			_, err = s.UpdateTenant(ctx, tc.id, tc.fn)
			wantErr(t, err, tc.sentinel, tc.words...)
			after, err := s.ListTenants(ctx, store.TenantFilter{})
			must(t, err)
			for i := range min(len(before), len(after)) {
				checkEqual(t, "tenant after failed update", after[i], before[i])
			}
		})
	}
	// Deleting frees the name; a rename onto a deleted tenant's name is
	// allowed.
	_, err := s.UpdateTenant(ctx, "b/", func(tn store.Tenant) (store.Tenant, error) {
		tn.Status, tn.DeletedMsecs = store.TenantDeleted, t2
		return tn, nil
	})
	must(t, err)
	_, err = s.UpdateTenant(ctx, "a/", func(tn store.Tenant) (store.Tenant, error) { tn.Name = "beta"; return tn, nil })
	must(t, err)
}

// testConcurrentCreateSameTenantName: of racing creates of one name under
// different ids, exactly one wins.
func testConcurrentCreateSameTenantName(t *testing.T, s Single) {
	oneWins(t, "tenant name", 8, func(i int) error {
		return s.CreateTenant(t.Context(), newTenant(fmt.Sprint("t", i, "/"), "Racer"))
	})
}
