package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/secconfig"
	"github.com/clusteriam/clusteriam/internal/store"
)

// The lock-out of unused accounts (accountLockout.inactivityTimeDays). A
// LOCAL user unused for that many days is locked, lockedReason
// Inactivity: computed on every read, so that lists show it before the
// user tries, and stored, with its audit entry, at the first log-in that
// finds it. "Unused" counts from the latest of its creation, its last
// successful log-in, an administrator's unlock or setting of its
// password, and the moment the setting was last turned on or changed, so
// that no change of the setting locks anyone at once.
//
// Two accounts are never locked so, lest nobody be left to unlock the
// others: the built-in admin, as Windows exempts its built-in
// Administrator from lock-outs, and the last lasting administrator
// (invariants.go). Like a lock after failed log-ins, the lock guards
// log-ins (password or certificate), not the API keys the user holds:
// keys in use are no sign of an abandoned account, and have their own
// expiry.

// inactivity is the lock-out of unused accounts in force.
type inactivity struct {
	days  int64 // 0: off
	since int64 // epoch ms the setting was last turned on or changed
}

// inactivityOf returns the lock-out of unused accounts of pol.
func inactivityOf(pol policy) inactivity {
	return inactivity{days: inactivityDays(pol.cfg), since: pol.clocks.Inactivity}
}

// inactivityDays is c's accountLockout.inactivityTimeDays; 0 when unset.
func inactivityDays(c secconfig.Config) int64 {
	if a := c.AccountLockout; a != nil {
		return deref(a.InactivityTimeDays)
	}
	return 0
}

// unusedSince is when u was last used, as the lock-out counts it.
func (in inactivity) unusedSince(u store.User) int64 {
	return max(u.CreatedMsecs, u.LastLoginMsecs, u.ReactivatedMsecs, in.since)
}

// stale reports whether u falls under the lock-out at now: a LOCAL user
// other than the built-in admin, not locked already, unused for days.
// Whether it is the last lasting administrator is the caller's to ask.
func (in inactivity) stale(u store.User, now int64) bool {
	return in.days > 0 && u.Domain == LocalDomain && !isBuiltinAdmin(u) &&
		!(u.Locked && !lockExpired(u, now)) && now >= in.unusedSince(u)+in.days*msecsPerDay
}

// lockInactive locks the account c reserved a check on, found stale, and
// refuses the log-in as a locked account's is refused; unless it is the
// last lasting administrator, or no longer stale, when the log-in goes
// on.
func (s *Service) lockInactive(ctx context.Context, c checked, in inactivity) (checked, error) {
	sid, now := c.user.SID, s.nowMsecs()
	var lock []store.AuditEntry
	err := s.store.Update(ctx, func(tx store.Tx) error {
		lock = nil
		// Whether it is the last administrator is read under the
		// principals lock, as anything that removes one is.
		if err := tx.LockPrincipals(ctx); err != nil {
			return err
		}
		cur, err := tx.GetUser(ctx, sid)
		if err != nil || !in.stale(cur, now) {
			return err
		}
		if last, err := s.isLastAdmin(ctx, tx, cur); err != nil || last {
			return err
		}
		_, err = tx.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
			if c.reserved {
				release(&u)
			}
			u.Locked, u.LockedReason, u.LockedUntilMsecs = true, Inactivity, 0
			return u, nil
		})
		if err != nil {
			return err
		}
		lock = append(lock, s.event(ctx, nil, "lock_after_inactivity", sid, domainUser(cur.Domain, cur.Username),
			fmt.Sprintf("unused since %s; accountLockout.inactivityTimeDays is %d", when(in.unusedSince(cur)), in.days)))
		return tx.AppendAudit(ctx, inTenantOf(ctx, tx, cur, lock...)...)
	})
	if err != nil {
		if c.reserved {
			s.releaseLater(sid)
		}
		return checked{}, err
	}
	if len(lock) == 0 {
		return c, nil
	}
	s.logChange(ctx, nil, lock...)
	return checked{}, &heldCheck{sid}
}

// presentAll shows users as they stand now: a lock from failed log-ins
// that has run out is over, though the store keeps it until the next
// log-in; an account unused too long is locked for inactivity, though the
// store records it only at its next log-in.
func (s *Service) presentAll(ctx context.Context, users []store.User) []store.User {
	pr := s.presenter()
	for i := range users {
		pr.present(ctx, &users[i])
	}
	return users
}

// userPresenter is presentAll one user at a time, for a list read in
// pages: every user is shown at the same instant, and the sole
// administrator is read at most once, when the first stale user comes.
type userPresenter struct {
	s     *Service
	now   int64
	in    inactivity
	sole  string
	asked bool
}

func (s *Service) presenter() *userPresenter {
	return &userPresenter{s: s, now: s.nowMsecs(), in: inactivityOf(s.policyNow())}
}

func (pr *userPresenter) present(ctx context.Context, u *store.User) {
	if lockExpired(*u, pr.now) {
		u.Locked, u.LockedReason, u.LockedUntilMsecs = false, NotLocked, 0
	}
	if !pr.in.stale(*u, pr.now) {
		return
	}
	if !pr.asked {
		pr.sole, pr.asked = pr.s.soleAdmin(ctx), true
	}
	if u.SID != pr.sole {
		u.Locked, u.LockedReason = true, Inactivity
	}
}

// soleAdmin is the sid of the last lasting administrator, when there is
// only one; "" otherwise, or when the store does not answer.
func (s *Service) soleAdmin(ctx context.Context) string {
	admins, err := s.lastingAdmins(ctx, s.store)
	if err != nil || len(admins) != 1 {
		return ""
	}
	return admins[0].SID
}

// inactiveAt counts the accounts the lock-out in would lock at the time
// at, as r reads them, should none of them log in before: those stale
// then, but the last lasting administrator.
func (s *Service) inactiveAt(ctx context.Context, r store.Reader, in inactivity, at int64) (int, error) {
	users, err := r.ListUsers(ctx, store.UserFilter{Domain: LocalDomain})
	if err != nil {
		return 0, fmt.Errorf("users: %w", err)
	}
	admins, err := s.lastingAdmins(ctx, r)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		if in.stale(u, at) && !(len(admins) == 1 && admins[0].SID == u.SID) {
			n++
		}
	}
	return n, nil
}

// lockTerms are the terms on which presentAll shows users locked at now,
// for a store filter on them: a lock from failed log-ins runs out; with
// the lock-out of unused accounts on, a LOCAL user unused since now less
// its days is locked, but the built-in admin and the sole lasting
// administrator (see stale). Until the setting has been on for its days,
// nobody is unused.
func (s *Service) lockTerms(ctx context.Context, now int64) (store.LockTerms, error) {
	lt := store.LockTerms{RunsOutReason: FailedLoginAttempts}
	in := inactivityOf(s.policyNow())
	cutoff := now - in.days*msecsPerDay
	if in.days <= 0 || in.since > cutoff {
		return lt, nil
	}
	lt.UnusedSince, lt.UnusedDomain = cutoff, LocalDomain
	admin, err := s.store.GetUserByName(ctx, "", LocalDomain, AdminUsername)
	switch {
	case err == nil:
		lt.Exempt = append(lt.Exempt, admin.SID)
	case !errors.Is(err, store.ErrNotFound):
		return lt, fmt.Errorf("built-in admin: %w", err)
	}
	if sole := s.soleAdmin(ctx); sole != "" {
		lt.Exempt = append(lt.Exempt, sole)
	}
	return lt, nil
}
