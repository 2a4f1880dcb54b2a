package sqlstore

import (
	"context"
	"database/sql"
	"errors"
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
	err := s.exec(ctx, func(q querier) error {
		// Both rows are only ever written together, here.
		if _, err := q.ExecContext(ctx, insert, init.ClusterID, init.Incarnation); err != nil {
			return q.d.mapErr("create cluster info", err)
		}
		return q.d.mapErr("read cluster info", q.QueryRowContext(ctx, get).Scan(&ci.ClusterID, &ci.Incarnation))
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
	const query = `UPDATE meta SET value = value + ? WHERE key = 'next_rid' RETURNING value - ?`
	var first int64
	err := s.exec(ctx, func(q querier) error {
		return q.d.mapErr("reserve rids", q.QueryRowContext(ctx, query, n, n).Scan(&first))
	})
	if err != nil {
		return 0, err
	}
	return first, nil
}

// Setting returns the value of the named setting, storing init as it first
// when it has none. Replicas starting together agree on one value: the
// first stored wins.
func (s *Store) Setting(ctx context.Context, name string, init []byte) ([]byte, error) {
	const (
		insert = `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`
		get    = `SELECT value FROM settings WHERE name = ?`
	)
	var v []byte
	err := s.exec(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, insert, name, init); err != nil {
			return q.d.mapErr(fmt.Sprintf("store setting %q", name), err)
		}
		return q.d.mapErr(fmt.Sprintf("read setting %q", name), q.QueryRowContext(ctx, get, name).Scan(&v))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// PutSetting stores value as the named setting, replacing any.
func (t *tx) PutSetting(ctx context.Context, name string, value []byte) error {
	const query = `INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`
	_, err := t.q.ExecContext(ctx, query, name, value)
	return t.q.d.mapErr(fmt.Sprintf("store setting %q", name), err)
}

// GetSetting returns the value of the named setting.
func (s *Store) GetSetting(ctx context.Context, name string) ([]byte, error) {
	return getSetting(ctx, s.reader(), name)
}

// GetSetting returns the value of the named setting as t reads it.
func (t *tx) GetSetting(ctx context.Context, name string) ([]byte, error) {
	return getSetting(ctx, t.q, name)
}

func getSetting(ctx context.Context, q querier, name string) ([]byte, error) {
	var v []byte
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("setting %q: %w", name, store.ErrNotFound)
	}
	return v, q.d.mapErr(fmt.Sprintf("read setting %q", name), err)
}
