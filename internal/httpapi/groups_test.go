package httpapi

import (
	"slices"
	"strings"
	"testing"
)

func TestGroupLifecycle(t *testing.T) {
	e := newEnv(t)
	u1 := e.createUser("nina", "nina-Password-1")
	u2 := e.createUser("omar", "omar-Password-1")
	r := e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{
		"name": "Ops", "domain": "LOCAL", "description": "operators", "roles": []string{"COHESITY_OPERATOR"},
		"localGroupParams": map[string]any{"userSids": []string{u1}},
	}}), 201)
	g := r.obj(t)["groups"].([]any)[0].(map[string]any)
	for field, want := range map[string]any{"name": "Ops", "domain": "LOCAL", "description": "operators", "restricted": false} {
		if g[field] != want {
			t.Errorf("%s = %#v, want %#v", field, g[field], want)
		}
	}
	if l, ok := g["smbPrincipals"].([]any); !ok || len(l) != 0 {
		t.Errorf("smbPrincipals = %#v", g["smbPrincipals"])
	}
	sid := g["sid"].(string)

	// Membership shows on the user, and privileges flow from the group.
	var u userParams
	e.want(e.do("GET", "/v2/users/"+u1, e.admin, nil), 200).decode(t, &u)
	if !slices.Equal(u.OtherGroups, []string{sid}) {
		t.Errorf("otherGroups = %v", u.OtherGroups)
	}
	var tok accessTokenResponse
	e.want(e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "nina", "password": "nina-Password-1"}), 201).decode(t, &tok)
	if !slices.Contains(tok.Privileges, "PROTECTION_MODIFY") {
		t.Errorf("group privileges missing: %v", tok.Privileges)
	}

	// Update merges.
	var gp groupParams
	e.want(e.do("PUT", "/v2/groups/"+sid, e.admin, map[string]any{"description": "ops team", "localGroupParams": map[string]any{"userSids": []string{u1, u2}}}), 200).decode(t, &gp)
	if gp.Description != "ops team" || len(gp.LocalGroupParams.UserSids) != 2 || !slices.Equal(gp.Roles, []string{"COHESITY_OPERATOR"}) || len(gp.TenantIDs) != 0 {
		t.Fatalf("after update %+v", gp)
	}
	e.want(e.do("PUT", "/v2/groups/"+sid, e.admin, map[string]any{"roles": []string{}, "restricted": true}), 200).decode(t, &gp)
	if len(gp.Roles) != 0 || !gp.Restricted || len(gp.LocalGroupParams.UserSids) != 2 {
		t.Fatalf("after second update %+v", gp)
	}
	e.want(e.do("PUT", "/v2/groups/"+sid, e.admin, map[string]any{"localGroupParams": map[string]any{"userSids": []string{"S-1-100-21-1-1-9"}}}), 400)
	e.want(e.do("PUT", "/v2/groups/S-1-100-21-1-1-9", e.admin, map[string]any{"description": "x"}), 404)

	e.want(e.do("DELETE", "/v2/groups/"+sid, e.admin, nil), 204)
	e.want(e.do("GET", "/v2/groups/"+sid, e.admin, nil), 404)
	e.want(e.do("DELETE", "/v2/groups/"+sid, e.admin, nil), 404)
	e.want(e.do("GET", "/v2/users/"+u1, e.admin, nil), 200).decode(t, &u)
	if len(u.OtherGroups) != 0 {
		t.Errorf("otherGroups after group delete = %v", u.OtherGroups)
	}
}

