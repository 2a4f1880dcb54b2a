package iam

import (
	"context"
	"slices"

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
	ActionRefused     = "Refused"
	ActionActivate    = "Activate"
	ActionDeactivate  = "Deactivate"

	EntityUser      = "User"
	EntityGroup     = "Group"
	EntityRole      = "Role"
	EntityAPIKey    = "ApiKey"
	EntityS3Key     = "S3SecretKey"
	EntityPrincipal = "SecurityPrincipal"
	EntityTenant    = "Tenant"
	EntityConfig    = "ClusterConfig"
	EntityMFA       = "MfaFactor"
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
	"logout":                   {ActionLogout, EntityUser},
	"lock_after_failed_logins": {ActionLock, EntityUser},
	"lock_after_inactivity":    {ActionLock, EntityUser},
	"revoke_credentials":       {ActionModify, EntityUser},
	"create_tenant":            {ActionCreate, EntityTenant},
	"update_tenant":            {ActionModify, EntityTenant},
	"delete_tenant":            {ActionDelete, EntityTenant},
	"activate_tenant":          {ActionActivate, EntityTenant},
	"deactivate_tenant":        {ActionDeactivate, EntityTenant},
	"update_tenant_config":     {ActionModify, EntityConfig},
	"update_mfa_config":        {ActionModify, EntityConfig},
	"update_security_config":   {ActionModify, EntityConfig},
	"create_totp_key":          {ActionCreate, EntityMFA},
	"send_email_otp":           {ActionCreate, EntityMFA},
	"reset_mfa":                {ActionDelete, EntityMFA},
	// A change refused; the entity type is the refused operation's.
	"refused": {ActionRefused, EntityUser},
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
		e.TenantID, e.TenantName = p.tenant(), p.tenantName()
		if p.Impersonating {
			e.IsImpersonation = true
			e.OriginalTenantID, e.OriginalTenantName = p.User.TenantID, p.TenantName
		}
	}
	return e
}

// AuditQuery selects audit entries: store.AuditFilter's fields, and the
// organizations whose entries to read (see Scope).
type AuditQuery struct {
	store.AuditFilter
	Scope Scope
}

// AuditVocabulary returns the actions and entity types the trail records,
// to who may read the trail.
func (s *Service) AuditVocabulary(p *Principal) (actions, entityTypes []string, err error) {
	if err := s.decide(p, ActRead, Target{Kind: KindAudit}); err != nil {
		return nil, nil, err
	}
	return AuditActions(), AuditEntityTypes(), nil
}
