package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/clusteriam/clusteriam/internal/directory/dirtest"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/testtier"
)

// This file runs real `clusteriam serve` processes, built from this
// package, as replicas on one PostgreSQL schema.

// revocationDeadline is how soon every replica must refuse a revoked
// credential.
const revocationDeadline = time.Second

// serverBinary is the clusteriam binary that the tests of this process
// run, built once (a link takes seconds) and removed by TestMain.
var serverBinary struct {
	once      sync.Once
	dir, path string
	err       error
}

// buildBinary builds clusteriam, once per test process, and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	serverBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "clusteriam-test-bin-")
		if err != nil {
			serverBinary.err = err
			return
		}
		serverBinary.dir = dir
		bin := filepath.Join(dir, "clusteriam")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			serverBinary.err = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		serverBinary.path = bin
	})
	if serverBinary.err != nil {
		t.Fatal(serverBinary.err)
	}
	return serverBinary.path
}

// dirtestM runs the tests under dirtest.Run, which stops the shared Samba
// at the end, for testscript.RunMain.
type dirtestM struct{ m *testing.M }

func (d dirtestM) Run() int { return dirtest.Run(d.m) }

func TestMain(m *testing.M) {
	// The test binary is also the clusteriam of the CLI's scripts.
	code := testscript.RunMain(dirtestM{m}, map[string]func() int{"clusteriam": mainCode})
	if serverBinary.dir != "" {
		_ = os.RemoveAll(serverBinary.dir)
	}
	os.Exit(code)
}

// replica is one `clusteriam serve` process and the data dir it keeps
// across restarts.
type replica struct {
	name, bin, dir string
	env            []string
	flags          []string // more flags of serve
	cmd            *exec.Cmd
	url            string
	log            *lockedText
	exited         chan error
	// pg and appName, on PostgreSQL, see the replica's connections: its
	// DSN names it to the server as appName.
	pg      string
	appName string
}

func newReplica(t *testing.T, name, bin string, env ...string) *replica {
	r := &replica{name: name, bin: bin, dir: t.TempDir(), env: slices.Clone(env)}
	for i, kv := range r.env {
		if dsn, ok := strings.CutPrefix(kv, envDatabase+"="); ok && strings.HasPrefix(dsn, "postgres") {
			r.pg, r.appName = dsn, fmt.Sprintf("clusteriam-test-%s-%d", name, time.Now().UnixNano())
			sep := "?"
			if strings.Contains(dsn, "?") {
				sep = "&"
			}
			r.env[i] = kv + sep + "application_name=" + r.appName
		}
	}
	return r
}

