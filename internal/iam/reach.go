package iam

import (
	"context"
	"errors"
	"slices"

	"github.com/clusteriam/clusteriam/internal/store"
)

// The limits of Manage Users. Whoever holds PRINCIPAL_MODIFY sets
// passwords and roles, so without these limits it could hand itself, by
// way of an account it controls, every privilege there is.

// checkGrant refuses roles that carry a privilege the caller does not
// hold, special ones aside: nobody grants more than it has, as with the
// privileges of a custom role (checkPrivileges). Special privileges are
// not part of Admin, and Admin assigns them.
func (s *Service) checkGrant(ctx context.Context, p *Principal, roles []string) error {
	privs, err := s.privilegesOfRoles(ctx, slices.Clone(roles))
	if err != nil {
		return err
	}
	if priv, ok := s.lacking(p, privs); ok {
		return forbidden("you cannot grant privilege %q, which you do not hold", priv)
	}
	return nil
}

// checkReach refuses to change user u, or to make or change its
// credentials, when u holds a privilege the caller does not (special ones
// aside): whoever sets a user's password or makes its API keys can act as
// that user. Taking access away (deleting a user, ending its sessions) is
// not limited so.
func (s *Service) checkReach(ctx context.Context, p *Principal, u store.User) error {
	if p.isSelf(u.SID) {
		return nil
	}
	privs, err := s.privilegesOf(ctx, u)
	if err != nil {
		return err
	}
	if priv, ok := s.lacking(p, privs); ok {
		return forbidden("user %s holds privilege %q, which you do not; you cannot change it or its credentials", domainUser(u.Domain, u.Username), priv)
	}
	return nil
}

// checkReachSID is checkReach for user sid; an unknown sid is left for the
// operation to report.
func (s *Service) checkReachSID(ctx context.Context, p *Principal, sid string) error {
	if p.isSelf(sid) {
		return nil
	}
	u, err := s.store.GetUser(ctx, sid)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.checkReach(ctx, p, u)
}

// lacking returns the first of privs, special ones aside, that p does not
// hold.
func (s *Service) lacking(p *Principal, privs []string) (string, bool) {
	for _, priv := range privs {
		if !p.Has(priv) && !s.privByName[priv].IsSpecial {
			return priv, true
		}
	}
	return "", false
}
