package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the integrity check opens the file itself
)

// durabilityCycles is how many times the server is killed.
const durabilityCycles = 20

// ledger is what the clients were told, and what they could not know.
type ledger struct {
	mu        sync.Mutex
	users     map[string]bool     // acknowledged created, not deleted
	deleted   map[string]bool     // acknowledged deleted
	groups    map[string]bool     // acknowledged created
	uncertain map[string][]string // bulk creates cut off: all or none
	cutOff    int                 // bulk creates cut off, in all
	landed    int                 // of those, found committed
}

// TestDurabilityKill9 runs the real binary on SQLite under writes from
// several clients and kills it with SIGKILL at random moments. After each
// restart every acknowledged write is there, no bulk create cut off is
// half-applied, and the server starts cleanly; at the end the database
// passes SQLite's integrity check.
func TestDurabilityKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a real server 20 times")
	}
	bin := buildBinary(t, t.TempDir())
	srv := newReplica(t, "S", bin, "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1", envDatabase+"=")
	srv.start(t)
	c := insecureClient()
	var tok accessToken
	srv.want(t, c, 201, "POST", "/v2/access-tokens", header{}, loginBody("admin", "Admin-Password-1"), &tok)
	admin := bearer(tok.AccessToken)
	l := &ledger{users: map[string]bool{}, deleted: map[string]bool{}, groups: map[string]bool{}, uncertain: map[string][]string{}}
	for cycle := range durabilityCycles {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for client := range 4 {
			wg.Go(func() { writeLoop(srv, c, admin, l, fmt.Sprintf("k%d-%d", cycle, client), stop) })
		}
		time.Sleep(time.Duration(50+rand.IntN(300)) * time.Millisecond)
		srv.kill(t)
		close(stop)
		wg.Wait()
		srv.start(t)
		checkLedger(t, srv, c, admin, l, cycle)
	}
	srv.stop(t)
	db, err := sql.Open("sqlite", filepath.Join(srv.dir, "clusteriam.db"))
	must(t, err)
	defer db.Close()
	var ok string
	must(t, db.QueryRow("PRAGMA integrity_check").Scan(&ok))
	if ok != "ok" {
		t.Errorf("integrity_check: %s", ok)
	}
	t.Logf("%d kills: %d users and %d groups acknowledged, %d deletes; %d bulk creates cut off, %d of them committed whole",
		durabilityCycles, len(l.users), len(l.groups), len(l.deleted), l.cutOff, l.landed)
}

// writeLoop creates users three at a time, groups, and deletes users,
// recording each answer, until stop is closed.
func writeLoop(srv *replica, c *http.Client, admin header, l *ledger, prefix string, stop chan struct{}) {
	var mine []string
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		names := []string{fmt.Sprintf("%s-%d-a", prefix, i), fmt.Sprintf("%s-%d-b", prefix, i), fmt.Sprintf("%s-%d-c", prefix, i)}
		body := []map[string]any{}
		for _, n := range names {
			body = append(body, map[string]any{"username": n, "domain": "LOCAL", "roles": []string{}})
		}
		code, _ := srv.call(c, "POST", "/v2/users", admin, body)
		l.mu.Lock()
		switch code {
		case 201:
			for _, n := range names {
				l.users[n] = true
			}
			mine = append(mine, names...)
		case 0: // cut off: may or may not have committed
			l.uncertain[names[0]] = names
			l.cutOff++
		}
		l.mu.Unlock()

		g := fmt.Sprintf("%s-g%d", prefix, i)
		if code, _ := srv.call(c, "POST", "/v2/groups", admin, []map[string]any{{"name": g, "domain": "LOCAL"}}); code == 201 {
			l.mu.Lock()
			l.groups[g] = true
			l.mu.Unlock()
		}
		if len(mine) > 0 && i%2 == 1 {
			victim := mine[0]
			mine = mine[1:]
			code, b := srv.call(c, "GET", "/v2/users?usernames="+victim, admin, nil)
			var ul usersList
			if code != 200 || json.Unmarshal(b, &ul) != nil || len(ul.Users) != 1 {
				continue
			}
			code, _ = srv.call(c, "DELETE", "/v2/users/"+ul.Users[0].SID, admin, nil)
			l.mu.Lock()
			switch code {
			case 204:
				delete(l.users, victim)
				l.deleted[victim] = true
			case 0: // cut off: it may be gone or not; assert neither
				delete(l.users, victim)
			}
			l.mu.Unlock()
		}
	}
}

// checkLedger compares the restarted server's users and groups with what
// the clients were told.
func checkLedger(t *testing.T, srv *replica, c *http.Client, admin header, l *ledger, cycle int) {
	t.Helper()
	var ul usersList
	srv.want(t, c, 200, "GET", "/v2/users", admin, nil, &ul)
	have := map[string]bool{}
	for _, u := range ul.Users {
		have[u.Username] = true
	}
	var gl struct{ Groups []struct{ Name string } }
	srv.want(t, c, 200, "GET", "/v2/groups", admin, nil, &gl)
	haveGroups := map[string]bool{}
	for _, g := range gl.Groups {
		haveGroups[g.Name] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for n := range l.users {
		if !have[n] {
			t.Errorf("cycle %d: user %s was acknowledged but is gone", cycle, n)
		}
	}
	for n := range l.deleted {
		if have[n] {
			t.Errorf("cycle %d: user %s was acknowledged deleted but is back", cycle, n)
		}
	}
	for n := range l.groups {
		if !haveGroups[n] {
			t.Errorf("cycle %d: group %s was acknowledged but is gone", cycle, n)
		}
	}
	for first, names := range l.uncertain {
		n := 0
		for _, name := range names {
			if have[name] || l.deleted[name] {
				n++
			}
		}
		if n != 0 && n != len(names) {
			t.Errorf("cycle %d: a bulk create cut off by the kill is half there: %d of %v", cycle, n, names)
		}
		if n == len(names) { // it committed; its users are known now
			l.landed++
			for _, name := range names {
				if !l.deleted[name] {
					l.users[name] = true
				}
			}
		}
		delete(l.uncertain, first)
	}
}
