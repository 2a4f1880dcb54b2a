//go:build sdkcheck

// The directory-domain steps of gosdkcheck: LDAP providers and Active
// Directory domains through the Go SDK's v2 clients (packages
// v2/client/l_d_a_p, c.Ldap, and v2/client/active_directory,
// c.ActiveDirectory) the way a real Go client uses them. The SDK's readers
// accept only the declared success code: CreateLdapProvider and
// CreateActiveDirectory 201, DeleteLdapProvider and DeleteActiveDirectory
// 204, TriggerTrustedDomainsDiscovery 202 (whose reader reads no body), the
// others 200. Every other answer is the SDK's *Default error type carrying
// the Error model. Ids are int64 in paths, bodies and ids= lists; the SDK
// decodes an answer's ids into *int64.
//
// No directory server runs here, so the servers are unreachable
// (127.0.0.1:1) and domains are saved with clusteriam's extension query
// parameter saveAnyway=true, which no operation of the SDK declares; a
// client adds it with an auth info writer composed with its credentials
// (as tenants.go does for a header):
//
//	httptransport.Compose(bearer, runtime.ClientAuthInfoWriterFunc(
//		func(r runtime.ClientRequest, _ strfmt.Registry) error {
//			return r.SetQueryParam("saveAnyway", "true")
//		}))
//
// The runtime calls the writer before it encodes the query, so the
// parameter reaches the wire.
//
// What the Go SDK does on these operations:
//   - PUT /v2/ldap (UpdateLdapProvider) carries the provider's id in the
//     body (models.Ldap.ID); the path has none.
//   - Unset lists without omitempty go out as null: the AD create sends
//     "domainControllersDenyList": null and each machine account's
//     "encryption" and "servicePrincipalNames" as null; the trusted-domains
//     update sends "trustedDomains" and "whitelistedDomains" as null.
//   - DeleteActiveDirectory always sends its activeDirectoryAdminUsername
//     and activeDirectoryAdminPassword headers (canonicalised by the runtime),
//     empty when left unset; the server takes an empty one as absent.
//   - UpdateTrustedDomains is a POST and TriggerTrustedDomainsDiscovery a PUT
//     of /v2/trusted-domains; the latter always sends rediscover, false
//     included.
//
// TriggerTrustedDomainsDiscovery's 202 has no body (the vendor declares no
// schema for it); the recorder of main.go checks that it is empty.
//
// main.go runs these steps with directorySteps(r, c, admin, run, login),
// after the MFA steps; they delete what they create.

package main

import (
	"bytes"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"

	apiclient "github.com/cohesity/go-sdk/v2/client"
	"github.com/cohesity/go-sdk/v2/client/active_directory"
	"github.com/cohesity/go-sdk/v2/client/l_d_a_p"
	"github.com/cohesity/go-sdk/v2/client/user"
	"github.com/cohesity/go-sdk/v2/models"
)

// unreachable is a server nothing answers on.
const unreachable = "127.0.0.1:1"

// savingAnyway is auth with clusteriam's saveAnyway=true query parameter.
func savingAnyway(auth runtime.ClientAuthInfoWriter) runtime.ClientAuthInfoWriter {
	return httptransport.Compose(auth, runtime.ClientAuthInfoWriterFunc(func(r runtime.ClientRequest, _ strfmt.Registry) error {
		return r.SetQueryParam("saveAnyway", "true")
	}))
}

// The SDK's enums (v2/models).
var (
	ldapAuthTypes       = []string{"Anonymous", "Simple"}
	ldapStatuses        = []string{"NoError", "Error"}
	dcStatuses          = []string{"Reachable", "Flapping", "Incompatible", "ClockSkew"}
	adErrorCodes        = []string{"MachineAccountNeedFixing"}
	discoveryStatuses   = []string{"Completed", "Running", "Error"}
	principalObjClasses = []string{"User", "Group", "Computer", "WellKnownPrincipal", "ServiceAccount"}
)

// lastResponse is the body of the last exchange.
func lastResponse(r *runner) []byte {
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	return r.rec.last.respBody
}

