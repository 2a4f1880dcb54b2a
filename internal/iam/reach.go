package iam

import (
	"context"
	"slices"
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
