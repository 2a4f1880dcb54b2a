package iam

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// failedLogin counts a failed log-in against user sid, recording ev, its
// audit entry, in the same transaction, and locks the account when the
// policy's threshold is reached. It runs after the answer, so that a wrong
// password for an existing user costs the caller the same time as an
// unknown user, whose failure is only recorded.
func (s *Service) failedLogin(sid string, ev store.AuditEntry) {
	if s.lockout.Threshold < 0 {
		s.record(ev)
		return
	}
	now := s.nowMsecs()
	s.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		locked, name := false, ""
		_, err := s.store.UpdateUser(store.WithAudit(ctx, ev), sid, func(u store.User) (store.User, error) {
			if lockExpired(u, now) {
				// A lock that ran out stays recorded until a log-in
				// succeeds; without ending it here, later failures
				// would never lock the account again.
				u.Locked, u.LockedReason, u.LockedUntilMsecs = false, NotLocked, 0
				u.FailedLogins = 0
			}
			if u.FailedLogins == 0 || now-u.FailedSinceMsecs > s.lockout.Window.Milliseconds() {
				u.FailedLogins, u.FailedSinceMsecs = 0, now
			}
			u.FailedLogins++
			if u.FailedLogins >= int64(s.lockout.Threshold) && !u.Locked {
				u.Locked, u.LockedReason = true, FailedLoginAttempts
				u.LockedUntilMsecs = now + s.lockout.Duration.Milliseconds()
				locked, name = true, domainUser(u.Domain, u.Username)
			}
			return u, nil
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			s.audit.WarnContext(ctx, "record a failed log-in", "user", sid, "error", err)
		case locked:
			ev := s.event(ctx, nil, "lock_after_failed_logins", sid, name,
				fmt.Sprintf("%d failed log-ins within %s", s.lockout.Threshold, s.lockout.Window))
			s.logChange(ctx, nil, ev)
			if err := s.store.AppendAudit(ctx, []store.AuditEntry{ev}); err != nil {
				s.audit.WarnContext(ctx, "record a lock-out", "user", sid, "error", err)
			}
		}
	})
}

// lockExpired reports whether u's lock came from failed log-ins and has
// run out at now.
func lockExpired(u store.User, now int64) bool {
	return u.Locked && u.LockedReason == FailedLoginAttempts && u.LockedUntilMsecs != 0 && u.LockedUntilMsecs <= now
}

// clearFailures resets the failed log-ins of u after a successful log-in,
// ending a lock they caused that has run out.
func clearFailures(u *store.User, now int64) {
	if lockExpired(*u, now) {
		u.Locked, u.LockedReason = false, NotLocked
	}
	if !u.Locked {
		u.LockedUntilMsecs = 0
	}
	u.FailedLogins, u.FailedSinceMsecs = 0, 0
}

// Wait waits for the work the service does after answering (failed
// log-ins being counted). Call it before closing the store.
func (s *Service) Wait() { s.bg.Wait() }
