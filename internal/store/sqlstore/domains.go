package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/clusteriam/clusteriam/internal/store"
)

// domainCols are read in this order by scanDomain.
const domainCols = `id, type, domain, tenant_id, spec, secret_enc, created_msecs, updated_msecs`

func scanDomain(sc scanner) (store.DirectoryDomain, error) {
	var d store.DirectoryDomain
	err := sc.Scan(&d.ID, &d.Type, &d.Domain, &d.TenantID, &d.Spec, &d.SecretEnc, &d.CreatedMsecs, &d.UpdatedMsecs)
	return d, err
}

func getDomain(ctx context.Context, q querier, id int64) (store.DirectoryDomain, error) {
	d, err := scanDomain(q.QueryRowContext(ctx, `SELECT `+domainCols+` FROM directory_domains WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.DirectoryDomain{}, fmt.Errorf("directory domain %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.DirectoryDomain{}, q.d.mapErr(fmt.Sprintf("get directory domain %d", id), err)
	}
	return d, nil
}

func listDomains(ctx context.Context, q querier) ([]store.DirectoryDomain, error) {
	return queryAll(ctx, q, "list directory domains", scanDomain,
		`SELECT `+domainCols+` FROM directory_domains ORDER BY id`)
}

// GetDirectoryDomain returns directory domain id.
func (s *Store) GetDirectoryDomain(ctx context.Context, id int64) (store.DirectoryDomain, error) {
	return getDomain(ctx, s.reader(), id)
}

// GetDirectoryDomain returns directory domain id as t reads it.
func (t *tx) GetDirectoryDomain(ctx context.Context, id int64) (store.DirectoryDomain, error) {
	return getDomain(ctx, t.q, id)
}

// ListDirectoryDomains returns every directory domain, by id.
func (s *Store) ListDirectoryDomains(ctx context.Context) ([]store.DirectoryDomain, error) {
	return listDomains(ctx, s.reader())
}

// ListDirectoryDomains returns every directory domain as t reads them.
func (t *tx) ListDirectoryDomains(ctx context.Context) ([]store.DirectoryDomain, error) {
	return listDomains(ctx, t.q)
}

// CreateDirectoryDomain inserts d and returns the id the database gave
// it. Domains decide who logs in, so every cached credential is checked
// again.
func (t *tx) CreateDirectoryDomain(ctx context.Context, d store.DirectoryDomain) (int64, error) {
	q := t.q
	t.everyone()
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO directory_domains
		(type, domain, domain_key, tenant_id, spec, secret_enc, created_msecs, updated_msecs)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.Type, d.Domain, store.DomainKey(d.Type, d.Domain), d.TenantID, d.Spec, nullBytes(d.SecretEnc),
		d.CreatedMsecs, d.UpdatedMsecs).Scan(&id)
	if q.d.IsUnique(err) {
		return 0, fmt.Errorf("directory domain %q: %w", d.Domain, store.ErrAlreadyExists)
	}
	if err != nil {
		return 0, q.d.mapErr(fmt.Sprintf("create directory domain %q", d.Domain), err)
	}
	return id, nil
}

// UpdateDirectoryDomain calls fn with domain id and stores what it
// returns but the id, type and domain, which stay.
func (t *tx) UpdateDirectoryDomain(ctx context.Context, id int64, fn func(store.DirectoryDomain) (store.DirectoryDomain, error)) (store.DirectoryDomain, error) {
	t.everyone()
	get := func(q querier) (store.DirectoryDomain, error) { return getDomain(ctx, q, id) }
	key := fmt.Sprint(id)
	return updateRow(ctx, t, "directory_domains", "id", key, get, fn, func(q querier, cur store.DirectoryDomain, d *store.DirectoryDomain) error {
		_, err := q.ExecContext(ctx, `UPDATE directory_domains SET tenant_id = ?, spec = ?, secret_enc = ?,
			created_msecs = ?, updated_msecs = ? WHERE id = ?`,
			d.TenantID, d.Spec, nullBytes(d.SecretEnc), d.CreatedMsecs, d.UpdatedMsecs, id)
		return q.d.mapErr(fmt.Sprintf("update directory domain %d", id), err)
	}, nil)
}

// DeleteDirectoryDomain deletes domain id.
func (t *tx) DeleteDirectoryDomain(ctx context.Context, id int64) error {
	t.everyone()
	n, err := execCount(ctx, t.q, `DELETE FROM directory_domains WHERE id = ?`, id)
	if err != nil {
		return t.q.d.mapErr(fmt.Sprintf("delete directory domain %d", id), err)
	}
	if n == 0 {
		return fmt.Errorf("directory domain %d: %w", id, store.ErrNotFound)
	}
	return nil
}
