package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHostileInput is the hand-written list of hostile requests, operation
// by operation: every one gets a 4xx Error JSON that says what was wrong,
// never a 5xx, and none of them writes anything. The fuzz targets search
// at random; these are the cases we know to try.
func TestHostileInput(t *testing.T) {
	h := newHostile(t)
	t.Run("coverage", h.testCoverage)
	before := h.snapshot(t)
	t.Run("bodies", func(t *testing.T) {
		for _, c := range allBodyCases() {
			t.Run(c.op+"/"+c.name, func(t *testing.T) { h.run(t, c) })
		}
	})
	// No rejected request above changed a thing.
	if after := h.snapshot(t); after != before {
		t.Errorf("rejected requests changed the store:\nbefore %s\nafter  %s", before, after)
	}
	t.Run("no Content-Type", h.testNoContentType)
	t.Run("filters", h.testFilters)
	t.Run("path parameters", h.testPaths)
	t.Run("unicode names", h.testUnicode)
	t.Run("no partial writes", h.testNoPartialWrites)
	t.Run("oversized headers", h.testHeaders)
}

// hostileOp is an operation that takes a body. tmpl is a valid-looking
// body with %s where a JSON string goes; its first key is the one
// duplicated by the duplicate-key cases. {user}, {group}, {key} and {role}
// in a path name records made by newHostile.
type hostileOp struct{ op, method, path, tmpl string }

// hostileOps are all the operations that take a body (testCoverage checks
// it against api/openapi.yaml).
var hostileOps = []hostileOp{
	{"create_access_token", "POST", "/v2/access-tokens", `{"username":%s,"password":"Hostile-Password-1","domain":"LOCAL"}`},
	{"create_session", "POST", "/v2/users/sessions", `{"username":%s,"password":"Hostile-Password-1","domain":"LOCAL"}`},
	{"create_users", "POST", "/v2/users", `[{"username":%s,"domain":"LOCAL","localUserParams":{"password":"Hostile-Password-1"}}]`},
	{"delete_users", "POST", "/v2/users/delete", `{"sids":[%s]}`},
	{"update_user", "PUT", "/v2/users/{user}", `{"description":%s}`},
	{"create_user_api_key", "POST", "/v2/users/{user}/api-keys", `{"name":%s}`},
	{"update_user_api_key_by_id", "PUT", "/v2/users/{user}/api-keys/{key}", `{"name":%s}`},
	{"create_group", "POST", "/v2/groups", `[{"name":%s,"domain":"LOCAL"}]`},
	{"delete_groups", "POST", "/v2/groups/delete", `{"sids":[%s]}`},
	{"update_group", "PUT", "/v2/groups/{group}", `{"description":%s}`},
	// No string field here: the NUL and surrogate cases go in a field the
	// operation ignores, which must be refused all the same.
	{"update_principal_sources", "PUT", "/v2/security-principals/{user}/sources", `{"sourceIds":[1],"viewIds":[2],"note":%s}`},
	{"create_role", "POST", "/v2/roles", `{"name":%s,"privileges":["PRINCIPAL_VIEW"]}`},
	{"update_role", "PUT", "/v2/roles/{role}", `{"description":%s,"privileges":["PRINCIPAL_VIEW"]}`},
	{"create_tenant", "POST", "/v2/tenants", `{"name":%s,"tenantIdSuffix":"hx"}`},
	{"update_tenant", "PUT", "/v2/tenants/{tenant}", `{"name":%s}`},
	{"perform_tenant_action", "POST", "/v2/tenants/{tenant}/actions", `{"action":%s}`},
	{"update_on_prem_tenant_config", "POST", "/v2/clusters/tenant-config",
		`{"organizationsEnabled":true,"organizationsStorageDomainSharingEnabled":false,"note":%s}`},
	{"update_mfa_config", "PUT", "/v2/mfa-config", `{"authenticationTypes":[%s],"enabled":false,"retainUserMfaSettings":true}`},
	{"create_totp_key", "POST", "/v2/totp-key", `{"totpKeyName":%s}`},
	{"create_email_otp", "POST", "/v2/email-otp", `{"username":%s,"password":"Hostile-Password-1","domain":"LOCAL"}`},
	{"update_security_config", "PUT", "/v2/security-config", `{"dataClassification":{"classifiedDataMessage":%s}}`},
}

