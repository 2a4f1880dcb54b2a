package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var txTests = []subTest{
	{"ChangesAnnounced", testChangesAnnounced},
	{"ChangesOfFailedTx", testChangesOfFailedTx},
	{"CapsRoundTrip", testCapsRoundTrip},
	{"LockPrincipals", testLockPrincipals},
	{"NoSync", testNoSync},
	{"ConcurrentFieldUpdates", testConcurrentFieldUpdates},
}

// changeTest is one write method of store.Tx and what it must announce.
type changeTest struct {
	method string
	call   func(ctx context.Context, tx store.Tx) error
	want   store.Change
}

// changeTests covers every write method of store.Tx; testChangesAnnounced
// fails when the interface gains one that is not listed here.
var changeTests = []changeTest{
	{"CreateUsers", func(ctx context.Context, tx store.Tx) error {
		return tx.CreateUsers(ctx, []store.User{newUser(sid(9), "LOCAL", "new")})
	}, store.Change{Users: []string{sid(9)}}},
	{"UpdateUser", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) { u.Description = "x"; return u, nil })
		return err
	}, store.Change{Users: []string{sid(1)}}},
	{"DeleteUsers", func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteUsers(ctx, []string{sid(2)})
	}, store.Change{Users: []string{sid(2)}}},
	{"CreateGroups", func(ctx context.Context, tx store.Tx) error {
		return tx.CreateGroups(ctx, []store.Group{newGroup(sid(20), "LOCAL", "g2", []string{"r1"}, []string{sid(1)})})
	}, store.Change{All: true}},
	{"UpdateGroup", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.UpdateGroup(ctx, sid(10), func(g store.Group) (store.Group, error) { g.Description = "x"; return g, nil })
		return err
	}, store.Change{All: true}},
	{"DeleteGroups", func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteGroups(ctx, []string{sid(10)})
	}, store.Change{All: true}},
	{"UpsertBuiltinRole", func(ctx context.Context, tx store.Tx) error {
		r := newRole("BUILTIN")
		r.IsUserCreated = false
		return tx.UpsertBuiltinRole(ctx, r)
	}, store.Change{All: true}},
	{"CreateRole", func(ctx context.Context, tx store.Tx) error {
		return tx.CreateRole(ctx, newRole("r9"))
	}, store.Change{All: true}},
	{"UpdateRole", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.UpdateRole(ctx, "r1", func(r store.Role) (store.Role, error) { r.Description = "x"; return r, nil })
		return err
	}, store.Change{All: true}},
	{"DeleteRole", func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteRole(ctx, "unheld")
	}, store.Change{All: true}},
	{"CreateAPIKey", func(ctx context.Context, tx store.Tx) error {
		return tx.CreateAPIKey(ctx, store.APIKey{ID: "k9", UserSID: sid(2), Name: "k9", Hash: []byte("h9")})
	}, store.Change{Users: []string{sid(2)}}},
	{"UpdateAPIKey", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.UpdateAPIKey(ctx, "k1", func(k store.APIKey) (store.APIKey, error) { k.IsActive = false; return k, nil })
		return err
	}, store.Change{Users: []string{sid(1)}}},
	{"DeleteAPIKey", func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteAPIKey(ctx, "k1")
	}, store.Change{Users: []string{sid(1)}}},
	{"CreateSession", func(ctx context.Context, tx store.Tx) error {
		return tx.CreateSession(ctx, store.Session{Hash: []byte("s9"), UserSID: sid(2), Kind: store.SessionKindSession, ExpiresMsecs: t2})
	}, store.Change{Users: []string{sid(2)}}},
	{"DeleteSessions", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteSessions(ctx, sid(1), nil)
		return err
	}, store.Change{Users: []string{sid(1)}}},
	{"DeleteSession", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteSession(ctx, sid(1), []byte("b1"))
		return err
	}, store.Change{Users: []string{sid(1)}}},
	{"EndOldestSessions", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.EndOldestSessions(ctx, sid(1), 0, t0, 0)
		return err
	}, store.Change{Users: []string{sid(1)}}},
	// No cache holds former passwords: a password change reads them.
	{"AddPasswordHistory", func(ctx context.Context, tx store.Tx) error {
		return tx.AddPasswordHistory(ctx, sid(1), "old", 3)
	}, store.Change{}},
	{"TrimPasswordHistory", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.TrimPasswordHistory(ctx, 0)
		return err
	}, store.Change{}},
	{"DeleteSessions of all", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteSessions(ctx, "", nil)
		return err
	}, store.Change{All: true}},
	// A tenant's status decides whose credentials hold: any change to
	// one may reach anyone's.
	{"CreateTenant", func(ctx context.Context, tx store.Tx) error {
		return tx.CreateTenant(ctx, newTenant("t9/", "Nine"))
	}, store.Change{All: true}},
	{"UpdateTenant", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.UpdateTenant(ctx, "t1/", func(tn store.Tenant) (store.Tenant, error) {
			tn.Status = store.TenantInactive
			return tn, nil
		})
		return err
	}, store.Change{All: true}},
	// A directory domain decides whether its users' credentials hold.
	{"CreateDirectoryDomain", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.CreateDirectoryDomain(ctx, newDomain(store.DirectoryLDAP, "new.example.com", ""))
		return err
	}, store.Change{All: true}},
	{"UpdateDirectoryDomain", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.UpdateDirectoryDomain(ctx, 1, func(d store.DirectoryDomain) (store.DirectoryDomain, error) {
			d.TenantID = "t1/"
			return d, nil
		})
		return err
	}, store.Change{All: true}},
	{"DeleteDirectoryDomain", func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteDirectoryDomain(ctx, 1)
	}, store.Change{All: true}},
	{"AppendAudit", func(ctx context.Context, tx store.Tx) error {
		return tx.AppendAudit(ctx, auditEntry(1, "admin", "Create", "x"))
	}, store.Change{}},
	// No cache holds second factors: log-ins read them from the store.
	{"UpdateUserMFA", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.UpdateUserMFA(ctx, sid(1), func(m store.UserMFA) (store.UserMFA, error) {
			m.TOTPKeyID = "k"
			return m, nil
		})
		return err
	}, store.Change{}},
	{"DeleteUserMFA", func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteUserMFA(ctx, "")
		return err
	}, store.Change{}},
	{"PutSetting", func(ctx context.Context, tx store.Tx) error {
		return tx.PutSetting(ctx, "k", []byte("v"))
	}, store.Change{}},
	{"PutOnce", func(ctx context.Context, tx store.Tx) error {
		return tx.PutOnce(ctx, "p", []byte("k"), t0, t1)
	}, store.Change{}},
	{"TakeOnce", func(ctx context.Context, tx store.Tx) error {
		if err := tx.PutOnce(ctx, "p", []byte("k"), t0, t1); err != nil {
			return err
		}
		return tx.TakeOnce(ctx, "p", []byte("k"), t0)
	}, store.Change{}},
	{"LockPrincipals", func(ctx context.Context, tx store.Tx) error {
		return tx.LockPrincipals(ctx)
	}, store.Change{}},
	{"LockSessions", func(ctx context.Context, tx store.Tx) error {
		return tx.LockSessions(ctx)
	}, store.Change{}},
	{"NoSync", func(ctx context.Context, tx store.Tx) error {
		return tx.NoSync(ctx)
	}, store.Change{}},
}