// start runs the process and waits for its serving line.
func (r *replica) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command(r.bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", r.dir}, r.flags...)...)
	r.cmd.Env = append(os.Environ(), r.env...)
	stderr, err := r.cmd.StdoutPipe()
	must(t, err)
	r.cmd.Stderr = r.cmd.Stdout // the banner and the logs, in order, on one pipe
	must(t, r.cmd.Start())
	r.log, r.exited = &lockedText{}, make(chan error, 1)
	urlc := watchServing(stderr, r.log, func() { r.exited <- r.cmd.Wait() })
	select {
	case r.url = <-urlc:
	case err := <-r.exited:
		t.Fatalf("replica %s exited: %v\n%s", r.name, err, r.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("replica %s did not start\n%s", r.name, r.log)
	}
	t.Cleanup(func() { r.stop(t) })
}

// startAll starts the replicas at once and waits for all of them.
func startAll(t *testing.T, rs ...*replica) {
	t.Helper()
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Go(func() { r.start(t) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// stop ends the process with SIGTERM, if it still runs.
func (r *replica) stop(t *testing.T) {
	if r.cmd.ProcessState != nil || r.cmd.Process.Signal(syscall.SIGTERM) != nil {
		return
	}
	select {
	case <-r.exited:
	case <-time.After(30 * time.Second):
		_ = r.cmd.Process.Kill()
		t.Errorf("replica %s did not stop on SIGTERM", r.name)
	}
}

// kill ends the process with SIGKILL and waits for it to be gone.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	must(t, r.cmd.Process.Kill())
	<-r.exited
	r.waitConnsGone(t)
}

// waitConnsGone waits, on PostgreSQL, until the server has ended every
// connection of the replica's last run: a transaction whose COMMIT the
// killed process had sent may still be committing, and a check that read
// before it ends would call a write lost that lands a moment later.
func (r *replica) waitConnsGone(t *testing.T) {
	t.Helper()
	if r.pg == "" {
		return
	}
	db, err := sql.Open("pgx", r.pg)
	must(t, err)
	defer db.Close()
	for deadline := time.Now().Add(30 * time.Second); ; {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, r.appName).Scan(&n)
		must(t, err)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s: PostgreSQL still holds %d of its connections 30 s after the kill", r.name, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// header is a credential: one request header.
type header [2]string

// call makes a request to the replica and returns the status and body; a
// transport error is status 0.
func (r *replica) call(c *http.Client, method, path string, h header, body any) (int, []byte) {
	return r.callWith(c, method, path, []header{h}, body)
}

// callWith is call with several headers.
func (r *replica) callWith(c *http.Client, method, path string, hs []header, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.url+path, rd)
	if err != nil {
		panic(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range hs {
		if h[0] != "" {
			req.Header.Set(h[0], h[1])
		}
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// want makes a request, fails t unless it answers code, and decodes the
// body into out (when not nil).
func (r *replica) want(t *testing.T, c *http.Client, code int, method, path string, h header, body, out any) {
	t.Helper()
	got, b := r.call(c, method, path, h, body)
	if got != code {
		t.Fatalf("%s %s on %s: %d %s, want %d", method, path, r.name, got, b, code)
	}
	if out != nil {
		must(t, json.Unmarshal(b, out))
	}
}

func bearer(token string) header { return header{"Authorization", "Bearer " + token} }

// replicaEnv is the environment of a replica on dsn.
func replicaEnv(dsn string, keyByte byte) []string {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{keyByte}, 32))
	return []string{envDatabase + "=" + dsn, envSecretKey + "=" + key,
		"CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1", "CLUSTERIAM_TEST_POSTGRES="}
}

// TestReplicas runs two replicas on one PostgreSQL schema and checks that
// they act as one service.
func TestReplicas(t *testing.T) {
	dsn := pgtest.Schema(t)
	bin := buildBinary(t)
	a := newReplica(t, "A", bin, replicaEnv(dsn, 1)...)
	b := newReplica(t, "B", bin, replicaEnv(dsn, 1)...)
	// Both start at once on the empty schema: one migrates, one admin.
	startAll(t, a, b)
	c := insecureClient()
	var tok accessToken
	a.want(t, c, 201, "POST", "/v2/access-tokens", header{}, loginBody("admin", "Admin-Password-1"), &tok)
	admin := bearer(tok.AccessToken)

	t.Run("OneAdmin", func(t *testing.T) {
		var ul usersList
		b.want(t, c, 200, "GET", "/v2/users", admin, nil, &ul)
		if len(ul.Users) != 1 || ul.Users[0].Username != "admin" {
			t.Errorf("users after a double start: %+v", ul.Users)
		}
	})
	t.Run("SessionMadeOnAWorksOnB", func(t *testing.T) {
		var s struct{ SessionID string }
		a.want(t, c, 201, "POST", "/v2/users/sessions", header{}, loginBody("admin", "Admin-Password-1"), &s)
		b.want(t, c, 200, "GET", "/v2/users", header{"session-id", s.SessionID}, nil, nil)
	})
	t.Run("RevocationReachesB", func(t *testing.T) { testRevocations(t, c, a, b, admin) })
	t.Run("DuplicateRace", func(t *testing.T) { testDuplicateRace(t, c, a, b, admin) })
	t.Run("OtherKeyRefused", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir())
		cmd.Env = append(os.Environ(), replicaEnv(dsn, 2)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "not the one this database was set up with") {
			t.Errorf("replica with another key: %v\n%s", err, out)
		}
	})
	t.Run("MFAReplayAcrossReplicas", func(t *testing.T) { testMFAReplay(t, c, a, b, admin) })
	t.Run("TenantDeactivationReachesB", func(t *testing.T) { testTenantDeactivation(t, c, a, b, admin) })
	t.Run("TenantDeleteRace", func(t *testing.T) { testTenantDeleteRace(t, c, a, b, admin) })
	t.Run("KillAWhileBServes", func(t *testing.T) { testKill(t, c, a, b, admin) })
}

type accessToken struct{ AccessToken string }

type usersList struct {
	Users []struct{ SID, Username string }
}

func loginBody(user, pw string) map[string]any {
	return map[string]any{"username": user, "password": pw, "domain": "LOCAL"}
}

// newUser creates a LOCAL viewer through r and returns its sid.
func newUser(t *testing.T, c *http.Client, r *replica, admin header, name, pw string) string {
	t.Helper()
	var ul usersList
	r.want(t, c, 201, "POST", "/v2/users", admin, []map[string]any{{"username": name, "domain": "LOCAL",
		"roles": []string{"COHESITY_VIEWER"}, "localUserParams": map[string]any{"password": pw}}}, &ul)
	return ul.Users[0].SID
}

// testRevocations revokes a credential on A, for each way there is, and
// measures how soon B refuses it.
func testRevocations(t *testing.T, c *http.Client, a, b *replica, admin header) {
	type credential struct {
		sid, keyID string
		h          header
	}
	login := func(t *testing.T, kind, name string) credential {
		pw := name + "-Password-1"
		sid := newUser(t, c, a, admin, name, pw)
		switch kind {
		case "session":
			var s struct{ SessionID string }
			a.want(t, c, 201, "POST", "/v2/users/sessions", header{}, loginBody(name, pw), &s)
			return credential{sid: sid, h: header{"session-id", s.SessionID}}
		case "bearer":
			var tok accessToken
			a.want(t, c, 201, "POST", "/v2/access-tokens", header{}, loginBody(name, pw), &tok)
			return credential{sid: sid, h: bearer(tok.AccessToken)}
		default:
			var k struct{ ID, APIKey string }
			a.want(t, c, 201, "POST", "/v2/users/"+sid+"/api-keys", admin, map[string]any{"name": "k"}, &k)
			return credential{sid: sid, keyID: k.ID, h: header{"apiKey", k.APIKey}}
		}
	}
	tests := []struct {
		name, kind string
		revoke     func(t *testing.T, cr credential)
	}{
		{"DeleteSessions", "session", func(t *testing.T, cr credential) {
			a.want(t, c, 204, "DELETE", "/v2/users/sessions?sid="+cr.sid, admin, nil, nil)
		}},
		{"DeactivateKey", "apiKey", func(t *testing.T, cr credential) {
			a.want(t, c, 200, "PUT", "/v2/users/"+cr.sid+"/api-keys/"+cr.keyID, admin,
				map[string]any{"name": "k", "isActive": false}, nil)
		}},
		{"RotateKey", "apiKey", func(t *testing.T, cr credential) {
			a.want(t, c, 200, "POST", "/v2/users/"+cr.sid+"/api-keys/"+cr.keyID+"/rotate", admin, nil, nil)
		}},
		{"DeleteKey", "apiKey", func(t *testing.T, cr credential) {
			a.want(t, c, 204, "DELETE", "/v2/users/"+cr.sid+"/api-keys/"+cr.keyID, admin, nil, nil)
		}},
		{"LockUser", "bearer", func(t *testing.T, cr credential) {
			a.want(t, c, 200, "PUT", "/v2/users/"+cr.sid, admin, map[string]any{"locked": true}, nil)
		}},
		{"ChangePassword", "session", func(t *testing.T, cr credential) {
			a.want(t, c, 200, "PUT", "/v2/users/"+cr.sid, admin,
				map[string]any{"localUserParams": map[string]any{"password": "Changed-Password-2"}}, nil)
		}},
		{"DeleteUser", "apiKey", func(t *testing.T, cr credential) {
			a.want(t, c, 204, "DELETE", "/v2/users/"+cr.sid, admin, nil, nil)
		}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cr := login(t, tc.kind, fmt.Sprintf("rev%d", i))
			b.want(t, c, 200, "GET", "/v2/users/"+cr.sid, cr.h, nil, nil)
			tc.revoke(t, cr)
			revoked := time.Now()
			for {
				code, body := b.call(c, "GET", "/v2/users/"+cr.sid, cr.h, nil)
				if code == 401 {
					t.Logf("B refused the %s credential %v after A's revocation", tc.kind, time.Since(revoked))
					break
				}
				if code != 200 {
					t.Fatalf("B answered %d %s, want 200 until it refuses with 401", code, body)
				}
				if time.Since(revoked) > revocationDeadline {
					t.Fatalf("B still accepts the %s credential %v after A revoked it", tc.kind, revocationDeadline)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// testDuplicateRace creates the same names through both replicas at once.
func testDuplicateRace(t *testing.T, c *http.Client, a, b *replica, admin header) {
	race := func(bodyA, bodyB any, path string) (codeA, codeB int) {
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { <-start; codeA, _ = a.call(c, "POST", path, admin, bodyA) })
		wg.Go(func() { <-start; codeB, _ = b.call(c, "POST", path, admin, bodyB) })
		close(start)
		wg.Wait()
		return codeA, codeB
	}
	oneWins := func(t *testing.T, what string, codeA, codeB int) {
		t.Helper()
		if got := []int{min(codeA, codeB), max(codeA, codeB)}; !slices.Equal(got, []int{201, 409}) {
			t.Errorf("%s: A %d, B %d; want one 201 and one 409", what, codeA, codeB)
		}
	}
	user := func(name string) map[string]any {
		return map[string]any{"username": name, "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"},
			"localUserParams": map[string]any{"password": "Race-Password-1"}}
	}
	exists := func(t *testing.T, name string) bool {
		var ul usersList
		b.want(t, c, 200, "GET", "/v2/users?usernames="+name, admin, nil, &ul)
		return len(ul.Users) == 1
	}
	for round := range testtier.Pick(t, "rounds", 3, 8) {
		name := fmt.Sprintf("race%d", round)
		// The second differs in case only: names are unique regardless.
		codeA, codeB := race([]any{user(name)}, []any{user(strings.ToUpper(name))}, "/v2/users")
		oneWins(t, "user "+name, codeA, codeB)

		group := map[string]any{"name": "team" + name, "domain": "LOCAL", "roles": []string{}}
		codeA, codeB = race([]any{group}, []any{group}, "/v2/groups")
		oneWins(t, "group team"+name, codeA, codeB)

		shared := "shared" + name
		codeA, codeB = race([]any{user("a1" + name), user(shared), user("a2" + name)},
			[]any{user("b1" + name), user(shared), user("b2" + name)}, "/v2/users")
		oneWins(t, "bulk "+shared, codeA, codeB)
		winner, loser := "a", "b"
		if codeB == 201 {
			winner, loser = "b", "a"
		}
		for _, n := range []string{"1", "2"} {
			if !exists(t, winner+n+name) {
				t.Errorf("round %d: the winning bulk request's %s%s%s is missing", round, winner, n, name)
			}
			if exists(t, loser+n+name) {
				t.Errorf("round %d: the refused bulk request's %s%s%s was written", round, loser, n, name)
			}
		}
	}
}

// waitUntil waits up to a minute for cond, and fails t without it.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testKill kills A with SIGKILL while both replicas take writes, then
// checks that B never failed, that every write A acknowledged is there,
// and that A starts again.
func testKill(t *testing.T, c *http.Client, a, b *replica, admin header) {
	stop := make(chan struct{})
	var acked []string // groups A answered 201 for
	var bFailures []string
	var bWrites int
	var aAcks, bRounds atomic.Int64 // the same counts, for the main goroutine to watch
	var wg sync.WaitGroup
	create := func(r *replica, name string) int {
		code, _ := r.call(c, "POST", "/v2/groups", admin, []any{map[string]any{"name": name, "domain": "LOCAL"}})
		return code
	}
	// loop calls fn with 0, 1, 2... until stop is closed.
	loop := func(fn func(i int)) {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
					fn(i)
				}
			}
		})
	}
	loop(func(i int) {
		name := fmt.Sprintf("killa%d", i)
		if create(a, name) == 201 {
			acked = append(acked, name)
			aAcks.Add(1)
		}
	})
	loop(func(i int) {
		if code := create(b, fmt.Sprintf("killb%d", i)); code != 201 {
			bFailures = append(bFailures, fmt.Sprintf("create: %d", code))
		}
		if code, body := b.call(c, "GET", "/v2/groups?names=killb0", admin, nil); code != 200 {
			bFailures = append(bFailures, fmt.Sprintf("get: %d %s", code, body))
		}
		bWrites++
		bRounds.Add(1)
	})
	// Kill A once both have served some writes, and stop once B has served
	// rounds after the kill: counting, not sleeping, so that a loaded
	// machine cannot leave either side without writes.
	halt := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer halt()
	waitUntil(t, "A acknowledges and B serves writes", func() bool { return aAcks.Load() >= 5 && bRounds.Load() >= 3 })
	a.kill(t)
	afterKill := bRounds.Load()
	waitUntil(t, "B serves writes after the kill", func() bool { return bRounds.Load() >= afterKill+5 })
	halt()
	if len(bFailures) > 0 {
		t.Errorf("B failed %d of %d rounds while A was killed: %q", len(bFailures), bWrites, bFailures[:min(5, len(bFailures))])
	}
	if len(acked) == 0 {
		t.Fatal("A acknowledged no write before the kill")
	}
	var gl struct{ Groups []struct{ Name string } }
	b.want(t, c, 200, "GET", "/v2/groups?names="+strings.Join(acked, ","), admin, nil, &gl)
	if len(gl.Groups) != len(acked) {
		t.Errorf("B sees %d of the %d groups A acknowledged before the kill", len(gl.Groups), len(acked))
	}
	a.start(t)
	var tok accessToken
	a.want(t, c, 201, "POST", "/v2/access-tokens", header{}, loginBody("admin", "Admin-Password-1"), &tok)
	a.want(t, c, 200, "GET", "/v2/groups?names=killb0", bearer(tok.AccessToken), nil, nil)
	t.Logf("A acknowledged %d writes, B served %d rounds around the kill", len(acked), bWrites)
}