func init() { hostileOps = append(hostileOps, directoryOps...) }

// bodyCase is one hostile request and the answer it must get.
type bodyCase struct {
	op, name     string
	method, path string
	ctype        string // "" sends application/json
	body         string
	status       int
	msg          string // the Error message must contain it
}

var firstKey = regexp.MustCompile(`^\[?\{"(\w+)"`)

// optionalBodies are the operations whose body may be left out, as the
// vendor's SDKs leave it out, and their answer without one: a TOTP key
// for the caller; an e-mailed code for the caller, which the test server,
// without a mail server, refuses.
var optionalBodies = map[string]struct {
	status int
	msg    string
}{
	"create_totp_key":  {201, ""},
	"create_email_otp": {400, "not among the factors"},
	// Nothing given, nothing changed: the settings as they are.
	"update_security_config": {200, ""},
}

// genericCases are the cases every operation with a body gets.
func genericCases(op, method, path, tmpl string) []bodyCase {
	str := func(v string) string { return fmt.Sprintf(tmpl, v) }
	key := firstKey.FindStringSubmatch(tmpl)[1]
	dup := func(k string) string { return strings.Replace(str(`"x"`), `{`, `{"`+k+`":"shadow",`, 1) }
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	cs := []bodyCase{
		{name: "NUL in a string", body: str(`"nul\u0000here"`), status: 400, msg: "NUL"},
		{name: "NUL alone", body: str(`"\u0000"`), status: 400, msg: "NUL"},
		{name: "lone high surrogate", body: str(`"x\ud800y"`), status: 400, msg: "surrogate"},
		{name: "lone low surrogate", body: str(`"\udc00"`), status: 400, msg: "surrogate"},
		{name: "high surrogate then a letter escape", body: str(`"\ud800\u0041"`), status: 400, msg: "surrogate"},
		{name: "two high surrogates", body: str(`"\ud800\ud800"`), status: 400, msg: "surrogate"},
		{name: "invalid UTF-8", body: str("\"\xff\xfe\""), status: 400, msg: "UTF-8"},
		{name: "overlong UTF-8 NUL", body: str("\"\xc0\x80\""), status: 400, msg: "UTF-8"},
		{name: "UTF-8 encoded surrogate", body: str("\"\xed\xa0\x80\""), status: 400, msg: "UTF-8"},
		{name: "truncated UTF-8", body: str("\"caf\xc3\""), status: 400, msg: "UTF-8"},
		{name: "byte order mark", body: "\xef\xbb\xbf" + str(`"x"`), status: 400, msg: "byte order mark"},
		{name: "duplicate key", body: dup(key), status: 400, msg: "duplicate key"},
		{name: "duplicate key in another case", body: dup(strings.ToUpper(key)), status: 400, msg: "duplicate key"},
		{name: "duplicate key spelled with an escape", body: dup(`\u00` + fmt.Sprintf("%x", key[0]) + key[1:]), status: 400, msg: "duplicate key"},
		{name: "deep nesting in a field", body: str(deep), status: 400, msg: "depth"},
		{name: "nesting 100 deep in a field", body: str(strings.Repeat("[", 100) + strings.Repeat("]", 100)), status: 400, msg: "depth"},
		{name: "null body", body: "null", status: 400, msg: "null"},
		{name: "missing body", body: "", status: 400, msg: "empty"},
		{name: "whitespace body", body: " \r\n\t ", status: 400, msg: "empty"},
		{name: "a string for the body", body: `"x"`, status: 400, msg: "expected"},
		{name: "a negative number for the body", body: `-1`, status: 400, msg: "expected"},
		{name: "true for the body", body: `true`, status: 400, msg: "expected"},
		{name: "text/plain", ctype: "text/plain", body: str(`"x"`), status: 415, msg: "application/json"},
		{name: "form-encoded", ctype: "application/x-www-form-urlencoded", body: key + "=x", status: 415, msg: "application/json"},
		{name: "multipart", ctype: "multipart/form-data; boundary=b", body: "--b--\r\n", status: 415, msg: "application/json"},
		{name: "XML", ctype: "application/xml", body: "<x/>", status: 415, msg: "application/json"},
		{name: "JSON in UTF-16", ctype: "application/json; charset=utf-16", body: str(`"x"`), status: 415, msg: "UTF-8"},
		{name: "malformed Content-Type", ctype: "application/json; charset", body: str(`"x"`), status: 415, msg: "Content-Type"},
		{name: "empty media type", ctype: ";", body: str(`"x"`), status: 415, msg: "Content-Type"},
	}
	for i := range cs {
		if o, ok := optionalBodies[op]; ok && (cs[i].name == "missing body" || cs[i].name == "whitespace body") {
			cs[i].status, cs[i].msg = o.status, o.msg
		}
		cs[i].op, cs[i].method, cs[i].path = op, method, path
	}
	return cs
}

