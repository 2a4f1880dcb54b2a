package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres"
	"github.com/clusteriam/clusteriam/internal/store/sqlite"
)

// The store grows through the public API: users by create_users, 1,000
// per request (which is also the create figure), and API keys by POST
// /v2/users/{sid}/api-keys, or with --seed-direct through the store
// package, the server stopped.

// benchEmail is the e-mail address of seeded user name.
func benchEmail(name string) string { return name + "@bench.example" }

// createBatch is the number of users per create_users request, and of
// API keys per transaction with --seed-direct.
const createBatch = 1000

// growTo brings the LOCAL users up to n, 1,000 per request, without
// passwords, each with an e-mail address and COHESITY_VIEWER; one in a
// hundred holds the role bench-rare too. It adds the create figure at n
// when measure is set.
func (b *bench) growTo(n int, measure bool) error {
	if b.users == 0 {
		err := b.admin.call("POST", "/v2/roles", map[string]any{"name": "bench-rare", "privileges": []string{"PRINCIPAL_VIEW"}}, 201, nil)
		if err != nil {
			return err
		}
	}
	from := b.users
	var busy time.Duration // in create_users requests only
	for b.users < n {
		var names []string
		for i := b.users; i < min(n, b.users+createBatch); i++ {
			names = append(names, fmt.Sprintf("u%06d", i))
		}
		t0 := time.Now()
		sids, err := b.admin.createBenchUsers(names)
		busy += time.Since(t0)
		if err != nil {
			return err
		}
		b.sids = append(b.sids, sids...)
		b.users += len(names)
		if err := b.analyzeIfDue(false); err != nil {
			return err
		}
	}
	if from == n {
		return nil
	}
	if err := b.analyzeIfDue(true); err != nil {
		return err
	}
	rate := float64(n-from) / busy.Seconds()
	fmt.Fprintf(os.Stderr, "clusteriam-bench: seeded %d users in %v\n", n-from, busy.Round(time.Millisecond))
	if measure {
		want := 20_000.0
		if b.database != "" {
			want = 10_000
		}
		b.addSized(n, "create_users, 1,000 per request, no passwords", row{Value: rate, Unit: "users/s",
			Note: fmt.Sprintf("%d users from %d, in %v", n-from, from, busy.Round(time.Millisecond))},
			fmt.Sprintf(">= %.0f users/s", want), rate >= want)
	}
	return nil
}

// createBenchUsers creates LOCAL users named names in one request, each
// with its e-mail address and the role COHESITY_VIEWER, which the bad
// scenario lists, and u...00 of each hundred with bench-rare too; it
// returns their sids in the order of names.
func (a api) createBenchUsers(names []string) ([]string, error) {
	body := make([]map[string]any, len(names))
	for i, n := range names {
		roles := []string{"COHESITY_VIEWER"}
		if n[len(n)-2:] == "00" {
			roles = append(roles, "bench-rare")
		}
		body[i] = map[string]any{"username": n, "domain": "LOCAL", "roles": roles, "emailAddress": benchEmail(n)}
	}
	var out struct {
		Users []struct{ SID, Username string }
	}
	if err := a.call("POST", "/v2/users", body, 201, &out); err != nil {
		return nil, err
	}
	if len(out.Users) != len(names) {
		return nil, fmt.Errorf("create_users made %d users of %d", len(out.Users), len(names))
	}
	// The answer need not keep the request's order.
	byName := make(map[string]string, len(out.Users))
	for _, u := range out.Users {
		byName[u.Username] = u.SID
	}
	sids := make([]string, len(names))
	for i, n := range names {
		if sids[i] = byName[n]; sids[i] == "" {
			return nil, fmt.Errorf("create_users did not answer for %s", n)
		}
	}
	return sids, nil
}

