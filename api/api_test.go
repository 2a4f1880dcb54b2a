package api

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// wantOps is the operation table of wire-format.md ("Operations" and "Success codes"), plus the
// three unauthenticated service endpoints and the vendor's audit-log reads (issue 6). Key:
// operationId.
var wantOps = map[string]struct {
	method, path string
	status       int
	public       bool // security: []
	tag          string
}{
	"create_group":              {"POST", "/v2/groups", 201, false, "User"},
	"create_session":            {"POST", "/v2/users/sessions", 201, true, "User"},
	"create_user_api_key":       {"POST", "/v2/users/{userSid}/api-keys", 201, false, "User"},
	"create_users":              {"POST", "/v2/users", 201, false, "User"},
	"delete_group":              {"DELETE", "/v2/groups/{sid}", 204, false, "User"},
	"delete_groups":             {"POST", "/v2/groups/delete", 204, false, "User"},
	"delete_session":            {"DELETE", "/v2/users/sessions", 204, false, "User"},
	"delete_user":               {"DELETE", "/v2/users/{sid}", 204, false, "User"},
	"delete_user_api_key_by_id": {"DELETE", "/v2/users/{userSid}/api-keys/{id}", 204, false, "User"},
	"delete_users":              {"POST", "/v2/users/delete", 204, false, "User"},
	"get_active_sessions_count": {"GET", "/v2/users/sessions", 200, false, "User"},
	"get_all_api_keys":          {"GET", "/v2/api-keys", 200, false, "User"},
	"get_group_by_sid":          {"GET", "/v2/groups/{sid}", 200, false, "User"},
	"get_groups":                {"GET", "/v2/groups", 200, false, "User"},
	"get_principal_sources":     {"GET", "/v2/security-principals/{sid}/sources", 200, false, "User"},
	"get_security_principals":   {"GET", "/v2/security-principals", 200, false, "User"},
	"get_user_api_key_by_id":    {"GET", "/v2/users/{userSid}/api-keys/{id}", 200, false, "User"},
	"get_user_api_keys":         {"GET", "/v2/users/{userSid}/api-keys", 200, false, "User"},
	"get_user_by_sid":           {"GET", "/v2/users/{sid}", 200, false, "User"},
	"get_users":                 {"GET", "/v2/users", 200, false, "User"},
	"regenerate_s3_key":         {"POST", "/v2/users/{sid}/s3-secret-key", 201, false, "User"},
	// A clusteriam extension, not in the vendor's SDKs.
	"revoke_user_credentials":   {"POST", "/v2/users/{sid}/revoke-credentials", 204, false, "Extension"},
	"rotate_user_api_key":       {"POST", "/v2/users/{userSid}/api-keys/{id}/rotate", 200, false, "User"},
	"update_group":              {"PUT", "/v2/groups/{sid}", 200, false, "User"},
	"update_principal_sources":  {"PUT", "/v2/security-principals/{sid}/sources", 200, false, "User"},
	"update_user":               {"PUT", "/v2/users/{sid}", 200, false, "User"},
	"update_user_api_key_by_id": {"PUT", "/v2/users/{userSid}/api-keys/{id}", 200, false, "User"},
	"create_access_token":       {"POST", "/v2/access-tokens", 201, true, "AccessToken"},
	"create_role":               {"POST", "/v2/roles", 201, false, "Role"},
	"delete_role":               {"DELETE", "/v2/roles/{name}", 204, false, "Role"},
	"get_roles":                 {"GET", "/v2/roles", 200, false, "Role"},
	"update_role":               {"PUT", "/v2/roles/{name}", 200, false, "Role"},
	"get_privileges":            {"GET", "/v2/privileges", 200, false, "Privilege"},

	"get_audit_logs":              {"GET", "/v2/audit-logs", 200, false, "AuditLog"},
	"get_audit_logs_actions":      {"GET", "/v2/audit-logs/actions", 200, false, "AuditLog"},
	"get_audit_logs_entity_types": {"GET", "/v2/audit-logs/entity-types", 200, false, "AuditLog"},

	// The vendor's TenantApi (issue 12).
	"create_tenant":                {"POST", "/v2/tenants", 201, false, "Tenant"},
	"list_tenants":                 {"GET", "/v2/tenants", 200, false, "Tenant"},
	"get_tenant_by_id":             {"GET", "/v2/tenants/{id}", 200, false, "Tenant"},
	"update_tenant":                {"PUT", "/v2/tenants/{id}", 200, false, "Tenant"},
	"delete_tenant":                {"DELETE", "/v2/tenants/{id}", 204, false, "Tenant"},
	"perform_tenant_action":        {"POST", "/v2/tenants/{id}/actions", 200, false, "Tenant"},
	"get_on_prem_tenant_config":    {"GET", "/v2/clusters/tenant-config", 200, false, "Tenant"},
	"update_on_prem_tenant_config": {"POST", "/v2/clusters/tenant-config", 200, false, "Tenant"},

	// The vendor's MfaApi (issue 13).
	"get_mfa_config":    {"GET", "/v2/mfa-config", 200, false, "MFA"},
	"update_mfa_config": {"PUT", "/v2/mfa-config", 204, false, "MFA"},
	"create_totp_key":   {"POST", "/v2/totp-key", 201, false, "MFA"},
	"create_email_otp":  {"POST", "/v2/email-otp", 204, true, "MFA"},
	"send_email_otp":    {"POST", "/v2/send-email-otp", 204, false, "MFA"},
	// A clusteriam extension, not in the vendor's SDKs.
	"reset_user_mfa": {"POST", "/v2/users/{sid}/reset-mfa", 204, false, "Extension"},

	// The vendor's SecurityApi (issue 16).
	"get_security_config":    {"GET", "/v2/security-config", 200, false, "Security"},
	"update_security_config": {"PUT", "/v2/security-config", 200, false, "Security"},

	// The vendor's ActiveDirectoryApi and LdapApi (issue 16).
	"get_active_directory":              {"GET", "/v2/active-directories", 200, false, "ActiveDirectory"},
	"create_active_directory":           {"POST", "/v2/active-directories", 201, false, "ActiveDirectory"},
	"get_active_directory_by_id":        {"GET", "/v2/active-directories/{id}", 200, false, "ActiveDirectory"},
	"update_active_directory":           {"PUT", "/v2/active-directories/{id}", 200, false, "ActiveDirectory"},
	"delete_active_directory":           {"DELETE", "/v2/active-directories/{id}", 204, false, "ActiveDirectory"},
	"get_active_directory_principals":   {"GET", "/v2/active-directory-principals", 200, false, "ActiveDirectory"},
	"add_active_directory_principals":   {"POST", "/v2/active-directory-principals", 200, false, "ActiveDirectory"},
	"get_trusted_domains":               {"GET", "/v2/trusted-domains", 200, false, "ActiveDirectory"},
	"update_trusted_domains":            {"POST", "/v2/trusted-domains", 200, false, "ActiveDirectory"},
	"trigger_trusted_domains_discovery": {"PUT", "/v2/trusted-domains", 202, false, "ActiveDirectory"},
	"get_domain_controllers":            {"GET", "/v2/domain-controllers", 200, false, "ActiveDirectory"},
	"get_ldaps":                         {"GET", "/v2/ldap", 200, false, "Ldap"},
	"create_ldap_provider":              {"POST", "/v2/ldap", 201, false, "Ldap"},
	"update_ldap_provider":              {"PUT", "/v2/ldap", 200, false, "Ldap"},
	"delete_ldap_provider":              {"DELETE", "/v2/ldap/{id}", 204, false, "Ldap"},
	"get_ldap_connection_status":        {"GET", "/v2/ldap/{id}/connection-status", 200, false, "Ldap"},
	"get_identities":                    {"GET", "/v2/identity-providers", 200, false, "IdentityProvider"},
	"create_identity":                   {"POST", "/v2/identity-providers", 201, false, "IdentityProvider"},
	"update_identity":                   {"PUT", "/v2/identity-providers/{id}", 200, false, "IdentityProvider"},
	"delete_identity":                   {"DELETE", "/v2/identity-providers/{id}", 204, false, "IdentityProvider"},
	"perform_identity_action":           {"POST", "/v2/identity-providers/actions", 201, false, "IdentityProvider"},

	"get_health":  {"GET", "/healthz", 200, true, ""},
	"get_metrics": {"GET", "/metrics", 200, true, ""},
	"get_openapi": {"GET", "/v2/openapi.yaml", 200, true, ""},
}