// changeFixture makes what changeTests act on.
func changeFixture(t *testing.T, s Single) {
	t.Helper()
	createRoles(t, s, "r1", "unheld")
	createUsers(t, s, newUser(sid(1), "LOCAL", "alice", "r1"), newUser(sid(2), "LOCAL", "bob"))
	createGroups(t, s, newGroup(sid(10), "LOCAL", "g1", []string{"r1"}, []string{sid(1)}))
	must(t, s.CreateAPIKey(t.Context(), store.APIKey{ID: "k1", UserSID: sid(1), Name: "k1", Hash: []byte("h1"), IsActive: true}))
	createTenants(t, s, newTenant("t1/", "One"))
	if id, err := s.CreateDirectoryDomain(t.Context(), newDomain(store.DirectoryAD, "corp.example.com", "")); err != nil || id != 1 {
		t.Fatalf("first directory domain: id %d, %v; want 1", id, err)
	}
	must(t, s.CreateSession(t.Context(), newSession("sess-1", sid(1), t2)))
}

// watch registers a listener on s and returns what it heard so far.
func watch(s Single) func() []store.Change {
	var mu sync.Mutex
	var heard []store.Change
	s.OnChange(func(c store.Change) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, c)
	})
	return func() []store.Change {
		mu.Lock()
		defer mu.Unlock()
		out := heard
		heard = nil
		return out
	}
}

