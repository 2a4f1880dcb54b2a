package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var sessionTests = []subTest{
	{"SessionCreateGet", testSessionCreateGet},
	{"SessionCount", testSessionCount},
	{"SessionDelete", testSessionDelete},
	{"SessionDeleteExpired", testSessionDeleteExpired},
}

func testSessionCreateGet(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	sess := newSession("h1", sid(1), t2)
	tok := store.Session{Hash: []byte{0, 0xff, 1}, UserSID: sid(1), Kind: store.SessionKindToken,
		CreatedMsecs: t1, ExpiresMsecs: t0} // already expired: still readable
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
	n, err := s.DeleteSessions(ctx, sid(1), []byte("b2"))
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
