package iam

import (
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

// CreateUsers adds users, all or none.
func (s *Service) CreateUsers(ctx context.Context, p *Principal, in []NewUser) ([]store.User, error) {
	if err := s.require(p, PrivPrincipalModify); err != nil {
		return nil, err
	}
	var roles []string
	for _, nu := range in {
		roles = append(roles, nu.Roles...)
	}
	if err := s.checkGrant(ctx, p, roles); err != nil {
		return nil, err
	}
	users, err := s.buildUsers(ctx, in)
	events := make([]store.AuditEntry, len(users))
	for i, u := range users {
		events[i] = s.event(ctx, p, "create_user", u.SID, domainUser(u.Domain, u.Username), "roles "+strings.Join(u.Roles, ", "))
	}
	if err == nil {
		err = s.store.CreateUsers(store.WithAudit(ctx, events...), users)
	}
	s.logChange(ctx, err, events...)
	if err != nil {
		return nil, err
	}
	return s.store.ListUsers(ctx, store.UserFilter{SIDs: sidsOf(users)})
}

func sidsOf(users []store.User) []string {
	sids := make([]string, len(users))
	for i, u := range users {
		sids[i] = u.SID
	}
	return sids
}

// buildUsers validates every entry, then hashes passwords in parallel.
func (s *Service) buildUsers(ctx context.Context, in []NewUser) ([]store.User, error) {
	users, err := validateBatch("user", in, func(nu NewUser) string { return nu.Username },
		func(nu NewUser) (store.User, error) { return s.validateNewUser(ctx, nu) },
		func(u store.User) string { return u.Domain + "\\" + u.Username })
	if err != nil {
		return nil, err
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

func (s *Service) validateNewUser(ctx context.Context, nu NewUser) (store.User, error) {
	if err := s.checkPrincipalName(ctx, userName, nu.Domain, nu.Username); err != nil {
		return store.User{}, err
	}
	domain, dir, err := s.checkDomain(nu.Domain)
	if err != nil {
		return store.User{}, err
	}
	// A LOCAL user without a password is a service account: it cannot log
	// in with a password, only use the API keys made for it.
	if dir == nil && nu.Password != "" {
		if err := s.checkNewPassword(nu.Password); err != nil {
			return store.User{}, err
		}
	}
	if err := firstErr(checkDescription(nu.Description), checkEmail(nu.Email), checkWindow(nu.EffectiveTimeMsecs, nu.ExpiryTimeMsecs)); err != nil {
		return store.User{}, err
	}
	roles, err := s.checkRoles(ctx, nu.Roles)
	if err != nil {
		return store.User{}, err
	}
	now := s.nowMsecs()
	u := store.User{
		Domain: domain, Username: nu.Username, Description: nu.Description, Email: nu.Email,
		Roles: roles, EffectiveTimeMsecs: nu.EffectiveTimeMsecs, ExpiryTimeMsecs: nu.ExpiryTimeMsecs,
		Locked: nu.Locked, Restricted: nu.Restricted, AllowSMBAccessToken: nu.AllowSMBAccessToken,
		CreatedMsecs: now, UpdatedMsecs: now,
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
		u.PasswordHash = h
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
)

// GetUser returns one user. Anyone may read itself; others need a view
// privilege.
func (s *Service) GetUser(ctx context.Context, p *Principal, sid string) (store.User, error) {
	if p.isSelf(sid) {
		// Read (or found in the credential cache) for this very request.
		return s.present(p.User), nil
	}
	if err := s.require(p, PrivPrincipalView); err != nil {
		return store.User{}, err
	}
	u, err := s.store.GetUser(ctx, sid)
	return s.present(u), err
}

// present shows u as it stands now: a lock from failed log-ins that has
// run out is over, though the store keeps it until the next log-in.
func (s *Service) present(u store.User) store.User {
	if lockExpired(u, s.nowMsecs()) {
		u.Locked, u.LockedReason, u.LockedUntilMsecs = false, NotLocked, 0
	}
	return u
}

// ListUsers returns the users matching f.
func (s *Service) ListUsers(ctx context.Context, p *Principal, f store.UserFilter) ([]store.User, error) {
	if err := s.require(p, PrivPrincipalView); err != nil {
		return nil, err
	}
	users, err := s.store.ListUsers(ctx, f)
	for i := range users {
		users[i] = s.present(users[i])
	}
	return users, err
}

// DeleteUsers deletes users, all or none, with their keys, sessions and
// memberships.
func (s *Service) DeleteUsers(ctx context.Context, p *Principal, sids []string) error {
	if err := s.require(p, PrivPrincipalModify); err != nil {
		return err
	}
	if err := checkBulk("sid", len(sids)); err != nil {
		return err
	}
	sids = slices.Compact(slices.Sorted(slices.Values(sids)))
	if slices.Contains(sids, p.User.SID) {
		return invalid("you cannot delete yourself (%s)", p.User.SID)
	}
	return deleteAudited(ctx, s, p, "delete_user", sids,
		func(ctx context.Context, sids []string) ([]store.User, error) {
			return s.store.ListUsers(ctx, store.UserFilter{SIDs: sids})
		},
		func(u store.User) (string, string) { return u.SID, domainUser(u.Domain, u.Username) },
		s.store.DeleteUsers)
}
