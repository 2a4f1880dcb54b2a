package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Privileges returns the catalog, or the entries named.
func (s *Service) Privileges(names []string) []Privilege {
	if len(names) == 0 {
		return slices.Clone(s.privileges)
	}
	var out []Privilege
	for _, p := range s.privileges {
		if slices.Contains(names, p.Name) {
			out = append(out, p)
		}
	}
	return out
}

// ListRoles returns the roles named, or all, of the organizations sc
// covers, and the built-in ones. Roles are readable by anyone who can
// view principals or roles.
func (s *Service) ListRoles(ctx context.Context, p *Principal, names []string, sc Scope) ([]store.Role, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindRole}); err != nil {
		return nil, err
	}
	ids, none, err := s.scope(ctx, p, sc)
	if err != nil {
		return nil, err
	}
	if none {
		ids = []string{} // the built-in roles only
	}
	roles, err := s.store.ListRoles(ctx, store.RoleFilter{Names: names, TenantIDs: ids})
	if none {
		roles = slices.DeleteFunc(roles, func(r store.Role) bool { return r.IsUserCreated })
	}
	return roles, err
}

// RoleInput is a create or update body of a role.
type RoleInput struct {
	Name        string // create only
	Description *string
	Privileges  []string
}

// checkPrivileges validates the privileges of a role p makes: they exist,
// and p holds every one of them, special ones included.
func (s *Service) checkPrivileges(p *Principal, privs []string) ([]string, error) {
	if len(privs) == 0 {
		return nil, invalid("a role needs at least one privilege")
	}
	privs = dedupe(privs)
	for _, name := range privs {
		if _, ok := s.privByName[name]; !ok {
			return nil, invalid("privilege %q does not exist (see GET /v2/privileges)", name)
		}
		if !p.Has(name) {
			return nil, forbidden("you cannot grant privilege %q, which you do not hold", name)
		}
	}
	return privs, nil
}

// CreateRole adds a custom role.
func (s *Service) CreateRole(ctx context.Context, p *Principal, in RoleInput) (store.Role, error) {
	err := s.write(ctx, p, "create_role", func(t *txn) error {
		if err := s.decide(p, ActCreate, Target{Kind: KindRole}); err != nil {
			return err
		}
		if err := checkTenantLive(ctx, t, p.tenant()); err != nil {
			return err
		}
		if err := checkNameRule(roleName, LocalDomain, in.Name); err != nil {
			return err
		}
		if err := checkLookalike(ctx, t, roleName, "", LocalDomain, in.Name); err != nil {
			return err
		}
		if s.builtins[in.Name] {
			return &Error{Kind: KindConflict, Msg: "role " + in.Name + " is built in"}
		}
		privs, err := s.checkPrivileges(p, in.Privileges)
		if err != nil {
			return err
		}
		now := s.nowMsecs()
		r := store.Role{Name: in.Name, Label: in.Name, Privileges: privs, IsUserCreated: true, TenantID: p.tenant(), CreatedMsecs: now, UpdatedMsecs: now}
		if in.Description != nil {
			if err := checkDescription(*in.Description); err != nil {
				return err
			}
			r.Description = *in.Description
		}
		t.audit(ctx, "create_role", in.Name, in.Name, "privileges "+strings.Join(privs, ", "))
		return t.CreateRole(ctx, r)
	})
	if err != nil {
		return store.Role{}, err
	}
	return s.store.GetRole(ctx, in.Name)
}

// UpdateRole replaces a custom role's privileges and description. The
// caller must hold what the role grants now (changing it changes every
// holder) and what it will grant.
func (s *Service) UpdateRole(ctx context.Context, p *Principal, name string, in RoleInput) (store.Role, error) {
	var out store.Role
	err := s.write(ctx, p, "update_role", func(t *txn) error {
		guard, err := s.guardAdmins(ctx, t, true)
		if err != nil {
			return err
		}
		if err := s.decideOnRole(ctx, t, p, name, ActChangeRoles); err != nil {
			return err
		}
		privs, err := s.checkPrivileges(p, in.Privileges)
		if err != nil {
			return err
		}
		if in.Description != nil {
			if err := checkDescription(*in.Description); err != nil {
				return err
			}
		}
		t.audit(ctx, "update_role", name, name, "privileges "+strings.Join(privs, ", "))
		out, err = t.UpdateRole(ctx, name, func(r store.Role) (store.Role, error) {
			r.Privileges = privs
			if in.Description != nil {
				r.Description = *in.Description
			}
			r.UpdatedMsecs = s.nowMsecs()
			return r, nil
		})
		if err != nil {
			return err
		}
		return guard.check(ctx, s, t)
	})
	return out, err
}

// decideOnRole reads role name and asks decide whether p may do act to
// it; a built-in role is never changed or deleted (400).
func (s *Service) decideOnRole(ctx context.Context, r store.Reader, p *Principal, name string, act Act) error {
	cur, err := r.GetRole(ctx, name)
	if err != nil {
		return err
	}
	if err := s.decide(p, act, roleTarget(cur)); err != nil {
		return err
	}
	if s.builtins[name] {
		return invalid("built-in role %s cannot be changed or deleted", name)
	}
	return nil
}

// DeleteRole deletes a custom role no one holds.
func (s *Service) DeleteRole(ctx context.Context, p *Principal, name string) error {
	return s.write(ctx, p, "delete_role", func(t *txn) error {
		if err := s.decideOnRole(ctx, t, p, name, ActDelete); err != nil {
			return err
		}
		t.audit(ctx, "delete_role", name, name, "")
		return t.DeleteRole(ctx, name)
	})
}
