package httpapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The directory operations in TestHostileInput: the AD domain and LDAP
// provider it acts on are saved anyway, as their servers do not answer.

// addDomains adds an AD domain ({ad}, {adname}) and an LDAP provider
// ({ldap}, {ldapname}) to h.
func (h *hostile) addDomains(t *testing.T) {
	for _, d := range []struct{ path, body, id, name string }{
		{"/v2/active-directories", adBody("hostile-ad.example"), "{ad}", "hostile-ad.example"},
		{"/v2/ldap", ldapBody("hostile-ldap.example", ""), "{ldap}", "hostile-ldap.example"},
	} {
		var got struct {
			ID int64 `json:"id"`
		}
		h.want(h.do("POST", d.path+"?saveAnyway=true", h.admin, json.RawMessage(d.body)), 201).decode(t, &got)
		h.ids[d.id] = fmt.Sprint(got.ID)
		h.ids[strings.TrimSuffix(d.id, "}")+"name}"] = d.name
	}
	if h.ids["{ldap}"] != "2" {
		t.Fatalf("the LDAP provider has id %s; update_ldap_provider's body names 2", h.ids["{ldap}"])
	}
}

// directoryOps are the directory operations that take a body.
var directoryOps = []hostileOp{
	{"create_active_directory", "POST", "/v2/active-directories", `{"domainName":%s,"machineAccounts":[{"name":"H1"}],` +
		`"preferredDomainControllers":[{"name":"127.0.0.1:1"}],"activeDirectoryAdminParams":{"username":"a","password":"b"}}`},
	{"update_active_directory", "PUT", "/v2/active-directories/{ad}", `{"workGroupName":%s,"machineAccounts":[{"name":"CIAM1"}]}`},
	{"update_trusted_domains", "POST", "/v2/trusted-domains?domainName={adname}", `{"blacklistedDomains":[%s],"enabled":false}`},
	{"add_active_directory_principals", "POST", "/v2/active-directory-principals", `[{"name":%s,"domainName":"LOCAL","objectClass":"User"}]`},
	{"create_ldap_provider", "POST", "/v2/ldap", `{"name":%s,"domainName":"hostile-new.example","baseDistinguishedName":"dc=x",` +
		`"authType":"Simple","preferredLdapServers":["127.0.0.1:1"],"simpleAuthParams":{"userDistinguishedName":"cn=a","userPassword":"p"}}`},
	{"update_ldap_provider", "PUT", "/v2/ldap?saveAnyway=true", `{"name":%s,"id":2,"domainName":"hostile-ldap.example",` +
		`"baseDistinguishedName":"dc=x","authType":"Simple","simpleAuthParams":{"userDistinguishedName":"cn=a"}}`},
	// The SAML provider needs no network: a domain that is one is made,
	// disabled, so that log-ins with a password go on.
	{"create_identity_provider", "POST", "/v2/idps", `{"name":"h","domain":%s,"issuerId":"https://idp.example/h",` +
		`"ssoUrl":"https://idp.example/sso","certificate":"` + samlCert() + `","roles":["COHESITY_VIEWER"],"isEnabled":false}`},
	{"update_identity_provider", "PUT", "/v2/idps/424242", `{"issuerId":%s,"ssoUrl":"https://idp.example/sso","certificate":"` + samlCert() + `"}`},
	// No issuer answers at 127.0.0.1:1, and no identity provider 424242
	// exists: the bodies are read, then refused.
	{"create_identity", "POST", "/v2/identity-providers", `{"domain":%s,"identityProviderType":"OpenIdConnect",` +
		`"openIdConnectParams":{"audienceIds":["a"],"publicKeyUrl":"https://127.0.0.1:1/keys"}}`},
	{"update_identity", "PUT", "/v2/identity-providers/424242", `{"domain":%s,"identityProviderType":"OpenIdConnect",` +
		`"openIdConnectParams":{"audienceIds":["a"],"publicKeyUrl":"https://127.0.0.1:1/keys"}}`},
	{"perform_identity_action", "POST", "/v2/identity-providers/actions", `{"identityProviderType":%s,"openIdConnectParams":{"action":"RefreshPublicKeys"}}`},
}

