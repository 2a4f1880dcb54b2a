package httpapi

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/testtier"
)

// streamTenant is the organization some seeded users belong to.
const streamTenant = "streamorg/"

// seedVariedUsers stores n users straight in the store, in batches, each
// with desc bytes of description and every optional field the wire shows
// set on some of them: unicode and JSON-escaped text, times, locks, S3
// keys, roles, an organization, a directory domain; three groups hold
// some of them. It returns their sids in creation order.
func seedVariedUsers(t *testing.T, st store.Store, n, desc int) []string {
	t.Helper()
	ctx := t.Context()
	odd := []string{`<script>&amp;</script>`, "line\u2028sep\u2029", `"quoted" \back\ `, "tab\tnew\nline", "Ünïcödé 日本 🙂", ""}
	base := time.Now().Add(-time.Hour).UnixMilli()
	far, past := base+365*24*3600*1000, int64(1_600_000_000_000)
	err := st.Update(ctx, func(tx store.Tx) error {
		return tx.CreateTenant(ctx, store.Tenant{ID: streamTenant, Name: "stream org", Status: "Active", CreatedMsecs: base, UpdatedMsecs: base})
	})
	if err != nil {
		t.Fatal(err)
	}
	sids := make([]string, n)
	var members [3][]string
	for from := 0; from < n; from += 1000 {
		batch := make([]store.User, 0, 1000)
		for i := from; i < min(n, from+1000); i++ {
			sids[i] = fmt.Sprintf("S-1-5-21-7-7-7-%d", 100000+i)
			u := store.User{SID: sids[i], Domain: "LOCAL", Username: fmt.Sprintf("s%06d%s", i, strings.ReplaceAll(odd[i%5], "\n", "")[:3]),
				Description: odd[i%len(odd)] + strings.Repeat("d", desc), Email: fmt.Sprintf("u%d@exämple.com", i),
				Roles:        [][]string{{iam.RoleViewer}, {iam.RoleAdmin}, {}, {iam.RoleViewer, iam.RoleOperator}}[i%4],
				CreatedMsecs: base + int64(i/3), UpdatedMsecs: base + int64(i), Restricted: i%5 == 1,
				ForcePasswordChange: i%6 == 2, LastLoginMsecs: int64(i%2) * (base + 5)}
			switch i % 7 {
			case 1:
				u.EffectiveTimeMsecs, u.ExpiryTimeMsecs = &past, &far
			case 2:
				u.Locked, u.LockedReason = true, iam.LockedByAdmin
			case 3:
				u.S3AccessKeyID, u.S3AccountID = fmt.Sprintf("AKIA%016d", i), fmt.Sprint("acct-", i)
			case 4:
				u.TenantID = streamTenant
			case 5:
				u.Domain, u.Email = "CORP.EXAMPLE", ""
			}
			if u.TenantID == "" && i%3 != 0 {
				members[i%3] = append(members[i%3], u.SID)
			}
			batch = append(batch, u)
		}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateUsers(ctx, batch) }); err != nil {
			t.Fatal(err)
		}
	}
	groups := make([]store.Group, 3)
	for i := range groups {
		groups[i] = store.Group{SID: fmt.Sprintf("S-1-5-21-7-7-8-%d", 1000+i), Domain: "LOCAL", Name: fmt.Sprint("grp", i),
			Members: members[i], Roles: []string{}, CreatedMsecs: base - int64(i), UpdatedMsecs: base}
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateGroups(ctx, groups) }); err != nil {
		t.Fatal(err)
	}
	return sids
}

