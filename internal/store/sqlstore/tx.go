package sqlstore

import (
	"context"
	"maps"
	"slices"

	"github.com/clusteriam/clusteriam/internal/store"
)

// tx is a store.Tx: one write transaction, and what it changed.
type tx struct {
	q       querier
	changed map[string]bool // users
	all     bool
}

var _ store.Tx = (*tx)(nil)

// user records that the user sid changed.
func (t *tx) user(sids ...string) {
	if t.changed == nil {
		t.changed = make(map[string]bool, len(sids))
	}
	for _, sid := range sids {
		t.changed[sid] = true
	}
}

// everyone records a change that may reach anyone's privileges.
func (t *tx) everyone() { t.all = true }

func (t *tx) change() store.Change {
	return store.Change{Users: slices.Sorted(maps.Keys(t.changed)), All: t.all}
}

// Update runs fn in one write transaction; see store.Store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	var last *tx
	maybe, err := s.write(ctx, func(q querier) error {
		last = &tx{q: q}
		return fn(last)
	})
	if maybe && last != nil {
		if c := last.change(); !c.Empty() {
			s.announce(c)
		}
	}
	return err
}

// OnChange registers fn to hear what each write transaction changed.
func (s *Store) OnChange(fn func(store.Change)) {
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	s.observers = append(s.observers, fn)
}

func (s *Store) announce(c store.Change) {
	s.obsMu.Lock()
	obs := s.observers
	s.obsMu.Unlock()
	for _, fn := range obs {
		fn(c)
	}
}

// LockPrincipals serialises the transaction with every other that calls
// it, where the dialect needs a lock for that.
func (t *tx) LockPrincipals(ctx context.Context) error {
	if t.q.d.LockPrincipals == "" {
		return nil
	}
	rows, err := t.q.QueryContext(ctx, t.q.d.LockPrincipals)
	if err != nil {
		return t.q.d.mapErr("lock principals", err)
	}
	return rows.Close()
}

// NoSync lets the commit return before it is on disk, where the dialect
// can.
func (t *tx) NoSync(ctx context.Context) error {
	if t.q.d.NoSync == "" {
		return nil
	}
	_, err := t.q.ExecContext(ctx, t.q.d.NoSync)
	return t.q.d.mapErr("relax the commit", err)
}

// AppendAudit records entries in the transaction.
func (t *tx) AppendAudit(ctx context.Context, entries ...store.AuditEntry) error {
	return insertAudit(ctx, t.q, entries)
}

// Reads inside the transaction.

func (t *tx) GetUser(ctx context.Context, sid string) (store.User, error) {
	return getUser(ctx, t.q, sid)
}

func (t *tx) GetUserByName(ctx context.Context, tenantID, domain, username string) (store.User, error) {
	return getUserByName(ctx, t.q, tenantID, domain, username)
}

func (t *tx) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, error) {
	return listUsers(ctx, t.q, f)
}

func (t *tx) GetGroup(ctx context.Context, sid string) (store.Group, error) {
	return getGroup(ctx, t.q, sid)
}

func (t *tx) ListGroups(ctx context.Context, f store.GroupFilter) ([]store.Group, error) {
	return listGroups(ctx, t.q, f)
}

func (t *tx) GetRole(ctx context.Context, name string) (store.Role, error) {
	return getRole(ctx, t.q, name)
}

func (t *tx) ListRoles(ctx context.Context, f store.RoleFilter) ([]store.Role, error) {
	return listRoles(ctx, t.q, f)
}

func (t *tx) GetTenant(ctx context.Context, id string) (store.Tenant, error) {
	return getTenant(ctx, t.q, id)
}

func (t *tx) ListTenants(ctx context.Context, f store.TenantFilter) ([]store.Tenant, error) {
	return listTenants(ctx, t.q, f)
}

func (t *tx) GetAPIKey(ctx context.Context, id string) (store.APIKey, error) {
	return getKeyByID(ctx, t.q, id)
}

func (t *tx) GetAPIKeyByHash(ctx context.Context, hash []byte) (store.APIKey, error) {
	return getKeyByHash(ctx, t.q, hash)
}

func (t *tx) ListAPIKeys(ctx context.Context, f store.APIKeyFilter) ([]store.APIKey, error) {
	return listAPIKeys(ctx, t.q, f)
}

func (t *tx) GetSessionByHash(ctx context.Context, hash []byte) (store.Session, error) {
	return getSessionByHash(ctx, t.q, hash)
}

func (t *tx) CountSessions(ctx context.Context, userSIDs []string, nowMsecs int64) ([]store.SessionCount, error) {
	return countSessions(ctx, t.q, userSIDs, nowMsecs, 0)
}

