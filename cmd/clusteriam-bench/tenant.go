package main

import (
	"fmt"
	"strings"
)

// The tenant scenario measures what organizations (the vendor's tenants)
// cost where users feel it: a user of an organization reading itself, and
// lists scoped to one organization, on a store whose users are spread
// over many organizations. Its figures compare with those of auth (the
// same credential check and baseline) and of list at the same size (the
// same filters, scoped to the cluster).

// Names of the tenant scenario's organizations and users.
const (
	tenantTargetPassword = "Bench-Org-Target-Password-1"
	tenantAdminPassword  = "Bench-Org-Admin-Password-1"
)

// orgSuffix is the tenantIdSuffix of the i-th organization: its id is
// orgSuffix(i) + "/".
func orgSuffix(i int) string { return fmt.Sprintf("o%03d", i) }

// seedTenants turns organizations on, makes orgs of them, and spreads n
// LOCAL users over them in blocks of n/orgs (the first n%orgs get one
// more), named m000000..., made without passwords, 1,000 per request, by
// the cluster's admin acting inside each. It returns the organizations'
// ids and the names of the users of each.
func (b *bench) seedTenants(n, orgs int) ([]string, [][]string, error) {
	err := b.admin.call("POST", "/v2/clusters/tenant-config",
		map[string]any{"organizationsEnabled": true, "organizationsStorageDomainSharingEnabled": false}, 200, nil)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, orgs)
	names := make([][]string, orgs)
	next := 0
	for i := range orgs {
		var t struct{ ID string }
		err := b.admin.call("POST", "/v2/tenants",
			map[string]any{"name": "Bench Org " + orgSuffix(i), "tenantIdSuffix": orgSuffix(i)}, 201, &t)
		if err != nil {
			return nil, nil, err
		}
		ids[i] = t.ID
		in := api{c: b.admin.c, url: b.admin.url, h: b.admin.h, in: t.ID}
		size := n / orgs
		if i < n%orgs {
			size++
		}
		for j := range size {
			names[i] = append(names[i], fmt.Sprintf("m%06d", next+j))
		}
		next += size
		for from := 0; from < size; from += 1000 {
			if _, err := in.createUsers(names[i][from:min(size, from+1000)], "", "COHESITY_VIEWER"); err != nil {
				return nil, nil, err
			}
		}
	}
	return ids, names, nil
}

// scenarioTenant seeds n users spread over orgs organizations, then
// measures a user of one of them reading itself with each credential kind
// against the baseline, as scenarioAuth does, and GET /v2/users scoped to
// one organization: all its users named with tenantIds by the cluster's
// admin (n/orgs of them, 1,000 at the default size, as many as list's
// "role held by 1%" returns), and one user by sid and by exact name, asked
// by an administrator of the organization logged in as name@org.
func (b *bench) scenarioTenant(n, orgs int) error {
	if orgs < 1 || n < orgs {
		return fmt.Errorf("tenant: %d users cannot fill %d organizations", n, orgs)
	}
	ids, names, err := b.seedTenants(n, orgs)
	if err != nil {
		return err
	}
	// The organization measured, and another whose users are listed: it
	// holds no one but its share of the n.
	mid, other := orgs/2, (orgs/2+1)%orgs
	in := api{c: b.admin.c, url: b.admin.url, h: b.admin.h, in: ids[mid]}
	org := strings.TrimSuffix(ids[mid], "/")
	if _, err := in.createUsers([]string{"bench-org-admin"}, tenantAdminPassword, "COHESITY_ADMIN"); err != nil {
		return err
	}
	sids, err := in.createUsers([]string{"bench-target"}, tenantTargetPassword, "COHESITY_VIEWER")
	if err != nil {
		return err
	}
	suffix := fmt.Sprintf(", user of an organization (%d users in %d)", n, orgs)
	if err := b.measureAuth(sids[0], "bench-target@"+org, tenantTargetPassword, suffix); err != nil {
		return err
	}

	adminH, err := accessToken(b.admin.c, b.tgt.url, "bench-org-admin@"+org, tenantAdminPassword)
	if err != nil {
		return err
	}
	orgAdmin := api{c: b.admin.c, url: b.tgt.url, h: adminH}
	// The figures are checked first: each filter must find what it names,
	// and only that.
	want := names[mid][len(names[mid])/2]
	var one struct {
		Users []struct {
			SID, Username, TenantID string
		}
	}
	if err := orgAdmin.call("GET", "/v2/users?usernames="+want, nil, 200, &one); err != nil {
		return err
	}
	if len(one.Users) != 1 || one.Users[0].Username != want || one.Users[0].TenantID != ids[mid] {
		return fmt.Errorf("tenant: usernames=%s as the admin of %s found %+v", want, ids[mid], one.Users)
	}
	var all struct{ Users []struct{ TenantID string } }
	if err := b.admin.call("GET", "/v2/users?tenantIds="+ids[other], nil, 200, &all); err != nil {
		return err
	}
	if len(all.Users) != len(names[other]) || all.Users[0].TenantID != ids[other] {
		return fmt.Errorf("tenant: tenantIds=%s found %d users, want %d", ids[other], len(all.Users), len(names[other]))
	}
	target := n >= 100_000
	for _, f := range []struct {
		name   string
		caller api
		query  string
	}{
		{"one sid, as the organization's admin", orgAdmin, "sids=" + one.Users[0].SID},
		{"exact username, as the organization's admin", orgAdmin, "usernames=" + want},
		{fmt.Sprintf("tenantIds of one organization (%d users returned), as the cluster's admin", len(names[other])),
			b.admin, "tenantIds=" + ids[other]},
	} {
		st := times(50, func() error { _, err := f.caller.get("/v2/users?" + f.query); return err })
		b.add(row{Scenario: fmt.Sprintf("GET /v2/users at %d in %d organizations, %s", n, orgs, f.name), Value: ms(st.P50),
			Unit: "ms p50", P50Ms: ms(st.P50), P99Ms: ms(st.P99), Errors: st.Errors, Note: st.FirstErr},
			ifStr(target, "p50 < 5 ms"), ms(st.P50) < 5)
	}
	return nil
}
