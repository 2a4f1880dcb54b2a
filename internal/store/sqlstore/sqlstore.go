// Package sqlstore implements store.Store on a relational database through
// database/sql. The sqlite and postgres backends open their database and
// hand it here with a Dialect, which holds all that differs between them:
// the SQL they accept, their error codes, their transaction settings and
// their migrations.
//
// Queries are written once, in SQLite's flavour with '?' placeholders and
// json_each over JSON-array arguments; a Dialect's Rebind rewrites them for
// its engine.
//
// Every write runs in Store.Update, whose function may run more than once
// when a backend retries a transaction that lost a race. Each write
// method of the transaction (tx) records what it changed, and Update
// announces it after the commit.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Dialect is what differs between the SQL engines behind a Store.
type Dialect struct {
	// Name names the engine in errors: "sqlite", "postgres".
	Name string
	// Rebind rewrites a query written for SQLite for this engine; nil
	// leaves it as is.
	Rebind func(query string) string
	// MaterializeScope applies a list's tenant scope to what its other
	// filters select through a materialized common table expression,
	// rather than as a condition no index serves (see scoped): without
	// statistics, PostgreSQL plans the latter badly for a partial name.
	MaterializeScope bool
	// PageNamesInline tests a page's name substrings on each row it
	// walks, narrow filters too: PostgreSQL, given the set of matching
	// sids, joins it back row by row along the page's index, which costs
	// a lookup per user; SQLite sorts the few matches instead.
	PageNamesInline bool
	// ArrayIn writes "sid IN (subquery)" as "sid = ANY(ARRAY(subquery))":
	// PostgreSQL cannot estimate a subquery's rows whose terms come from
	// a JSON list, and plans IN as a semi-join over every user (2.2 s for
	// a role 1% of a million users hold); the array is read once and its
	// sids looked up by the primary key (0.13 s).
	ArrayIn bool
	// WalkOrder, when set, are two statements run around a page read
	// along the list's (created_msecs, sid) index (a broad filter, see
	// listUsers): the first keeps the planner on that walk, the second
	// undoes it. PostgreSQL without statistics would otherwise read and
	// sort every match past the cursor (20 s for a page of a role most
	// of a million users hold).
	WalkOrder [2]string
	// Trigrams is the kind of trigram index that serves partial-name
	// search (TrigramFTS5, TrigramPG; see trigram.go); "" scans.
	Trigrams string
	// IsUnique and IsForeignKey classify constraint violations.
	IsUnique, IsForeignKey func(error) bool
	// IsRetryable reports whether a write transaction failed only because
	// a concurrent one won (serialization failure, deadlock), so that it
	// may run again. Nil: never.
	IsRetryable func(error) bool
	// IsUnavailable reports whether an error means the database cannot
	// be reached (connection refused or lost, server shutting down), as
	// opposed to a fault in the request. Nil: never.
	IsUnavailable func(error) bool
	// LockRow is appended to a SELECT to lock the rows it reads until the
	// transaction ends (" FOR UPDATE"); "" where writes are serialised
	// anyway.
	LockRow string
	// WriteTx and ReadTx are the options of write and read transactions.
	WriteTx, ReadTx *sql.TxOptions
	// Migrations holds the schema steps in its folder "migrations", files
	// named NNNN_name.sql.
	Migrations fs.FS
	// LockPrincipals is a statement that takes a lock held until the
	// write transaction ends, serialising the transactions that check
	// invariants over many principals; "" where write transactions are
	// serialised anyway.
	LockPrincipals string
	// LockSessions is the like of LockPrincipals for the log-ins that
	// count sessions against a limit.
	LockSessions string
	// NoSync is a statement that lets the write transaction's commit
	// return before it is flushed to disk; "" where there is none.
	NoSync string
	// MigrationLock is run first in each migration's transaction to keep
	// other processes out until it commits; "" when the write
	// transaction excludes them already.
	MigrationLock string
	// MigrationsTable creates the table of applied migrations if absent.
	MigrationsTable string
	// SetForeignKeys turns the enforcement of foreign keys on or off on
	// one connection, outside any transaction, and ForeignKeyCheck is a
	// query returning a row per broken reference: for the migrations
	// that run with foreign keys off (see foreignKeysOffLine). Nil and
	// "" where none does.
	SetForeignKeys  func(ctx context.Context, conn *sql.Conn, on bool) error
	ForeignKeyCheck string
	// CacheStatements keeps each query prepared on every connection, for
	// a driver that would otherwise compile it at every call.
	CacheStatements bool
}

// Store is a store.Store on a database/sql database. It is safe for
// concurrent use.
type Store struct {
	d      Dialect
	w      *sql.DB // write transactions
	r      *sql.DB // reads; may be w itself
	wStmts *stmtCache
	rStmts *stmtCache

	obsMu     sync.Mutex
	observers []func(store.Change)
}