// extras are the service endpoints whose success body is not JSON (or, for get_health, not an
// API model).
var extras = map[string]string{
	"get_health":  "application/json",
	"get_metrics": "text/plain",
	"get_openapi": "application/yaml",
}

// noBody are the operations whose success code other than 204 declares no body:
// trigger_trusted_domains_discovery answers 202 with none, as both SDKs expect.
var noBody = map[string]bool{
	"trigger_trusted_domains_discovery": true,
}

func load(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(Spec())
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml does not validate: %v", err)
	}
	return doc
}

func TestSpecIsACopy(t *testing.T) {
	a := Spec()
	if len(a) == 0 {
		t.Fatal("Spec() is empty")
	}
	a[0] ^= 0xff
	if b := Spec(); bytes.Equal(a, b) {
		t.Fatal("Spec() returns shared bytes; modifying one result changed the next")
	}
}

func TestDocumentValidates(t *testing.T) {
	doc := load(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if len(doc.Servers) != 0 {
		t.Errorf("servers = %v; paths are absolute (/v2/...), servers must be absent", doc.Servers)
	}
}

func TestOperations(t *testing.T) {
	doc := load(t)
	seen := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			id := op.OperationID
			where := method + " " + path
			if id == "" {
				t.Errorf("%s: no operationId", where)
				continue
			}
			if seen[id] {
				t.Errorf("%s: duplicate operationId %s", where, id)
			}
			seen[id] = true
			want, ok := wantOps[id]
			if !ok {
				t.Errorf("%s: unexpected operation %s", where, id)
				continue
			}
			if method != want.method || path != want.path {
				t.Errorf("%s: route %s %s, want %s %s", id, method, path, want.method, want.path)
			}

			// Exactly one 2xx, equal to the wire-format success code; a default Error.
			var success []int
			for code := range op.Responses.Map() {
				if code == "default" {
					continue
				}
				n, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("%s: response code %q is not a number", id, code)
					continue
				}
				if n >= 200 && n < 300 {
					success = append(success, n)
				}
			}
			if len(success) != 1 || success[0] != want.status {
				t.Errorf("%s: success codes %v, want exactly [%d]", id, success, want.status)
			}
			def := op.Responses.Default()
			if def == nil || def.Value == nil {
				t.Errorf("%s: no default response", id)
			} else if mt := def.Value.Content.Get("application/json"); mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Error" {
				t.Errorf("%s: default response is not application/json Error", id)
			}

			// Success body: none for 204 and noBody, JSON except for the extras.
			resp := op.Responses.Status(want.status)
			if resp == nil || resp.Value == nil {
				continue
			}
			content := resp.Value.Content
			switch {
			case want.status == http.StatusNoContent || noBody[id]:
				if len(content) != 0 {
					t.Errorf("%s: %d declares a body", id, want.status)
				}
			case extras[id] != "":
				if content.Get(extras[id]) == nil || len(content) != 1 {
					t.Errorf("%s: success content %v, want only %s", id, slices.Sorted(maps.Keys(content)), extras[id])
				}
			default:
				if content.Get("application/json") == nil || len(content) != 1 {
					t.Errorf("%s: success content %v, want only application/json", id, slices.Sorted(maps.Keys(content)))
				}
			}

			// Request bodies are JSON.
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if rb.Value.Content.Get("application/json") == nil || len(rb.Value.Content) != 1 {
					t.Errorf("%s: request body is not only application/json", id)
				}
			}

			// Security: the public operations have security: [], the others inherit the global
			// requirement (any one of the three schemes).
			if want.public {
				if op.Security == nil || len(*op.Security) != 0 {
					t.Errorf("%s: want security: []", id)
				}
			} else if op.Security != nil {
				t.Errorf("%s: overrides the global security requirement", id)
			}

			// Tags.
			if want.tag == "" {
				if len(op.Tags) != 0 {
					t.Errorf("%s: tags %v, want none", id, op.Tags)
				}
			} else if len(op.Tags) != 1 || op.Tags[0] != want.tag {
				t.Errorf("%s: tags %v, want [%s]", id, op.Tags, want.tag)
			}
		}
	}
	for id := range wantOps {
		if !seen[id] {
			t.Errorf("operation %s missing", id)
		}
	}
	if len(seen) != len(wantOps) {
		t.Errorf("%d operations, want %d", len(seen), len(wantOps))
	}
}

