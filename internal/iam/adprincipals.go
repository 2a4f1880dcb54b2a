package iam

import (
	"context"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Searching directories for users and groups to add, and adding them
// (the vendor's /v2/active-directory-principals).

// PrincipalQuery is a search of get_active_directory_principals.
type PrincipalQuery struct {
	// Domain is searched ("" every domain the caller sees, LOCAL
	// included).
	Domain string
	// SIDs are looked up; they exclude SearchTerm.
	SIDs []string
	// SearchTerm matches a part of a name or full name.
	SearchTerm string
	// ObjectClass is User or Group; "" both. Other classes (computers,
	// service accounts) are not principals of this cluster: none match.
	ObjectClass string
}

// maxFound bounds the principals one search returns.
const maxFound = directory.MaxSearch

// SearchDirectoryPrincipals finds users and groups in the directories p
// sees (and LOCAL), to be added to the cluster.
func (s *Service) SearchDirectoryPrincipals(ctx context.Context, p *Principal, q PrincipalQuery) ([]SecurityPrincipal, error) {
	if err := s.decide(p, ActSearch, Target{Kind: KindDirectory}); err != nil {
		return nil, err
	}
	if len(q.SIDs) > 0 && q.SearchTerm != "" {
		return nil, invalid("give sids or searchTerm, not both")
	}
	users, groups := q.ObjectClass == "" || q.ObjectClass == ObjectUser, q.ObjectClass == "" || q.ObjectClass == ObjectGroup
	if !users && !groups {
		return []SecurityPrincipal{}, nil
	}
	local, domains, err := s.searchedDomains(ctx, p, q.Domain)
	if err != nil {
		return nil, err
	}
	if len(q.SIDs) > 0 {
		found, err := s.directoryPrincipals(ctx, p, store.Dedupe(q.SIDs))
		out := []SecurityPrincipal{}
		for _, f := range found {
			if (q.Domain == "" || strings.EqualFold(f.Domain, q.Domain)) && (q.ObjectClass == "" || f.ObjectClass == q.ObjectClass) {
				out = append(out, f)
			}
		}
		return out, err
	}
	out := []SecurityPrincipal{}
	if local {
		if out, err = s.searchLocal(ctx, p, q.SearchTerm, users, groups); err != nil {
			return nil, err
		}
	}
	for _, d := range domains {
		found, err := s.searchDomain(ctx, p, d, q.SearchTerm, users, groups)
		if err != nil && q.Domain == "" {
			// Searching every domain: one down does not hide the others.
			s.audit.WarnContext(ctx, "principal search skipped a directory", "domain", d.rec.Domain, "error", err)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
		if len(out) >= maxFound {
			return out[:maxFound], nil
		}
	}
	return out, nil
}

// searchedDomains returns whether LOCAL is searched, and the directory
// domains: name, or all that p sees.
func (s *Service) searchedDomains(ctx context.Context, p *Principal, name string) (bool, []*domain, error) {
	if strings.EqualFold(name, LocalDomain) {
		return true, nil, nil
	}
	if name != "" {
		d := s.domainByName(ctx, name)
		if d == nil || !p.reaches(d.rec.TenantID) {
			return false, nil, unknownDomain(name)
		}
		return false, []*domain{d}, s.decideDomain(ctx, s.store, p, ActSearch, d)
	}
	var out []*domain
	for _, d := range s.domainList(ctx) {
		if p.reaches(d.rec.TenantID) {
			out = append(out, d)
		}
	}
	return true, out, nil
}

// searchDomain searches directory domain d.
func (s *Service) searchDomain(ctx context.Context, p *Principal, d *domain, term string, users, groups bool) ([]SecurityPrincipal, error) {
	dir, err := serves(d)
	if err != nil {
		return nil, err
	}
	found, err := dir.Search(ctx, term, users, groups, maxFound)
	if err != nil {
		return nil, dirErr(d.rec.Domain, "principals", term, err)
	}
	out := make([]SecurityPrincipal, 0, len(found))
	for _, f := range found {
		class := ObjectUser
		if f.IsGroup {
			class = ObjectGroup
		}
		out = append(out, SecurityPrincipal{SID: f.SID, Name: f.Name, FullName: f.FullName, ObjectClass: class, Domain: dir.Domain()})
	}
	return out, nil
}

// searchLocal searches the LOCAL users and groups of the organization p
// acts in.
func (s *Service) searchLocal(ctx context.Context, p *Principal, term string, users, groups bool) ([]SecurityPrincipal, error) {
	out := []SecurityPrincipal{}
	var names []string
	if term != "" {
		names = []string{term}
	}
	if users {
		us, err := s.store.ListUsers(ctx, store.UserFilter{Domain: LocalDomain, Usernames: names, MatchPartialNames: true,
			TenantIDs: []string{p.tenant()}, Limit: maxFound})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			out = append(out, SecurityPrincipal{SID: u.SID, Name: u.Username, FullName: u.Username, ObjectClass: ObjectUser, Domain: LocalDomain})
		}
	}
	if groups {
		gs, err := s.store.ListGroups(ctx, store.GroupFilter{Domain: LocalDomain, Names: names, MatchPartialNames: true,
			TenantIDs: []string{p.tenant()}})
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			out = append(out, SecurityPrincipal{SID: g.SID, Name: g.Name, FullName: g.Name, ObjectClass: ObjectGroup, Domain: LocalDomain})
		}
	}
	return out[:min(len(out), maxFound)], nil
}

