package console

import (
	"net/http"
	"net/url"
	"testing"
)

const hostile = `<img src=x onerror=alert(1)>`

// TestRoles: the matrix marks grants with text; a custom role is made,
// changed and deleted after a confirmation; hostile text shows escaped;
// bad input gets the service's 4xx message.
func TestRoles(t *testing.T) {
	e := newEnv(t)
	b := e.adminBrowser()
	e.want(b.do("GET", "/roles", nil), http.StatusOK, `<th scope="col">COHESITY_ADMIN</th>`,
		`<td class="yes">yes<span class="visually-hidden">: COHESITY_VIEWER grants`, "Create a role")
	e.want(b.do("GET", "/roles/new", nil), http.StatusOK, `<label for="role-name">`, `name="privileges" value="PRINCIPAL_VIEW"`)

	a := b.post("/roles/new", url.Values{"name": {"auditors"}, "description": {hostile}, "privileges": {"PRINCIPAL_VIEW", "AUDIT_LOG_VIEW"}})
	e.wantSeeOther(a, "/roles")
	list := b.do("GET", "/roles", nil)
	e.want(list, http.StatusOK, "auditors", "&lt;img src=x onerror=alert(1)&gt;", `href="/roles/auditors/edit"`)
	e.wantNot(list, hostile)

	e.want(b.do("GET", "/roles/auditors/edit", nil), http.StatusOK, `value="AUDIT_LOG_VIEW" checked`)
	e.wantSeeOther(b.post("/roles/auditors/edit", url.Values{"description": {"reads"}, "privileges": {"PRINCIPAL_VIEW"}}), "/roles")
	e.want(b.do("GET", "/roles/auditors/edit", nil), http.StatusOK, "reads")

	for name, tc := range map[string]struct {
		path string
		form url.Values
		want int
		msg  string
	}{
		"no privilege":      {"/roles/new", url.Values{"name": {"x"}}, 400, "at least one privilege"},
		"taken name":        {"/roles/new", url.Values{"name": {"auditors"}, "privileges": {"PRINCIPAL_VIEW"}}, 409, "auditors"},
		"unknown privilege": {"/roles/new", url.Values{"name": {"y"}, "privileges": {"NOPE"}}, 400, "NOPE"},
		"built-in role":     {"/roles/COHESITY_VIEWER/edit", url.Values{"privileges": {"PRINCIPAL_VIEW"}}, 0, ""},
		"no such role":      {"/roles/ghost/edit", url.Values{"privileges": {"PRINCIPAL_VIEW"}}, 404, "ghost"},
	} {
		t.Run(name, func(t *testing.T) {
			a := b.post(tc.path, tc.form)
			if a.status < 400 || a.status >= 500 || (tc.want != 0 && a.status != tc.want) {
				t.Fatalf("status %d, want a 4xx (%d)\n%s", a.status, tc.want, a.body)
			}
			e.want(a, a.status, tc.msg)
		})
	}

	e.want(b.do("GET", "/roles/auditors/delete", nil), http.StatusOK, "Delete the role auditors?", `action="/roles/auditors/delete"`)
	e.want(b.post("/roles/auditors/delete", nil), http.StatusOK, "Delete the role auditors?") // asks first
	e.wantDone(b.post("/roles/auditors/delete", url.Values{"confirm": {"yes"}}), "/roles")
	e.wantNot(b.do("GET", "/roles", nil), "auditors")
}

// TestRolesViewer: a viewer sees the matrix but no control, and the
// service refuses its changes; a change without the token is refused.
func TestRolesViewer(t *testing.T) {
	e := newEnv(t)
	v := e.viewerBrowser()
	a := v.do("GET", "/roles", nil)
	e.want(a, http.StatusOK, "COHESITY_ADMIN")
	e.wantNot(a, "Create a role", "/edit", "/delete")
	testRefusals(t, e, v, []actionCase{
		{"/roles/new", url.Values{"name": {"r"}, "privileges": {"PRINCIPAL_VIEW"}}},
		{"/roles/COHESITY_VIEWER/edit", url.Values{"privileges": {"PRINCIPAL_VIEW"}}},
		{"/roles/COHESITY_VIEWER/delete", url.Values{"confirm": {"yes"}}},
	})
}
