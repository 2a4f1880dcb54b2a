package storetest

import (
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var tallyTests = []subTest{
	{"Tally", testTally},
}

// tallyFixture: in the cluster, bob (locked), carol (locked until t1, a
// lock-out that lapses) and dave; in tenant-a/, erin (locked). Groups:
// two in the cluster, one in tenant-a/. Sessions: bob two live and one
// expired, erin one. Keys: bob's expiring at t2 (counted up to t2), one
// inactive, one without expiry, one expired; erin's expiring at t1.
func tallyFixture(t *testing.T, s Single) {
	ctx := t.Context()
	bob, carol, dave, erin := newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"),
		newUser(sid(3), "LOCAL", "dave"), newUser(sid(4), "LOCAL", "erin")
	bob.Locked, bob.LockedReason = true, "AdminLocked"
	carol.Locked, carol.LockedReason, carol.LockedUntilMsecs = true, "FailedLoginAttempts", t1
	erin.Locked, erin.LockedReason, erin.TenantID = true, "AdminLocked", "tenant-a/"
	createUsers(t, s, bob, carol, dave, erin)
	ga := newGroup(sid(12), "LOCAL", "ga", nil, nil)
	ga.TenantID = "tenant-a/"
	createGroups(t, s, newGroup(sid(10), "LOCAL", "g1", nil, nil), newGroup(sid(11), "LOCAL", "g2", nil, nil), ga)
	for _, sess := range []store.Session{
		newSession("b1", sid(1), t2), newSession("b2", sid(1), t2), newSession("b-old", sid(1), t0),
		newSession("e1", sid(4), t2),
	} {
		must(t, s.CreateSession(ctx, sess))
	}
	expiring := func(id, user string, at int64, active bool) store.APIKey {
		k := newKey(id, user)
		k.IsActive = active
		if at != 0 {
			k.ExpiryTimeMsecs = ptr(at)
		}
		return k
	}
	for _, k := range []store.APIKey{
		expiring("k1", sid(1), t2, true), expiring("k2", sid(1), t2, false), expiring("k3", sid(1), 0, true),
		expiring("k4", sid(1), t0, true), expiring("k5", sid(4), t1, true),
	} {
		must(t, s.CreateAPIKey(ctx, k))
	}
}

func testTally(t *testing.T, s Single) {
	tallyFixture(t, s)
	tests := []struct {
		name string
		f    store.TallyFilter
		want store.Tally
	}{
		{"everything, carol still locked", store.TallyFilter{NowMsecs: t0, KeysExpireByMsecs: t2},
			store.Tally{Users: 4, LockedUsers: 3, Groups: 3, LiveSessions: 3, ExpiringKeys: 2}},
		{"carol's lock-out lapsed", store.TallyFilter{NowMsecs: t1, KeysExpireByMsecs: t2},
			store.Tally{Users: 4, LockedUsers: 2, Groups: 3, LiveSessions: 3, ExpiringKeys: 1}},
		{"keys expiring by t1 only", store.TallyFilter{NowMsecs: t0, KeysExpireByMsecs: t1},
			store.Tally{Users: 4, LockedUsers: 3, Groups: 3, LiveSessions: 3, ExpiringKeys: 1}},
		{"the cluster only", store.TallyFilter{TenantIDs: []string{""}, NowMsecs: t0, KeysExpireByMsecs: t2},
			store.Tally{Users: 3, LockedUsers: 2, Groups: 2, LiveSessions: 2, ExpiringKeys: 1}},
		{"tenant-a/ only", store.TallyFilter{TenantIDs: []string{"tenant-a/"}, NowMsecs: t0, KeysExpireByMsecs: t2},
			store.Tally{Users: 1, LockedUsers: 1, Groups: 1, LiveSessions: 1, ExpiringKeys: 1}},
		{"two tenants", store.TallyFilter{TenantIDs: []string{"", "tenant-a/"}, NowMsecs: t0, KeysExpireByMsecs: t2},
			store.Tally{Users: 4, LockedUsers: 3, Groups: 3, LiveSessions: 3, ExpiringKeys: 2}},
		{"an unknown tenant", store.TallyFilter{TenantIDs: []string{"nope/"}, NowMsecs: t0, KeysExpireByMsecs: t2},
			store.Tally{}},
		{"sessions used after t0 only", store.TallyFilter{NowMsecs: t0, SessionsUsedAfterMsecs: t0, KeysExpireByMsecs: t2},
			store.Tally{Users: 4, LockedUsers: 3, Groups: 3, LiveSessions: 0, ExpiringKeys: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Tally(t.Context(), tc.f)
			must(t, err)
			if got != tc.want {
				t.Errorf("Tally(%+v) = %+v, want %+v", tc.f, got, tc.want)
			}
		})
	}
}
