package iam

import (
	"context"
	"errors"
	"fmt"

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
	if err := s.require(p, PrivPrincipalView); err != nil {
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
	for _, u := range users {
		out = append(out, SecurityPrincipal{SID: u.SID, Name: u.Username, FullName: u.Username, ObjectClass: ObjectUser, Domain: u.Domain})
	}
	known := map[string]bool{}
	for _, g := range groups {
		out = append(out, SecurityPrincipal{SID: g.SID, Name: g.Name, FullName: g.Name, ObjectClass: ObjectGroup, Domain: g.Domain})
		known[g.SID] = true
	}
	for _, u := range users {
		known[u.SID] = true
	}
	var rest []string
	for _, sid := range sids {
		if !known[sid] {
			rest = append(rest, sid)
		}
	}
	found, err := s.directoryPrincipals(ctx, rest)
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
	if !p.isSelf(sid) {
		if err := s.require(p, PrivPrincipalView); err != nil {
			return Sources{}, err
		}
	}
	u, err := s.store.GetUser(ctx, sid)
	if err == nil {
		return Sources{u.SourceIDs, u.ViewIDs}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Sources{}, err
	}
	g, err := s.store.GetGroup(ctx, sid)
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

// SetPrincipalSources replaces what is assigned to user or group sid.
func (s *Service) SetPrincipalSources(ctx context.Context, p *Principal, sid string, in Sources) (Sources, error) {
	// Of the user and group updates tried, only one can commit, and with
	// it the entry.
	ev := s.event(ctx, p, "update_principal_sources", sid, "",
		fmt.Sprintf("sourceIds %v; viewIds %v", in.SourceIDs, in.ViewIDs))
	out, err := s.setPrincipalSources(store.WithAudit(ctx, ev), p, sid, in)
	s.logChange(ctx, err, ev)
	return out, err
}

func (s *Service) setPrincipalSources(ctx context.Context, p *Principal, sid string, in Sources) (Sources, error) {
	if err := s.require(p, PrivPrincipalModify); err != nil {
		return Sources{}, err
	}
	src, err := checkIDList("sourceIds", in.SourceIDs)
	if err != nil {
		return Sources{}, err
	}
	views, err := checkIDList("viewIds", in.ViewIDs)
	if err != nil {
		return Sources{}, err
	}
	now := s.nowMsecs()
	u, err := s.store.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
		u.SourceIDs, u.ViewIDs, u.UpdatedMsecs = src, views, now
		return u, nil
	})
	if err == nil {
		return Sources{u.SourceIDs, u.ViewIDs}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Sources{}, err
	}
	g, err := s.store.UpdateGroup(ctx, sid, func(g store.Group) (store.Group, error) {
		g.SourceIDs, g.ViewIDs, g.UpdatedMsecs = src, views, now
		return g, nil
	})
	if err != nil {
		return Sources{}, principalErr(sid, err)
	}
	return Sources{g.SourceIDs, g.ViewIDs}, nil
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
