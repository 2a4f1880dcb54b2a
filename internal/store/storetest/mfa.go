package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var mfaTests = []subTest{
	{"MFANone", testMFANone},
	{"MFAUpdate", testMFAUpdate},
	{"MFADelete", testMFADelete},
}

func (s Single) UpdateUserMFA(ctx context.Context, sid string, fn func(store.UserMFA) (store.UserMFA, error)) (store.UserMFA, error) {
	return one(ctx, s, func(tx store.Tx) (store.UserMFA, error) { return tx.UpdateUserMFA(ctx, sid, fn) })
}

func (s Single) DeleteUserMFA(ctx context.Context, sid string) (int64, error) {
	return one(ctx, s, func(tx store.Tx) (int64, error) { return tx.DeleteUserMFA(ctx, sid) })
}

func testMFANone(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	for _, who := range []string{sid(1), sid(9)} {
		_, err := s.GetUserMFA(ctx, who)
		wantErr(t, err, store.ErrNotFound, who)
	}
	_, err := s.UpdateUserMFA(ctx, sid(9), func(m store.UserMFA) (store.UserMFA, error) { return m, nil })
	wantErr(t, err, store.ErrNotFound, sid(9))
}

// fullMFA has every field of a UserMFA set.
func fullMFA(user string) store.UserMFA {
	return store.UserMFA{UserSID: user, TOTPKeyID: "k1", TOTPKeyName: "phone", TOTPSecretEnc: []byte{1, 0, 2},
		PendingKeyID: "k2", PendingKeyName: "tablet", PendingSecretEnc: []byte{3}, PendingCreatedMsecs: t1,
		TOTPLastStep: 56_666_666, EmailCodeHash: []byte{0xff, 0}, EmailCodeExpiresMsecs: t2,
		EmailSends: 3, EmailSendsSinceMsecs: t0, UpdatedMsecs: t2}
}

func testMFAUpdate(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"))
	want := fullMFA(sid(1))
	got, err := s.UpdateUserMFA(ctx, sid(1), func(m store.UserMFA) (store.UserMFA, error) {
		checkEqual(t, "first UpdateUserMFA argument", m, store.UserMFA{UserSID: sid(1)})
		out := want
		out.UserSID = "someone else" // the key cannot change
		return out, nil
	})
	must(t, err)
	checkEqual(t, "UpdateUserMFA result", got, want)
	got, err = s.GetUserMFA(ctx, sid(1))
	must(t, err)
	checkEqual(t, "GetUserMFA", got, want)
	if _, err := s.GetUserMFA(ctx, sid(2)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user 2's second factors: got %v, want ErrNotFound", err)
	}

	// Change some fields; empty secrets read back as nil.
	want.PendingKeyID, want.PendingKeyName, want.PendingSecretEnc, want.PendingCreatedMsecs = "", "", nil, 0
	want.EmailCodeHash, want.TOTPLastStep = nil, want.TOTPLastStep+1
	got, err = s.UpdateUserMFA(ctx, sid(1), func(m store.UserMFA) (store.UserMFA, error) {
		checkEqual(t, "second UpdateUserMFA argument", m, fullMFA(sid(1)))
		m.PendingKeyID, m.PendingKeyName, m.PendingSecretEnc, m.PendingCreatedMsecs = "", "", []byte{}, 0
		m.EmailCodeHash, m.TOTPLastStep = nil, m.TOTPLastStep+1
		return m, nil
	})
	must(t, err)
	checkEqual(t, "UpdateUserMFA after a change", got, want)
	if got.PendingSecretEnc != nil || got.EmailCodeHash != nil {
		t.Errorf("emptied secrets read back as %v and %v, want nil", got.PendingSecretEnc, got.EmailCodeHash)
	}

	// An error from fn stores nothing.
	boom := errors.New("boom")
	_, err = s.UpdateUserMFA(ctx, sid(1), func(m store.UserMFA) (store.UserMFA, error) {
		m.TOTPKeyID = "changed"
		return m, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateUserMFA with a failing fn: got %v, want boom", err)
	}
	got, err = s.GetUserMFA(ctx, sid(1))
	must(t, err)
	checkEqual(t, "GetUserMFA after a failed update", got, want)
}

func testMFADelete(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"),
		newUser(sid(3), "LOCAL", "dave"))
	for _, u := range []string{sid(1), sid(2), sid(3)} {
		_, err := s.UpdateUserMFA(ctx, u, func(store.UserMFA) (store.UserMFA, error) { return fullMFA(u), nil })
		must(t, err)
	}
	n, err := s.DeleteUserMFA(ctx, sid(1))
	must(t, err)
	if n != 1 {
		t.Errorf("DeleteUserMFA(user 1) = %d, want 1", n)
	}
	if _, err := s.GetUserMFA(ctx, sid(1)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after DeleteUserMFA: got %v, want ErrNotFound", err)
	}
	// Deleting a user deletes its second factors.
	must(t, s.DeleteUsers(ctx, []string{sid(2)}))
	if _, err := s.GetUserMFA(ctx, sid(2)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after DeleteUsers: got %v, want ErrNotFound", err)
	}
	n, err = s.DeleteUserMFA(ctx, "")
	must(t, err)
	if n != 1 {
		t.Errorf("DeleteUserMFA(every user) = %d, want 1 (user 3)", n)
	}
	if _, err := s.GetUserMFA(ctx, sid(3)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after DeleteUserMFA(every user): got %v, want ErrNotFound", err)
	}
}
