package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
)

// mfaCols are read in this order by scanMFA and written, user_sid apart,
// from mfaArgs.
var mfaCols = []string{"user_sid", "totp_key_id", "totp_key_name", "totp_secret",
	"pending_key_id", "pending_key_name", "pending_secret", "pending_created_msecs",
	"totp_last_step", "email_code_hash", "email_code_expires_msecs", "email_sends",
	"email_sends_since_msecs", "updated_msecs"}

var (
	selectMFASQL = `SELECT ` + strings.Join(mfaCols, ", ") + ` FROM user_mfa WHERE user_sid = ?`
	upsertMFASQL = `INSERT INTO user_mfa (` + strings.Join(mfaCols, ", ") + `) VALUES (?` +
		strings.Repeat(", ?", len(mfaCols)-1) + `) ON CONFLICT (user_sid) DO UPDATE SET ` + mfaSet()
)

// mfaSet renders the SET list of the upsert: every column but the key.
func mfaSet() string {
	set := make([]string, 0, len(mfaCols)-1)
	for _, c := range mfaCols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	return strings.Join(set, ", ")
}

func mfaArgs(m *store.UserMFA) []any {
	return []any{m.UserSID, m.TOTPKeyID, m.TOTPKeyName, nullBytes(m.TOTPSecretEnc),
		m.PendingKeyID, m.PendingKeyName, nullBytes(m.PendingSecretEnc), m.PendingCreatedMsecs,
		m.TOTPLastStep, nullBytes(m.EmailCodeHash), m.EmailCodeExpiresMsecs, m.EmailSends,
		m.EmailSendsSinceMsecs, m.UpdatedMsecs}
}

// nullBytes stores an empty secret as NULL, so that nil and empty read
// back alike (as nil).
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func getUserMFA(ctx context.Context, q querier, sid string) (store.UserMFA, error) {
	var m store.UserMFA
	err := q.QueryRowContext(ctx, selectMFASQL, sid).Scan(&m.UserSID, &m.TOTPKeyID, &m.TOTPKeyName,
		&m.TOTPSecretEnc, &m.PendingKeyID, &m.PendingKeyName, &m.PendingSecretEnc, &m.PendingCreatedMsecs,
		&m.TOTPLastStep, &m.EmailCodeHash, &m.EmailCodeExpiresMsecs, &m.EmailSends,
		&m.EmailSendsSinceMsecs, &m.UpdatedMsecs)
	if errors.Is(err, sql.ErrNoRows) {
		return store.UserMFA{}, fmt.Errorf("second factors of user %q: %w", sid, store.ErrNotFound)
	}
	if err != nil {
		return store.UserMFA{}, q.d.mapErr(fmt.Sprintf("get second factors of user %q", sid), err)
	}
	return m, nil
}

// GetUserMFA returns the second factors of user sid.
func (s *Store) GetUserMFA(ctx context.Context, sid string) (store.UserMFA, error) {
	return getUserMFA(ctx, s.reader(), sid)
}

// GetUserMFA returns the second factors of user sid as t reads them.
func (t *tx) GetUserMFA(ctx context.Context, sid string) (store.UserMFA, error) {
	return getUserMFA(ctx, t.q, sid)
}

// UpdateUserMFA calls fn with the second factors of user sid (the zero
// record when it holds none), the user's row locked, and stores the
// result. Locking the user's row serialises it with log-ins, which
// update that row in the same transaction as they accept a code.
func (t *tx) UpdateUserMFA(ctx context.Context, sid string, fn func(store.UserMFA) (store.UserMFA, error)) (store.UserMFA, error) {
	q := t.q
	if err := lockRow(ctx, q, "users", "sid", sid); err != nil {
		return store.UserMFA{}, err
	}
	found, err := existingUsers(ctx, q, []string{sid})
	if err != nil {
		return store.UserMFA{}, err
	}
	if !found[sid] {
		return store.UserMFA{}, fmt.Errorf("user %q: %w", sid, store.ErrNotFound)
	}
	cur, err := getUserMFA(ctx, q, sid)
	if errors.Is(err, store.ErrNotFound) {
		cur, err = store.UserMFA{UserSID: sid}, nil
	}
	if err != nil {
		return store.UserMFA{}, err
	}
	next, err := fn(cur)
	if err != nil {
		return store.UserMFA{}, err
	}
	next.UserSID = sid
	if _, err := q.ExecContext(ctx, upsertMFASQL, mfaArgs(&next)...); err != nil {
		return store.UserMFA{}, q.d.mapErr(fmt.Sprintf("store second factors of user %q", sid), err)
	}
	return getUserMFA(ctx, q, sid)
}

// DeleteUserMFA deletes the second factors of userSID, or of every user
// when it is empty.
func (t *tx) DeleteUserMFA(ctx context.Context, userSID string) (int64, error) {
	w := &where{}
	if userSID != "" {
		w.add(`user_sid = ?`, userSID)
	}
	n, err := execCount(ctx, t.q, `DELETE FROM user_mfa`+w.String(), w.args...)
	return n, t.q.d.mapErr("delete second factors", err)
}