func TestCreateGroupsValidation(t *testing.T) {
	e := newEnv(t)
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "taken", "domain": "LOCAL"}}), 201)
	cases := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"unknown member", []map[string]any{{"name": "a", "domain": "LOCAL"}, {"name": "b", "domain": "LOCAL", "localGroupParams": map[string]any{"userSids": []string{"S-1-100-21-1-1-3"}}}}, 400, `groups[1] "b": localGroupParams.userSids`},
		{"unknown role", []map[string]any{{"name": "c", "domain": "LOCAL", "roles": []string{"NOPE"}}}, 400, `role "NOPE"`},
		{"duplicate", []map[string]any{{"name": "d", "domain": "LOCAL"}, {"name": "TAKEN", "domain": "LOCAL"}}, 409, "already exists"},
		{"dup in batch", []map[string]any{{"name": "e", "domain": "LOCAL"}, {"name": "E", "domain": "local"}}, 409, "duplicates"},
		{"domain", []map[string]any{{"name": "f", "domain": "corp"}}, 400, "not registered"},
		{"no name", []map[string]any{{"domain": "LOCAL"}}, 400, "name is required"},
		{"control chars", []map[string]any{{"name": "a\x00b", "domain": "LOCAL"}}, 400, "control"},
		{"tenant id with a control char", []map[string]any{{"name": "g", "domain": "LOCAL", "tenantIds": []string{"t\x07/"}}}, 400, "tenantIds"},
		{"empty tenant id", []map[string]any{{"name": "h", "domain": "LOCAL", "tenantIds": []string{""}}}, 400, "tenantIds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.want(e.do("POST", "/v2/groups", e.admin, c.body), c.status)
			if msg := r.obj(t)["message"].(string); !strings.Contains(msg, c.msg) {
				t.Errorf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	var gl groupsJSON
	e.want(e.do("GET", "/v2/groups", e.admin, nil), 200).decode(t, &gl)
	e.wantMsg(e.do("PUT", "/v2/groups/"+gl.Groups[0].SID, e.admin, map[string]any{"tenantIds": []string{" t/"}}), 400, "tenantIds")
	e.want(e.do("GET", "/v2/groups", e.admin, nil), 200).decode(t, &gl)
	if len(gl.Groups) != 1 || len(gl.Groups[0].TenantIDs) != 0 {
		t.Fatalf("groups after failed batches: %+v", gl.Groups)
	}
}

func TestGroupFiltersAndBulkDelete(t *testing.T) {
	e := newEnv(t)
	e.enableOrgs()
	e.createTenant(e.admin, "t1", "T1")
	e.createTenant(e.admin, "t3", "T3")
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{
		{"name": "alpha", "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"}},
		{"name": "Alphabet", "domain": "LOCAL"},
		{"name": "beta", "domain": "LOCAL", "roles": []string{"COHESITY_ADMIN"}},
	}), 201).decode(t, &gl)
	sids := []string{gl.Groups[0].SID, gl.Groups[1].SID, gl.Groups[2].SID}
	e.want(e.doIn("t1/", "POST", "/v2/groups", e.admin, []map[string]any{
		{"name": "alpha", "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"}, "tenantIds": []string{"t1/"}}}), 201)
	e.want(e.doIn("t3/", "POST", "/v2/groups", e.admin, []map[string]any{{"name": "gamma", "domain": "LOCAL"}}), 201)
	cases := []struct {
		query string
		want  string
	}{
		{"", "alpha,Alphabet,beta"},
		{"names=ALPHA", "alpha"},
		{"names=alph&matchPartialNames=true", "alpha,Alphabet"},
		{"names=alpha,beta", "alpha,beta"},
		{"roles=COHESITY_ADMIN", "beta"},
		{"sids=" + sids[1], "Alphabet"},
		{"tenantIds=t3/,t1/", "alpha,gamma"},
		{"tenantIds=t3/,t1/&names=alpha", "alpha"},
		{"includeTenants=true&names=alpha", "alpha,alpha"},
		{"domain=LOCAL&names=beta", "beta"},
		{"domain=other", ""},
	}
	for _, c := range cases {
		var gl groupsJSON
		e.want(e.do("GET", "/v2/groups?"+c.query, e.admin, nil), 200).decode(t, &gl)
		var got []string
		for _, g := range gl.Groups {
			got = append(got, g.Name)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%q: got %v, want %s", c.query, got, c.want)
		}
	}
	e.want(e.do("POST", "/v2/groups/delete", e.admin, map[string]any{"sids": []string{sids[0], "S-1-100-21-1-1-8"}}), 404)
	e.want(e.do("GET", "/v2/groups/"+sids[0], e.admin, nil), 200)
	e.want(e.do("POST", "/v2/groups/delete", e.admin, map[string]any{"sids": sids[:2]}), 204)
	e.want(e.do("GET", "/v2/groups/"+sids[0], e.admin, nil), 404)
	e.want(e.do("GET", "/v2/groups/"+sids[2], e.admin, nil), 200)
}