// measureCreatePasswords measures create_users with passwords, which
// argon2id bounds, once.
func (b *bench) measureCreatePasswords() error {
	n := 1000
	if b.quick {
		n = 50
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	t0 := time.Now()
	_, err := b.admin.createUsers(names, "Bench-Many-Password-1", "COHESITY_VIEWER")
	rate := float64(n) / time.Since(t0).Seconds()
	r := row{Scenario: fmt.Sprintf("create_users, %d per request, with passwords", n), Value: rate, Unit: "users/s"}
	if err != nil {
		r.Errors, r.Note = 1, err.Error()
	}
	b.add(r, "", false)
	return nil
}

// seedKeys brings the API keys up to one for each of the first n seeded
// users, through the API or, with --seed-direct, the store, and adds the
// rate as a figure.
func (b *bench) seedKeys(n int) error {
	if b.keys >= n {
		return nil
	}
	sids := b.sids[b.keys:n]
	t0 := time.Now()
	how, err := "API", error(nil)
	if b.seedDirect {
		how = "store, server stopped"
		err = b.seedKeysDirect(sids)
	} else {
		err = b.seedKeysAPI(sids)
	}
	took := time.Since(t0)
	if err != nil {
		return err
	}
	b.keys = n
	if err := b.analyzeIfDue(true); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "clusteriam-bench: seeded %d API keys (%s) in %v\n", len(sids), how, took.Round(time.Millisecond))
	b.addSized(n, "seeding API keys ("+how+")", row{Value: float64(len(sids)) / took.Seconds(), Unit: "keys/s",
		Note: fmt.Sprintf("%d keys in %v", len(sids), took.Round(time.Millisecond))}, "", false)
	return nil
}

// seedKeysAPI makes one key for each of sids from b.conc clients.
func (b *bench) seedKeysAPI(sids []string) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	next := 0
	for range b.conc {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(sids) {
					return
				}
				if _, err := b.admin.createKey(sids[i], "k"); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d clients failed, the first: %w", len(errs), errs[0])
	}
	return nil
}

// seedKeysDirect stops the server, writes one key for each of sids in
// transactions of 1,000 through the store package, and starts the server
// again. Each key is made as the service makes one (auth.NewID,
// auth.NewToken: only the hash is kept), minted by the admin, uncapped as
// the admin's are; unlike the API's, these writes leave no audit entry.
func (b *bench) seedKeysDirect(sids []string) error {
	var adminUser struct{ Users []struct{ SID string } }
	if err := b.admin.call("GET", "/v2/users?usernames=admin", nil, 200, &adminUser); err != nil || len(adminUser.Users) != 1 {
		return fmt.Errorf("find the admin: %v", err)
	}
	b.tgt.stop()
	ctx := context.Background()
	st, err := b.openStore(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	for from := 0; from < len(sids); from += createBatch {
		keys := make([]store.APIKey, 0, createBatch)
		for _, sid := range sids[from:min(len(sids), from+createBatch)] {
			id, err := auth.NewID()
			if err != nil {
				return err
			}
			_, hash, err := auth.NewToken() // the secret is dropped: no one uses these keys
			if err != nil {
				return err
			}
			keys = append(keys, store.APIKey{ID: id, UserSID: sid, Name: "k", Hash: hash, IsActive: true,
				CreatedBySID: adminUser.Users[0].SID, CreatedMsecs: now})
		}
		err := st.Update(ctx, func(tx store.Tx) error {
			for _, k := range keys {
				if err := tx.CreateAPIKey(ctx, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			st.Close()
			return fmt.Errorf("write API keys: %w", err)
		}
	}
	if err := st.Close(); err != nil {
		return err
	}
	return b.restart()
}

// openStore opens the target's store as serve does, while it is stopped.
func (b *bench) openStore(ctx context.Context) (store.Store, error) {
	if b.database != "" {
		st, err := postgres.Open(ctx, b.database, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("open the PostgreSQL store: %w", err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, filepath.Join(b.tgt.dataDir, "clusteriam.db"))
	if err != nil {
		return nil, fmt.Errorf("open the SQLite store: %w", err)
	}
	return st, nil
}

// restart starts the stopped target again and returns how long that took.
func (b *bench) restart() error {
	_, err := b.restartTimed()
	return err
}

// restartTimed starts the stopped target again, points the admin's calls
// at its new port, and returns the time from exec to /healthz 200.
func (b *bench) restartTimed() (time.Duration, error) {
	took, err := b.tgt.start(b.bin)
	if err != nil {
		return 0, err
	}
	b.admin.url = b.tgt.url
	return took, nil
}