func TestSecuritySchemes(t *testing.T) {
	doc := load(t)
	want := map[string]string{"APIKeyHeader": "apiKey", "Bearer": "Authorization", "SessionIdHeader": "session-id"}
	for name, header := range want {
		ref := doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			t.Errorf("security scheme %s missing", name)
			continue
		}
		s := ref.Value
		if s.Type != "apiKey" || s.In != "header" || s.Name != header {
			t.Errorf("security scheme %s = {type %s, in %s, name %s}, want apiKey in header %s", name, s.Type, s.In, s.Name, header)
		}
	}
	if len(doc.Security) != 3 {
		t.Fatalf("global security = %v, want three alternatives", doc.Security)
	}
	for _, req := range doc.Security {
		if len(req) != 1 {
			t.Errorf("global security requirement %v: want exactly one scheme each (any one is enough)", req)
		}
		for name := range req {
			if _, ok := want[name]; !ok {
				t.Errorf("global security names unknown scheme %s", name)
			}
		}
	}
}

// TestQueryParameters checks the query parameters against wire-format.md: names, csv lists as
// form/explode=false arrays of strings (of int64 integers for the AD and LDAP ids), booleans typed
// boolean, integers int64.
func TestQueryParameters(t *testing.T) {
	doc := load(t)
	type p struct {
		name string
		kind string // list, intlist, bool, int, string
	}
	want := map[string][]p{
		"delete_session":            {{"sid", "string"}},
		"get_active_sessions_count": {{"sids", "list"}},
		"get_all_api_keys":          {{"ids", "list"}, {"ownerSids", "list"}, {"isActive", "bool"}, {"isExpired", "bool"}},
		"get_groups":                {{"names", "list"}, {"roles", "list"}, {"domain", "string"}, {"sids", "list"}, {"matchPartialNames", "bool"}, {"tenantIds", "list"}, {"includeTenants", "bool"}},
		"get_security_principals":   {{"sids", "list"}},
		"list_tenants":              {{"ids", "list"}, {"statuses", "list"}},
		"get_user_api_keys":         {{"ids", "list"}, {"isActive", "bool"}, {"isExpired", "bool"}},
		"get_users":                 {{"domain", "string"}, {"sids", "list"}, {"usernames", "list"}, {"matchPartialNames", "bool"}, {"emailAddresses", "list"}, {"roles", "list"}, {"tenantIds", "list"}, {"includeTenants", "bool"}},
		"get_roles":                 {{"names", "list"}, {"tenantIds", "list"}, {"includeTenants", "bool"}},
		"get_privileges":            {{"names", "list"}},
		"get_audit_logs": {{"searchString", "string"}, {"usernames", "list"}, {"domains", "list"}, {"entityTypes", "list"},
			{"actions", "list"}, {"startTimeUsecs", "int"}, {"endTimeUsecs", "int"}, {"tenantIds", "list"},
			{"includeTenants", "bool"}, {"startIndex", "int"}, {"count", "int"}},
		"get_active_directory":       {{"domainNames", "list"}, {"ids", "intlist"}, {"tenantIds", "list"}, {"includeTenants", "bool"}},
		"create_active_directory":    {{"saveAnyway", "bool"}},
		"get_active_directory_by_id": {{"includeCentrifyZones", "bool"}, {"includeDomainControllers", "bool"}, {"includeSecurityPrincipals", "bool"}, {"prefix", "string"}, {"objectClass", "list"}},
		"update_active_directory":    {{"saveAnyway", "bool"}},
		"delete_active_directory":    {{"forceRemove", "bool"}},
		"get_active_directory_principals": {{"domainName", "string"}, {"sids", "list"}, {"searchTerm", "string"},
			{"includeComputers", "bool"}, {"includeServiceAccounts", "bool"}, {"objectClass", "string"}},
		"get_trusted_domains":               {{"domainName", "string"}},
		"update_trusted_domains":            {{"domainName", "string"}},
		"trigger_trusted_domains_discovery": {{"domainName", "string"}, {"rediscover", "bool"}},
		"get_domain_controllers":            {{"domainNames", "list"}, {"connectionId", "int"}},
		"get_ldaps":                         {{"ids", "intlist"}, {"tenantIds", "list"}, {"includeTenants", "bool"}},
		"create_ldap_provider":              {{"saveAnyway", "bool"}},
		"get_identities":                    {{"ids", "intlist"}, {"tenantIds", "list"}, {"domains", "list"}, {"includeAllTenants", "bool"}},
		"update_ldap_provider":              {{"saveAnyway", "bool"}},
	}
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			var got []p
			params := append(slices.Clone(item.Parameters), op.Parameters...)
			for _, ref := range params {
				prm := ref.Value
				if prm.In != openapi3.ParameterInQuery {
					if prm.In == openapi3.ParameterInPath && !strings.Contains(path, "{"+prm.Name+"}") {
						t.Errorf("%s: path parameter %s not in path %s", op.OperationID, prm.Name, path)
					}
					continue
				}
				s := prm.Schema.Value
				kind := "?"
				switch {
				case s.Type.Is("array"):
					kind = "list"
					switch {
					case s.Items != nil && s.Items.Value.Type.Is("integer") && s.Items.Value.Format == "int64":
						kind = "intlist"
					case s.Items == nil || !s.Items.Value.Type.Is("string"):
						t.Errorf("%s: %s: list items are neither strings nor int64 integers", op.OperationID, prm.Name)
					}
					if prm.Style != "form" || prm.Explode == nil || *prm.Explode {
						t.Errorf("%s: %s: list is not style form, explode false", op.OperationID, prm.Name)
					}
				case s.Type.Is("boolean"):
					kind = "bool"
				case s.Type.Is("integer") && s.Format == "int64":
					kind = "int"
				case s.Type.Is("string"):
					kind = "string"
				}
				got = append(got, p{prm.Name, kind})
			}
			if !slices.Equal(got, want[op.OperationID]) {
				t.Errorf("%s: query parameters %v, want %v", op.OperationID, got, want[op.OperationID])
			}
		}
	}
}
