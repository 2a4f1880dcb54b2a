package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Directory is a directory domain (Active Directory or LDAP) whose users
// and groups can be added to the cluster. *directory.Directory is one.
type Directory interface {
	// Domain is the domain's FQDN, as clients send it.
	Domain() string
	// Tenant is the organization the domain serves ("" the cluster):
	// its users and groups belong to it, and only the principals acting
	// in it or above it see the domain.
	Tenant() string
	User(ctx context.Context, name string) (directory.Principal, error)
	Group(ctx context.Context, name string) (directory.Principal, error)
	// Authenticate checks the password and returns the user with the
	// SIDs of all its groups, nested ones included.
	Authenticate(ctx context.Context, name, password string) (directory.Principal, []string, error)
	BySID(ctx context.Context, sid string) (directory.Principal, error)
	OwnsSID(ctx context.Context, sid string) bool
	// Settings is the domain's configuration, without the bind password.
	Settings() directory.Config
	// Search returns up to limit users and groups whose names hold term.
	Search(ctx context.Context, term string, users, groups bool, limit int) ([]directory.Principal, error)
	// Check binds as the service account and reads the base entry.
	Check(ctx context.Context) error
	// Controllers lists an AD domain's controllers.
	Controllers(ctx context.Context) ([]directory.Controller, error)
	// TrustedDomains lists the domains an AD domain trusts.
	TrustedDomains(ctx context.Context) ([]string, error)
	// GroupsOf returns the SIDs of the groups the user sid is in.
	GroupsOf(ctx context.Context, sid string) ([]string, error)
}

// lookupDomain accepts LOCAL, the directory domains and the identity
// providers' domains, and returns the canonical spelling and, for a
// directory, the directory; whichever organization it serves. A domain that cannot serve (an AD domain saved
// without being joined) is refused with the reason.
func (s *Service) lookupDomain(ctx context.Context, d string) (string, Directory, error) {
	if d == "" {
		return "", nil, invalid("domain is required")
	}
	if strings.EqualFold(d, LocalDomain) {
		return LocalDomain, nil, nil
	}
	if dom := s.domainByName(ctx, d); dom != nil {
		if dom.isIdP() {
			return dom.rec.Domain, nil, nil
		}
		if dom.dir == nil {
			return "", nil, &Error{Kind: KindUnavailable, Msg: fmt.Sprintf("directory domain %s cannot serve: %v", dom.rec.Domain, dom.err)}
		}
		return dom.dir.Domain(), dom.dir, nil
	}
	return "", nil, unknownDomain(d)
}

func unknownDomain(d string) error {
	return invalid("domain %q is not registered with the cluster", d)
}

// checkDomain is lookupDomain for p adding users or groups, which are
// made in the organization p acts in: a directory serving another one is
// refused. To a principal that does not reach that organization the
// domain is unknown, so that domains do not leak; one that does is told
// where to act.
func (s *Service) checkDomain(ctx context.Context, p *Principal, d string) (string, Directory, error) {
	dom := s.domainByName(ctx, d)
	switch {
	case dom == nil:
		return s.lookupDomain(ctx, d) // LOCAL, or unknown
	case dom.rec.TenantID != p.tenant() && !p.reaches(dom.rec.TenantID):
		return "", nil, unknownDomain(d)
	case dom.rec.TenantID != p.tenant():
		return "", nil, invalid("domain %q is not registered with the organization you act in (%s): it serves %s; "+
			"add its users and groups acting inside that one (header x-impersonate-tenant-id: %s)", d, orgLabel(p.tenant()), orgLabel(dom.rec.TenantID), dom.rec.TenantID)
	}
	return s.lookupDomain(ctx, d)
}

// orgLabel names organization id in messages.
func orgLabel(id string) string {
	if id == "" {
		return "the cluster"
	}
	return fmt.Sprintf("organization %q", id)
}

// dirErr turns a directory failure into the caller's error: an unknown
// name is the caller's mistake, an unreachable directory a 503.
func dirErr(domain, what, name string, err error) error {
	switch {
	case errors.Is(err, directory.ErrNotFound):
		return invalid("no %s %s in domain %s", what, name, domain)
	case errors.Is(err, directory.ErrUnavailable):
		return &Error{Kind: KindUnavailable, Msg: fmt.Sprintf("directory domain %s is unavailable; retry later", domain), Err: err}
	}
	return fmt.Errorf("%s %s in domain %s: %w", what, name, domain, err)
}

