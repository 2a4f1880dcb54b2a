package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL consistency queries
	_ "modernc.org/sqlite"             // the integrity check opens the file itself

	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/testtier"
)

const (
	// durabilityCycles is how many times the soak tier kills the server;
	// go test ./... kills it durabilityQuickCycles times (testtier).
	durabilityCycles      = 20
	durabilityQuickCycles = 10
	// durabilityWriters is how many clients write at once.
	durabilityWriters = 4
	// minAckedPerCycle is how many writes are acknowledged in a cycle
	// before the kill may come.
	minAckedPerCycle = 12
	// keySample is how many older API keys of each writer, present and
	// deleted, are tried after each restart besides the new ones.
	keySample = 3
)

// storeCheck returns what breaks the integrity of the store under srv.
type storeCheck func(t *testing.T, srv *replica) []string

// TestDurabilityKill9 runs the real binary on SQLite under writes from
// several clients and kills it with SIGKILL at random moments; see
// runDurability.
func TestDurabilityKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a real server again and again")
	}
	t.Parallel() // mostly waiting on fsync and restarts: the two overlap well
	cycles := testtier.Pick(t, "kills", durabilityQuickCycles, durabilityCycles)
	srv, l := runDurability(t, cycles, []string{"CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1", envDatabase + "="}, checkSQLite)
	db, err := sql.Open("sqlite", filepath.Join(srv.dir, "clusteriam.db"))
	must(t, err)
	defer db.Close()
	if problems := checkAudit(db, l); len(problems) > 0 {
		t.Errorf("audit trail after %d kills: %q", cycles, problems)
	}
}

// TestDurabilityKill9Postgres is TestDurabilityKill9 on a PostgreSQL schema
// of its own; its integrity check is consistencyQueries.
func TestDurabilityKill9Postgres(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a real server again and again")
	}
	t.Parallel() // mostly waiting on fsync and restarts: the two overlap well
	dsn := pgtest.Schema(t)
	db, err := sql.Open("pgx", dsn)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	cycles := testtier.Pick(t, "kills", durabilityQuickCycles, durabilityCycles)
	_, l := runDurability(t, cycles, replicaEnv(dsn, 1), func(*testing.T, *replica) []string { return checkConsistency(db) })
	if problems := checkAudit(db, l); len(problems) > 0 {
		t.Errorf("audit trail after %d kills: %q", cycles, problems)
	}
}

// runDurability starts the real binary with env, then cycles times: lets
// the writers create, update and delete users, groups and API keys, kills
// the server with SIGKILL at a random moment, and restarts it.
// After each restart the server started cleanly, every acknowledged write
// holds (an acknowledged API key authenticates, a deleted one is refused),
// no write answered with an error left anything, the write the kill cut
// off is there whole or not at all, and checkStore finds the store sound.
// It returns the stopped server and the ledger of every write.
func runDurability(t *testing.T, cycles int, env []string, checkStore storeCheck) (*replica, *ledger) {
	bin := buildBinary(t)
	srv := newReplica(t, "S", bin, env...)
	srv.start(t)
	c := insecureClient()
	var tok accessToken
	srv.want(t, c, 201, "POST", "/v2/access-tokens", header{}, loginBody("admin", "Admin-Password-1"), &tok)
	admin := bearer(tok.AccessToken)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, durabilityWriters)) // the writers have streams 0...
	l := &ledger{}
	writers := make([]*writer, durabilityWriters)
	for i := range writers {
		writers[i] = newWriter(i, seed, srv, c, admin, l)
	}
	var slowest time.Duration
	tried := 0
	for cycle := range cycles {
		killDuringWrites(t, srv, writers, l, cycle, rng)
		logProblems := checkLog(srv, writers, tok.AccessToken)
		began := time.Now()
		srv.start(t)
		slowest = max(slowest, time.Since(began))
		tried += checkCycle(t, srv, c, admin, writers, rng, cycle, keySample, checkStore, logProblems)
	}
	tried += checkCycle(t, srv, c, admin, writers, rng, cycles, -1, checkStore, nil) // every key
	srv.stop(t)
	if problems := append(checkLog(srv, writers, tok.AccessToken), checkStore(t, srv)...); len(problems) > 0 {
		t.Errorf("after a clean stop: %q", problems)
	}
	summarize(t, l, cycles, tried, slowest)
	return srv, l
}

// killDuringWrites runs the writers and kills the server with SIGKILL at a
// random moment once some of their writes are acknowledged: counting
// acknowledgements rather than time keeps a loaded machine from making
// cycles without writes.
func killDuringWrites(t *testing.T, srv *replica, writers []*writer, l *ledger, cycle int, rng *rand.Rand) {
	t.Helper()
	l.ackedNow.Store(0)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range writers {
		w.cycle = cycle
		wg.Go(func() { w.run(stop) })
	}
	giveUp := time.Now().Add(time.Minute)
	for l.ackedNow.Load() < minAckedPerCycle && time.Now().Before(giveUp) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
	srv.kill(t)
	close(stop)
	wg.Wait()
	if n := l.ackedNow.Load(); n < minAckedPerCycle {
		t.Fatalf("cycle %d: %d writes acknowledged in a minute, want %d\n%s", cycle, n, minAckedPerCycle, srv.log)
	}
}

