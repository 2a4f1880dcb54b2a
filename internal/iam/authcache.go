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
//   - every write the store commits invalidates what it changed (the
//     store announces it: store.Change): a user's entries when the user,
//     its sessions or its keys change, everything when groups or roles do;
//   - an entry read from the store while an invalidation ran is not kept
//     (generation check), so a revocation is never undone by a slow read;
//   - expiry of the session, the key and the account is checked at every
//     hit against the clock;
//   - entries live at most cacheTTL, which bounds what another process
//     sharing the store could leave stale; replicas on PostgreSQL also
//     tell each other at once (see Invalidations);
//   - a session's entry keeps the last use the store recorded (or that
//     this process recorded there), never a later one, so that it never
//     keeps alive a session the idle timeout ended (idle.go).

// cacheTTL bounds the life of a cache entry.
const cacheTTL = time.Second

// DefaultAuthCacheEntries is Config.AuthCacheEntries' default: a cached
// credential holds its user's record and privileges, some 2 KB, so that
// a full cache is some 20 MB.
const DefaultAuthCacheEntries = 10_000

type cacheKey struct {
	kind string
	hash [32]byte
}

type cacheEntry struct {
	p       *Principal
	expires int64 // the credential's own expiry, epoch ms; 0: none
	// lastUsed is a session's last use recorded in the store, epoch ms.
	lastUsed int64
	loaded   time.Time
}

type authCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[cacheKey]cacheEntry
	byUser  map[string]map[cacheKey]bool
	off     bool // no caching while cross-replica invalidation is down
	max     int  // entries at most
}

func newAuthCache(maxEntries int) *authCache {
	return &authCache{entries: map[cacheKey]cacheEntry{}, byUser: map[string]map[cacheKey]bool{}, max: maxEntries}
}

// get returns the cached principal of a credential, or nil, and, for a
// session, its last use recorded.
func (c *authCache) get(k cacheKey, now time.Time) (*Principal, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil, 0
	}
	if now.Sub(e.loaded) > cacheTTL || (e.expires != 0 && e.expires <= now.UnixMilli()) {
		c.dropLocked(k, e.p.User.SID)
		return nil, 0
	}
	return e.p, e.lastUsed
}

// claimUse reports whether the caller is to record a use of k's session
// at now, its entry's last use being step or more before; it then
// counts the use as recorded, lest concurrent requests record it too.
// The caller drops the entry should the store not record it.
func (c *authCache) claimUse(k cacheKey, now, step int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || now-e.lastUsed < step {
		return false
	}
	e.lastUsed = now
	c.entries[k] = e
	return true
}

// drop drops k's entry, if any.
func (c *authCache) drop(k cacheKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.gen++ // a load under way must not put back what it read before
		c.dropLocked(k, e.p.User.SID)
	}
}

// generation is read before loading from the store, and given back to put.
func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps p for k, with its session's last use recorded, unless an
// invalidation ran since gen was read.
func (c *authCache) put(gen uint64, k cacheKey, p *Principal, expires, lastUsed int64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.off {
		return
	}
	if len(c.entries) >= c.max {
		c.makeRoomLocked(now)
	}
	c.entries[k] = cacheEntry{p: p, expires: expires, lastUsed: lastUsed, loaded: now}
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

// makeRoomLocked drops the entries older than cacheTTL, which no get
// would return; when none is, it empties the cache. Entries past their
// TTL stay until read or swept here, so that a full cache is mostly
// stale ones: a sweep a fill, not one a put.
func (c *authCache) makeRoomLocked(now time.Time) {
	for k, e := range c.entries {
		if now.Sub(e.loaded) > cacheTTL {
			c.dropLocked(k, e.p.User.SID)
		}
	}
	if len(c.entries) >= c.max {
		c.clearLocked()
	}
}

func (c *authCache) clearLocked() {
	clear(c.entries)
	clear(c.byUser)
}

// invalidate drops what change c made stale, here, and tells the other
// replicas.
func (s *Service) invalidate(c store.Change) {
	if c.All {
		s.cache.invalidateAll()
		s.staleDomains()
	} else {
		for _, sid := range c.Users {
			s.cache.invalidateUser(sid)
		}
	}
	if s.bus == nil {
		return
	}
	payloads := []string{"*"}
	if !c.All {
		payloads = payloads[:0]
		for _, sid := range c.Users {
			payloads = append(payloads, "u:"+sid)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, payload := range payloads {
		if err := s.bus.Publish(ctx, payload); err != nil {
			// The other replicas' entries then age out within cacheTTL.
			s.audit.WarnContext(ctx, "publish cache invalidation", "error", err)
			return
		}
	}
}

// listen connects the cache to the other replicas through the bus: what
// others publish is invalidated here. Until the bus listens, and whenever
// it stops, the cache is off.
func (s *Service) listen(ctx context.Context) {
	s.cache.setOff(true)
	go s.bus.Listen(ctx, func(payload string) {
		if sid, ok := strings.CutPrefix(payload, "u:"); ok {
			s.cache.invalidateUser(sid)
		} else {
			s.cache.invalidateAll()
			s.staleDomains()
		}
	}, func(listening bool) { s.cache.setOff(!listening) })
}