// directoryNoContentType is what each answers to the value "noctype":
// the new domains cannot be reached (400), LOCAL principals are not
// added here (400), the changes to the saved ones are made.
var directoryNoContentType = map[string]int{
	"create_active_directory": 400, "update_active_directory": 200, "update_trusted_domains": 200,
	"add_active_directory_principals": 400, "create_ldap_provider": 400, "update_ldap_provider": 200,
	"create_identity": 400, "update_identity": 404, "perform_identity_action": 400,
	"create_identity_provider": 201, "update_identity_provider": 404, // domain "noctype" is one; no provider 424242
}

// directoryParams are the query parameters of the directory operations,
// by operation, and the kind of value each takes.
var directoryParams = map[string]map[string]string{
	"get_active_directory":              {"domainNames": "text", "ids": "int", "tenantIds": "tenant", "includeTenants": "bool"},
	"create_active_directory":           {"saveAnyway": "bool"},
	"update_active_directory":           {"saveAnyway": "bool"},
	"delete_active_directory":           {"forceRemove": "bool"},
	"get_active_directory_by_id":        {"includeCentrifyZones": "bool", "includeDomainControllers": "bool", "includeSecurityPrincipals": "bool", "prefix": "text", "objectClass": "enum"},
	"get_active_directory_principals":   {"domainName": "text", "sids": "text", "searchTerm": "text", "includeComputers": "bool", "includeServiceAccounts": "bool", "objectClass": "enum"},
	"get_trusted_domains":               {"domainName": "text"},
	"update_trusted_domains":            {"domainName": "text"},
	"trigger_trusted_domains_discovery": {"domainName": "text", "rediscover": "bool"},
	"get_domain_controllers":            {"domainNames": "text", "connectionId": "int"},
	"get_ldaps":                         {"ids": "int", "tenantIds": "tenant", "includeTenants": "bool"},
	"create_ldap_provider":              {"saveAnyway": "bool"},
	"update_ldap_provider":              {"saveAnyway": "bool"},
	"get_identities":                    {"ids": "int", "tenantIds": "tenant", "domains": "text", "includeAllTenants": "bool"},
	"get_identity_providers":            {"ids": "int", "tenantIds": "tenant", "names": "text", "domains": "text", "includeAllTenants": "bool"},
	"idps_login":                        {"tenantId": "text"},
}

// directoryReads are where testDirectoryParams sends each operation's
// parameters: reads, and writes whose other parameters make them fail
// before they write.
var directoryReads = map[string]string{
	"get_active_directory": "GET /v2/active-directories?x=1", "get_active_directory_by_id": "GET /v2/active-directories/{ad}?prefix=a",
	"get_active_directory_principals":   "GET /v2/active-directory-principals?domainName=LOCAL",
	"get_trusted_domains":               "GET /v2/trusted-domains?domainName={adname}",
	"get_domain_controllers":            "GET /v2/domain-controllers?domainNames=nowhere.example",
	"get_ldaps":                         "GET /v2/ldap?x=1",
	"update_active_directory":           "PUT /v2/active-directories/0",
	"delete_active_directory":           "DELETE /v2/active-directories/0",
	"create_active_directory":           "POST /v2/active-directories",
	"update_trusted_domains":            "POST /v2/trusted-domains?domainName=nowhere.example",
	"trigger_trusted_domains_discovery": "PUT /v2/trusted-domains?domainName=nowhere.example&rediscover=false",
	"create_ldap_provider":              "POST /v2/ldap",
	"update_ldap_provider":              "PUT /v2/ldap",
	"get_identities":                    "GET /v2/identity-providers?x=1",
	"get_identity_providers":            "GET /v2/idps?x=1",
	"idps_login":                        "GET /v2/idps/login?x=1",
}