// checkLog checks the log of the server's last run: no warning or error
// (it started cleanly and served without fault until it was killed), and
// no API key or access token the test saw.
func checkLog(srv *replica, writers []*writer, token string) []string {
	log := srv.log.String()
	var problems []string
	for line := range strings.Lines(log) {
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			problems = append(problems, "server log: "+strings.TrimSpace(line))
		}
	}
	if strings.Contains(log, token) {
		problems = append(problems, "the server logged the admin's access token")
	}
	for _, w := range writers {
		for _, keys := range []map[string]*keyState{w.keys, w.goneKeys} {
			for name, k := range keys {
				if k.secret != "" && strings.Contains(log, k.secret) {
					problems = append(problems, "the server logged the secret of API key "+name)
				}
			}
		}
	}
	return problems
}

// checkCycle checks the restarted server against the writers and the store
// with checkStore, and fails the test with those problems and the ones
// found before, stopping it at the first cycle that fails (the next ones
// would only repeat it). It returns how many API keys it tried.
func checkCycle(t *testing.T, srv *replica, c *http.Client, admin header, writers []*writer, rng *rand.Rand,
	cycle, sample int, checkStore storeCheck, problems []string) int {
	t.Helper()
	s := takeSnapshot(t, srv, c, admin)
	for _, w := range writers {
		problems = append(problems, w.check(s)...)
	}
	problems = append(problems, checkCounts(s, writers)...)
	keyProblems, tried := checkKeys(srv, c, writers, rng, sample)
	problems = append(problems, keyProblems...)
	problems = append(problems, checkStore(t, srv)...)
	l := writers[0].l
	l.mu.Lock()
	problems = append(problems, l.unexpected...)
	l.unexpected = nil
	l.mu.Unlock()
	for i, p := range problems {
		if i == 20 {
			t.Errorf("cycle %d: and %d more", cycle, len(problems)-i)
			break
		}
		t.Errorf("cycle %d: %s", cycle, p)
	}
	if len(problems) > 0 {
		t.FailNow()
	}
	return tried
}

// checkSQLite runs SQLite's integrity and foreign key checks on the
// database file, then consistencyQueries. It opens the file anew each time
// so that no connection of the test outlives the server's next kill: the
// server must recover the file by itself.
func checkSQLite(t *testing.T, srv *replica) []string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(srv.dir, "clusteriam.db"))
	must(t, err)
	defer db.Close()
	var problems []string
	rows, err := db.Query("PRAGMA integrity_check")
	must(t, err)
	for rows.Next() {
		var line string
		must(t, rows.Scan(&line))
		if line != "ok" {
			problems = append(problems, "PRAGMA integrity_check: "+line)
		}
	}
	must(t, rows.Err())
	rows.Close()
	rows, err = db.Query("PRAGMA foreign_key_check")
	must(t, err)
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		must(t, rows.Scan(&table, &rowid, &parent, &fk))
		problems = append(problems, fmt.Sprintf("PRAGMA foreign_key_check: row %d of %s points at no row of %s", rowid.Int64, table, parent))
	}
	must(t, rows.Err())
	rows.Close()
	return append(problems, checkConsistency(db)...)
}

// summarize logs what the test did and fails it if some kind of write was
// never acknowledged, or no kill ever cut a write off: then it would have
// checked nothing of it.
func summarize(t *testing.T, l *ledger, cycles, tried int, slowest time.Duration) {
	t.Helper()
	var counts []string
	for _, name := range []string{"create_users", "update_user", "delete_user", "create_group", "update_group",
		"delete_group", "create_user_api_key", "delete_user_api_key_by_id"} {
		n := l.count(name)
		if n == 0 {
			t.Errorf("no %s was acknowledged", name)
		}
		counts = append(counts, fmt.Sprintf("%s %d", name, n))
	}
	if len(l.landed)+l.lost == 0 || len(l.refused) == 0 {
		t.Errorf("%d writes cut off by the kills and %d refused: want some of each", len(l.landed)+l.lost, len(l.refused))
	}
	t.Logf("%d kills; acknowledged: %s; cut off: %d (%d before reaching the server), %d committed whole, %d not at all; refused: %d; API keys tried: %d; slowest restart %v",
		cycles, strings.Join(counts, ", "), len(l.landed)+l.lost, l.unsent, len(l.landed), l.lost, len(l.refused), tried, slowest.Round(time.Millisecond))
}
