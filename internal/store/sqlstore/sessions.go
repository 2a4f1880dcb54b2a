package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// CreateSession inserts sess. Its user must exist (ErrInvalidReference) and
// its hash must be new (ErrAlreadyExists).
func (t *tx) CreateSession(ctx context.Context, sess store.Session) error {
	const query = `INSERT INTO sessions (hash, user_sid, kind, created_msecs, expires_msecs, privilege_cap)
		VALUES (?, ?, ?, ?, ?, ?)`
	q := t.q
	t.user(sess.UserSID)
	found, err := existingUsers(ctx, q, []string{sess.UserSID})
	if err != nil {
		return err
	}
	if !found[sess.UserSID] {
		return fmt.Errorf("session: user %q: %w", sess.UserSID, store.ErrInvalidReference)
	}
	_, err = q.ExecContext(ctx, query, sess.Hash, sess.UserSID, sess.Kind, sess.CreatedMsecs,
		sess.ExpiresMsecs, nullList(sess.Cap))
	if q.d.IsUnique(err) {
		return fmt.Errorf("session of user %q: hash: %w", sess.UserSID, store.ErrAlreadyExists)
	}
	return q.d.mapErr(fmt.Sprintf("create session of user %q", sess.UserSID), err)
}

// getSessionByHash returns the session whose secret hashes to hash,
// expired or not: the caller judges expiry.
func getSessionByHash(ctx context.Context, q querier, hash []byte) (store.Session, error) {
	const query = `SELECT hash, user_sid, kind, created_msecs, expires_msecs, privilege_cap
		FROM sessions WHERE hash = ?`
	var sess store.Session
	var sessCap sql.NullString
	err := q.QueryRowContext(ctx, query, hash).Scan(&sess.Hash, &sess.UserSID,
		&sess.Kind, &sess.CreatedMsecs, &sess.ExpiresMsecs, &sessCap)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session with the hash given: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, q.d.mapErr("get session", err)
	}
	sess.Cap, err = parseNullList("sessions.privilege_cap", sessCap)
	return sess, err
}

// DeleteSessions deletes the sessions of userSID (of every user when
// empty) except the one whose hash is keep (none when nil), and returns
// how many it deleted.
func (t *tx) DeleteSessions(ctx context.Context, userSID string, keep []byte) (int64, error) {
	w := &where{}
	if userSID != "" {
		w.add(`user_sid = ?`, userSID)
		t.user(userSID)
	} else {
		t.everyone()
	}
	if keep != nil {
		w.add(`hash <> ?`, keep)
	}
	return deleteSessions(ctx, t.q, w, "delete sessions")
}

// DeleteExpiredSessions deletes the sessions expired at nowMsecs (expiry
// at or before it) and returns how many it deleted.
func (s *Store) DeleteExpiredSessions(ctx context.Context, nowMsecs int64) (int64, error) {
	w := &where{}
	w.add(`expires_msecs <= ?`, nowMsecs)
	var n int64
	err := s.exec(ctx, func(q querier) error {
		var err error
		n, err = deleteSessions(ctx, q, w, "delete expired sessions")
		return err
	})
	return n, err
}

func deleteSessions(ctx context.Context, q querier, w *where, op string) (int64, error) {
	n, err := execCount(ctx, q, `DELETE FROM sessions`+w.String(), w.args...)
	if err != nil {
		return 0, q.d.mapErr(op, err)
	}
	return n, nil
}

// countSessions counts the sessions alive at nowMsecs (expiry after it) of
// each of userSIDs (of every user when empty), ordered by user sid. Users
// without live sessions are left out.
func countSessions(ctx context.Context, q querier, userSIDs []string, nowMsecs int64) ([]store.SessionCount, error) {
	w := &where{}
	w.add(`expires_msecs > ?`, nowMsecs)
	if len(userSIDs) > 0 {
		w.add(`user_sid IN (SELECT value FROM json_each(?))`, jsonList(userSIDs))
	}
	return queryAll(ctx, q, "count sessions", func(sc scanner) (c store.SessionCount, err error) {
		return c, sc.Scan(&c.UserSID, &c.Count)
	}, `SELECT user_sid, COUNT(*) FROM sessions`+w.String()+` GROUP BY user_sid ORDER BY user_sid`, w.args...)
}
