// Package loginlimit limits failed log-ins per client address and per
// (address, account), for every door a password comes in by.
package loginlimit

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Defaults of the failed-log-in limits, in failures a minute; each is also
// the burst allowed at once.
const (
	// DefaultFailedLoginsPerMinute is per client address. Behind a NAT (or
	// a load balancer without --trusted-proxies) many people share it, so
	// it is a few accounts' worth; it also bounds what one address can
	// spray over many accounts, and the password hashing it can cause.
	DefaultFailedLoginsPerMinute = 30
	// DefaultFailedLoginsPerAccountPerMinute is per (client address,
	// account): what one person mistyping at one machine ever needs, and
	// above the lock-out threshold, so that they meet the lock-out first.
	DefaultFailedLoginsPerAccountPerMinute = 10
)

// maxLimiterEntries caps the buckets the limiter keeps, per address and
// per (address, account) together. At 95 bytes each, as
// BenchmarkLimiterMemory measures, that is under 10 MB.
const maxLimiterEntries = 100_000

// Limiter limits password checks that fail, per client address and
// per (client address, account). Every attempt takes a token from both
// buckets before its password is checked, and gives them back only when
// the password proves right, so however many attempts arrive at once, no
// more of them reach the password check than the buckets hold.
//
// Buckets live in an LRU of fixed capacity, keyed by a seeded hash. A
// bucket refills within a minute of its last use, and a full bucket is the
// same as none, so evicting the least recently used one loses nothing
// unless more than maxLimiterEntries keys failed within the last minute.
// Whoever can make that happen controls that many addresses and escapes
// per-address limits anyway; the per-account lock-out (internal/iam) is
// what holds against them.
type Limiter struct {
	perAddr, perAccount limit // zero: no such limit
	seed                maphash.Seed
	now                 func() time.Time
	start               time.Time

	mu      sync.Mutex
	buckets *bucketLRU
}

// limit is a bucket's refill rate and size.
type limit struct{ perSec, burst float64 }

func perMinute(n int) limit {
	if n <= 0 {
		return limit{}
	}
	return limit{perSec: float64(n) / 60, burst: float64(n)}
}

// New makes a limiter of perAddr and perAccount failures a
// minute (negative: none); nil when there is neither. now is the clock
// (nil: time.Now).
func New(perAddr, perAccount int, now func() time.Time) *Limiter {
	if perAddr <= 0 && perAccount <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{
		perAddr: perMinute(perAddr), perAccount: perMinute(perAccount),
		seed: maphash.MakeSeed(), now: now, start: now(), buckets: newBucketLRU(maxLimiterEntries),
	}
}

// Reserve takes a token for one password check of account from addr. If
// either bucket is empty it takes nothing and reports how long until it
// would allow one. Otherwise the caller checks the password, then calls
// release once, with ok true when the password was right, which gives the
// tokens back. A nil limiter allows everything.
func (ll *Limiter) Reserve(addr, account string) (release func(ok bool), retryAfter time.Duration, allowed bool) {
	if ll == nil {
		return func(bool) {}, 0, true
	}
	keys := [2]uint64{ll.key('a', addr, ""), ll.key('u', addr, account)}
	limits := [2]limit{ll.perAddr, ll.perAccount}
	ll.mu.Lock()
	defer ll.mu.Unlock()
	now := ll.nanos()
	refused := false
	for i, k := range keys {
		if limits[i].burst == 0 {
			continue
		}
		if e := ll.buckets.get(k); e != nil {
			e.b.refill(limits[i], now)
			if e.b.tokens < 1 {
				refused = true
				retryAfter = max(retryAfter, time.Duration((1-e.b.tokens)/limits[i].perSec*float64(time.Second)))
			}
		}
	}
	if refused {
		return nil, retryAfter, false
	}
	for i, k := range keys {
		if limits[i].burst == 0 {
			continue
		}
		e := ll.buckets.get(k)
		if e == nil {
			e = ll.buckets.add(k, bucket{tokens: limits[i].burst, at: now})
		}
		e.b.tokens--
	}
	done := false
	return func(ok bool) {
		if done || !ok {
			return
		}
		done = true
		ll.refund(keys, limits)
	}, 0, true
}

// refund gives back the tokens of a check that found the password right.
// A bucket full again holds nothing worth keeping, and goes.
func (ll *Limiter) refund(keys [2]uint64, limits [2]limit) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	now := ll.nanos()
	for i, k := range keys {
		e := ll.buckets.peek(k)
		if e == nil {
			continue // no such limit, or evicted meanwhile: as good as full
		}
		e.b.refill(limits[i], now)
		if e.b.tokens++; e.b.tokens >= limits[i].burst {
			ll.buckets.remove(e)
		}
	}
}

// key is the bucket key of kind ('a': address, 'u': address and account).
// Keys are 64-bit hashes so that every entry has the same small size and
// no username is kept; with a secret seed, two keys share a bucket only by
// chance (about 3e-10 for a full table).
func (ll *Limiter) key(kind byte, addr, account string) uint64 {
	var h maphash.Hash
	h.SetSeed(ll.seed)
	_ = h.WriteByte(kind)
	_, _ = h.WriteString(addr)
	_ = h.WriteByte(0) // addresses hold no NUL
	_, _ = h.WriteString(account)
	return h.Sum64()
}

// nanos is the limiter's clock: nanoseconds since it started (monotonic
// with time.Now).
func (ll *Limiter) nanos() int64 { return int64(ll.now().Sub(ll.start)) }

// bucket is a token bucket: tokens as of at (limiter nanoseconds).
type bucket struct {
	tokens float64
	at     int64
}

func (b *bucket) refill(l limit, now int64) {
	if now > b.at {
		b.tokens = min(l.burst, b.tokens+float64(now-b.at)/float64(time.Second)*l.perSec)
		b.at = now
	}
}

// AccountKey names the account a password check is for, by the keys names
// compare by (store.Fold): domain\username, LOCAL when the domain is empty.
func AccountKey(domain, username string) string {
	if domain == "" {
		domain = iam.LocalDomain
	}
	return store.Fold(domain) + `\` + store.Fold(username)
}

// ipv6Site is the prefix length the limits take an IPv6 client by: a
// site commonly gets a /64 or more, and a single host can pick any of its
// 2^64 addresses, so limiting each address would limit nothing.
const ipv6Site = 64

// LimitedAddr is the client the limits count addr (from clientaddr.Of) as:
// an IPv4 address itself, an IPv6 address its /64.
func LimitedAddr(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Is4() {
		return addr
	}
	p, err := a.WithZone("").Prefix(ipv6Site)
	if err != nil {
		return addr
	}
	return p.String()
}
