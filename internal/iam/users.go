package iam

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/clusteriam/clusteriam/internal/store"
)

// NewUser is one entry of create_users.
type NewUser struct {
	Username, Domain, Description, Email, Password string
	Roles                                          []string
	EffectiveTimeMsecs, ExpiryTimeMsecs            *int64
	Locked, Restricted, AllowSMBAccessToken        bool
}

// CreateUsers adds users, all or none. Everything that can refuse the
// request is checked before any password is hashed: a request that ends
// in 403 or 409 costs no hashing.
func (s *Service) CreateUsers(ctx context.Context, p *Principal, in []NewUser) ([]store.User, error) {
	users, err := s.prepareUsers(ctx, p, in)
	if err != nil {
		return nil, s.refused(ctx, p, "create_user", err, s.createUserEvents(ctx, p, users)...)
	}
	err = s.write(ctx, p, "create_user", func(t *txn) error {
		if err := s.mayCreateUsers(ctx, t, p, users); err != nil {
			return err
		}
		t.entries = append(t.entries, s.createUserEvents(ctx, p, users)...)
		return t.CreateUsers(ctx, users)
	})
	if err != nil {
		return nil, err
	}
	return created(users), nil
}

// created returns users as a read of them returns them once stored, in
// the order a list gives them (creation time, then sid), without reading
// them back: the store's contract (store.AsStored) makes the read
// redundant, and it was a fifth of a bulk create's time.
func created(users []store.User) []store.User {
	out := make([]store.User, len(users))
	for i, u := range users {
		out[i] = store.AsStored(u)
		out[i].Groups = []string{} // membership belongs to groups
	}
	slices.SortFunc(out, func(a, b store.User) int {
		return cmp.Or(cmp.Compare(a.CreatedMsecs, b.CreatedMsecs), strings.Compare(a.SID, b.SID))
	})
	return out
}

