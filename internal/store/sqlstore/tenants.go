package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/tenant"
)

// tenantCols are read in this order by scanTenant.
const tenantCols = `id, name, description, status, is_managed_on_helios, network,
	created_msecs, updated_msecs, deleted_msecs`

// tenantWriteCols are written in this order, from tenantArgs; id apart.
var tenantWriteCols = []string{"name", "name_key", "description", "status",
	"is_managed_on_helios", "network", "created_msecs", "updated_msecs", "deleted_msecs"}

// tenantIdentity are the columns of a tenant's name, as userIdentity.
var tenantIdentity = map[string]bool{"name": true, "name_key": true}

var (
	insertTenantSQL = `INSERT INTO tenants (id, parent_id, ` + strings.Join(tenantWriteCols, ", ") + `)
		VALUES (?, ?` + strings.Repeat(", ?", len(tenantWriteCols)) + `) ON CONFLICT DO NOTHING`
	updateTenantSQL, _                  = updateSQL("tenants", "id", tenantWriteCols, nil)
	updateTenantKeepNameSQL, keepTenant = updateSQL("tenants", "id", tenantWriteCols, tenantIdentity)
)

// tenantNetwork is how a store.TenantNetwork is kept: a JSON object with
// names of its own, so that renaming a Go field changes nothing stored.
type tenantNetwork struct {
	ConnectorEnabled bool     `json:"connector_enabled"`
	ClusterHostname  string   `json:"cluster_hostname"`
	ClusterIPs       []string `json:"cluster_ips"`
}

// networkArg encodes n for the network column: nil is NULL.
func networkArg(n *store.TenantNetwork) sql.NullString {
	if n == nil {
		return sql.NullString{}
	}
	b, err := json.Marshal(tenantNetwork{n.ConnectorEnabled, n.ClusterHostname, nonNil(n.ClusterIPs)})
	if err != nil {
		// Only bools and strings are encoded; they always marshal.
		panic(fmt.Sprintf("sqlstore: encode a tenant network: %v", err))
	}
	return sql.NullString{String: string(b), Valid: true}
}

// parseNetwork decodes the network column: NULL is nil, and the list of
// addresses is never nil.
func parseNetwork(s sql.NullString) (*store.TenantNetwork, error) {
	if !s.Valid {
		return nil, nil
	}
	var n tenantNetwork
	if err := json.Unmarshal([]byte(s.String), &n); err != nil {
		return nil, fmt.Errorf("column tenants.network: %w", err)
	}
	return &store.TenantNetwork{ConnectorEnabled: n.ConnectorEnabled, ClusterHostname: n.ClusterHostname,
		ClusterIPs: nonNil(n.ClusterIPs)}, nil
}

// tenantArgs are tn's values for tenantWriteCols.
func tenantArgs(tn *store.Tenant) []any {
	return []any{tn.Name, store.Fold(tn.Name), tn.Description, tn.Status, tn.IsManagedOnHelios,
		networkArg(tn.Network), tn.CreatedMsecs, tn.UpdatedMsecs, tn.DeletedMsecs}
}

func scanTenant(sc scanner) (store.Tenant, error) {
	var tn store.Tenant
	var network sql.NullString
	err := sc.Scan(&tn.ID, &tn.Name, &tn.Description, &tn.Status, &tn.IsManagedOnHelios, &network,
		&tn.CreatedMsecs, &tn.UpdatedMsecs, &tn.DeletedMsecs)
	if err != nil {
		return tn, err
	}
	tn.Network, err = parseNetwork(network)
	return tn, err
}

// getTenant reads the tenant with the given id.
func getTenant(ctx context.Context, q querier, id string) (store.Tenant, error) {
	tn, err := scanTenant(q.QueryRowContext(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Tenant{}, fmt.Errorf("tenant %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Tenant{}, q.d.mapErr(fmt.Sprintf("get tenant %q", id), err)
	}
	return tn, nil
}

// listTenants returns the tenants f selects, ordered by id (bytewise on
// both engines: the PostgreSQL column is COLLATE "C").
func listTenants(ctx context.Context, q querier, f store.TenantFilter) ([]store.Tenant, error) {
	w := &where{}
	if len(f.IDs) > 0 {
		w.add(`id IN (SELECT value FROM json_each(?))`, jsonList(f.IDs))
	}
	if len(f.Statuses) > 0 {
		w.add(`status IN (SELECT value FROM json_each(?))`, jsonList(f.Statuses))
	}
	if f.Under != "" {
		// The prefix compared as it is, where LIKE would take the % and _
		// an id may hold for wildcards; substr and length count characters
		// alike, and = compares bytes, on both engines.
		w.add(`substr(id, 1, length(CAST(? AS TEXT))) = ?`, f.Under, f.Under)
	}
	return queryAll(ctx, q, "list tenants", scanTenant,
		`SELECT `+tenantCols+` FROM tenants`+w.String()+` ORDER BY id`, w.args...)
}

// CreateTenant inserts tn. Its id must be new, deleted tenants' included,
// and its name, by its Fold key, no other's but a deleted tenant's
// (ErrAlreadyExists). The insert skips a conflict, to name it after.
func (t *tx) CreateTenant(ctx context.Context, tn store.Tenant) error {
	q := t.q
	t.everyone() // a tenant's status decides whose credentials hold
	n, err := execCount(ctx, q, insertTenantSQL, append([]any{tn.ID, tenant.Parent(tn.ID)}, tenantArgs(&tn)...)...)
	if err != nil || n == 1 {
		return q.d.mapErr(fmt.Sprintf("create tenant %q", tn.ID), err)
	}
	var status string
	err = q.QueryRowContext(ctx, `SELECT status FROM tenants WHERE id = ?`, tn.ID).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("tenant %q: the name is taken: %w", tn.Name, store.ErrAlreadyExists)
	case err != nil:
		return q.d.mapErr(fmt.Sprintf("create tenant %q", tn.ID), err)
	case status == store.TenantDeleted:
		return fmt.Errorf("tenant id %q: a deleted tenant had it: %w", tn.ID, store.ErrAlreadyExists)
	default:
		return fmt.Errorf("tenant id %q: %w", tn.ID, store.ErrAlreadyExists)
	}
}

// UpdateTenant calls fn with the stored tenant inside the write
// transaction and stores what it returns. The id cannot change: the
// stored one is kept. A name, or a status out of Deleted, that makes the
// tenant's name another's not deleted gives ErrAlreadyExists.
func (t *tx) UpdateTenant(ctx context.Context, id string, fn func(store.Tenant) (store.Tenant, error)) (store.Tenant, error) {
	t.everyone()
	get := func(q querier) (store.Tenant, error) { return getTenant(ctx, q, id) }
	return updateRow(ctx, t, "tenants", "id", id, get, fn, func(q querier, cur store.Tenant, tn *store.Tenant) error {
		tn.ID = id
		query, args := updateTenantSQL, tenantArgs(tn)
		if tn.Name == cur.Name {
			query, args = updateTenantKeepNameSQL, keepTenant(args)
		}
		_, err := q.ExecContext(ctx, query, append(args, id)...)
		if q.d.IsUnique(err) {
			return fmt.Errorf("tenant %q: the name is taken: %w", tn.Name, store.ErrAlreadyExists)
		}
		return q.d.mapErr(fmt.Sprintf("update tenant %q", id), err)
	}, nil)
}
