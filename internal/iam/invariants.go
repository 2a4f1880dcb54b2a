package iam

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
)

// The cluster must never lose its last administrator: whoever holds every
// privilege is the way back in for everyone else. An act that would leave
// none (deleting, locking, expiring or demoting the last one, deleting its
// group or taking it out of it, stripping a role it relies on) is refused,
// by whomever it is asked.

// adminGuard holds who administered the cluster when a transaction began.
type adminGuard struct {
	before []store.User
}

// guardAdmins reads, when the change may take an administrator away, who
// the lasting administrators are before the transaction t writes. write
// holds the principals lock for t already, so that two transactions cannot
// each remove a different one of the last two.
func (s *Service) guardAdmins(ctx context.Context, t *txn, may bool) (adminGuard, error) {
	if !may {
		return adminGuard{}, nil
	}
	before, err := s.lastingAdmins(ctx, t)
	return adminGuard{before: before}, err
}

// check fails, rolling the transaction back, when its writes left no
// lasting administrator where there was one.
func (g adminGuard) check(ctx context.Context, s *Service, tx store.Reader) error {
	if len(g.before) == 0 {
		return nil // nothing to keep: a store without one is not made worse
	}
	after, err := s.lastingAdmins(ctx, tx)
	if err != nil || len(after) > 0 {
		return err
	}
	names := make([]string, len(g.before))
	for i, u := range g.before {
		names[i] = domainUser(u.Domain, u.Username)
	}
	return forbidden("this would leave the cluster without an administrator who holds every privilege "+
		"and is not locked, expiring or out of its effective time (now %s); make another one first",
		strings.Join(names, ", "))
}

// lastingAdmins returns the users who hold every privilege (special ones
// aside) and keep it: not locked by an administrator, effective now, and
// without an expiry time. A lock after failed log-ins does not count
// against them, since it ends by itself; one for inactivity does, since
// only an administrator ends it (and none is put on the last one: see
// inactivity.go). A lock for inactivity that reads compute but no log-in
// has stored does not count either: its holder is exempt while it is
// the last. Holders only through a
// directory group do not count: the cluster cannot tell whether the
// directory still puts them in it.
func (s *Service) lastingAdmins(ctx context.Context, r store.Reader) ([]store.User, error) {
	cluster := []string{""} // an organization's administrators do not count
	roles, err := r.ListRoles(ctx, store.RoleFilter{TenantIDs: cluster})
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	privsOf := make(map[string][]string, len(roles))
	var managing []string // every full administrator holds one of these
	for _, ro := range roles {
		privsOf[ro.Name] = ro.Privileges
		if slices.Contains(ro.Privileges, PrivPrincipalModify) {
			managing = append(managing, ro.Name)
		}
	}
	if len(managing) == 0 {
		return nil, nil
	}
	direct, err := r.ListUsers(ctx, store.UserFilter{Roles: managing, TenantIDs: cluster})
	if err != nil {
		return nil, fmt.Errorf("holders of %v: %w", managing, err)
	}
	groups, err := r.ListGroups(ctx, store.GroupFilter{Roles: managing, Domain: LocalDomain, TenantIDs: cluster})
	if err != nil {
		return nil, fmt.Errorf("groups holding %v: %w", managing, err)
	}
	candidates := map[string]store.User{}
	for _, u := range direct {
		candidates[u.SID] = u
	}
	var members []string
	for _, g := range groups {
		for _, m := range g.Members {
			if _, ok := candidates[m]; !ok {
				members = append(members, m)
			}
		}
	}
	if len(members) > 0 {
		more, err := r.ListUsers(ctx, store.UserFilter{SIDs: members})
		if err != nil {
			return nil, fmt.Errorf("members: %w", err)
		}
		for _, u := range more {
			candidates[u.SID] = u
		}
	}
	groupRoles, err := s.rolesOfGroups(ctx, r, slices.Collect(maps.Values(candidates)))
	if err != nil {
		return nil, err
	}
	now := s.nowMsecs()
	var out []store.User
	for _, sid := range slices.Sorted(maps.Keys(candidates)) {
		u := candidates[sid]
		if !lasting(u, now) {
			continue
		}
		held := map[string]bool{}
		for _, role := range u.Roles {
			for _, priv := range privsOf[role] {
				held[priv] = true
			}
		}
		for _, g := range u.Groups {
			for _, role := range groupRoles[g] {
				for _, priv := range privsOf[role] {
					held[priv] = true
				}
			}
		}
		if !slices.ContainsFunc(s.allPrivileges, func(p string) bool { return !held[p] }) {
			out = append(out, u)
		}
	}
	return out, nil
}

// rolesOfGroups returns the roles of every LOCAL group the users are
// members of, by group sid.
func (s *Service) rolesOfGroups(ctx context.Context, r store.Reader, users []store.User) (map[string][]string, error) {
	var sids []string
	for _, u := range users {
		sids = append(sids, u.Groups...)
	}
	out := map[string][]string{}
	if len(sids) == 0 {
		return out, nil
	}
	groups, err := r.ListGroups(ctx, store.GroupFilter{SIDs: sids})
	if err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	for _, g := range groups {
		out[g.SID] = g.Roles
	}
	return out, nil
}

// lasting reports whether u keeps its access on its own: not locked but
// after failed log-ins, effective now, and with no expiry time.
func lasting(u store.User, now int64) bool {
	if u.Locked && u.LockedReason != FailedLoginAttempts {
		return false
	}
	if u.EffectiveTimeMsecs != nil && *u.EffectiveTimeMsecs > now {
		return false
	}
	return u.ExpiryTimeMsecs == nil
}

// isLastAdmin reports whether u is the only lasting administrator, whom a
// lock-out must not shut out.
func (s *Service) isLastAdmin(ctx context.Context, r store.Reader, u store.User) (bool, error) {
	admins, err := s.lastingAdmins(ctx, r)
	if err != nil {
		return false, err
	}
	return len(admins) == 1 && admins[0].SID == u.SID, nil
}