// specificCases are the cases of one operation's own fields: a string
// where an int goes, negative and overflowing integers, huge arrays, names
// that are not names.
func specificCases() []bodyCase {
	var out []bodyCase
	for _, oc := range slices.Concat(loginCases(), userCases(), keyAndGroupCases(), sourceAndRoleCases(), tenantCases()) {
		for _, c := range oc.cases {
			c.op, c.method, c.path = oc.op, oc.method, oc.path
			out = append(out, c)
		}
	}
	return out
}

// opCases are the specific cases of one operation.
type opCases struct {
	op, method, path string
	cases            []bodyCase
}

const hostilePW = `"localUserParams":{"password":"Hostile-Password-1"}`

// Bodies with a few fields of the case's choosing.
func userBody(fields string) string {
	return `[{"username":"hostile-u","domain":"LOCAL",` + hostilePW + `,` + fields + `}]`
}
func groupBody(fields string) string { return `[{"name":"hostile-g","domain":"LOCAL",` + fields + `}]` }
func loginBody(fields string) string {
	return `{"username":"admin","password":"x-Password-1",` + fields + `}`
}

// repeated is a JSON array of n copies of item.
func repeated(n int, item string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
}

// distinct is a JSON array of n different names, about 1 MiB for 100,000.
func distinct(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `"r%d",`, i)
	}
	return "[" + strings.TrimSuffix(b.String(), ",") + "]"
}

var long = strings.Repeat("n", 256)

// manyKeys is n members "k0":1, "k1":1, ... of an object.
func manyKeys(n int) string {
	ms := make([]string, n)
	for i := range ms {
		ms[i] = fmt.Sprintf(`"k%d":1`, i)
	}
	return strings.Join(ms, ",")
}

// loginCases are the cases of the log-in operations.
func loginCases() []opCases {
	type c = bodyCase
	return []opCases{
		{"create_access_token", "POST", "/v2/access-tokens", []c{
			{name: "password an int", body: `{"username":"admin","password":5,"domain":"LOCAL"}`, status: 400, msg: "password"},
			{name: "domain an array", body: loginBody(`"domain":[]`), status: 400, msg: "domain"},
			{name: "username an overflowing number", body: `{"username":1e999,"password":"x"}`, status: 400, msg: "username"},
			{name: "an array for the object", body: `[` + loginBody(`"domain":"LOCAL"`) + `]`, status: 400, msg: "expected"},
		}},
		{"create_session", "POST", "/v2/users/sessions", []c{
			{name: "otpType an int", body: loginBody(`"otpType":3`), status: 400, msg: "otpType"},
			{name: "otpCode an object", body: loginBody(`"otpCode":{}`), status: 400, msg: "otpCode"},
			{name: "certificate log-in", body: loginBody(`"certificate":"x"`), status: 400, msg: "certificate"},
		}},
	}
}

