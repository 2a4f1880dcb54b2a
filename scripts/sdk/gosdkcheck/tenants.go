//go:build sdkcheck

// The organization (tenant) steps of gosdkcheck, through the Go SDK's v2
// tenant client (package v2/client/tenant) the way a real Go client uses
// it. The Go SDK has no GetTenantByID; its readers accept only the one
// declared success code (CreateTenant 201, DeleteTenant 204, the others
// 200), and ListTenants decodes a bare JSON array (models.TenantsInfo).
//
// Acting inside an organization: no operation of the SDK declares the
// x-impersonate-tenant-id header, so a client adds it with an auth info
// writer composed with its credentials:
//
//	httptransport.Compose(bearer, runtime.ClientAuthInfoWriterFunc(
//		func(r runtime.ClientRequest, _ strfmt.Registry) error {
//			return r.SetHeaderParam("x-impersonate-tenant-id", "acme/")
//		}))
//
// (a runtime's DefaultAuthentication, or a ClientOption that wraps the
// operation's AuthInfo, would do the same for every call).

package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"

	apiclient "github.com/cohesity/go-sdk/v2/client"
	"github.com/cohesity/go-sdk/v2/client/tenant"
	"github.com/cohesity/go-sdk/v2/client/user"
	"github.com/cohesity/go-sdk/v2/models"
)

const impersonateHeader = "x-impersonate-tenant-id"

// inTenant is auth with the header that acts inside organization id.
func inTenant(auth runtime.ClientAuthInfoWriter, id string) runtime.ClientAuthInfoWriter {
	return httptransport.Compose(auth, runtime.ClientAuthInfoWriterFunc(func(r runtime.ClientRequest, _ strfmt.Registry) error {
		return r.SetHeaderParam(impersonateHeader, id)
	}))
}

var tenantStatuses = []string{"Active", "Inactive", "MarkedForDeletion", "Deleted"}

// checkTenant checks the fields every TenantInfo answer carries.
func checkTenant(t *models.TenantInfo, what string) {
	check(t != nil, "%s: no TenantInfo", what)
	check(t.ID != nil && strings.HasSuffix(*t.ID, "/"), "%s: id %s does not end in '/'", what, show(t.ID))
	check(t.Name != nil && *t.Name != "", "%s: name %s", what, show(t.Name))
	check(t.Status != nil && slices.Contains(tenantStatuses, *t.Status), "%s: status %s", what, show(t.Status))
	check(t.CreatedAtTimeMsecs != nil && *t.CreatedAtTimeMsecs > 0, "%s: createdAtTimeMsecs %s", what, show(t.CreatedAtTimeMsecs))
	check(t.LastUpdatedAtTimeMsecs != nil && *t.LastUpdatedAtTimeMsecs >= *t.CreatedAtTimeMsecs,
		"%s: lastUpdatedAtTimeMsecs %s", what, show(t.LastUpdatedAtTimeMsecs))
	check(t.IsManagedOnHelios != nil, "%s: isManagedOnHelios missing", what)
	if *t.Status == "Deleted" {
		check(t.DeletedAtTimeMsecs != nil && *t.DeletedAtTimeMsecs > 0, "%s: deletedAtTimeMsecs %s", what, show(t.DeletedAtTimeMsecs))
	} else {
		check(t.DeletedAtTimeMsecs == nil, "%s: deletedAtTimeMsecs %s on a live one", what, show(t.DeletedAtTimeMsecs))
	}
}

func strOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func tenantIDs(ts models.TenantsInfo) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, strOf(t.ID))
	}
	return sorted(out)
}

