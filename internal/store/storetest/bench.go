package storetest

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// BenchUsers is how many users the list benchmarks seed: 100,000, or
// what CLUSTERIAM_BENCH_USERS says (1000000 for the scale partial-name
// search is meant for).
func BenchUsers(b *testing.B) int {
	n := 100_000
	if v := os.Getenv("CLUSTERIAM_BENCH_USERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10_000 {
			b.Fatalf("CLUSTERIAM_BENCH_USERS=%q: want a number of at least 10000", v)
		}
	}
	return n
}

// SeedUsers creates n users u000000, u000001... (7 digits past a
// million) in batches of 1,000, one in a hundred with role "rare", the
// others "viewer", as in clusteriam-bench; first is the number of the
// first.
func SeedUsers(b *testing.B, s store.Store, first, n int) {
	ctx := b.Context()
	for i := first; i < first+n; i += 1000 {
		users := make([]store.User, min(1000, first+n-i))
		for j := range users {
			role := "viewer"
			if (i+j)%100 == 0 {
				role = "rare"
			}
			users[j] = store.User{SID: fmt.Sprintf("S-%d", i+j), Domain: "LOCAL", Username: fmt.Sprintf("u%06d", i+j),
				Roles: []string{role}, CreatedMsecs: int64(i + j)}
		}
		if err := (Single{Store: s}).CreateUsers(ctx, users); err != nil {
			b.Fatal(err)
		}
	}
}

// SeedRoles creates the roles SeedUsers gives.
func SeedRoles(b *testing.B, s store.Store) {
	for _, r := range []string{"viewer", "rare"} {
		if err := (Single{Store: s}).CreateRole(b.Context(), store.Role{Name: r}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchListUsersFilter runs the store's part of filtered GET /v2/users
// on the n users of SeedUsers, and reports the median of each case
// (p50-ms) beside the mean.
func BenchListUsersFilter(b *testing.B, s store.Store, n int) {
	partial := func(limit int, names ...string) store.UserFilter {
		return store.UserFilter{Usernames: names, MatchPartialNames: true, Limit: limit}
	}
	for _, c := range []struct {
		name string
		f    store.UserFilter
		want int
	}{
		{"sid", store.UserFilter{SIDs: []string{"S-4242"}}, 1},
		{"username", store.UserFilter{Usernames: []string{"u004242"}}, 1},
		{"partial", partial(0, "u00424"), 10},
		{"partial page", partial(100, "u00424"), 10},
		{"partial page of 3 chars", partial(100, "424"), 100},
		{"partial page broad", partial(100, "u00"), 100},
		{"partial page short", partial(100, "42"), 100},
		{"partial page none", partial(100, "zzzz"), 0},
		{"role of 1%", store.UserFilter{Roles: []string{"rare"}}, n / 100},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				got, err := s.ListUsers(b.Context(), c.f)
				took = append(took, time.Since(start))
				if err != nil || len(got) != c.want {
					b.Fatalf("%d users, %v; want %d", len(got), err, c.want)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		})
	}
}

// BenchCreateUsers creates users 1,000 per transaction on top of n
// seeded ones, and reports users/s.
func BenchCreateUsers(b *testing.B, s store.Store, n int) {
	next := n
	start := time.Now()
	for b.Loop() {
		SeedUsers(b, s, next, 1000)
		next += 1000
	}
	b.ReportMetric(float64(next-n)/time.Since(start).Seconds(), "users/s")
}
