package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/tenant"
)

// metaValues are filter values made of SQL, LIKE and LDAP metacharacters.
// Each must be taken literally: it matches the record of that very name,
// if one exists, and nothing else.
var metaValues = []string{
	`' OR 1=1 --`, `' OR ''='`, `admin'--`, `"; DROP TABLE users; --`, `1 OR 1`, `'`, `;`,
	`%`, `_`, `%_%`, `%admin%`, `admin%`, `[a-z]*`, `*`, `admin*`, `)(uid=*)`, `*)(|(objectClass=*)`,
	`(&)`, `\00`, `\2a`, `\`, `null`, `{}`, `$ne`, `o'neil`, `O'NEIL`, `50%off`, `star*`,
}

// badValues are not text and get 400: NUL, invalid UTF-8.
var badValues = []string{"\x00", "a\x00b", "\xff", "\xc0\x80", "\xed\xa0\x80"}

// matcher says whether record rec matches filter value v.
type matcher func(rec map[string]any, v string) bool

// field reads a string at a path of nested objects.
func field(rec map[string]any, path ...string) string {
	for _, p := range path[:len(path)-1] {
		rec, _ = rec[p].(map[string]any)
	}
	s, _ := rec[path[len(path)-1]].(string)
	return s
}

func eq(path ...string) matcher {
	return func(rec map[string]any, v string) bool { return field(rec, path...) == v }
}

func eqFold(path ...string) matcher {
	return func(rec map[string]any, v string) bool { return store.Fold(field(rec, path...)) == store.Fold(v) }
}

func containsFold(path ...string) matcher {
	return func(rec map[string]any, v string) bool {
		return strings.Contains(store.Fold(field(rec, path...)), store.Fold(v))
	}
}

func has(name string) matcher {
	return func(rec map[string]any, v string) bool {
		list, _ := rec[name].([]any)
		return slices.Contains(list, any(v))
	}
}

// filterSpec is one list operation: where its records are in the answer,
// which field identifies them, and what each filter matches.
type filterSpec struct {
	op, path, list, id string
	filters            []filterParam
	bools              []string
}

type filterParam struct {
	name, extra string // extra: more query, e.g. "&matchPartialNames=true"
	match       matcher
}

var filterSpecs = []filterSpec{
	{"get_users", "/v2/users", "users", "sid", []filterParam{
		{"domain", "", eqFold("domain")}, {"sids", "", eq("sid")},
		{"usernames", "", eqFold("username")}, {"usernames", "&matchPartialNames=true", containsFold("username")},
		{"emailAddresses", "", eqFold("localUserParams", "email")}, {"roles", "", has("roles")},
	}, []string{"matchPartialNames", "includeTenants"}},
	{"get_groups", "/v2/groups", "groups", "sid", []filterParam{
		{"domain", "", eqFold("domain")}, {"sids", "", eq("sid")},
		{"names", "", eqFold("name")}, {"names", "&matchPartialNames=true", containsFold("name")},
		{"roles", "", has("roles")},
	}, []string{"matchPartialNames", "includeTenants"}},
	{"get_security_principals", "/v2/security-principals", "securityPrincipals", "sid", []filterParam{
		{"sids", "", eq("sid")},
	}, nil},
	{"get_user_api_keys", "/v2/users/{admin}/api-keys", "apiKeys", "id", []filterParam{
		{"ids", "", eq("id")},
	}, []string{"isActive", "isExpired"}},
	{"get_all_api_keys", "/v2/api-keys", "apiKeys", "id", []filterParam{
		{"ids", "", eq("id")}, {"ownerSids", "", eq("userSid")},
	}, []string{"isActive", "isExpired"}},
	{"get_roles", "/v2/roles", "roles", "name", []filterParam{
		{"names", "", eq("name")},
	}, []string{"includeTenants"}},
	{"get_privileges", "/v2/privileges", "privileges", "name", []filterParam{
		{"names", "", eq("name")},
	}, nil},
	{"get_active_sessions_count", "/v2/users/sessions", "sessionsPerUser", "sid", []filterParam{
		{"sids", "", eq("sid")},
	}, nil},
	// Entries have no id on the wire; their times stand in.
	{"get_audit_logs", "/v2/audit-logs", "auditLogs", "timestampUsecs", []filterParam{
		{"usernames", "", eqFold("username")}, {"domains", "", eqFold("domain")},
		{"searchString", "", func(rec map[string]any, v string) bool {
			return containsFold("entityName")(rec, v) || containsFold("details")(rec, v)
		}},
	}, []string{"includeTenants"}},
}

// auditParams are get_audit_logs' parameters that take no free text: an
// action or entity type of a fixed list, or an integer. Each takes one
// valid value; anything else is 400.
var auditParams = []struct{ name, valid string }{
	{"actions", "Login"}, {"entityTypes", "User"}, {"startTimeUsecs", "1"},
	{"endTimeUsecs", "4611686018427387904"}, {"startIndex", "0"}, {"count", "10000"},
}

// testAuditParams sends the metacharacter values and the values that are
// not text to each of auditParams: 400 naming the parameter.
func (h *hostile) testAuditParams(t *testing.T) {
	for _, p := range auditParams {
		h.ok(t, h.send(t, "GET", "/v2/audit-logs?"+p.name+"="+p.valid, nil, nil), 200)
		for _, v := range append(append([]string{"-1", "1e3", "0x10", "99999999999999999999"}, metaValues...), badValues...) {
			t.Run(fmt.Sprintf("get_audit_logs/%s=%q", p.name, v), func(t *testing.T) {
				wantError(t, h.send(t, "GET", "/v2/audit-logs?"+p.name+"="+url.QueryEscape(v), nil, nil), 400, "")
			})
		}
	}
}

// testFilters sends every metacharacter value to every filter of every
// list operation: the answer is exactly the records that hold that value
// literally (the oracle applies the filter to the unfiltered list), never
// all of them; a value that is not text gets 400.
func (h *hostile) testFilters(t *testing.T) {
	for _, fs := range filterSpecs {
		path := h.path(fs.path)
		var all []map[string]any
		if fs.op == "get_security_principals" {
			// It needs sids: every user and group is what there is.
			all = append(h.records(t, filterSpecs[0], "/v2/users"), h.records(t, filterSpecs[1], "/v2/groups")...)
		} else {
			all = h.records(t, fs, path)
		}
		for _, f := range fs.filters {
			for _, v := range append(metaValues, h.known(all, f)...) {
				t.Run(fmt.Sprintf("%s/%s%s=%q", fs.op, f.name, f.extra, v), func(t *testing.T) {
					got := h.records(t, fs, path+"?"+f.name+"="+url.QueryEscape(v)+f.extra)
					var want []string
					for _, rec := range all {
						if f.match(rec, v) {
							want = append(want, fmt.Sprint(rec[fs.id]))
						}
					}
					g := ids(got, fs.id)
					slices.Sort(g)
					slices.Sort(want)
					if !slices.Equal(g, want) {
						t.Fatalf("got %q, want %q", g, want)
					}
				})
			}
			for _, v := range badValues {
				t.Run(fmt.Sprintf("%s/%s=%q", fs.op, f.name, v), func(t *testing.T) {
					r := h.send(t, "GET", path+"?"+f.name+"="+url.QueryEscape(v)+f.extra, nil, nil)
					wantError(t, r, 400, f.name)
				})
			}
		}
		for _, b := range fs.bools {
			for _, v := range []string{`' OR 1=1 --`, "1", "yes", "TRUE ", "*", "\x00"} {
				t.Run(fmt.Sprintf("%s/%s=%q", fs.op, b, v), func(t *testing.T) {
					wantError(t, h.send(t, "GET", path+"?"+b+"="+url.QueryEscape(v), nil, nil), 400, b)
				})
			}
		}
		for _, raw := range []string{"%", "%zz", "a%", "%u0027", "a;b"} {
			q := fs.filters[0].name + "=" + raw
			t.Run(fmt.Sprintf("%s/raw %s", fs.op, q), func(t *testing.T) {
				wantError(t, h.send(t, "GET", path+"?"+q, nil, nil), 400, "query")
			})
		}
	}
	t.Run("tenantIds", h.testTenantIDs)
	t.Run("list_tenants", h.testTenantList)
	t.Run("delete_session", h.testDeleteSessionFilter)
	t.Run("get_audit_logs", h.testAuditParams)
	t.Run("directories", h.testDirectoryParams)
	t.Run("long lists", h.testLongLists)
}

