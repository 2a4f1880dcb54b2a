package iam

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/clusteriam/clusteriam/internal/secconfig"
	"github.com/clusteriam/clusteriam/internal/store"
)

// The rules a new LOCAL password meets beyond its strength: how it may
// repeat former ones (passwordReuse) and how long a password lives
// (passwordLifetime). docs/security-config.md says what each does here.

const msecsPerDay = 24 * 60 * 60 * 1000

// passwordRules is what passwordReuse and passwordLifetime ask; 0 is off.
type passwordRules struct {
	// disallowed is numDisallowedOldPasswords: a new password may be
	// neither the current one nor one of the disallowed-1 before it.
	disallowed int64
	// differentChars is numDifferentChars (see newChars).
	differentChars int64
	// minDays and maxDays are minLifetimeDays and maxLifetimeDays.
	minDays, maxDays int64
}

// passwordRules returns the rules in force.
func (s *Service) passwordRules() passwordRules { return rulesOf(s.policyNow().cfg) }

// rulesOf returns the password rules of c.
func rulesOf(c secconfig.Config) passwordRules {
	var r passwordRules
	if pr := c.PasswordReuse; pr != nil {
		r.disallowed, r.differentChars = deref(pr.NumDisallowedOldPasswords), deref(pr.NumDifferentChars)
	}
	if pl := c.PasswordLifetime; pl != nil {
		r.minDays, r.maxDays = deref(pl.MinLifetimeDays), deref(pl.MaxLifetimeDays)
	}
	return r
}

// keep is how many former passwords the rules need kept beside the
// current one.
func (r passwordRules) keep() int { return int(max(r.disallowed-1, 0)) }

// newPassword is a new password made ready before the transaction that
// sets it: its hash, the hash it replaces, and how many former passwords
// to keep then.
type newPassword struct {
	hash, replaces string
	keep           int
}

// checkReuse refuses pw as u's new password when it is u's current one
// or one of the former ones the rules disallow. current, when users
// change their own, is the current password, already checked; otherwise
// the current hash is checked, at the cost of one argon2id run, and each
// former one costs another.
func (s *Service) checkReuse(ctx context.Context, u store.User, pw string, current *string, r passwordRules) error {
	if r.disallowed < 1 {
		return nil
	}
	reused := false
	switch {
	case current != nil:
		reused = subtle.ConstantTimeCompare([]byte(pw), []byte(*current)) == 1
	case u.PasswordHash != "":
		var err error
		if reused, err = s.hasher.Verify(ctx, u.PasswordHash, pw); err != nil {
			return fmt.Errorf("compare with the current password of %s: %w", u.SID, err)
		}
	}
	if !reused && r.disallowed > 1 {
		old, err := s.store.PasswordHistory(ctx, u.SID)
		if err != nil {
			return err
		}
		for _, h := range old[:min(len(old), r.keep())] {
			if reused, err = s.hasher.Verify(ctx, h, pw); err != nil {
				return fmt.Errorf("compare with a former password of %s: %w", u.SID, err)
			}
			if reused {
				break
			}
		}
	}
	switch {
	case !reused:
		return nil
	case r.disallowed == 1:
		return invalid("the new password is the current one; passwordReuse.numDisallowedOldPasswords is 1 (the cluster's security config)")
	}
	return invalid("the new password is the current one or one of the %d before it; passwordReuse.numDisallowedOldPasswords is %d (the cluster's security config)",
		r.disallowed-1, r.disallowed)
}

// checkDifferentChars refuses pw as the new password of users who change
// their own, from current, when it holds fewer characters current lacks
// than the rules ask (see newChars).
func (r passwordRules) checkDifferentChars(current, pw string) error {
	if n := newChars(current, pw); int64(n) < r.differentChars {
		return invalid("the new password must hold at least %d characters that the current one does not, and holds %d; passwordReuse.numDifferentChars is %d (the cluster's security config)",
			r.differentChars, n, r.differentChars)
	}
	return nil
}

// newChars counts the characters (Unicode code points, case counting)
// of pw that old lacks, as multisets: each character of old offsets one
// equal character of pw. "aab" from "abc" holds one: the second "a".
func newChars(old, pw string) int {
	have := map[rune]int{}
	for _, c := range old {
		have[c]++
	}
	n := 0
	for _, c := range pw {
		if have[c] > 0 {
			have[c]--
		} else {
			n++
		}
	}
	return n
}

// checkMinAge refuses a change of u's password by u itself before it is
// minDays old, unless it must be changed (forcePasswordChange).
// Administrators setting it are not held to it.
func (r passwordRules) checkMinAge(u store.User, now int64) error {
	if r.minDays <= 0 || u.ForcePasswordChange || u.PasswordSetMsecs == 0 {
		return nil
	}
	if next := u.PasswordSetMsecs + r.minDays*msecsPerDay; now < next {
		return invalid("your password was set at %s and may be changed again from %s: passwordLifetime.minLifetimeDays is %d (the cluster's security config); an administrator may set it sooner",
			when(u.PasswordSetMsecs), when(next), r.minDays)
	}
	return nil
}

// expired reports whether u's password is maxDays old or more at now: a
// LOCAL user's, set by a password.
func (r passwordRules) expired(u store.User, now int64) bool {
	return r.maxDays > 0 && u.Domain == LocalDomain && u.PasswordHash != "" &&
		now >= u.PasswordSetMsecs+r.maxDays*msecsPerDay
}

// when renders epoch ms as a time in UTC, for messages.
func when(msecs int64) string {
	return time.UnixMilli(msecs).UTC().Format(time.RFC3339)
}