var _ store.Store = (*Store)(nil)

// New returns a Store writing through w and reading through r (which may
// be w). The schema must be migrated already (see Migrate).
func New(d Dialect, w, r *sql.DB) *Store {
	s := &Store{d: d.complete(), w: w, r: r}
	if s.d.CacheStatements {
		s.wStmts, s.rStmts = newStmtCache(w), newStmtCache(r)
	}
	return s
}

// complete fills in the optional fields left nil.
func (d Dialect) complete() Dialect {
	if d.Rebind == nil {
		d.Rebind = func(q string) string { return q }
	}
	if d.IsRetryable == nil {
		d.IsRetryable = func(error) bool { return false }
	}
	if d.IsUnavailable == nil {
		d.IsUnavailable = func(error) bool { return false }
	}
	return d
}

// Ping reports whether the databases answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: ping: %w", s.d.Name, err)
	}
	if s.w != s.r {
		if err := s.w.PingContext(ctx); err != nil {
			return fmt.Errorf("%s: ping writer: %w", s.d.Name, err)
		}
	}
	return nil
}

// Pools returns the connection pools by name ("write" and "read", or the
// dialect's name when one pool does both), for their statistics.
func (s *Store) Pools() map[string]*sql.DB {
	if s.w == s.r {
		return map[string]*sql.DB{s.d.Name: s.w}
	}
	return map[string]*sql.DB{s.d.Name + "_write": s.w, s.d.Name + "_read": s.r}
}

// Close closes the readers, then the writer.
func (s *Store) Close() error {
	var errs []error
	errs = append(errs, s.rStmts.close(), s.wStmts.close())
	if s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: close: %w", s.d.Name, err)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// querier runs queries written for SQLite in a transaction or on a pool,
// rebinding them for the engine, through prepared statements when the
// dialect caches them.
type querier struct {
	d     *Dialect
	db    *sql.DB
	tx    *sql.Tx    // nil: on the pool
	stmts *stmtCache // nil: no statement cache
}

// sqlRunner is what *sql.DB, *sql.Tx and *sql.Stmt-bound runners share.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmt returns the prepared statement of query for this querier, or nil
// when statements are not cached (or could not be prepared: the plain
// call then reports the error).
func (q querier) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.stmts == nil {
		return nil
	}
	st := q.stmts.get(query)
	if st != nil && q.tx != nil {
		// Bound to the transaction's connection, where database/sql reuses
		// the statement once prepared; it is closed with the transaction.
		st = q.tx.StmtContext(ctx, st)
	}
	return st
}

func (q querier) runner() sqlRunner {
	if q.tx != nil {
		return q.tx
	}
	return q.db
}

func (q querier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query, args = inOne(query, args)
	query = q.d.Rebind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.runner().ExecContext(ctx, query, args...)
}

func (q querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query, args = inOne(query, args)
	query = q.d.Rebind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.runner().QueryContext(ctx, query, args...)
}

func (q querier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	query, args = inOne(query, args)
	query = q.d.Rebind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.runner().QueryRowContext(ctx, query, args...)
}

// reader runs single queries on the read pool, outside a transaction.
func (s *Store) reader() querier { return querier{d: &s.d, db: s.r, stmts: s.rStmts} }

