package console

import "github.com/clusteriam/clusteriam/internal/iam"

// navItem is one entry of the menu.
type navItem struct {
	Label, Path string
}

// menu lists every section, with what a principal needs to see it.
var menu = []struct {
	item navItem
	act  iam.Act
	kind iam.TargetKind
}{
	{navItem{"Overview", "/"}, iam.ActRead, iam.KindUser},
	{navItem{"Users", "/users"}, iam.ActRead, iam.KindUser},
	{navItem{"Groups", "/groups"}, iam.ActRead, iam.KindGroup},
	{navItem{"Roles", "/roles"}, iam.ActRead, iam.KindRole},
	{navItem{"API keys", "/api-keys"}, iam.ActReadAllCredentials, iam.KindUser},
	{navItem{"Audit log", "/audit"}, iam.ActRead, iam.KindAudit},
	{navItem{"Directories", "/directories"}, iam.ActRead, iam.KindDirectory},
	{navItem{"Organizations", "/tenants"}, iam.ActRead, iam.KindTenant},
	{navItem{"MFA", "/settings/mfa"}, iam.ActRead, iam.KindMFAConfig},
	{navItem{"Security", "/settings/security"}, iam.ActRead, iam.KindSecurityConfig},
}

// nav is the menu p may use: the sections whose records it may read.
func (c *console) nav(p *iam.Principal) []navItem {
	var items []navItem
	for _, m := range menu {
		if c.svc.May(p, m.act, m.kind) {
			items = append(items, m.item)
		}
	}
	return items
}