// userCases are the cases of the user operations.
func userCases() []opCases {
	type c = bodyCase
	return []opCases{
		{"create_users", "POST", "/v2/users", []c{
			{name: "a string for a bool", body: userBody(`"locked":"false"`), status: 400, msg: "locked"},
			{name: "a string for an int", body: userBody(`"effectiveTimeMsecs":"5"`), status: 400, msg: "effectiveTimeMsecs"},
			{name: "negative expiry", body: userBody(`"expiryTimeMsecs":-1`), status: 400, msg: "negative"},
			{name: "expiry past int64", body: userBody(`"expiryTimeMsecs":9223372036854775808`), status: 400, msg: "expiryTimeMsecs"},
			{name: "effective time below int64", body: userBody(`"effectiveTimeMsecs":-9223372036854775809`), status: 400, msg: "effectiveTimeMsecs"},
			{name: "exponent for an int", body: userBody(`"expiryTimeMsecs":1e3`), status: 400, msg: "expiryTimeMsecs"},
			{name: "roles a string", body: userBody(`"roles":"COHESITY_ADMIN"`), status: 400, msg: "roles"},
			{name: "roles of ints", body: userBody(`"roles":[5]`), status: 400, msg: "roles"},
			{name: "100,000 distinct roles", body: userBody(`"roles":` + distinct(100000)), status: 400, msg: "roles"},
			{name: "1,001 users", body: repeated(1001, `{"username":"u","domain":"LOCAL"}`), status: 400, msg: "at most 1000"},
			{name: "an empty list", body: `[]`, status: 400, msg: "at least one"},
			{name: "a null user", body: `[null]`, status: 400, msg: "username is required"},
			{name: "an empty user", body: `[{}]`, status: 400, msg: "username is required"},
			{name: "a list for a user", body: `[[]]`, status: 400, msg: "expected"},
			{name: "BEL in the name", body: `[{"username":"a\u0007b","domain":"LOCAL",` + hostilePW + `}]`, status: 400, msg: "control"},
			{name: "C1 control in the name", body: `[{"username":"x\u0085y","domain":"LOCAL",` + hostilePW + `}]`, status: 400, msg: "control"},
			{name: "escape sequence in the name", body: `[{"username":"x\u001b[31m","domain":"LOCAL",` + hostilePW + `}]`, status: 400, msg: "control"},
			{name: "name of 256 bytes", body: `[{"username":"` + long + `","domain":"LOCAL",` + hostilePW + `}]`, status: 400, msg: "longer"},
			{name: "name with a leading space", body: `[{"username":" x","domain":"LOCAL",` + hostilePW + `}]`, status: 400, msg: "spaces"},
			{name: "localUserParams a string", body: `[{"username":"x","domain":"LOCAL","localUserParams":"pw"}]`, status: 400, msg: "localUserParams"},
			{name: "SQL in the domain", body: `[{"username":"x","domain":"' OR 1=1 --",` + hostilePW + `}]`, status: 400, msg: "domain"},
			{name: "LDAP filter in the domain", body: `[{"username":"x","domain":"*)(uid=*)",` + hostilePW + `}]`, status: 400, msg: "domain"},
		}},
		{"delete_users", "POST", "/v2/users/delete", []c{
			{name: "sids a string", body: `{"sids":"x"}`, status: 400, msg: "sids"},
			{name: "sids of ints", body: `{"sids":[1]}`, status: 400, msg: "sids"},
			{name: "no sids", body: `{}`, status: 400, msg: "sids is required"},
			{name: "1,001 sids", body: `{"sids":` + repeated(1001, `"S-1-5-21-1"`) + `}`, status: 400, msg: "at most 1000"},
		}},
		{"update_user", "PUT", "/v2/users/{user}", []c{
			{name: "an int for a bool", body: `{"locked":1}`, status: 400, msg: "locked"},
			{name: "a key twice among 40", body: `{` + manyKeys(40) + `,"K7":2}`, status: 400, msg: "duplicate key"},
			{name: "negative expiry", body: `{"expiryTimeMsecs":-1}`, status: 400, msg: "negative"},
			{name: "negative effective time", body: `{"effectiveTimeMsecs":-9223372036854775808}`, status: 400, msg: "negative"},
			{name: "effective time past int64", body: `{"effectiveTimeMsecs":9223372036854775808}`, status: 400, msg: "effectiveTimeMsecs"},
			{name: "a word for an int", body: `{"expiryTimeMsecs":"never"}`, status: 400, msg: "expiryTimeMsecs"},
			{name: "roles an object", body: `{"roles":{"a":1}}`, status: 400, msg: "roles"},
			{name: "not an email", body: `{"localUserParams":{"email":"not an email"}}`, status: 400, msg: "email"},
			{name: "localUserParams a list", body: `{"localUserParams":[]}`, status: 400, msg: "localUserParams"},
			{name: "SQL for a role", body: `{"roles":["' OR 1=1 --"]}`, status: 400, msg: "does not exist"},
		}},
	}
}

