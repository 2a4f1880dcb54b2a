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

// ListRoles returns the roles named, or all. Roles are readable by anyone
// who can view principals or roles.
func (s *Service) ListRoles(ctx context.Context, p *Principal, names []string) ([]store.Role, error) {
	if !p.Has(PrivPrincipalView) {
		if err := s.require(p, PrivRoleView); err != nil {
			return nil, err
		}
	}
	return s.store.ListRoles(ctx, names)
}

// RoleInput is a create or update body of a role.
type RoleInput struct {
	Name        string // create only
	Description *string
	Privileges  []string
}

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
	ev := s.event(ctx, p, "create_role", in.Name, in.Name, "privileges "+strings.Join(in.Privileges, ", "))
	r, err := s.createRole(store.WithAudit(ctx, ev), p, in)
	s.logChange(ctx, err, ev)
	return r, err
}

func (s *Service) createRole(ctx context.Context, p *Principal, in RoleInput) (store.Role, error) {
	if err := s.require(p, PrivRoleModify); err != nil {
		return store.Role{}, err
	}
	if err := s.checkPrincipalName(ctx, roleName, LocalDomain, in.Name); err != nil {
		return store.Role{}, err
	}
	if s.builtins[in.Name] {
		return store.Role{}, &Error{Kind: KindConflict, Msg: "role " + in.Name + " is built in"}
	}
	privs, err := s.checkPrivileges(p, in.Privileges)
	if err != nil {
		return store.Role{}, err
	}
	now := s.nowMsecs()
	r := store.Role{Name: in.Name, Label: in.Name, Privileges: privs, IsUserCreated: true, TenantIDs: []string{}, CreatedMsecs: now, UpdatedMsecs: now}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return store.Role{}, err
		}
		r.Description = *in.Description
	}
	if err := s.store.CreateRole(ctx, r); err != nil {
		return store.Role{}, err
	}
	return s.store.GetRole(ctx, r.Name)
}

// UpdateRole replaces a custom role's privileges and description.
func (s *Service) UpdateRole(ctx context.Context, p *Principal, name string, in RoleInput) (store.Role, error) {
	ev := s.event(ctx, p, "update_role", name, name, "privileges "+strings.Join(in.Privileges, ", "))
	r, err := s.updateRole(store.WithAudit(ctx, ev), p, name, in)
	s.logChange(ctx, err, ev)
	return r, err
}

func (s *Service) updateRole(ctx context.Context, p *Principal, name string, in RoleInput) (store.Role, error) {
	if err := s.require(p, PrivRoleModify); err != nil {
		return store.Role{}, err
	}
	if s.builtins[name] {
		return store.Role{}, invalid("built-in role %s cannot be changed", name)
	}
	privs, err := s.checkPrivileges(p, in.Privileges)
	if err != nil {
		return store.Role{}, err
	}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return store.Role{}, err
		}
	}
	return s.store.UpdateRole(ctx, name, func(r store.Role) (store.Role, error) {
		r.Privileges = privs
		if in.Description != nil {
			r.Description = *in.Description
		}
		r.UpdatedMsecs = s.nowMsecs()
		return r, nil
	})
}

// DeleteRole deletes a custom role no one holds.
func (s *Service) DeleteRole(ctx context.Context, p *Principal, name string) error {
	err := s.require(p, PrivRoleModify)
	if err == nil && s.builtins[name] {
		err = invalid("built-in role %s cannot be deleted", name)
	}
	ev := s.event(ctx, p, "delete_role", name, name, "")
	if err == nil {
		err = s.store.DeleteRole(store.WithAudit(ctx, ev), name)
	}
	s.logChange(ctx, err, ev)
	return err
}
