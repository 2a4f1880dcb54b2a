package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

func (s Single) PutOnce(ctx context.Context, purpose string, key []byte, now, expires int64) error {
	_, err := one(ctx, s, func(tx store.Tx) (struct{}, error) { return struct{}{}, tx.PutOnce(ctx, purpose, key, now, expires) })
	return err
}

func (s Single) TakeOnce(ctx context.Context, purpose string, key []byte, now int64) error {
	_, err := one(ctx, s, func(tx store.Tx) (struct{}, error) { return struct{}{}, tx.TakeOnce(ctx, purpose, key, now) })
	return err
}

// testDomainKeysOfIssuers: a SAML provider shares the name space of
// directories, while each JWT issuer type has its own, so one domain
// may have a SAML provider, an OpenID Connect and an OAuth2 issuer.
func testDomainKeysOfIssuers(t *testing.T, s Single) {
	ctx := t.Context()
	_, err := s.CreateDirectoryDomain(ctx, newDomain(store.DirectorySAML, "okta.example.com", ""))
	must(t, err)
	for _, typ := range []string{store.DirectoryAD, store.DirectoryLDAP, store.DirectorySAML} {
		_, err = s.CreateDirectoryDomain(ctx, newDomain(typ, "OKTA.example.com", ""))
		wantErr(t, err, store.ErrAlreadyExists, "OKTA.example.com")
	}
	for _, typ := range []string{store.DirectoryOpenIDConnect, store.DirectoryOAuth2} {
		_, err = s.CreateDirectoryDomain(ctx, newDomain(typ, "Okta.Example.com", ""))
		must(t, err)
		_, err = s.CreateDirectoryDomain(ctx, newDomain(typ, "okta.example.COM", "acme/"))
		wantErr(t, err, store.ErrAlreadyExists, "okta.example.COM")
	}
	all, err := s.ListDirectoryDomains(ctx)
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("ListDirectoryDomains: %d domains, want 3", len(all))
	}
}

// testOnceLifecycle: an id is recorded once while it lives, taken once,
// and forgotten when it expires.
func testOnceLifecycle(t *testing.T, s Single) {
	ctx := t.Context()
	k := []byte{0, 1, 2, 0xff}
	must(t, s.PutOnce(ctx, "assertion", k, t0, t1))
	wantErr(t, s.PutOnce(ctx, "assertion", k, t0+1, t2), store.ErrAlreadyExists, "assertion")
	// Another purpose, or another key, is another entry.
	must(t, s.PutOnce(ctx, "request", k, t0, t1))
	must(t, s.PutOnce(ctx, "assertion", []byte{0, 1, 2}, t0, t1))
	// Expired, it may be recorded again.
	must(t, s.PutOnce(ctx, "assertion", k, t1, t2))

	must(t, s.TakeOnce(ctx, "request", k, t0))
	wantErr(t, s.TakeOnce(ctx, "request", k, t0), store.ErrNotFound, "request")
	wantErr(t, s.TakeOnce(ctx, "nothing", k, t0), store.ErrNotFound)
	// An expired entry is not taken, and may be recorded again.
	must(t, s.PutOnce(ctx, "request", k, t0, t1))
	wantErr(t, s.TakeOnce(ctx, "request", k, t1), store.ErrNotFound)
	must(t, s.PutOnce(ctx, "request", k, t1, t2))
	must(t, s.TakeOnce(ctx, "request", k, t1))

	// Purging deletes what expired, and only that.
	must(t, s.PutOnce(ctx, "short", k, t0, t1))
	n, err := s.DeleteExpiredOnce(ctx, t1)
	must(t, err)
	if n != 2 { // "short" and the {0,1,2} assertion, both ending at t1
		t.Errorf("DeleteExpiredOnce = %d, want 2", n)
	}
	wantErr(t, s.PutOnce(ctx, "assertion", k, t1, t2), store.ErrAlreadyExists)
}

// testOnceConcurrent: of many transactions recording, or taking, one id
// at once, exactly one succeeds.
func testOnceConcurrent(t *testing.T, s Single) {
	ctx := t.Context()
	const n = 8
	count := func(op func() error, sentinel error) int {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = op() })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, sentinel):
				t.Errorf("unexpected error: %v", err)
			}
		}
		return ok
	}
	k := []byte("the-id")
	if ok := count(func() error { return s.PutOnce(ctx, "assertion", k, t0, t1) }, store.ErrAlreadyExists); ok != 1 {
		t.Errorf("%d of %d concurrent PutOnce succeeded, want 1", ok, n)
	}
	if ok := count(func() error { return s.TakeOnce(ctx, "assertion", k, t0) }, store.ErrNotFound); ok != 1 {
		t.Errorf("%d of %d concurrent TakeOnce succeeded, want 1", ok, n)
	}
}
