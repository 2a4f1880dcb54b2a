package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
)

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
	nowT := s.now()
	now := nowT.UnixMilli()
	var chosen *Principal
	var misses []Credential
	for _, c := range creds {
		if !wellFormed(c) {
			continue
		}
		p := s.cache.get(credKey(c), nowT)
		switch {
		case p == nil || !s.mayUse(p.User, now):
			misses = append(misses, c)
		case chosen == nil:
			chosen = p
		case p.User.SID != chosen.User.SID:
			return nil, errAmbiguous
		}
	}
	if len(misses) == 0 {
		if chosen == nil {
			return nil, errUnauthenticated
		}
		return chosen, nil
	}
	return s.authenticateInStore(ctx, misses, chosen, nowT)
}

// authenticateInStore checks the credentials the cache did not have, in
// the store, and caches the principal for each valid one. chosen is the
// caller the cache found already, if any.
func (s *Service) authenticateInStore(ctx context.Context, misses []Credential, chosen *Principal, nowT time.Time) (*Principal, error) {
	now := nowT.UnixMilli()
	gen := s.cache.generation()
	type owned struct {
		c       Credential
		sh      []byte
		expires int64
	}
	var valid []owned
	userSID := ""
	if chosen != nil {
		userSID = chosen.User.SID
	}
	for _, c := range misses {
		sid, sh, expires, err := s.credentialOwner(ctx, c, now)
		switch {
		case KindOf(err) == KindUnauthenticated:
			continue
		case err != nil:
			return nil, err
		case userSID != "" && sid != userSID:
			return nil, errAmbiguous
		}
		userSID = sid
		valid = append(valid, owned{c, sh, expires})
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
	privs, err := s.privilegesOf(ctx, u)
	if err != nil {
		return nil, err
	}
	for _, v := range valid {
		s.cache.put(gen, credKey(v.c), &Principal{User: u, Privileges: privs, SessionHash: v.sh}, v.expires, nowT)
	}
	if chosen != nil {
		return chosen, nil
	}
	return &Principal{User: u, Privileges: privs, SessionHash: valid[0].sh}, nil
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

// credentialOwner checks one credential and returns the sid of its user,
// the session hash when it is a session or token, and when it expires
// (epoch ms; 0: never).
func (s *Service) credentialOwner(ctx context.Context, c Credential, now int64) (string, []byte, int64, error) {
	hash := auth.HashToken(c.Secret)
	switch c.Kind {
	case CredAPIKey:
		k, err := s.store.GetAPIKeyByHash(ctx, hash)
		if err != nil {
			return "", nil, 0, authErr(err)
		}
		if subtle.ConstantTimeCompare(k.Hash, hash) != 1 || !k.IsActive || expired(k.ExpiryTimeMsecs, now) {
			return "", nil, 0, errUnauthenticated
		}
		var exp int64
		if k.ExpiryTimeMsecs != nil {
			exp = *k.ExpiryTimeMsecs
		}
		return k.UserSID, nil, exp, nil
	case CredBearer, CredSession:
		sess, err := s.store.GetSessionByHash(ctx, hash)
		if err != nil {
			return "", nil, 0, authErr(err)
		}
		if subtle.ConstantTimeCompare(sess.Hash, hash) != 1 || sess.ExpiresMsecs <= now {
			return "", nil, 0, errUnauthenticated
		}
		return sess.UserSID, sess.Hash, sess.ExpiresMsecs, nil
	}
	return "", nil, 0, errUnauthenticated
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
// off by failing to log in as it.
func (s *Service) mayUse(u store.User, now int64) bool {
	if u.Locked && u.LockedReason != FailedLoginAttempts {
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

// LoginInput carries the credentials of a log-in.
type LoginInput struct {
	Username, Password, Domain string
}

// Login checks a username and password and opens a session of the given
// kind (store.SessionKindSession or store.SessionKindToken). It returns the
// session secret, shown once, and the caller.
func (s *Service) Login(ctx context.Context, in LoginInput, kind string) (string, *Principal, error) {
	u, err := s.checkPassword(ctx, in)
	if err != nil {
		s.loginFailed(ctx, in, "", err)
		if errors.Is(err, errBadLogin) {
			err = errBadLogin // one answer to every failure
		}
		return "", nil, err
	}
	privs, err := s.privilegesOf(ctx, u)
	if err != nil {
		return "", nil, err
	}
	if len(privs) == 0 {
		// A role-less account has no access; the wire format also has no
		// way to say "no privileges" (an empty list is rejected).
		err := forbidden("user %s has no role on this cluster; an administrator must assign one", domainUser(u.Domain, u.Username))
		s.loginFailed(ctx, in, u.SID, err)
		return "", nil, err
	}
	secret, hash, err := auth.NewToken()
	if err != nil {
		return "", nil, fmt.Errorf("new session: %w", err)
	}
	now := s.nowMsecs()
	sess := store.Session{Hash: hash, UserSID: u.SID, Kind: kind, CreatedMsecs: now, ExpiresMsecs: now + s.sessionTTL.Milliseconds()}
	ev := s.event(ctx, &Principal{User: u}, "login", u.SID, domainUser(u.Domain, u.Username), "new "+kind)
	if err := s.store.CreateSession(store.WithAudit(ctx, ev), sess); err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	dirGroups, oldHash := u.DirectoryGroups, u.PasswordHash
	newHash, err := s.rehash(ctx, u, in.Password)
	if err != nil {
		return "", nil, err
	}
	u, err = s.store.UpdateUser(ctx, u.SID, func(cur store.User) (store.User, error) {
		if newHash != "" && cur.PasswordHash == oldHash {
			cur.PasswordHash = newHash
		}
		cur.LastLoginMsecs = now
		clearFailures(&cur, now)
		if cur.Domain != LocalDomain {
			cur.DirectoryGroups = dirGroups
		}
		return cur, nil
	})
	if err != nil {
		return "", nil, fmt.Errorf("record log-in: %w", err)
	}
	s.logChange(ctx, nil, ev)
	return secret, &Principal{User: u, Privileges: privs, SessionHash: hash}, nil
}

// rehash returns a new hash of password, which just logged u in, when its
// stored hash has weaker parameters than the hasher's; "" otherwise.
func (s *Service) rehash(ctx context.Context, u store.User, password string) (string, error) {
	if u.Domain != LocalDomain || u.PasswordHash == "" || !s.hasher.NeedsRehash(u.PasswordHash) {
		return "", nil
	}
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return "", fmt.Errorf("rehash the password of %s: %w", u.SID, err)
	}
	return h, nil
}

// loginFailed logs a refused log-in as in, of user sid when known, and
// records it when the credentials or the account were at fault; not when
// the service was (a directory or the store unavailable, say).
func (s *Service) loginFailed(ctx context.Context, in LoginInput, sid string, err error) {
	var wp *wrongPassword
	if errors.As(err, &wp) {
		sid = wp.sid
	}
	ev := s.event(ctx, nil, "login_failed", sid, domainUser(in.Domain, in.Username), err.Error())
	ev.ActorSID, ev.ActorDomain, ev.ActorUsername = sid, domainOf(in.Domain), in.Username
	s.logChange(ctx, err, ev)
	switch k := KindOf(err); {
	case wp != nil:
		s.failedLogin(sid, ev) // counted and recorded together
	case k == KindUnauthenticated || k == KindForbidden || k == KindInvalid:
		s.record(ev)
	}
}

// wrongPassword is errBadLogin for a user the cluster knows, whose failed
// log-ins count towards locking it out.
type wrongPassword struct{ sid string }

func (w *wrongPassword) Error() string { return errBadLogin.Error() }
func (w *wrongPassword) Unwrap() error { return errBadLogin }

// checkPassword does the same hashing work whether or not the user exists,
// and answers every failure with the same error.
func (s *Service) checkPassword(ctx context.Context, in LoginInput) (store.User, error) {
	domain := in.Domain
	if domain == "" {
		domain = LocalDomain
	}
	if dir := s.dirs[strings.ToLower(domain)]; dir != nil {
		return s.directoryLogin(ctx, dir, in)
	}
	if in.Username == "" || in.Password == "" || len(in.Password) > maxLoginPasswordLen || !strings.EqualFold(domain, LocalDomain) {
		s.hasher.VerifyDummy(ctx, in.Password)
		return store.User{}, errBadLogin
	}
	u, err := s.store.GetUserByName(ctx, LocalDomain, in.Username)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.PasswordHash == "") {
		s.hasher.VerifyDummy(ctx, in.Password)
		return store.User{}, errBadLogin
	}
	if err != nil {
		return store.User{}, err
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, in.Password)
	if err != nil {
		if ctx.Err() != nil {
			return store.User{}, ctx.Err()
		}
		return store.User{}, fmt.Errorf("verify password of %s: %w", u.SID, err)
	}
	if !ok {
		return store.User{}, &wrongPassword{u.SID}
	}
	if !s.mayLogIn(u, s.nowMsecs()) {
		return store.User{}, errBadLogin
	}
	return u, nil
}

func domainUser(domain, user string) string { return domainOf(domain) + `\` + user }

// domainOf is domain, or LOCAL when it is empty.
func domainOf(domain string) string {
	if domain == "" {
		return LocalDomain
	}
	return domain
}

// DeleteSessions revokes the sessions of user sid, or of every user when
// sid is empty (except the caller's own session). A caller may always end
// its own sessions; others need Manage Users.
func (s *Service) DeleteSessions(ctx context.Context, p *Principal, sid string) error {
	if !(sid != "" && p.isSelf(sid)) {
		if err := s.require(p, PrivPrincipalModify); err != nil {
			return err
		}
	}
	if sid != "" {
		if _, err := s.store.GetUser(ctx, sid); err != nil {
			return err
		}
	}
	var keep []byte
	if sid == "" {
		// The caller ends everyone's sessions but keeps working.
		keep = p.SessionHash
	}
	what := "every session but the caller's"
	if sid != "" {
		what = "every session of the user"
	}
	ev := s.event(ctx, p, "delete_session", sid, "", what)
	_, err := s.store.DeleteSessions(store.WithAudit(ctx, ev), sid, keep)
	s.logChange(ctx, err, ev)
	return err
}

// SessionCounts returns the live sessions per user, for sids or for all.
func (s *Service) SessionCounts(ctx context.Context, p *Principal, sids []string) ([]store.SessionCount, error) {
	if !(len(sids) == 1 && p.isSelf(sids[0])) {
		if err := s.require(p, PrivPrincipalView); err != nil {
			return nil, err
		}
	}
	return s.store.CountSessions(ctx, sids, s.nowMsecs())
}

// Purge deletes the sessions past their lifetime and the audit entries
// past their retention.
func (s *Service) Purge(ctx context.Context) error {
	if _, err := s.store.DeleteExpiredSessions(ctx, s.nowMsecs()); err != nil {
		return fmt.Errorf("purge expired sessions: %w", err)
	}
	if s.auditRetention > 0 {
		if _, err := s.store.DeleteAuditBefore(ctx, s.now().Add(-s.auditRetention).UnixMicro()); err != nil {
			return fmt.Errorf("purge old audit entries: %w", err)
		}
	}
	return nil
}