// queryAll runs a query and scans every row with scan; what names the
// operation in errors. The result is never nil.
func queryAll[T any](ctx context.Context, q querier, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	out := []T{}
	err := eachRow(ctx, q, what, scan, func(v T) error { out = append(out, v); return nil }, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow runs a query and hands each row, scanned with scan, to fn as it
// is read; an error from fn stops the query and is returned as is. what
// names the operation in errors.
func eachRow[T any](ctx context.Context, q querier, what string, scan func(scanner) (T, error),
	fn func(T) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return q.d.mapErr(what, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return q.d.mapErr(what, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return q.d.mapErr(what, rows.Err())
}

// Retries of a write transaction that lost a race: at most maxAttempts
// runs, waiting a random time up to a doubling bound between them.
const (
	maxAttempts  = 10
	firstBackoff = 2 * time.Millisecond
	maxBackoff   = 200 * time.Millisecond
)

// write runs fn in a write transaction and commits it when fn returns
// nil. An error from fn is returned as is. A transaction the dialect calls
// retryable runs again, fn included. maybe reports whether the transaction
// may have committed: it did, or its commit failed without saying.
func (s *Store) write(ctx context.Context, fn func(q querier) error) (maybe bool, err error) {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		maybe, err = s.writeOnce(ctx, fn)
		if err == nil || attempt == maxAttempts || !s.d.IsRetryable(err) {
			return maybe, s.d.classify(err)
		}
		t := time.NewTimer(rand.N(backoff) + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return maybe, errors.Join(err, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// exec is write for what announces no change (maintenance, settings).
func (s *Store) exec(ctx context.Context, fn func(q querier) error) error {
	_, err := s.write(ctx, fn)
	return err
}

func (s *Store) writeOnce(ctx context.Context, fn func(q querier) error) (bool, error) {
	tx, err := s.w.BeginTx(ctx, s.d.WriteTx)
	if err != nil {
		return false, fmt.Errorf("%s: begin write: %w", s.d.Name, err)
	}
	q := querier{d: &s.d, db: s.w, tx: tx, stmts: s.wStmts}
	if err := fn(q); err != nil {
		_ = tx.Rollback()
		return false, err
	}
	if err := tx.Commit(); err != nil {
		// A serialisation failure at commit is a clean refusal; anything
		// else may have reached the database.
		return !s.d.IsRetryable(err), fmt.Errorf("%s: commit: %w", s.d.Name, err)
	}
	return true, nil
}

// updateRow is the read-modify-write cycle of every Update method, inside
// the transaction t: it locks the row of table whose column col is key,
// reads the record with get, passes it to fn, has save store what fn
// returns (keeping the record's key; cur is the record as it was), and
// reads the record back; or, where asRead is given, has it make the record
// saved what a read would find, and spares the read.
func updateRow[T any](ctx context.Context, t *tx, table, col, key string,
	get func(querier) (T, error), fn func(T) (T, error), save func(q querier, cur T, next *T) error,
	asRead func(cur T, next *T)) (T, error) {
	var zero T
	if err := lockRow(ctx, t.q, table, col, key); err != nil {
		return zero, err
	}
	cur, err := get(t.q)
	if err != nil {
		return zero, err
	}
	next, err := fn(cur)
	if err != nil {
		return zero, err
	}
	if err := save(t.q, cur, &next); err != nil {
		return zero, err
	}
	if asRead == nil {
		return get(t.q)
	}
	asRead(cur, &next)
	return next, nil
}

// updateSQL renders an UPDATE of table setting cols, but for those in
// skip, by the key column where; pick picks the arguments of the columns
// it sets from a row's arguments for all of cols.
func updateSQL(table, where string, cols []string, skip map[string]bool) (query string, pick func(args []any) []any) {
	var set []string
	var keep []int
	for i, c := range cols {
		if !skip[c] {
			set = append(set, c+" = ?")
			keep = append(keep, i)
		}
	}
	pick = func(args []any) []any {
		out := make([]any, len(keep))
		for i, k := range keep {
			out[i] = args[k]
		}
		return out
	}
	return "UPDATE " + table + " SET " + strings.Join(set, ", ") + " WHERE " + where + " = ?", pick
}

// read runs fn in a read-only transaction, so that all its queries see one
// snapshot.
func (s *Store) read(ctx context.Context, fn func(q querier) error) error {
	tx, err := s.r.BeginTx(ctx, s.d.ReadTx)
	if err != nil {
		return s.d.classify(fmt.Errorf("%s: begin read: %w", s.d.Name, err))
	}
	defer func() { _ = tx.Rollback() }()
	return s.d.classify(fn(querier{d: &s.d, db: s.r, tx: tx, stmts: s.rStmts}))
}

// execCount runs a statement and returns how many rows it changed.
func execCount(ctx context.Context, q querier, query string, args ...any) (int64, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// lockRow locks the row of table whose column col is key until the write
// transaction q ends, where the dialect needs it to keep concurrent
// read-modify-write cycles from losing updates.
func lockRow(ctx context.Context, q querier, table, col, key string) error {
	if q.d.LockRow == "" {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT 1 FROM `+table+` WHERE `+col+` = ?`+q.d.LockRow, key)
	if err != nil {
		return q.d.mapErr("lock "+table+" row", err)
	}
	return rows.Close()
}

// classify marks err as store.ErrUnavailable when the dialect says the
// database could not be reached.
func (d *Dialect) classify(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) || !d.IsUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}

// mapErr wraps err for op, turning constraint violations into the store's
// sentinel errors (a backstop: callers check references and uniqueness
// themselves to name the culprit precisely).
func (d *Dialect) mapErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case d.IsUnique(err):
		return fmt.Errorf("%s: %w (%v)", op, store.ErrAlreadyExists, err)
	case d.IsForeignKey(err):
		return fmt.Errorf("%s: %w (%v)", op, store.ErrInvalidReference, err)
	case d.IsUnavailable(err):
		return fmt.Errorf("%s: %s: %w: %w", d.Name, op, store.ErrUnavailable, err)
	default:
		return fmt.Errorf("%s: %s: %w", d.Name, op, err)
	}
}

// inSet is the condition "col is among the values sub selects".
func (d *Dialect) inSet(col, sub string) string {
	if d.ArrayIn {
		return col + " = ANY(ARRAY(" + sub + "))"
	}
	return col + " IN (" + sub + ")"
}
