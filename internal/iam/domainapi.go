package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/store"
)

// What the AD and LDAP operations of the API share: who may act on a
// domain, which domains a list shows, and how a directory's refusal
// reads.

// domainTarget describes for decide the domain name (of organization
// tenantID; id 0 for one to be made). Its privileges are those of every
// user and group of that name on the cluster, in whatever organization:
// pointing a domain at other servers decides who its users are.
func (s *Service) domainTarget(ctx context.Context, r store.Reader, id int64, name, tenantID string) (Target, error) {
	t := Target{Kind: KindDirectory, Name: name, Tenant: tenantID}
	if id != 0 {
		t.ID = strconv.FormatInt(id, 10)
	}
	users, err := r.ListUsers(ctx, store.UserFilter{Domain: name})
	if err != nil {
		return Target{}, err
	}
	groups, err := r.ListGroups(ctx, store.GroupFilter{Domain: name})
	if err != nil {
		return Target{}, err
	}
	var privs []string
	for _, u := range users {
		p, err := s.privilegesOf(ctx, r, u)
		if err != nil {
			return Target{}, err
		}
		privs = append(privs, p...)
	}
	for _, g := range groups {
		p, err := s.privilegesOfRoles(ctx, r, g.Roles)
		if err != nil {
			return Target{}, err
		}
		privs = append(privs, forTenant(g.TenantID, p)...)
	}
	slices.Sort(privs)
	t.Privileges = slices.Compact(privs)
	return t, nil
}

// decideDomain decides act on d by p, reading d's principals through r.
func (s *Service) decideDomain(ctx context.Context, r store.Reader, p *Principal, act Act, d *domain) error {
	if act == ActRead || act == ActSearch {
		return s.decide(p, act, Target{Kind: KindDirectory, ID: strconv.FormatInt(d.id, 10), Name: d.rec.Domain, Tenant: d.rec.TenantID})
	}
	if err := s.decide(p, ActRead, Target{Kind: KindDirectory, ID: strconv.FormatInt(d.id, 10), Name: d.rec.Domain, Tenant: d.rec.TenantID}); err != nil {
		return err // out of scope: as if it did not exist
	}
	if d.fixed {
		return invalid("directory domain %s comes from the --directories file and is read-only through the API; change the file and restart", d.rec.Domain)
	}
	t, err := s.domainTarget(ctx, r, d.id, d.rec.Domain, d.rec.TenantID)
	if err != nil {
		return err
	}
	return s.decide(p, act, t)
}

// decideNewDomain decides the creation by p of a domain named name,
// which serves the organization p acts in. A name taken is a conflict.
func (s *Service) decideNewDomain(ctx context.Context, r store.Reader, p *Principal, name string) error {
	t, err := s.domainTarget(ctx, r, 0, name, p.tenant())
	if err != nil {
		return err
	}
	if err := s.decide(p, ActCreate, t); err != nil {
		return err
	}
	if d := s.domainByName(ctx, name); d != nil {
		if p.reaches(d.rec.TenantID) {
			return &Error{Kind: KindConflict, Msg: fmt.Sprintf("directory domain %s exists (id %d)", d.rec.Domain, d.id)}
		}
		return &Error{Kind: KindConflict, Msg: fmt.Sprintf("directory domain %s exists", name)}
	}
	return nil
}

// domainFound returns the domain of kind with id, as p may see it:
// ErrNotFound, worded as the store words it, for one out of p's reach.
func (s *Service) domainFound(ctx context.Context, p *Principal, kind string, id int64) (*domain, error) {
	d := s.domainByID(ctx, kind, id)
	if d == nil || !p.reaches(d.rec.TenantID) {
		return nil, fmt.Errorf("directory domain %d: %w", id, store.ErrNotFound)
	}
	return d, nil
}

// DomainFilter selects directory domains: the vendor's list parameters.
type DomainFilter struct {
	IDs   []int64
	Names []string
	Scope
}

// listDomains returns the domains of kind that f selects and p sees.
func (s *Service) listDomains(ctx context.Context, p *Principal, kind string, f DomainFilter) ([]*domain, error) {
	tk := KindDirectory
	if isIdPType(kind) {
		tk = KindIdP
	}
	if err := s.decide(p, ActRead, Target{Kind: tk}); err != nil {
		return nil, err
	}
	tenants, none, err := s.scope(ctx, p, f.Scope)
	if err != nil || none {
		return nil, err
	}
	var out []*domain
	for _, d := range s.domainList(ctx) {
		switch {
		case d.kind != kind,
			!p.reaches(d.rec.TenantID),
			tenants != nil && !slices.Contains(tenants, d.rec.TenantID),
			len(f.IDs) > 0 && !slices.Contains(f.IDs, d.id),
			len(f.Names) > 0 && !slices.ContainsFunc(f.Names, func(n string) bool { return strings.EqualFold(n, d.rec.Domain) }):
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// checkServed refuses a tenantId given other than the organization a
// domain serves: cur, or, for a new one (cur ""), the one p acts in.
func checkServed(p *Principal, given *string, cur string) error {
	want := cmp.Or(cur, p.tenant())
	if t := deref(given); t != "" && t != want {
		return invalid("tenantId %q: a domain serves the organization it is made in (%s)", t, orgLabel(want))
	}
	return nil
}

// saveAnywayHint ends the message of a refused domain that could be
// saved anyway.
const saveAnywayHint = "; fix it, or add saveAnyway=true to the request to save the domain anyway"

// domainErr turns a directory's refusal of a domain being saved into the
// caller's error: a configuration the directory refuses is the caller's
// to fix (400), not a fault of the cluster.
func domainErr(what string, err error, hint string) error {
	switch {
	case errors.Is(err, directory.ErrExists):
		return &Error{Kind: KindConflict, Msg: fmt.Sprintf("%s: %v; set overwriteMachineAccounts to take the account over", what, err), Err: err}
	case errors.Is(err, directory.ErrInvalidCredentials):
		return &Error{Kind: KindInvalid, Msg: fmt.Sprintf("%s: %v", what, err), Err: err}
	default:
		return &Error{Kind: KindInvalid, Msg: fmt.Sprintf("%s: %v%s", what, err, hint), Err: err}
	}
}

// sealDomainSecret seals a bind secret for the domain name.
func (s *Service) sealDomainSecret(name, secret string) ([]byte, error) {
	if secret == "" {
		return nil, nil
	}
	return s.box.Seal([]byte(secret), domainSecretAD(name))
}

// principalCount says how many users and groups of domain name the
// cluster holds, in any organization.
func principalCount(ctx context.Context, r store.Reader, name string) (int, int, error) {
	users, err := r.ListUsers(ctx, store.UserFilter{Domain: name})
	if err != nil {
		return 0, 0, err
	}
	groups, err := r.ListGroups(ctx, store.GroupFilter{Domain: name})
	return len(users), len(groups), err
}
