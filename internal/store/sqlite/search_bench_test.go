package sqlite

import (
	"testing"

	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// BenchmarkPartialNames is BenchmarkListUsersFilter with more cases of
// partial names, at storetest.BenchUsers users.
func BenchmarkPartialNames(b *testing.B) {
	s := seededBench(b, storetest.BenchUsers(b))
	storetest.BenchListUsersFilter(b, s, storetest.BenchUsers(b))
}

// BenchmarkCreateUsers is bulk creation, 1,000 users a transaction, on
// top of 100,000: what the trigram index costs each write.
func BenchmarkCreateUsers(b *testing.B) {
	storetest.BenchCreateUsers(b, seededBench(b, 100_000), 100_000)
}

// seededBench opens a store with the users of storetest.SeedUsers.
func seededBench(b *testing.B, n int) *Store {
	s, err := Open(b.Context(), b.TempDir()+"/iam.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	storetest.SeedRoles(b, s)
	storetest.SeedUsers(b, s, 0, n)
	return s
}