// keyAndGroupCases are the cases of the API key and group operations.
func keyAndGroupCases() []opCases {
	type c = bodyCase
	return []opCases{
		{"create_user_api_key", "POST", "/v2/users/{user}/api-keys", []c{
			{name: "negative expiry", body: `{"name":"k","expiryTimeMsecs":-5}`, status: 400, msg: "expiryTimeMsecs"},
			{name: "a word for an int", body: `{"name":"k","expiryTimeMsecs":"tomorrow"}`, status: 400, msg: "expiryTimeMsecs"},
			{name: "expiry past uint64", body: `{"name":"k","expiryTimeMsecs":18446744073709551616}`, status: 400, msg: "expiryTimeMsecs"},
			{name: "a string for a bool", body: `{"name":"k","isActive":"yes"}`, status: 400, msg: "isActive"},
			{name: "no name", body: `{}`, status: 400, msg: "name is required"},
			{name: "name of 256 bytes", body: `{"name":"` + long + `"}`, status: 400, msg: "longer"},
			{name: "escape sequence in the name", body: `{"name":"k\u001b]0;x\u0007"}`, status: 400, msg: "control"},
		}},
		{"update_user_api_key_by_id", "PUT", "/v2/users/{user}/api-keys/{key}", []c{
			{name: "negative expiry", body: `{"name":"k","expiryTimeMsecs":-1}`, status: 400, msg: "negative"},
			{name: "an int for a bool", body: `{"name":"k","isActive":0}`, status: 400, msg: "isActive"},
			{name: "a float for an int", body: `{"name":"k","expiryTimeMsecs":1.0}`, status: 400, msg: "expiryTimeMsecs"},
		}},
		{"create_group", "POST", "/v2/groups", []c{
			{name: "a string for a bool", body: groupBody(`"restricted":"no"`), status: 400, msg: "restricted"},
			{name: "userSids a string", body: groupBody(`"localGroupParams":{"userSids":"x"}`), status: 400, msg: "userSids"},
			{name: "100,000 distinct userSids", body: groupBody(`"localGroupParams":{"userSids":` + distinct(100000) + `}`), status: 400, msg: "userSids"},
			{name: "100,000 distinct tenantIds", body: groupBody(`"tenantIds":` + distinct(100000)), status: 400, msg: "tenantIds"},
			{name: "tenantIds of ints", body: groupBody(`"tenantIds":[1]`), status: 400, msg: "tenantIds"},
			{name: "1,001 groups", body: repeated(1001, `{"name":"g","domain":"LOCAL"}`), status: 400, msg: "at most 1000"},
			{name: "DEL in the name", body: `[{"name":"g\u007f","domain":"LOCAL"}]`, status: 400, msg: "control"},
		}},
		{"delete_groups", "POST", "/v2/groups/delete", []c{
			{name: "sids an object", body: `{"sids":{"a":"b"}}`, status: 400, msg: "sids"},
			{name: "empty sids", body: `{"sids":[]}`, status: 400, msg: "at least one"},
		}},
		{"update_group", "PUT", "/v2/groups/{group}", []c{
			{name: "an int for a bool", body: `{"restricted":1}`, status: 400, msg: "restricted"},
			{name: "userSids of ints", body: `{"localGroupParams":{"userSids":[1]}}`, status: 400, msg: "userSids"},
			{name: "tenantIds a string", body: `{"tenantIds":"t"}`, status: 400, msg: "tenantIds"},
			{name: "100,000 distinct tenantIds", body: `{"tenantIds":` + distinct(100000) + `}`, status: 400, msg: "tenantIds"},
		}},
	}
}

