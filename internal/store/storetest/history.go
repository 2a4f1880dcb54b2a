package storetest

import (
	"fmt"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var historyTests = []subTest{
	{"PasswordHistory", testPasswordHistory},
	{"PasswordHistoryTrim", testPasswordHistoryTrim},
}

// addHistory adds hash to user sid's former passwords, keeping keep.
func addHistory(t *testing.T, s Single, sid, hash string, keep int) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error { return tx.AddPasswordHistory(t.Context(), sid, hash, keep) })
}

// checkHistory fails t unless user sid's former passwords are want,
// newest first.
func checkHistory(t *testing.T, s Single, sid string, want ...string) {
	t.Helper()
	got, err := s.PasswordHistory(t.Context(), sid)
	must(t, err)
	checkList(t, "password history of "+sid, got, want)
}

// testPasswordHistory: former passwords are kept newest first, no more
// than asked, each user's apart; keep 0 clears them, an empty hash only
// prunes, an unknown user is refused.
func testPasswordHistory(t *testing.T, s Single) {
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"))
	checkHistory(t, s, sid(1))
	for i := range 5 {
		must(t, addHistory(t, s, sid(1), fmt.Sprint("h", i), 3))
	}
	must(t, addHistory(t, s, sid(2), "c0", 3))
	checkHistory(t, s, sid(1), "h4", "h3", "h2")
	checkHistory(t, s, sid(2), "c0")

	// Inside the transaction, the reads see its writes.
	must(t, s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.AddPasswordHistory(t.Context(), sid(1), "h5", 4); err != nil {
			return err
		}
		got, err := tx.PasswordHistory(t.Context(), sid(1))
		checkList(t, "history read in the transaction", got, []string{"h5", "h4", "h3", "h2"})
		return err
	}))
	must(t, addHistory(t, s, sid(1), "", 2)) // a user who had no password: prune only
	checkHistory(t, s, sid(1), "h5", "h4")
	must(t, addHistory(t, s, sid(1), "h6", 0))
	checkHistory(t, s, sid(1))
	checkHistory(t, s, sid(2), "c0")
	wantErr(t, addHistory(t, s, sid(9), "x", 3), store.ErrInvalidReference, sid(9))
}

// testPasswordHistoryTrim: trimming keeps the newest of every user's.
func testPasswordHistoryTrim(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"))
	for i := range 4 {
		must(t, addHistory(t, s, sid(1), fmt.Sprint("b", i), 10))
	}
	must(t, addHistory(t, s, sid(2), "c0", 10))
	trim := func(keep int) int64 {
		n, err := one(ctx, s, func(tx store.Tx) (int64, error) { return tx.TrimPasswordHistory(ctx, keep) })
		must(t, err)
		return n
	}
	if n := trim(2); n != 2 {
		t.Errorf("TrimPasswordHistory(2) deleted %d, want 2", n)
	}
	checkHistory(t, s, sid(1), "b3", "b2")
	checkHistory(t, s, sid(2), "c0")
	must(t, addHistory(t, s, sid(1), "b4", 10)) // numbering goes on after a trim
	checkHistory(t, s, sid(1), "b4", "b3", "b2")
	if n := trim(0); n != 4 {
		t.Errorf("TrimPasswordHistory(0) deleted %d, want 4", n)
	}
	checkHistory(t, s, sid(1))
	checkHistory(t, s, sid(2))
}
