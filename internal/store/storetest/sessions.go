package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var sessionTests = []subTest{
	{"SessionCreateGet", testSessionCreateGet},
	{"SessionCount", testSessionCount},
	{"SessionDelete", testSessionDelete},
	{"SessionDeleteExpired", testSessionDeleteExpired},
	{"SessionTouch", testSessionTouch},
	{"SessionLiveCount", testSessionLiveCount},
	{"SessionEndOldest", testSessionEndOldest},
	{"SessionDeleteIdle", testSessionDeleteIdle},
	{"LockSessions", testLockSessions},
}

func testSessionCreateGet(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	sess := newSession("h1", sid(1), t2)
	tok := store.Session{Hash: []byte{0, 0xff, 1}, UserSID: sid(1), Kind: store.SessionKindToken,
		CreatedMsecs: t1, ExpiresMsecs: t0, LastUsedMsecs: t1 + 7} // already expired: still readable
	must(t, s.CreateSession(ctx, sess))
	must(t, s.CreateSession(ctx, tok))
	for _, want := range []store.Session{sess, tok} {
		got, err := s.GetSessionByHash(ctx, want.Hash)
		must(t, err)
		checkEqual(t, "GetSessionByHash", got, want)
	}
	_, err := s.GetSessionByHash(ctx, []byte("h2"))
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.CreateSession(ctx, newSession("h1", sid(1), t2)), store.ErrAlreadyExists)
	wantErr(t, s.CreateSession(ctx, newSession("h3", sid(5), t2)), store.ErrInvalidReference, sid(5))
	_, err = s.GetSessionByHash(ctx, []byte("h3"))
	wantErr(t, err, store.ErrNotFound)
}

// sessionFixture gives user 1 three sessions (one expired), user 2 one
// (expiring at t1) and user 3 none.
func sessionFixture(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"),
		newUser(sid(3), "LOCAL", "dave"))
	for _, sess := range []store.Session{
		newSession("b1", sid(1), t2), newSession("b2", sid(1), t2),
		newSession("b-old", sid(1), t0), newSession("c1", sid(2), t1),
	} {
		must(t, s.CreateSession(ctx, sess))
	}
}

func countsString(cs []store.SessionCount) string {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b store.SessionCount) int { return strings.Compare(a.UserSID, b.UserSID) })
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s=%d ", c.UserSID, c.Count)
	}
	return strings.TrimSpace(b.String())
}

func testSessionCount(t *testing.T, s Single) {
	sessionFixture(t, s)
	tests := []struct {
		name  string
		users []string
		now   int64
		want  string
	}{
		{"all users, before any expiry", nil, t0 - 1, sid(1) + "=3 " + sid(2) + "=1"},
		{"expiry at now is not alive", nil, t0, sid(1) + "=2 " + sid(2) + "=1"},
		{"user 2 expired", nil, t1, sid(1) + "=2"},
		{"all expired", nil, t2, ""},
		{"users given", []string{sid(2)}, t0, sid(2) + "=1"},
		{"user without sessions left out", []string{sid(3), sid(1)}, t0, sid(1) + "=2"},
		{"unknown user", []string{sid(9)}, t0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CountSessions(t.Context(), tc.users, tc.now)
			must(t, err)
			if g := countsString(got); g != tc.want {
				t.Errorf("CountSessions = %q, want %q", g, tc.want)
			}
		})
	}
}

