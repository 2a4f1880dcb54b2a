package iam

import (
	"context"

	"github.com/clusteriam/clusteriam/internal/store"
)

// EachUserPage is how many users EachUser reads from the store at a time:
// enough that a page costs far more than its query's round trip, few
// enough that a page of the largest users stays a few MB. A list by role
// or partial name reads EachUserMatchPage at a time: the store may read
// such a page from the filter's matches, at the cost of every match
// after the cursor whatever the page's length, so that the fewer pages,
// the less the list costs (a role 10,000 users hold: one page, not ten).
const (
	EachUserPage      = 1000
	EachUserMatchPage = 10_000
)

// ListUsers returns the users q selects.
func (s *Service) ListUsers(ctx context.Context, p *Principal, q UserQuery) ([]store.User, error) {
	if q.onlySelf(p) {
		// Reading oneself needs no privilege, even while one's password
		// must be changed: how a client learns its own sid.
		u, err := s.GetUser(ctx, p, p.User.SID)
		return []store.User{u}, err
	}
	f, none, err := s.userFilter(ctx, p, q)
	if err != nil || none {
		return []store.User{}, err
	}
	users, err := s.store.ListUsers(ctx, f)
	if err != nil {
		return nil, err
	}
	return s.presentAll(ctx, users), nil
}

// EachUser hands fn, one at a time, the users ListUsers would return for
// q, decided and shown exactly as ListUsers decides and shows them, and in
// the same order (creation time, then sid). It reads them from the store
// in pages (EachUserPage or EachUserMatchPage users), each page a
// read of its own, so that neither memory nor a database transaction or
// connection is held while fn waits (on a slow client, say): what it
// holds is one page, and a connection only while a page is read.
//
// The pages are not one snapshot. A user created or deleted while the
// list is read may or may not be handed over; one changed may be handed
// over as it was or as it is; none is handed over twice, and none that
// exists throughout and matches q throughout is left out. Every user is
// shown at the instant EachUser started (expiry, lock run-out,
// inactivity).
//
// An error of fn ends the list and is returned as is. q.After and
// q.Limit, when set, start and bound the list as they do ListUsers'.
func (s *Service) EachUser(ctx context.Context, p *Principal, q UserQuery, fn func(store.User) error) error {
	if q.onlySelf(p) {
		u, err := s.GetUser(ctx, p, p.User.SID)
		if err != nil {
			return err
		}
		return fn(u)
	}
	f, none, err := s.userFilter(ctx, p, q)
	if err != nil || none {
		return err
	}
	pr := s.presenter()
	left := q.Limit // 0: no bound
	page := EachUserPage
	if len(f.Roles) > 0 || f.MatchPartialNames {
		page = EachUserMatchPage
	}
	for {
		n := page
		if left > 0 {
			n = min(n, left)
		}
		f.Limit = n + 1 // one more tells whether another page follows
		users, err := s.store.ListUsers(ctx, f)
		if err != nil {
			return err
		}
		more := len(users) > n
		users = users[:min(len(users), n)]
		for i := range users {
			pr.present(ctx, &users[i])
			if err := fn(users[i]); err != nil {
				return err
			}
		}
		if left -= n; !more || left == 0 {
			return nil
		}
		last := users[n-1]
		f.After = &store.UserCursor{CreatedMsecs: last.CreatedMsecs, SID: last.SID}
	}
}

// userFilter is the store's filter for q as p may read it, once the
// authorization model has let p read users; none reports that q's scope
// reaches no organization, so that it selects nobody.
func (s *Service) userFilter(ctx context.Context, p *Principal, q UserQuery) (f store.UserFilter, none bool, err error) {
	if err := s.decide(p, ActRead, Target{Kind: KindUser}); err != nil {
		return f, false, err
	}
	if err := checkPartialNames(q.MatchPartialNames, q.Usernames); err != nil {
		return f, false, err
	}
	f = q.filter()
	ids, none, err := s.scope(ctx, p, q.Scope)
	if err != nil || none {
		return f, none, err
	}
	f.TenantIDs = ids
	if f.Roles, err = s.roleFilterKeys(ctx, ids, f.Roles); err != nil {
		return f, false, err
	}
	f.NowMsecs = s.nowMsecs()
	if f.Locked != nil {
		if f.Lock, err = s.lockTerms(ctx, f.NowMsecs); err != nil {
			return f, false, err
		}
	}
	return f, false, nil
}