// testChangesAnnounced: every write method of a transaction makes Update
// announce, after the commit, whom it changed, so that no cache of
// credentials outlives a revocation; reads announce nothing.
func testChangesAnnounced(t *testing.T, s Single) {
	ctx := t.Context()
	listed := map[string]bool{}
	for _, tc := range changeTests {
		listed[tc.method] = true
	}
	reads := reflect.TypeFor[store.Reader]()
	txType := reflect.TypeFor[store.Tx]()
	for i := range txType.NumMethod() {
		m := txType.Method(i).Name
		if _, isRead := reads.MethodByName(m); !isRead && !listed[m] {
			t.Errorf("store.Tx.%s writes but changeTests does not check what it announces", m)
		}
	}
	for _, tc := range changeTests {
		t.Run(tc.method, func(t *testing.T) {
			st := s.fresh(t)
			changeFixture(t, st)
			heard := watch(st)
			must(t, st.Update(ctx, func(tx store.Tx) error { return tc.call(ctx, tx) }))
			got := heard()
			switch {
			case tc.want.Empty() && len(got) != 0:
				t.Errorf("announced %+v, want nothing", got)
			case !tc.want.Empty() && (len(got) != 1 || got[0].All != tc.want.All || !slices.Equal(got[0].Users, tc.want.Users)):
				t.Errorf("announced %+v, want one %+v", got, tc.want)
			}
		})
	}
	// Reads in a transaction, and a failed one, announce nothing.
	st := s.fresh(t)
	changeFixture(t, st)
	heard := watch(st)
	must(t, st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.ListUsers(ctx, store.UserFilter{})
		return err
	}))
	if got := heard(); len(got) != 0 {
		t.Errorf("a read-only transaction announced %+v", got)
	}
}

// testChangesOfFailedTx: a transaction that rolls back changed nothing and
// announces nothing; its writes are gone.
func testChangesOfFailedTx(t *testing.T, s Single) {
	ctx := t.Context()
	changeFixture(t, s)
	heard := watch(s)
	refused := errors.New("refused")
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteUsers(ctx, []string{sid(2)}); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("Update = %v, want %v", err, refused)
	}
	if got := heard(); len(got) != 0 {
		t.Errorf("a rolled-back transaction announced %+v", got)
	}
	if _, err := s.GetUser(ctx, sid(2)); err != nil {
		t.Errorf("the rolled-back delete took effect: %v", err)
	}
}

// testCapsRoundTrip: a privilege cap keeps the difference between none
// (nil), an empty cap, and a list, on users, keys and sessions.
func testCapsRoundTrip(t *testing.T, s Single) {
	ctx := t.Context()
	caps := map[string][]string{"none": nil, "empty": {}, "two": {"B", "A"}}
	for name, c := range caps {
		u := newUser("S-"+name, "LOCAL", "u-"+name)
		u.PasswordCap, u.LoginsPending, u.LoginsPendingUntilMsecs = c, 2, t2
		createUsers(t, s, u)
		must(t, s.CreateAPIKey(ctx, store.APIKey{ID: "k-" + name, UserSID: u.SID, Name: name, Hash: []byte("h-" + name), Cap: c}))
		must(t, s.CreateSession(ctx, store.Session{Hash: []byte("s-" + name), UserSID: u.SID, Kind: store.SessionKindToken, ExpiresMsecs: t2, Cap: c}))
	}
	same := func(what string, got, want []string) {
		t.Helper()
		if (got == nil) != (want == nil) || !slices.Equal(got, want) {
			t.Errorf("%s: cap %#v, want %#v", what, got, want)
		}
	}
	for name, c := range caps {
		u, err := s.GetUser(ctx, "S-"+name)
		must(t, err)
		same("user "+name, u.PasswordCap, c)
		if u.LoginsPending != 2 || u.LoginsPendingUntilMsecs != t2 {
			t.Errorf("user %s: pending %d until %d, want 2 until %d", name, u.LoginsPending, u.LoginsPendingUntilMsecs, t2)
		}
		k, err := s.GetAPIKey(ctx, "k-"+name)
		must(t, err)
		same("key "+name, k.Cap, c)
		sess, err := s.GetSessionByHash(ctx, []byte("s-"+name))
		must(t, err)
		same("session "+name, sess.Cap, c)
	}
	// An update keeps what it does not touch, and can clear a cap.
	u, err := s.UpdateUser(ctx, "S-two", func(u store.User) (store.User, error) { u.Description = "d"; return u, nil })
	must(t, err)
	same("user two after an update", u.PasswordCap, caps["two"])
	u, err = s.UpdateUser(ctx, "S-two", func(u store.User) (store.User, error) { u.PasswordCap = nil; return u, nil })
	must(t, err)
	same("user two after clearing", u.PasswordCap, nil)
	k, err := s.UpdateAPIKey(ctx, "k-empty", func(k store.APIKey) (store.APIKey, error) { k.Name = "n"; return k, nil })
	must(t, err)
	same("key empty after an update", k.Cap, caps["empty"])
}

