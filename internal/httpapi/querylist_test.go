package httpapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clusteriam/clusteriam/api"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// What the vendor SDKs put on the wire for get_roles with the names
// ["a,b", "c d", "e&f=g", "h%2Ci", "j/k", "l+m"], captured from a real
// request of each: the Python SDK (cohesity_sdk main, urllib3 2.7.0)
// escapes each name and joins them with a literal comma; the Go SDK (7.2.1,
// go-openapi/runtime v0.28.0, url.Values.Encode) joins them with a comma
// and escapes the whole, so its "a,b" cannot be told from two names.
const (
	pythonSDKNames = "a%2Cb,c%20d,e%26f%3Dg,h%252Ci,j/k,l%2Bm"
	goSDKNames     = "a%2Cb%2Cc+d%2Ce%26f%3Dg%2Ch%252Ci%2Cj%2Fk%2Cl%2Bm"
)

func TestListItems(t *testing.T) {
	goForm := func(items ...string) string {
		return url.Values{"names": {strings.Join(items, ",")}}.Encode()
	}
	cases := []struct {
		name, query string
		want        []string
	}{
		{"Python SDK", "names=" + pythonSDKNames, []string{"a,b", "c d", "e&f=g", "h%2Ci", "j/k", "l+m"}},
		{"Go SDK", "names=" + goSDKNames, []string{"a", "b", "c d", "e&f=g", "h%2Ci", "j/k", "l+m"}},
		{"Go SDK, two names", goForm("COHESITY_ADMIN", "COHESITY_VIEWER"), []string{"COHESITY_ADMIN", "COHESITY_VIEWER"}},
		{"one name with an escaped comma, alone", "names=a%2Cb", []string{"a", "b"}},
		{"an escaped comma beside a literal one", "names=a%2Cb,c", []string{"a,b", "c"}},
		{"one name marked by a trailing comma", "names=a%2Cb,", []string{"a,b"}},
		{"repeated key", "names=a&names=b", []string{"a", "b"}},
		{"repeated key, escaped comma", "names=a%2Cb&names=c", []string{"a,b", "c"}},
		{"repeated key, literal commas", "names=a,b&names=c", []string{"a", "b", "c"}},
		{"spaces and empty items", "names=+a+,%20,,b%20", []string{"a", "b"}},
		{"only commas", "names=,,", nil},
		{"empty", "names=", nil},
		{"absent", "other=a,b", nil},
		{"escaped key", "na%6Des=a,b&x=1", []string{"a", "b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v2/roles?"+c.query, nil)
			if got := queryList(r, "names"); !slices.Equal(got, c.want) {
				t.Fatalf("%s: %q, want %q", c.query, got, c.want)
			}
		})
	}
}

// auditEnumFilters are get_audit_logs' lists of fixed names; a name with
// a comma in it is unknown, hence 400.
var auditEnumFilters = []filterParam{{"actions", "", eq("action")}, {"entityTypes", "", eq("entityType")}}

// TestListParamsCommas: every list parameter of every operation (those of
// organization ids and statuses: TestHostileInput) reads the
// forms the SDKs send alike (the oracle applies the filter to the
// unfiltered list, as in TestHostileInput), an escaped comma inside an
// item stays in it, and MaxListLen counts the items so read.
func TestListParamsCommas(t *testing.T) {
	h := newHostile(t)
	h.addCommaRecords(t)
	lists, covered := listParams(t), map[string]bool{"list_tenants ids": true, "list_tenants statuses": true}
	for _, op := range tenantIDsOps {
		covered[op+" tenantIds"] = true // organization ids: TestHostileInput/filters/tenantIds
	}
	for _, p := range directoryLists {
		covered[p] = true // TestDirectoryListParams
	}
	for _, fs := range filterSpecs {
		path := h.path(fs.path)
		var all []map[string]any
		if fs.op == "get_security_principals" {
			all = append(h.records(t, filterSpecs[0], "/v2/users"), h.records(t, filterSpecs[1], "/v2/groups")...)
		} else {
			all = h.records(t, fs, path)
		}
		filters := fs.filters
		if fs.op == "get_audit_logs" {
			filters = append(slices.Clone(filters), auditEnumFilters...)
		}
		for _, f := range filters {
			if !lists[fs.op+" "+f.name] {
				continue // domain, searchString
			}
			covered[fs.op+" "+f.name] = true
			v1, v2 := twoValues(all, f)
			enum := fs.op == "get_audit_logs" && (f.name == "actions" || f.name == "entityTypes")
			for _, form := range commaForms(f.name, v1, v2) {
				t.Run(fmt.Sprintf("%s/%s%s/%s", fs.op, f.name, f.extra, form.name), func(t *testing.T) {
					r := h.send(t, "GET", path+"?"+form.query+f.extra, nil, nil)
					if enum && strings.Contains(strings.Join(form.items, ""), ",") {
						wantError(t, r, 400, "unknown value")
						return
					}
					h.ok(t, r, 200)
					var want []string
					for _, rec := range all {
						if slices.ContainsFunc(form.items, func(v string) bool { return f.match(rec, v) }) {
							want = append(want, fmt.Sprint(rec[fs.id]))
						}
					}
					got := ids(h.records(t, fs, path+"?"+form.query+f.extra), fs.id)
					slices.Sort(got)
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Fatalf("%s: got %q, want %q (items %q)", form.query, got, want, form.items)
					}
				})
			}
			if f.extra == "" && !enum {
				t.Run(fmt.Sprintf("%s/%s/MaxListLen", fs.op, f.name), func(t *testing.T) { h.testListLen(t, path, f.name) })
			}
		}
	}
	for p := range lists {
		if !covered[p] {
			t.Errorf("list parameter %s of api/openapi.yaml has no case here: add it to filterSpecs", p)
		}
	}
}

