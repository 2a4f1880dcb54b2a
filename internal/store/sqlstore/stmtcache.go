package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// maxCachedStmts bounds a statement cache. Queries are built from a fixed
// set of templates, so the bound is only a guard.
const maxCachedStmts = 512

// stmtCache keeps one prepared statement per query text on a pool;
// database/sql prepares it on each connection as needed and keeps it
// there.
//
// A query seen for the first time runs unprepared while its statement is
// prepared in the background: the caller may hold the pool's only free
// connection (the writer has one), so waiting for a preparation of its
// own could wait forever.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
	// preparing counts the preparations running, which close waits for
	// (after cancelling them with stop): one still holding a connection
	// would outlive the pool's Close, and SQLite would write its files
	// after the store was closed.
	preparing sync.WaitGroup
	ctx       context.Context
	stop      context.CancelFunc
}

func newStmtCache(db *sql.DB) *stmtCache {
	ctx, stop := context.WithCancel(context.Background())
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt), pending: make(map[string]bool), ctx: ctx, stop: stop}
}

// get returns the statement of query, or nil when it is not prepared yet
// (its preparation is then started) or the cache is full.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok || c.closed || c.pending[query] || len(c.m)+len(c.pending) >= maxCachedStmts {
		return st
	}
	c.pending[query] = true
	c.preparing.Go(func() { c.prepare(query) })
	return nil
}

func (c *stmtCache) prepare(query string) {
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	st, err := c.db.PrepareContext(ctx, query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, query)
	switch {
	case err != nil:
		// Not cached: the query keeps running unprepared, and reports
		// its own errors.
	case c.closed:
		_ = st.Close()
	default:
		c.m[query] = st
	}
}

// close closes every statement; a nil cache has none.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.stop()
	c.preparing.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	clear(c.m)
	return errors.Join(errs...)
}
