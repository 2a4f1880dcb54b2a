package iam

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

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

// jwtPrincipal maps verified claims c of issuer d to the principal
// (ssoUser).
func (s *Service) jwtPrincipal(ctx context.Context, d *domain, c *jwtrust.Claims) (*Principal, error) {
	if err := names.Check(names.User, c.Username); err != nil {
		return nil, forbidden("the token's user %q is no valid user name: %v", c.Username, err)
	}
	so, err := s.ssoUser(ctx, d.rec.Domain, d.rec.TenantID, vouched{name: c.Username, values: func(n string) ([]string, bool) {
		v := c.Strings(n)
		return v, v != nil
	}})
	if err != nil {
		return nil, err
	}
	u := so.user
	if !slices.Equal(u.IdPRoles, so.roles) || !slices.Equal(u.DirectoryGroups, so.groups) {
		if u, err = s.keepAsserted(ctx, u.SID, so.roles, so.groups); err != nil {
			return nil, err
		}
	}
	if !s.mayUse(u, s.nowMsecs()) {
		return nil, forbidden("user %s is locked, or outside its effective and expiry times", domainUser(u.Domain, u.Username))
	}
	privs, err := s.privilegesOf(ctx, s.store, u)
	if err != nil {
		return nil, err
	}
	return &Principal{User: u, Privileges: privs, TenantName: so.tenant.Name}, nil
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
