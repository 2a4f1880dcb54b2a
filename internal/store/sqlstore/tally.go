package sqlstore

import (
	"context"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Tally counts what f says in one read snapshot, each count one
// aggregate query: no record is read into memory.
func (s *Store) Tally(ctx context.Context, f store.TallyFilter) (store.Tally, error) {
	var t store.Tally
	err := s.read(ctx, func(q querier) error {
		for _, c := range tallyQueries(f, &t) {
			if err := q.QueryRowContext(ctx, c.query, c.args...).Scan(c.dst...); err != nil {
				return q.d.mapErr("tally "+c.what, err)
			}
		}
		return nil
	})
	if err != nil {
		return store.Tally{}, err
	}
	return t, nil
}

// tallyQuery is one aggregate query of Tally and where its row goes.
type tallyQuery struct {
	what  string
	query string
	args  []any
	dst   []any
}

// tallyQueries are Tally's queries, scanning into t. Sessions and keys
// are scoped through their user's tenant.
func tallyQueries(f store.TallyFilter, t *store.Tally) []tallyQuery {
	inTenants := func(w *where) *where {
		switch len(f.TenantIDs) {
		case 0:
		case 1:
			w.add(`tenant_id = ?`, f.TenantIDs[0])
		default:
			w.add(`tenant_id IN (SELECT value FROM json_each(?))`, jsonList(f.TenantIDs))
		}
		return w
	}
	ofUsers := func(w *where) *where {
		if len(f.TenantIDs) > 0 {
			u := inTenants(&where{})
			w.add(`user_sid IN (SELECT sid FROM users`+u.String()+`)`, u.args...)
		}
		return w
	}
	users := inTenants(&where{})
	lockedArgs := append([]any{true, f.NowMsecs}, users.args...)
	groups := inTenants(&where{})
	sessions := ofUsers(liveSessions(f.NowMsecs, f.SessionsUsedAfterMsecs))
	keys := &where{}
	keys.add(`is_active = ?`, true)
	keys.add(`expiry_msecs IS NOT NULL AND expiry_msecs > ? AND expiry_msecs <= ?`, f.NowMsecs, f.KeysExpireByMsecs)
	keys = ofUsers(keys)
	return []tallyQuery{
		{"users", `SELECT COUNT(*), COALESCE(SUM(CASE WHEN locked = ? AND
			(locked_until_msecs = 0 OR locked_until_msecs > ?) THEN 1 ELSE 0 END), 0) FROM users` + users.String(),
			lockedArgs, []any{&t.Users, &t.LockedUsers}},
		{"groups", `SELECT COUNT(*) FROM groups` + groups.String(), groups.args, []any{&t.Groups}},
		{"sessions", `SELECT COUNT(*) FROM sessions` + sessions.String(), sessions.args, []any{&t.LiveSessions}},
		{"keys", `SELECT COUNT(*) FROM api_keys` + keys.String(), keys.args, []any{&t.ExpiringKeys}},
	}
}