func TestRoles(t *testing.T) {
	e := newEnv(t)
	var rl rolesJSON
	e.want(e.do("GET", "/v2/roles", e.admin, nil), 200).decode(t, &rl)
	builtins := map[string]roleJSON{}
	for _, r := range rl.Roles {
		builtins[r.Name] = r
	}
	var pl privilegesJSON
	e.want(e.do("GET", "/v2/privileges", e.admin, nil), 200).decode(t, &pl)
	viewOnly := map[string]bool{}
	labels := map[string]string{}
	for _, p := range pl.Privileges {
		viewOnly[p.Name] = p.IsViewOnly
		labels[p.Label] = p.Name
	}
	if labels["Manage Users"] == "" || labels["Manage S3 Keys"] == "" {
		t.Fatalf("catalog lacks Manage Users or Manage S3 Keys: %v", labels)
	}
	for _, name := range []string{"COHESITY_ADMIN", "COHESITY_VIEWER", "COHESITY_OPERATOR", "COHESITY_DATA_SECURITY"} {
		r, ok := builtins[name]
		if !ok || r.IsUserCreatedRole || r.Label == "" || len(r.Privileges) == 0 {
			t.Fatalf("built-in %s: %+v", name, r)
		}
		for _, p := range r.Privileges {
			if _, known := viewOnly[p]; !known {
				t.Errorf("%s holds %q, not a privilege name", name, p)
			}
			if name == "COHESITY_VIEWER" && !viewOnly[p] {
				t.Errorf("viewer holds non-view privilege %s", p)
			}
			if p == labels["Manage Users"] && name != "COHESITY_ADMIN" {
				t.Errorf("%s holds Manage Users", name)
			}
		}
	}
	e.want(e.do("GET", "/v2/privileges?names=PRINCIPAL_VIEW", e.admin, nil), 200).decode(t, &pl)
	if len(pl.Privileges) != 1 {
		t.Fatalf("names filter: %+v", pl)
	}

	// Custom roles.
	var role roleJSON
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "Auditor", "description": "reads", "privileges": []string{"PRINCIPAL_VIEW", "AUDIT_LOG_VIEW"}}), 201).decode(t, &role)
	if !role.IsUserCreatedRole || len(role.Privileges) != 2 || role.Description != "reads" {
		t.Fatalf("created %+v", role)
	}
	for _, bad := range []map[string]any{
		{"name": "Empty", "privileges": []string{}},
		{"name": "NoPrivs"},
		{"name": "Unknown", "privileges": []string{"FLY"}},
		{"name": "Label", "privileges": []string{"Manage Users"}},
		{"privileges": []string{"PRINCIPAL_VIEW"}},
	} {
		e.want(e.do("POST", "/v2/roles", e.admin, bad), 400)
	}
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "Auditor", "privileges": []string{"PRINCIPAL_VIEW"}}), 409)
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "COHESITY_ADMIN", "privileges": []string{"PRINCIPAL_VIEW"}}), 409)

	e.want(e.do("PUT", "/v2/roles/Auditor", e.admin, map[string]any{"privileges": []string{"PRINCIPAL_VIEW"}}), 200).decode(t, &role)
	if len(role.Privileges) != 1 || role.Description != "reads" {
		t.Fatalf("updated %+v", role)
	}
	e.want(e.do("PUT", "/v2/roles/COHESITY_VIEWER", e.admin, map[string]any{"privileges": []string{"PRINCIPAL_VIEW"}}), 400)
	e.want(e.do("PUT", "/v2/roles/Nope", e.admin, map[string]any{"privileges": []string{"PRINCIPAL_VIEW"}}), 404)
	e.want(e.do("PUT", "/v2/roles/Auditor", e.admin, map[string]any{"privileges": []string{}}), 400)

	// The role grants its privileges; while held it cannot be deleted.
	_, c := e.loginAs("olga", "Auditor")
	e.want(e.do("GET", "/v2/users", c, nil), 200)
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "auditors", "domain": "LOCAL", "roles": []string{"Auditor"}}}), 201)
	r := e.want(e.do("DELETE", "/v2/roles/Auditor", e.admin, nil), 400)
	if msg := string(r.body); !strings.Contains(msg, "olga") || !strings.Contains(msg, "auditors") {
		t.Errorf("in-use message does not name holders: %s", msg)
	}
	e.want(e.do("DELETE", "/v2/roles/COHESITY_ADMIN", e.admin, nil), 400)
	e.want(e.do("GET", "/v2/roles?names=Auditor", e.admin, nil), 200).decode(t, &rl)
	if len(rl.Roles) != 1 {
		t.Fatalf("names filter %+v", rl)
	}
	e.want(e.do("POST", "/v2/roles", e.admin, map[string]any{"name": "Temp", "privileges": []string{"PRINCIPAL_VIEW"}}), 201)
	e.want(e.do("DELETE", "/v2/roles/Temp", e.admin, nil), 204)
	e.want(e.do("DELETE", "/v2/roles/Temp", e.admin, nil), 404)
}

