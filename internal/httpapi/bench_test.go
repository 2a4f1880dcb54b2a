package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/api"
	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

// benchServer is the API handler on a real store, with an admin logged in
// by each credential kind.
func benchServer(b testing.TB) (h http.Handler, adminSID string, creds map[string][2]string, st store.Store) {
	b.Helper()
	return benchServerOn(b, testbackend.Open(b).Store)
}

// benchServerOn is benchServer on the store st.
func benchServerOn(b testing.TB, st store.Store) (h http.Handler, adminSID string, creds map[string][2]string, _ store.Store) {
	b.Helper()
	ctx := context.Background()
	box, err := auth.NewSecretBox(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc, err := iam.New(ctx, st, auth.NewHasher(testParams, 4), box, iam.Config{Audit: log})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.Wait) // before the store closes
	if _, err := svc.EnsureAdmin(ctx, adminPassword); err != nil {
		b.Fatal(err)
	}
	in := iam.LoginInput{Username: "admin", Password: adminPassword, Domain: "LOCAL"}
	tok, p, err := svc.Login(ctx, in, store.SessionKindToken)
	if err != nil {
		b.Fatal(err)
	}
	sess, _, err := svc.Login(ctx, in, store.SessionKindSession)
	if err != nil {
		b.Fatal(err)
	}
	_, key, err := svc.CreateAPIKey(ctx, p, p.User.SID, iam.APIKeyInput{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	h = NewServer(svc, Options{Logger: log, Metrics: NewMetrics(), ServeMetrics: true, Spec: api.Spec()})
	return h, p.User.SID, map[string][2]string{
		"apiKey": {"apiKey", key}, "Bearer": {"Authorization", "Bearer " + tok}, "session-id": {"session-id", sess},
	}, st
}

// BenchmarkGetUser is the hottest path: an authenticated read of one user,
// through the whole handler but without TLS and the network.
func BenchmarkGetUser(b *testing.B) {
	h, sid, creds, _ := benchServer(b)
	for _, kind := range []string{"apiKey", "Bearer", "session-id"} {
		b.Run(kind, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/v2/users/"+sid, nil)
			req.Header.Set(creds[kind][0], creds[kind][1])
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkEncodeUsers is the JSON encoding of a page of 1,000 users, as
// GET /v2/users sends it.
func BenchmarkEncodeUsers(b *testing.B) {
	users := make([]store.User, 1000)
	for i := range users {
		exp := int64(1_900_000_000_000)
		users[i] = store.User{SID: fmt.Sprintf("S-1-100-21-1-2-%d", 1000+i), Domain: "LOCAL", Username: fmt.Sprintf("u%06d", i),
			Email: "u@example.com", Roles: []string{"COHESITY_VIEWER"}, Groups: []string{}, ExpiryTimeMsecs: &exp,
			S3AccessKeyID: "ABCDEFGHIJKLMNOPQRST", S3AccountID: "0123456789abcdef", CreatedMsecs: 1, UpdatedMsecs: 2}
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		writeJSON(rec, 200, toUsers(users))
	}
}

// firstByteWriter is a ResponseWriter that keeps no body: it counts the
// bytes and notes when the first came, so that a benchmark measures the
// handler, not a buffer of its answer.
type firstByteWriter struct {
	header http.Header
	status int
	n      int
	first  time.Time
}

func (w *firstByteWriter) Header() http.Header { return w.header }
func (w *firstByteWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *firstByteWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		w.first = time.Now()
	}
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

// BenchmarkListUsers is GET /v2/users of 10,000 users (and the admin)
// through the whole handler, without TLS and the network: B/op and
// allocs/op of the whole answer, ttfb-ms the time to its first byte.
func BenchmarkListUsers(b *testing.B) {
	h, _, creds, st := benchServer(b)
	const n = 10_000
	users := make([]store.User, n)
	for i := range users {
		exp := int64(1_900_000_000_000)
		users[i] = store.User{SID: fmt.Sprintf("S-1-100-21-9-9-%d", 100000+i), Domain: "LOCAL", Username: fmt.Sprintf("u%06d", i),
			Description: "a user of the benchmark", Email: fmt.Sprintf("u%06d@example.com", i), Roles: []string{"COHESITY_VIEWER"},
			ExpiryTimeMsecs: &exp, CreatedMsecs: 1_700_000_000_000 + int64(i), UpdatedMsecs: 1_700_000_000_000}
	}
	if err := st.Update(b.Context(), func(tx store.Tx) error { return tx.CreateUsers(b.Context(), users) }); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/v2/users", nil)
	req.Header.Set(creds["apiKey"][0], creds["apiKey"][1])
	var ttfb time.Duration
	b.ReportAllocs()
	for b.Loop() {
		w := &firstByteWriter{header: http.Header{}}
		start := time.Now()
		h.ServeHTTP(w, req)
		if w.status != 200 || w.n < n*300 {
			b.Fatalf("status %d, %d bytes", w.status, w.n)
		}
		ttfb += w.first.Sub(start)
	}
	b.ReportMetric(ttfb.Seconds()*1000/float64(b.N), "ttfb-ms")
}

// BenchmarkListUsersRole is GET /v2/users?roles=R through the whole
// handler, without TLS and the network, where R is held by 10,000 of
// 50,000 users: the answer is 10,000 users, as a role 1% of a million
// hold gives, and its cost grows with them (µs-per-user), not with the
// store. PostgreSQL's statistics are brought up to date, as autovacuum
// would. cpu-ms is the process's CPU time a list: on a loaded machine, a
// steadier figure than the wall time.
func BenchmarkListUsersRole(b *testing.B) {
	be := testbackend.Open(b)
	h, _, creds, st := benchServerOn(b, be.Store)
	const n, holders = 50_000, 10_000
	if err := st.Update(b.Context(), func(tx store.Tx) error { return tx.CreateRole(b.Context(), store.Role{Name: "bench-rare"}) }); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 1000 {
		users := make([]store.User, 1000)
		for j := range users {
			k := i + j
			role := "COHESITY_VIEWER"
			if k%(n/holders) == 0 {
				role = "bench-rare"
			}
			users[j] = store.User{SID: fmt.Sprintf("S-1-100-21-9-9-%d", 100000+k), Domain: "LOCAL", Username: fmt.Sprintf("u%06d", k),
				Description: "a user of the benchmark", Email: fmt.Sprintf("u%06d@example.com", k), Roles: []string{role},
				CreatedMsecs: 1_700_000_000_000 + int64(k), UpdatedMsecs: 1_700_000_000_000}
		}
		if err := st.Update(b.Context(), func(tx store.Tx) error { return tx.CreateUsers(b.Context(), users) }); err != nil {
			b.Fatal(err)
		}
	}
	if be.DSN != "" {
		pgtest.Analyze(b, be.DSN)
	}
	req := httptest.NewRequest("GET", "/v2/users?roles=bench-rare", nil)
	req.Header.Set(creds["apiKey"][0], creds["apiKey"][1])
	var took []time.Duration
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		w := &firstByteWriter{header: http.Header{}}
		start := time.Now()
		h.ServeHTTP(w, req)
		took = append(took, time.Since(start))
		if w.status != 200 || w.n < holders*300 {
			b.Fatalf("status %d, %d bytes", w.status, w.n)
		}
	}
	cpu = processCPU() - cpu
	slices.Sort(took)
	p50 := took[len(took)/2]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p50.Microseconds())/holders, "µs-per-user")
	// The server's CPU a list, PostgreSQL's aside: what the machine's
	// other load leaves alone.
	b.ReportMetric(cpu.Seconds()*1000/float64(len(took)), "cpu-ms")
}

// processCPU is the CPU time the process has used, user and system. The
// tests run on Linux only (dirtest kills process groups).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