func testSessionDelete(t *testing.T, s Single) {
	ctx := t.Context()
	sessionFixture(t, s)
	exists := func(h string) bool {
		_, err := s.GetSessionByHash(ctx, []byte(h))
		return err == nil
	}
	// One session, by its hash; never another user's.
	n, err := s.DeleteSession(ctx, sid(2), []byte("b-old"))
	must(t, err)
	if n != 0 || !exists("b-old") {
		t.Errorf("DeleteSession(user 2, user 1's b-old) = %d, exists %v; want 0, true", n, exists("b-old"))
	}
	must(t, s.CreateSession(ctx, newSession("b5", sid(1), t2)))
	n, err = s.DeleteSession(ctx, sid(1), []byte("b5"))
	must(t, err)
	if n != 1 || exists("b5") || !exists("b1") {
		t.Errorf("DeleteSession(user 1, b5) = %d; b5 %v b1 %v", n, exists("b5"), exists("b1"))
	}
	n, err = s.DeleteSessions(ctx, sid(1), []byte("b2"))
	must(t, err)
	if n != 2 || exists("b1") || exists("b-old") || !exists("b2") || !exists("c1") {
		t.Errorf("DeleteSessions(user 1, keep b2) = %d; b1 %v b-old %v b2 %v c1 %v",
			n, exists("b1"), exists("b-old"), exists("b2"), exists("c1"))
	}
	n, err = s.DeleteSessions(ctx, sid(3), nil)
	must(t, err)
	if n != 0 {
		t.Errorf("DeleteSessions(user without sessions) = %d, want 0", n)
	}
	must(t, s.CreateSession(ctx, newSession("b3", sid(1), t2)))
	n, err = s.DeleteSessions(ctx, sid(1), nil)
	must(t, err)
	if n != 2 || exists("b2") || exists("b3") || !exists("c1") {
		t.Errorf("DeleteSessions(user 1, keep none) = %d", n)
	}
	must(t, s.CreateSession(ctx, newSession("b4", sid(1), t2)))
	n, err = s.DeleteSessions(ctx, "", []byte("c1"))
	must(t, err)
	if n != 1 || exists("b4") || !exists("c1") {
		t.Errorf("DeleteSessions(all users, keep c1) = %d", n)
	}
	n, err = s.DeleteSessions(ctx, "", nil)
	must(t, err)
	if n != 1 || exists("c1") {
		t.Errorf("DeleteSessions(all users) = %d, want 1", n)
	}
}

func testSessionDeleteExpired(t *testing.T, s Single) {
	ctx := t.Context()
	sessionFixture(t, s)
	n, err := s.DeleteExpiredSessions(ctx, t0-1)
	must(t, err)
	if n != 0 {
		t.Errorf("DeleteExpiredSessions before any expiry = %d, want 0", n)
	}
	n, err = s.DeleteExpiredSessions(ctx, t1) // b-old (t0) and c1 (t1, expiry == now)
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteExpiredSessions(t1) = %d, want 2", n)
	}
	got, err := s.CountSessions(ctx, nil, t0-1)
	must(t, err)
	if g := countsString(got); g != sid(1)+"=2" {
		t.Errorf("sessions left: %q, want %q", g, sid(1)+"=2")
	}
}

// testSessionTouch: a use is recorded only over an older one, and never
// for a session that is not there.
func testSessionTouch(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	must(t, s.CreateSession(ctx, newSession("h1", sid(1), t2))) // last used t0
	lastUse := func() int64 {
		got, err := s.GetSessionByHash(ctx, []byte("h1"))
		must(t, err)
		return got.LastUsedMsecs
	}
	tests := []struct {
		name             string
		used, ifBefore   int64
		wantDone         bool
		wantLastUsedThen int64
	}{
		{"recorded use before the bound", t1, t0, true, t1},
		{"recorded use after the bound", t2, t0, false, t1},
		{"recorded use at the bound", t2, t1, true, t2},
	}
	for _, tc := range tests {
		done, err := s.TouchSession(ctx, []byte("h1"), tc.used, tc.ifBefore)
		must(t, err)
		if done != tc.wantDone || lastUse() != tc.wantLastUsedThen {
			t.Errorf("%s: TouchSession = %v, last use %d; want %v, %d", tc.name, done, lastUse(), tc.wantDone, tc.wantLastUsedThen)
		}
	}
	if done, err := s.TouchSession(ctx, []byte("nope"), t2, t2); err != nil || done {
		t.Errorf("TouchSession of no session = %v, %v; want false, nil", done, err)
	}
}

// liveFixture gives user 1 sessions created at t0, t0+1, t0+2 (used then)
// and one expired, and user 2 one used at t2.
func liveFixture(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"))
	for i, h := range []string{"b0", "b1", "b2"} {
		sess := newSession(h, sid(1), t2+10)
		sess.CreatedMsecs, sess.LastUsedMsecs = t0+int64(i), t0+int64(i)
		must(t, s.CreateSession(ctx, sess))
	}
	must(t, s.CreateSession(ctx, newSession("b-old", sid(1), t0)))
	c := newSession("c0", sid(2), t2+10)
	c.LastUsedMsecs = t2
	must(t, s.CreateSession(ctx, c))
}

