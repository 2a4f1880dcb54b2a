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

// acts returns what u does to the group it changes.
func (u GroupUpdate) acts() []Act {
	var acts []Act
	if u.Description != nil || len(u.TenantIDs) > 0 {
		acts = append(acts, ActChangeProfile)
	}
	if u.Restricted != nil {
		acts = append(acts, ActChangeRestrictions)
	}
	if u.Roles != nil {
		acts = append(acts, ActChangeRoles)
	}
	if u.Members != nil {
		acts = append(acts, ActChangeMembers)
	}
	return acts
}

// CreateGroups adds groups, all or none.
func (s *Service) CreateGroups(ctx context.Context, p *Principal, in []NewGroup) ([]store.Group, error) {
	if err := s.decide(p, ActCreate, Target{Kind: KindGroup}); err != nil {
		return nil, s.refused(ctx, p, "create_group", err) // before the input is looked at
	}
	groups, err := s.buildGroups(ctx, p, in)
	if err != nil {
		return nil, s.refused(ctx, p, "create_group", err)
	}
	var local []string
	for _, g := range groups {
		if g.Domain == LocalDomain {
			local = append(local, g.Name)
		}
	}
	if err := checkBatchLookalikes(groupName, local); err != nil {
		return nil, s.refused(ctx, p, "create_group", err)
	}
	err = s.write(ctx, p, "create_group", func(t *txn) error {
		for i, g := range groups {
			if err := s.mayCreateGroup(ctx, t, p, g); err != nil {
				return entryErr("groups", i, g.Name, err)
			}
			t.audit(ctx, "create_group", g.SID, domainUser(g.Domain, g.Name),
				fmt.Sprintf("roles %s; %d members", strings.Join(RoleNames(g.Roles, g.TenantID), ", "), len(g.Members)))
		}
		return t.CreateGroups(ctx, groups)
	})
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
	for i := range groups {
		if groups[i].Roles, err = s.roleKeys(ctx, s.store, groups[i].TenantID, groups[i].Roles); err != nil {
			return nil, err
		}
	}
	now := s.nowMsecs()
	for i := range groups {
		groups[i].CreatedMsecs, groups[i].UpdatedMsecs = now, now
	}
	return groups, nil
}

func (s *Service) validateNewGroup(ctx context.Context, p *Principal, ng NewGroup) (store.Group, error) {
	if err := checkNameRule(groupName, ng.Domain, ng.Name); err != nil {
		return store.Group{}, err
	}
	domain, dir, err := s.checkDomain(ctx, p, ng.Domain)
	if err != nil {
		return store.Group{}, err
	}
	if err := firstErr(checkDescription(ng.Description), checkOwner(p.tenant(), "tenantIds", ng.TenantIDs)); err != nil {
		return store.Group{}, err
	}
	if domain != LocalDomain && len(ng.Members) > 0 {
		return store.Group{}, invalid("only LOCAL groups have localGroupParams.userSids")
	}
	g := store.Group{
		Domain: domain, Name: ng.Name, Description: ng.Description, Roles: store.Dedupe(ng.Roles),
		Restricted: ng.Restricted, TenantID: p.tenant(), Members: store.Dedupe(ng.Members),
	}
	if dir != nil {
		if err := directoryGroup(ctx, dir, &g); err != nil {
			return store.Group{}, err
		}
	}
	return g, nil
}

// mayCreateGroup decides whether p may create g, handing its roles out to
// its members.
func (s *Service) mayCreateGroup(ctx context.Context, r store.Reader, p *Principal, g store.Group) error {
	if err := s.decide(p, ActCreate, Target{Kind: KindGroup}); err != nil {
		return err
	}
	if err := checkTenantLive(ctx, r, g.TenantID); err != nil {
		return err
	}
	if err := checkLookalike(ctx, r, groupName, g.TenantID, g.Domain, g.Name); err != nil {
		return err
	}
	if err := s.checkRolesExist(ctx, r, g.TenantID, g.Roles); err != nil {
		return err
	}
	target, err := s.membersTarget(ctx, r, g, g.Members)
	if err != nil {
		return err
	}
	if err := s.checkJoin(p, g.Members, target.Privileges); err != nil {
		return err
	}
	if err := s.checkGrant(p, g.TenantID, target.Privileges); err != nil {
		return err
	}
	if len(g.Members) == 0 {
		return nil
	}
	return s.decide(p, ActChangeMembers, target)
}

