package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Brute force against one account is bounded by reserving each password
// check on the account, in the store, before making it: a check may start
// only while the account's recorded failures plus the checks in flight are
// below the lock-out threshold. So, however many wrong passwords arrive at
// once, on however many replicas, no more than the threshold are ever
// checked before the account locks. A success gives its reservation back
// and clears the failures; a failure turns it into a failure. A process
// that dies in between leaves a reservation that lapses after pendingTTL.
//
// The built-in admin and the last lasting administrator are never locked
// out: a lock would shut everyone out. Past the threshold their failures
// bring growing delays instead (a soft lock-out, as ASVS 2.2.1 allows), up
// to maxSoftDelay between checks, which still bounds guesses to well under
// 100 an hour.

const (
	// pendingTTL bounds how long a reservation outlives a process that
	// died holding it.
	pendingTTL = 30 * time.Second
	// busyWait bounds how long a log-in waits for a reservation while
	// others are in flight, before it is refused.
	busyWait = 5 * time.Second
	// maxSoftDelay bounds the delay between checks of an account under a
	// soft lock-out.
	maxSoftDelay = time.Minute
)

// Reservation outcomes that refuse the check.
var (
	errLocked = errors.New("the account is locked")
	errBusy   = errors.New("the account's failures and checks in flight reach the threshold")
)

// throttled refuses a check on an account under a soft lock-out.
type throttled struct{ until int64 }

func (t *throttled) Error() string { return "the account is in a soft lock-out" }

// reserve reserves a password check on user sid and returns the account as
// it stands. It waits, up to busyWait, while the checks in flight would
// reach the threshold. It fails with errLocked, a *throttled, or an
// *Error of KindTooMany when the wait runs out.
func (s *Service) reserve(ctx context.Context, sid string) (store.User, error) {
	lp := s.lockoutPolicy()
	if lp.Threshold < 0 {
		return s.store.GetUser(ctx, sid)
	}
	deadline := time.Now().Add(busyWait)
	wait := 10 * time.Millisecond
	for {
		var u store.User
		err := s.store.Update(ctx, func(tx store.Tx) error {
			// A reservation lost in a crash lapses after pendingTTL: it
			// need not wait for the disk.
			if err := tx.NoSync(ctx); err != nil {
				return err
			}
			var err error
			u, err = tx.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
				return u, s.admit(&u, s.nowMsecs(), lp)
			})
			return err
		})
		if !errors.Is(err, errBusy) {
			return u, err
		}
		if time.Now().After(deadline) {
			return store.User{}, &Error{Kind: KindTooMany, Retry: time.Second,
				Msg: "too many log-ins are in progress for this account; retry"}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return store.User{}, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// admit takes a reservation on u at now, or says why not.
func (s *Service) admit(u *store.User, now int64, lp LockoutPolicy) error {
	if lockExpired(*u, now) {
		// A lock that ran out stays recorded until something touches the
		// account; end it here, or the failures before it would count
		// again.
		u.Locked, u.LockedReason, u.LockedUntilMsecs, u.FailedLogins = false, NotLocked, 0, 0
	}
	if u.LoginsPendingUntilMsecs <= now {
		u.LoginsPending = 0
	}
	if u.FailedLogins > 0 && now-u.FailedSinceMsecs > lp.Window.Milliseconds() {
		u.FailedLogins, u.FailedSinceMsecs = 0, 0
	}
	// Past the threshold (a soft lock-out), one check at a time.
	budget := max(int64(lp.Threshold)-u.FailedLogins, 1)
	switch {
	case u.Locked:
		return errLocked
	case u.LockedUntilMsecs > now:
		return &throttled{until: u.LockedUntilMsecs}
	case u.LoginsPending >= budget:
		return errBusy
	}
	u.LoginsPending++
	u.LoginsPendingUntilMsecs = now + pendingTTL.Milliseconds()
	return nil
}

// release gives back a reservation in u.
func release(u *store.User) {
	if u.LoginsPending > 0 {
		u.LoginsPending--
	}
	if u.LoginsPending == 0 {
		u.LoginsPendingUntilMsecs = 0 // as it was before any reservation
	}
}

// settleFailure turns the reservation of a failed check on user sid into
// a failure, after the answer, recording ev (its audit entry) with it. At
// the threshold it locks the account, or, for the built-in admin and the
// last lasting administrator, delays its next check.
func (s *Service) settleFailure(sid string, ev store.AuditEntry) {
	lp := s.lockoutPolicy()
	if lp.Threshold < 0 {
		s.later("record a failed log-in", func(ctx context.Context) error {
			return s.store.Update(ctx, func(tx store.Tx) error {
				cur, err := tx.GetUser(ctx, sid)
				if err != nil {
					return err
				}
				return tx.AppendAudit(ctx, inTenantOf(ctx, tx, cur, ev)...)
			})
		})
		return
	}
	now := s.nowMsecs()
	s.later("record a failed log-in", func(ctx context.Context) error {
		return s.store.Update(ctx, func(tx store.Tx) error {
			cur, err := tx.GetUser(ctx, sid)
			if err != nil {
				return err
			}
			soft := isBuiltinAdmin(cur)
			if !soft && cur.FailedLogins+1 >= int64(lp.Threshold) {
				// Whether it is the last administrator is read under the
				// principals lock, as anything that removes one is.
				if err := tx.LockPrincipals(ctx); err != nil {
					return err
				}
				if soft, err = s.isLastAdmin(ctx, tx, cur); err != nil {
					return err
				}
			}
			var lock []store.AuditEntry
			_, err = tx.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
				release(&u)
				lock = nil
				if details := countFailure(&u, now, soft, lp); details != "" {
					lock = append(lock, s.event(ctx, nil, "lock_after_failed_logins", sid, domainUser(u.Domain, u.Username), details))
				}
				return u, nil
			})
			if err != nil {
				return err
			}
			s.logChange(ctx, nil, lock...)
			return tx.AppendAudit(ctx, inTenantOf(ctx, tx, cur, append([]store.AuditEntry{ev}, lock...)...)...)
		})
	})
}

