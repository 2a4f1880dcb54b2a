package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// wantDone fails unless a is a 303 to where that hands the next page a
// done message.
func (e *env) wantDone(a answer, where string) {
	e.t.Helper()
	if a.status != http.StatusSeeOther || a.header.Get("Location") != where || !strings.Contains(a.header.Get("Set-Cookie"), flashCookie+"=") {
		e.t.Fatalf("status %d to %q (cookie %q), want 303 to %s with a done message\n%s", a.status,
			a.header.Get("Location"), a.header.Get("Set-Cookie"), where, a.body)
	}
}

var sidRE = regexp.MustCompile(`^/users/(S-[0-9-]+)$`)

// TestUserLifecycle: create a user, change it through every action of its
// page, and delete it through the confirmation page.
func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("admin", adminPassword)
	e.want(b.do("GET", "/users/new", nil), 200, `name="roles" value="COHESITY_VIEWER"`, `for="username"`)
	a := b.post("/users", url.Values{"username": {"carol"}, "domain": {"LOCAL"}, "password": {"Carol-Password-1"},
		"roles": {"COHESITY_VIEWER"}, "description": {`<img src=x onerror=alert(1)>`}, "email": {"carol@example.com"}})
	m := sidRE.FindStringSubmatch(a.header.Get("Location"))
	if a.status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d to %q\n%s", a.status, a.header.Get("Location"), a.body)
	}
	page := "/users/" + m[1]
	a = b.do("GET", page, nil)
	e.want(a, 200, "User created.", "COHESITY_VIEWER", "&lt;img src=x onerror=alert(1)&gt;", "Delete…", ">Lock<")
	if strings.Contains(b.do("GET", page, nil).body, "User created.") {
		t.Error("the done message shows twice")
	}
	// A link cannot make a page say anything.
	if strings.Contains(b.do("GET", page+"?done=Your+account+is+closed", nil).body, "Your account is closed") {
		t.Error("a page shows text from its link")
	}
	if strings.Contains(a.body, "<img src=x") {
		t.Error("the description is not escaped")
	}
	steps := []struct {
		path string
		form url.Values
		want string // on the page after
	}{
		{"/profile", url.Values{"description": {`say "hi" & 'bye'`}, "email": {"c@example.com"}}, "say &#34;hi&#34; &amp; &#39;bye&#39;"},
		{"/roles", url.Values{"roles": {"COHESITY_VIEWER", "COHESITY_OPERATOR"}}, "COHESITY_VIEWER, COHESITY_OPERATOR"},
		{"/lock", nil, "yes (LockedByAdmin)"},
		{"/unlock", nil, ">Lock<"},
		{"/password", url.Values{"password": {"Carol-Password-2"}}, "Password set."},
		{"/sessions/end", nil, "Sessions ended."},
		{"/revoke", nil, "Credentials revoked."},
	}
	for _, s := range steps {
		a := b.post(page+s.path, s.form)
		e.wantDone(a, page)
		e.want(b.do("GET", a.header.Get("Location"), nil), 200, s.want)
	}
	// The S3 secret shows once, on the POST's answer, not in its URL.
	a = b.post(page+"/s3-key", nil)
	e.want(a, 200, "The new S3 secret key", `data-copy="secret"`)
	if again := b.do("GET", page, nil); strings.Contains(again.body, `id="secret"`) {
		t.Error("the S3 secret shows again")
	}
	// Deleting takes the confirmation page's form.
	e.want(b.do("GET", page+"/delete", nil), 200, `Delete the user LOCAL\carol?`, `name="confirm" value="yes"`)
	e.want(b.post(page+"/delete", nil), 200, `Delete the user LOCAL\carol?`)
	e.want(b.do("GET", page, nil), 200) // not yet deleted
	a = b.post(page+"/delete", url.Values{"confirm": {"yes"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/users" {
		t.Fatalf("delete: %d to %q", a.status, a.header.Get("Location"))
	}
	e.want(b.do("GET", page, nil), 404)
}

// TestUserKeys: a user's API keys list on its page; a rotation shows the
// new secret once; a deactivation goes back.
func TestUserKeys(t *testing.T) {
	e := newEnv(t)
	dave := e.createUser("dave", "Dave-Password-1", iam.RoleViewer)
	k, _, err := e.svc.CreateAPIKey(context.Background(), e.principal("admin", adminPassword), dave.SID, iam.APIKeyInput{Name: "ci <key>"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login("admin", adminPassword)
	page := "/users/" + dave.SID
	e.want(b.do("GET", page, nil), 200, "ci &lt;key&gt;", "Rotate", "Deactivate")
	e.want(b.post(page+"/keys/"+k.ID+"/rotate", nil), 200, "The new secret of API key ci &lt;key&gt;", `data-copy="secret"`)
	e.wantDone(b.post(page+"/keys/"+k.ID+"/deactivate", url.Values{"name": {k.Name}}), page)
	if a := b.do("GET", page, nil); strings.Contains(a.body, ">Deactivate<") {
		t.Error("the key is still active")
	}

	// A new key, shown once, that works against the API; a name the
	// service refuses shows on the page.
	a := b.post(page+"/keys", url.Values{"name": {"deploy"}, "days": {"30"}})
	e.want(a, 200, "API key deploy", "It is shown this once")
	m := regexp.MustCompile(`id="secret">([^<]+)<`).FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no secret on the page:\n%s", a.body)
	}
	if _, err := e.svc.Authenticate(context.Background(), iam.Credential{Kind: iam.CredAPIKey, Secret: m[1]}); err != nil {
		t.Errorf("the key shown does not authenticate: %v", err)
	}
	if strings.Contains(b.do("GET", page, nil).body, m[1]) {
		t.Error("the key shows again on the user's page")
	}
	e.want(b.post(page+"/keys", url.Values{"name": {""}}), 400)
}

// TestViewerSeesNoControls: a viewer sees no create, lock or delete
// control, and the server refuses the POSTs anyway.
func TestViewerSeesNoControls(t *testing.T) {
	e := newEnv(t)
	e.createUser("vic", "Vic-Password-1", iam.RoleViewer)
	target := e.createUser("tom", "Tom-Password-1", iam.RoleViewer)
	b := e.browser()
	b.login("vic", "Vic-Password-1")
	a := b.do("GET", "/users", nil)
	e.want(a, 200, "tom", "Groups")
	page := "/users/" + target.SID
	u := b.do("GET", page, nil)
	e.want(u, 200, "tom")
	for _, s := range []string{"Create a user", "Delete…", ">Lock<", "Regenerate S3 key", "Save roles", "Make an API key"} {
		if strings.Contains(a.body+u.body, s) {
			t.Errorf("a viewer sees %q", s)
		}
	}
	for _, path := range []string{"/lock", "/roles", "/profile", "/revoke", "/s3-key", "/sessions/end", "/password", "/keys"} {
		e.want(b.post(page+path, url.Values{"roles": {"COHESITY_ADMIN"}, "password": {"Tom-Password-9"}, "description": {"x"}, "name": {"k"}}), 403)
	}
	e.want(b.post(page+"/delete", url.Values{"confirm": {"yes"}}), 403)
	e.want(b.post("/users", url.Values{"username": {"eve"}, "domain": {"LOCAL"}, "password": {"Eve-Password-1"}}), 403)
	e.want(b.post("/groups", url.Values{"name": {"g"}, "domain": {"LOCAL"}}), 403)
	e.want(b.do("GET", page, nil), 200, "no") // tom is not locked
}

// TestUserFormsRefused: a POST without the CSRF token is refused; bad
// input shows the service's message with a 4xx status.
func TestUserFormsRefused(t *testing.T) {
	e := newEnv(t)
	tom := e.createUser("tom", "Tom-Password-1", iam.RoleViewer)
	b := e.browser()
	b.login("admin", adminPassword)
	e.want(b.do("POST", "/users/"+tom.SID+"/lock", url.Values{}), 403, "CSRF")
	e.want(b.do("GET", "/users/"+tom.SID, nil), 200, "Locked</dt><dd>no")
	tests := []struct {
		name string
		path string
		form url.Values
		want []string
	}{
		{"empty username", "/users", url.Values{"username": {""}, "domain": {"LOCAL"}}, []string{"username"}},
		{"unknown role", "/users", url.Values{"username": {"zed"}, "domain": {"LOCAL"}, "password": {"Zed-Password-1"},
			"roles": {"NO_SUCH_ROLE"}}, []string{"NO_SUCH_ROLE", `value="zed"`}},
		{"taken name", "/users", url.Values{"username": {"tom"}, "domain": {"LOCAL"}, "password": {"Zed-Password-1"}}, []string{"tom"}},
		{"unknown role on a user", "/users/" + tom.SID + "/roles", url.Values{"roles": {"NO_SUCH_ROLE"}}, []string{"NO_SUCH_ROLE"}},
		{"unknown role on a group", "/groups", url.Values{"name": {"g"}, "domain": {"LOCAL"}, "roles": {"NO_SUCH_ROLE"}}, []string{"NO_SUCH_ROLE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := b.post(tc.path, tc.form)
			if a.status < 400 || a.status >= 500 {
				t.Fatalf("status %d, want 4xx\n%s", a.status, a.body)
			}
			e.want(a, a.status, append(tc.want, `class="error"`)...)
		})
	}
}

// TestUsersListPages: the list pages by keyset through every user once,
// keeping its filters, and filters by lock.
func TestUsersListPages(t *testing.T) {
	e := newEnv(t)
	seedUsers(t, e.st, 120, "pager")
	b := e.browser()
	b.login("admin", adminPassword)
	seen := map[string]int{}
	next, pages := "/users?name=pager", 0
	for next != "" && pages < 10 {
		a := b.do("GET", next, nil)
		e.want(a, 200)
		for _, m := range userLinkRE.FindAllStringSubmatch(a.body, -1) {
			seen[m[1]]++
		}
		next, pages = "", pages+1
		if m := nextRE.FindStringSubmatch(a.body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.Contains(next, "name=pager") {
				t.Fatalf("the next page lost the filter: %s", next)
			}
		}
	}
	if pages != 3 || len(seen) != 120 {
		t.Fatalf("%d pages, %d users; want 3 and 120", pages, len(seen))
	}
	for sid, n := range seen {
		if n != 1 {
			t.Errorf("%s on %d pages", sid, n)
		}
	}
	e.want(b.do("GET", "/users?locked=yes", nil), 200, "No user matches.")
	e.want(b.do("GET", "/users?locked=no&expired=no&name=admin", nil), 200, ">admin<")
	e.want(b.do("GET", "/users?after=junk", nil), 400, "after")
	// htmx asks for the table alone.
	a := b.do("GET", "/users?name=pager0001", nil, "HX-Request", "true", "HX-Target", "users")
	e.want(a, 200, `<div id="users">`, "pager00010")
	if strings.Contains(a.body, "<html") {
		t.Error("an htmx request got the whole page")
	}
}

var (
	userLinkRE = regexp.MustCompile(`<a href="/users/(S-[0-9-]+)">`)
	nextRE     = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
)

// seedUsers creates n users named prefix0000... straight in the store, in
// one transaction, created a millisecond apart.
func seedUsers(tb testing.TB, st store.Store, n int, prefix string) {
	tb.Helper()
	users := make([]store.User, n)
	for i := range users {
		users[i] = store.User{SID: fmt.Sprintf("S-1-5-21-9-9-9-%d", 100000+i), Domain: "LOCAL",
			Username: fmt.Sprintf("%s%05d", prefix, i), Roles: []string{iam.RoleViewer},
			CreatedMsecs: 1_700_000_000_000 + int64(i), UpdatedMsecs: 1_700_000_000_000}
	}
	err := st.Update(context.Background(), func(tx store.Tx) error { return tx.CreateUsers(context.Background(), users) })
	if err != nil {
		tb.Fatal(err)
	}
}
