package storetest

import (
	"context"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var domainTests = []subTest{
	{"DomainLifecycle", testDomainLifecycle},
	{"DomainIDsNotReused", testDomainIDsNotReused},
	{"DomainKeysOfIssuers", testDomainKeysOfIssuers},
	{"OnceLifecycle", testOnceLifecycle},
	{"OnceConcurrent", testOnceConcurrent},
}

func (s Single) CreateDirectoryDomain(ctx context.Context, d store.DirectoryDomain) (int64, error) {
	return one(ctx, s, func(tx store.Tx) (int64, error) { return tx.CreateDirectoryDomain(ctx, d) })
}

func (s Single) UpdateDirectoryDomain(ctx context.Context, id int64, fn func(store.DirectoryDomain) (store.DirectoryDomain, error)) (store.DirectoryDomain, error) {
	return one(ctx, s, func(tx store.Tx) (store.DirectoryDomain, error) { return tx.UpdateDirectoryDomain(ctx, id, fn) })
}

func (s Single) DeleteDirectoryDomain(ctx context.Context, id int64) error {
	_, err := one(ctx, s, func(tx store.Tx) (struct{}, error) { return struct{}{}, tx.DeleteDirectoryDomain(ctx, id) })
	return err
}

func newDomain(typ, domain, tenantID string) store.DirectoryDomain {
	return store.DirectoryDomain{Type: typ, Domain: domain, TenantID: tenantID,
		Spec: []byte(`{"name":"` + domain + `"}`), SecretEnc: []byte{0, 1, 2, 0xff}, CreatedMsecs: t0, UpdatedMsecs: t0}
}

func testDomainLifecycle(t *testing.T, s Single) {
	ctx := t.Context()
	ad := newDomain(store.DirectoryAD, "Corp.Example.com", "")
	id, err := s.CreateDirectoryDomain(ctx, ad)
	must(t, err)
	if id <= 0 {
		t.Fatalf("first id %d, want > 0", id)
	}
	ad.ID = id
	got, err := s.GetDirectoryDomain(ctx, id)
	must(t, err)
	checkEqual(t, "GetDirectoryDomain", got, ad)

	// The domain is unique by its Fold key, whatever the type.
	_, err = s.CreateDirectoryDomain(ctx, newDomain(store.DirectoryLDAP, "corp.EXAMPLE.com", "acme/"))
	wantErr(t, err, store.ErrAlreadyExists, "corp.EXAMPLE.com")

	ldap := newDomain(store.DirectoryLDAP, "ldap.example.com", "acme/")
	ldap.SecretEnc = nil
	ldap.ID, err = s.CreateDirectoryDomain(ctx, ldap)
	must(t, err)
	if ldap.ID == id {
		t.Fatalf("two domains got id %d", id)
	}
	all, err := s.ListDirectoryDomains(ctx)
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("ListDirectoryDomains: %d domains, want 2", len(all))
	}
	checkEqual(t, "ListDirectoryDomains[0]", all[0], ad)
	checkEqual(t, "ListDirectoryDomains[1]", all[1], ldap)

	// An update changes what it may, and keeps id, type and domain.
	upd, err := s.UpdateDirectoryDomain(ctx, id, func(d store.DirectoryDomain) (store.DirectoryDomain, error) {
		checkEqual(t, "UpdateDirectoryDomain argument", d, ad)
		d.ID, d.Type, d.Domain = 99, store.DirectoryLDAP, "other.example.com"
		d.TenantID, d.Spec, d.SecretEnc, d.UpdatedMsecs = "acme/", []byte(`{}`), nil, t2
		return d, nil
	})
	must(t, err)
	want := ad
	want.TenantID, want.Spec, want.SecretEnc, want.UpdatedMsecs = "acme/", []byte(`{}`), nil, t2
	checkEqual(t, "UpdateDirectoryDomain result", upd, want)
	got, err = s.GetDirectoryDomain(ctx, id)
	must(t, err)
	checkEqual(t, "GetDirectoryDomain after update", got, want)

	must(t, s.DeleteDirectoryDomain(ctx, id))
	_, err = s.GetDirectoryDomain(ctx, id)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteDirectoryDomain(ctx, id), store.ErrNotFound)
	_, err = s.UpdateDirectoryDomain(ctx, id, func(d store.DirectoryDomain) (store.DirectoryDomain, error) { return d, nil })
	wantErr(t, err, store.ErrNotFound)
}

// testDomainIDsNotReused: a deleted domain's id is not given again, so
// that a client holding it never reaches another domain.
func testDomainIDsNotReused(t *testing.T, s Single) {
	ctx := t.Context()
	id, err := s.CreateDirectoryDomain(ctx, newDomain(store.DirectoryAD, "a.example.com", ""))
	must(t, err)
	must(t, s.DeleteDirectoryDomain(ctx, id))
	next, err := s.CreateDirectoryDomain(ctx, newDomain(store.DirectoryAD, "a.example.com", ""))
	must(t, err)
	if next <= id {
		t.Errorf("id after deleting %d: %d, want a new one", id, next)
	}
}
