package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store/postgres"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

// What the tests of streamed answers share (get_audit_logs, get_users).

// wantSameBytes checks that a streamed answer is want, byte for byte,
// sent as JSON, with its Content-Length when it fits streamHold (it then
// goes out whole).
func wantSameBytes(t *testing.T, name string, r resp, want []byte) {
	t.Helper()
	if string(r.body) != string(want) {
		i := 0
		for i < min(len(r.body), len(want)) && r.body[i] == want[i] {
			i++
		}
		t.Errorf("%q: %d bytes, differing from the whole answer's %d at byte %d: %q, want %q", name,
			len(r.body), len(want), i, r.body[i:min(len(r.body), i+60)], want[i:min(len(want), i+60)])
	}
	if cl := r.header.Get("Content-Length"); (len(want) <= streamHold) != (cl == fmt.Sprint(len(want))) {
		t.Errorf("%q: %d bytes with Content-Length %q", name, len(want), cl)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%q: Content-Type %q", name, ct)
	}
}

// liveHeap is the heap in use after a collection: what is still live.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// getStream starts a GET as the admin and checks its 200.
func getStream(t *testing.T, e *env, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(e.admin.name, e.admin.value)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		res.Body.Close()
		t.Fatalf("status %d", res.StatusCode)
	}
	return res
}

// readSlowly reads body to its end as a slow client would, pausing every
// 2 MB or so while the server is mid-answer to measure the live heap. It
// returns how many bytes it read, the last 64 of them and the highest
// live heap it saw.
func readSlowly(t *testing.T, body io.Reader) (n uint64, tail []byte, peak uint64) {
	t.Helper()
	buf := make([]byte, 32<<10)
	for i := 0; ; i++ {
		k, err := body.Read(buf)
		n += uint64(k)
		if k > 0 {
			tail = append(tail[:0], buf[max(0, k-64):k]...)
		}
		if i%64 == 0 {
			time.Sleep(20 * time.Millisecond)
			peak = max(peak, liveHeap())
		}
		if err == io.EOF {
			return n, tail, peak
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", n, err)
		}
	}
}

// proxiedEnv is an env on PostgreSQL behind a proxy that cuts the
// database connection for real.
func proxiedEnv(t *testing.T) (*env, *pgtest.Proxy) {
	t.Helper()
	proxy := pgtest.NewProxy(t, pgtest.Schema(t))
	st, err := postgres.Open(t.Context(), proxy.DSN(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return newEnvOn(t, &testbackend.Backend{Store: st, Name: "postgres"}, testParams, iam.Config{}, Options{}), proxy
}

// wantCutShort starts the GET of path, reads its first MB, cuts the
// database, and checks that the answer never passes for a whole one: the
// client's read ends in an error, not a clean end of body, and the server
// logs it. Then, before anything is sent, a read the database fails is
// the Error JSON with 503 (the caller's credential is still in the
// cache, at most 1 s old, after the request warm).
func wantCutShort(t *testing.T, e *env, proxy *pgtest.Proxy, path, warm string) {
	t.Helper()
	res := getStream(t, e, path)
	defer res.Body.Close()
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(res.Body, head); err != nil {
		t.Fatal(err)
	}
	proxy.Pause()
	rest, err := io.ReadAll(res.Body)
	if err == nil {
		t.Errorf("the answer cut short mid-way ended cleanly after %d bytes, ending %q", len(head)+len(rest), rest[max(0, len(rest)-40):])
	}
	if json.Valid(append(head, rest...)) {
		t.Error("the answer cut short is valid JSON")
	}
	if !strings.Contains(e.logBuf.String(), "answer cut short") {
		t.Error("the server did not log the answer it cut short")
	}
	t.Logf("cut after %d MB: %v", (len(head)+len(rest))>>20, err)

	proxy.Resume()
	e.want(e.do("GET", warm, e.admin, nil), 200)
	proxy.Pause()
	r := e.want(e.do("GET", path, e.admin, nil), 503)
	if msg, _ := r.obj(t)["message"].(string); !strings.Contains(msg, "database is unavailable") {
		t.Errorf("503 message %q", msg)
	}
	proxy.Resume()
}

// skipBulkUnderRace skips, under -race, a test that moves tens of MB of
// users to check memory, connections or deadlines, not concurrency: the
// instrumented encoder (and SQLite, Go code here) makes it take minutes,
// and its timings meaningless. .ci/run's PostgreSQL pass, without -race,
// runs it, as plain go test does on SQLite.
func skipBulkUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("-race: moving tens of MB of users through the instrumented code takes minutes and skews its timings")
	}
}