// testDirectoryParams sends every metacharacter value, and the values
// that are not text, to every parameter of the directory operations:
// free text gets an answer (never a 5xx), integers, booleans, enums and
// organization ids that are not one get 400 naming the parameter, and
// text that is not text gets 400. Ids in paths take integers only.
func (h *hostile) testDirectoryParams(t *testing.T) {
	for op, params := range directoryParams {
		method, path, _ := strings.Cut(h.path(directoryReads[op]), " ")
		for name, kind := range params {
			for _, v := range append(append([]string{"-1.5", "0x10", "yes"}, metaValues...), badValues...) {
				t.Run(fmt.Sprintf("%s/%s=%q", op, name, v), func(t *testing.T) {
					q := "&"
					if !strings.Contains(path, "?") {
						q = "?"
					}
					r := h.send(t, method, path+q+name+"="+url.QueryEscape(v), nil, nil)
					switch {
					case !isText(v):
						wantError(t, r, 400, name)
					case kind == "text":
						if r.status >= 500 {
							t.Fatalf("status %d: %.300s", r.status, r.body)
						}
					default:
						wantError(t, r, 400, name)
					}
				})
			}
		}
	}
	for _, p := range []string{"GET /v2/active-directories/%s", "DELETE /v2/ldap/%s", "GET /v2/ldap/%s/connection-status",
		"DELETE /v2/identity-providers/%s", "DELETE /v2/idps/%s"} {
		method, path, _ := strings.Cut(p, " ")
		for _, v := range append([]string{"1.0", "0x1", "99999999999999999999"}, metaValues...) {
			t.Run(fmt.Sprintf("%s %q", p, v), func(t *testing.T) {
				wantError(t, h.send(t, method, fmt.Sprintf(path, url.PathEscape(v)), nil, nil), 400, "id")
			})
		}
		t.Run(p+" unknown", func(t *testing.T) {
			wantError(t, h.send(t, method, fmt.Sprintf(path, "424242"), nil, nil), 404, "")
		})
	}
}

// directoryLists are the list parameters of the directory operations;
// TestDirectoryListParams reads them in every form the SDKs send.
var directoryLists = []string{"get_active_directory domainNames", "get_active_directory ids", "get_active_directory tenantIds",
	"get_ldaps ids", "get_ldaps tenantIds", "get_domain_controllers domainNames", "get_active_directory_principals sids",
	"get_active_directory_by_id objectClass",
	"get_identities ids", "get_identities tenantIds", "get_identities domains",
	"get_identity_providers ids", "get_identity_providers tenantIds", "get_identity_providers names", "get_identity_providers domains"}