func TestPrincipalsAndSources(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("pat", "pat-Password-1")
	var gl groupsJSON
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "pg", "domain": "LOCAL"}}), 201).decode(t, &gl)
	g := gl.Groups[0].SID

	var sp securityPrincipals
	e.want(e.do("GET", "/v2/security-principals?sids="+u+","+g+",S-1-5-21-1-2-3-4", e.admin, nil), 200).decode(t, &sp)
	got := map[string]securityPrincipal{}
	for _, p := range sp.SecurityPrincipals {
		got[p.SID] = p
	}
	if len(got) != 2 || got[u].ObjectClass != "User" || got[u].PrincipalName != "pat" || got[g].ObjectClass != "Group" || got[g].DomainName != "LOCAL" {
		t.Fatalf("principals %+v", sp)
	}
	e.want(e.do("GET", "/v2/security-principals", e.admin, nil), 400)

	var src assignedSources
	e.want(e.do("GET", "/v2/security-principals/"+u+"/sources", e.admin, nil), 200).decode(t, &src)
	if src.SourceIDs == nil || len(src.SourceIDs) != 0 || len(src.ViewIDs) != 0 {
		t.Fatalf("initial sources %+v", src)
	}
	for _, sid := range []string{u, g} {
		e.want(e.do("PUT", "/v2/security-principals/"+sid+"/sources", e.admin, map[string]any{"sourceIds": []int64{3, 1, 3}, "viewIds": []int64{9}}), 200).decode(t, &src)
		if !slices.Equal(src.SourceIDs, []int64{3, 1}) || !slices.Equal(src.ViewIDs, []int64{9}) {
			t.Fatalf("set sources %+v", src)
		}
		e.want(e.do("GET", "/v2/security-principals/"+sid+"/sources", e.admin, nil), 200).decode(t, &src)
		if !slices.Equal(src.SourceIDs, []int64{3, 1}) {
			t.Fatalf("get sources %+v", src)
		}
	}
	e.want(e.do("PUT", "/v2/security-principals/"+u+"/sources", e.admin, map[string]any{"sourceIds": []int64{}}), 200).decode(t, &src)
	if len(src.SourceIDs) != 0 {
		t.Fatalf("replace with empty %+v", src)
	}
	e.want(e.do("PUT", "/v2/security-principals/"+u+"/sources", e.admin, map[string]any{"sourceIds": []int64{0}}), 400)
	e.want(e.do("PUT", "/v2/security-principals/"+u+"/sources", e.admin, map[string]any{"sourceIds": []any{1.5}}), 400)
	e.want(e.do("PUT", "/v2/security-principals/"+u+"/sources", e.admin, map[string]any{"viewIds": []any{"7"}}), 400)
	e.want(e.do("PUT", "/v2/security-principals/S-1-100-21-1-1-2/sources", e.admin, map[string]any{"sourceIds": []int64{1}}), 404)
	e.want(e.do("GET", "/v2/security-principals/S-1-100-21-1-1-2/sources", e.admin, nil), 404)
}
