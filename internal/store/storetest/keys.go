package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var keyTests = []subTest{
	{"APIKeyCreateGet", testKeyCreateGet},
	{"APIKeyCreateErrors", testKeyCreateErrors},
	{"APIKeyUpdate", testKeyUpdate},
	{"APIKeyDelete", testKeyDelete},
	{"APIKeyListFilters", testKeyListFilters},
}

func testKeyCreateGet(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	plain := newKey("k1", sid(1))
	expiring := newKey("k2", sid(1))
	expiring.ExpiryTimeMsecs, expiring.LastRotatedMsecs, expiring.IsActive = ptr(t2), t1, false
	must(t, s.CreateAPIKey(ctx, plain))
	must(t, s.CreateAPIKey(ctx, expiring))
	for _, want := range []store.APIKey{plain, expiring} {
		got, err := s.GetAPIKey(ctx, want.ID)
		must(t, err)
		checkEqual(t, "GetAPIKey "+want.ID, got, want)
		got, err = s.GetAPIKeyByHash(ctx, want.Hash)
		must(t, err)
		checkEqual(t, "GetAPIKeyByHash "+want.ID, got, want)
	}
	_, err := s.GetAPIKey(ctx, "k9")
	wantErr(t, err, store.ErrNotFound, "k9")
	_, err = s.GetAPIKeyByHash(ctx, []byte("no such hash"))
	wantErr(t, err, store.ErrNotFound)
}

func testKeyCreateErrors(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	must(t, s.CreateAPIKey(ctx, newKey("k1", sid(1))))
	sameHash := newKey("k2", sid(1))
	sameHash.Hash = []byte("hash-of-k1")
	wantErr(t, s.CreateAPIKey(ctx, newKey("k1", sid(1))), store.ErrAlreadyExists, "k1")
	wantErr(t, s.CreateAPIKey(ctx, sameHash), store.ErrAlreadyExists)
	wantErr(t, s.CreateAPIKey(ctx, newKey("k3", sid(7))), store.ErrInvalidReference, sid(7))
	all, err := s.ListAPIKeys(ctx, store.APIKeyFilter{})
	must(t, err)
	if len(all) != 1 || all[0].ID != "k1" {
		t.Errorf("keys after failed creates: %+v, want k1 only", all)
	}
}

func testKeyUpdate(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	orig := newKey("k1", sid(1))
	must(t, s.CreateAPIKey(ctx, orig))
	must(t, s.CreateAPIKey(ctx, newKey("k2", sid(1))))

	got, err := s.UpdateAPIKey(ctx, "k1", func(k store.APIKey) (store.APIKey, error) {
		checkEqual(t, "record passed to fn", k, orig)
		k.ID = "moved" // the key is kept
		k.Hash, k.LastRotatedMsecs = []byte("rotated"), t2
		k.IsActive, k.ExpiryTimeMsecs = false, ptr(t2)
		return k, nil
	})
	must(t, err)
	want := orig
	want.Hash, want.LastRotatedMsecs, want.IsActive, want.ExpiryTimeMsecs = []byte("rotated"), t2, false, ptr(t2)
	checkEqual(t, "UpdateAPIKey result", got, want)
	stored, err := s.GetAPIKeyByHash(ctx, []byte("rotated"))
	must(t, err)
	checkEqual(t, "stored after UpdateAPIKey", stored, want)
	_, err = s.GetAPIKeyByHash(ctx, orig.Hash)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetAPIKey(ctx, "moved")
	wantErr(t, err, store.ErrNotFound)

	_, err = s.UpdateAPIKey(ctx, "k1", func(k store.APIKey) (store.APIKey, error) {
		k.Hash = []byte("hash-of-k2")
		return k, nil
	})
	wantErr(t, err, store.ErrAlreadyExists)
	errFn := errors.New("fn says no")
	_, err = s.UpdateAPIKey(ctx, "k1", func(k store.APIKey) (store.APIKey, error) {
		k.Name = "changed"
		return k, errFn
	})
	wantErr(t, err, errFn)
	stored, err = s.GetAPIKey(ctx, "k1")
	must(t, err)
	checkEqual(t, "stored after failed updates", stored, want)
	_, err = s.UpdateAPIKey(ctx, "k9", func(k store.APIKey) (store.APIKey, error) { return k, nil })
	wantErr(t, err, store.ErrNotFound, "k9")
}