// prepareUsers validates the entries and, when there are passwords to
// hash, checks the caller's rights and every name's freedom on the store
// as it stands before hashing them. The transaction checks again; the
// early check only spares the hashing. When it refuses valid entries, it
// returns them with the error, for the record of the refusal.
func (s *Service) prepareUsers(ctx context.Context, p *Principal, in []NewUser) ([]store.User, error) {
	if err := s.decide(p, ActCreate, Target{Kind: KindUser}); err != nil {
		return nil, err // before the input is looked at
	}
	users, err := validateBatch("user", in, func(nu NewUser) string { return nu.Username },
		func(nu NewUser) (store.User, error) { return s.validateNewUser(ctx, p, nu) },
		func(u store.User) string { return u.Domain + "\\" + u.Username })
	if err != nil {
		return nil, err
	}
	for i := range users {
		if users[i].Roles, err = s.roleKeys(ctx, s.store, p.tenant(), users[i].Roles); err != nil {
			return nil, err
		}
	}
	if slices.ContainsFunc(in, func(nu NewUser) bool { return nu.Password != "" }) {
		if err := s.mayCreateUsers(ctx, s.store, p, users); err != nil {
			return users, err
		}
		if err := s.checkNamesFree(ctx, p, users); err != nil {
			return users, err
		}
	}
	if err := s.fillSIDs(ctx, len(users), func(i int) *string { return &users[i].SID }); err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	for i := range users {
		g.Go(func() error { return s.finishUser(gctx, &users[i], in[i].Password) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return users, nil
}

// mayCreateUsers decides whether p may create users, handing out their
// roles, on the records r reads.
func (s *Service) mayCreateUsers(ctx context.Context, r store.Reader, p *Principal, users []store.User) error {
	if err := s.decide(p, ActCreate, Target{Kind: KindUser}); err != nil {
		return err
	}
	if err := checkTenantLive(ctx, r, p.tenant()); err != nil {
		return err
	}
	var roles []string
	for _, u := range users {
		roles = append(roles, u.Roles...)
	}
	roles = store.Dedupe(roles)
	found, err := r.ListRoles(ctx, store.RoleFilter{Names: roles, TenantIDs: []string{p.tenant()}})
	if err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	known := make(map[string]bool, len(found))
	for _, ro := range found {
		known[ro.Name] = true
	}
	var local []string
	var localAt []int
	for i, u := range users {
		for _, name := range u.Roles {
			if !known[name] {
				return entryErr("users", i, u.Username, invalid("role %q does not exist", RoleName(name, u.TenantID)))
			}
		}
		if u.Domain == LocalDomain {
			local, localAt = append(local, u.Username), append(localAt, i)
		}
	}
	if err := checkBatchLookalikes(userName, local); err != nil {
		return err
	}
	err = checkLookalikes(ctx, r, userName, p.tenant(), LocalDomain, local, func(j int, err error) error {
		return entryErr("users", localAt[j], local[j], err)
	})
	if err != nil {
		return err
	}
	privs, err := s.privilegesOfRoles(ctx, r, roles)
	if err != nil {
		return err
	}
	return s.checkGrant(p, p.tenant(), privs)
}

// checkNamesFree refuses, naming it, the first user whose name is taken.
func (s *Service) checkNamesFree(ctx context.Context, p *Principal, users []store.User) error {
	byDomain := map[string][]string{}
	for _, u := range users {
		byDomain[u.Domain] = append(byDomain[u.Domain], u.Username)
	}
	for domain, names := range byDomain {
		for chunk := range slices.Chunk(names, MaxBulk) {
			taken, err := s.store.ListUsers(ctx, store.UserFilter{Domain: domain, Usernames: chunk,
				TenantIDs: []string{p.tenant()}, Limit: 1})
			if err != nil {
				return err
			}
			if len(taken) > 0 {
				return fmt.Errorf("user %q in domain %q: %w", taken[0].Username, domain, store.ErrAlreadyExists)
			}
		}
	}
	return nil
}

// createUserEvents are the audit entries of creating users.
func (s *Service) createUserEvents(ctx context.Context, p *Principal, users []store.User) []store.AuditEntry {
	events := make([]store.AuditEntry, len(users))
	for i, u := range users {
		events[i] = s.event(ctx, p, "create_user", u.SID, domainUser(u.Domain, u.Username), "roles "+strings.Join(RoleNames(u.Roles, u.TenantID), ", "))
	}
	return events
}

// refused records a change refused before its transaction, as write does
// one refused in it, and returns err. tried are the entries of what was
// refused, when the request got far enough to name it.
func (s *Service) refused(ctx context.Context, p *Principal, op string, err error, tried ...store.AuditEntry) error {
	if len(tried) == 0 {
		s.logChange(ctx, err, s.event(ctx, p, op, "", "", ""))
	} else {
		s.logChange(ctx, err, tried...)
	}
	if p != nil && refusal(err) {
		s.recordRefusal(ctx, p, op, tried, err)
	}
	return err
}

func sidsOf(users []store.User) []string {
	sids := make([]string, len(users))
	for i, u := range users {
		sids[i] = u.SID
	}
	return sids
}

// validateBatch checks the entries of a bulk create with check, naming the
// first bad one, and refuses two entries whose keys fold to the same value.
func validateBatch[In, Out any](what string, in []In, name func(In) string, check func(In) (Out, error), key func(Out) string) ([]Out, error) {
	if err := checkBulk(what, len(in)); err != nil {
		return nil, err
	}
	list := what + "s"
	seen := make(map[string]int, len(in))
	out := make([]Out, len(in))
	for i, entry := range in {
		v, err := check(entry)
		if err != nil {
			return nil, entryErr(list, i, name(entry), err)
		}
		k := store.Fold(key(v))
		if j, dup := seen[k]; dup {
			return nil, &Error{Kind: KindConflict, Msg: fmt.Sprintf("%s[%d] %q duplicates %s[%d] in the same request", list, i, name(entry), list, j)}
		}
		seen[k] = i
		out[i] = v
	}
	return out, nil
}

// entryErr names the offending entry of a bulk request.
func entryErr(list string, i int, name string, err error) error {
	if e, ok := err.(*Error); ok {
		return &Error{Kind: e.Kind, Msg: fmt.Sprintf("%s[%d] %q: %s", list, i, name, e.Msg), Err: e.Err}
	}
	return err
}

func (s *Service) validateNewUser(ctx context.Context, p *Principal, nu NewUser) (store.User, error) {
	if err := checkNameRule(userName, nu.Domain, nu.Username); err != nil {
		return store.User{}, err
	}
	domain, dir, err := s.checkDomain(ctx, p, nu.Domain)
	if err != nil {
		return store.User{}, err
	}
	// A LOCAL user without a password is a service account: it cannot log
	// in with a password, only use the API keys made for it.
	if domain != LocalDomain && dir == nil && nu.Password != "" {
		return store.User{}, invalid("a user of identity provider domain %s has no cluster password: it signs in through its provider", domain)
	}
	if dir == nil && nu.Password != "" {
		if err := s.checkNewPassword(ctx, nu.Password); err != nil {
			return store.User{}, err
		}
	}
	if err := firstErr(checkDescription(nu.Description), checkEmail(nu.Email), checkWindow(nu.EffectiveTimeMsecs, nu.ExpiryTimeMsecs)); err != nil {
		return store.User{}, err
	}
	now := s.nowMsecs()
	u := store.User{
		Domain: domain, Username: nu.Username, Description: nu.Description, Email: nu.Email,
		Roles: store.Dedupe(nu.Roles), EffectiveTimeMsecs: nu.EffectiveTimeMsecs, ExpiryTimeMsecs: nu.ExpiryTimeMsecs,
		Locked: nu.Locked, Restricted: nu.Restricted, AllowSMBAccessToken: nu.AllowSMBAccessToken,
		TenantID: p.tenant(), CreatedMsecs: now, UpdatedMsecs: now,
	}
	if u.Locked {
		u.LockedReason = LockedByAdmin
	}
	if dir != nil {
		if err := directoryUser(ctx, dir, &u, nu.Password); err != nil {
			return store.User{}, err
		}
	}
	return u, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// finishUser hashes the password and mints the S3 identity of a new user.
func (s *Service) finishUser(ctx context.Context, u *store.User, password string) error {
	if password != "" {
		h, err := s.hasher.Hash(ctx, password)
		if err != nil {
			return fmt.Errorf("hash password: %w", err)
		}
		u.PasswordHash, u.PasswordSetMsecs = h, u.CreatedMsecs
	}
	var b [36]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("s3 identity: %w", err)
	}
	u.S3AccessKeyID = base32.StdEncoding.EncodeToString(b[:20])[:20]
	u.S3AccountID = hex.EncodeToString(b[20:])
	secret, err := newS3Secret()
	if err != nil {
		return err
	}
	u.S3SecretEnc, err = s.box.Seal([]byte(secret), []byte(u.SID))
	return err
}

// Lock reasons of the wire enum.
const (
	NotLocked           = "NotLocked"
	LockedByAdmin       = "LockedByAdmin"
	FailedLoginAttempts = "FailedLoginAttempts"
	// Inactivity: unused for accountLockout.inactivityTimeDays
	// (inactivity.go).
	Inactivity = "Inactivity"
)

// GetUser returns one user. Anyone may read itself; others need a view
// privilege.
func (s *Service) GetUser(ctx context.Context, p *Principal, sid string) (store.User, error) {
	u, err := s.readUser(ctx, s.store, p, sid, ActRead)
	if err != nil {
		return store.User{}, err
	}
	return s.presentAll(ctx, []store.User{u})[0], nil
}

// selfTarget is p as the target of its own act.
func (p *Principal) selfTarget() Target {
	return Target{Kind: KindUser, ID: p.User.SID, Name: domainUser(p.User.Domain, p.User.Username), Tenant: p.User.TenantID}
}

// DeleteUsers deletes users, all or none, with their keys, sessions and
// memberships.
func (s *Service) DeleteUsers(ctx context.Context, p *Principal, sids []string) error {
	if err := checkBulk("sid", len(sids)); err != nil {
		return s.refused(ctx, p, "delete_user", err)
	}
	sids = slices.Compact(slices.Sorted(slices.Values(sids)))
	return s.write(ctx, p, "delete_user", func(t *txn) error {
		guard, err := s.guardAdmins(ctx, t, true)
		if err != nil {
			return err
		}
		users, targets, err := s.userTargets(ctx, t, sids)
		if err != nil {
			return err
		}
		for i, u := range users {
			if err := s.decide(p, ActDelete, targets[i]); err != nil {
				return err
			}
			t.audit(ctx, "delete_user", u.SID, domainUser(u.Domain, u.Username), "")
		}
		if err := t.DeleteUsers(ctx, sids); err != nil {
			return err
		}
		return guard.check(ctx, s, t)
	})
}
