package iam

import (
	"context"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/secconfig"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Limits on live sessions (sessionConfiguration.limitSessions,
// sessionLimitPerUser, sessionLimitSystemWide). The vendor does not say
// what happens at a limit; here a log-in at its user's limit ends the
// user's oldest sessions, audited, so that scripts that log in at each
// run and never log out keep working, while a log-in at the cluster's
// limit is refused (403): ending someone else's session to let a
// stranger in would hand any user a way to cut others off. Sessions,
// access tokens and enrolment sessions count, alive by both lifetimes
// (idle.go); API keys do not. A log-in counts under a lock held until
// it commits (store.Tx.LockSessions), so that two log-ins cannot both
// pass a limit.

// sessionLimits is the limit on live sessions in force; 0 is none.
type sessionLimits struct{ perUser, systemWide int64 }

// limitsOf returns the limits of c: none unless limitSessions is on.
func limitsOf(c secconfig.Config) sessionLimits {
	sc := c.SessionConfiguration
	if sc == nil || sc.LimitSessions == nil || !*sc.LimitSessions {
		return sessionLimits{}
	}
	return sessionLimits{perUser: deref(sc.SessionLimitPerUser), systemWide: deref(sc.SessionLimitSystemWide)}
}

func (l sessionLimits) on() bool { return l.perUser > 0 || l.systemWide > 0 }

// sessionTotal adds counts up.
func sessionTotal(counts []store.SessionCount) int64 {
	var n int64
	for _, c := range counts {
		n += c.Count
	}
	return n
}

// makeRoom makes room, in the log-in's transaction t, for a new session
// of u at now under the limits l: it ends u's oldest sessions beyond its
// limit, or refuses the log-in at the cluster's. usedAfter says which
// sessions are alive (idleRule.usedAfter). t holds the sessions lock.
func (s *Service) makeRoom(ctx context.Context, t *txn, u store.User, l sessionLimits, now, usedAfter int64) error {
	if l.perUser > 0 {
		mine, err := t.CountLiveSessions(ctx, []string{u.SID}, now, usedAfter)
		if err != nil {
			return err
		}
		if sessionTotal(mine) >= l.perUser {
			n, err := t.EndOldestSessions(ctx, u.SID, int(l.perUser-1), now, usedAfter)
			if err != nil {
				return fmt.Errorf("end the oldest sessions of %s: %w", u.SID, err)
			}
			t.audit(ctx, "delete_session", u.SID, domainUser(u.Domain, u.Username),
				fmt.Sprintf("%d oldest sessions ended for a new log-in: sessionConfiguration.sessionLimitPerUser is %d", n, l.perUser))
		}
	}
	if l.systemWide > 0 {
		all, err := t.CountLiveSessions(ctx, nil, now, usedAfter)
		if err != nil {
			return err
		}
		if n := sessionTotal(all); n >= l.systemWide {
			return forbidden("the cluster's session limit is reached: %d sessions and access tokens are open and sessionConfiguration.sessionLimitSystemWide is %d; log in again when some have ended, or end some (DELETE /v2/users/sessions)",
				n, l.systemWide)
		}
	}
	return nil
}
