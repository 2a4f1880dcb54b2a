package httpapi

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// renameUser gives a user, in the store, a name from before the rule of
// package names (docs/names.md) that the API now refuses: it keeps
// working.
func (e *env) renameUser(sid, name string) {
	e.t.Helper()
	_, err := (storetest.Single{Store: e.st}).UpdateUser(e.t.Context(), sid, func(u store.User) (store.User, error) {
		u.Username = name
		return u, nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// renameGroup is renameUser for a group.
func (e *env) renameGroup(sid, name string) {
	e.t.Helper()
	_, err := (storetest.Single{Store: e.st}).UpdateGroup(e.t.Context(), sid, func(g store.Group) (store.Group, error) {
		g.Name = name
		return g, nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// legacyRole makes, in the store, a custom role with a name from before
// the rule.
func (e *env) legacyRole(name string, privileges ...string) {
	e.t.Helper()
	r := store.Role{Name: name, Label: name, Privileges: privileges, IsUserCreated: true}
	if err := (storetest.Single{Store: e.st}).CreateRole(e.t.Context(), r); err != nil {
		e.t.Fatal(err)
	}
}

// refusedNames are names the rule refuses, with what the message says,
// for every kind; those with a space are refused for usernames only.
var refusedNames = []struct{ name, msg string }{
	{`a\b`, `contains '\\' (U+005C)`},
	{"*)(uid=*", "contains '*' (U+002A)"},
	{"<script>x</script>", "contains '<' (U+003C)"},
	{"x/y", "contains '/' (U+002F)"},
	{`a"b`, `contains '"' (U+0022)`},
	{"a,b", "contains ',' (U+002C)"},
	{"\u0430dmin", "mixes the scripts Cyrillic, Latin"},
	{"admin\u200b", "contains U+200B, an invisible (default-ignorable) character"},
	{"\ufeffadmin", "contains U+FEFF, an invisible"},
	{"ad\u00admin", "contains U+00AD, an invisible"},
	{"\u202eadmin", "contains the bidirectional control U+202E"},
	{"jose\u0301", `is not in normalized form: send "jos\u00e9"`},
	{"\u212aate", `is not in normalized form: send "Kate"`},
	{"\uff4a\uff4f\uff53\uff45", `is not in normalized form: send "jose"`},
}

// TestNameRule: create_users, create_group and create_role refuse names
// that break the rule with a 400 naming it, and refuse a look-alike of a
// name of the same kind; directory names and API key names are not
// checked by it, and the built-in roles stay valid.
func TestNameRule(t *testing.T) {
	e := newEnv(t)
	user := func(name string) []map[string]any {
		return []map[string]any{{"username": name, "domain": "LOCAL", "localUserParams": map[string]any{"password": "Name-Rule-Password-1"}}}
	}
	group := func(name string) []map[string]any { return []map[string]any{{"name": name, "domain": "LOCAL"}} }
	role := func(name string) map[string]any {
		return map[string]any{"name": name, "privileges": []string{"PRINCIPAL_VIEW"}}
	}
	for _, c := range refusedNames {
		e.wantMsg(e.do("POST", "/v2/users", e.admin, user(c.name)), 400, "username "+fmt.Sprintf("%+q ", c.name)+c.msg)
		e.wantMsg(e.do("POST", "/v2/groups", e.admin, group(c.name)), 400, "group name "+fmt.Sprintf("%+q ", c.name)+c.msg)
		e.wantMsg(e.do("POST", "/v2/roles", e.admin, role(c.name)), 400, "role name "+fmt.Sprintf("%+q ", c.name)+c.msg)
	}
	e.wantMsg(e.do("POST", "/v2/users", e.admin, user("ops team")), 400, "contains ' ' (U+0020)")
	e.wantMsg(e.do("POST", "/v2/groups", e.admin, group("ops  team")), 400, "two spaces in a row")
	e.wantMsg(e.do("POST", "/v2/roles", e.admin, role("COHESITY_VIEWER\u200b")), 400, "U+200B, an invisible")

	// Look-alikes of existing names of the same kind.
	e.want(e.do("POST", "/v2/groups", e.admin, group("Ops Team")), 201)
	e.want(e.do("POST", "/v2/users", e.admin, user("cepa")), 201)
	e.wantMsg(e.do("POST", "/v2/users", e.admin, user("adrnin")), 400, `looks like the username "admin"`)
	e.wantMsg(e.do("POST", "/v2/users", e.admin, user("adm\u0131n")), 400, `looks like the username "admin"`)
	e.wantMsg(e.do("POST", "/v2/users", e.admin, user("\u0441\u0435\u0440\u0430")), 400, `looks like the username "cepa"`)
	e.wantMsg(e.do("POST", "/v2/groups", e.admin, group("0ps Team")), 400, `looks like the group name "Ops Team"`)
	e.wantMsg(e.do("POST", "/v2/roles", e.admin, role("COHESITY_VlEWER")), 400, `looks like the role name "COHESITY_VIEWER"`)
	e.want(e.do("POST", "/v2/groups", e.admin, group("adrnin")), 201) // a group may look like a user
	e.wantMsg(e.do("POST", "/v2/users", e.admin, user("ADMIN")), 409, "")

	// Valid names of any script; API key names keep their own checks.
	for _, name := range []string{"first.last+tag@example.com", "\u5c71\u7530\u305f\u308d\u3046", "stra\u00dfe", "\u0395\u03bb\u03ad\u03bd\u03b7"} {
		e.want(e.do("POST", "/v2/users", e.admin, user(name)), 201)
	}
	e.want(e.do("POST", "/v2/roles", e.admin, role("Backup Operators")), 201)
	e.createAPIKey(e.admin, e.adminSID(), "ci key, for x/y")

	// The built-in roles are valid names, and still theirs.
	var roles rolesJSON
	e.want(e.do("GET", "/v2/roles", e.admin, nil), 200).decode(t, &roles)
	builtin := 0
	for _, r := range roles.Roles {
		if strings.HasPrefix(r.Name, "COHESITY_") {
			builtin++
			e.wantMsg(e.do("POST", "/v2/roles", e.admin, role(r.Name)), 409, "built in")
		}
	}
	if builtin < 4 {
		t.Errorf("found %d built-in roles, want COHESITY_ADMIN, _VIEWER, _OPERATOR, _DATA_SECURITY", builtin)
	}
}

// TestNameForms: the NFC and NFD forms of a name are one user, found and
// logged in by either; the Kelvin sign is refused, never a way into "kate"
// or a name of its own.
func TestNameForms(t *testing.T) {
	e := newEnv(t)
	const pw = "Name-Forms-Password-1"
	nfc, nfd := "jos\u00e9", "jose\u0301"
	sid := e.createUser(nfc, pw, "COHESITY_VIEWER")
	body := []map[string]any{{"username": nfd, "domain": "LOCAL", "localUserParams": map[string]any{"password": pw}}}
	e.wantMsg(e.do("POST", "/v2/users", e.admin, body), 400, `send "jos\u00e9"`)
	for _, name := range []string{nfc, nfd, "JOS\u00c9"} {
		var ul usersList
		e.want(e.do("GET", "/v2/users?usernames="+url.QueryEscape(name), e.admin, nil), 200).decode(t, &ul)
		if len(ul.Users) != 1 || ul.Users[0].SID != sid {
			t.Errorf("get_users by %+q: %+v, want %s only", name, ul.Users, sid)
		}
		e.accessToken(name, pw)
	}

	kateSID := e.createUser("kate", pw)
	kelvin := []map[string]any{{"username": "\u212aate", "domain": "LOCAL", "localUserParams": map[string]any{"password": "Kelvin-Password-1"}}}
	e.wantMsg(e.do("POST", "/v2/users", e.admin, kelvin), 400, `not in normalized form: send "Kate"`)
	for _, name := range []string{"kate", "Kate", "\u212aate"} {
		r := e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": name, "password": "Kelvin-Password-1", "domain": "LOCAL"})
		e.want(r, 401)
	}
	var ul usersList
	e.want(e.do("GET", "/v2/users?usernames="+url.QueryEscape("\u212aATE"), e.admin, nil), 200).decode(t, &ul)
	if len(ul.Users) != 1 || ul.Users[0].SID != kateSID {
		t.Errorf("get_users by the Kelvin sign: %+v, want kate (%s) only", ul.Users, kateSID)
	}
}

// TestLegacyNames: a name from before the rule (here written to the store
// directly) keeps working: found by name, logged in, updated.
func TestLegacyNames(t *testing.T) {
	e := newEnv(t)
	const pw = "Legacy-Password-1"
	sid := e.createUser("legacy-tmp", pw, "COHESITY_VIEWER")
	e.renameUser(sid, `CORP\ops <"x/y">`)
	var ul usersList
	e.want(e.do("GET", "/v2/users?usernames="+url.QueryEscape(`corp\OPS <"X/Y">`), e.admin, nil), 200).decode(t, &ul)
	if len(ul.Users) != 1 || ul.Users[0].SID != sid {
		t.Errorf("get_users by a legacy name: %+v, want %s", ul.Users, sid)
	}
	e.accessToken(`corp\ops <"x/y">`, pw)
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"description": "kept"}), 200)
}
