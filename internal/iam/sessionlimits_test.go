package iam

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// liveSessions counts the live sessions of the users given (all when
// none).
func liveSessions(t *testing.T, svc *Service, sids ...string) int64 {
	t.Helper()
	counts, err := svc.store.CountSessions(t.Context(), sids, svc.nowMsecs())
	if err != nil {
		t.Fatal(err)
	}
	return sessionTotal(counts)
}

// TestSessionLimitPerUser: at its limit, a user's log-in ends its oldest
// session (audited), sessions and access tokens alike, and goes on; the
// limits apply only while limitSessions is on.
func TestSessionLimitPerUser(t *testing.T) {
	ctx := t.Context()
	svc, clk, st, admin, sid := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"sessionConfiguration":{"limitSessions":false,"sessionLimitPerUser":2}}`)
	for range 3 {
		if _, err := login(t, svc, "ops", "ops-Password-1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := liveSessions(t, svc, sid); n != 3 {
		t.Fatalf("with limitSessions off: %d sessions, want 3", n)
	}
	setSecurity(t, svc, admin, `{"sessionConfiguration":{"limitSessions":true}}`)
	var secrets []string
	for i := range 3 {
		clk.add(time.Second) // creation orders them
		kind := store.SessionKindSession
		if i == 1 {
			kind = store.SessionKindToken
		}
		secret, _, err := svc.Login(ctx, LoginInput{Username: "ops", Password: "ops-Password-1"}, kind)
		if err != nil {
			t.Fatalf("log-in %d at the limit: %v", i, err)
		}
		secrets = append(secrets, secret)
	}
	if n := liveSessions(t, svc, sid); n != 2 {
		t.Errorf("%d sessions at a limit of 2", n)
	}
	if use(t, svc, secrets[0]) || !use(t, svc, secrets[1]) || !use(t, svc, secrets[2]) {
		t.Error("the log-in did not end the oldest session alone")
	}
	if got := auditWith(t, st, "sessionLimitPerUser is 2"); len(got) != 3 || !strings.HasPrefix(got[0], ActionLogout) {
		t.Errorf("audit entries of the sessions ended: %q, want 3 Logout entries", got)
	}
}

// TestSessionLimitSystemWide: at the cluster's limit a log-in is refused
// with 403 saying so, and nothing it would have written stays.
func TestSessionLimitSystemWide(t *testing.T) {
	ctx := t.Context()
	svc, _, st, admin, sid := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"sessionConfiguration":{"limitSessions":true,"sessionLimitSystemWide":2}}`)
	if _, err := login(t, svc, "ops", "ops-Password-1"); err != nil {
		t.Fatal(err)
	}
	before, _ := st.GetUser(ctx, sid)
	_, err := login(t, svc, "ops", "ops-Password-1")
	if KindOf(err) != KindForbidden || !strings.Contains(err.Error(), "the cluster's session limit is reached") ||
		!strings.Contains(err.Error(), "sessionLimitSystemWide is 2") {
		t.Fatalf("a log-in at the cluster's limit: %v, want 403 saying so", err)
	}
	if after, _ := st.GetUser(ctx, sid); after.LastLoginMsecs != before.LastLoginMsecs || liveSessions(t, svc) != 2 {
		t.Error("the refused log-in left its writes")
	}
	svc.Wait()
	if got := auditWith(t, st, "the cluster's session limit is reached"); len(got) != 1 || !strings.HasPrefix(got[0], ActionLoginFailed) {
		t.Errorf("the refusal in the trail: %q", got)
	}
}

// TestSessionLimitsConcurrent: log-ins at once never pass a limit: of 12
// users logging in together against a cluster limit of 5 (one session
// open), 4 get in; 8 log-ins of one user against its limit of 2 all get
// in and leave 2. Without the sessions lock, PostgreSQL lets more pass.
func TestSessionLimitsConcurrent(t *testing.T) {
	ctx := t.Context()
	svc, _, _, admin, sid := lockoutFixture(t, Config{})
	var users []NewUser
	for i := range 12 {
		users = append(users, NewUser{Username: fmt.Sprint("u", i), Domain: LocalDomain, Password: "u-Password-1", Roles: []string{RoleViewer}})
	}
	if _, err := svc.CreateUsers(ctx, admin, users); err != nil {
		t.Fatal(err)
	}
	setSecurity(t, svc, admin, `{"sessionConfiguration":{"limitSessions":true,"sessionLimitSystemWide":5}}`)
	ok, refused := together(t, len(users), func(i int) error {
		_, err := login(t, svc, users[i].Username, "u-Password-1")
		return err
	})
	if ok != 4 || refused != 8 || liveSessions(t, svc) != 5 {
		t.Errorf("12 log-ins at once against a limit of 5: %d in, %d refused, %d sessions", ok, refused, liveSessions(t, svc))
	}

	setSecurity(t, svc, admin, `{"sessionConfiguration":{"sessionLimitSystemWide":1000,"sessionLimitPerUser":2}}`)
	ok, refused = together(t, 8, func(int) error {
		_, err := login(t, svc, "ops", "ops-Password-1")
		return err
	})
	if ok != 8 || liveSessions(t, svc, sid) != 2 {
		t.Errorf("8 log-ins of one user at once against its limit of 2: %d in, %d refused, %d sessions left",
			ok, refused, liveSessions(t, svc, sid))
	}
}

// together runs fn(0..n-1) at once and counts the calls that succeeded
// and those refused with 403; any other error fails t.
func together(t *testing.T, n int, fn func(i int) error) (ok, refused int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := fn(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case KindOf(err) == KindForbidden:
				refused++
			default:
				t.Errorf("log-in %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, refused
}
