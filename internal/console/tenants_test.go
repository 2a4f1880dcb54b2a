package console

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// TestTenants: with organizations off the service's 400 shows on the
// form; on, one is made, deactivated, activated and deleted after a
// confirmation; its name shows escaped.
func TestTenants(t *testing.T) {
	e := newEnv(t)
	b := e.adminBrowser()
	e.want(b.do("GET", "/tenants", nil), http.StatusOK, "No organization.", `<label for="t-suffix">`)
	off := b.post("/tenants/new", url.Values{"suffix": {"acme"}, "name": {"Acme"}})
	e.want(off, http.StatusBadRequest, "organizations are disabled")

	if _, err := e.svc.SetTenantConfig(context.Background(), e.adminP(), iam.TenantConfig{OrganizationsEnabled: true}); err != nil {
		t.Fatal(err)
	}
	e.wantSeeOther(b.post("/tenants/new", url.Values{"suffix": {"acme"}, "name": {"Acme " + hostile}, "description": {"d"}}), "/tenants")
	list := b.do("GET", "/tenants", nil)
	e.want(list, http.StatusOK, "Acme &lt;img", "acme/", `action="/tenants/deactivate"`, `href="/tenants/delete?id=acme%2f"`)
	e.wantNot(list, hostile)
	e.want(b.post("/tenants/new", url.Values{"suffix": {"acme"}, "name": {"Other"}}), http.StatusConflict)
	e.want(b.post("/tenants/new", url.Values{"suffix": {"bad/x"}, "name": {"Bad"}}), http.StatusBadRequest)

	e.wantSeeOther(b.post("/tenants/deactivate", url.Values{"id": {"acme/"}}), "/tenants")
	e.want(b.do("GET", "/tenants", nil), http.StatusOK, "Inactive", `action="/tenants/activate"`)
	e.wantSeeOther(b.post("/tenants/activate", url.Values{"id": {"acme/"}}), "/tenants")

	e.want(b.do("GET", "/tenants/delete?id=acme/", nil), http.StatusOK, "Delete the organization Acme", `name="id" value="acme/"`)
	e.want(b.post("/tenants/delete", url.Values{"id": {"acme/"}}), http.StatusOK, "Delete the organization") // asks first
	e.wantDone(b.post("/tenants/delete", url.Values{"id": {"acme/"}, "confirm": {"yes"}}), "/tenants")
	e.want(b.do("GET", "/tenants?done=x", nil), http.StatusOK, "No organization.")
	e.want(b.post("/tenants/delete", url.Values{"id": {"nope/"}, "confirm": {"yes"}}), http.StatusNotFound)
}

// TestTenantsViewer: a viewer reads the list without controls, and its
// changes are refused.
func TestTenantsViewer(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.SetTenantConfig(context.Background(), e.adminP(), iam.TenantConfig{OrganizationsEnabled: true}); err != nil {
		t.Fatal(err)
	}
	name := "Acme"
	if _, err := e.svc.CreateTenant(context.Background(), e.adminP(), iam.TenantInput{Suffix: "acme", Name: &name}); err != nil {
		t.Fatal(err)
	}
	v := e.viewerBrowser()
	a := v.do("GET", "/tenants", nil)
	e.want(a, http.StatusOK, "Acme")
	e.wantNot(a, "Create an organization", "Deactivate", "/tenants/delete")
	testRefusals(t, e, v, []actionCase{
		{"/tenants/new", url.Values{"suffix": {"x"}, "name": {"X"}}},
		{"/tenants/deactivate", url.Values{"id": {"acme/"}}},
		{"/tenants/activate", url.Values{"id": {"acme/"}}},
		{"/tenants/delete", url.Values{"id": {"acme/"}, "confirm": {"yes"}}},
	})
}
