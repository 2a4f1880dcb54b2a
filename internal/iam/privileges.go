package iam

import "github.com/clusteriam/clusteriam/internal/store"

// Privilege names. Roles and access tokens carry these names, never labels.
const (
	PrivPrincipalView   = "PRINCIPAL_VIEW"
	PrivPrincipalModify = "PRINCIPAL_MODIFY" // "Manage Users"
	PrivRoleView        = "ROLE_VIEW"
	PrivRoleModify      = "ROLE_MODIFY"
	PrivS3KeyModify     = "S3_KEY_MODIFY" // "Manage S3 Keys"
	PrivClusterView     = "CLUSTER_VIEW"
	PrivClusterModify   = "CLUSTER_MODIFY"
	PrivProtectionView  = "PROTECTION_VIEW"
	PrivProtectionMod   = "PROTECTION_MODIFY"
	PrivRestoreView     = "RESTORE_VIEW"
	PrivRestoreModify   = "RESTORE_MODIFY"
	PrivStorageView     = "STORAGE_VIEW"
	PrivStorageModify   = "STORAGE_MODIFY"
	PrivAuditLogView    = "AUDIT_LOG_VIEW"
	PrivDataSecurity    = "DATA_SECURITY"
	PrivOrgView         = "ORGANIZATION_VIEW"
	PrivOrgModify       = "ORGANIZATION_MODIFY"
	PrivOrgImpersonate  = "ORGANIZATION_IMPERSONATE"
	PrivMFAModify       = "MFA_MODIFY"
	PrivSecurityView    = "SECURITY_ADVISOR_VIEW"
	PrivSecurityModify  = "SECURITY_ADVISOR_MODIFY"
	PrivADLDAPView      = "AD_LDAP_VIEW"
	PrivADLDAPModify    = "AD_LDAP_MODIFY"
)

// clusterOnly reports whether privilege name concerns the cluster as a
// whole, which no organization's principal holds, whatever its roles say
// (see forTenant).
func clusterOnly(name string) bool {
	switch name {
	case PrivClusterModify, PrivStorageModify, PrivMFAModify, PrivSecurityModify:
		return true
	}
	return false
}

// forTenant returns the privileges of privs that a principal of
// organization tenantID ("" the cluster) holds: all of them for the
// cluster's, all but the cluster-only ones for an organization's.
func forTenant(tenantID string, privs []string) []string {
	if tenantID == "" {
		return privs
	}
	out := make([]string, 0, len(privs))
	for _, p := range privs {
		if !clusterOnly(p) {
			out = append(out, p)
		}
	}
	return out
}

// Privilege is one entry of the privilege catalog served by GET /v2/privileges.
type Privilege struct {
	ID                  int64
	Name                string
	Label               string
	Category            string
	Description         string
	IsViewOnly          bool
	IsSpecial           bool // not given to the built-in Admin role
	IsCustomRoleDefault bool
	IsAvailableOnHelios bool
}

const (
	catAccess     = "Access Management"
	catCluster    = "Cluster Management"
	catProtection = "Data Protection"
	catSecurity   = "Data Security"
	catOrgs       = "Organizations"
)

// catalog is the fixed privilege catalog; docs/privileges.md mirrors it.
func catalog() []Privilege {
	return []Privilege{
		{1, PrivPrincipalView, "View Users and Groups", catAccess, "View users, groups, sessions, API keys, security principals and their source assignments.", true, false, true, true},
		{2, PrivPrincipalModify, "Manage Users", catAccess, "Create, update and delete users and groups; manage other users' API keys, sessions, S3 keys and source assignments.", false, false, false, true},
		{3, PrivRoleView, "View Roles", catAccess, "View roles and privileges.", true, false, true, true},
		{4, PrivRoleModify, "Manage Roles", catAccess, "Create, update and delete custom roles.", false, false, false, true},
		{5, PrivS3KeyModify, "Manage S3 Keys", catAccess, "Regenerate the user's own S3 secret key.", false, false, false, false},
		{6, PrivClusterView, "View Cluster", catCluster, "View cluster settings.", true, false, true, true},
		{7, PrivClusterModify, "Manage Cluster", catCluster, "Change cluster settings.", false, false, false, true},
		{8, PrivProtectionView, "View Protection", catProtection, "View protection groups, policies and runs.", true, false, true, true},
		{9, PrivProtectionMod, "Manage Protection", catProtection, "Create and change protection groups and policies.", false, false, false, true},
		{10, PrivRestoreView, "View Recoveries", catProtection, "View recoveries.", true, false, true, true},
		{11, PrivRestoreModify, "Manage Recoveries", catProtection, "Run recoveries.", false, false, false, true},
		{12, PrivStorageView, "View Storage", catCluster, "View storage domains and views.", true, false, true, true},
		{13, PrivStorageModify, "Manage Storage", catCluster, "Create and change storage domains and views.", false, false, false, true},
		{14, PrivAuditLogView, "View Audit Logs", catSecurity, "View the audit trail.", true, false, false, true},
		{15, PrivDataSecurity, "Manage Data Security", catSecurity, "Manage data-lock and other data security settings.", false, true, false, false},
		{16, PrivOrgView, "View Organizations", catOrgs, "View organizations (tenants).", true, false, true, true},
		{17, PrivOrgModify, "Manage Organizations", catOrgs, "Create, change, deactivate and delete organizations inside one's own.", false, false, false, true},
		{18, PrivOrgImpersonate, "Act in Organizations", catOrgs, "Act inside an organization below one's own (the x-impersonate-tenant-id header).", false, false, false, true},
		{19, PrivMFAModify, "Manage MFA", catSecurity, "Turn multi-factor authentication on or off for the cluster and choose its factors.", false, false, false, true},
		{20, PrivSecurityView, "View Security Settings", catSecurity, "View the cluster's security settings: password policy, lock-out, sessions.", true, false, true, true},
		{21, PrivSecurityModify, "Manage Security Settings", catSecurity, "Change the cluster's security settings.", false, false, false, true},
		{22, PrivADLDAPView, "View AD and LDAP", catAccess, "View Active Directory domains and LDAP providers, their controllers and trusts.", true, false, true, true},
		{23, PrivADLDAPModify, "Manage AD and LDAP", catAccess, "Join and leave Active Directory domains; add, change and delete LDAP providers.", false, false, false, true},
	}
}

// Built-in role names.
const (
	RoleAdmin        = "COHESITY_ADMIN"
	RoleViewer       = "COHESITY_VIEWER"
	RoleOperator     = "COHESITY_OPERATOR"
	RoleDataSecurity = "COHESITY_DATA_SECURITY"
)

// builtinRoles derives the built-in roles from the catalog.
func builtinRoles(cat []Privilege) []store.Role {
	var all, view []string
	for _, p := range cat {
		if !p.IsSpecial {
			all = append(all, p.Name)
		}
		if p.IsViewOnly {
			view = append(view, p.Name)
		}
	}
	with := func(extra ...string) []string {
		return append(append([]string{}, view...), extra...)
	}
	return []store.Role{
		{Name: RoleAdmin, Label: "Admin", Description: "Full access to the cluster, users and roles.", Privileges: all},
		{Name: RoleViewer, Label: "Viewer", Description: "Read-only access.", Privileges: with()},
		{Name: RoleOperator, Label: "Operator", Description: "Runs protection and recovery; manages its own S3 keys.",
			Privileges: with(PrivProtectionMod, PrivRestoreModify, PrivS3KeyModify)},
		{Name: RoleDataSecurity, Label: "Data Security", Description: "Manages data security settings.",
			Privileges: with(PrivDataSecurity)},
	}
}
