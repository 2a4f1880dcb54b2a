package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/clusteriam/clusteriam/internal/store"
)

// SecurityPrincipal is a resolved SID.
type SecurityPrincipal struct {
	SID, Name, FullName, ObjectClass, Domain string
}

// Object classes of the wire enum.
const (
	ObjectUser  = "User"
	ObjectGroup = "Group"
)

// SecurityPrincipals resolves sids to users and groups, leaving unknown
// sids out.
func (s *Service) SecurityPrincipals(ctx context.Context, p *Principal, sids []string) ([]SecurityPrincipal, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindUser}); err != nil {
		return nil, err
	}
	out := []SecurityPrincipal{}
	if len(sids) == 0 {
		return out, nil
	}
	users, err := s.store.ListUsers(ctx, store.UserFilter{SIDs: sids})
	if err != nil {
		return nil, err
	}
	groups, err := s.store.ListGroups(ctx, store.GroupFilter{SIDs: sids})
	if err != nil {
		return nil, err
	}
	// A principal of an organization p does not reach is left out, as
	// an unknown sid is; it is not looked for in the directories either.
	known := map[string]bool{}
	for _, u := range users {
		known[u.SID] = true
		if p.reaches(u.TenantID) {
			out = append(out, SecurityPrincipal{SID: u.SID, Name: u.Username, FullName: cmp.Or(u.FullName, u.Username), ObjectClass: ObjectUser, Domain: u.Domain})
		}
	}
	for _, g := range groups {
		known[g.SID] = true
		if p.reaches(g.TenantID) {
			out = append(out, SecurityPrincipal{SID: g.SID, Name: g.Name, FullName: g.Name, ObjectClass: ObjectGroup, Domain: g.Domain})
		}
	}
	var rest []string
	for _, sid := range sids {
		if !known[sid] {
			rest = append(rest, sid)
		}
	}
	found, err := s.directoryPrincipals(ctx, p, rest)
	if err != nil {
		return nil, err
	}
	return append(out, found...), nil
}

// Sources is the set of sources and views assigned to a principal.
type Sources struct {
	SourceIDs, ViewIDs []int64
}

// PrincipalSources returns what is assigned to user or group sid.
func (s *Service) PrincipalSources(ctx context.Context, p *Principal, sid string) (Sources, error) {
	if p.isSelf(sid) {
		return Sources{p.User.SourceIDs, p.User.ViewIDs}, s.decide(p, ActRead, p.selfTarget())
	}
	if err := s.decide(p, ActRead, Target{Kind: KindUser}); err != nil {
		return Sources{}, err
	}
	u, err := s.store.GetUser(ctx, sid)
	if err == nil {
		if !p.reaches(u.TenantID) {
			return Sources{}, principalErr(sid, store.ErrNotFound)
		}
		return Sources{u.SourceIDs, u.ViewIDs}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Sources{}, err
	}
	g, err := s.store.GetGroup(ctx, sid)
	if err == nil && !p.reaches(g.TenantID) {
		err = store.ErrNotFound
	}
	if err != nil {
		return Sources{}, principalErr(sid, err)
	}
	return Sources{g.SourceIDs, g.ViewIDs}, nil
}

func principalErr(sid string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("security principal %q: %w", sid, store.ErrNotFound)
	}
	return err
}

// SetPrincipalSources replaces what is assigned to user or group sid. It
// widens or narrows what data the principal (a group's members) reaches,
// so the principal must be within the caller's reach, and nobody sets
// their own.
func (s *Service) SetPrincipalSources(ctx context.Context, p *Principal, sid string, in Sources) (Sources, error) {
	src, err := checkIDList("sourceIds", in.SourceIDs)
	if err == nil {
		in.ViewIDs, err = checkIDList("viewIds", in.ViewIDs)
	}
	if err != nil {
		return Sources{}, s.refused(ctx, p, "update_principal_sources", err)
	}
	in.SourceIDs = src
	var out Sources
	err = s.write(ctx, p, "update_principal_sources", func(t *txn) error {
		target, err := s.principalTarget(ctx, t, sid)
		if err != nil {
			return err
		}
		if err := s.decide(p, ActChangeSources, target); err != nil {
			return principalErr(sid, err)
		}
		t.audit(ctx, "update_principal_sources", sid, target.Name,
			fmt.Sprintf("sourceIds %v; viewIds %v", in.SourceIDs, in.ViewIDs))
		now := s.nowMsecs()
		if target.Kind == KindUser {
			u, err := t.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
				u.SourceIDs, u.ViewIDs, u.UpdatedMsecs = in.SourceIDs, in.ViewIDs, now
				return u, nil
			})
			out = Sources{u.SourceIDs, u.ViewIDs}
			return err
		}
		g, err := t.UpdateGroup(ctx, sid, func(g store.Group) (store.Group, error) {
			g.SourceIDs, g.ViewIDs, g.UpdatedMsecs = in.SourceIDs, in.ViewIDs, now
			return g, nil
		})
		out = Sources{g.SourceIDs, g.ViewIDs}
		return err
	})
	return out, err
}

// principalTarget describes user or group sid for decide; a group's
// members are affected by what is done to it.
func (s *Service) principalTarget(ctx context.Context, r store.Reader, sid string) (Target, error) {
	u, err := r.GetUser(ctx, sid)
	if err == nil {
		return s.userTarget(ctx, r, u)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Target{}, err
	}
	g, err := r.GetGroup(ctx, sid)
	if err != nil {
		return Target{}, principalErr(sid, err)
	}
	members, err := s.directoryMembers(ctx, r, g)
	if err != nil {
		return Target{}, err
	}
	return s.groupTarget(ctx, r, g, append(slices.Clone(g.Members), members...))
}

// checkIDList requires positive ids and drops duplicates, keeping order.
func checkIDList(what string, ids []int64) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if id <= 0 {
			return nil, invalid("%s must hold positive ids, got %d", what, id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