// sourceAndRoleCases are the cases of the source assignment and role operations.
func sourceAndRoleCases() []opCases {
	type c = bodyCase
	return []opCases{
		{"update_principal_sources", "PUT", "/v2/security-principals/{user}/sources", []c{
			{name: "strings for ids", body: `{"sourceIds":["1"]}`, status: 400, msg: "sourceIds"},
			{name: "a negative id", body: `{"sourceIds":[-1]}`, status: 400, msg: "positive"},
			{name: "zero", body: `{"viewIds":[0]}`, status: 400, msg: "positive"},
			{name: "an id past int64", body: `{"viewIds":[9223372036854775808]}`, status: 400, msg: "viewIds"},
			{name: "a float id", body: `{"sourceIds":[1.5]}`, status: 400, msg: "sourceIds"},
			{name: "a number for the list", body: `{"sourceIds":1}`, status: 400, msg: "sourceIds"},
		}},
		{"create_role", "POST", "/v2/roles", []c{
			{name: "privileges a string", body: `{"name":"r","privileges":"PRINCIPAL_VIEW"}`, status: 400, msg: "privileges"},
			{name: "SQL for a privilege", body: `{"name":"r","privileges":["' OR 1=1 --"]}`, status: 400, msg: "privilege"},
			{name: "description of 1,025 bytes", body: `{"name":"r","privileges":["PRINCIPAL_VIEW"],"description":"` + strings.Repeat("d", 1025) + `"}`, status: 400, msg: "description"},
			{name: "100,000 distinct privileges", body: `{"name":"r","privileges":` + distinct(100000) + `}`, status: 400, msg: "privileges"},
		}},
		{"update_role", "PUT", "/v2/roles/{role}", []c{
			{name: "privileges of ints", body: `{"privileges":[1]}`, status: 400, msg: "privileges"},
			{name: "an int for the description", body: `{"description":7,"privileges":["PRINCIPAL_VIEW"]}`, status: 400, msg: "description"},
		}},
	}
}

func allBodyCases() []bodyCase {
	var cs []bodyCase
	for _, op := range hostileOps {
		cs = append(cs, genericCases(op.op, op.method, op.path, op.tmpl)...)
	}
	return append(cs, specificCases()...)
}

// run sends c and checks the answer.
func (h *hostile) run(t *testing.T, c bodyCase) {
	hdr := http.Header{"Content-Type": {"application/json"}}
	if c.ctype != "" {
		hdr.Set("Content-Type", c.ctype)
	}
	var body []byte
	if c.body != "" {
		body = []byte(c.body)
	}
	start := time.Now()
	r := h.send(t, c.method, h.path(c.path), hdr, body)
	if c.status < 400 {
		if r.status != c.status {
			t.Errorf("status %d, want %d: %.300s", r.status, c.status, r.body)
		}
		return
	}
	wantError(t, r, c.status, c.msg)
	// A refusal is cheap: quadratic work on a 1 MiB body took 10 s or more.
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("refused after %v", took)
	}
}

// testNoContentType: a JSON body without a Content-Type is accepted (the
// vendor SDKs always send one, but curl users forget): each operation
// answers as it would with one.
func (h *hostile) testNoContentType(t *testing.T) {
	want := map[string]int{
		"create_access_token": 401, "create_session": 401, // no user "noctype"
		"create_users": 201, "delete_users": 404, "update_user": 200,
		"create_user_api_key": 201, "update_user_api_key_by_id": 200,
		"create_group": 201, "delete_groups": 404, "update_group": 200,
		"update_principal_sources": 200, "create_role": 201, "update_role": 200,
		"create_tenant": 201, "perform_tenant_action": 400, // no action "noctype"
		"update_tenant":                409, // create_tenant named its organization "noctype"
		"update_on_prem_tenant_config": 200,
		"update_mfa_config":            400, // no factor "noctype"
		"create_totp_key":              201,
		"create_email_otp":             400, // no mail server
		"update_security_config":       200,
	}
	for _, op := range hostileOps {
		t.Run(op.op, func(t *testing.T) {
			r := h.send(t, op.method, h.path(op.path), http.Header{}, fmt.Appendf(nil, op.tmpl, `"noctype"`))
			if w, ok := directoryNoContentType[op.op]; ok {
				want[op.op] = w
			}
			if r.status >= 400 {
				wantError(t, r, want[op.op], "")
			} else if r.status != want[op.op] {
				t.Fatalf("status %d, want %d: %.300s", r.status, want[op.op], r.body)
			}
		})
	}
}