// countFailure counts a failed check on u at now. At the threshold it
// locks u, or under soft, delays its next check, and returns the details
// of the audit entry that says so; "" when it did neither.
func countFailure(u *store.User, now int64, soft bool, lp LockoutPolicy) string {
	if u.FailedLogins == 0 || now-u.FailedSinceMsecs > lp.Window.Milliseconds() {
		u.FailedLogins, u.FailedSinceMsecs = 0, now
	}
	u.FailedLogins++
	over := u.FailedLogins - int64(lp.Threshold)
	switch {
	case over < 0 || u.Locked:
		return ""
	case soft:
		u.LockedUntilMsecs = now + softDelay(over).Milliseconds()
		return fmt.Sprintf("%d failed log-ins within %s: the next check waits %s (a soft lock-out: the built-in and the last administrator are never locked out)",
			u.FailedLogins, lp.Window, softDelay(over))
	default:
		u.Locked, u.LockedReason = true, FailedLoginAttempts
		u.LockedUntilMsecs = now + lp.Duration.Milliseconds()
		return fmt.Sprintf("%d failed log-ins within %s", u.FailedLogins, lp.Window)
	}
}

// softDelay is the wait after the n-th failure past the threshold: 1 s,
// doubling, at most maxSoftDelay.
func softDelay(n int64) time.Duration {
	if n >= 6 { // 2^6 s is past maxSoftDelay already
		return maxSoftDelay
	}
	return min(time.Duration(1<<n)*time.Second, maxSoftDelay)
}

// lockExpired reports whether u's lock came from failed log-ins and has
// run out at now.
func lockExpired(u store.User, now int64) bool {
	return u.Locked && u.LockedReason == FailedLoginAttempts && u.LockedUntilMsecs != 0 && u.LockedUntilMsecs <= now
}

// clearFailures clears u's failures after a successful check of its
// password, ending a lock they caused that has run out.
func clearFailures(u *store.User, now int64) {
	if lockExpired(*u, now) {
		u.Locked, u.LockedReason = false, NotLocked
	}
	if !u.Locked {
		u.LockedUntilMsecs = 0
	}
	u.FailedLogins, u.FailedSinceMsecs = 0, 0
}

// probeSetting names the setting a log-in for an unknown user writes, so
// that it costs the store write a known user's reservation does.
const probeSetting = "login_probe"

// probe writes what a reservation would, for a log-in of a user the
// cluster does not know: failures answer in the same time whether or not
// the user exists.
func (s *Service) probe(ctx context.Context) error {
	if s.lockoutPolicy().Threshold < 0 {
		return nil
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.NoSync(ctx); err != nil {
			return err
		}
		return tx.PutSetting(ctx, probeSetting, b[:])
	})
}

// inTenantOf puts entries about user u that no principal made (a failed
// log-in, a lock-out) in the trail of u's organization, so that its
// administrators read them.
func inTenantOf(ctx context.Context, r store.Reader, u store.User, entries ...store.AuditEntry) []store.AuditEntry {
	if u.TenantID == "" {
		return entries
	}
	name := ""
	if t, err := r.GetTenant(ctx, u.TenantID); err == nil {
		name = t.Name
	}
	for i := range entries {
		entries[i].TenantID, entries[i].TenantName = u.TenantID, name
	}
	return entries
}
