package iam

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/store"
)

// A directory user's groups are read at each log-in, and again, while
// its credentials are used, at most once a groupRecheck: a user taken out
// of a directory group loses that group's roles within groupRecheck (and
// the cache's lifetime) on the credentials it already holds. While the
// directory cannot answer, the groups last read stand for one more
// groupRecheck; then only the user's own roles do.

// groupCheck is when a user's groups were last read, or tried.
type groupCheck struct {
	tried, read int64 // epoch ms
}

// groupChecks holds, per directory user, its last group reading on this
// replica: one per directory user who used a credential since the start,
// up to max (Config.AuthCacheEntries). When full it is emptied, which
// costs at most one early reading of each user's groups.
type groupChecks struct {
	mu  sync.Mutex
	m   map[string]groupCheck
	max int
}

func (g *groupChecks) get(sid string) groupCheck {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.m[sid]
}

func (g *groupChecks) set(sid string, c groupCheck) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil || len(g.m) >= g.max {
		g.m = map[string]groupCheck{}
	}
	g.m[sid] = c
}

// directoryCaller checks p, a directory user's principal: its domain
// must still be there, and its groups are read again when due. It
// returns p, or the principal the store gives after its groups changed.
func (s *Service) directoryCaller(ctx context.Context, p *Principal, again func() (*Principal, error)) (*Principal, error) {
	u := p.User
	dom := s.domainByName(ctx, u.Domain)
	if dom == nil {
		return nil, errUnauthenticated // the domain was removed
	}
	now := s.nowMsecs()
	c := s.groups.get(u.SID)
	c.read = max(c.read, u.LastLoginMsecs)
	period := s.groupRecheck.Milliseconds()
	if now-max(c.tried, c.read) < period || dom.dir == nil {
		return p, nil
	}
	c.tried = now
	sids, err := dom.dir.GroupsOf(ctx, u.SID)
	var added []string
	switch {
	case errors.Is(err, directory.ErrNotFound):
		s.groups.set(u.SID, c)
		s.audit.InfoContext(ctx, "a directory user's credential refused: the directory no longer has the user", "sid", u.SID)
		return nil, errUnauthenticated
	case err != nil && now-c.read < 2*period:
		s.groups.set(u.SID, c)
		s.audit.WarnContext(ctx, "directory groups not read again; the last read stand a while", "sid", u.SID, "error", err)
		return p, nil
	case err != nil:
		s.audit.WarnContext(ctx, "directory groups unread too long; only the user's own roles stand", "sid", u.SID, "error", err)
	default:
		if added, err = s.addedGroups(ctx, dom.dir, sids); err != nil {
			return nil, err
		}
		c.read = now
	}
	s.groups.set(u.SID, c)
	if sameSet(added, u.DirectoryGroups) {
		return p, nil
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		_, err := tx.UpdateUser(ctx, u.SID, func(cur store.User) (store.User, error) {
			cur.DirectoryGroups = nonNil(added)
			return cur, nil
		})
		return err
	})
	if err != nil {
		return nil, authErr(err)
	}
	s.audit.InfoContext(ctx, "a directory user's groups changed", "sid", u.SID, "groups", len(added))
	return again()
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