// checkLdap checks the fields every Ldap answer carries; never a password.
func checkLdap(l *models.Ldap, what string) {
	check(l != nil, "%s: no Ldap", what)
	check(l.ID != nil && *l.ID > 0, "%s: id %s", what, show(l.ID))
	check(l.Name != nil && *l.Name != "", "%s: name %s", what, show(l.Name))
	check(l.AuthType != nil && slices.Contains(ldapAuthTypes, *l.AuthType), "%s: authType %s", what, show(l.AuthType))
	check(l.BaseDistinguishedName != nil, "%s: baseDistinguishedName missing", what)
	check(l.DomainName != nil && *l.DomainName != "", "%s: domainName %s", what, show(l.DomainName))
	check(l.PreferredLdapServers == nil || len(l.PreferredLdapServers) > 0, "%s: preferredLdapServers is []", what)
	if *l.AuthType == "Simple" {
		check(l.SimpleAuthParams != nil && l.SimpleAuthParams.UserDistinguishedName != nil,
			"%s: Simple without simpleAuthParams.userDistinguishedName: %s", what, show(l.SimpleAuthParams))
	}
	if l.SimpleAuthParams != nil {
		check(l.SimpleAuthParams.UserPassword == nil, "%s: userPassword returned: %s", what, show(l.SimpleAuthParams))
	}
}

// checkAD checks the fields every ActiveDirectory answer carries.
func checkAD(a *models.ActiveDirectory, what string) {
	check(a != nil, "%s: no ActiveDirectory", what)
	check(a.ID != nil && *a.ID > 0, "%s: id %s", what, show(a.ID))
	check(a.DomainName != nil && *a.DomainName != "", "%s: domainName %s", what, show(a.DomainName))
	check(len(a.MachineAccounts) > 0, "%s: machineAccounts %s", what, show(a.MachineAccounts))
	for _, m := range a.MachineAccounts {
		check(m != nil && m.Name != nil && *m.Name != "", "%s: machine account %s", what, show(m))
	}
	for _, dc := range a.PreferredDomainControllers {
		check(dc != nil && dc.Name != nil, "%s: preferred domain controller %s", what, show(dc))
		check(dc.Status == nil || slices.Contains(dcStatuses, *dc.Status), "%s: domain controller status %s", what, show(dc.Status))
	}
	if a.Error != nil {
		check(a.Error.ErrorCode != nil && slices.Contains(adErrorCodes, *a.Error.ErrorCode), "%s: error.errorCode %s", what, show(a.Error.ErrorCode))
		check(a.Error.ErrorMessage != nil && *a.Error.ErrorMessage != "", "%s: error.errorMessage %s", what, show(a.Error.ErrorMessage))
	}
	if a.TrustedDomainParams != nil {
		checkTrusted(a.TrustedDomainParams, what+"'s trustedDomainParams")
	}
}

func checkTrusted(t *models.TrustedDomainParams, what string) {
	check(t != nil && t.Enabled != nil, "%s: enabled missing: %s", what, show(t))
	check(t.DiscoveryStatus == nil || slices.Contains(discoveryStatuses, *t.DiscoveryStatus), "%s: discoveryStatus %s", what, show(t.DiscoveryStatus))
}

func ldapIDs(ls []*models.Ldap) []int64 {
	out := []int64{}
	for _, l := range ls {
		if l != nil && l.ID != nil {
			out = append(out, *l.ID)
		}
	}
	return out
}

