package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

// seedListUsers stores n users straight in the store, several sharing
// each creation time, so that pages break between users of one time.
func seedListUsers(t *testing.T, st store.Store, n int, from int) {
	t.Helper()
	users := make([]store.User, n)
	for i := range users {
		k := from + i
		users[i] = store.User{SID: fmt.Sprintf("S-1-5-21-4-4-4-%d", 100000+k), Domain: LocalDomain,
			Username: fmt.Sprintf("each%06d", k), Roles: [][]string{{RoleViewer}, {}}[k%2],
			CreatedMsecs: 1_800_000_000_000 + int64(k/4), UpdatedMsecs: 1}
	}
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.CreateUsers(context.Background(), users) }); err != nil {
		t.Fatal(err)
	}
}

// TestEachUserAsListUsers checks that EachUser hands over what ListUsers
// returns, in its order, across several pages, under filters, after and
// limit; that a refusal comes before any user; and that an error of fn
// ends the list.
func TestEachUserAsListUsers(t *testing.T) {
	ctx := context.Background()
	svc, _, st := newTestService(t, Config{})
	admin := adminOf(t, svc)
	seedListUsers(t, st, 2*EachUserPage+77, 0)
	all, err := svc.ListUsers(ctx, admin, UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	mid := &store.UserCursor{CreatedMsecs: all[1500].CreatedMsecs, SID: all[1500].SID}
	for _, q := range []UserQuery{{}, {Roles: []string{RoleViewer}}, {Usernames: []string{"each0011"}, MatchPartialNames: true},
		{After: mid}, {Limit: EachUserPage + 3}, {After: mid, Limit: 10}, {Usernames: []string{"admin"}}, {Usernames: []string{"none"}}} {
		want, err := svc.ListUsers(ctx, admin, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []store.User
		if err := svc.EachUser(ctx, admin, q, func(u store.User) error { got = append(got, u); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, want, func(a, b store.User) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Errorf("EachUser(%+v): %d users, ListUsers %d, or not the same", q, len(got), len(want))
		}
	}
	stop := errors.New("stop")
	n := 0
	if err := svc.EachUser(ctx, admin, UserQuery{}, func(store.User) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn's error: %v after %d users, want stop after 1", err, n)
	}
	plain := userWithRole(t, svc, admin, "plain", RoleInput{Name: "Bare", Privileges: []string{PrivClusterView}})
	called := false
	err = svc.EachUser(ctx, plain, UserQuery{}, func(store.User) error { called = true; return nil })
	if KindOf(err) != KindForbidden || called {
		t.Errorf("EachUser by a user without privileges: %v (fn called: %v), want forbidden before any user", err, called)
	}
}

// TestEachUserWhileChanged changes the users between pages: each user
// that exists throughout comes exactly once, in order; none comes twice;
// a user deleted before its page is read does not come.
func TestEachUserWhileChanged(t *testing.T) {
	ctx := context.Background()
	svc, _, st := newTestService(t, Config{})
	admin := adminOf(t, svc)
	seedListUsers(t, st, 3*EachUserPage, 0)
	before, err := svc.ListUsers(ctx, admin, UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	late := before[len(before)-5].SID // in the second page
	seen := map[string]bool{}
	var prev *store.User
	i := 0
	err = svc.EachUser(ctx, admin, UserQuery{}, func(u store.User) error {
		if seen[u.SID] {
			t.Errorf("%s came twice", u.SID)
		}
		seen[u.SID] = true
		if prev != nil && (u.CreatedMsecs < prev.CreatedMsecs || u.CreatedMsecs == prev.CreatedMsecs && u.SID <= prev.SID) {
			t.Errorf("%s came after %s, out of order", u.SID, prev.SID)
		}
		prev = &u
		if i++; i == EachUserPage/2 { // mid-first-page: delete a later user, add some
			if err := st.Update(ctx, func(tx store.Tx) error { return tx.DeleteUsers(ctx, []string{late}) }); err != nil {
				return err
			}
			seedListUsers(t, st, 5, 10*EachUserPage)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range before {
		if !seen[u.SID] && u.SID != late {
			t.Errorf("%s, there throughout, did not come", u.SID)
		}
	}
	if seen[late] {
		t.Errorf("%s, deleted before its page was read, came", late)
	}
}

// adminOf logs the admin in and returns its principal.
func adminOf(t *testing.T, svc *Service) *Principal {
	t.Helper()
	admin, err := svc.Authenticate(context.Background(), Credential{CredSession, mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

// userWithRole has admin create role and a LOCAL user name holding it
// (password name-Password-1), logs it in and returns its principal.
func userWithRole(t *testing.T, svc *Service, admin *Principal, name string, role RoleInput) *Principal {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.CreateRole(ctx, admin, role); err != nil {
		t.Fatal(err)
	}
	pw := name + "-Password-1"
	if _, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: name, Domain: LocalDomain, Password: pw, Roles: []string{role.Name}}}); err != nil {
		t.Fatal(err)
	}
	secret, err := login(t, svc, name, pw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, Credential{CredSession, secret})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
