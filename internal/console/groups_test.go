package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/iam"
)

var groupRE = regexp.MustCompile(`^/groups/(S-[0-9-]+)$`)

// TestGroupLifecycle: create a group, find and add a member, change its
// roles, remove the member, delete the group through its confirmation.
func TestGroupLifecycle(t *testing.T) {
	e := newEnv(t)
	tom := e.createUser("tom", "Tom-Password-1", iam.RoleViewer)
	b := e.browser()
	b.login("admin", adminPassword)
	e.want(b.do("GET", "/groups/new", nil), 200, `for="name"`, `value="COHESITY_VIEWER"`)
	a := b.post("/groups", url.Values{"name": {"ops-night"}, "domain": {"LOCAL"}, "roles": {"COHESITY_VIEWER"},
		"description": {`<img src=x onerror=alert(1)>`}})
	m := groupRE.FindStringSubmatch(a.header.Get("Location"))
	if a.status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d to %q\n%s", a.status, a.header.Get("Location"), a.body)
	}
	page := "/groups/" + m[1]
	a = b.do("GET", page, nil)
	e.want(a, 200, "ops-night", "&lt;img src=x onerror=alert(1)&gt;", "No members.")
	if strings.Contains(a.body, "<img src=x") {
		t.Error("the description is not escaped")
	}
	e.want(b.do("GET", "/groups?name=night", nil), 200, "ops-night")
	// The member search, as htmx asks for it: the candidates alone.
	a = b.do("GET", page+"?member=to", nil, "HX-Request", "true", "HX-Target", "candidates")
	e.want(a, 200, `<div id="candidates"`, `value="`+tom.SID+`"`, `Add LOCAL\tom`)
	if strings.Contains(a.body, "<html") {
		t.Error("an htmx request got the whole page")
	}
	e.wantDone(b.post(page+"/members/add", url.Values{"user": {tom.SID}}), page)
	e.want(b.do("GET", page, nil), 200, `Remove tom`)
	e.want(b.do("GET", "/users/"+tom.SID, nil), 200, `<a href="/groups/`+m[1]+`">ops-night</a>`)
	e.wantDone(b.post(page+"/roles", url.Values{"roles": {"COHESITY_OPERATOR"}}), page)
	e.want(b.do("GET", page, nil), 200, "<dd>COHESITY_OPERATOR</dd>")
	e.wantDone(b.post(page+"/profile", url.Values{"description": {"night shift"}}), page)
	e.wantDone(b.post(page+"/members/remove", url.Values{"user": {tom.SID}}), page)
	e.want(b.do("GET", page, nil), 200, "No members.", "night shift")
	e.want(b.post(page+"/delete", nil), 200, `Delete the group`)
	a = b.post(page+"/delete", url.Values{"confirm": {"yes"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/groups" {
		t.Fatalf("delete: %d to %q", a.status, a.header.Get("Location"))
	}
	e.want(b.do("GET", page, nil), 404)
}

// TestGroupViewer: a viewer sees no controls, and its POSTs are refused.
func TestGroupViewer(t *testing.T) {
	e := newEnv(t)
	e.createUser("vic", "Vic-Password-1", iam.RoleViewer)
	tom := e.createUser("tom", "Tom-Password-1", iam.RoleViewer)
	admin := e.browser()
	admin.login("admin", adminPassword)
	a := admin.post("/groups", url.Values{"name": {"ops"}, "domain": {"LOCAL"}})
	page := strings.Split(a.header.Get("Location"), "?")[0]
	b := e.browser()
	b.login("vic", "Vic-Password-1")
	list, g := b.do("GET", "/groups", nil), b.do("GET", page, nil)
	e.want(g, 200, "ops")
	for _, s := range []string{"Create a group", "Delete…", "Save roles", "Add a user"} {
		if strings.Contains(list.body+g.body, s) {
			t.Errorf("a viewer sees %q", s)
		}
	}
	for _, path := range []string{"/members/add", "/roles", "/profile"} {
		e.want(b.post(page+path, url.Values{"user": {tom.SID}, "roles": {"COHESITY_ADMIN"}, "description": {"x"}}), 403)
	}
	e.want(b.post(page+"/delete", url.Values{"confirm": {"yes"}}), 403)
	e.want(b.do("POST", page+"/delete", url.Values{"confirm": {"yes"}}), 403, "CSRF")
}