// TestDirectoryListParams: the directory lists read both SDKs' forms
// alike; an item with a comma in it is one item (and no integer id, no
// class, no organization); past MaxListLen items the answer is 400.
func TestDirectoryListParams(t *testing.T) {
	h := newHostile(t)
	second := "hostile-ad2.example"
	var d struct {
		ID int64 `json:"id"`
	}
	h.want(h.do("POST", "/v2/active-directories?saveAnyway=true", h.admin, json.RawMessage(adBody(second))), 201).decode(t, &d)
	adIDs := map[string]string{h.ids["{adname}"]: h.ids["{ad}"], second: fmt.Sprint(d.ID)}
	listed := func(t *testing.T, query string) []string {
		var out activeDirectories
		h.want(h.send(t, "GET", "/v2/active-directories?"+query, nil, nil), 200).decode(t, &out)
		var got []string
		for _, ad := range out.ActiveDirectories {
			got = append(got, fmt.Sprint(*ad.ID))
		}
		return got
	}
	for _, f := range commaForms("domainNames", h.ids["{adname}"], second) {
		t.Run("get_active_directory/domainNames/"+f.name, func(t *testing.T) {
			var want []string
			for _, item := range f.items {
				if id, ok := adIDs[item]; ok {
					want = append(want, id)
				}
			}
			if got := listed(t, f.query); fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
				t.Fatalf("%s: got %v, want %v", f.query, got, want)
			}
		})
	}
	for _, f := range commaForms("ids", h.ids["{ad}"], fmt.Sprint(d.ID)) {
		t.Run("get_active_directory/ids/"+f.name, func(t *testing.T) {
			if strings.Contains(strings.Join(f.items, ""), ",") {
				wantError(t, h.send(t, "GET", "/v2/active-directories?"+f.query, nil, nil), 400, "ids")
				return
			}
			if got := listed(t, f.query); len(got) != 2 {
				t.Fatalf("%s: got %v, want both", f.query, got)
			}
		})
	}
	for _, p := range []struct{ path, name string }{
		{"/v2/ldap?", "ids"}, {"/v2/ldap?", "tenantIds"}, {"/v2/active-directories?", "tenantIds"},
		{"/v2/identity-providers?", "ids"}, {"/v2/identity-providers?", "tenantIds"},
		{"/v2/idps?", "ids"}, {"/v2/idps?", "tenantIds"},
		{"/v2/active-directories/" + h.ids["{ad}"] + "?", "objectClass"},
	} {
		for _, f := range commaForms(p.name, "1", "User") {
			t.Run(p.path+p.name+"/"+f.name, func(t *testing.T) {
				wantError(t, h.send(t, "GET", p.path+f.query, nil, nil), 400, p.name)
			})
		}
	}
	for _, f := range commaForms("domains", "nowhere.example", "none.example") {
		t.Run("get_identities/domains/"+f.name, func(t *testing.T) {
			var out identityConfigs
			h.want(h.send(t, "GET", "/v2/identity-providers?"+f.query, nil, nil), 200).decode(t, &out)
			if len(out.Idps) != 0 {
				t.Fatalf("%s: %+v", f.query, out.Idps)
			}
		})
	}
	for _, name := range []string{"names", "domains"} {
		for _, f := range commaForms(name, "nowhere.example", "none.example") {
			t.Run("get_identity_providers/"+name+"/"+f.name, func(t *testing.T) {
				var out identityProviderConfigurations
				h.want(h.send(t, "GET", "/v2/idps?"+f.query, nil, nil), 200).decode(t, &out)
				if len(out.IdPs) != 0 {
					t.Fatalf("%s: %+v", f.query, out.IdPs)
				}
			})
		}
	}
	for _, f := range commaForms("sids", "S-1-5-21-1-2-3-4", "S-1-5-21-1-2-3-5") {
		t.Run("get_active_directory_principals/sids/"+f.name, func(t *testing.T) {
			h.want(h.send(t, "GET", "/v2/active-directory-principals?"+f.query, nil, nil), 200)
		})
	}
	for _, f := range commaForms("domainNames", "nowhere.example", "none.example") {
		t.Run("get_domain_controllers/domainNames/"+f.name, func(t *testing.T) {
			wantError(t, h.send(t, "GET", "/v2/domain-controllers?"+f.query, nil, nil), 404, "")
		})
	}
	many := strings.Repeat("1,", MaxListLen) + "1"
	for _, p := range []struct{ path, name string }{{"/v2/active-directories?", "ids"}, {"/v2/ldap?", "ids"},
		{"/v2/domain-controllers?", "domainNames"}, {"/v2/active-directory-principals?", "sids"}} {
		t.Run(p.path+p.name+"/MaxListLen", func(t *testing.T) {
			wantError(t, h.send(t, "GET", p.path+p.name+"="+many, nil, nil), 400, "at most")
		})
	}
}

func sorted(v []string) []string {
	slices.Sort(v)
	return v
}