// testLongLists: a list filter holds at most MaxListLen values, a partial
// match at most MaxPartialNames, of which at most
// iam.MaxShortPartialNames distinct ones (once folded) shorter than
// store.MinTrigramTerm; past that the answer is 400, not a 5xx
// from the database or a search that runs for minutes.
func (h *hostile) testLongLists(t *testing.T) {
	list := func(n int) string {
		vs := make([]string, n)
		for i := range vs {
			vs[i] = fmt.Sprintf("n%03d", i) // long enough for the trigram index
		}
		return strings.Join(vs, ",")
	}
	cases := []struct {
		name, path string
		status     int
		msg        string
	}{
		{"users by MaxListLen names", "/v2/users?usernames=" + list(MaxListLen), 200, ""},
		{"users by one name more", "/v2/users?usernames=" + list(MaxListLen+1), 400, "at most 1000"},
		{"users by sids given twice", "/v2/users?sids=" + list(600) + "&sids=" + list(600), 400, "at most 1000"},
		{"users by MaxPartialNames parts", "/v2/users?matchPartialNames=true&usernames=" + list(MaxPartialNames), 200, ""},
		{"users by one part more", "/v2/users?matchPartialNames=true&usernames=" + list(MaxPartialNames+1), 400, "matchPartialNames"},
		{"groups by 500 parts", "/v2/groups?matchPartialNames=true&names=" + list(500), 400, "matchPartialNames"},
		{"users by 4 short parts", "/v2/users?matchPartialNames=true&usernames=a,b,cc,d%25,abc,abcd", 200, ""},
		{"users by 4 short parts once folded", "/v2/users?matchPartialNames=true&usernames=a,A,b,B,c,dd,DD", 200, ""},
		{"users by 5 short parts", "/v2/users?matchPartialNames=true&usernames=a,b,c,d,e", 400, "shorter than 3 characters"},
		{"users by 5 short parts among long", "/v2/users?matchPartialNames=true&usernames=a,bcd,b,c,ef,g%25", 400, "matchPartialNames"},
		{"groups by 5 short parts", "/v2/groups?matchPartialNames=true&names=a,b,c,d,e", 400, "matchPartialNames"},
		{"users by 5 short whole names", "/v2/users?usernames=a,b,c,d,e", 200, ""},
		{"sessions of 1,001 users", "/v2/users/sessions?sids=" + list(1001), 400, "at most 1000"},
		{"1,001 privileges", "/v2/privileges?names=" + list(1001), 400, "at most 1000"},
		{"1,001 keys", "/v2/api-keys?ids=" + list(1001), 400, "at most 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.send(t, "GET", c.path, nil, nil)
			if c.status == 200 {
				h.ok(t, r, 200)
				return
			}
			wantError(t, r, c.status, c.msg)
		})
	}
}

