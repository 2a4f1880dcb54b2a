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
	const query = `INSERT INTO sessions (hash, user_sid, kind, created_msecs, expires_msecs, privilege_cap,
		last_used_msecs) VALUES (?, ?, ?, ?, ?, ?, ?)`
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
		sess.ExpiresMsecs, nullList(sess.Cap), sess.LastUsedMsecs)
	if q.d.IsUnique(err) {
		return fmt.Errorf("session of user %q: hash: %w", sess.UserSID, store.ErrAlreadyExists)
	}
	return q.d.mapErr(fmt.Sprintf("create session of user %q", sess.UserSID), err)
}

// getSessionByHash returns the session whose secret hashes to hash,
// expired or not: the caller judges expiry.
func getSessionByHash(ctx context.Context, q querier, hash []byte) (store.Session, error) {
	const query = `SELECT hash, user_sid, kind, created_msecs, expires_msecs, privilege_cap,
		last_used_msecs FROM sessions WHERE hash = ?`
	var sess store.Session
	var sessCap sql.NullString
	err := q.QueryRowContext(ctx, query, hash).Scan(&sess.Hash, &sess.UserSID,
		&sess.Kind, &sess.CreatedMsecs, &sess.ExpiresMsecs, &sessCap, &sess.LastUsedMsecs)
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

// DeleteSession deletes the session of userSID whose hash is hash.
func (t *tx) DeleteSession(ctx context.Context, userSID string, hash []byte) (int64, error) {
	w := &where{}
	w.add(`user_sid = ?`, userSID)
	w.add(`hash = ?`, hash)
	t.user(userSID)
	return deleteSessions(ctx, t.q, w, "delete a session")
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

// DeleteIdleSessions deletes the sessions last used at or before
// usedBeforeMsecs and returns how many it deleted.
func (s *Store) DeleteIdleSessions(ctx context.Context, usedBeforeMsecs int64) (int64, error) {
	w := &where{}
	w.add(`last_used_msecs <= ?`, usedBeforeMsecs)
	var n int64
	err := s.exec(ctx, func(q querier) error {
		var err error
		n, err = deleteSessions(ctx, q, w, "delete idle sessions")
		return err
	})
	return n, err
}

// TouchSession records usedMsecs as the session's last use when the one
// recorded is at or before ifUsedBeforeMsecs. It announces nothing.
func (s *Store) TouchSession(ctx context.Context, hash []byte, usedMsecs, ifUsedBeforeMsecs int64) (bool, error) {
	var n int64
	err := s.exec(ctx, func(q querier) error {
		var err error
		n, err = execCount(ctx, q, `UPDATE sessions SET last_used_msecs = ? WHERE hash = ? AND last_used_msecs <= ?`,
			usedMsecs, hash, ifUsedBeforeMsecs)
		return q.d.mapErr("record a session's use", err)
	})
	return n > 0, err
}

// liveSessions is the condition of the sessions alive at nowMsecs and,
// when usedAfterMsecs is not 0, used after it.
func liveSessions(nowMsecs, usedAfterMsecs int64) *where {
	w := &where{}
	w.add(`expires_msecs > ?`, nowMsecs)
	if usedAfterMsecs != 0 {
		w.add(`last_used_msecs > ?`, usedAfterMsecs)
	}
	return w
}

// EndOldestSessions deletes the live sessions of userSID but the newest
// keep, by creation, and returns how many it deleted.
func (t *tx) EndOldestSessions(ctx context.Context, userSID string, keep int, nowMsecs, usedAfterMsecs int64) (int64, error) {
	w := liveSessions(nowMsecs, usedAfterMsecs)
	w.add(`user_sid = ?`, userSID)
	hashes, err := queryAll(ctx, t.q, "list sessions", func(sc scanner) (h []byte, err error) {
		return h, sc.Scan(&h)
	}, `SELECT hash FROM sessions`+w.String()+` ORDER BY created_msecs DESC, hash DESC`, w.args...)
	if err != nil || len(hashes) <= max(keep, 0) {
		return 0, err
	}
	t.user(userSID)
	var n int64
	for _, h := range hashes[max(keep, 0):] {
		d, err := execCount(ctx, t.q, `DELETE FROM sessions WHERE hash = ?`, h)
		if err != nil {
			return n, t.q.d.mapErr(fmt.Sprintf("end a session of user %q", userSID), err)
		}
		n += d
	}
	return n, nil
}

// LockSessions serialises the transaction with every other that calls
// it, where the dialect needs a lock for that.
func (t *tx) LockSessions(ctx context.Context) error {
	if t.q.d.LockSessions == "" {
		return nil
	}
	rows, err := t.q.QueryContext(ctx, t.q.d.LockSessions)
	if err != nil {
		return t.q.d.mapErr("lock sessions", err)
	}
	return rows.Close()
}

// countSessions counts the sessions alive at nowMsecs (expiry after it)
// and, when usedAfterMsecs is not 0, used after it, of each of userSIDs
// (of every user when empty), ordered by user sid. Users without live
// sessions are left out.
func countSessions(ctx context.Context, q querier, userSIDs []string, nowMsecs, usedAfterMsecs int64) ([]store.SessionCount, error) {
	w := liveSessions(nowMsecs, usedAfterMsecs)
	if len(userSIDs) > 0 {
		w.add(`user_sid IN (SELECT value FROM json_each(?))`, jsonList(userSIDs))
	}
	return queryAll(ctx, q, "count sessions", func(sc scanner) (c store.SessionCount, err error) {
		return c, sc.Scan(&c.UserSID, &c.Count)
	}, `SELECT user_sid, COUNT(*) FROM sessions`+w.String()+` GROUP BY user_sid ORDER BY user_sid`, w.args...)
}
