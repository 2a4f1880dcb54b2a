package console

import (
	"net/http"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// tenantsView lists organizations, with the form that makes one.
type tenantsView struct {
	Tenants                   []store.Tenant
	CanCreate                 bool
	CanChange                 bool
	Suffix, Name, Description string
	Error                     string
}

// tenantsPage reads what the organizations page shows.
func (c *console) tenantsPage(pg *page) (tenantsView, error) {
	ts, err := c.svc.ListTenants(pg.r.Context(), pg.p, nil, nil)
	v := tenantsView{Tenants: ts, CanCreate: c.svc.May(pg.p, iam.ActCreate, iam.KindTenant),
		// Changes are to organizations below p's own, which May, asked of
		// p's own, never allows: the privilege to make one is theirs too.
		CanChange: c.svc.May(pg.p, iam.ActCreate, iam.KindTenant)}
	return v, err
}

// handleTenants lists the organizations p may read.
func (c *console) handleTenants() authedHandler {
	return func(pg *page) error {
		v, err := c.tenantsPage(pg)
		if err != nil {
			return err
		}
		c.render(pg.w, pg.r, http.StatusOK, "tenants", pg, v)
		return nil
	}
}

// handleTenantCreate makes an organization inside p's own.
func (c *console) handleTenantCreate() authedHandler {
	return func(pg *page) error {
		r := pg.r
		name, desc := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("description")
		in := iam.TenantInput{Suffix: strings.TrimSpace(r.PostFormValue("suffix")), Name: &name, Description: &desc}
		_, err := c.svc.CreateTenant(r.Context(), pg.p, in)
		if err == nil {
			seeOther(pg, "/tenants", "Organization "+name+" created.")
			return nil
		}
		status, msg, ok := c.refusal(pg.r, err)
		if !ok || status == http.StatusForbidden {
			return err
		}
		v, lerr := c.tenantsPage(pg)
		if lerr != nil {
			return err // the refusal still says most
		}
		v.Suffix, v.Name, v.Description, v.Error = in.Suffix, name, desc, msg
		c.render(pg.w, pg.r, status, "tenants", pg, v)
		return nil
	}
}

// handleTenantStatus activates or deactivates the organization the form
// names: its id holds slashes, so it travels in the form, not the path.
func (c *console) handleTenantStatus(active bool) authedHandler {
	return func(pg *page) error {
		id := pg.r.PostFormValue("id")
		t, err := c.svc.SetTenantActive(pg.r.Context(), pg.p, id, active)
		if err != nil {
			return err
		}
		seeOther(pg, "/tenants", "Organization "+t.Name+" is now "+strings.ToLower(t.Status)+".")
		return nil
	}
}

// handleTenantDeletePage asks whether to delete the organization ?id.
func (c *console) handleTenantDeletePage() authedHandler {
	return func(pg *page) error {
		t, err := c.svc.GetTenant(pg.r.Context(), pg.p, pg.r.URL.Query().Get("id"))
		if err != nil {
			return err
		}
		c.render(pg.w, pg.r, http.StatusOK, "confirm", pg, tenantConfirm(t.ID, t.Name, ""))
		return nil
	}
}

// tenantConfirm is the confirmation of deleting organization id.
func tenantConfirm(id, name, msg string) confirmView {
	return confirmView{What: "organization", Name: name, Action: "/tenants/delete", Back: "/tenants", Error: msg,
		Fields: map[string]string{"id": id}}
}

// handleTenantDelete deletes the organization, once confirmed.
func (c *console) handleTenantDelete() authedHandler {
	return func(pg *page) error {
		id := pg.r.PostFormValue("id")
		if !c.confirmed(pg, tenantConfirm(id, id, "")) {
			return nil
		}
		err := c.svc.DeleteTenant(pg.r.Context(), pg.p, id)
		return c.finish(pg, err, "/tenants", "Organization deleted.", "confirm", func(msg string) any {
			return tenantConfirm(id, id, msg)
		})
	}
}