// known adds to the values tried the first record's own value of f, so
// that every filter is seen to match something.
func (h *hostile) known(all []map[string]any, f filterParam) []string {
	for _, rec := range all {
		for _, v := range []string{field(rec, "sid"), field(rec, "id"), field(rec, "name"), field(rec, "username"),
			field(rec, "domain"), field(rec, "userSid"), field(rec, "localUserParams", "email")} {
			if v != "" && f.match(rec, v) {
				return []string{v}
			}
		}
		for _, list := range []string{"roles"} {
			if vs, _ := rec[list].([]any); len(vs) > 0 && f.match(rec, fmt.Sprint(vs[0])) {
				return []string{fmt.Sprint(vs[0])}
			}
		}
	}
	return nil
}

// records lists the records of a list operation's answer.
func (h *hostile) records(t *testing.T, fs filterSpec, path string) []map[string]any {
	t.Helper()
	r := h.send(t, "GET", path, nil, nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var recs []map[string]any
	for _, rec := range r.obj(t)[fs.list].([]any) {
		recs = append(recs, rec.(map[string]any))
	}
	return recs
}

func ids(recs []map[string]any, id string) []string {
	var out []string
	for _, rec := range recs {
		out = append(out, fmt.Sprint(rec[id]))
	}
	return out
}

// testDeleteSessionFilter: delete_session's sid is a filter too, and the
// most dangerous one, since without it every session ends. A value that
// names no user must end nothing.
func (h *hostile) testDeleteSessionFilter(t *testing.T) {
	count := func(t *testing.T) float64 {
		return h.send(t, "GET", "/v2/users/sessions", nil, nil).obj(t)["totalSessionsCount"].(float64)
	}
	before := count(t)
	if before < 2 {
		t.Fatalf("%v sessions: the fixture should have made some", before)
	}
	for _, v := range append(metaValues, " ", "", "%20", "\t") {
		t.Run(fmt.Sprintf("%q", v), func(t *testing.T) {
			r := h.send(t, "DELETE", "/v2/users/sessions?sid="+url.QueryEscape(v), nil, nil)
			if r.status == 404 {
				wantError(t, r, 404, "")
			} else {
				wantError(t, r, 400, "sid")
			}
			if n := count(t); n != before {
				t.Fatalf("%v sessions left of %v", n, before)
			}
		})
	}
	for _, v := range badValues {
		t.Run(fmt.Sprintf("%q", v), func(t *testing.T) {
			wantError(t, h.send(t, "DELETE", "/v2/users/sessions?sid="+url.QueryEscape(v), nil, nil), 400, "sid")
			if n := count(t); n != before {
				t.Fatalf("%v sessions left of %v", n, before)
			}
		})
	}
}

// testPaths: the records addressed by path take the same values: 404 for
// a name that is no record, 400 for one that is not text.
func (h *hostile) testPaths(t *testing.T) {
	paths := []struct{ method, path string }{
		{"GET", "/v2/users/%s"}, {"GET", "/v2/groups/%s"}, {"GET", "/v2/users/%s/api-keys"},
		{"GET", "/v2/security-principals/%s/sources"}, {"GET", "/v2/users/{user}/api-keys/%s"},
		{"DELETE", "/v2/roles/%s"}, {"DELETE", "/v2/users/%s"}, {"POST", "/v2/users/%s/s3-secret-key"},
	}
	for _, p := range paths {
		for _, v := range metaValues {
			t.Run(fmt.Sprintf("%s %s %q", p.method, p.path, v), func(t *testing.T) {
				r := h.send(t, p.method, h.path(fmt.Sprintf(p.path, url.PathEscape(v))), nil, nil)
				wantError(t, r, 404, "")
			})
		}
		for _, v := range badValues {
			t.Run(fmt.Sprintf("%s %s %q", p.method, p.path, v), func(t *testing.T) {
				r := h.send(t, p.method, h.path(fmt.Sprintf(p.path, url.PathEscape(v))), nil, nil)
				wantError(t, r, 400, "path")
			})
		}
	}
}

// testHeaders: a request header above the limit gets 431 as the Error
// model, not net/http's plain text; one below it is served.
func (h *hostile) testHeaders(t *testing.T) {
	big := strings.Repeat("h", DefaultMaxHeaderBytes)
	many := http.Header{}
	for i := range DefaultMaxHeaderBytes / 32 {
		many.Set(fmt.Sprintf("X-Hostile-%05d", i), strings.Repeat("v", 20))
	}
	cases := []struct {
		name   string
		hdr    http.Header
		path   string
		status int
	}{
		{"one header over the limit", http.Header{"X-Big": {big}}, "/v2/users", 431},
		{"many headers over the limit", many, "/v2/users", 431},
		{"a cookie over the limit", http.Header{"Cookie": {"c=" + big}}, "/healthz", 431},
		{"a credential over the limit", http.Header{"Apikey": {big}}, "/v2/roles", 431},
		{"a query over the limit", http.Header{}, "/v2/users?sids=" + big, 431},
		{"under the limit", http.Header{"X-Big": {big[:DefaultMaxHeaderBytes/2]}}, "/v2/users", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.send(t, "GET", c.path, c.hdr, nil)
			if c.status == 200 {
				if r.status != 200 {
					t.Fatalf("status %d: %.300s", r.status, r.body)
				}
				return
			}
			wantError(t, r, c.status, "header")
		})
	}
}

