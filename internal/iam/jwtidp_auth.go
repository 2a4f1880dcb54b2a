package iam

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/jwtrust"
	"github.com/clusteriam/clusteriam/internal/names"
	"github.com/clusteriam/clusteriam/internal/store"
)

// A Bearer JWT from a trusted, enabled issuer authenticates a user of the
// issuer's domain and organization: the one its name claim names
// (jwtrust: preferred_username, a verified email, else sub), added at its
// first use when the provider gives it a role or one of its groups was
// added. Its roles are its own, its added groups' (the groups claim), and
// those the domain's SAML provider gives (role attribute, else default
// roles), which are kept on the user (IdPRoles) and written only when
// they change. The principal is cached as other credentials are.

// groupsClaim names the groups of a token's user.
const groupsClaim = "groups"

// splitJWT takes the Bearer JWT out of creds, if any.
func splitJWT(creds []Credential) ([]Credential, string) {
	for i, c := range creds {
		if c.Kind == CredBearer && jwtrust.LooksLikeJWT(c.Secret) {
			return slices.Delete(slices.Clone(creds), i, i+1), c.Secret
		}
	}
	return creds, ""
}

// authenticateJWT returns the principal of raw, or the reason it is
// refused, which is logged (never the token).
func (s *Service) authenticateJWT(ctx context.Context, raw string) (*Principal, error) {
	nowT := s.now()
	k := cacheKey{kind: "jwt", hash: sha256.Sum256([]byte(raw))}
	if p, _ := s.cache.get(k, nowT); p != nil && s.mayUse(p.User, nowT.UnixMilli()) {
		return p, nil
	}
	gen := s.cache.generation()
	d, c, err := s.verifyJWT(ctx, raw)
	if err != nil {
		s.audit.WarnContext(ctx, "bearer JWT refused", "reason", err.Error())
		return nil, errUnauthenticated
	}
	p, err := s.jwtPrincipal(ctx, d, c)
	switch {
	case err == nil:
		s.cache.put(gen, k, p, c.Expiry.UnixMilli(), 0, nowT)
		return p, nil
	case KindOf(err) == KindForbidden:
		s.audit.WarnContext(ctx, "bearer JWT refused", "reason", err.Error(), "domain", d.rec.Domain)
	}
	return nil, err // a fault of ours stays one
}

// verifyJWT finds the enabled trusts of raw's issuer and returns the
// first that verifies it, with its claims.
func (s *Service) verifyJWT(ctx context.Context, raw string) (*domain, *jwtrust.Claims, error) {
	iss, err := jwtrust.Issuer(raw)
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, d := range s.domainList(ctx) {
		if !isJWTType(d.kind) || d.spec.JWT == nil || d.spec.JWT.Issuer != iss || !deref(d.spec.JWT.Config.IsEnabled) {
			continue
		}
		c, err := s.jwt.verifier(d).Verify(ctx, raw)
		if err == nil {
			return d, c, nil
		}
		errs = append(errs, fmt.Errorf("identity provider %d (%s): %w", d.id, d.rec.Domain, err))
	}
	if len(errs) == 0 {
		return nil, nil, fmt.Errorf("no enabled identity provider trusts issuer %q", iss)
	}
	return nil, nil, errors.Join(errs...)
}

// jwtPrincipal maps verified claims c of issuer d to the principal.
func (s *Service) jwtPrincipal(ctx context.Context, d *domain, c *jwtrust.Claims) (*Principal, error) {
	domainName, org := d.rec.Domain, d.rec.TenantID
	if err := names.Check(names.User, c.Username); err != nil {
		return nil, forbidden("the token's user %q is no valid user name: %v", c.Username, err)
	}
	var tenantRec store.Tenant
	if org != "" {
		t, err := s.usableTenant(ctx, s.store, org)
		if err != nil {
			return nil, forbidden("organization %q of identity provider %s: %v", org, domainName, err)
		}
		tenantRec = t
	}
	idpRoles, err := s.assertedRoles(ctx, domainName, org, c)
	if err != nil {
		return nil, err
	}
	groups, err := s.assertedGroups(ctx, domainName, org, c.Strings(groupsClaim))
	if err != nil {
		return nil, err
	}
	u, err := s.store.GetUserByName(ctx, org, domainName, c.Username)
	switch {
	case errors.Is(err, store.ErrNotFound) && len(idpRoles) == 0 && len(groups) == 0:
		return nil, forbidden("user %s has not been added to %s, nor any group it is in, and its identity provider gives it no role",
			domainUser(domainName, c.Username), orgLabel(org))
	case errors.Is(err, store.ErrNotFound):
		u, err = s.addOnFirstToken(ctx, domainName, c.Username, tenantRec, org)
	}
	if err != nil {
		return nil, err
	}
	if !slices.Equal(u.IdPRoles, idpRoles) || !slices.Equal(u.DirectoryGroups, groups) {
		if u, err = s.keepAsserted(ctx, u.SID, idpRoles, groups); err != nil {
			return nil, err
		}
	}
	if !s.mayUse(u, s.nowMsecs()) {
		return nil, forbidden("user %s is locked, or outside its effective and expiry times", domainUser(domainName, c.Username))
	}
	privs, err := s.privilegesOf(ctx, s.store, u)
	if err != nil {
		return nil, err
	}
	return &Principal{User: u, Privileges: privs, TenantName: tenantRec.Name}, nil
}

