package console

import (
	"net/http"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
)

// BenchmarkUsersPage measures one page of the users list over HTTPS, as
// a browser asks for it, among 100k users seeded straight in the store:
// filtered by a name, and deep in the list by the keyset cursor. The
// seeding runs only under -bench.
func BenchmarkUsersPage(b *testing.B) {
	e := newEnv(b)
	seedUsers(b, e.st, 100_000, "bench")
	if e.be.DSN != "" {
		pgtest.Analyze(b, e.be.DSN) // as autovacuum would after the load
	}
	br := e.browser()
	br.login("admin", adminPassword)
	for _, path := range []string{
		"/users",
		"/users?name=bench0999",
		"/users?after=1700000090000.S-1-5-21-9-9-9-190000",
		"/users?name=bench&after=1700000050000.S-1-5-21-9-9-9-150000",
		"/users?locked=no&after=1700000050000.S-1-5-21-9-9-9-150000",
		"/users?role=COHESITY_VIEWER&after=1700000050000.S-1-5-21-9-9-9-150000",
	} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				if a := br.do("GET", path, nil); a.status != http.StatusOK {
					b.Fatalf("%s: %d", path, a.status)
				}
			}
		})
	}
}