// addCommaRecords adds records whose values hold a comma, where no rule
// forbids one: a user named before names lost their commas (written to the
// store as an old record would be).
func (h *hostile) addCommaRecords(t *testing.T) {
	sid := h.createUser("legacy-name", hostilePassword, "COHESITY_VIEWER")
	if _, err := (storetest.Single{Store: h.st}).UpdateUser(context.Background(), sid, func(u store.User) (store.User, error) {
		u.Username = "smith,john"
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// testListLen: MaxListLen items, each with an escaped comma, are within
// the bound; one more is not.
func (h *hostile) testListLen(t *testing.T, path, name string) {
	items := func(n int) string { return strings.Repeat(url.QueryEscape("x,y")+",", n-1) + url.QueryEscape("x,y") }
	h.ok(t, h.send(t, "GET", path+"?"+name+"="+items(MaxListLen), nil, nil), 200)
	wantError(t, h.send(t, "GET", path+"?"+name+"="+items(MaxListLen+1), nil, nil), 400, "at most 1000")
}

// commaForm is one way to send a list, and the items it means.
type commaForm struct {
	name, query string
	items       []string
}

// commaForms are the ways to send the values v1 and v2 in parameter name.
func commaForms(name, v1, v2 string) []commaForm {
	q := url.QueryEscape
	forms := []commaForm{
		{"Python SDK", name + "=" + q(v1) + "," + q(v2), []string{v1, v2}},
		{"repeated key", name + "=" + q(v1) + "&" + name + "=" + q(v2), []string{v1, v2}},
		{"escaped comma inside an item", name + "=" + q(v1+","+v2) + "," + q(v1), []string{v1 + "," + v2, v1}},
		{"one item marked by a trailing comma", name + "=" + q(v1+","+v2) + ",", []string{v1 + "," + v2}},
	}
	if !strings.Contains(v1+v2, ",") { // the Go SDK cannot send a comma inside an item
		forms = append(forms, commaForm{"Go SDK", url.Values{name: {v1 + "," + v2}}.Encode(), []string{v1, v2}})
	}
	return forms
}

// twoValues returns two values of the records that f selects different
// records by, one with a comma first when there is one; the second is a
// value no record holds when there is no other.
func twoValues(all []map[string]any, f filterParam) (string, string) {
	var vals []string
	for _, rec := range all {
		cands := []string{field(rec, "sid"), field(rec, "id"), field(rec, "name"), field(rec, "username"), field(rec, "userSid"),
			field(rec, "localUserParams", "email"), field(rec, "domain"), field(rec, "action"), field(rec, "entityType")}
		for _, list := range []string{"roles"} {
			vs, _ := rec[list].([]any)
			for _, v := range vs {
				cands = append(cands, fmt.Sprint(v))
			}
		}
		for _, v := range cands {
			if v != "" && !slices.Contains(vals, v) && f.match(rec, v) {
				vals = append(vals, v)
			}
		}
	}
	slices.SortStableFunc(vals, func(a, b string) int {
		return strings.Count(b, ",") - strings.Count(a, ",")
	})
	selects := func(v string) []bool {
		out := make([]bool, len(all))
		for i, rec := range all {
			out[i] = f.match(rec, v)
		}
		return out
	}
	if len(vals) == 0 {
		return "no-such-value", "nor-this-one"
	}
	for _, v := range vals[1:] {
		if !slices.Equal(selects(v), selects(vals[0])) {
			return vals[0], v
		}
	}
	return vals[0], "no-such-value"
}

// listParams returns "operation parameter" for each list query parameter
// of api/openapi.yaml.
func listParams(t *testing.T) map[string]bool {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value.In == openapi3.ParameterInQuery && p.Value.Schema.Value.Type.Is("array") {
					out[op.OperationID+" "+p.Value.Name] = true
				}
			}
		}
	}
	return out
}

// TestRoleNamesEscapedComma: the example of issue 11. The bytes
// names=COHESITY_ADMIN%2CCOHESITY_VIEWER are the Go SDK's two names as
// well as the Python SDK's one name with a comma; they are read as the
// former, since the Go SDK can send nothing else. Beside a literal comma,
// the escaped comma is inside a name.
func TestRoleNamesEscapedComma(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		query string
		want  []string
	}{
		{"names=COHESITY_ADMIN%2CCOHESITY_VIEWER", []string{"COHESITY_ADMIN", "COHESITY_VIEWER"}},
		{"names=COHESITY_ADMIN,COHESITY_VIEWER", []string{"COHESITY_ADMIN", "COHESITY_VIEWER"}},
		{"names=COHESITY_ADMIN%2CCOHESITY_VIEWER,", nil},
		{"names=COHESITY_ADMIN%2CCOHESITY_VIEWER,COHESITY_ADMIN", []string{"COHESITY_ADMIN"}},
		{"names=COHESITY_ADMIN%2CCOHESITY_VIEWER&names=COHESITY_ADMIN", []string{"COHESITY_ADMIN"}},
	}
	for _, c := range cases {
		var rl rolesJSON
		e.want(e.do("GET", "/v2/roles?"+c.query, e.admin, nil), 200).decode(t, &rl)
		var got []string
		for _, r := range rl.Roles {
			got = append(got, r.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: roles %q, want %q", c.query, got, c.want)
		}
	}
}