func testSessionLiveCount(t *testing.T, s Single) {
	liveFixture(t, s)
	tests := []struct {
		name      string
		users     []string
		usedAfter int64
		want      string
	}{
		{"no bound on use", nil, 0, sid(1) + "=3 " + sid(2) + "=1"},
		{"used after t0", nil, t0, sid(1) + "=2 " + sid(2) + "=1"},
		{"used after t0+2", nil, t0 + 2, sid(2) + "=1"},
		{"one user", []string{sid(1)}, t0 + 1, sid(1) + "=1"},
	}
	for _, tc := range tests {
		got, err := s.CountLiveSessions(t.Context(), tc.users, t1, tc.usedAfter)
		must(t, err)
		if g := countsString(got); g != tc.want {
			t.Errorf("%s: CountLiveSessions = %q, want %q", tc.name, g, tc.want)
		}
	}
}

// testSessionEndOldest: the oldest live sessions go, the newest stay, and
// dead ones (expired, unused) neither count nor go.
func testSessionEndOldest(t *testing.T, s Single) {
	ctx := t.Context()
	liveFixture(t, s)
	exists := func(h string) bool {
		_, err := s.GetSessionByHash(ctx, []byte(h))
		return err == nil
	}
	end := func(keep int, usedAfter int64) int64 {
		n, err := one(ctx, s, func(tx store.Tx) (int64, error) {
			return tx.EndOldestSessions(ctx, sid(1), keep, t1, usedAfter)
		})
		must(t, err)
		return n
	}
	if n := end(5, 0); n != 0 {
		t.Errorf("EndOldestSessions under the count ended %d", n)
	}
	if n := end(2, 0); n != 1 || exists("b0") || !exists("b1") || !exists("b2") || !exists("b-old") {
		t.Errorf("EndOldestSessions(keep 2) ended %d; b0 %v b1 %v b2 %v b-old %v", n, exists("b0"), exists("b1"), exists("b2"), exists("b-old"))
	}
	// b1 is unused since t0+1: not live, so b2 alone is kept and counted.
	if n := end(0, t0+1); n != 1 || exists("b2") || !exists("b1") || !exists("c0") {
		t.Errorf("EndOldestSessions(keep 0, used after t0+1) ended %d; b1 %v b2 %v c0 %v", n, exists("b1"), exists("b2"), exists("c0"))
	}
}

func testSessionDeleteIdle(t *testing.T, s Single) {
	ctx := t.Context()
	liveFixture(t, s)
	n, err := s.DeleteIdleSessions(ctx, t0+1) // b0, b1 and b-old (used t0)
	must(t, err)
	if n != 3 {
		t.Errorf("DeleteIdleSessions(t0+1) = %d, want 3", n)
	}
	got, err := s.CountSessions(ctx, nil, t0-1)
	must(t, err)
	if g := countsString(got); g != sid(1)+"=1 "+sid(2)+"=1" {
		t.Errorf("sessions left: %q", g)
	}
}

// testLockSessions: log-ins that take the sessions lock, count the
// sessions and open one only under a limit never pass it together.
// Without the lock, PostgreSQL at READ COMMITTED lets several count the
// same number and all open one.
func testLockSessions(t *testing.T, s Single) {
	ctx := t.Context()
	const workers, limit = 12, 5
	var users []store.User
	for i := range workers {
		users = append(users, newUser(sid(i+1), "LOCAL", fmt.Sprint("u", i)))
	}
	createUsers(t, s, users...)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			err := s.Update(ctx, func(tx store.Tx) error {
				if err := tx.LockSessions(ctx); err != nil {
					return err
				}
				counts, err := tx.CountLiveSessions(ctx, nil, t0, 0)
				if err != nil {
					return err
				}
				var n int64
				for _, c := range counts {
					n += c.Count
				}
				if n >= limit {
					return nil
				}
				return tx.CreateSession(ctx, newSession(fmt.Sprint("s", i), sid(i+1), t2))
			})
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	got, err := s.CountSessions(ctx, nil, t0)
	must(t, err)
	var n int64
	for _, c := range got {
		n += c.Count
	}
	if n != limit {
		t.Errorf("%d sessions after %d log-ins against a limit of %d", n, workers, limit)
	}
}