// directoryUser fills in u, a new user of directory dir, from its entry:
// the directory's SID and spelling of the name, and its e-mail unless one
// was given. The user belongs to the organization dir serves.
func directoryUser(ctx context.Context, dir Directory, u *store.User, password string) error {
	if password != "" {
		return invalid("a %s user has no cluster password: it logs in with its directory password", dir.Domain())
	}
	p, err := dir.User(ctx, u.Username)
	if err != nil {
		return dirErr(dir.Domain(), "user", u.Username, err)
	}
	u.SID, u.Username, u.TenantID, u.FullName = p.SID, p.Name, dir.Tenant(), p.FullName
	if u.Email == "" {
		u.Email = p.Email
	}
	return nil
}

// directoryGroup fills in g, a new group of directory dir, from its
// entry; it belongs to the organization dir serves.
func directoryGroup(ctx context.Context, dir Directory, g *store.Group) error {
	if len(g.Members) > 0 {
		return invalid("a %s group takes its members from the directory: localGroupParams is for LOCAL groups", dir.Domain())
	}
	p, err := dir.Group(ctx, g.Name)
	if err != nil {
		return dirErr(dir.Domain(), "group", g.Name, err)
	}
	g.SID, g.Name, g.TenantID = p.SID, p.Name, dir.Tenant()
	return nil
}

// directoryLogin checks a directory user's password with its directory,
// then lets it in only if it, or one of its groups, was added to the
// organization the directory serves, and that organization is usable. A
// user let in through its groups alone is added on its first log-in,
// without roles of its own. The user returned carries the
// cluster groups the directory put it in. When the cluster knows the user
// by the name given, the check is reserved on its record first, as a
// LOCAL user's is, and a wrong password counts there, never by binding
// again, so that the directory's own account is not locked.
func (s *Service) directoryLogin(ctx context.Context, dir Directory, in LoginInput) (checked, error) {
	var c checked
	known, err := s.store.GetUserByName(ctx, dir.Tenant(), dir.Domain(), in.Username)
	switch {
	case err == nil:
		if c, err = s.reserveOnly(ctx, known.SID); err != nil {
			return checked{}, err
		}
	case errors.Is(err, store.ErrNotFound):
		if err := s.probe(ctx); err != nil {
			return checked{}, err
		}
	default:
		return checked{}, err
	}
	u, err := s.bindDirectoryUser(ctx, dir, in, c)
	if err != nil {
		var wp *wrongPassword
		if c.reserved && !errors.As(err, &wp) {
			s.releaseLater(c.user.SID)
		}
		return checked{}, err
	}
	if c.reserved && u.SID != c.user.SID {
		// The name given reached another account (a userPrincipalName
		// matching someone else's record): no reservation on this one.
		s.releaseLater(c.user.SID)
		c.reserved = false
	}
	c.user = u
	return c, nil
}

// bindDirectoryUser checks in's password by binding as the user, and
// returns its cluster record, made on a first log-in through groups.
func (s *Service) bindDirectoryUser(ctx context.Context, dir Directory, in LoginInput, c checked) (store.User, error) {
	p, groupSIDs, err := dir.Authenticate(ctx, in.Username, in.Password)
	switch {
	case errors.Is(err, directory.ErrInvalidCredentials):
		if c.reserved && p.SID == c.user.SID {
			return store.User{}, &wrongPassword{p.SID}
		}
		return store.User{}, errBadLogin
	case errors.Is(err, directory.ErrNotFound):
		return store.User{}, errBadLogin
	case err != nil:
		return store.User{}, dirErr(dir.Domain(), "user", in.Username, err)
	}
	// As a LOCAL user of an organization, once its password is right.
	org, err := s.servedTenant(ctx, dir)
	if err != nil {
		return store.User{}, err
	}
	added, err := s.addedGroups(ctx, dir, groupSIDs)
	if err != nil {
		return store.User{}, err
	}
	u, err := s.store.GetUser(ctx, p.SID)
	switch {
	case errors.Is(err, store.ErrNotFound) && len(added) == 0:
		return store.User{}, forbidden("user %s has not been added to %s, nor any group it is in",
			domainUser(dir.Domain(), p.Name), orgLabel(dir.Tenant()))
	case errors.Is(err, store.ErrNotFound):
		u, err = s.addOnFirstLogin(ctx, dir, p, org)
	case err == nil && u.TenantID != dir.Tenant():
		// Added before the domain was given to another organization:
		// the record does not follow (docs/directories.md).
		return store.User{}, forbidden("user %s was added to %s, but domain %s serves %s now; an administrator must delete the user there and add it again",
			domainUser(dir.Domain(), p.Name), orgLabel(u.TenantID), dir.Domain(), orgLabel(dir.Tenant()))
	}
	if err != nil {
		return store.User{}, err
	}
	if !s.mayLogIn(u, s.nowMsecs()) {
		return store.User{}, errBadLogin
	}
	u.DirectoryGroups = nonNil(added)
	u.FullName = p.FullName // refreshed at every log-in (openSession)
	if p.Email != "" {
		u.Email = p.Email
	}
	return u, nil
}