// NewDirectoryPrincipal is one entry of add_active_directory_principals.
type NewDirectoryPrincipal struct {
	Domain, Name, ObjectClass, Description string
	Restricted                             bool
	Roles                                  []string
}

// AddedPrincipal is a user or group add_active_directory_principals made.
type AddedPrincipal struct {
	NewDirectoryPrincipal
	SID                        string
	CreatedMsecs, UpdatedMsecs int64
}

// AddDirectoryPrincipals adds directory users and groups, with roles, all
// or none, exactly as create_users and create_groups would.
func (s *Service) AddDirectoryPrincipals(ctx context.Context, p *Principal, in []NewDirectoryPrincipal) ([]AddedPrincipal, error) {
	const op = "add_active_directory_principals"
	var nu []NewUser
	var ng []NewGroup
	if err := firstErr(s.decide(p, ActCreate, Target{Kind: KindUser}), s.decide(p, ActCreate, Target{Kind: KindGroup})); err != nil {
		return nil, s.refused(ctx, p, op, err)
	}
	for i, e := range in {
		switch {
		case strings.EqualFold(e.Domain, LocalDomain):
			return nil, s.refused(ctx, p, op, invalid("[%d]: LOCAL users and groups cannot be created by this operation: use create_users or create_group", i))
		case e.ObjectClass == ObjectUser:
			nu = append(nu, NewUser{Username: e.Name, Domain: e.Domain, Description: e.Description, Roles: e.Roles, Restricted: e.Restricted})
		case e.ObjectClass == ObjectGroup:
			ng = append(ng, NewGroup{Name: e.Name, Domain: e.Domain, Description: e.Description, Roles: e.Roles, Restricted: e.Restricted})
		default:
			return nil, s.refused(ctx, p, op, invalid("[%d].objectClass %q: want User or Group", i, e.ObjectClass))
		}
	}
	var users []store.User
	var groups []store.Group
	var err error
	if len(nu) > 0 {
		if users, err = s.prepareUsers(ctx, p, nu); err != nil {
			return nil, s.refused(ctx, p, op, err)
		}
	}
	if len(ng) > 0 {
		if err = s.decide(p, ActCreate, Target{Kind: KindGroup}); err == nil {
			groups, err = s.buildGroups(ctx, p, ng)
		}
		if err != nil {
			return nil, s.refused(ctx, p, op, err)
		}
	}
	err = s.write(ctx, p, op, func(t *txn) error {
		if len(users) > 0 {
			if err := s.mayCreateUsers(ctx, t, p, users); err != nil {
				return err
			}
			t.entries = append(t.entries, s.createUserEvents(ctx, p, users)...)
			if err := t.CreateUsers(ctx, users); err != nil {
				return err
			}
		}
		for i, g := range groups {
			if err := s.mayCreateGroup(ctx, t, p, g); err != nil {
				return entryErr("groups", i, g.Name, err)
			}
			t.audit(ctx, "create_group", g.SID, domainUser(g.Domain, g.Name),
				fmt.Sprintf("roles %s", strings.Join(RoleNames(g.Roles, g.TenantID), ", ")))
		}
		if len(groups) == 0 {
			return nil
		}
		return t.CreateGroups(ctx, groups)
	})
	if err != nil {
		return nil, err
	}
	return addedPrincipals(in, users, groups), nil
}

// addedPrincipals renders what was added, in the order asked.
func addedPrincipals(in []NewDirectoryPrincipal, users []store.User, groups []store.Group) []AddedPrincipal {
	out := make([]AddedPrincipal, 0, len(in))
	ui, gi := 0, 0
	for _, e := range in {
		a := AddedPrincipal{NewDirectoryPrincipal: e}
		if e.ObjectClass == ObjectUser {
			u := users[ui]
			ui++
			a.Domain, a.Name, a.SID, a.CreatedMsecs, a.UpdatedMsecs = u.Domain, u.Username, u.SID, u.CreatedMsecs, u.UpdatedMsecs
			a.Roles = RoleNames(u.Roles, u.TenantID)
		} else {
			g := groups[gi]
			gi++
			a.Domain, a.Name, a.SID, a.CreatedMsecs, a.UpdatedMsecs = g.Domain, g.Name, g.SID, g.CreatedMsecs, g.UpdatedMsecs
			a.Roles = RoleNames(g.Roles, g.TenantID)
		}
		if a.Roles == nil {
			a.Roles = []string{}
		}
		out = append(out, a)
	}
	return out
}
