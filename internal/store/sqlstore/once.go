package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// PutOnce records key for purpose until expiresMsecs. The insert
// replaces an entry only when it has expired, so that of two replicas
// recording one key, one wins and the other hears ErrAlreadyExists.
func (t *tx) PutOnce(ctx context.Context, purpose string, key []byte, nowMsecs, expiresMsecs int64) error {
	n, err := execCount(ctx, t.q, `INSERT INTO sso_once (purpose, key, expires_msecs) VALUES (?, ?, ?)
		ON CONFLICT (purpose, key) DO UPDATE SET expires_msecs = excluded.expires_msecs
		WHERE sso_once.expires_msecs <= ?`, purpose, key, expiresMsecs, nowMsecs)
	if err != nil {
		return t.q.d.mapErr(fmt.Sprintf("record a single-use %s", purpose), err)
	}
	if n == 0 {
		return fmt.Errorf("single-use %s: %w", purpose, store.ErrAlreadyExists)
	}
	return nil
}

// TakeOnce deletes the entry of purpose and key, and reports whether it
// was live. An expired one stays when the caller, hearing ErrNotFound,
// rolls back; PutOnce replaces it and the purge removes it.
func (t *tx) TakeOnce(ctx context.Context, purpose string, key []byte, nowMsecs int64) error {
	var live bool
	err := t.q.QueryRowContext(ctx, `DELETE FROM sso_once WHERE purpose = ? AND key = ?
		RETURNING expires_msecs > ?`, purpose, key, nowMsecs).Scan(&live)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !live {
		return fmt.Errorf("single-use %s: %w", purpose, store.ErrNotFound)
	}
	return t.q.d.mapErr(fmt.Sprintf("take a single-use %s", purpose), err)
}

// DeleteExpiredOnce removes the single-use entries expired at nowMsecs.
func (s *Store) DeleteExpiredOnce(ctx context.Context, nowMsecs int64) (int64, error) {
	var n int64
	err := s.exec(ctx, func(q querier) error {
		var err error
		n, err = execCount(ctx, q, `DELETE FROM sso_once WHERE expires_msecs <= ?`, nowMsecs)
		return q.d.mapErr("delete expired single-use ids", err)
	})
	return n, err
}