// assertedGroups returns the sids of the groups named in the groups claim
// that were added to domain name in organization org, sorted.
func (s *Service) assertedGroups(ctx context.Context, name, org string, groups []string) ([]string, error) {
	if len(groups) == 0 {
		return []string{}, nil
	}
	if len(groups) > 1000 {
		groups = groups[:1000]
	}
	found, err := s.store.ListGroups(ctx, store.GroupFilter{Domain: name, Names: groups, TenantIDs: []string{org}})
	if err != nil {
		return nil, fmt.Errorf("groups of a %s user: %w", name, err)
	}
	sids := make([]string, 0, len(found))
	for _, g := range found {
		sids = append(sids, g.SID)
	}
	slices.Sort(sids)
	return sids, nil
}

// assertedRoles returns the keys of the roles the domain's SAML provider
// gives a token's user: those the role attribute's claim names when the
// provider names an attribute and the token carries it, else its default
// roles. Names match roles of org (and built-in ones) without regard to
// case; unknown names are ignored and logged.
func (s *Service) assertedRoles(ctx context.Context, name, org string, c *jwtrust.Claims) ([]string, error) {
	saml := s.samlOf(ctx, name)
	defaults, attr := saml.Roles, strings.TrimSpace(deref(saml.SAMLAttributeName))
	wanted := defaults
	if attr != "" {
		if v := c.Strings(attr); v != nil {
			wanted = v
		}
	}
	if len(wanted) == 0 {
		return []string{}, nil
	}
	roles, err := s.store.ListRoles(ctx, store.RoleFilter{TenantIDs: []string{org}})
	if err != nil {
		return nil, fmt.Errorf("roles of a %s user: %w", name, err)
	}
	out := []string{}
	for _, w := range wanted {
		key := ""
		for _, ro := range roles {
			if strings.EqualFold(RoleName(ro.Name, ro.TenantID), w) && (key == "" || ro.TenantID == org) {
				key = ro.Name
			}
		}
		if key == "" {
			s.audit.InfoContext(ctx, "identity provider names an unknown role; ignored", "domain", name, "role", w)
			continue
		}
		out = append(out, key)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// addOnFirstToken adds the user a token names, let in by its asserted
// roles or groups, as a LOCAL user's record is made (no password).
func (s *Service) addOnFirstToken(ctx context.Context, domainName, username string, org store.Tenant, orgID string) (store.User, error) {
	now := s.nowMsecs()
	u := store.User{Domain: domainName, Username: username, Roles: []string{}, TenantID: orgID,
		Description: "Added at first sign-on through its identity provider", CreatedMsecs: now, UpdatedMsecs: now}
	if err := s.fillSIDs(ctx, 1, func(int) *string { return &u.SID }); err != nil {
		return store.User{}, err
	}
	if err := s.finishUser(ctx, &u, ""); err != nil {
		return store.User{}, err
	}
	err := s.write(ctx, nil, "create_user", func(t *txn) error {
		e := s.event(ctx, nil, "create_user", u.SID, domainUser(u.Domain, u.Username), "first sign-on with a token of its identity provider")
		e.TenantID, e.TenantName = u.TenantID, org.Name
		t.entries = append(t.entries, e)
		return t.CreateUsers(ctx, []store.User{u})
	})
	if err != nil && !errors.Is(err, store.ErrAlreadyExists) { // a concurrent first use made it
		return store.User{}, err
	}
	return s.store.GetUserByName(ctx, orgID, domainName, username)
}

// keepAsserted records on user sid the roles and groups its provider
// asserted, when they changed.
func (s *Service) keepAsserted(ctx context.Context, sid string, roles, groups []string) (store.User, error) {
	var out store.User
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
			u.IdPRoles, u.DirectoryGroups = roles, groups
			return u, nil
		})
		return err
	})
	if err != nil {
		return store.User{}, fmt.Errorf("keep the roles and groups a provider asserted: %w", err)
	}
	s.audit.InfoContext(ctx, "identity provider's roles and groups kept", "sid", sid, "roles", roles, "groups", groups)
	return out, nil
}