// testLockPrincipals: transactions that take the principals lock run one
// at a time, so that an invariant over many rows holds. Here the
// invariant is "at least one of two users remains": each transaction
// counts them and deletes its own only when the other is still there.
// Without the lock, two such transactions can each see the other's user
// and delete both (write skew on PostgreSQL at READ COMMITTED).
func testLockPrincipals(t *testing.T, s Single) {
	ctx := t.Context()
	for round := range 20 {
		a, b := fmt.Sprintf("S-%d-a", round), fmt.Sprintf("S-%d-b", round)
		createUsers(t, s, newUser(a, "LOCAL", a), newUser(b, "LOCAL", b))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, own := range []string{a, b} {
			wg.Go(func() {
				<-start
				err := s.Update(ctx, func(tx store.Tx) error {
					if err := tx.LockPrincipals(ctx); err != nil {
						return err
					}
					left, err := tx.ListUsers(ctx, store.UserFilter{SIDs: []string{a, b}})
					if err != nil || len(left) < 2 {
						return err
					}
					return tx.DeleteUsers(ctx, []string{own})
				})
				if err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			})
		}
		close(start)
		wg.Wait()
		left, err := s.ListUsers(ctx, store.UserFilter{SIDs: []string{a, b}})
		must(t, err)
		if len(left) != 1 {
			t.Fatalf("round %d: %d of the two users left, want exactly 1", round, len(left))
		}
	}
}

// fieldRace is one update method raced against itself on two fields.
type fieldRace struct {
	name  string
	setup func(t *testing.T, s Single)
	// a and b each change one field to the value given; check reports
	// whether both fields hold the values last written.
	a, b  func(ctx context.Context, s Single, v string) error
	check func(ctx context.Context, s Single, va, vb string) (bool, string, error)
}

var fieldRaces = []fieldRace{
	{"UpdateUser",
		func(t *testing.T, s Single) { createUsers(t, s, newUser(sid(1), "LOCAL", "bob")) },
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) { u.Description = v; return u, nil })
			return err
		},
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) { u.Email = v + "@x"; return u, nil })
			return err
		},
		func(ctx context.Context, s Single, va, vb string) (bool, string, error) {
			u, err := s.GetUser(ctx, sid(1))
			return u.Description == va && u.Email == vb+"@x", fmt.Sprintf("%q, %q", u.Description, u.Email), err
		}},
	{"UpdateGroup",
		func(t *testing.T, s Single) {
			createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"))
			createGroups(t, s, newGroup(sid(10), "LOCAL", "ops", nil, nil))
		},
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateGroup(ctx, sid(10), func(g store.Group) (store.Group, error) { g.Description = v; return g, nil })
			return err
		},
		func(ctx context.Context, s Single, v string) error {
			m := []string{sid(1)}
			if len(v)%2 == 0 {
				m = []string{sid(2), sid(1)}
			}
			_, err := s.UpdateGroup(ctx, sid(10), func(g store.Group) (store.Group, error) { g.Members = m; return g, nil })
			return err
		},
		func(ctx context.Context, s Single, va, vb string) (bool, string, error) {
			g, err := s.GetGroup(ctx, sid(10))
			want := []string{sid(1)}
			if len(vb)%2 == 0 {
				want = []string{sid(2), sid(1)}
			}
			return g.Description == va && slices.Equal(g.Members, want), fmt.Sprintf("%q, %q", g.Description, g.Members), err
		}},
	{"UpdateRole",
		func(t *testing.T, s Single) { createRoles(t, s, "r") },
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateRole(ctx, "r", func(r store.Role) (store.Role, error) { r.Description = v; return r, nil })
			return err
		},
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateRole(ctx, "r", func(r store.Role) (store.Role, error) { r.Privileges = []string{v}; return r, nil })
			return err
		},
		func(ctx context.Context, s Single, va, vb string) (bool, string, error) {
			r, err := s.GetRole(ctx, "r")
			return r.Description == va && slices.Equal(r.Privileges, []string{vb}), fmt.Sprintf("%q, %q", r.Description, r.Privileges), err
		}},
	{"UpdateAPIKey",
		func(t *testing.T, s Single) {
			createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
			must(t, s.CreateAPIKey(t.Context(), store.APIKey{ID: "k", UserSID: sid(1), Name: "k", Hash: []byte("h")}))
		},
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateAPIKey(ctx, "k", func(k store.APIKey) (store.APIKey, error) { k.Name = v; return k, nil })
			return err
		},
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateAPIKey(ctx, "k", func(k store.APIKey) (store.APIKey, error) { k.Hash = []byte(v); return k, nil })
			return err
		},
		func(ctx context.Context, s Single, va, vb string) (bool, string, error) {
			k, err := s.GetAPIKey(ctx, "k")
			return k.Name == va && string(k.Hash) == vb, fmt.Sprintf("%q, %q", k.Name, k.Hash), err
		}},
	{"UpdateTenant",
		func(t *testing.T, s Single) { createTenants(t, s, fullTenant("t/", "T")) },
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateTenant(ctx, "t/", func(tn store.Tenant) (store.Tenant, error) { tn.Description = v; return tn, nil })
			return err
		},
		func(ctx context.Context, s Single, v string) error {
			_, err := s.UpdateTenant(ctx, "t/", func(tn store.Tenant) (store.Tenant, error) { tn.Name = v; return tn, nil })
			return err
		},
		func(ctx context.Context, s Single, va, vb string) (bool, string, error) {
			tn, err := s.GetTenant(ctx, "t/")
			return tn.Description == va && tn.Name == vb, fmt.Sprintf("%q, %q", tn.Description, tn.Name), err
		}},
}