func directorySteps(r *runner, c *apiclient.CohesityRESTAPI, admin runtime.ClientAuthInfoWriter, run string,
	login func(u, p string) (*models.AccessTokenResponse, error)) {
	ldapDomain, ldapDomain2 := "ldap-"+run+".example", "ldap2-"+run+".example"
	ldapName := "Go SDK LDAP " + run
	baseDN := "dc=ldap-" + run + ",dc=example"
	bindDN, bindPW := "cn=gosdk,"+baseDN, "Go-Ldap-Bind-1!"+run
	adDomain := "ad-" + run + ".example"
	machine := "GOSDK" + strings.ToUpper(run[:4])
	adAdmin, adPW := "Administrator", "Go-Ad-Admin-1!"+run
	blocked := []string{"blocked-" + run + ".example"}
	viewer, viewerPW := "dir_go_"+run, "Go-Dir-Pass-1!"+run
	var ldap *models.Ldap
	var ad *models.ActiveDirectory
	var ldapID, adID int64
	var viewerSid string

	ldapBody := func(name, domain string, pw *string) *models.Ldap {
		return &models.Ldap{CreateLdapParams: models.CreateLdapParams{
			Name: ptr(name), PreferredLdapServers: []string{unreachable}, DomainName: ptr(domain),
			BaseDistinguishedName: ptr(baseDN), AuthType: ptr("Simple"),
			SimpleAuthParams: &models.SimpleAuthParams{UserDistinguishedName: ptr(bindDN), UserPassword: pw}}}
	}
	getLdaps := func(ids []int64, what string) []*models.Ldap {
		res, err := c.Ldap.GetLdaps(l_d_a_p.NewGetLdapsParams().WithIds(ids), admin)
		r.ok(err, what)
		check(res.Payload != nil, "%s: no Ldaps", what)
		for _, l := range res.Payload.Ldaps {
			checkLdap(l, what)
		}
		return res.Payload.Ldaps
	}
	noPassword := func(what string, secrets ...string) {
		body := lastResponse(r)
		for _, s := range secrets {
			check(!bytes.Contains(body, []byte(s)), "%s: the answer holds a password: %s", what, trunc(body))
		}
	}

	r.step("Directories: CreateLdapProvider (Simple; saveAnyway=true by an auth writer) -> 201; int64 id, authType Simple, no userPassword", func() string {
		res, err := c.Ldap.CreateLdapProvider(l_d_a_p.NewCreateLdapProviderParams().WithBody(ldapBody(ldapName, ldapDomain, &bindPW)),
			savingAnyway(admin))
		r.ok(err, "CreateLdapProvider")
		noPassword("CreateLdapProvider", bindPW)
		l := res.Payload
		checkLdap(l, "created LDAP provider")
		ldap, ldapID = l, *l.ID
		eq([]any{deref(l.Name), deref(l.DomainName), deref(l.BaseDistinguishedName), deref(l.AuthType), l.PreferredLdapServers},
			[]any{ldapName, ldapDomain, baseDN, "Simple", []string{unreachable}}, "created LDAP provider")
		eq(deref(l.SimpleAuthParams.UserDistinguishedName), bindDN, "simpleAuthParams.userDistinguishedName")
		check(l.Port == nil || *l.Port > 0, "port %s", show(l.Port))
		if l.TenantID == nil {
			return fmt.Sprintf("id %d, no tenantId", ldapID)
		}
		return fmt.Sprintf("id %d, tenantId %s", ldapID, *l.TenantID)
	})

	r.step("Directories: GetLdaps(ids) -> it; UpdateLdapProvider (PUT, id in the body, no password: the stored one kept) -> 200; GetLdapConnectionStatus Error", func() string {
		check(ldap != nil, "no LDAP provider (the create failed)")
		got := getLdaps([]int64{ldapID}, "GetLdaps(ids=[id])")
		eq(len(got), 1, "providers listed")
		eq(got[0], ldap, "listed provider")
		check(slices.Contains(ldapIDs(getLdaps(nil, "GetLdaps()")), ldapID), "GetLdaps() misses %d", ldapID)
		newName := ldapName + " renamed"
		body := ldapBody(newName, ldapDomain, nil)
		body.ID = &ldapID
		up, err := c.Ldap.UpdateLdapProvider(l_d_a_p.NewUpdateLdapProviderParams().WithBody(body), savingAnyway(admin))
		r.ok(err, "UpdateLdapProvider without userPassword")
		checkLdap(up.Payload, "updated LDAP provider")
		eq([]any{deref(up.Payload.ID), deref(up.Payload.Name), deref(up.Payload.DomainName)}, []any{ldapID, newName, ldapDomain}, "updated")
		got = getLdaps([]int64{ldapID}, "GetLdaps after the update")
		eq(len(got), 1, "providers listed after the update")
		eq(got[0], up.Payload, "listed provider after the update")
		ldap = up.Payload
		st, err := c.Ldap.GetLdapConnectionStatus(l_d_a_p.NewGetLdapConnectionStatusParams().WithID(ldapID), admin)
		r.ok(err, "GetLdapConnectionStatus")
		check(st.Payload != nil && st.Payload.ConnectionStatus != nil && slices.Contains(ldapStatuses, *st.Payload.ConnectionStatus),
			"connectionStatus %s", show(st.Payload))
		eq(*st.Payload.ConnectionStatus, "Error", "connectionStatus of an unreachable server")
		_, err = c.Ldap.GetLdapConnectionStatus(l_d_a_p.NewGetLdapConnectionStatusParams().WithID(1<<40+ldapID), admin)
		e := r.expectErr(err, "GetLdapConnectionStatus(unknown id)", 404)
		return "unknown id: " + errCode(e)
	})

	r.step("Directories: CreateLdapProvider refused: unreachable without saveAnyway 400; Simple without userPassword 400; a taken domainName 409", func() string {
		_, err := c.Ldap.CreateLdapProvider(l_d_a_p.NewCreateLdapProviderParams().WithBody(ldapBody(ldapName+" 2", ldapDomain2, &bindPW)), admin)
		e := r.expectErr(err, "CreateLdapProvider without saveAnyway", 400)
		check(strings.Contains(deref(e.Message).(string), unreachable), "message does not name the server: %s", show(e))
		_, err = c.Ldap.CreateLdapProvider(l_d_a_p.NewCreateLdapProviderParams().WithBody(ldapBody(ldapName+" 2", ldapDomain2, nil)), savingAnyway(admin))
		e2 := r.expectErr(err, "CreateLdapProvider (Simple) without userPassword", 400)
		_, err = c.Ldap.CreateLdapProvider(l_d_a_p.NewCreateLdapProviderParams().WithBody(ldapBody(ldapName+" 3", ldapDomain, &bindPW)), savingAnyway(admin))
		e3 := r.expectErr(err, "CreateLdapProvider with a taken domainName", 409)
		for _, l := range getLdaps(nil, "GetLdaps()") {
			check(deref(l.DomainName) != ldapDomain2, "a refused provider was saved: %s", show(l))
		}
		return fmt.Sprintf("%s: %s; %s; %s", errCode(e), deref(e.Message), errCode(e2), errCode(e3))
	})

	r.step("Directories: CreateActiveDirectory (saveAnyway; unreachable controller) -> 201 with error MachineAccountNeedFixing; GetActiveDirectory(domainNames) and GetActiveDirectoryByID -> it", func() string {
		body := &models.CreateActiveDirectoryRequest{
			CommonActiveDirectoryParams: models.CommonActiveDirectoryParams{
				MachineAccounts:            []*models.MachineAccount{{Name: ptr(machine)}},
				PreferredDomainControllers: []*models.DomainController{{Name: ptr(unreachable)}},
			},
			DomainName:                 ptr(adDomain),
			ActiveDirectoryAdminParams: &models.ActiveDirectoryAdminParams{Username: ptr(adAdmin), Password: ptr(adPW)},
		}
		res, err := c.ActiveDirectory.CreateActiveDirectory(active_directory.NewCreateActiveDirectoryParams().WithBody(body), savingAnyway(admin))
		r.ok(err, "CreateActiveDirectory")
		noPassword("CreateActiveDirectory", adPW)
		a := res.Payload
		checkAD(a, "created AD")
		ad, adID = a, *a.ID
		eq(deref(a.DomainName), adDomain, "domainName")
		eq(len(a.MachineAccounts), 1, "machine accounts")
		eq(deref(a.MachineAccounts[0].Name), machine, "machine account")
		eq(len(a.PreferredDomainControllers), 1, "preferred domain controllers")
		eq(deref(a.PreferredDomainControllers[0].Name), unreachable, "preferred domain controller")
		check(a.Error != nil, "no error on an unjoined domain: %s", show(a))
		eq(deref(a.Error.ErrorCode), "MachineAccountNeedFixing", "error.errorCode")
		check(adID != ldapID, "the AD got the LDAP provider's id %d", adID)
		list, err := c.ActiveDirectory.GetActiveDirectory(active_directory.NewGetActiveDirectoryParams().WithDomainNames([]string{adDomain}), admin)
		r.ok(err, "GetActiveDirectory(domainNames)")
		check(list.Payload != nil, "GetActiveDirectory: no ActiveDirectories")
		eq(len(list.Payload.ActiveDirectories), 1, "domains listed by domainNames")
		checkAD(list.Payload.ActiveDirectories[0], "listed AD")
		eq(list.Payload.ActiveDirectories[0], a, "listed AD")
		list, err = c.ActiveDirectory.GetActiveDirectory(active_directory.NewGetActiveDirectoryParams().WithIds([]int64{adID}), admin)
		r.ok(err, "GetActiveDirectory(ids)")
		eq(len(list.Payload.ActiveDirectories), 1, "domains listed by ids")
		eq(list.Payload.ActiveDirectories[0], a, "AD listed by ids")
		one, err := c.ActiveDirectory.GetActiveDirectoryByID(active_directory.NewGetActiveDirectoryByIDParams().WithID(adID), admin)
		r.ok(err, "GetActiveDirectoryByID")
		checkAD(one.Payload, "AD by id")
		eq(one.Payload, a, "AD by id")
		eq(len(getLdaps([]int64{adID}, "GetLdaps(ids=[the AD's id])")), 0, "LDAP providers with the AD's id")
		_, err = c.ActiveDirectory.GetActiveDirectoryByID(active_directory.NewGetActiveDirectoryByIDParams().WithID(1<<40+adID), admin)
		r.expectErr(err, "GetActiveDirectoryByID(unknown id)", 404)
		return fmt.Sprintf("id %d: %s", adID, deref(a.Error.ErrorMessage))
	})

	r.step("Directories: UpdateTrustedDomains (POST; enabled false, blacklistedDomains) -> 200 + GetTrustedDomains; TriggerTrustedDomainsDiscovery (PUT) rediscover=false 202, true 503", func() string {
		check(ad != nil, "no AD domain (the create failed)")
		up, err := c.ActiveDirectory.UpdateTrustedDomains(active_directory.NewUpdateTrustedDomainsParams().WithDomainName(adDomain).
			WithBody(&models.TrustedDomainParams{Enabled: ptr(false), BlacklistedDomains: blocked}), admin)
		r.ok(err, "UpdateTrustedDomains")
		checkTrusted(up.Payload, "updated trusted domains")
		eq([]any{deref(up.Payload.Enabled), up.Payload.BlacklistedDomains}, []any{false, blocked}, "updated trusted domains")
		check(len(up.Payload.TrustedDomains) == 0 && len(up.Payload.WhitelistedDomains) == 0, "sent null lists came back: %s", show(up.Payload))
		got, err := c.ActiveDirectory.GetTrustedDomains(active_directory.NewGetTrustedDomainsParams().WithDomainName(adDomain), admin)
		r.ok(err, "GetTrustedDomains")
		checkTrusted(got.Payload, "trusted domains")
		eq([]any{deref(got.Payload.Enabled), got.Payload.BlacklistedDomains}, []any{false, blocked}, "trusted domains")
		one, err := c.ActiveDirectory.GetActiveDirectoryByID(active_directory.NewGetActiveDirectoryByIDParams().WithID(adID), admin)
		r.ok(err, "GetActiveDirectoryByID")
		checkAD(one.Payload, "AD by id")
		check(one.Payload.TrustedDomainParams != nil, "the AD has no trustedDomainParams: %s", show(one.Payload))
		eq([]any{deref(one.Payload.TrustedDomainParams.Enabled), one.Payload.TrustedDomainParams.BlacklistedDomains},
			[]any{false, blocked}, "the AD's trustedDomainParams")
		ad = one.Payload
		_, err = c.ActiveDirectory.TriggerTrustedDomainsDiscovery(active_directory.NewTriggerTrustedDomainsDiscoveryParams().
			WithDomainName(adDomain).WithRediscover(false), admin)
		r.ok(err, "TriggerTrustedDomainsDiscovery(rediscover=false)")
		_, err = c.ActiveDirectory.TriggerTrustedDomainsDiscovery(active_directory.NewTriggerTrustedDomainsDiscoveryParams().
			WithDomainName(adDomain).WithRediscover(true), admin)
		e := r.expectErr(err, "TriggerTrustedDomainsDiscovery(rediscover=true) of an unjoined domain", 503)
		_, err = c.ActiveDirectory.GetTrustedDomains(active_directory.NewGetTrustedDomainsParams().WithDomainName("no-"+adDomain), admin)
		e2 := r.expectErr(err, "GetTrustedDomains(unknown domain)", 404)
		return fmt.Sprintf("rediscover=true: %s; unknown: %s", errCode(e), errCode(e2))
	})

	r.step("Directories: GetActiveDirectoryPrincipals(domainName LOCAL, searchTerm admin) -> the admin, objectClass User; objectClass Group none; the unjoined domain 503", func() string {
		adminName := flag.Lookup("username").Value.String()
		us, err := c.User.GetUsers(user.NewGetUsersParams().WithUsernames([]string{adminName}).WithDomain(ptr("LOCAL")), admin)
		r.ok(err, "GetUsers(admin)")
		check(len(us.Payload.Users) == 1 && us.Payload.Users[0].Sid != nil, "GetUsers(admin) answered %s", show(us.Payload))
		adminSid := *us.Payload.Users[0].Sid
		res, err := c.ActiveDirectory.GetActiveDirectoryPrincipals(active_directory.NewGetActiveDirectoryPrincipalsParams().
			WithDomainName(ptr("LOCAL")).WithSearchTerm(ptr("admin")), admin)
		r.ok(err, "GetActiveDirectoryPrincipals")
		check(res.Payload != nil, "no ActiveDirectoryPrincipals")
		var found *models.ActiveDirectoryPrincipal
		for _, p := range res.Payload.Principals {
			check(p != nil && p.Sid != nil && *p.Sid != "" && p.Name != "", "principal %s", show(p))
			check(slices.Contains(principalObjClasses, p.ObjectClass), "objectClass %q of %s", p.ObjectClass, show(p))
			eq(deref(p.DomainName), "LOCAL", "domainName of "+p.Name)
			check(strings.Contains(strings.ToLower(p.Name+" "+strOf(p.FullName)), "admin"), "%s does not match admin", show(p))
			if p.Name == adminName {
				found = p
			}
		}
		check(found != nil, "the admin %q is not among %s", adminName, show(res.Payload.Principals))
		eq([]any{found.ObjectClass, deref(found.Sid)}, []any{"User", adminSid}, "the admin's principal")
		groups, err := c.ActiveDirectory.GetActiveDirectoryPrincipals(active_directory.NewGetActiveDirectoryPrincipalsParams().
			WithDomainName(ptr("LOCAL")).WithSearchTerm(ptr("admin")).WithObjectClass(ptr("Group")), admin)
		r.ok(err, "GetActiveDirectoryPrincipals(objectClass Group)")
		for _, p := range groups.Payload.Principals {
			eq(p.ObjectClass, "Group", "objectClass of "+p.Name)
		}
		_, err = c.ActiveDirectory.GetActiveDirectoryPrincipals(active_directory.NewGetActiveDirectoryPrincipalsParams().
			WithDomainName(ptr(adDomain)).WithSearchTerm(ptr("admin")), admin)
		e := r.expectErr(err, "GetActiveDirectoryPrincipals in the unjoined domain", 503)
		return fmt.Sprintf("%d principals; unjoined domain: %s", len(res.Payload.Principals), errCode(e))
	})

	r.step("Directories: a COHESITY_VIEWER may GetLdaps (200) but gets 403 from CreateLdapProvider and CreateActiveDirectory", func() string {
		res, err := c.User.CreateUsers(user.NewCreateUsersParams().WithBody(models.CreateUsersParameters{{
			Username: viewer, Domain: "LOCAL", Roles: []string{"COHESITY_VIEWER"},
			LocalUserParams: &models.LocalUserParams{Password: &viewerPW}}}), admin)
		r.ok(err, "CreateUsers")
		check(len(res.Payload.Users) == 1 && res.Payload.Users[0].Sid != nil, "CreateUsers answered %s", show(res.Payload))
		viewerSid = *res.Payload.Users[0].Sid
		tok, err := login(viewer, viewerPW)
		r.ok(err, "CreateAccessToken (viewer)")
		check(slices.Contains(tok.Privileges, "AD_LDAP_VIEW") && !slices.Contains(tok.Privileges, "AD_LDAP_MODIFY"), "viewer's privileges %v", tok.Privileges)
		v := httptransport.BearerToken(*tok.AccessToken)
		seen, err := c.Ldap.GetLdaps(l_d_a_p.NewGetLdapsParams().WithIds([]int64{ldapID}), v)
		r.ok(err, "GetLdaps as the viewer")
		eq(len(seen.Payload.Ldaps), 1, "providers the viewer sees")
		_, err = c.Ldap.CreateLdapProvider(l_d_a_p.NewCreateLdapProviderParams().WithBody(ldapBody(ldapName+" v", "ldapv-"+run+".example", &bindPW)),
			savingAnyway(v))
		e := r.expectErr(err, "CreateLdapProvider as the viewer", 403)
		_, err = c.ActiveDirectory.CreateActiveDirectory(active_directory.NewCreateActiveDirectoryParams().WithBody(&models.CreateActiveDirectoryRequest{
			CommonActiveDirectoryParams: models.CommonActiveDirectoryParams{MachineAccounts: []*models.MachineAccount{{Name: ptr(machine + "V")}},
				PreferredDomainControllers: []*models.DomainController{{Name: ptr(unreachable)}}},
			DomainName:                 ptr("adv-" + run + ".example"),
			ActiveDirectoryAdminParams: &models.ActiveDirectoryAdminParams{Username: ptr(adAdmin), Password: ptr(adPW)}}), savingAnyway(v))
		r.expectErr(err, "CreateActiveDirectory as the viewer", 403)
		return errCode(e) + ": " + deref(e.Message).(string)
	})

	r.step("Directories: DeleteActiveDirectory (admin headers unset: the SDK sends them empty) 400, forceRemove=true 204; DeleteLdapProvider 204; GetLdaps(ids) none", func() string {
		if adID != 0 {
			_, err := c.ActiveDirectory.DeleteActiveDirectory(active_directory.NewDeleteActiveDirectoryParams().WithID(adID), admin)
			e := r.expectErr(err, "DeleteActiveDirectory without forceRemove or credentials", 400)
			check(strings.Contains(deref(e.Message).(string), "forceRemove"), "message %s", show(e))
			_, err = c.ActiveDirectory.DeleteActiveDirectory(active_directory.NewDeleteActiveDirectoryParams().WithID(adID).WithForceRemove(ptr(true)), admin)
			r.ok(err, "DeleteActiveDirectory(forceRemove=true)")
			_, err = c.ActiveDirectory.GetActiveDirectoryByID(active_directory.NewGetActiveDirectoryByIDParams().WithID(adID), admin)
			r.expectErr(err, "GetActiveDirectoryByID after delete", 404)
			list, err := c.ActiveDirectory.GetActiveDirectory(active_directory.NewGetActiveDirectoryParams().WithDomainNames([]string{adDomain}), admin)
			r.ok(err, "GetActiveDirectory(domainNames) after delete")
			eq(len(list.Payload.ActiveDirectories), 0, "domains listed after delete")
		}
		if ldapID != 0 {
			_, err := c.Ldap.DeleteLdapProvider(l_d_a_p.NewDeleteLdapProviderParams().WithID(ldapID), admin)
			r.ok(err, "DeleteLdapProvider")
			eq(ldapIDs(getLdaps([]int64{ldapID}, "GetLdaps(ids) after delete")), []int64{}, "providers after delete")
			_, err = c.Ldap.DeleteLdapProvider(l_d_a_p.NewDeleteLdapProviderParams().WithID(ldapID), admin)
			r.expectErr(err, "DeleteLdapProvider again", 404)
		}
		if viewerSid != "" {
			_, err := c.User.DeleteUser(user.NewDeleteUserParams().WithSid(viewerSid), admin)
			r.ok(err, "DeleteUser (viewer)")
		}
		return ""
	})
}
