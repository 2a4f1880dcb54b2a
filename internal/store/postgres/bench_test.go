package postgres

import (
	"testing"

	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// BenchmarkListUsersFilter is the store's part of a filtered GET
// /v2/users at storetest.BenchUsers users.
func BenchmarkListUsersFilter(b *testing.B) {
	n := storetest.BenchUsers(b)
	storetest.BenchListUsersFilter(b, seededBench(b, n), n)
}

// BenchmarkCreateUsers is bulk creation, 1,000 users a transaction, on
// top of 100,000: what the trigram index costs each write.
func BenchmarkCreateUsers(b *testing.B) {
	storetest.BenchCreateUsers(b, seededBench(b, 100_000), 100_000)
}

// seededBench opens a store in a schema of its own with the users of
// storetest.SeedUsers, its statistics up to date.
func seededBench(b *testing.B, n int) *Store {
	dsn := pgtest.Schema(b)
	s, err := Open(b.Context(), dsn, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	storetest.SeedRoles(b, s)
	storetest.SeedUsers(b, s, 0, n)
	pgtest.Analyze(b, dsn)
	return s
}