// tenantIDsOps take tenantIds and includeTenants; testTenantIDs tries
// them, since their values are validated, not free text.
var tenantIDsOps = []string{"get_users", "get_groups", "get_roles", "get_audit_logs"}

// ofTenant says which organization a record of a list answer belongs to:
// a user's or entry's tenantId, a group's or role's tenantIds.
func ofTenant(rec map[string]any) string {
	if id, ok := rec["tenantId"].(string); ok {
		return id
	}
	if ids, _ := rec["tenantIds"].([]any); len(ids) == 1 {
		return fmt.Sprint(ids[0])
	}
	return ""
}

// testTenantIDs: tenantIds takes organization ids only. Every
// metacharacter value, with or without the trailing "/", is malformed
// (400 naming the parameter) unless it is a well-formed id. A well-formed
// id of no organization selects nothing of any organization; h1/ selects
// its records and no others, in every form the SDKs send a list in. Of
// the roles, the built-in ones always come along.
func (h *hostile) testTenantIDs(t *testing.T) {
	for _, fs := range filterSpecs {
		if !slices.Contains(tenantIDsOps, fs.op) {
			continue
		}
		path := h.path(fs.path)
		for _, v := range append(append(slices.Clone(metaValues), badValues...), "a/b", strings.Repeat("a", 11)+"/", "t1") {
			for _, id := range []string{v, v + "/"} {
				if tenant.Check(id) == nil {
					continue
				}
				t.Run(fmt.Sprintf("%s/tenantIds=%q", fs.op, id), func(t *testing.T) {
					wantError(t, h.send(t, "GET", path+"?tenantIds="+url.QueryEscape(id), nil, nil), 400, "tenantIds")
				})
			}
		}
		selects := func(t *testing.T, query, want string) {
			t.Helper()
			n := 0
			for _, rec := range h.records(t, fs, path+"?"+query) {
				switch got := ofTenant(rec); {
				case got == want && want != "":
					n++
				case fs.op == "get_roles" && rec["isUserCreatedRole"] == false:
				default:
					t.Errorf("%s selects %v, of organization %q", query, rec, got)
				}
			}
			if want != "" && n == 0 {
				t.Errorf("%s selects nothing of %s", query, want)
			}
		}
		t.Run(fs.op+"/tenantIds=unknown", func(t *testing.T) {
			selects(t, "tenantIds=nope/&includeTenants=true", "")
		})
		for _, form := range commaForms("tenantIds", "h1/", "nope/") {
			t.Run(fs.op+"/tenantIds h1/ "+form.name, func(t *testing.T) {
				if hasComma(form.items) { // no id holds one
					wantError(t, h.send(t, "GET", path+"?"+form.query, nil, nil), 400, "tenantIds")
					return
				}
				selects(t, form.query, "h1/")
			})
		}
	}
}

