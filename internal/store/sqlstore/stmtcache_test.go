package sqlstore

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// TestStmtCacheCloseWaits: close returns only once every preparation it
// started has ended, so that none holds a connection past the pool's
// Close (SQLite would write its files after the store was closed: a
// test's temporary directory then failed to be removed).
func TestStmtCacheCloseWaits(t *testing.T) {
	for round := range 20 {
		db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		c := newStmtCache(db)
		for i := range 50 {
			c.get(fmt.Sprintf("SELECT %d", i))
		}
		if err := c.close(); err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		pending, cached := len(c.pending), len(c.m)
		c.mu.Unlock()
		if pending != 0 || cached != 0 {
			t.Fatalf("round %d: after close, %d preparations still run and %d statements are cached", round, pending, cached)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
