package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
)

// On PostgreSQL the bench runs ANALYZE as autovacuum would: whenever the
// users grew by a tenth (autovacuum_analyze_scale_factor's default) since
// the last, and after each seeding. Without it, on a machine whose
// autovacuum is off, the planner keeps the statistics of an empty table,
// and plans good at 10k users turn into scans: the look-alike check of
// create_users, which reads 2 rows by index in 0.2 ms once analyzed,
// took 36 ms at 40k users and grew with them, so seeding 1M would have
// taken hours. Its time is not counted in the create figure, as
// autovacuum's is not in a server's requests.

// analyzeGrowth is the growth of the users, as a share, after which
// ANALYZE runs again.
const analyzeGrowth = 0.1

// analyzeIfDue runs ANALYZE on a PostgreSQL target when the users grew by
// a tenth since the last one, or always when force is set.
func (b *bench) analyzeIfDue(force bool) error {
	if b.database == "" || (!force && float64(b.users) < float64(b.analyzedAt)*(1+analyzeGrowth)+50) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, b.database)
	if err != nil {
		return fmt.Errorf("ANALYZE: connect: %w", err)
	}
	defer conn.Close(ctx)
	t0 := time.Now()
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("ANALYZE: %w", err)
	}
	if force {
		fmt.Fprintf(os.Stderr, "clusteriam-bench: ANALYZE at %d users took %v\n", b.users, time.Since(t0).Round(time.Millisecond))
	}
	b.analyzedAt = b.users
	return nil
}
