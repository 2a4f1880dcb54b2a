package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

const keyCols = `id, user_sid, name, hash, is_active, expiry_msecs,
	created_by_sid, created_msecs, last_rotated_msecs, privilege_cap`

func scanKey(sc scanner) (store.APIKey, error) {
	var k store.APIKey
	var exp sql.NullInt64
	var keyCap sql.NullString
	err := sc.Scan(&k.ID, &k.UserSID, &k.Name, &k.Hash, &k.IsActive, &exp,
		&k.CreatedBySID, &k.CreatedMsecs, &k.LastRotatedMsecs, &keyCap)
	if err != nil {
		return k, err
	}
	k.ExpiryTimeMsecs = ptrInt(exp)
	k.Cap, err = parseNullList("api_keys.privilege_cap", keyCap)
	return k, err
}

// checkKeyOwner fails with ErrInvalidReference unless k's owner exists.
func checkKeyOwner(ctx context.Context, q querier, k *store.APIKey) error {
	found, err := existingUsers(ctx, q, []string{k.UserSID})
	if err != nil {
		return err
	}
	if !found[k.UserSID] {
		return fmt.Errorf("api key %q: user %q: %w", k.ID, k.UserSID, store.ErrInvalidReference)
	}
	return nil
}

// keyConflict names the unique key of the new key k that is taken.
func keyConflict(ctx context.Context, q querier, k *store.APIKey) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE id = ?`, k.ID).Scan(&n); err != nil {
		return q.d.mapErr(fmt.Sprintf("api key %q", k.ID), err)
	}
	if n > 0 {
		return fmt.Errorf("api key %q: %w", k.ID, store.ErrAlreadyExists)
	}
	return fmt.Errorf("api key %q: hash: %w", k.ID, store.ErrAlreadyExists)
}

// CreateAPIKey inserts k. Its owner must exist (ErrInvalidReference); its
// id and hash must be new (ErrAlreadyExists).
func (t *tx) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	const query = `INSERT INTO api_keys (` + keyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`
	q := t.q
	t.user(k.UserSID)
	if err := checkKeyOwner(ctx, q, &k); err != nil {
		return err
	}
	inserted, err := execCount(ctx, q, query, k.ID, k.UserSID, k.Name, k.Hash, k.IsActive,
		nullInt(k.ExpiryTimeMsecs), k.CreatedBySID, k.CreatedMsecs, k.LastRotatedMsecs, nullList(k.Cap))
	if err != nil || inserted == 1 {
		return q.d.mapErr(fmt.Sprintf("create api key %q", k.ID), err)
	}
	return keyConflict(ctx, q, &k)
}

func getKeyByID(ctx context.Context, q querier, id string) (store.APIKey, error) {
	return getKey(ctx, q, `id = ?`, id, fmt.Sprintf("api key %q", id))
}

func getKeyByHash(ctx context.Context, q querier, hash []byte) (store.APIKey, error) {
	return getKey(ctx, q, `hash = ?`, hash, "api key with the hash given")
}

func getKey(ctx context.Context, q querier, cond string, arg any, what string) (store.APIKey, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIKey{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKey{}, q.d.mapErr("get "+what, err)
	}
	return k, nil
}

// listAPIKeys returns the keys f selects, ordered by creation time then
// id. A key is expired when it has an expiry time at or before f.NowMsecs.
func listAPIKeys(ctx context.Context, q querier, f store.APIKeyFilter) ([]store.APIKey, error) {
	w := &where{}
	if len(f.IDs) > 0 {
		w.add(`id IN (SELECT value FROM json_each(?))`, jsonList(f.IDs))
	}
	if len(f.OwnerSIDs) > 0 {
		w.add(`user_sid IN (SELECT value FROM json_each(?))`, jsonList(f.OwnerSIDs))
	}
	if f.IsActive != nil {
		w.add(`is_active = ?`, *f.IsActive)
	}
	if f.IsExpired != nil {
		if *f.IsExpired {
			w.add(`(expiry_msecs IS NOT NULL AND expiry_msecs <= ?)`, f.NowMsecs)
		} else {
			w.add(`(expiry_msecs IS NULL OR expiry_msecs > ?)`, f.NowMsecs)
		}
	}
	return queryAll(ctx, q, "list api keys", scanKey,
		`SELECT `+keyCols+` FROM api_keys`+w.String()+` ORDER BY created_msecs, id`, w.args...)
}

// UpdateAPIKey calls fn with the stored key inside the write transaction
// and stores what it returns. The id cannot change: the stored one is kept.
func (t *tx) UpdateAPIKey(ctx context.Context, id string, fn func(store.APIKey) (store.APIKey, error)) (store.APIKey, error) {
	const query = `UPDATE api_keys SET user_sid = ?, name = ?, hash = ?, is_active = ?,
		expiry_msecs = ?, created_by_sid = ?, created_msecs = ?, last_rotated_msecs = ?,
		privilege_cap = ? WHERE id = ?`
	what := fmt.Sprintf("api key %q", id)
	get := func(q querier) (store.APIKey, error) {
		k, err := getKey(ctx, q, `id = ?`, id, what)
		if err == nil {
			t.user(k.UserSID) // before and after
		}
		return k, err
	}
	return updateRow(ctx, t, "api_keys", "id", id, get, fn, func(q querier, _ store.APIKey, k *store.APIKey) error {
		k.ID = id
		if err := checkKeyOwner(ctx, q, k); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, query, k.UserSID, k.Name, k.Hash, k.IsActive,
			nullInt(k.ExpiryTimeMsecs), k.CreatedBySID, k.CreatedMsecs, k.LastRotatedMsecs,
			nullList(k.Cap), k.ID)
		if q.d.IsUnique(err) {
			return fmt.Errorf("api key %q: hash: %w", k.ID, store.ErrAlreadyExists)
		}
		return q.d.mapErr("update "+what, err)
	}, nil)
}

// DeleteAPIKey deletes the API key with the given id.
func (t *tx) DeleteAPIKey(ctx context.Context, id string) error {
	q := t.q
	what := fmt.Sprintf("delete api key %q", id)
	owners, err := queryAll(ctx, q, what, func(sc scanner) (sid string, err error) {
		return sid, sc.Scan(&sid)
	}, `DELETE FROM api_keys WHERE id = ? RETURNING user_sid`, id)
	if err != nil {
		return err
	}
	if len(owners) == 0 {
		return fmt.Errorf("api key %q: %w", id, store.ErrNotFound)
	}
	t.user(owners...)
	return nil
}
