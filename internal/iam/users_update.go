package iam

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
)

// UserUpdate is an update_user body: nil fields stay as they are.
type UserUpdate struct {
	Description                         *string
	EffectiveTimeMsecs, ExpiryTimeMsecs *int64
	Locked, Restricted                  *bool
	Roles                               []string // nil: unchanged
	Email, Password, CurrentPassword    *string
}

// acts returns what u does to the user it changes.
func (u UserUpdate) acts() []Act {
	var acts []Act
	if u.Description != nil || u.Email != nil {
		acts = append(acts, ActChangeProfile)
	}
	if u.Roles != nil {
		acts = append(acts, ActChangeRoles)
	}
	if u.restricts() {
		acts = append(acts, ActChangeRestrictions)
	}
	if u.Password != nil {
		acts = append(acts, ActSetPassword)
	}
	return acts
}

func (u UserUpdate) restricts() bool {
	return u.Locked != nil || u.Restricted != nil || u.EffectiveTimeMsecs != nil || u.ExpiryTimeMsecs != nil
}

// demotes reports whether u may take away a user's administration: its
// roles, or its lock and time window.
func (u UserUpdate) demotes() bool {
	return u.Roles != nil || u.Locked != nil || u.EffectiveTimeMsecs != nil || u.ExpiryTimeMsecs != nil
}

// fields names the fields u changes, never their values.
func (u UserUpdate) fields() string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"description", u.Description != nil}, {"effectiveTimeMsecs", u.EffectiveTimeMsecs != nil},
		{"expiryTimeMsecs", u.ExpiryTimeMsecs != nil}, {"locked", u.Locked != nil},
		{"restricted", u.Restricted != nil}, {"roles", u.Roles != nil},
		{"emailAddress", u.Email != nil}, {"password", u.Password != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return strings.Join(out, ", ")
}

// check validates what u carries, before anything is read.
func (s *Service) checkUpdate(ctx context.Context, u UserUpdate) error {
	if u.Description != nil {
		if err := checkDescription(*u.Description); err != nil {
			return err
		}
	}
	if u.Email != nil {
		if err := checkEmail(*u.Email); err != nil {
			return err
		}
	}
	if err := checkWindow(u.EffectiveTimeMsecs, u.ExpiryTimeMsecs); err != nil {
		return err
	}
	if u.Password == nil {
		if u.CurrentPassword != nil {
			return invalid("currentPassword is only used together with password")
		}
		return nil
	}
	return s.checkNewPassword(ctx, *u.Password)
}

// UpdateUser merges upd into user sid and returns the result.
func (s *Service) UpdateUser(ctx context.Context, p *Principal, sid string, upd UserUpdate) (store.User, error) {
	pw, err := s.preparePassword(ctx, p, sid, upd)
	if err != nil {
		return store.User{}, s.refused(ctx, p, "update_user", err)
	}
	var out store.User
	err = s.write(ctx, p, "update_user", func(t *txn) error {
		guard, err := s.guardAdmins(ctx, t, upd.demotes())
		if err != nil {
			return err
		}
		cur, err := t.GetUser(ctx, sid)
		if err != nil {
			return err
		}
		upd := upd // this run's: its role names read in cur's organization
		if upd.Roles != nil {
			if upd.Roles, err = s.roleKeys(ctx, t, cur.TenantID, upd.Roles); err != nil {
				return err
			}
		}
		if err := s.mayUpdateUser(ctx, t, p, cur, upd); err != nil {
			return err
		}
		t.audit(ctx, "update_user", sid, domainUser(cur.Domain, cur.Username), upd.fields())
		var pwCap *[]string // nil: keep the password's cap
		if !p.isSelf(sid) {
			c := s.mintCap(p)
			pwCap = &c
		}
		out, err = t.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
			if upd.Password != nil && u.PasswordHash != pw.replaces {
				return u, &Error{Kind: KindConflict, Msg: "the password changed meanwhile; retry"}
			}
			now := s.nowMsecs()
			applyUserUpdate(&u, upd, pw.hash, pwCap, now)
			if err := checkWindow(u.EffectiveTimeMsecs, u.ExpiryTimeMsecs); err != nil {
				return u, err
			}
			u.UpdatedMsecs = now
			return u, nil
		})
		if err != nil {
			return err
		}
		if pw.hash != "" {
			if err := t.AddPasswordHistory(ctx, sid, pw.replaces, pw.keep); err != nil {
				return fmt.Errorf("keep the former password of %s: %w", sid, err)
			}
		}
		if err := s.revokeAfterUpdate(ctx, t, p, cur, out, upd); err != nil {
			return err
		}
		return guard.check(ctx, s, t)
	})
	return out, err
}

