package iam

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
)

// NewGroup is one entry of create_group.
type NewGroup struct {
	Name, Domain, Description string
	Roles, TenantIDs, Members []string
	Restricted                bool
}

// GroupUpdate is an update_group body: nil fields stay as they are.
type GroupUpdate struct {
	Description               *string
	Restricted                *bool
	Roles, TenantIDs, Members []string // nil: unchanged
}

// CreateGroups adds groups, all or none.
func (s *Service) CreateGroups(ctx context.Context, p *Principal, in []NewGroup) ([]store.Group, error) {
	if err := s.require(p, PrivPrincipalModify); err != nil {
		return nil, err
	}
	groups, err := s.buildGroups(ctx, p, in)
	events := make([]store.AuditEntry, len(groups))
	for i, g := range groups {
		events[i] = s.event(ctx, p, "create_group", g.SID, domainUser(g.Domain, g.Name),
			fmt.Sprintf("roles %s; %d members", strings.Join(g.Roles, ", "), len(g.Members)))
	}
	if err == nil {
		err = s.store.CreateGroups(store.WithAudit(ctx, events...), groups)
	}
	s.logChange(ctx, err, events...)
	if err != nil {
		return nil, err
	}
	sids := make([]string, len(groups))
	for i, g := range groups {
		sids[i] = g.SID
	}
	return s.store.ListGroups(ctx, store.GroupFilter{SIDs: sids})
}

func (s *Service) buildGroups(ctx context.Context, p *Principal, in []NewGroup) ([]store.Group, error) {
	groups, err := validateBatch("group", in, func(ng NewGroup) string { return ng.Name },
		func(ng NewGroup) (store.Group, error) { return s.validateNewGroup(ctx, p, ng) },
		func(g store.Group) string { return g.Domain + "\\" + g.Name })
	if err != nil {
		return nil, err
	}
	if err := s.fillSIDs(ctx, len(groups), func(i int) *string { return &groups[i].SID }); err != nil {
		return nil, err
	}
	now := s.nowMsecs()
	for i := range groups {
		groups[i].CreatedMsecs, groups[i].UpdatedMsecs = now, now
	}
	return groups, nil
}

func (s *Service) validateNewGroup(ctx context.Context, p *Principal, ng NewGroup) (store.Group, error) {
	if err := s.checkPrincipalName(ctx, groupName, ng.Domain, ng.Name); err != nil {
		return store.Group{}, err
	}
	domain, dir, err := s.checkDomain(ng.Domain)
	if err != nil {
		return store.Group{}, err
	}
	if err := firstErr(checkDescription(ng.Description), checkTenantIDs(ng.TenantIDs)); err != nil {
		return store.Group{}, err
	}
	roles, err := s.checkRoles(ctx, ng.Roles)
	if err != nil {
		return store.Group{}, err
	}
	members, err := s.checkMembers(ctx, p, ng.Members, roles)
	if err != nil {
		return store.Group{}, err
	}
	if err := s.checkGrant(ctx, p, roles); err != nil {
		return store.Group{}, err
	}
	g := store.Group{
		Domain: domain, Name: ng.Name, Description: ng.Description, Roles: roles,
		Restricted: ng.Restricted, TenantIDs: dedupe(ng.TenantIDs), Members: members,
	}
	if dir != nil {
		if err := directoryGroup(ctx, dir, &g); err != nil {
			return store.Group{}, err
		}
	}
	return g, nil
}

func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// checkMembers verifies that members are existing LOCAL users, and that the
// caller does not raise itself by joining a group with roles it lacks.
func (s *Service) checkMembers(ctx context.Context, p *Principal, members, roles []string) ([]string, error) {
	members = dedupe(members)
	if len(members) > 0 {
		found, err := s.store.ListUsers(ctx, store.UserFilter{SIDs: members})
		if err != nil {
			return nil, fmt.Errorf("members: %w", err)
		}
		for _, sid := range members {
			i := slices.IndexFunc(found, func(u store.User) bool { return u.SID == sid })
			if i < 0 {
				return nil, invalid("localGroupParams.userSids: no user %q", sid)
			}
			if found[i].Domain != LocalDomain {
				return nil, invalid("localGroupParams.userSids: %q is not a LOCAL user", sid)
			}
		}
	}
	if slices.Contains(members, p.User.SID) {
		if err := s.checkNoRaise(ctx, p, roles); err != nil {
			return nil, err
		}
	}
	return members, nil
}

