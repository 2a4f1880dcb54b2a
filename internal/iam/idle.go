package iam

import (
	"context"
	"time"

	"github.com/clusteriam/clusteriam/internal/secconfig"
)

// The idle timeout of sessions and access tokens
// (sessionConfiguration.inactivityTimeout): one unused that long ends.
// Each session's last use is recorded in the store, which every replica
// reads, but not at every request: a use is written only when the one
// recorded is a step old, the step being a tenth of the timeout, at
// most a minute. So the store lags a session's last use by less than a
// step, and a session ends between timeout and timeout+step after its
// last use: never early, and late by at most a tenth, or a minute. API
// keys have no idle timeout.
//
// The timeout counts from the moment it was last turned on or changed at
// the earliest (clocks), so that no change ends a session at once; while
// it is off, no use is recorded.

// maxIdleStep bounds the step between recorded uses.
const maxIdleStep = time.Minute

// idleRule is the idle timeout in force, in epoch ms.
type idleRule struct {
	timeout, step int64 // timeout 0: off
	since         int64
}

// idleTimeout is c's sessionConfiguration.inactivityTimeout, seconds; 0
// when unset.
func idleTimeout(c secconfig.Config) int64 {
	if sc := c.SessionConfiguration; sc != nil {
		return deref(sc.InactivityTimeout)
	}
	return 0
}

// idleOf returns the idle timeout of pol.
func idleOf(pol policy) idleRule {
	timeout := idleTimeout(pol.cfg) * 1000
	if timeout == 0 {
		return idleRule{}
	}
	return idleRule{timeout: timeout, step: min(timeout/10, maxIdleStep.Milliseconds()), since: pol.clocks.Idle}
}

// expired reports whether a session last used at lastUsed has been idle
// too long at now.
func (r idleRule) expired(lastUsed, now int64) bool {
	return r.timeout > 0 && now-max(lastUsed, r.since) >= r.timeout+r.step
}

// due reports whether a use at now is to be recorded over lastUsed.
func (r idleRule) due(lastUsed, now int64) bool {
	return r.timeout > 0 && now-lastUsed >= r.step
}

// usedAfter is the time after which a session's last use recorded must
// lie for it to be alive at now: 0 when every session is (see expired).
func (r idleRule) usedAfter(now int64) int64 {
	if r.timeout == 0 {
		return 0
	}
	if cut := now - r.timeout - r.step; cut >= r.since {
		return cut
	}
	return 0
}

// recordUse records, in the store, a use at now of the session hash, last
// used at lastUsed as read there, and reports whether it did; false when
// none was due, or another use was recorded since lastUsed was read.
func (s *Service) recordUse(ctx context.Context, hash []byte, lastUsed, now int64, r idleRule) bool {
	if !r.due(lastUsed, now) {
		return false
	}
	ok, err := s.store.TouchSession(ctx, hash, now, now-r.step)
	if err != nil {
		// The session lives on as recorded; the next use tries again.
		s.audit.WarnContext(ctx, "record a session's use", "error", err)
	}
	return ok
}

// recordCachedUse records a use at now of the cached session of key k,
// unless another request did within the step; should the store not
// record it, the entry is dropped, so that the next request reads the
// session's last use from the store.
func (s *Service) recordCachedUse(ctx context.Context, k cacheKey, hash []byte, now int64, r idleRule) {
	if r.timeout == 0 || !s.cache.claimUse(k, now, r.step) {
		return
	}
	ok, err := s.store.TouchSession(ctx, hash, now, now-r.step)
	if err != nil {
		s.audit.WarnContext(ctx, "record a session's use", "error", err)
	}
	if !ok {
		s.cache.drop(k)
	}
}