func (t *tx) CountLiveSessions(ctx context.Context, userSIDs []string, nowMsecs, usedAfterMsecs int64) ([]store.SessionCount, error) {
	return countSessions(ctx, t.q, userSIDs, nowMsecs, usedAfterMsecs)
}

func (t *tx) PasswordHistory(ctx context.Context, sid string) ([]string, error) {
	return passwordHistory(ctx, t.q, sid)
}

// Reads on the store, each in its own snapshot.

// GetUser returns the user with the given sid.
func (s *Store) GetUser(ctx context.Context, sid string) (store.User, error) {
	return readOne(ctx, s, func(q querier) (store.User, error) { return getUser(ctx, q, sid) })
}

// GetUserByName returns the user of tenantID named username in domain,
// matched by their Fold keys.
func (s *Store) GetUserByName(ctx context.Context, tenantID, domain, username string) (store.User, error) {
	return readOne(ctx, s, func(q querier) (store.User, error) {
		return getUserByName(ctx, q, tenantID, domain, username)
	})
}

// ListUsers returns the users f selects; see listUsers.
func (s *Store) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, error) {
	return readOne(ctx, s, func(q querier) ([]store.User, error) { return listUsers(ctx, q, f) })
}

// GetGroup returns the group with the given sid.
func (s *Store) GetGroup(ctx context.Context, sid string) (store.Group, error) {
	return readOne(ctx, s, func(q querier) (store.Group, error) { return getGroup(ctx, q, sid) })
}

// ListGroups returns the groups f selects; see listGroups.
func (s *Store) ListGroups(ctx context.Context, f store.GroupFilter) ([]store.Group, error) {
	return readOne(ctx, s, func(q querier) ([]store.Group, error) { return listGroups(ctx, q, f) })
}

// GetRole returns the role named exactly name.
func (s *Store) GetRole(ctx context.Context, name string) (store.Role, error) {
	return getRole(ctx, s.reader(), name)
}

// ListRoles returns the roles f selects; see listRoles.
func (s *Store) ListRoles(ctx context.Context, f store.RoleFilter) ([]store.Role, error) {
	return listRoles(ctx, s.reader(), f)
}

// GetTenant returns the tenant with the given id, deleted or not.
func (s *Store) GetTenant(ctx context.Context, id string) (store.Tenant, error) {
	return getTenant(ctx, s.reader(), id)
}

// ListTenants returns the tenants f selects; see listTenants.
func (s *Store) ListTenants(ctx context.Context, f store.TenantFilter) ([]store.Tenant, error) {
	return listTenants(ctx, s.reader(), f)
}

// GetAPIKey returns the API key with the given id.
func (s *Store) GetAPIKey(ctx context.Context, id string) (store.APIKey, error) {
	return getKeyByID(ctx, s.reader(), id)
}

// GetAPIKeyByHash returns the API key whose secret hashes to hash.
func (s *Store) GetAPIKeyByHash(ctx context.Context, hash []byte) (store.APIKey, error) {
	return getKeyByHash(ctx, s.reader(), hash)
}

// ListAPIKeys returns the keys f selects; see listAPIKeys.
func (s *Store) ListAPIKeys(ctx context.Context, f store.APIKeyFilter) ([]store.APIKey, error) {
	return listAPIKeys(ctx, s.reader(), f)
}

// GetSessionByHash returns the session whose secret hashes to hash,
// expired or not: the caller judges expiry.
func (s *Store) GetSessionByHash(ctx context.Context, hash []byte) (store.Session, error) {
	return getSessionByHash(ctx, s.reader(), hash)
}

// CountSessions counts live sessions per user; see countSessions.
func (s *Store) CountSessions(ctx context.Context, userSIDs []string, nowMsecs int64) ([]store.SessionCount, error) {
	return countSessions(ctx, s.reader(), userSIDs, nowMsecs, 0)
}

// CountLiveSessions counts live and used sessions per user; see
// countSessions.
func (s *Store) CountLiveSessions(ctx context.Context, userSIDs []string, nowMsecs, usedAfterMsecs int64) ([]store.SessionCount, error) {
	return countSessions(ctx, s.reader(), userSIDs, nowMsecs, usedAfterMsecs)
}

// PasswordHistory returns the kept former password hashes of user sid,
// newest first.
func (s *Store) PasswordHistory(ctx context.Context, sid string) ([]string, error) {
	return passwordHistory(ctx, s.reader(), sid)
}

// readOne runs a multi-query read in one snapshot and returns its result.
func readOne[T any](ctx context.Context, s *Store, fn func(q querier) (T, error)) (T, error) {
	var out T
	err := s.read(ctx, func(q querier) error {
		var err error
		out, err = fn(q)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}
