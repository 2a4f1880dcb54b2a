package httpapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
	"github.com/clusteriam/clusteriam/internal/testtier"
)

// floodAddrs is how many client addresses the flood comes from (127.0.0.2
// and up): the failed-log-in limit counts per address, and so does the
// trail's count of unknown users' failures.
const floodAddrs = 32

// TestLoginFloodBoundsTheTrail floods POST /v2/access-tokens, with no
// credential, from many client addresses, with failed log-ins under names
// the cluster has no account for (random ones, passwords typed in the
// username field, and some of up to 900 KB) and under the names of real
// users, for 2 s (30 s with CLUSTERIAM_SOAK=1). The limits on failed
// log-ins are off, so that the trail is what is measured, not the limits.
//
// The bound: the database grows by less than 1 MiB, plus 1 KiB for each
// known user's failure answered, 401 or 429 (each is an entry of its own,
// of a few hundred bytes, as the lock-out needs). Unknown users' failures, however
// many and however long their names, are at most one entry per address
// and minute, and no name sent is stored.
func TestLoginFloodBoundsTheTrail(t *testing.T) {
	duration := testtier.Pick(t, "flood for", 2*time.Second, 30*time.Second)
	e := newEnv(t)
	known := []string{"admin", "alice", "bob", "carol"}
	for _, u := range known[1:] {
		e.createUser(u, u+"-Password-1", "COHESITY_VIEWER")
	}
	srv := httptest.NewUnstartedServer(NewServer(e.svc, Options{
		Logger: slog.New(slog.DiscardHandler), FailedLoginsPerMinute: -1, FailedLoginsPerAccountPerMinute: -1}))
	srv.StartTLS()
	t.Cleanup(srv.Close)
	clients := floodClients(t, srv)
	for _, c := range clients { // handshakes before the clock starts
		if status := get(t.Context(), c, srv.URL+"/healthz"); status != 200 {
			t.Fatalf("GET /healthz: %d", status)
		}
	}
	e.svc.Flush()
	before := dbSize(t, e.be)

	var (
		sent, knownFailed, unknownFailed, refused atomic.Int64
		typed                                     sync.Map // unknown names sent, sampled
		wg                                        sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	for _, c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := sent.Add(1)
				name, isKnown := floodName(n, known)
				if !isKnown && n%97 == 0 {
					typed.Store(name, true)
				}
				body, _ := json.Marshal(map[string]string{"username": name, "password": fmt.Sprint("Guess-", n), "domain": "LOCAL"})
				status := post(ctx, c, srv.URL+"/v2/access-tokens", body)
				switch {
				case status == 0: // the flood's time ran out mid-request
				case isKnown && (status == http.StatusUnauthorized || status == http.StatusTooManyRequests):
					knownFailed.Add(1) // 429: the account's soft lock-out, or its checks in flight
				case status == http.StatusUnauthorized:
					unknownFailed.Add(1)
				case status == http.StatusBadRequest && !isKnown: // a name refused before the log-in
					refused.Add(1)
				default:
					t.Errorf("log-in as %.40q: status %d", name, status)
					return
				}
			}
		})
	}
	wg.Wait()
	e.svc.Flush()
	growth := dbSize(t, e.be) - before
	bound := int64(1<<20) + knownFailed.Load()<<10
	// One entry per address and minute (the flood spans at most two
	// minutes, and Flush may close a third early).
	var aggregated int
	_, err := e.st.EachAudit(t.Context(), store.AuditFilter{Actions: []string{"LoginFailed"}}, func(a store.AuditEntry) error {
		if strings.Contains(a.Details, "of unknown users") {
			aggregated++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s from %d addresses: %d failed log-ins of unknown users (%d entries), %d of known users, %d names refused; "+
		"the database (%s) grew by %d KB, bound %d KB", duration, floodAddrs, unknownFailed.Load(), aggregated,
		knownFailed.Load(), refused.Load(), e.be.Name, growth>>10, bound>>10)
	if growth >= bound {
		t.Errorf("the database grew by %d KB, want under %d KB", growth>>10, bound>>10)
	}
	if unknownFailed.Load() < 10 {
		t.Errorf("only %d failed log-ins of unknown users: the flood measured nothing", unknownFailed.Load())
	}
	if maxEntries := floodAddrs * (int(duration/time.Minute) + 3); aggregated == 0 || aggregated > maxEntries {
		t.Errorf("%d entries of unknown users' failures, want 1 to %d", aggregated, maxEntries)
	}
	typed.Range(func(k, _ any) bool {
		name := k.(string)
		if entries, _, err := e.st.ListAudit(t.Context(), store.AuditFilter{Search: name[:min(len(name), 64)], Limit: 1}); err != nil || len(entries) > 0 {
			t.Errorf("the name %.40q sent is in the trail: %v, %v", name, entries, err)
			return false
		}
		return true
	})
}

// floodName is the n-th name of the flood: now and then a known user's,
// else a name nobody has: a password typed in the username field, a
// random one, or (rarely) one of 900 KB.
func floodName(n int64, known []string) (string, bool) {
	switch {
	case n%5 == 0:
		return known[n/5%int64(len(known))], true
	case n%300 == 1:
		return strings.Repeat(fmt.Sprint("huge-", n, "-"), 900<<10/12), false
	case n%2 == 0:
		return fmt.Sprintf("Typed-Password-%d!", n), false
	}
	return fmt.Sprintf("user-%x", n*2654435761), false
}

// floodClients returns one client per flood address, each trusting srv's
// certificate and connecting from its own loopback address, over one
// HTTP/1.1 connection kept alive.
func floodClients(t *testing.T, srv *httptest.Server) []*http.Client {
	t.Helper()
	tlsCfg := srv.Client().Transport.(*http.Transport).TLSClientConfig
	out := make([]*http.Client, floodAddrs)
	for i := range out {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))}, Timeout: 5 * time.Second}
		tr := &http.Transport{DialContext: d.DialContext, TLSClientConfig: tlsCfg.Clone(),
			TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
		t.Cleanup(tr.CloseIdleConnections)
		out[i] = &http.Client{Transport: tr}
	}
	return out
}

// post sends body and returns the status, or 0 when ctx ended first.
func post(ctx context.Context, c *http.Client, url string, body []byte) int {
	return send(ctx, c, "POST", url, body)
}

// get is post's GET.
func get(ctx context.Context, c *http.Client, url string) int { return send(ctx, c, "GET", url, nil) }

func send(ctx context.Context, c *http.Client, method, url string, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// dbSize is the size of what be's database holds: SQLite's pages in use,
// write-ahead log included; PostgreSQL's tables of the schema with their
// indexes and TOAST.
func dbSize(t *testing.T, be *testbackend.Backend) int64 {
	t.Helper()
	pools := be.Store.(interface{ Pools() map[string]*sql.DB }).Pools()
	var size int64
	switch be.Name {
	case "sqlite":
		var pages, free, page int64
		db := pools["sqlite_read"]
		for q, v := range map[string]*int64{"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &page} {
			if err := db.QueryRowContext(t.Context(), q).Scan(v); err != nil {
				t.Fatal(err)
			}
		}
		size = (pages - free) * page
	case "postgres":
		err := pools["postgres"].QueryRowContext(t.Context(), `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relkind = 'r'`).Scan(&size)
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("backend %q", be.Name)
	}
	return size
}