// GetGroup returns one group.
func (s *Service) GetGroup(ctx context.Context, p *Principal, sid string) (store.Group, error) {
	if err := s.require(p, PrivPrincipalView); err != nil {
		return store.Group{}, err
	}
	return s.store.GetGroup(ctx, sid)
}

// ListGroups returns the groups matching f.
func (s *Service) ListGroups(ctx context.Context, p *Principal, f store.GroupFilter) ([]store.Group, error) {
	if err := s.require(p, PrivPrincipalView); err != nil {
		return nil, err
	}
	return s.store.ListGroups(ctx, f)
}

// UpdateGroup merges upd into group sid.
func (s *Service) UpdateGroup(ctx context.Context, p *Principal, sid string, upd GroupUpdate) (store.Group, error) {
	ev := s.event(ctx, p, "update_group", sid, "", "")
	g, err := s.updateGroup(ctx, p, sid, upd, &ev)
	s.logChange(ctx, err, ev)
	return g, err
}

// updateGroup makes the update, recording ev, named once the group is
// read, in its transaction.
func (s *Service) updateGroup(ctx context.Context, p *Principal, sid string, upd GroupUpdate, ev *store.AuditEntry) (store.Group, error) {
	if err := s.require(p, PrivPrincipalModify); err != nil {
		return store.Group{}, err
	}
	cur, err := s.store.GetGroup(ctx, sid)
	if err != nil {
		return store.Group{}, err
	}
	ev.EntityName = domainUser(cur.Domain, cur.Name)
	if upd.Description != nil {
		if err := checkDescription(*upd.Description); err != nil {
			return store.Group{}, err
		}
	}
	if err := checkTenantIDs(upd.TenantIDs); err != nil {
		return store.Group{}, err
	}
	roles, members := cur.Roles, cur.Members
	if upd.Roles != nil {
		if roles, err = s.checkRoles(ctx, upd.Roles); err != nil {
			return store.Group{}, err
		}
	}
	if upd.Members != nil {
		if cur.Domain != LocalDomain {
			return store.Group{}, invalid("only LOCAL groups have localGroupParams.userSids")
		}
		members = upd.Members
	}
	if members, err = s.checkMembers(ctx, p, members, roles); err != nil {
		return store.Group{}, err
	}
	// New roles, or new members, are grants; taking them away is not.
	if upd.Roles != nil || slices.ContainsFunc(members, func(m string) bool { return !slices.Contains(cur.Members, m) }) {
		if err := s.checkGrant(ctx, p, roles); err != nil {
			return store.Group{}, err
		}
	}
	ev.Details += fmt.Sprintf(": roles %s; %d members", strings.Join(roles, ", "), len(members))
	return s.store.UpdateGroup(store.WithAudit(ctx, *ev), sid, func(g store.Group) (store.Group, error) {
		if upd.Description != nil {
			g.Description = *upd.Description
		}
		if upd.Restricted != nil {
			g.Restricted = *upd.Restricted
		}
		if upd.TenantIDs != nil {
			g.TenantIDs = dedupe(upd.TenantIDs)
		}
		g.Roles, g.Members = roles, members
		g.UpdatedMsecs = s.nowMsecs()
		return g, nil
	})
}

// DeleteGroups deletes groups, all or none.
func (s *Service) DeleteGroups(ctx context.Context, p *Principal, sids []string) error {
	if err := s.require(p, PrivPrincipalModify); err != nil {
		return err
	}
	if err := checkBulk("sid", len(sids)); err != nil {
		return err
	}
	sids = slices.Compact(slices.Sorted(slices.Values(sids)))
	return deleteAudited(ctx, s, p, "delete_group", sids,
		func(ctx context.Context, sids []string) ([]store.Group, error) {
			return s.store.ListGroups(ctx, store.GroupFilter{SIDs: sids})
		},
		func(g store.Group) (string, string) { return g.SID, domainUser(g.Domain, g.Name) },
		s.store.DeleteGroups)
}
