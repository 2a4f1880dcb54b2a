package sqlite

import (
	"fmt"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// BenchmarkListUsersFilter is the store's part of a filtered GET /v2/users
// at 100k users: the lookups by sid and exact name use indexes, the
// substring match scans the name index.
func BenchmarkListUsersFilter(b *testing.B) {
	s, err := Open(b.Context(), b.TempDir()+"/iam.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	for _, r := range []string{"viewer", "rare"} {
		if err := (storetest.Single{Store: s}).CreateRole(ctx, store.Role{Name: r}); err != nil {
			b.Fatal(err)
		}
	}
	const n = 100_000
	for i := 0; i < n; i += 1000 {
		users := make([]store.User, 1000)
		for j := range users {
			role := "viewer"
			if (i+j)%100 == 0 {
				role = "rare" // one in a hundred, as in clusteriam-bench
			}
			users[j] = store.User{SID: fmt.Sprintf("S-%d", i+j), Domain: "LOCAL", Username: fmt.Sprintf("u%06d", i+j),
				Roles: []string{role}, CreatedMsecs: int64(i + j)}
		}
		if err := (storetest.Single{Store: s}).CreateUsers(ctx, users); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range []struct {
		name string
		f    store.UserFilter
		want int
	}{
		{"sid", store.UserFilter{SIDs: []string{"S-4242"}}, 1},
		{"username", store.UserFilter{Usernames: []string{"u004242"}}, 1},
		{"partial", store.UserFilter{Usernames: []string{"u00424"}, MatchPartialNames: true}, 10},
		{"role of 1%", store.UserFilter{Roles: []string{"rare"}}, 1000},
	} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				got, err := s.ListUsers(ctx, f.f)
				if err != nil || len(got) != f.want {
					b.Fatalf("%d users, %v; want %d", len(got), err, f.want)
				}
			}
		})
	}
}
