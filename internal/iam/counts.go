package iam

import (
	"context"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Counts are an overview's numbers. Each is nil when the principal may
// not read the list it counts, and counts what that list would show: the
// records of the organization the principal acts in.
type Counts struct {
	Users        *int64
	LockedUsers  *int64
	Groups       *int64
	LiveSessions *int64
	// ExpiringKeys are the active API keys of every user that expire
	// within CountsQuery.KeysWithin.
	ExpiringKeys *int64
	// FailedLogins are the failed log-ins recorded since
	// CountsQuery.FailedSince.
	FailedLogins *int64
}

// CountsQuery says what Counts counts over time.
type CountsQuery struct {
	KeysWithin  time.Duration
	FailedSince time.Time
}

// Counts counts users, locked users, groups, live sessions, expiring API
// keys and failed log-ins, each decided as its list is (ListUsers,
// ListGroups, SessionCounts, ListAllAPIKeys, EachAuditLog), without
// reading the records.
func (s *Service) Counts(ctx context.Context, p *Principal, q CountsQuery) (Counts, error) {
	var c Counts
	users := s.decide(p, ActRead, Target{Kind: KindUser}) == nil
	groups := s.decide(p, ActRead, Target{Kind: KindGroup}) == nil
	sessions := s.decide(p, ActReadCredentials, Target{Kind: KindUser}) == nil
	keys := s.decide(p, ActReadAllCredentials, Target{Kind: KindUser}) == nil
	if users || groups || sessions || keys {
		ids, none, err := s.scope(ctx, p, Scope{})
		if err != nil {
			return Counts{}, err
		}
		var t store.Tally
		if !none {
			now := s.nowMsecs()
			t, err = s.store.Tally(ctx, store.TallyFilter{TenantIDs: ids, NowMsecs: now,
				SessionsUsedAfterMsecs: idleOf(s.policyNow()).usedAfter(now),
				KeysExpireByMsecs:      now + q.KeysWithin.Milliseconds()})
			if err != nil {
				return Counts{}, err
			}
		}
		c.Users, c.LockedUsers = countIf(users, t.Users), countIf(users, t.LockedUsers)
		c.Groups, c.LiveSessions = countIf(groups, t.Groups), countIf(sessions, t.LiveSessions)
		c.ExpiringKeys = countIf(keys, t.ExpiringKeys)
	}
	if s.decide(p, ActRead, Target{Kind: KindAudit}) == nil {
		n, err := s.countFailedLogins(ctx, p, q.FailedSince)
		if err != nil {
			return Counts{}, err
		}
		c.FailedLogins = &n
	}
	return c, nil
}

// countFailedLogins counts the trail's failed log-ins since since, as
// EachAuditLog selects them, reading one entry at most.
func (s *Service) countFailedLogins(ctx context.Context, p *Principal, since time.Time) (int64, error) {
	q := AuditQuery{AuditFilter: store.AuditFilter{Actions: []string{ActionLoginFailed},
		StartUsecs: since.UnixMicro(), Limit: 1}}
	return s.EachAuditLog(ctx, p, func() (AuditQuery, error) { return q, nil },
		func(store.AuditEntry) error { return nil })
}

// countIf is &n when may, else nil.
func countIf(may bool, n int64) *int64 {
	if !may {
		return nil
	}
	return &n
}
