package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
)

// auditCols are the columns an entry is written to, in auditArgs' order.
var auditCols = []string{"time_usecs", "actor_sid", "actor_domain", "actor_username",
	"actor_domain_key", "actor_username_key", "ip", "action", "entity_type",
	"entity_id", "entity_name", "details", "search_key", "tenant_id", "tenant_name",
	"original_tenant_id", "original_tenant_name", "is_impersonation"}

// auditChunk is how many entries one INSERT carries.
const auditChunk = 200

// insertAudit writes entries in the transaction q, in order, each bounded
// (store.AuditEntry.Bounded): every entry stored passes here.
func insertAudit(ctx context.Context, q querier, entries []store.AuditEntry) error {
	row := "(?" + strings.Repeat(", ?", len(auditCols)-1) + ")"
	for chunk := range slices.Chunk(entries, auditChunk) {
		args := make([]any, 0, len(chunk)*len(auditCols))
		for i := range chunk {
			e := chunk[i].Bounded()
			args = append(args, auditArgs(&e)...)
		}
		query := `INSERT INTO audit_log (` + strings.Join(auditCols, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := q.ExecContext(ctx, query, args...); err != nil {
			return q.d.mapErr("record audit entries", err)
		}
	}
	return nil
}

func auditArgs(e *store.AuditEntry) []any {
	search := store.Fold(e.EntityName + "\n" + e.EntityID + "\n" + e.Details)
	return []any{e.TimeUsecs, e.ActorSID, e.ActorDomain, e.ActorUsername,
		store.Fold(e.ActorDomain), store.Fold(e.ActorUsername), e.IP, e.Action,
		e.EntityType, e.EntityID, e.EntityName, e.Details, search, e.TenantID, e.TenantName,
		e.OriginalTenantID, e.OriginalTenantName, e.IsImpersonation}
}

// ListAudit returns the entries f selects, newest first, and how many it
// selects in all, both from one snapshot.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, int64, error) {
	out := []store.AuditEntry{}
	total, err := s.EachAudit(ctx, f, func(e store.AuditEntry) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// EachAudit counts the entries f selects, then hands them to fn, newest
// first, one row at a time, all in one read transaction: what it holds at
// once is one entry, however many f selects.
func (s *Store) EachAudit(ctx context.Context, f store.AuditFilter, fn func(store.AuditEntry) error) (int64, error) {
	w := auditWhere(&f)
	page := ` ORDER BY time_usecs DESC, id DESC`
	if f.Limit > 0 || f.Offset > 0 {
		limit := int64(math.MaxInt64) // SQLite takes no OFFSET without a LIMIT
		if f.Limit > 0 {
			limit = int64(f.Limit)
		}
		page += fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(f.Offset, 0))
	}
	var total int64
	err := s.read(ctx, func(q querier) error {
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`+w.String(), w.args...).Scan(&total)
		if err != nil {
			return q.d.mapErr("count audit entries", err)
		}
		return eachRow(ctx, q, "list audit entries", scanAudit, fn,
			`SELECT `+auditReadCols+` FROM audit_log`+w.String()+page, w.args...)
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// auditReadCols are read in this order by scanAudit.
const auditReadCols = `id, time_usecs, actor_sid, actor_domain, actor_username, ip,
	tenant_id, tenant_name, original_tenant_id, original_tenant_name, is_impersonation,
	action, entity_type, entity_id, entity_name, details`

func scanAudit(sc scanner) (store.AuditEntry, error) {
	var e store.AuditEntry
	err := sc.Scan(&e.ID, &e.TimeUsecs, &e.ActorSID, &e.ActorDomain, &e.ActorUsername, &e.IP,
		&e.TenantID, &e.TenantName, &e.OriginalTenantID, &e.OriginalTenantName, &e.IsImpersonation,
		&e.Action, &e.EntityType, &e.EntityID, &e.EntityName, &e.Details)
	return e, err
}

// auditWhere renders f, but for its paging, as a WHERE clause on
// audit_log.
func auditWhere(f *store.AuditFilter) *where {
	w := &where{}
	in := func(col string, values []string) {
		if len(values) > 0 {
			w.add(col+` IN (SELECT value FROM json_each(?))`, jsonList(values))
		}
	}
	in("actor_username_key", foldAll(f.ActorUsernames, store.Fold))
	in("actor_domain_key", foldAll(f.ActorDomains, store.Fold))
	in("action", f.Actions)
	in("entity_type", f.EntityTypes)
	if len(f.TenantIDs) == 1 {
		// Equality lets the planners read audit_log_tenant in list order.
		w.add(`tenant_id = ?`, f.TenantIDs[0])
	} else {
		in("tenant_id", f.TenantIDs)
	}
	if f.Search != "" {
		w.add(`instr(search_key, ?) > 0`, store.Fold(f.Search))
	}
	if f.StartUsecs != 0 {
		w.add(`time_usecs >= ?`, f.StartUsecs)
	}
	if f.EndUsecs != 0 {
		w.add(`time_usecs <= ?`, f.EndUsecs)
	}
	return w
}

// DeleteAuditBefore deletes the entries older than usecs.
func (s *Store) DeleteAuditBefore(ctx context.Context, usecs int64) (int64, error) {
	var n int64
	err := s.exec(ctx, func(q querier) error {
		var err error
		n, err = execCount(ctx, q, `DELETE FROM audit_log WHERE time_usecs < ?`, usecs)
		return q.d.mapErr("delete old audit entries", err)
	})
	return n, err
}

// DeleteAuditBeyond deletes the oldest entries beyond the newest keep.
func (s *Store) DeleteAuditBeyond(ctx context.Context, keep int64) (int64, error) {
	keep = max(keep, 0)
	var n int64
	err := s.exec(ctx, func(q querier) error {
		// Ids are never reused, so their span bounds the count: under the
		// cap, as the trail mostly is, this costs two index lookups.
		var lo, hi sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM audit_log`).Scan(&lo, &hi)
		if err != nil || !lo.Valid || hi.Int64-lo.Int64 < keep {
			return q.d.mapErr("count audit entries", err)
		}
		// The newest entry past the cap, in the order entries are listed.
		var usecs, id int64
		err = q.QueryRowContext(ctx, `SELECT time_usecs, id FROM audit_log
			ORDER BY time_usecs DESC, id DESC LIMIT 1 OFFSET ?`, keep).Scan(&usecs, &id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return q.d.mapErr("find the oldest audit entries", err)
		}
		n, err = execCount(ctx, q, `DELETE FROM audit_log WHERE time_usecs < ? OR (time_usecs = ? AND id <= ?)`,
			usecs, usecs, id)
		return q.d.mapErr("delete the oldest audit entries", err)
	})
	return n, err
}