// adminPrincipal logs the admin in and returns its principal.
func adminPrincipal(t *testing.T, e *env) *iam.Principal {
	t.Helper()
	_, p, err := e.svc.Login(t.Context(), iam.LoginInput{Username: "admin", Password: adminPassword, Domain: "LOCAL"}, store.SessionKindToken)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUsersStreamSameBytes checks that get_users' streamed answer is, byte
// for byte, the one the former handler built whole (ListUsers, then
// json.Marshal of the list): small answers (sent at once with their
// Content-Length), answers of several store pages, every filter.
func TestUsersStreamSameBytes(t *testing.T) {
	e := newEnv(t)
	sids := seedVariedUsers(t, e.st, 2*iam.EachUserPage+345, 20)
	p := adminPrincipal(t, e)
	for _, tc := range []struct {
		query string
		q     iam.UserQuery
	}{
		{"", iam.UserQuery{}},
		{"includeTenants=true", iam.UserQuery{Scope: iam.Scope{IncludeTenants: true}}},
		{"tenantIds=" + streamTenant, iam.UserQuery{Scope: iam.Scope{TenantIDs: []string{streamTenant}}}},
		{"roles=COHESITY_VIEWER", iam.UserQuery{Roles: []string{iam.RoleViewer}}},
		{"roles=COHESITY_ADMIN&includeTenants=true", iam.UserQuery{Roles: []string{iam.RoleAdmin}, Scope: iam.Scope{IncludeTenants: true}}},
		{"usernames=s0012&matchPartialNames=true", iam.UserQuery{Usernames: []string{"s0012"}, MatchPartialNames: true}},
		{"domain=CORP.EXAMPLE", iam.UserQuery{Domain: "CORP.EXAMPLE"}},
		{"sids=" + sids[7] + "," + sids[2000], iam.UserQuery{SIDs: []string{sids[7], sids[2000]}}},
		{"emailAddresses=u8@exämple.com", iam.UserQuery{Emails: []string{"u8@exämple.com"}}},
		{"usernames=nobody", iam.UserQuery{Usernames: []string{"nobody"}}},
		{"usernames=admin", iam.UserQuery{Usernames: []string{"admin"}}},
	} {
		users, err := e.svc.ListUsers(t.Context(), p, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(toUsers(users))
		if err != nil {
			t.Fatal(err)
		}
		r := e.want(e.do("GET", "/v2/users?"+strings.ReplaceAll(url.PathEscape(tc.query), "%3D", "="), e.admin, nil), 200)
		wantSameBytes(t, tc.query, r, want)
		t.Logf("%q: %d users, %d bytes", tc.query, len(users), len(want))
	}
}

// TestUsersStreamMemory lists 20,000 users of 2 KB each (some 45 MB of
// JSON) to a client that reads slowly, and checks that the live heap
// (server and client, one process) grows by less than half the list: the
// server holds a page of users and streamHold bytes, not the list (some
// 10 MB at most, measured). Built whole, the list took over 100 MB of
// live heap.
func TestUsersStreamMemory(t *testing.T) {
	testtier.SkipUnlessSoak(t, "moves 20,000 users (45 MB) through the store")
	skipBulkUnderRace(t)
	const n, bound = 20_000, 24 << 20
	e := newEnv(t)
	seedVariedUsers(t, e.st, n, 2000)
	start := liveHeap()
	res := getStream(t, e, "/v2/users?includeTenants=true")
	defer res.Body.Close()
	got, _, peak := readSlowly(t, res.Body)
	if got < 40<<20 {
		t.Fatalf("read %d bytes, want some 45 MB", got)
	}
	growth := int64(peak) - int64(start)
	t.Logf("read %d MB; live heap %d MB before, at most %d MB during (growth %d KB)", got>>20, start>>20, peak>>20, growth>>10)
	if growth > bound {
		t.Errorf("the live heap grew by %d MB while %d MB of users were read, want under %d MB", growth>>20, got>>20, bound>>20)
	}
}

// TestUsersStreamHoldsNoConnection stalls a client mid-list and checks
// that, while the server waits on it, no database connection is in use:
// each page is a read of its own, done before its users are sent.
func TestUsersStreamHoldsNoConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 20,000 users (25 MB) through the store; -short skips it")
	}
	skipBulkUnderRace(t)
	e := newEnv(t)
	seedVariedUsers(t, e.st, 20_000, 1000)
	res := getStream(t, e, "/v2/users")
	defer res.Body.Close()
	if _, err := io.ReadFull(res.Body, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	pools := e.st.(interface{ Pools() map[string]*sql.DB }).Pools()
	inUse := func() int {
		n := 0
		for _, db := range pools {
			n += db.Stats().InUse
		}
		return n
	}
	// The server fills the sockets' buffers (a few MB) within a few
	// pages, then waits on the client. That wait must hold no
	// connection: sampled over a second, the pools must stay idle.
	time.Sleep(3 * time.Second)
	for range 50 {
		if k := inUse(); k != 0 {
			for name, db := range pools {
				t.Logf("%s: %+v", name, db.Stats())
			}
			buf := make([]byte, 1<<20)
			t.Logf("%s", buf[:runtime.Stack(buf, true)])
			t.Fatalf("%d database connections in use while the server waits on a stalled client", k)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rest, err := io.ReadAll(res.Body)
	if err != nil || !bytes.HasSuffix(rest, []byte("]}")) {
		t.Fatalf("the rest of the list: %d bytes, %v", len(rest), err)
	}
}

// TestUsersStreamCutShort checks that a page the database fails to give
// never passes for a whole list: once the 200 and the first MB are out,
// the database connection is cut, and the client's read ends in an error,
// not a clean end of body, and the server logs it. Before anything is
// sent, the answer is the Error JSON with 503. It runs on PostgreSQL
// behind a proxy that cuts the connection for real.
func TestUsersStreamCutShort(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 20,000 users (25 MB) through the store; -short skips it")
	}
	skipBulkUnderRace(t)
	e, proxy := proxiedEnv(t)
	seedVariedUsers(t, e.st, 20_000, 1000)
	wantCutShort(t, e, proxy, "/v2/users", "/v2/users?usernames=admin")
}

// TestUsersStreamChunkDeadline checks that --write-timeout bounds each
// chunk of a streamed list, not the whole: a client that reads 12 MB at a
// steady pace for longer than the timeout gets all of it, which the
// server's deadline alone would cut; one that stops reading is cut off.
func TestUsersStreamChunkDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 10,000 users slowly for several seconds; -short skips it")
	}
	skipBulkUnderRace(t)
	const timeout = 300 * time.Millisecond
	e := newEnvOptions(t, testParams, iam.Config{}, Options{ChunkWriteTimeout: timeout})
	seedVariedUsers(t, e.st, 10_000, 1000)
	get := func(chunked bool) *http.Response {
		h := e.srv.Config.Handler
		if !chunked {
			h = NewServer(e.svc, Options{})
		}
		srv := httptest.NewUnstartedServer(h)
		srv.Config.WriteTimeout = timeout
		srv.StartTLS()
		t.Cleanup(srv.Close)
		req, err := http.NewRequest("GET", srv.URL+"/v2/users", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(e.admin.name, e.admin.value)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	// 1 MiB every 100 ms: 12 MB take about 1.2 s, well past the
	// socket buffers the server can fill before its deadline.
	steady := func(res *http.Response) ([]byte, error) {
		var all []byte
		buf := make([]byte, 1<<20)
		for {
			n, err := io.ReadFull(res.Body, buf)
			all = append(all, buf[:n]...)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return all, nil
			}
			if err != nil {
				return all, err
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	start := time.Now()
	body, err := steady(get(true))
	if err != nil || !json.Valid(body) {
		t.Fatalf("a steady reader of %d bytes over %v: %v (whole JSON: %v)", len(body), time.Since(start), err, json.Valid(body))
	}
	if took := time.Since(start); took < 2*timeout {
		t.Fatalf("the list took %v to read, under twice the timeout: the test proves nothing", took)
	}
	// Without the per-chunk deadline, the same reader is cut off.
	if body, err := steady(get(false)); err == nil && json.Valid(body) {
		t.Fatal("the whole-answer deadline let a long list through: the first check proves nothing")
	}
	// A reader that stops is cut off after the timeout.
	res := get(true)
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(res.Body, head); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * timeout)
	if rest, err := io.ReadAll(res.Body); err == nil {
		t.Fatalf("a stalled reader was not cut off: it read all %d bytes (whole JSON: %v)",
			len(head)+len(rest), json.Valid(append(head, rest...)))
	}
}