// membersTarget describes group g for decide with the members given as
// Affected, each an existing LOCAL user.
func (s *Service) membersTarget(ctx context.Context, r store.Reader, g store.Group, members []string) (Target, error) {
	if len(members) > 0 {
		found, err := r.ListUsers(ctx, store.UserFilter{SIDs: members})
		if err != nil {
			return Target{}, fmt.Errorf("members: %w", err)
		}
		for _, sid := range members {
			// A user of another organization is, to the group, no user.
			i := slices.IndexFunc(found, func(u store.User) bool { return u.SID == sid && u.TenantID == g.TenantID })
			if i < 0 {
				return Target{}, invalid("localGroupParams.userSids: no user %q in the group's organization", sid)
			}
			if found[i].Domain != LocalDomain {
				return Target{}, invalid("localGroupParams.userSids: %q is not a LOCAL user", sid)
			}
		}
	}
	return s.groupTarget(ctx, r, g, members)
}

// checkJoin refuses to make p a member of a group granting privs it does
// not hold: nobody raises itself by joining a group.
func (s *Service) checkJoin(p *Principal, members, privs []string) error {
	if slices.Contains(members, p.User.SID) {
		return checkNoRaise(p, privs)
	}
	return nil
}

// GetGroup returns one group.
func (s *Service) GetGroup(ctx context.Context, p *Principal, sid string) (store.Group, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindGroup}); err != nil {
		return store.Group{}, err
	}
	g, err := s.store.GetGroup(ctx, sid)
	if err != nil {
		return store.Group{}, err
	}
	return g, p.inScope(Target{Kind: KindGroup, ID: g.SID, Tenant: g.TenantID})
}

// ListGroups returns the groups q selects.
func (s *Service) ListGroups(ctx context.Context, p *Principal, q GroupQuery) ([]store.Group, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindGroup}); err != nil {
		return nil, err
	}
	if err := checkPartialNames(q.MatchPartialNames, q.Names); err != nil {
		return nil, err
	}
	f := q.filter()
	ids, none, err := s.scope(ctx, p, q.Scope)
	if err != nil || none {
		return []store.Group{}, err
	}
	f.TenantIDs = ids
	if f.Roles, err = s.roleFilterKeys(ctx, ids, f.Roles); err != nil {
		return nil, err
	}
	return s.store.ListGroups(ctx, f)
}

// UpdateGroup merges upd into group sid.
func (s *Service) UpdateGroup(ctx context.Context, p *Principal, sid string, upd GroupUpdate) (store.Group, error) {
	if err := s.checkGroupUpdate(upd); err != nil {
		return store.Group{}, s.refused(ctx, p, "update_group", err)
	}
	var out store.Group
	err := s.write(ctx, p, "update_group", func(t *txn) error {
		guard, err := s.guardAdmins(ctx, t, upd.Roles != nil || upd.Members != nil)
		if err != nil {
			return err
		}
		cur, err := t.GetGroup(ctx, sid)
		if err != nil {
			return err
		}
		if err := checkOwner(cur.TenantID, "tenantIds", upd.TenantIDs); err != nil {
			return err
		}
		upd := upd // this run's: its role names read in cur's organization
		if upd.Roles != nil {
			if upd.Roles, err = s.roleKeys(ctx, t, cur.TenantID, upd.Roles); err != nil {
				return err
			}
		}
		roles, members, err := s.mayUpdateGroup(ctx, t, p, cur, upd)
		if err != nil {
			return err
		}
		t.audit(ctx, "update_group", sid, domainUser(cur.Domain, cur.Name),
			fmt.Sprintf("roles %s; %d members", strings.Join(RoleNames(roles, cur.TenantID), ", "), len(members)))
		out, err = t.UpdateGroup(ctx, sid, func(g store.Group) (store.Group, error) {
			if upd.Description != nil {
				g.Description = *upd.Description
			}
			if upd.Restricted != nil {
				g.Restricted = *upd.Restricted
			}
			if upd.Roles != nil {
				g.Roles = store.Dedupe(upd.Roles)
			}
			if upd.Members != nil {
				g.Members = store.Dedupe(upd.Members)
			}
			g.UpdatedMsecs = s.nowMsecs()
			return g, nil
		})
		if err != nil {
			return err
		}
		return guard.check(ctx, s, t)
	})
	return out, err
}

