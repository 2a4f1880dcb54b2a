package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// ClusterInfo returns the cluster identity, storing init as it on the
// first call; later calls return what was stored and ignore init.
func (s *Store) ClusterInfo(ctx context.Context, init store.ClusterInfo) (store.ClusterInfo, error) {
	const (
		insert = `INSERT INTO meta (key, value) VALUES ('cluster_id', ?), ('incarnation', ?)
			ON CONFLICT (key) DO NOTHING`
		get = `SELECT (SELECT value FROM meta WHERE key = 'cluster_id'),
			(SELECT value FROM meta WHERE key = 'incarnation')`
	)
	var ci store.ClusterInfo
	err := s.write(ctx, func(tx *sql.Tx) error {
		// Both rows are only ever written together, here.
		if _, err := tx.ExecContext(ctx, insert, init.ClusterID, init.Incarnation); err != nil {
			return mapErr("create cluster info", err)
		}
		return mapErr("read cluster info", tx.QueryRowContext(ctx, get).Scan(&ci.ClusterID, &ci.Incarnation))
	})
	if err != nil {
		return store.ClusterInfo{}, err
	}
	return ci, nil
}

// NextRIDs reserves n relative ids and returns the first. The counter
// starts at 1000 and its increment commits durably before the ids are
// handed out, so no id is ever returned twice.
func (s *Store) NextRIDs(ctx context.Context, n int) (int64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("sqlite: reserve %d rids: count must be positive", n)
	}
	const q = `UPDATE meta SET value = value + ? WHERE key = 'next_rid' RETURNING value - ?`
	var first int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		return mapErr("reserve rids", tx.QueryRowContext(ctx, q, n, n).Scan(&first))
	})
	if err != nil {
		return 0, err
	}
	return first, nil
}