// testConcurrentFieldUpdates: each update method, raced on two different
// fields of one record many times, keeps both writes: an update built
// from the record the transaction hands it loses nothing.
func testConcurrentFieldUpdates(t *testing.T, s Single) {
	ctx := t.Context()
	for _, fr := range fieldRaces {
		t.Run(fr.name, func(t *testing.T) {
			st := s.fresh(t)
			fr.setup(t, st)
			for round := range 30 {
				va, vb := fmt.Sprint("a", round), fmt.Sprint("b", round, "-", round%3)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for _, w := range []func() error{
					func() error { return fr.a(ctx, st, va) },
					func() error { return fr.b(ctx, st, vb) },
				} {
					wg.Go(func() {
						<-start
						if err := w(); err != nil {
							t.Errorf("round %d: %v", round, err)
						}
					})
				}
				close(start)
				wg.Wait()
				ok, got, err := fr.check(ctx, st, va, vb)
				must(t, err)
				if !ok {
					t.Fatalf("round %d: fields hold %s, want %q and %q: an update was lost", round, got, va, vb)
				}
			}
		})
	}
}

// testNoSync: a transaction that gives up waiting for the disk still
// commits as any other, whether it asks before or after its writes, and
// what follows it sees its writes.
func testNoSync(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "alice"))
	for i, first := range []bool{true, false} {
		must(t, s.Update(ctx, func(tx store.Tx) error {
			if first {
				if err := tx.NoSync(ctx); err != nil {
					return err
				}
			}
			if _, err := tx.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) {
				u.LoginsPending = int64(i + 1)
				return u, nil
			}); err != nil {
				return err
			}
			if first {
				return nil
			}
			return tx.NoSync(ctx)
		}))
		u, err := s.GetUser(ctx, sid(1))
		must(t, err)
		if u.LoginsPending != int64(i+1) {
			t.Fatalf("after a NoSync transaction (NoSync first: %v), LoginsPending = %d, want %d", first, u.LoginsPending, i+1)
		}
	}
	// A failed one leaves nothing behind.
	errRollback := errors.New("fn says no")
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.NoSync(ctx); err != nil {
			return err
		}
		if _, err := tx.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) {
			u.LoginsPending = 99
			return u, nil
		}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update = %v, want errRollback", err)
	}
	if u, err := s.GetUser(ctx, sid(1)); err != nil || u.LoginsPending != 2 {
		t.Fatalf("after a failed NoSync transaction: LoginsPending = %d (%v), want 2", u.LoginsPending, err)
	}
}
