package httpapi

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultFailedLoginsPerMinute is the failed log-ins one client address
// may make per minute (and at once) unless Options says otherwise.
const DefaultFailedLoginsPerMinute = 10

// maxLimitedClients bounds the addresses remembered; past it, those idle
// for limiterIdle are forgotten.
const (
	maxLimitedClients = 10_000
	limiterIdle       = 10 * time.Minute
)

// loginLimiter rate-limits failed log-ins per client address: each failure
// takes a token, and an address without one is answered 429 before its
// password is even checked. Successful log-ins take nothing.
type loginLimiter struct {
	mu      sync.Mutex
	perMin  int
	clients map[string]*limited
}

type limited struct {
	l    *rate.Limiter
	seen time.Time
}

func newLoginLimiter(perMin int) *loginLimiter {
	if perMin <= 0 {
		return nil
	}
	return &loginLimiter{perMin: perMin, clients: map[string]*limited{}}
}

func (ll *loginLimiter) get(addr string, now time.Time) *limited {
	c := ll.clients[addr]
	if c == nil {
		if len(ll.clients) >= maxLimitedClients {
			for a, x := range ll.clients {
				if now.Sub(x.seen) > limiterIdle {
					delete(ll.clients, a)
				}
			}
		}
		c = &limited{l: rate.NewLimiter(rate.Limit(float64(ll.perMin)/60), ll.perMin)}
		ll.clients[addr] = c
	}
	c.seen = now
	return c
}

// blocked reports how long addr must wait before its next attempt, if it
// has no failure left to spend.
func (ll *loginLimiter) blocked(addr string) (time.Duration, bool) {
	if ll == nil {
		return 0, false
	}
	ll.mu.Lock()
	defer ll.mu.Unlock()
	now := time.Now()
	c := ll.get(addr, now)
	tokens := c.l.TokensAt(now)
	if tokens >= 1 {
		return 0, false
	}
	return time.Duration((1 - tokens) / float64(c.l.Limit()) * float64(time.Second)), true
}

// failed spends one of addr's tokens.
func (ll *loginLimiter) failed(addr string) {
	if ll == nil {
		return
	}
	ll.mu.Lock()
	defer ll.mu.Unlock()
	now := time.Now()
	ll.get(addr, now).l.AllowN(now, 1)
}

// clientAddr is the address the request came from (the TCP peer: a proxy's
// forwarded headers are not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refuseIfLimited answers 429 with Retry-After when the client has used
// up its failed log-ins, and reports whether it did.
func refuseIfLimited(w http.ResponseWriter, r *http.Request, ll *loginLimiter) bool {
	wait, blocked := ll.blocked(clientAddr(r))
	if !blocked {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
	writeErrorStatus(w, http.StatusTooManyRequests, "too many failed log-ins from this address; retry in "+strconv.Itoa(max(1, secs))+" s")
	return true
}
