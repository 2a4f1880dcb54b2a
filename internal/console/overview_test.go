package console

import (
	"net/http"
	"testing"
)

// TestOverview: the admin sees every count, each a link to its list;
// a viewer sees those of the lists it may read, and no key count.
func TestOverview(t *testing.T) {
	e := newEnv(t)
	e.createUser("lou", "lou-Password-1")
	a := e.adminBrowser().do("GET", "/", nil)
	e.want(a, http.StatusOK, `href="/users?locked=1"`, `href="/api-keys?expiring=7d"`,
		`href="/audit?actions=LoginFailed&amp;since=24h"`, "Active sessions", "Groups")
	v := e.viewerBrowser().do("GET", "/", nil)
	e.want(v, http.StatusOK, `href="/users?locked=1"`, `href="/audit?actions=LoginFailed&amp;since=24h"`)
	e.wantNot(v, "/api-keys?expiring")
}
