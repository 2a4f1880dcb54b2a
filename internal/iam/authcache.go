package iam

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// The credential cache spares the store a credential check on every
// request. It is revocation-aware:
//
//   - every write through the service's store invalidates what it may
//     change (see invalidatingStore): a user's entries when the user, its
//     sessions or its keys change, everything when groups or roles do;
//   - an entry read from the store while an invalidation ran is not kept
//     (generation check), so a revocation is never undone by a slow read;
//   - expiry of the session, the key and the account is checked at every
//     hit against the clock;
//   - entries live at most cacheTTL, which bounds what another process
//     sharing the store could leave stale; replicas on PostgreSQL also
//     tell each other at once (see Invalidations).

// cacheTTL bounds the life of a cache entry.
const cacheTTL = time.Second

// maxCacheEntries bounds the cache; when full it is emptied.
const maxCacheEntries = 100_000

type cacheKey struct {
	kind string
	hash [32]byte
}

type cacheEntry struct {
	p       *Principal
	expires int64 // the credential's own expiry, epoch ms; 0: none
	loaded  time.Time
}

type authCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[cacheKey]cacheEntry
	byUser  map[string]map[cacheKey]bool
	off     bool // no caching while cross-replica invalidation is down
}

func newAuthCache() *authCache {
	return &authCache{entries: map[cacheKey]cacheEntry{}, byUser: map[string]map[cacheKey]bool{}}
}

// get returns the cached principal of a credential, or nil.
func (c *authCache) get(k cacheKey, now time.Time) *Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil
	}
	if now.Sub(e.loaded) > cacheTTL || (e.expires != 0 && e.expires <= now.UnixMilli()) {
		c.dropLocked(k, e.p.User.SID)
		return nil
	}
	return e.p
}

// generation is read before loading from the store, and given back to put.
func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps p for k unless an invalidation ran since gen was read.
func (c *authCache) put(gen uint64, k cacheKey, p *Principal, expires int64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.off {
		return
	}
	if len(c.entries) >= maxCacheEntries {
		c.clearLocked()
	}
	c.entries[k] = cacheEntry{p: p, expires: expires, loaded: now}
	sid := p.User.SID
	if c.byUser[sid] == nil {
		c.byUser[sid] = map[cacheKey]bool{}
	}
	c.byUser[sid][k] = true
}

// invalidateUser drops every entry of user sid.
func (c *authCache) invalidateUser(sid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k := range c.byUser[sid] {
		delete(c.entries, k)
	}
	delete(c.byUser, sid)
}

// invalidateAll drops everything.
func (c *authCache) invalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.clearLocked()
}

// setOff turns caching off (emptying it) or back on.
func (c *authCache) setOff(off bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.off = off
	c.clearLocked()
}

func (c *authCache) dropLocked(k cacheKey, sid string) {
	delete(c.entries, k)
	if m := c.byUser[sid]; m != nil {
		delete(m, k)
		if len(m) == 0 {
			delete(c.byUser, sid)
		}
	}
}

func (c *authCache) clearLocked() {
	clear(c.entries)
	clear(c.byUser)
}

// Invalidation is a change another replica must hear of: the entries of
// one user, or (UserSID "") all of them.
type Invalidation struct {
	UserSID string
}

// invalidatingStore is the service's store: every write it passes on also
// invalidates the credential cache, here and, through publish, on the
// other replicas. A write that fails invalidates too, since it may have
// committed before failing.
type invalidatingStore struct {
	store.Store
	cache   *authCache
	publish func(Invalidation) // nil: a single process
}

func (s invalidatingStore) user(sid string) {
	s.cache.invalidateUser(sid)
	if s.publish != nil {
		s.publish(Invalidation{UserSID: sid})
	}
}

func (s invalidatingStore) all() {
	s.cache.invalidateAll()
	if s.publish != nil {
		s.publish(Invalidation{})
	}
}

func (s invalidatingStore) UpdateUser(ctx context.Context, sid string, fn func(store.User) (store.User, error)) (store.User, error) {
	defer s.user(sid)
	return s.Store.UpdateUser(ctx, sid, fn)
}

func (s invalidatingStore) DeleteUsers(ctx context.Context, sids []string) error {
	defer func() {
		for _, sid := range sids {
			s.user(sid)
		}
	}()
	return s.Store.DeleteUsers(ctx, sids)
}

func (s invalidatingStore) CreateGroups(ctx context.Context, groups []store.Group) error {
	defer s.all() // new members gain roles
	return s.Store.CreateGroups(ctx, groups)
}

func (s invalidatingStore) UpdateGroup(ctx context.Context, sid string, fn func(store.Group) (store.Group, error)) (store.Group, error) {
	defer s.all()
	return s.Store.UpdateGroup(ctx, sid, fn)
}

func (s invalidatingStore) DeleteGroups(ctx context.Context, sids []string) error {
	defer s.all()
	return s.Store.DeleteGroups(ctx, sids)
}

func (s invalidatingStore) UpsertBuiltinRole(ctx context.Context, r store.Role) error {
	defer s.all()
	return s.Store.UpsertBuiltinRole(ctx, r)
}

func (s invalidatingStore) UpdateRole(ctx context.Context, name string, fn func(store.Role) (store.Role, error)) (store.Role, error) {
	defer s.all()
	return s.Store.UpdateRole(ctx, name, fn)
}

func (s invalidatingStore) DeleteRole(ctx context.Context, name string) error {
	defer s.all()
	return s.Store.DeleteRole(ctx, name)
}

func (s invalidatingStore) UpdateAPIKey(ctx context.Context, id string, fn func(store.APIKey) (store.APIKey, error)) (store.APIKey, error) {
	k, err := s.Store.UpdateAPIKey(ctx, id, fn)
	if err == nil {
		s.user(k.UserSID)
	} else {
		s.all()
	}
	return k, err
}

func (s invalidatingStore) DeleteAPIKey(ctx context.Context, id string) error {
	defer s.all() // the owner is not known here; deletes are rare
	return s.Store.DeleteAPIKey(ctx, id)
}

func (s invalidatingStore) DeleteSessions(ctx context.Context, userSID string, keep []byte) (int64, error) {
	if userSID == "" {
		defer s.all()
	} else {
		defer s.user(userSID)
	}
	return s.Store.DeleteSessions(ctx, userSID, keep)
}

// listen connects the cache to the other replicas through bus: what this
// process invalidates is published, and what others publish is
// invalidated here. Until the bus listens, and whenever it stops, the
// cache is off. It returns the store to use.
func (s *Service) listen(ctx context.Context, bus InvalidationBus, is invalidatingStore) store.Store {
	s.cache.setOff(true)
	is.publish = func(inv Invalidation) {
		payload := "*"
		if inv.UserSID != "" {
			payload = "u:" + inv.UserSID
		}
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := bus.Publish(pctx, payload); err != nil {
			// The other replicas' entries then age out within cacheTTL.
			s.audit.WarnContext(ctx, "publish cache invalidation", "error", err)
		}
	}
	go bus.Listen(ctx, func(payload string) {
		if sid, ok := strings.CutPrefix(payload, "u:"); ok {
			s.cache.invalidateUser(sid)
		} else {
			s.cache.invalidateAll()
		}
	}, func(listening bool) { s.cache.setOff(!listening) })
	return is
}