// preparePassword hashes a new password before the update's transaction,
// having checked the current one when users change their own, and the
// rules of the security config.
func (s *Service) preparePassword(ctx context.Context, p *Principal, sid string, upd UserUpdate) (newPassword, error) {
	if err := s.checkUpdate(ctx, upd); err != nil || upd.Password == nil {
		return newPassword{}, err
	}
	cur, err := s.store.GetUser(ctx, sid)
	if err != nil {
		return newPassword{}, err
	}
	if cur.Domain != LocalDomain {
		return newPassword{}, invalid("the password of a %s user is kept by its directory", cur.Domain)
	}
	rules := s.passwordRules()
	var current *string
	if p.isSelf(sid) {
		if err := rules.checkMinAge(cur, s.nowMsecs()); err != nil {
			return newPassword{}, err
		}
		if err := s.checkCurrentPassword(ctx, cur, upd.CurrentPassword); err != nil {
			return newPassword{}, err
		}
		current = upd.CurrentPassword
		if err := rules.checkDifferentChars(*current, *upd.Password); err != nil {
			return newPassword{}, err
		}
	}
	if err := s.checkReuse(ctx, cur, *upd.Password, current, rules); err != nil {
		return newPassword{}, err
	}
	h, err := s.hasher.Hash(ctx, *upd.Password)
	if err != nil {
		return newPassword{}, fmt.Errorf("hash password: %w", err)
	}
	return newPassword{hash: h, replaces: cur.PasswordHash, keep: rules.keep()}, nil
}

// mayUpdateUser decides each act of upd on cur, and the roles it hands out.
func (s *Service) mayUpdateUser(ctx context.Context, r store.Reader, p *Principal, cur store.User, upd UserUpdate) error {
	target, err := s.userTarget(ctx, r, cur)
	if err != nil {
		return err
	}
	for _, act := range upd.acts() {
		if err := s.decide(p, act, target); err != nil {
			return err
		}
	}
	if upd.Roles == nil {
		return nil
	}
	roles := store.Dedupe(upd.Roles)
	if err := s.checkRolesExist(ctx, r, cur.TenantID, roles); err != nil {
		return err
	}
	if p.isSelf(cur.SID) {
		// What one's own roles and groups would grant, all of it held now.
		own := cur
		own.Roles = roles
		privs, err := s.privilegesOf(ctx, r, own)
		if err != nil {
			return err
		}
		return checkNoRaise(p, privs)
	}
	privs, err := s.privilegesOfRoles(ctx, r, roles)
	if err != nil {
		return err
	}
	return s.checkGrant(p, cur.TenantID, privs)
}

// mintCap is the cap of a credential p makes for someone else: what p
// holds, unless p holds every privilege (nil: no cap).
func (s *Service) mintCap(p *Principal) []string {
	if s.holdsAll(p) {
		return nil
	}
	return slices.Clone(p.Privileges)
}

// applyUserUpdate changes the fields upd names, no more. A new password
// takes the cap pwCap points to: what whoever set it holds (see mintCap);
// nil keeps the cap the password had, when users change their own, lest a
// password someone else set be changed into one free of it (pwCap nil
// means users change their own). now is the time of the change.
func applyUserUpdate(u *store.User, upd UserUpdate, newHash string, pwCap *[]string, now int64) {
	if upd.Description != nil {
		u.Description = *upd.Description
	}
	if upd.EffectiveTimeMsecs != nil {
		u.EffectiveTimeMsecs = upd.EffectiveTimeMsecs
	}
	if upd.ExpiryTimeMsecs != nil {
		u.ExpiryTimeMsecs = upd.ExpiryTimeMsecs
	}
	if upd.Restricted != nil {
		u.Restricted = *upd.Restricted
	}
	if upd.Locked != nil && *upd.Locked != u.Locked {
		u.Locked = *upd.Locked
		u.LockedReason = ""
		u.LockedUntilMsecs = 0 // an admin's lock lasts until an admin ends it
		if u.Locked {
			u.LockedReason = LockedByAdmin
		} else {
			u.FailedLogins, u.FailedSinceMsecs = 0, 0
		}
	}
	if upd.Locked != nil && !*upd.Locked || newHash != "" && pwCap != nil {
		// An administrator's unlock, or password, starts the unused
		// time of the inactivity lock-out again, and ends its lock.
		u.ReactivatedMsecs = now
		if u.Locked && u.LockedReason == Inactivity {
			u.Locked, u.LockedReason = false, NotLocked
		}
	}
	if upd.Roles != nil {
		u.Roles = store.Dedupe(upd.Roles)
	}
	if upd.Email != nil {
		u.Email = *upd.Email
	}
	if newHash != "" {
		u.PasswordHash, u.PasswordSetMsecs = newHash, now
		u.ForcePasswordChange = false
		if pwCap != nil {
			u.PasswordCap = *pwCap
		}
	}
}

// revokeAfterUpdate ends, in the update's transaction, the sessions that
// must not outlive it: all of them on a lock, all but the caller's own on
// a password change.
func (s *Service) revokeAfterUpdate(ctx context.Context, t *txn, p *Principal, before, after store.User, upd UserUpdate) error {
	var keep []byte
	switch {
	case after.Locked && !before.Locked:
	case upd.Password != nil:
		if p.isSelf(after.SID) {
			keep = p.SessionHash
		}
	default:
		return nil
	}
	if _, err := t.DeleteSessions(ctx, after.SID, keep); err != nil {
		return fmt.Errorf("revoke sessions of %s: %w", after.SID, err)
	}
	return nil
}