// tenantSteps runs the organization steps as the cluster's admin.
func tenantSteps(r *runner, c *apiclient.CohesityRESTAPI, admin runtime.ClientAuthInfoWriter, run string,
	login func(u, p string) (*models.AccessTokenResponse, error)) {
	sufA, sufB, sufC := "ga"+run, "gb"+run, "gc"+run
	idA, idB, idC := sufA+"/", sufB+"/", sufC+"/"
	nameA, nameB, nameC := "Go SDK A "+run, "Go SDK B "+run, "Go SDK C "+run
	pw := "Go-Tenant-Pass-1!" + run
	var bossSid string
	var created []string // organizations to delete at the end

	list := func(p *tenant.ListTenantsParams, auth runtime.ClientAuthInfoWriter, what string) models.TenantsInfo {
		res, err := c.Tenant.ListTenants(p, auth)
		r.ok(err, what)
		check(res.Payload != nil, "%s: payload nil (want a JSON array)", what)
		return res.Payload
	}
	action := func(id, act string) *models.TenantInfo {
		res, err := c.Tenant.PerformTenantAction(tenant.NewPerformTenantActionParams().WithID(id).
			WithBody(&models.TenantActionBody{Action: ptr(act)}), admin)
		r.ok(err, "PerformTenantAction "+act)
		return res.Payload
	}

	r.step("GetOnPremTenantConfig + UpdateOnPremTenantConfig (POST; enable organizations; a null boolean 400)", func() string {
		cur, err := c.Tenant.GetOnPremTenantConfig(tenant.NewGetOnPremTenantConfigParams(), admin)
		r.ok(err, "GetOnPremTenantConfig")
		check(cur.Payload.OrganizationsEnabled != nil && cur.Payload.OrganizationsStorageDomainSharingEnabled != nil,
			"config incomplete: %s", show(cur.Payload))
		sharing := *cur.Payload.OrganizationsStorageDomainSharingEnabled // once on, it stays on: keep it
		up, err := c.Tenant.UpdateOnPremTenantConfig(tenant.NewUpdateOnPremTenantConfigParams().WithBody(
			&models.OnPremTenantConfig{OrganizationsEnabled: ptr(true), OrganizationsStorageDomainSharingEnabled: &sharing}), admin)
		r.ok(err, "UpdateOnPremTenantConfig")
		eq(deref(up.Payload.OrganizationsEnabled), true, "organizationsEnabled")
		eq(deref(up.Payload.OrganizationsStorageDomainSharingEnabled), sharing, "organizationsStorageDomainSharingEnabled")
		again, err := c.Tenant.GetOnPremTenantConfig(tenant.NewGetOnPremTenantConfigParams(), admin)
		r.ok(err, "GetOnPremTenantConfig after update")
		eq(deref(again.Payload.OrganizationsEnabled), true, "organizationsEnabled after get")
		// The Go SDK sends an unset boolean as null: both are required.
		_, err = c.Tenant.UpdateOnPremTenantConfig(tenant.NewUpdateOnPremTenantConfigParams().WithBody(
			&models.OnPremTenantConfig{OrganizationsEnabled: ptr(true)}), admin)
		r.expectErr(err, "UpdateOnPremTenantConfig with a null boolean", 400)
		return fmt.Sprintf("was enabled=%v, sharing=%v", deref(cur.Payload.OrganizationsEnabled), sharing)
	})

	r.step("CreateTenant A (network; Go sends clusterIps null) and B (201); duplicate 409; name null 400", func() string {
		before := nowMsecs() - 5000
		body := tenant.CreateTenantBody{Network: &models.TenantNetwork{ConnectorEnabled: ptr(false), ClusterHostname: ptr("a.example.com")}}
		body.Name, body.TenantIDSuffix, body.Description = ptr(nameA), ptr(sufA), ptr("go sdk tenant check A")
		res, err := c.Tenant.CreateTenant(tenant.NewCreateTenantParams().WithBody(body), admin)
		r.ok(err, "CreateTenant A")
		a := res.Payload
		checkTenant(a, "A")
		created = append(created, idA)
		eq(deref(a.ID), idA, "A's id (suffix + '/')")
		eq([]any{deref(a.Name), deref(a.Description), deref(a.Status)}, []any{nameA, "go sdk tenant check A", "Active"}, "A")
		check(*a.CreatedAtTimeMsecs >= before, "createdAtTimeMsecs %d is old", *a.CreatedAtTimeMsecs)
		check(a.Network != nil, "A's network missing")
		eq([]any{deref(a.Network.ConnectorEnabled), deref(a.Network.ClusterHostname)}, []any{false, "a.example.com"}, "A's network")
		eq(deref(a.IsManagedOnHelios), false, "isManagedOnHelios")
		body = tenant.CreateTenantBody{}
		body.Name, body.TenantIDSuffix = ptr(nameB), ptr(sufB)
		res, err = c.Tenant.CreateTenant(tenant.NewCreateTenantParams().WithBody(body), admin)
		r.ok(err, "CreateTenant B")
		checkTenant(res.Payload, "B")
		created = append(created, idB)
		eq(deref(res.Payload.ID), idB, "B's id")
		check(res.Payload.Description == nil && res.Payload.Network == nil, "B: unset description/network should be absent: %s", show(res.Payload))
		body = tenant.CreateTenantBody{}
		body.Name, body.TenantIDSuffix = ptr("other "+run), ptr(sufA)
		_, err = c.Tenant.CreateTenant(tenant.NewCreateTenantParams().WithBody(body), admin)
		e := r.expectErr(err, "CreateTenant with A's suffix", 409)
		body = tenant.CreateTenantBody{}
		body.TenantIDSuffix = ptr("gx" + run) // name null
		_, err = c.Tenant.CreateTenant(tenant.NewCreateTenantParams().WithBody(body), admin)
		r.expectErr(err, "CreateTenant with name null", 400)
		return fmt.Sprintf("%s, %s; duplicate: %s", idA, idB, deref(e.ErrorCode))
	})

	r.step("ListTenants (bare array; ids and statuses, comma and '/' escaped by the Go SDK)", func() string {
		all := list(tenant.NewListTenantsParams(), admin, "ListTenants")
		ids := tenantIDs(all)
		check(slices.Contains(ids, idA) && slices.Contains(ids, idB), "ListTenants() misses A or B: %v", ids)
		for _, t := range all {
			checkTenant(t, "listed "+strOf(t.ID))
			check(*t.Status == "Active" || *t.Status == "Inactive", "default list holds %s with status %s", *t.ID, *t.Status)
		}
		eq(tenantIDs(list(tenant.NewListTenantsParams().WithIds([]string{idA, idB}), admin, "ids")), sorted([]string{idA, idB}), "ids=[A,B]")
		eq(tenantIDs(list(tenant.NewListTenantsParams().WithIds([]string{idB}), admin, "ids=[B]")), []string{idB}, "ids=[B]")
		eq(tenantIDs(list(tenant.NewListTenantsParams().WithIds([]string{idA, idB}).WithStatuses([]string{"Active"}), admin, "statuses")),
			sorted([]string{idA, idB}), "ids=[A,B] statuses=[Active]")
		eq(tenantIDs(list(tenant.NewListTenantsParams().WithIds([]string{idA, idB}).WithStatuses([]string{"Inactive", "Deleted"}), admin, "statuses")),
			[]string{}, "ids=[A,B] statuses=[Inactive,Deleted]")
		eq(tenantIDs(list(tenant.NewListTenantsParams().WithIds([]string{"no" + run + "/"}), admin, "unknown")), []string{}, "ids=[unknown]")
		_, err := c.Tenant.ListTenants(tenant.NewListTenantsParams().WithStatuses([]string{"Gone"}), admin)
		r.expectErr(err, "ListTenants(statuses=[Gone])", 400)
		return fmt.Sprintf("%d organizations listed", len(all))
	})

	r.step("UpdateTenant (rename A; {} changes nothing; another's name 409; unknown 404)", func() string {
		newName := nameA + " renamed"
		body := &models.UpdateTenantBody{}
		body.Name, body.Description = &newName, ptr("renamed by go sdk")
		res, err := c.Tenant.UpdateTenant(tenant.NewUpdateTenantParams().WithID(idA).WithBody(body), admin)
		r.ok(err, "UpdateTenant")
		checkTenant(res.Payload, "updated A")
		eq([]any{deref(res.Payload.ID), deref(res.Payload.Name), deref(res.Payload.Description)},
			[]any{idA, newName, "renamed by go sdk"}, "updated A")
		check(res.Payload.Network != nil && deref(res.Payload.Network.ClusterHostname) == "a.example.com", "network not kept: %s", show(res.Payload.Network))
		res, err = c.Tenant.UpdateTenant(tenant.NewUpdateTenantParams().WithID(idA).WithBody(&models.UpdateTenantBody{}), admin)
		r.ok(err, "UpdateTenant({})")
		eq([]any{deref(res.Payload.Name), deref(res.Payload.Description)}, []any{newName, "renamed by go sdk"}, "after {}")
		got := list(tenant.NewListTenantsParams().WithIds([]string{idA}), admin, "ListTenants(ids=[A])")
		eq(len(got), 1, "A listed")
		eq(deref(got[0].Name), newName, "listed name")
		body = &models.UpdateTenantBody{}
		body.Name = ptr(nameB)
		_, err = c.Tenant.UpdateTenant(tenant.NewUpdateTenantParams().WithID(idA).WithBody(body), admin)
		r.expectErr(err, "UpdateTenant to B's name", 409)
		_, err = c.Tenant.UpdateTenant(tenant.NewUpdateTenantParams().WithID("no"+run+"/").WithBody(&models.UpdateTenantBody{}), admin)
		r.expectErr(err, "UpdateTenant(unknown)", 404)
		return ""
	})

	r.step("PerformTenantAction Deactivate -> Inactive, Activate -> Active; action null 400", func() string {
		a := action(idA, "Deactivate")
		checkTenant(a, "deactivated A")
		eq(deref(a.Status), "Inactive", "status after Deactivate")
		eq(tenantIDs(list(tenant.NewListTenantsParams().WithIds([]string{idA, idB}).WithStatuses([]string{"Inactive"}), admin, "inactive")),
			[]string{idA}, "statuses=[Inactive]")
		eq(deref(action(idA, "Activate").Status), "Active", "status after Activate")
		_, err := c.Tenant.PerformTenantAction(tenant.NewPerformTenantActionParams().WithID(idA).WithBody(&models.TenantActionBody{}), admin)
		r.expectErr(err, "PerformTenantAction with action null", 400)
		return ""
	})

	r.step("acting inside A (auth writer adding x-impersonate-tenant-id): CreateUsers; log in as boss@<A>", func() string {
		res, err := c.User.CreateUsers(user.NewCreateUsersParams().WithBody(models.CreateUsersParameters{
			{Username: "boss", Domain: "LOCAL", Roles: []string{"COHESITY_ADMIN"}, LocalUserParams: &models.LocalUserParams{Password: &pw}}}),
			inTenant(admin, idA))
		r.ok(err, "CreateUsers inside A")
		u := res.Payload.Users[0]
		eq([]any{u.Username, deref(u.TenantID)}, []any{"boss", idA}, "A's admin")
		bossSid = *u.Sid
		tok, err := login("boss@"+sufA, pw)
		r.ok(err, "CreateAccessToken boss@"+sufA)
		check(slices.Contains(tok.Privileges, "PRINCIPAL_MODIFY") && !slices.Contains(tok.Privileges, "CLUSTER_MODIFY"),
			"A's admin's privileges %v", tok.Privileges)
		boss := httptransport.BearerToken(*tok.AccessToken)
		us, err := c.User.GetUsers(user.NewGetUsersParams(), boss)
		r.ok(err, "GetUsers as A's admin")
		names := []string{}
		for _, x := range us.Payload.Users {
			names = append(names, x.Username+"@"+strOf(x.TenantID))
		}
		eq(names, []string{"boss@" + idA}, "users A's admin sees")
		eq(tenantIDs(list(tenant.NewListTenantsParams(), boss, "ListTenants as A's admin")), []string{idA}, "organizations A's admin sees")
		_, err = c.Tenant.DeleteTenant(tenant.NewDeleteTenantParams().WithID(idA), admin)
		e := r.expectErr(err, "DeleteTenant A while it holds a user", 400)
		action(idA, "Deactivate")
		_, err = c.User.GetUsers(user.NewGetUsersParams(), boss)
		r.expectErr(err, "A's admin's token while A is inactive", 401)
		_, err = login("boss@"+sufA, pw)
		r.expectErr(err, "log-in while A is inactive", 403)
		action(idA, "Activate")
		_, err = c.User.GetUsers(user.NewGetUsersParams(), boss)
		r.ok(err, "A's admin's token after Activate")
		return "delete refused: " + deref(e.Message).(string)
	})

	r.step("DeleteTenant (204) a third; listed as Deleted; again 400; id not reused", func() string {
		body := tenant.CreateTenantBody{}
		body.Name, body.TenantIDSuffix = ptr(nameC), ptr(sufC)
		res, err := c.Tenant.CreateTenant(tenant.NewCreateTenantParams().WithBody(body), admin)
		r.ok(err, "CreateTenant C")
		eq(deref(res.Payload.ID), idC, "C's id")
		_, err = c.Tenant.DeleteTenant(tenant.NewDeleteTenantParams().WithID(idC), admin)
		r.ok(err, "DeleteTenant C")
		check(!slices.Contains(tenantIDs(list(tenant.NewListTenantsParams(), admin, "ListTenants")), idC), "a deleted organization is in the default list")
		gone := list(tenant.NewListTenantsParams().WithIds([]string{idC}).WithStatuses([]string{"Deleted"}), admin, "statuses=[Deleted]")
		eq(tenantIDs(gone), []string{idC}, "statuses=[Deleted]")
		checkTenant(gone[0], "deleted C")
		_, err = c.Tenant.DeleteTenant(tenant.NewDeleteTenantParams().WithID(idC), admin)
		r.expectErr(err, "DeleteTenant C again", 400)
		_, err = c.Tenant.CreateTenant(tenant.NewCreateTenantParams().WithBody(body), admin)
		r.expectErr(err, "CreateTenant with C's suffix", 409)
		return ""
	})

	r.step("clean up: DeleteUser inside A, then DeleteTenant A and B (204)", func() string {
		if bossSid != "" {
			_, err := c.User.DeleteUser(user.NewDeleteUserParams().WithSid(bossSid), inTenant(admin, idA))
			r.ok(err, "DeleteUser inside A")
		}
		for _, id := range created {
			_, err := c.Tenant.DeleteTenant(tenant.NewDeleteTenantParams().WithID(id), admin)
			r.ok(err, "DeleteTenant "+id)
		}
		eq(tenantIDs(list(tenant.NewListTenantsParams().WithIds([]string{idA, idB}), admin, "after delete")), []string{}, "A and B after delete")
		return ""
	})
}
