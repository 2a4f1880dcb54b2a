package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var concurrencyTests = []subTest{
	{"ConcurrentUserUpdates", testConcurrentUserUpdates},
	{"ConcurrentNextRIDs", testConcurrentNextRIDs},
	{"ConcurrentCreateSameName", testConcurrentCreateSameName},
	{"ConcurrentReadsAndWrites", testConcurrentReadsAndWrites},
	{"ConcurrentDeletes", testConcurrentDeletes},
	{"ConcurrentBuiltinUpserts", testConcurrentBuiltinUpserts},
}

// testConcurrentBuiltinUpserts: replicas starting together on an empty
// store each install the built-in roles; every upsert succeeds.
func testConcurrentBuiltinUpserts(t *testing.T, s Single) {
	const workers = 8
	for round := range 5 {
		name := fmt.Sprint("BUILTIN_", round)
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for i := range workers {
			wg.Go(func() {
				r := newRole(name)
				r.IsUserCreated, r.Description = false, fmt.Sprint("from worker ", i)
				errs <- s.UpsertBuiltinRole(t.Context(), r)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: concurrent UpsertBuiltinRole: %v", round, err)
			}
		}
		if _, err := s.GetRole(t.Context(), name); err != nil {
			t.Fatal(err)
		}
	}
}

// testConcurrentUserUpdates: read-modify-write through UpdateUser loses no
// update.
func testConcurrentUserUpdates(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	const workers, rounds = 20, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for range workers {
		wg.Go(func() {
			for range rounds {
				_, err := s.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) {
					u.LastLoginMsecs++
					u.Description = fmt.Sprint(u.LastLoginMsecs)
					return u, nil
				})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	u, err := s.GetUser(ctx, sid(1))
	must(t, err)
	if u.LastLoginMsecs != workers*rounds || u.Description != fmt.Sprint(workers*rounds) {
		t.Errorf("after %d increments: LastLoginMsecs %d, Description %q", workers*rounds,
			u.LastLoginMsecs, u.Description)
	}
}

// testConcurrentNextRIDs: concurrent reservations never overlap.
func testConcurrentNextRIDs(t *testing.T, s Single) {
	ctx := t.Context()
	const workers, rounds = 16, 10
	type span struct{ first, n int64 }
	spans := make(chan span, workers*rounds)
	errs := make(chan error, workers*rounds)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				n := 1 + (w+r)%3
				first, err := s.NextRIDs(ctx, n)
				errs <- err
				spans <- span{first, int64(n)}
			}
		})
	}
	wg.Wait()
	close(errs)
	close(spans)
	for err := range errs {
		must(t, err)
	}
	seen := map[int64]bool{}
	for sp := range spans {
		for id := sp.first; id < sp.first+sp.n; id++ {
			if seen[id] {
				t.Fatalf("rid %d handed out twice", id)
			}
			seen[id] = true
		}
	}
}

// testConcurrentCreateSameName: of racing creates of one name, exactly one
// wins.
func testConcurrentCreateSameName(t *testing.T, s Single) {
	oneWins(t, "user name", 10, func(i int) error {
		name := "Racer"
		if i%2 == 1 {
			name = "RACER" // the same name, case-insensitively
		}
		return s.CreateUsers(t.Context(), []store.User{newUser(sid(i), "LOCAL", name)})
	})
}

// oneWins runs create(0), create(1)... create(workers-1) at once and fails
// t unless exactly one succeeds and the others fail with
// ErrAlreadyExists.
func oneWins(t *testing.T, what string, workers int, create func(i int) error) {
	t.Helper()
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { errs <- create(i) })
	}
	wg.Wait()
	close(errs)
	wins := 0
	for err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrAlreadyExists):
			t.Errorf("racing create of one %s: %v", what, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d racing creates of one %s succeeded, want 1", wins, what)
	}
}

// testConcurrentReadsAndWrites: readers see whole batches while a writer
// adds them.
func testConcurrentReadsAndWrites(t *testing.T, s Single) {
	ctx := t.Context()
	const batches, size = 10, 5
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for b := range batches {
			var users []store.User
			for i := range size {
				n := b*size + i
				users = append(users, newUser(sid(n), "LOCAL", fmt.Sprintf("u%03d", n)))
			}
			if err := s.CreateUsers(ctx, users); err != nil {
				t.Errorf("CreateUsers: %v", err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				list, err := s.ListUsers(ctx, store.UserFilter{})
				if err != nil {
					t.Errorf("ListUsers: %v", err)
					return
				}
				if len(list)%size != 0 {
					t.Errorf("ListUsers saw %d users, a partial batch", len(list))
					return
				}
			}
		})
	}
	wg.Wait()
	list, err := s.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	if len(list) != batches*size {
		t.Errorf("got %d users, want %d", len(list), batches*size)
	}
}

// testConcurrentDeletes: of several deletes of one record at once, exactly
// one succeeds and the others find it gone.
func testConcurrentDeletes(t *testing.T, s Single) {
	ctx := t.Context()
	must(t, s.CreateRole(ctx, store.Role{Name: "r"}))
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	must(t, s.CreateGroups(ctx, []store.Group{{SID: sid(2), Domain: "LOCAL", Name: "g"}}))
	deletes := map[string]func() error{
		"user":  func() error { return s.DeleteUsers(ctx, []string{sid(1)}) },
		"group": func() error { return s.DeleteGroups(ctx, []string{sid(2)}) },
		"role":  func() error { return s.DeleteRole(ctx, "r") },
	}
	for what, del := range deletes {
		const workers = 8
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() { errs <- del() })
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("delete %s: %v, want nil or ErrNotFound", what, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent deletes of one %s succeeded, want 1", ok, what)
		}
	}
}