// servedTenant returns the organization dir serves (the zero Tenant for
// the cluster) when it is usable: its users log in, and are added at
// their first log-in, only then. openSession checks the user's own
// organization again, as for every user.
func (s *Service) servedTenant(ctx context.Context, dir Directory) (store.Tenant, error) {
	if dir.Tenant() == "" {
		return store.Tenant{}, nil
	}
	org, err := s.usableTenant(ctx, s.store, dir.Tenant())
	if errors.Is(err, store.ErrNotFound) {
		// The configuration names an organization not made yet: the
		// operator's to fix, not a 404 of the log-in.
		return store.Tenant{}, forbidden("organization %q, which domain %s serves, does not exist", dir.Tenant(), dir.Domain())
	}
	return org, err
}

// addedGroups returns the sids of the groups, among groupSIDs, added to
// the organization dir serves: a record of another one (the domain
// served it before) grants nothing.
func (s *Service) addedGroups(ctx context.Context, dir Directory, groupSIDs []string) ([]string, error) {
	if len(groupSIDs) == 0 {
		return nil, nil
	}
	groups, err := s.store.ListGroups(ctx, store.GroupFilter{SIDs: groupSIDs, TenantIDs: []string{dir.Tenant()}})
	if err != nil {
		return nil, fmt.Errorf("groups of a %s user: %w", dir.Domain(), err)
	}
	added := make([]string, 0, len(groups))
	for _, g := range groups {
		added = append(added, g.SID)
	}
	return added, nil
}

// addOnFirstLogin adds directory user p, let in through its groups, to
// org, the organization dir serves; the audit entry goes to its trail.
func (s *Service) addOnFirstLogin(ctx context.Context, dir Directory, p directory.Principal, org store.Tenant) (store.User, error) {
	now := s.nowMsecs()
	u := store.User{SID: p.SID, Domain: dir.Domain(), Username: p.Name, Email: p.Email, FullName: p.FullName, Roles: []string{},
		TenantID:    dir.Tenant(),
		Description: "Added at first log-in through its directory groups", CreatedMsecs: now, UpdatedMsecs: now}
	if err := s.finishUser(ctx, &u, ""); err != nil {
		return store.User{}, err
	}
	err := s.write(ctx, nil, "create_user", func(t *txn) error {
		e := s.event(ctx, nil, "create_user", u.SID, domainUser(u.Domain, u.Username), "first log-in through directory groups")
		e.TenantID, e.TenantName = u.TenantID, org.Name // no actor, but the organization's trail
		t.entries = append(t.entries, e)
		return t.CreateUsers(ctx, []store.User{u})
	})
	if err != nil && !errors.Is(err, store.ErrAlreadyExists) { // a concurrent first log-in made it
		return store.User{}, err
	}
	return s.store.GetUser(ctx, p.SID)
}

// directoryPrincipals resolves, through the directories p sees (those
// serving the organization p acts in or one below it), the sids the
// store does not hold.
func (s *Service) directoryPrincipals(ctx context.Context, p *Principal, sids []string) ([]SecurityPrincipal, error) {
	out := []SecurityPrincipal{}
	for _, sid := range sids {
		for _, dom := range s.domainList(ctx) {
			dir := dom.dir
			if dir == nil || !p.reaches(dir.Tenant()) || !dir.OwnsSID(ctx, sid) {
				continue
			}
			e, err := dir.BySID(ctx, sid)
			if errors.Is(err, directory.ErrNotFound) {
				break
			}
			if err != nil {
				return nil, dirErr(dir.Domain(), "principal", sid, err)
			}
			class := ObjectUser
			if e.IsGroup {
				class = ObjectGroup
			}
			out = append(out, SecurityPrincipal{SID: e.SID, Name: e.Name, FullName: e.FullName, ObjectClass: class, Domain: dir.Domain()})
			break
		}
	}
	return out, nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