// send makes one request with exactly hdr and body (nil: none) and checks
// the answer against api/openapi.yaml.
func (h *hostile) send(t *testing.T, method, path string, hdr http.Header, body []byte) resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if req.Header.Get(h.admin.name) == "" {
		req.Header.Set(h.admin.name, h.admin.value)
	}
	r, _ := h.roundTrip(t, req)
	return r
}

// wantError fails t unless r is status with the Error model whose message
// holds msg.
func wantError(t *testing.T, r resp, status int, msg string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %.300s", r.status, status, r.body)
	}
	var e errorJSON
	if err := json.Unmarshal(r.body, &e); err != nil || e.ErrorCode == "" || e.Message == "" {
		t.Fatalf("not the Error model (%v): %.300s", err, r.body)
	}
	t.Logf("%d %s", r.status, e.Message)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(e.Message, msg) {
		t.Errorf("message %q does not say %q", e.Message, msg)
	}
}

// tenantCases are the cases of the organization operations.
func tenantCases() []opCases {
	type c = bodyCase
	return []opCases{
		{"create_tenant", "POST", "/v2/tenants", []c{
			{name: "suffix of 11", body: `{"name":"n","tenantIdSuffix":"abcdefghijk"}`, status: 400, msg: "suffix"},
			{name: "a '/' in the suffix", body: `{"name":"n","tenantIdSuffix":"a/b"}`, status: 400, msg: "suffix"},
			{name: "SQL for the suffix", body: `{"name":"n","tenantIdSuffix":"' OR 1=1"}`, status: 400, msg: "suffix"},
			{name: "a wildcard for the suffix", body: `{"name":"n","tenantIdSuffix":"%"}`, status: 400, msg: "suffix"},
			{name: "no suffix", body: `{"name":"n"}`, status: 400, msg: "tenantIdSuffix"},
			{name: "no name", body: `{"tenantIdSuffix":"n"}`, status: 400, msg: "name"},
			{name: "an int for the suffix", body: `{"name":"n","tenantIdSuffix":7}`, status: 400, msg: "tenantIdSuffix"},
			{name: "network without connectorEnabled", body: `{"name":"n","tenantIdSuffix":"n","network":{"clusterIps":null}}`, status: 400, msg: "connectorEnabled"},
			{name: "a string for a bool", body: `{"name":"n","tenantIdSuffix":"n","isManagedOnHelios":"yes"}`, status: 400, msg: "isManagedOnHelios"},
			{name: "a name taken by another case", body: `{"name":"H1","tenantIdSuffix":"n"}`, status: 409, msg: "exists"},
			{name: "escape sequence in the name", body: `{"name":"n\u001b[2J","tenantIdSuffix":"n"}`, status: 400, msg: "control"},
		}},
		{"update_tenant", "PUT", "/v2/tenants/{tenant}", []c{
			{name: "name of 256 bytes", body: `{"name":"` + long + `"}`, status: 400, msg: "longer"},
			{name: "network a string", body: `{"network":"x"}`, status: 400, msg: "network"},
		}},
		{"perform_tenant_action", "POST", "/v2/tenants/{tenant}/actions", []c{
			{name: "an unknown action", body: `{"action":"Delete"}`, status: 400, msg: "action"},
			{name: "an action in another case", body: `{"action":"activate"}`, status: 400, msg: "action"},
			{name: "an int for the action", body: `{"action":1}`, status: 400, msg: "action"},
			{name: "no action", body: `{}`, status: 400, msg: "action"},
		}},
		{"update_on_prem_tenant_config", "POST", "/v2/clusters/tenant-config", []c{
			{name: "one field", body: `{"organizationsEnabled":true}`, status: 400, msg: "required"},
			{name: "a string for a bool", body: `{"organizationsEnabled":"true","organizationsStorageDomainSharingEnabled":false}`, status: 400, msg: "organizationsEnabled"},
		}},
		{"update_mfa_config", "PUT", "/v2/mfa-config", []c{
			{name: "salesforce", body: `{"enabled":true,"authenticationTypes":["salesforce"]}`, status: 400, msg: "salesforce"},
			{name: "an unknown factor", body: `{"enabled":true,"authenticationTypes":["sms"]}`, status: 400, msg: "sms"},
			{name: "a factor in another case", body: `{"enabled":true,"authenticationTypes":["TOTP"]}`, status: 400, msg: "TOTP"},
			{name: "e-mail without a mail server", body: `{"enabled":true,"authenticationTypes":["email"]}`, status: 400, msg: "mail server"},
			{name: "a string for the list", body: `{"enabled":true,"authenticationTypes":"totp"}`, status: 400, msg: "authenticationTypes"},
			{name: "a string for a bool", body: `{"enabled":"true"}`, status: 400, msg: "enabled"},
			{name: "no body", body: ``, status: 400, msg: "empty"},
		}},
		{"create_totp_key", "POST", "/v2/totp-key", []c{
			{name: "a name of 129 bytes", body: `{"totpKeyName":"` + strings.Repeat("k", 129) + `"}`, status: 400, msg: "totpKeyName"},
			{name: "escape sequence in the name", body: `{"totpKeyName":"k\u001b[2J"}`, status: 400, msg: "control"},
			{name: "an int for the name", body: `{"totpKeyName":7}`, status: 400, msg: "totpKeyName"},
		}},
		{"update_security_config", "PUT", "/v2/security-config", []c{
			{name: "a minimum length under the floor", body: `{"passwordStrength":{"minLength":7}}`, status: 400, msg: "passwordStrength.minLength: 7 is out of range: it takes 8 to 128"},
			{name: "a lifetime of 0 days", body: `{"passwordLifetime":{"maxLifetimeDays":0}}`, status: 400, msg: "passwordLifetime.maxLifetimeDays"},
			{name: "a token lifetime past 12 hours", body: `{"authTokenTimeoutMinutes":721}`, status: 400, msg: "authTokenTimeoutMinutes"},
			{name: "a negative count", body: `{"passwordReuse":{"numDisallowedOldPasswords":-1}}`, status: 400, msg: "numDisallowedOldPasswords"},
			{name: "a mapping in another case", body: `{"certificateBasedAuth":{"certificateMapping":"commonName"}}`, status: 400, msg: "certificateMapping"},
			{name: "a string for a number", body: `{"passwordStrength":{"minLength":"12"}}`, status: 400, msg: "minLength"},
			{name: "a number past int64", body: `{"inactivityTimeoutMSecs":99999999999999999999}`, status: 400, msg: "inactivityTimeoutMSecs"},
			{name: "a session limit of 0", body: `{"sessionConfiguration":{"limitSessions":true,"sessionLimitPerUser":0}}`, status: 400, msg: "sessionLimitPerUser"},
			{name: "a password history past its bound", body: `{"passwordReuse":{"numDisallowedOldPasswords":25}}`, status: 400, msg: "it takes 0 to 24"},
			{name: "sessions past 12 hours", body: `{"sessionConfiguration":{"absoluteTimeout":43201}}`, status: 400, msg: "absoluteTimeout"},
			{name: "no lock-out at all", body: `{"accountLockout":{"maxFailedLoginAttempts":0}}`, status: 400, msg: "maxFailedLoginAttempts"},
			{name: "a banner of 1025 bytes", body: `{"dataClassification":{"classifiedDataMessage":"` + strings.Repeat("b", 1025) + `"}}`, status: 400, msg: "classifiedDataMessage"},
		}},
		{"create_email_otp", "POST", "/v2/email-otp", []c{
			{name: "a password without a username", body: `{"password":"Hostile-Password-1"}`, status: 400, msg: "username"},
			{name: "an int for the username", body: `{"username":7,"password":"p"}`, status: 400, msg: "username"},
		}},
	}
}
