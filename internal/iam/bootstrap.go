package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// AdminUsername is the LOCAL user created on first start.
const AdminUsername = "admin"

// EnsureAdmin creates the LOCAL admin with role COHESITY_ADMIN when the
// store holds no user at all. It reports whether it created one.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (bool, error) {
	return s.ensureAdmin(ctx, password, false)
}

// EnsureAdminGenerated is EnsureAdmin with a password the system made up:
// the admin must change it before it may do anything else.
func (s *Service) EnsureAdminGenerated(ctx context.Context, password string) (bool, error) {
	return s.ensureAdmin(ctx, password, true)
}

func (s *Service) ensureAdmin(ctx context.Context, password string, mustChange bool) (bool, error) {
	users, err := s.store.ListUsers(ctx, store.UserFilter{Limit: 1})
	if err != nil {
		return false, fmt.Errorf("list users: %w", err)
	}
	if len(users) > 0 {
		return false, nil
	}
	if err := s.checkNewPassword(ctx, password); err != nil {
		return false, fmt.Errorf("admin password: %w", err)
	}
	u, err := s.validateNewUser(ctx, &Principal{}, NewUser{
		Username: AdminUsername, Domain: LocalDomain, Roles: []string{RoleAdmin},
		Description: "Cluster administrator created at first start",
	})
	if err != nil {
		return false, err
	}
	if err := s.fillSIDs(ctx, 1, func(int) *string { return &u.SID }); err != nil {
		return false, err
	}
	if err := s.finishUser(ctx, &u, password); err != nil {
		return false, err
	}
	u.ForcePasswordChange = mustChange
	err = s.write(ctx, nil, "create_user", func(t *txn) error {
		t.audit(ctx, "create_user", u.SID, domainUser(LocalDomain, AdminUsername), "first start")
		return t.CreateUsers(ctx, []store.User{u})
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return false, nil // another replica starting at the same time made it
	}
	if err != nil {
		return false, fmt.Errorf("create admin: %w", err)
	}
	return true, nil
}

// IsAdminPassword reports whether password is the built-in admin's
// current one, so that a start can say when CLUSTERIAM_ADMIN_PASSWORD,
// which only serves an empty store, is not the password to log in with.
func (s *Service) IsAdminPassword(ctx context.Context, password string) (bool, error) {
	u, err := s.store.GetUserByName(ctx, "", LocalDomain, AdminUsername)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil || u.PasswordHash == "" {
		return false, err
	}
	return s.hasher.Verify(ctx, u.PasswordHash, password)
}

// ResetAdminPassword gives the built-in admin a new password from the
// command line, with no server running (clusteriam admin reset-password):
// the way back in when it is lost. The admin is unlocked and its sessions
// end; a password the command made up must be changed at the next log-in.
// The trail records it, with no actor.
func (s *Service) ResetAdminPassword(ctx context.Context, password string, generated bool) (store.User, error) {
	u, err := s.store.GetUserByName(ctx, "", LocalDomain, AdminUsername)
	if err != nil {
		return store.User{}, fmt.Errorf("the built-in admin: %w", err)
	}
	if err := s.checkNewPassword(ctx, password); err != nil {
		return store.User{}, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return store.User{}, err
	}
	var out store.User
	err = s.write(ctx, nil, "update_user", func(t *txn) error {
		t.audit(ctx, "update_user", u.SID, domainUser(LocalDomain, AdminUsername),
			"password reset from the command line (clusteriam admin reset-password); unlocked; sessions ended")
		now := s.nowMsecs()
		out, err = t.UpdateUser(ctx, u.SID, func(cur store.User) (store.User, error) {
			cur.PasswordHash, cur.ForcePasswordChange, cur.PasswordSetMsecs = hash, generated, now
			cur.Locked, cur.LockedReason, cur.LockedUntilMsecs, cur.FailedLogins = false, NotLocked, 0, 0
			cur.ReactivatedMsecs, cur.UpdatedMsecs = now, now
			return cur, nil
		})
		if err != nil {
			return err
		}
		_, err = t.DeleteSessions(ctx, u.SID, nil)
		return err
	})
	return out, err
}
