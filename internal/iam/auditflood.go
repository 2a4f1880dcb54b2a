package iam

import (
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Failed log-ins under a name the cluster has no account for are not
// recorded one by one, nor is the name: anyone may send them, as many and
// as long as they like, and the name may be a password typed in the wrong
// field. They are counted per client address and minute, and each
// address's minute is one entry, naming each name by a tag: its length
// and a keyed hash (SecretBox.AuditTag), so that repeated attempts on one
// name still correlate.
const (
	// floodMaxAddrs is how many client addresses a minute counts apart;
	// the failures of addresses past it share one entry.
	floodMaxAddrs = 1024
	// floodMaxNames is how many names one address's entry lists; the
	// failures under others are counted together.
	floodMaxNames = 8
)

// failedLogins counts the failed log-ins of unknown users of one minute
// at a time, per client address. Its memory is bounded by floodMaxAddrs
// and floodMaxNames. Its zero value is ready; it is safe for concurrent
// use.
type failedLogins struct {
	mu     sync.Mutex
	minute int64                 // the minute counted, in Unix minutes
	byAddr map[string]*failCount // by client address
	rest   *failCount            // addresses past floodMaxAddrs; nil: none
}

// failCount is the failures of one address in one minute.
type failCount struct {
	n         int64
	lastUsecs int64
	names     []nameCount // the first floodMaxNames names, as first seen
	others    int64       // failures under other names
}

// nameCount is one name's failures: its domain and username as the trail
// shows them (the username a tag).
type nameCount struct {
	domain, user string
	n            int64
}

const usecsPerMinute = int64(time.Minute / time.Microsecond)

// add counts one failure at usecs from address ip under the name
// domain\user. When usecs is in a later minute than the one counted, it
// returns that minute's entries, which the caller records. A failure
// dated before the minute counted (it waited for a lookup) counts in it.
func (f *failedLogins) add(usecs int64, ip, domain, user string) []store.AuditEntry {
	ip = ip[:min(len(ip), store.MaxAuditIPBytes)]
	f.mu.Lock()
	defer f.mu.Unlock()
	var done []store.AuditEntry
	if m := usecs / usecsPerMinute; m > f.minute {
		done = f.takeLocked()
		f.minute = m
	}
	if f.byAddr == nil {
		f.byAddr = map[string]*failCount{}
	}
	c := f.byAddr[ip]
	if c == nil {
		if len(f.byAddr) < floodMaxAddrs {
			c = &failCount{}
			f.byAddr[ip] = c
		} else {
			if f.rest == nil {
				f.rest = &failCount{}
			}
			c = f.rest
		}
	}
	c.count(usecs, domain, user)
	return done
}

func (c *failCount) count(usecs int64, domain, user string) {
	c.n++
	c.lastUsecs = max(c.lastUsecs, usecs)
	i := slices.IndexFunc(c.names, func(nc nameCount) bool { return nc.domain == domain && nc.user == user })
	switch {
	case i >= 0:
		c.names[i].n++
	case len(c.names) < floodMaxNames:
		c.names = append(c.names, nameCount{domain, user, 1})
	default:
		c.others++
	}
}

// take returns the entries of the failures counted, and forgets them:
// those of a minute that has ended at nowUsecs, or all when all is true.
func (f *failedLogins) take(nowUsecs int64, all bool) []store.AuditEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !all && nowUsecs/usecsPerMinute <= f.minute {
		return nil
	}
	return f.takeLocked()
}

// takeLocked returns the entries of the failures counted, by address,
// those past floodMaxAddrs last, and forgets them.
func (f *failedLogins) takeLocked() []store.AuditEntry {
	var out []store.AuditEntry
	for _, ip := range slices.Sorted(maps.Keys(f.byAddr)) {
		out = append(out, f.byAddr[ip].entry(ip, ""))
	}
	if f.rest != nil {
		out = append(out, f.rest.entry("", fmt.Sprintf(" from addresses past the first %d", floodMaxAddrs)))
	}
	clear(f.byAddr)
	f.rest = nil
	return out
}

// entry is the audit entry of c's failures from address ip; from says
// where they came from when ip cannot.
func (c *failCount) entry(ip, from string) store.AuditEntry {
	first := c.names[0]
	var b strings.Builder
	fmt.Fprintf(&b, "login_failed: %d failed log-ins of unknown users in this minute%s:", c.n, from)
	for i, nc := range c.names {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, ` %d as %s\%s`, nc.n, nc.domain, nc.user)
	}
	if c.others > 0 {
		fmt.Fprintf(&b, "; %d as other names", c.others)
	}
	return store.AuditEntry{TimeUsecs: c.lastUsecs, IP: ip, Action: ActionLoginFailed, EntityType: EntityUser,
		ActorDomain: first.domain, ActorUsername: first.user, EntityName: first.domain + `\` + first.user,
		Details: b.String()}
}

// recordFailedLogin records ev, a refused log-in charged to no account:
// as it is when its name turns out to be a user's of the cluster (one
// outside its validity window, say), else counted with the other failures
// of its client address and minute, under the name's tag. It runs after
// the answer, as recordLater does.
func (s *Service) recordFailedLogin(ev store.AuditEntry) {
	if ev.ActorSID != "" {
		s.recordLater(ev)
		return
	}
	s.later("count a failed log-in", func(ctx context.Context) error {
		if sid := s.userSID(ctx, ev.ActorDomain, ev.ActorUsername); sid != "" {
			ev.ActorSID, ev.EntityID = sid, sid
			s.recordLater(ev)
			return nil
		}
		domain, user := s.auditName(ctx, ev.ActorDomain, ev.ActorUsername)
		if done := s.floods.add(ev.TimeUsecs, ev.IP, domain, user); len(done) > 0 {
			s.recordLater(done...)
		}
		return nil
	})
}

// userSID returns the sid of the user a log-in names as domain\name, or
// "" when there is none (or the store cannot say).
func (s *Service) userSID(ctx context.Context, domain, name string) string {
	d, dir, err := s.lookupDomain(ctx, domain)
	if err != nil || name == "" || len(name) > maxNameLen {
		return ""
	}
	var u store.User
	if dir == nil {
		u, err = s.userByLoginName(ctx, name)
	} else {
		u, err = s.store.GetUserByName(ctx, dir.Tenant(), d, name)
	}
	if err != nil {
		return ""
	}
	return u.SID
}

// auditName returns how the trail names domain\user, a name the cluster
// has no account for: the domain's own spelling when it is the cluster's
// or a directory's, else a tag, and the user by a tag.
func (s *Service) auditName(ctx context.Context, domain, user string) (string, string) {
	d, _, err := s.lookupDomain(ctx, domain)
	if err != nil {
		d = s.nameTag("unknown domain", domain)
	}
	return d, s.nameTag("unknown user", user)
}

// nameTag names name by its length in characters and 32 bits of its
// keyed hash, without case: `unknown user (len 12, hmac 3f9a1c2b)`.
func (s *Service) nameTag(what, name string) string {
	mac := s.box.AuditTag(store.Fold(name))
	return fmt.Sprintf("%s (len %d, hmac %s)", what, utf8.RuneCountInString(name), hex.EncodeToString(mac[:4]))
}
