package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
)

// The credentials of requests: API keys, sessions and access tokens, and
// whose they are. Log-in with a password, which issues sessions and
// tokens, is login.go.

// Credential kinds a request may present.
const (
	CredAPIKey  = "apiKey"
	CredBearer  = "bearer"
	CredSession = "session"
)

// Credential is one credential presented with a request.
type Credential struct {
	Kind   string // CredAPIKey, CredBearer or CredSession
	Secret string
}

// Authenticate returns the caller of a request. Any one valid credential is
// enough, and the first valid one is used; clients such as the Python SDK
// send every credential they hold. Valid credentials of different users
// together are refused, since the caller would be ambiguous. Every failure
// is the same 401. Principals come from the credential cache when it has
// them (see authcache.go).
func (s *Service) Authenticate(ctx context.Context, creds ...Credential) (*Principal, error) {
	return s.authenticateAs(ctx, creds, false)
}

// Recheck is Authenticate for a caller that is not its user acting: a
// stream checking, as it goes on, that its session still stands and
// what it may still read. It records no use, so that an open stream
// does not keep an unattended session alive past its idle timeout.
func (s *Service) Recheck(ctx context.Context, creds ...Credential) (*Principal, error) {
	return s.authenticateAs(ctx, creds, true)
}

// authenticateAs is Authenticate, or Recheck when passive.
func (s *Service) authenticateAs(ctx context.Context, creds []Credential, passive bool) (*Principal, error) {
	if rest, tok := splitJWT(creds); tok != "" {
		return s.authenticateWithJWT(ctx, tok, rest, passive)
	}
	p, err := s.authenticate(ctx, creds, passive)
	if err != nil || p.User.Domain == LocalDomain {
		return p, err
	}
	return s.directoryCaller(ctx, p, func() (*Principal, error) { return s.authenticate(ctx, creds, passive) })
}

// authenticateWithJWT authenticates a request bearing a JWT: the token's
// user, which any other credential presented must be the credential of.
func (s *Service) authenticateWithJWT(ctx context.Context, tok string, rest []Credential, passive bool) (*Principal, error) {
	p, err := s.authenticateJWT(ctx, tok)
	if err != nil || len(rest) == 0 {
		return p, err
	}
	if q, err := s.authenticate(ctx, rest, passive); err == nil && q.User.SID != p.User.SID {
		return nil, errAmbiguous
	}
	return p, nil
}

// authenticate is Authenticate but for what directory users need more;
// passive, it records no use of a session.
func (s *Service) authenticate(ctx context.Context, creds []Credential, passive bool) (*Principal, error) {
	nowT := s.now()
	now := nowT.UnixMilli()
	idle := idleOf(s.policyNow())
	var chosen *Principal
	var misses []Credential
	var used []cacheKey // sessions found in the cache
	for _, c := range creds {
		if !wellFormed(c) {
			continue
		}
		k := credKey(c)
		p, lastUsed := s.cache.get(k, nowT)
		switch {
		case p == nil || !s.mayUse(p.User, now) || p.SessionHash != nil && idle.expired(lastUsed, now):
			// An idle session's entry may be stale: the store decides.
			misses = append(misses, c)
		case chosen != nil && p.User.SID != chosen.User.SID:
			return nil, errAmbiguous
		default:
			if chosen == nil {
				chosen = p
			}
			if p.SessionHash != nil {
				used = append(used, k)
			}
		}
	}
	if len(misses) > 0 {
		p, err := s.authenticateInStore(ctx, misses, chosen, nowT, idle, passive)
		if err != nil {
			return nil, err
		}
		chosen = p
	}
	if chosen == nil {
		return nil, errUnauthenticated
	}
	if !passive {
		for _, k := range used {
			s.recordCachedUse(ctx, k, k.hash[:], now, idle)
		}
	}
	return chosen, nil
}

// credential is a credential found valid in the store.
type credential struct {
	c       Credential
	userSID string
	hash    []byte   // of a session or token; nil for an API key
	expires int64    // epoch ms; 0: never
	cap     []string // nil: none
	// lastUsed is a session's last use recorded, epoch ms.
	lastUsed int64
	// enrolOnly marks an enrolment session (Principal.MFAEnrolOnly).
	enrolOnly bool
}

// authenticateInStore checks the credentials the cache did not have, in
// the store, and caches the principal for each valid one. chosen is the
// caller the cache found already, if any.
func (s *Service) authenticateInStore(ctx context.Context, misses []Credential, chosen *Principal, nowT time.Time, idle idleRule, passive bool) (*Principal, error) {
	now := nowT.UnixMilli()
	gen := s.cache.generation()
	userSID := ""
	if chosen != nil {
		userSID = chosen.User.SID
	}
	valid, userSID, err := s.validInStore(ctx, misses, userSID, now, idle)
	if err != nil {
		return nil, err
	}
	if len(valid) == 0 {
		if chosen == nil {
			return nil, errUnauthenticated
		}
		return chosen, nil
	}
	u, err := s.store.GetUser(ctx, userSID)
	if err != nil {
		return nil, authErr(err)
	}
	if !s.mayUse(u, now) {
		return nil, errUnauthenticated
	}
	var org store.Tenant
	if u.TenantID != "" {
		// An inactive organization's credentials are refused; a change
		// of its status empties every replica's cache (store.Change).
		if org, err = s.usableTenant(ctx, s.store, u.TenantID); err != nil {
			if KindOf(err) == KindForbidden {
				return nil, errUnauthenticated
			}
			return nil, authErr(err)
		}
	}
	privs, err := s.privilegesOf(ctx, s.store, u)
	if err != nil {
		return nil, err
	}
	var first *Principal
	for _, v := range valid {
		p := &Principal{User: u, Privileges: capped(privs, v.cap), SessionHash: v.hash, Capped: v.cap != nil,
			TenantName: org.Name, MFAEnrolOnly: v.enrolOnly}
		lastUsed, ok := v.lastUsed, true
		if !passive {
			lastUsed, ok = s.useOf(ctx, v, now, idle)
		}
		if ok {
			s.cache.put(gen, credKey(v.c), p, v.expires, lastUsed, nowT)
		}
		if first == nil {
			first = p
		}
	}
	if chosen != nil {
		return chosen, nil
	}
	return first, nil
}

