package iam

import (
	"context"
	"errors"
	"fmt"
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
	keys, err := s.roleFilterKeys(ctx, ids, names)
	if err != nil {
		return nil, err
	}
	roles, err := s.store.ListRoles(ctx, store.RoleFilter{Names: keys, TenantIDs: ids})
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
	privs = store.Dedupe(privs)
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
		if s.builtins[in.Name] {
			return &Error{Kind: KindConflict, Msg: "role " + in.Name + " is built in"}
		}
		if err := s.checkRoleNameFree(ctx, t, p.tenant(), in.Name); err != nil {
			return err
		}
		privs, err := s.checkPrivileges(p, in.Privileges)
		if err != nil {
			return err
		}
		now := s.nowMsecs()
		r := store.Role{Name: roleKey(p.tenant(), in.Name), Label: in.Name, Privileges: privs, IsUserCreated: true,
			TenantID: p.tenant(), CreatedMsecs: now, UpdatedMsecs: now}
		if in.Description != nil {
			if err := checkDescription(*in.Description); err != nil {
				return err
			}
			r.Description = *in.Description
		}
		t.audit(ctx, "create_role", in.Name, in.Name, "privileges "+strings.Join(privs, ", "))
		if err := t.CreateRole(ctx, r); errors.Is(err, store.ErrAlreadyExists) {
			return &Error{Kind: KindConflict, Msg: fmt.Sprintf("role %q exists", in.Name), Err: err}
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return store.Role{}, err
	}
	return s.store.GetRole(ctx, roleKey(p.tenant(), in.Name))
}

// checkRoleNameFree refuses a new role name of organization tenantID that
// looks like one of its roles, or, for an organization, like a built-in
// role's.
func (s *Service) checkRoleNameFree(ctx context.Context, r store.Reader, tenantID, name string) error {
	if tenantID != "" {
		if err := s.checkNotLikeBuiltin(name); err != nil {
			return err
		}
	}
	key := roleKey(tenantID, name)
	found, err := r.LookalikeNames(ctx, roleName, "", "", []string{key})
	if err != nil {
		return fmt.Errorf("look-alikes of role %q: %w", name, err)
	}
	if other, ok := found[key]; ok {
		return lookalikeErr(roleName, name, RoleName(other, tenantID))
	}
	return nil
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
		key, err := s.decideOnRole(ctx, t, p, name, ActChangeRoles)
		if err != nil {
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
		out, err = t.UpdateRole(ctx, key, func(r store.Role) (store.Role, error) {
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

// decideOnRole reads role name, of the organization p acts in (or built
// in), and asks decide whether p may do act to it; a built-in role is
// never changed or deleted (400). It returns the role's key.
func (s *Service) decideOnRole(ctx context.Context, r store.Reader, p *Principal, name string, act Act) (string, error) {
	key := name
	if !s.builtins[name] {
		key = roleKey(p.tenant(), name)
	}
	cur, err := r.GetRole(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("role %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	if err := s.decide(p, act, roleTarget(cur)); err != nil {
		return "", err
	}
	if s.builtins[name] {
		return "", invalid("built-in role %s cannot be changed or deleted", name)
	}
	return key, nil
}

// DeleteRole deletes a custom role no one holds.
func (s *Service) DeleteRole(ctx context.Context, p *Principal, name string) error {
	return s.write(ctx, p, "delete_role", func(t *txn) error {
		key, err := s.decideOnRole(ctx, t, p, name, ActDelete)
		if err != nil {
			return err
		}
		t.audit(ctx, "delete_role", name, name, "")
		err = t.DeleteRole(ctx, key)
		var inUse *store.InUseError
		if errors.As(err, &inUse) {
			inUse.What = fmt.Sprintf("role %q", name)
		}
		return err
	})
}