func (s *Service) checkGroupUpdate(upd GroupUpdate) error {
	if upd.Description != nil {
		if err := checkDescription(*upd.Description); err != nil {
			return err
		}
	}
	return nil
}

// mayUpdateGroup decides each act of upd on cur: the group must be within
// p's reach, and so must every member the change affects (all of them when
// the roles change, those added or taken out otherwise); roles handed out
// must be p's own. It returns the roles and members cur will have.
func (s *Service) mayUpdateGroup(ctx context.Context, r store.Reader, p *Principal, cur store.Group, upd GroupUpdate) ([]string, []string, error) {
	roles, members := cur.Roles, cur.Members
	if upd.Roles != nil {
		roles = store.Dedupe(upd.Roles)
		if err := s.checkRolesExist(ctx, r, cur.TenantID, roles); err != nil {
			return nil, nil, err
		}
	}
	if upd.Members != nil {
		if cur.Domain != LocalDomain {
			return nil, nil, invalid("only LOCAL groups have localGroupParams.userSids")
		}
		members = store.Dedupe(upd.Members)
	}
	added := without(members, cur.Members)
	affected := append(added, without(cur.Members, members)...)
	if upd.Roles != nil {
		all, err := s.directoryMembers(ctx, r, cur)
		if err != nil {
			return nil, nil, err
		}
		affected = store.Dedupe(append(append(slices.Clone(cur.Members), added...), all...))
	}
	target, err := s.membersTarget(ctx, r, cur, affected)
	if err != nil {
		return nil, nil, err
	}
	for _, act := range upd.acts() {
		if err := s.decide(p, act, target); err != nil {
			return nil, nil, err
		}
	}
	// New roles, or new members, are grants; taking them away is not.
	if upd.Roles != nil || len(added) > 0 {
		privs, err := s.privilegesOfRoles(ctx, r, roles)
		if err != nil {
			return nil, nil, err
		}
		if err := s.checkJoin(p, members, privs); err != nil {
			return nil, nil, err
		}
		if err := s.checkGrant(p, cur.TenantID, privs); err != nil {
			return nil, nil, err
		}
	}
	return roles, members, nil
}

// directoryMembers returns the users the directory put in directory group
// g at their last log-in; none for a LOCAL group. They are of g's
// organization: a log-in counts only the groups of the user's (addedGroups).
func (s *Service) directoryMembers(ctx context.Context, r store.Reader, g store.Group) ([]string, error) {
	if g.Domain == LocalDomain {
		return nil, nil
	}
	users, err := r.ListUsers(ctx, store.UserFilter{Domain: g.Domain, InDirectoryGroups: []string{g.SID},
		TenantIDs: []string{g.TenantID}})
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", g.SID, err)
	}
	return sidsOf(users), nil
}

// without returns the elements of a not in b.
func without(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

// DeleteGroups deletes groups, all or none.
func (s *Service) DeleteGroups(ctx context.Context, p *Principal, sids []string) error {
	if err := checkBulk("sid", len(sids)); err != nil {
		return s.refused(ctx, p, "delete_group", err)
	}
	sids = slices.Compact(slices.Sorted(slices.Values(sids)))
	return s.write(ctx, p, "delete_group", func(t *txn) error {
		guard, err := s.guardAdmins(ctx, t, true)
		if err != nil {
			return err
		}
		for _, sid := range sids {
			g, err := t.GetGroup(ctx, sid)
			if err != nil {
				return err
			}
			members, err := s.directoryMembers(ctx, t, g)
			if err != nil {
				return err
			}
			target, err := s.groupTarget(ctx, t, g, append(slices.Clone(g.Members), members...))
			if err != nil {
				return err
			}
			if err := s.decide(p, ActDelete, target); err != nil {
				return err
			}
			t.audit(ctx, "delete_group", g.SID, domainUser(g.Domain, g.Name), "")
		}
		if err := t.DeleteGroups(ctx, sids); err != nil {
			return err
		}
		return guard.check(ctx, s, t)
	})
}
