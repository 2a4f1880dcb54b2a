package httpapi

import (
	"net/http"
	"strconv"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Paging of get_audit_logs: the default and the largest count.
const (
	defaultAuditCount = 1000
	maxAuditCount     = 10000
)

type auditLog struct {
	Action          string `json:"action"`
	Details         string `json:"details"`
	Domain          string `json:"domain,omitempty"`
	EntityName      string `json:"entityName,omitempty"`
	EntityType      string `json:"entityType"`
	IP              string `json:"ip,omitempty"`
	IsImpersonation bool   `json:"isImpersonation"`
	TimestampUsecs  int64  `json:"timestampUsecs"`
	Username        string `json:"username,omitempty"`
	// The organization the act was made in, and when impersonating,
	// the actor's own; all left out for the cluster.
	TenantID           string `json:"tenantId,omitempty"`
	TenantName         string `json:"tenantName,omitempty"`
	OriginalTenantID   string `json:"originalTenantId,omitempty"`
	OriginalTenantName string `json:"originalTenantName,omitempty"`
}

// auditLogs is the answer of get_audit_logs; handleGetAuditLogs writes
// the bytes json.Marshal would give for it, entry by entry.
type auditLogs struct {
	AuditLogs []auditLog `json:"auditLogs"`
	Count     int64      `json:"count"`
}

func toAuditLog(e store.AuditEntry) auditLog {
	return auditLog{Action: e.Action, Details: e.Details, Domain: e.ActorDomain, EntityName: e.EntityName,
		EntityType: e.EntityType, IP: e.IP, TimestampUsecs: e.TimeUsecs, Username: e.ActorUsername,
		IsImpersonation: e.IsImpersonation, TenantID: e.TenantID, TenantName: e.TenantName,
		OriginalTenantID: e.OriginalTenantID, OriginalTenantName: e.OriginalTenantName}
}

// handleGetAuditLogs streams the entries as the store reads them, so that
// the server's memory does not grow with the answer (up to maxAuditCount
// entries of up to 6.7 KB of text each, more once escaped). The count, last on the wire,
// is taken in the same snapshot before the first entry.
func handleGetAuditLogs(svc *iam.Service, opts Options) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		out := newJSONStream(w, `{"auditLogs":[`, opts.ChunkWriteTimeout)
		total, err := svc.EachAuditLog(r.Context(), p, func() (iam.AuditQuery, error) { return readAuditQuery(r) },
			func(e store.AuditEntry) error { return out.item(toAuditLog(e)) })
		if err != nil {
			return out.fail(r, opts.Logger, err)
		}
		out.end(`],"count":` + strconv.FormatInt(total, 10) + `}`)
		return nil
	}
}

// readAuditQuery reads get_audit_logs' parameters.
func readAuditQuery(r *http.Request) (q iam.AuditQuery, err error) {
	f := &q.AuditFilter
	*f = store.AuditFilter{ActorUsernames: queryList(r, "usernames"), ActorDomains: queryList(r, "domains"),
		Search: queryString(r, "searchString"), Limit: defaultAuditCount}
	if f.Actions, err = queryEnum(r, "actions", iam.AuditActions()); err != nil {
		return q, err
	}
	if f.EntityTypes, err = queryEnum(r, "entityTypes", iam.AuditEntityTypes()); err != nil {
		return q, err
	}
	if q.Scope, err = readScope(r); err != nil {
		return q, err
	}
	for _, n := range []struct {
		name     string
		dst      *int64
		min, max int64
	}{
		{"startTimeUsecs", &f.StartUsecs, 0, 1 << 62}, {"endTimeUsecs", &f.EndUsecs, 0, 1 << 62},
	} {
		if *n.dst, err = queryInt(r, n.name, 0, n.min, n.max); err != nil {
			return q, err
		}
	}
	if f.EndUsecs != 0 && f.EndUsecs < f.StartUsecs {
		return q, badRequest("endTimeUsecs %d is before startTimeUsecs %d", f.EndUsecs, f.StartUsecs)
	}
	start, err := queryInt(r, "startIndex", 0, 0, 1<<31)
	if err != nil {
		return q, err
	}
	count, err := queryInt(r, "count", defaultAuditCount, 1, maxAuditCount)
	if err != nil {
		return q, err
	}
	f.Offset, f.Limit = int(start), int(count)
	return q, nil
}

type auditLogsActions struct {
	Actions []string `json:"actions"`
}

type auditLogsEntityTypes struct {
	EntityTypes []string `json:"entityTypes"`
}

// handleAuditNames answers the fixed lists of actions and entity types,
// to those who may read the trail; body picks the answer from the two.
func handleAuditNames(svc *iam.Service, body func(actions, entityTypes []string) any) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		actions, types, err := svc.AuditVocabulary(p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, body(actions, types))
		return nil
	}
}
