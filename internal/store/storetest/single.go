package storetest

import (
	"context"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Single is a store whose write methods each run in a transaction of their
// own, for tests that set records up one at a time.
type Single struct {
	store.Store
	newStore func(t *testing.T) store.Store // set by RunTests
}

// fresh returns another new, empty store, closed when t ends.
func (s Single) fresh(t *testing.T) Single {
	t.Helper()
	st := s.newStore(t)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return Single{Store: st, newStore: s.newStore}
}

// one runs fn in a transaction of its own and returns its result.
func one[T any](ctx context.Context, st store.Store, fn func(store.Tx) (T, error)) (T, error) {
	var out T
	err := st.Update(ctx, func(tx store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

func (s Single) CreateUsers(ctx context.Context, users []store.User) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.CreateUsers(ctx, users) })
}

func (s Single) UpdateUser(ctx context.Context, sid string, fn func(store.User) (store.User, error)) (store.User, error) {
	return one(ctx, s, func(tx store.Tx) (store.User, error) { return tx.UpdateUser(ctx, sid, fn) })
}

func (s Single) DeleteUsers(ctx context.Context, sids []string) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.DeleteUsers(ctx, sids) })
}

func (s Single) CreateGroups(ctx context.Context, groups []store.Group) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.CreateGroups(ctx, groups) })
}

func (s Single) UpdateGroup(ctx context.Context, sid string, fn func(store.Group) (store.Group, error)) (store.Group, error) {
	return one(ctx, s, func(tx store.Tx) (store.Group, error) { return tx.UpdateGroup(ctx, sid, fn) })
}

func (s Single) DeleteGroups(ctx context.Context, sids []string) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.DeleteGroups(ctx, sids) })
}

func (s Single) UpsertBuiltinRole(ctx context.Context, r store.Role) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.UpsertBuiltinRole(ctx, r) })
}

func (s Single) CreateRole(ctx context.Context, r store.Role) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.CreateRole(ctx, r) })
}

func (s Single) UpdateRole(ctx context.Context, name string, fn func(store.Role) (store.Role, error)) (store.Role, error) {
	return one(ctx, s, func(tx store.Tx) (store.Role, error) { return tx.UpdateRole(ctx, name, fn) })
}

func (s Single) DeleteRole(ctx context.Context, name string) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.DeleteRole(ctx, name) })
}

func (s Single) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.CreateAPIKey(ctx, k) })
}

func (s Single) UpdateAPIKey(ctx context.Context, id string, fn func(store.APIKey) (store.APIKey, error)) (store.APIKey, error) {
	return one(ctx, s, func(tx store.Tx) (store.APIKey, error) { return tx.UpdateAPIKey(ctx, id, fn) })
}

func (s Single) DeleteAPIKey(ctx context.Context, id string) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.DeleteAPIKey(ctx, id) })
}

func (s Single) CreateSession(ctx context.Context, sess store.Session) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.CreateSession(ctx, sess) })
}

func (s Single) DeleteSessions(ctx context.Context, userSID string, keep []byte) (int64, error) {
	return one(ctx, s, func(tx store.Tx) (int64, error) { return tx.DeleteSessions(ctx, userSID, keep) })
}

func (s Single) DeleteSession(ctx context.Context, userSID string, hash []byte) (int64, error) {
	return one(ctx, s, func(tx store.Tx) (int64, error) { return tx.DeleteSession(ctx, userSID, hash) })
}

func (s Single) CreateTenant(ctx context.Context, tn store.Tenant) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.CreateTenant(ctx, tn) })
}

func (s Single) UpdateTenant(ctx context.Context, id string, fn func(store.Tenant) (store.Tenant, error)) (store.Tenant, error) {
	return one(ctx, s, func(tx store.Tx) (store.Tenant, error) { return tx.UpdateTenant(ctx, id, fn) })
}

func (s Single) AppendAudit(ctx context.Context, entries []store.AuditEntry) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, entries...) })
}
