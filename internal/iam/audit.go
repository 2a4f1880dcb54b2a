package iam

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// Audit actions and entity types, as GET /v2/audit-logs reports them.
const (
	ActionCreate      = "Create"
	ActionModify      = "Modify"
	ActionDelete      = "Delete"
	ActionRotate      = "Rotate"
	ActionRegenerate  = "Regenerate"
	ActionLogin       = "Login"
	ActionLoginFailed = "LoginFailed"
	ActionLogout      = "Logout"
	ActionLock        = "Lock"

	EntityUser      = "User"
	EntityGroup     = "Group"
	EntityRole      = "Role"
	EntityAPIKey    = "ApiKey"
	EntityS3Key     = "S3SecretKey"
	EntityPrincipal = "SecurityPrincipal"
)

// auditOp is what the audit trail calls an operation.
type auditOp struct{ action, entity string }

// auditOps names the action and entity type of each audited operation.
var auditOps = map[string]auditOp{
	"create_user":              {ActionCreate, EntityUser},
	"update_user":              {ActionModify, EntityUser},
	"delete_user":              {ActionDelete, EntityUser},
	"regenerate_s3_key":        {ActionRegenerate, EntityS3Key},
	"create_user_api_key":      {ActionCreate, EntityAPIKey},
	"update_user_api_key":      {ActionModify, EntityAPIKey},
	"rotate_user_api_key":      {ActionRotate, EntityAPIKey},
	"delete_user_api_key":      {ActionDelete, EntityAPIKey},
	"create_group":             {ActionCreate, EntityGroup},
	"update_group":             {ActionModify, EntityGroup},
	"delete_group":             {ActionDelete, EntityGroup},
	"create_role":              {ActionCreate, EntityRole},
	"update_role":              {ActionModify, EntityRole},
	"delete_role":              {ActionDelete, EntityRole},
	"update_principal_sources": {ActionModify, EntityPrincipal},
	"login":                    {ActionLogin, EntityUser},
	"login_failed":             {ActionLoginFailed, EntityUser},
	"delete_session":           {ActionLogout, EntityUser},
	"lock_after_failed_logins": {ActionLock, EntityUser},
}

// AuditActions lists the actions the audit trail records, sorted.
func AuditActions() []string { return auditNames(func(o auditOp) string { return o.action }) }

// AuditEntityTypes lists the entity types the audit trail names, sorted.
func AuditEntityTypes() []string { return auditNames(func(o auditOp) string { return o.entity }) }

func auditNames(pick func(auditOp) string) []string {
	var out []string
	for _, o := range auditOps {
		out = append(out, pick(o))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// clientIPKey is the context key of the client's address.
type clientIPKey struct{}

// WithClientIP returns a copy of ctx naming the address of the client a
// request came from, for the audit trail.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

// event returns the audit entry of operation op by p (nil: the system, or
// a client not logged in) on the entity id named name.
func (s *Service) event(ctx context.Context, p *Principal, op, id, name, details string) store.AuditEntry {
	o := auditOps[op]
	e := store.AuditEntry{TimeUsecs: s.now().UnixMicro(), IP: clientIP(ctx), Action: o.action,
		EntityType: o.entity, EntityID: id, EntityName: name, Details: op}
	if details != "" {
		e.Details += ": " + details
	}
	if p != nil {
		e.ActorSID, e.ActorDomain, e.ActorUsername = p.User.SID, p.User.Domain, p.User.Username
	}
	return e
}

// deleteAudited deletes the records sids name, all or none, through del,
// with an audit entry of op for each in the same transaction, named after
// the records list finds (name gives a record's sid and name).
func deleteAudited[T any](ctx context.Context, s *Service, p *Principal, op string, sids []string,
	list func(context.Context, []string) ([]T, error), name func(T) (sid, name string),
	del func(context.Context, []string) error) error {
	recs, err := list(ctx, sids)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(recs))
	for _, r := range recs {
		sid, n := name(r)
		names[sid] = n
	}
	events := make([]store.AuditEntry, len(sids))
	for i, sid := range sids {
		events[i] = s.event(ctx, p, op, sid, names[sid], "")
	}
	err = del(store.WithAudit(ctx, events...), sids)
	s.logChange(ctx, err, events...)
	return err
}

// logChange writes the log line of each of the events, which were tried
// and failed with err or succeeded. Only successes reach the stored trail,
// in the transaction of the change; failures are in the log alone.
func (s *Service) logChange(ctx context.Context, err error, events ...store.AuditEntry) {
	for _, e := range events {
		attrs := []any{slog.String("audit", e.Action), slog.String("entity_type", e.EntityType),
			slog.String("entity", e.EntityID), slog.String("name", e.EntityName),
			slog.String("actor", e.ActorSID), slog.String("ip", e.IP), slog.String("outcome", "success")}
		if err != nil {
			attrs[len(attrs)-1] = slog.String("outcome", "failure")
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		s.audit.InfoContext(ctx, "change", attrs...)
	}
}

// record stores events that ride on no other change, after the answer, so
// that a failed log-in costs the caller the same whatever it records.
func (s *Service) record(events ...store.AuditEntry) {
	s.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.store.AppendAudit(ctx, events); err != nil {
			s.audit.WarnContext(ctx, "record audit entries", "error", err)
		}
	})
}

// MayReadAudit fails unless p may read the audit trail: that takes Audit
// Log View.
func (s *Service) MayReadAudit(p *Principal) error { return s.require(p, PrivAuditLogView) }

// AuditLogs returns the audit entries f selects, newest first, and how many
// it selects in all.
func (s *Service) AuditLogs(ctx context.Context, p *Principal, f store.AuditFilter) ([]store.AuditEntry, int64, error) {
	if err := s.MayReadAudit(p); err != nil {
		return nil, 0, err
	}
	return s.store.ListAudit(ctx, f)
}
