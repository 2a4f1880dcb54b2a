package iam

import (
	"context"
	"fmt"
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

// selfServiceOnly reports whether u touches only what a user may change on
// itself without Manage Users.
func (u UserUpdate) selfServiceOnly() bool {
	return u.EffectiveTimeMsecs == nil && u.ExpiryTimeMsecs == nil && u.Locked == nil &&
		u.Restricted == nil && u.Roles == nil
}

// UpdateUser merges upd into user sid and returns the result.
func (s *Service) UpdateUser(ctx context.Context, p *Principal, sid string, upd UserUpdate) (store.User, error) {
	ev := s.event(ctx, p, "update_user", sid, "", upd.fields())
	u, err := s.updateUser(ctx, p, sid, upd, &ev)
	s.logChange(ctx, err, ev)
	return u, err
}

// fields names the fields upd changes, never their values.
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

// updateUser makes the update, recording ev, named once the user is read,
// in its transaction.
func (s *Service) updateUser(ctx context.Context, p *Principal, sid string, upd UserUpdate, ev *store.AuditEntry) (store.User, error) {
	self := p.isSelf(sid)
	if !self || !upd.selfServiceOnly() {
		if err := s.require(p, PrivPrincipalModify); err != nil {
			return store.User{}, err
		}
	}
	cur, err := s.store.GetUser(ctx, sid)
	if err != nil {
		return store.User{}, err
	}
	ev.EntityName = domainUser(cur.Domain, cur.Username)
	if err := s.checkReach(ctx, p, cur); err != nil {
		return store.User{}, err
	}
	if err := s.checkUserUpdate(ctx, p, cur, upd); err != nil {
		return store.User{}, err
	}
	newHash := ""
	if upd.Password != nil {
		if newHash, err = s.hasher.Hash(ctx, *upd.Password); err != nil {
			return store.User{}, fmt.Errorf("hash password: %w", err)
		}
	}
	var roles []string
	if upd.Roles != nil {
		if roles, err = s.checkRoles(ctx, upd.Roles); err != nil {
			return store.User{}, err
		}
		if self {
			err = s.checkNoRaise(ctx, p, append(roles, s.groupRoles(ctx, cur)...))
		} else {
			err = s.checkGrant(ctx, p, roles)
		}
		if err != nil {
			return store.User{}, err
		}
	}
	out, err := s.store.UpdateUser(store.WithAudit(ctx, *ev), sid, func(u store.User) (store.User, error) {
		if upd.Password != nil && u.PasswordHash != cur.PasswordHash {
			return u, &Error{Kind: KindConflict, Msg: "the password changed meanwhile; retry"}
		}
		applyUserUpdate(&u, upd, roles, newHash)
		if err := checkWindow(u.EffectiveTimeMsecs, u.ExpiryTimeMsecs); err != nil {
			return u, err
		}
		u.UpdatedMsecs = s.nowMsecs()
		return u, nil
	})
	if err != nil {
		return store.User{}, err
	}
	return out, s.revokeAfterUpdate(ctx, p, cur, out, upd)
}

// groupRoles returns the roles u holds through its groups (best effort: a
// group deleted meanwhile holds nothing).
func (s *Service) groupRoles(ctx context.Context, u store.User) []string {
	var roles []string
	for _, gsid := range u.Groups {
		if g, err := s.store.GetGroup(ctx, gsid); err == nil {
			roles = append(roles, g.Roles...)
		}
	}
	return roles
}

func (s *Service) checkUserUpdate(ctx context.Context, p *Principal, cur store.User, upd UserUpdate) error {
	if upd.Description != nil {
		if err := checkDescription(*upd.Description); err != nil {
			return err
		}
	}
	if upd.Email != nil {
		if err := checkEmail(*upd.Email); err != nil {
			return err
		}
	}
	if upd.Password == nil {
		if upd.CurrentPassword != nil {
			return invalid("currentPassword is only used together with password")
		}
		return nil
	}
	if cur.Domain != LocalDomain {
		return invalid("the password of a %s user is kept by its directory", cur.Domain)
	}
	if err := s.checkNewPassword(*upd.Password); err != nil {
		return err
	}
	if !p.isSelf(cur.SID) {
		return nil
	}
	if upd.CurrentPassword == nil || *upd.CurrentPassword == "" {
		return invalid("changing your own password needs localUserParams.currentPassword")
	}
	ok, err := s.hasher.Verify(ctx, cur.PasswordHash, *upd.CurrentPassword)
	if err != nil {
		return fmt.Errorf("verify current password: %w", err)
	}
	if !ok {
		return invalid("currentPassword is wrong")
	}
	return nil
}

func applyUserUpdate(u *store.User, upd UserUpdate, roles []string, newHash string) {
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
	if roles != nil {
		u.Roles = roles
	}
	if upd.Email != nil {
		u.Email = *upd.Email
	}
	if newHash != "" {
		u.PasswordHash = newHash
		u.ForcePasswordChange = false
	}
}

// revokeAfterUpdate ends sessions that must not outlive the change: all of
// them on a lock, all but the caller's own on a password change.
func (s *Service) revokeAfterUpdate(ctx context.Context, p *Principal, before, after store.User, upd UserUpdate) error {
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
	if _, err := s.store.DeleteSessions(ctx, after.SID, keep); err != nil {
		return fmt.Errorf("revoke sessions of %s: %w", after.SID, err)
	}
	return nil
}
