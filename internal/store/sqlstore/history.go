package sqlstore

import (
	"context"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// The hashes of users' former passwords, for passwordReuse. Each user's
// are numbered 1, 2, 3... in the order they were kept (seq); only the
// newest are kept.

// passwordHistory returns the former password hashes of user sid, newest
// first.
func passwordHistory(ctx context.Context, q querier, sid string) ([]string, error) {
	return queryAll(ctx, q, "read password history", func(sc scanner) (h string, err error) {
		return h, sc.Scan(&h)
	}, `SELECT hash FROM password_history WHERE user_sid = ? ORDER BY seq DESC`, sid)
}

// AddPasswordHistory keeps hash as user sid's newest former password and
// no more than keep of them.
func (t *tx) AddPasswordHistory(ctx context.Context, sid, hash string, keep int) error {
	q := t.q
	if keep <= 0 {
		_, err := q.ExecContext(ctx, `DELETE FROM password_history WHERE user_sid = ?`, sid)
		return q.d.mapErr(fmt.Sprintf("clear the password history of user %q", sid), err)
	}
	if hash != "" {
		// The user's row, locked, orders the numbering of concurrent
		// callers (who hold it anyway, changing its password).
		if err := lockRow(ctx, q, "users", "sid", sid); err != nil {
			return err
		}
		found, err := existingUsers(ctx, q, []string{sid})
		if err != nil {
			return err
		}
		if !found[sid] {
			return fmt.Errorf("password history: user %q: %w", sid, store.ErrInvalidReference)
		}
		_, err = q.ExecContext(ctx, `INSERT INTO password_history (user_sid, seq, hash)
			SELECT ?, COALESCE(MAX(seq), 0) + 1, ? FROM password_history WHERE user_sid = ?`, sid, hash, sid)
		if err != nil {
			return q.d.mapErr(fmt.Sprintf("add to the password history of user %q", sid), err)
		}
	}
	_, err := q.ExecContext(ctx, `DELETE FROM password_history WHERE user_sid = ?
		AND seq <= (SELECT MAX(seq) FROM password_history WHERE user_sid = ?) - ?`, sid, sid, keep)
	return q.d.mapErr(fmt.Sprintf("prune the password history of user %q", sid), err)
}

// TrimPasswordHistory keeps no more than keep former passwords of each
// user and returns how many it deleted.
func (t *tx) TrimPasswordHistory(ctx context.Context, keep int) (int64, error) {
	q := t.q
	query, args := `DELETE FROM password_history`, []any(nil)
	if keep > 0 {
		query += ` WHERE seq <= (SELECT MAX(h.seq) FROM password_history h
			WHERE h.user_sid = password_history.user_sid) - ?`
		args = append(args, keep)
	}
	n, err := execCount(ctx, q, query, args...)
	if err != nil {
		return 0, q.d.mapErr("trim password histories", err)
	}
	return n, nil
}