// testTenantList: list_tenants takes organization ids and statuses, in
// every form the SDKs send a list in; anything else is 400.
func (h *hostile) testTenantList(t *testing.T) {
	list := func(t *testing.T, query string) []string {
		r := h.send(t, "GET", "/v2/tenants?"+query, nil, nil)
		h.ok(t, r, 200)
		var ts []tenantInfo
		r.decode(t, &ts)
		return tenantIDsOf(ts)
	}
	for _, v := range append(append(slices.Clone(metaValues), badValues...), "h1", "H1/") {
		t.Run(fmt.Sprintf("ids=%q", v), func(t *testing.T) {
			if tenant.Check(v) == nil {
				if got := list(t, "ids="+url.QueryEscape(v)); len(got) != 0 {
					t.Errorf("selects %q", got)
				}
				return
			}
			wantError(t, h.send(t, "GET", "/v2/tenants?ids="+url.QueryEscape(v), nil, nil), 400, "")
		})
		t.Run(fmt.Sprintf("statuses=%q", v), func(t *testing.T) {
			wantError(t, h.send(t, "GET", "/v2/tenants?statuses="+url.QueryEscape(v), nil, nil), 400, "")
		})
	}
	active := list(t, "statuses=Active")
	if !slices.Contains(active, "h1/") {
		t.Fatalf("active organizations %q, without h1/", active)
	}
	for _, c := range []struct {
		name, v1, v2 string
		want         []string
	}{{"ids", "h1/", "nope/", []string{"h1/"}}, {"statuses", "Active", "Deleted", active}} {
		for _, form := range commaForms(c.name, c.v1, c.v2) {
			t.Run(c.name+" "+form.name, func(t *testing.T) {
				if hasComma(form.items) {
					wantError(t, h.send(t, "GET", "/v2/tenants?"+form.query, nil, nil), 400, "")
				} else if got := list(t, form.query); !slices.Equal(got, c.want) {
					t.Errorf("%s: %q, want %q", form.query, got, c.want)
				}
			})
		}
	}
	t.Run("statuses=Deleted", func(t *testing.T) {
		if got := list(t, "statuses=Deleted"); len(got) != 0 {
			t.Errorf("%q", got)
		}
	})
}

// hasComma reports whether an item of a list holds a comma.
func hasComma(items []string) bool {
	return slices.ContainsFunc(items, func(v string) bool { return strings.Contains(v, ",") })
}