// validInStore returns the credentials of misses the store finds valid at
// now, and their user's sid; userSID, when not "", is the caller's
// already, and a valid credential of another user is refused.
func (s *Service) validInStore(ctx context.Context, misses []Credential, userSID string, now int64, idle idleRule) ([]credential, string, error) {
	var valid []credential
	for _, c := range misses {
		v, err := s.credentialOwner(ctx, c, now, idle)
		switch {
		case KindOf(err) == KindUnauthenticated:
			continue
		case err != nil:
			return nil, "", err
		case userSID != "" && v.userSID != userSID:
			return nil, "", errAmbiguous
		}
		userSID = v.userSID
		valid = append(valid, v)
	}
	return valid, userSID, nil
}

// useOf records, when due, the use at now of v, a session or key found
// valid in the store, and returns its last use then. It reports false
// when another request recorded a use since v was read: the one read is
// stale, and the next request is to read it again.
func (s *Service) useOf(ctx context.Context, v credential, now int64, idle idleRule) (int64, bool) {
	if v.hash == nil || !idle.due(v.lastUsed, now) {
		return v.lastUsed, true
	}
	return now, s.recordUse(ctx, v.hash, v.lastUsed, now, idle)
}

// capped returns the privileges of privs that the cap allows (all of them
// when the cap is nil).
func capped(privs, cap []string) []string {
	if cap == nil {
		return privs
	}
	return slices.DeleteFunc(slices.Clone(privs), func(p string) bool { return !slices.Contains(cap, p) })
}

var errAmbiguous = &Error{Kind: KindUnauthenticated, Msg: "credentials of different users were presented together; send one"}

// wellFormed rejects, before any lookup, secrets no credential can have.
func wellFormed(c Credential) bool {
	return c.Secret != "" && len(c.Secret) <= 512 && (c.Kind == CredAPIKey || c.Kind == CredBearer || c.Kind == CredSession)
}

// credKey is a credential's cache key: its kind of record and its hash.
func credKey(c Credential) cacheKey {
	kind := "session" // Bearer tokens and session ids are both sessions
	if c.Kind == CredAPIKey {
		kind = "apiKey"
	}
	return cacheKey{kind: kind, hash: [32]byte(auth.HashToken(c.Secret))}
}

// credentialOwner checks one credential in the store.
func (s *Service) credentialOwner(ctx context.Context, c Credential, now int64, idle idleRule) (credential, error) {
	hash := auth.HashToken(c.Secret)
	switch c.Kind {
	case CredAPIKey:
		k, err := s.store.GetAPIKeyByHash(ctx, hash)
		if err != nil {
			return credential{}, authErr(err)
		}
		if subtle.ConstantTimeCompare(k.Hash, hash) != 1 || !k.IsActive || expired(k.ExpiryTimeMsecs, now) {
			return credential{}, errUnauthenticated
		}
		var exp int64
		if k.ExpiryTimeMsecs != nil {
			exp = *k.ExpiryTimeMsecs
		}
		return credential{c: c, userSID: k.UserSID, expires: exp, cap: k.Cap}, nil
	case CredBearer, CredSession:
		sess, err := s.store.GetSessionByHash(ctx, hash)
		if err != nil {
			return credential{}, authErr(err)
		}
		if subtle.ConstantTimeCompare(sess.Hash, hash) != 1 || sess.ExpiresMsecs <= now || idle.expired(sess.LastUsedMsecs, now) {
			return credential{}, errUnauthenticated
		}
		return credential{c: c, userSID: sess.UserSID, hash: sess.Hash, expires: sess.ExpiresMsecs, cap: sess.Cap,
			enrolOnly: sess.Kind == store.SessionKindEnrol, lastUsed: sess.LastUsedMsecs}, nil
	}
	return credential{}, errUnauthenticated
}

// authErr turns a lookup failure into the uniform 401, keeping real faults.
func authErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errUnauthenticated
	}
	return err
}

func expired(expiry *int64, now int64) bool { return expiry != nil && *expiry <= now }

// mayLogIn applies the account state to a log-in with a password: not
// locked, inside its window.
func (s *Service) mayLogIn(u store.User, now int64) bool {
	if u.Locked && !lockExpired(u, now) {
		return false
	}
	return inWindow(u, now)
}

// mayUse applies the account state to a credential already issued. A lock
// from failed log-ins guards the password, not the sessions and keys the
// owner holds: otherwise anyone who knows a username could cut its owner
// off by failing to log in as it. So does a lock for inactivity: keys in
// use are no sign of an abandoned account (inactivity.go).
func (s *Service) mayUse(u store.User, now int64) bool {
	if u.Locked && u.LockedReason != FailedLoginAttempts && u.LockedReason != Inactivity {
		return false
	}
	return inWindow(u, now)
}

// inWindow reports whether now lies in u's effective/expiry window.
func inWindow(u store.User, now int64) bool {
	if u.EffectiveTimeMsecs != nil && now < *u.EffectiveTimeMsecs {
		return false
	}
	return !expired(u.ExpiryTimeMsecs, now)
}