func testKeyDelete(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	must(t, s.CreateAPIKey(ctx, newKey("k1", sid(1))))
	must(t, s.CreateAPIKey(ctx, newKey("k2", sid(1))))
	must(t, s.DeleteAPIKey(ctx, "k1"))
	_, err := s.GetAPIKey(ctx, "k1")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteAPIKey(ctx, "k1"), store.ErrNotFound, "k1")
	if _, err := s.GetAPIKey(ctx, "k2"); err != nil {
		t.Errorf("other key: %v", err)
	}
	// The hash is free again.
	must(t, s.CreateAPIKey(ctx, newKey("k1", sid(1))))
}

func testKeyListFilters(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"))
	now := t1
	mk := func(id, user string, created int64, active bool, expiry *int64) {
		k := newKey(id, user)
		k.CreatedMsecs, k.IsActive, k.ExpiryTimeMsecs = created, active, expiry
		must(t, s.CreateAPIKey(ctx, k))
	}
	mk("a-never", sid(1), t2, true, nil)
	mk("b-later", sid(1), t0, true, ptr(now+1))
	mk("c-now", sid(2), t1, true, ptr(now)) // expiry == now: expired
	mk("d-past", sid(2), t0, false, ptr(now-1))
	mk("e-off", sid(1), t1, false, nil)
	yes, no := ptr(true), ptr(false)
	tests := []struct {
		name string
		f    store.APIKeyFilter
		want []string
	}{
		{"all, by creation then id", store.APIKeyFilter{NowMsecs: now}, []string{"b-later", "d-past", "c-now", "e-off", "a-never"}},
		{"ids", store.APIKeyFilter{IDs: []string{"e-off", "a-never", "zz"}}, []string{"e-off", "a-never"}},
		{"owner", store.APIKeyFilter{OwnerSIDs: []string{sid(2)}}, []string{"d-past", "c-now"}},
		{"owners OR", store.APIKeyFilter{OwnerSIDs: []string{sid(2), sid(1)}}, []string{"b-later", "d-past", "c-now", "e-off", "a-never"}},
		{"unknown owner", store.APIKeyFilter{OwnerSIDs: []string{sid(9)}}, nil},
		{"active", store.APIKeyFilter{IsActive: yes}, []string{"b-later", "c-now", "a-never"}},
		{"inactive", store.APIKeyFilter{IsActive: no}, []string{"d-past", "e-off"}},
		{"expired", store.APIKeyFilter{IsExpired: yes, NowMsecs: now}, []string{"d-past", "c-now"}},
		{"not expired", store.APIKeyFilter{IsExpired: no, NowMsecs: now}, []string{"b-later", "e-off", "a-never"}},
		{"expired later on", store.APIKeyFilter{IsExpired: yes, NowMsecs: now + 1}, []string{"b-later", "d-past", "c-now"}},
		{"active AND not expired", store.APIKeyFilter{IsActive: yes, IsExpired: no, NowMsecs: now}, []string{"b-later", "a-never"}},
		{"owner AND inactive", store.APIKeyFilter{OwnerSIDs: []string{sid(1)}, IsActive: no}, []string{"e-off"}},
		{"owner AND active AND expired: none", store.APIKeyFilter{OwnerSIDs: []string{sid(1)},
			IsActive: yes, IsExpired: yes, NowMsecs: now}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListAPIKeys(ctx, tc.f)
			must(t, err)
			ids := []string{}
			for _, k := range got {
				ids = append(ids, k.ID)
			}
			if tc.want == nil {
				tc.want = []string{}
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("ListAPIKeys = %q, want %q", ids, tc.want)
			}
		})
	}
}
