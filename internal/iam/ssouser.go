package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Who a user signing on through an identity provider is, whether by a
// SAML assertion or by a token: a user of the provider's domain and
// organization, holding its own roles, those of the added groups the
// provider names, and the roles the provider gives (the domain's SAML
// configuration: those its role attribute names, else its default
// roles). A user the provider vouches for but nobody added is added at
// its first sign-on when that gives it a role or an added group.

// maxAssertedGroups bounds the group names one sign-on may look up.
const maxAssertedGroups = 1000

// groupAttributes name the attributes (SAML) or claims (JWT) that list a
// user's groups: the common name, LDAP's, and Entra ID's.
var groupAttributes = []string{"groups", "memberOf", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"}

// vouched is what a provider says of a user at one sign-on.
type vouched struct {
	name string
	// values returns the values of the attribute or claim named, and
	// whether it was there.
	values func(name string) ([]string, bool)
}

// signOn is a user as a sign-on finds it: its record as stored, the
// sids of the added groups and the keys of the roles its provider gives
// at this sign-on (for DirectoryGroups and IdPRoles), and its
// organization.
type signOn struct {
	user          store.User
	groups, roles []string
	tenant        store.Tenant
}

// ssoUser returns the sign-on of the user of domain (of organization
// org) that v names, when the organization is usable.
func (s *Service) ssoUser(ctx context.Context, domain, org string, v vouched) (signOn, error) {
	var so signOn
	var err error
	if so.tenant, err = s.idpTenant(ctx, org, domain); err != nil {
		return so, err
	}
	var groupNames []string
	for _, n := range groupAttributes {
		vals, _ := v.values(n)
		groupNames = append(groupNames, vals...)
	}
	if so.groups, err = s.assertedGroups(ctx, domain, org, groupNames); err != nil {
		return so, err
	}
	conf := s.samlOf(ctx, domain)
	named := conf.Roles
	if attr := strings.TrimSpace(deref(conf.SAMLAttributeName)); attr != "" {
		if vals, ok := v.values(attr); ok {
			named = nil
			for _, val := range vals {
				named = append(named, strings.Split(val, ",")...)
			}
		}
	}
	if so.roles, err = s.matchRoles(ctx, org, domain, named); err != nil {
		return so, err
	}
	so.user, err = s.store.GetUserByName(ctx, org, domain, v.name)
	switch {
	case errors.Is(err, store.ErrNotFound) && len(so.roles) == 0 && len(so.groups) == 0:
		return so, forbidden("user %s has not been added to %s, nor any group it is in, and its identity provider gives it no role",
			domainUser(domain, v.name), orgLabel(org))
	case errors.Is(err, store.ErrNotFound):
		so.user, err = s.addSSOUser(ctx, domain, v.name, so.tenant, org)
	}
	return so, err
}

// idpTenant is the organization a provider serves, when usable.
func (s *Service) idpTenant(ctx context.Context, tenantID, domain string) (store.Tenant, error) {
	if tenantID == "" {
		return store.Tenant{}, nil
	}
	org, err := s.usableTenant(ctx, s.store, tenantID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Tenant{}, forbidden("organization %q, which provider %s serves, does not exist", tenantID, domain)
	}
	return org, err
}

// assertedGroups returns the sids of the groups named that were added to
// domain in organization org, sorted.
func (s *Service) assertedGroups(ctx context.Context, domain, org string, names []string) ([]string, error) {
	if len(names) == 0 {
		return []string{}, nil
	}
	if len(names) > maxAssertedGroups {
		names = names[:maxAssertedGroups]
	}
	found, err := s.store.ListGroups(ctx, store.GroupFilter{Domain: domain, Names: names, TenantIDs: []string{org}})
	if err != nil {
		return nil, fmt.Errorf("groups of a %s user: %w", domain, err)
	}
	sids := make([]string, 0, len(found))
	for _, g := range found {
		sids = append(sids, g.SID)
	}
	slices.Sort(sids)
	return sids, nil
}

// matchRoles returns the keys of the roles of organization tenantID
// named (trimmed, any case), sorted; unknown names are logged and
// ignored.
func (s *Service) matchRoles(ctx context.Context, tenantID, domain string, named []string) ([]string, error) {
	if len(named) == 0 {
		return []string{}, nil
	}
	all, err := s.store.ListRoles(ctx, store.RoleFilter{TenantIDs: []string{tenantID}})
	if err != nil {
		return nil, err
	}
	keys, unknown := []string{}, []string{}
	for _, n := range named {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		i := slices.IndexFunc(all, func(ro store.Role) bool {
			return strings.EqualFold(RoleName(ro.Name, ro.TenantID), n) || strings.EqualFold(ro.Name, n)
		})
		if i < 0 {
			unknown = append(unknown, n)
			continue
		}
		keys = append(keys, all[i].Name)
	}
	if len(unknown) > 0 {
		s.audit.WarnContext(ctx, "identity provider named unknown roles; ignored", "domain", domain, "roles", unknown)
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// addSSOUser adds user name of domain, in organization org, at its first
// sign-on, with no roles of its own.
func (s *Service) addSSOUser(ctx context.Context, domain, name string, tenant store.Tenant, org string) (store.User, error) {
	if err := checkNameRule(userName, domain, name); err != nil {
		return store.User{}, forbidden("the provider's user %q is no valid user name: %v", name, err)
	}
	sids, err := s.newSIDs(ctx, 1)
	if err != nil {
		return store.User{}, err
	}
	now := s.nowMsecs()
	u := store.User{SID: sids[0], Domain: domain, Username: name, Roles: []string{}, TenantID: org,
		Description: "Added at first sign-on through its identity provider", CreatedMsecs: now, UpdatedMsecs: now}
	if strings.Contains(name, "@") {
		u.Email = name
	}
	if err := s.finishUser(ctx, &u, ""); err != nil {
		return store.User{}, err
	}
	err = s.write(ctx, nil, "create_user", func(t *txn) error {
		e := s.event(ctx, nil, "create_user", u.SID, domainUser(u.Domain, u.Username), "first sign-on through its identity provider")
		e.TenantID, e.TenantName = u.TenantID, tenant.Name
		t.entries = append(t.entries, e)
		return t.CreateUsers(ctx, []store.User{u})
	})
	if err != nil && !errors.Is(err, store.ErrAlreadyExists) { // a concurrent first sign-on made it
		return store.User{}, err
	}
	return s.store.GetUserByName(ctx, org, domain, name)
}
