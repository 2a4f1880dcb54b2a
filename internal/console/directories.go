package console

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/iam"
)

// ldapCheckTimeout bounds each LDAP provider's reachability check, so
// that one server that does not answer does not hold the page.
const ldapCheckTimeout = 5 * time.Second

// directoryRow is one AD domain or LDAP provider and its state.
type directoryRow struct {
	Kind, Name, Domain string
	Servers            []string
	OK                 bool
	Status             string
}

// handleDirectories lists the Active Directory domains and LDAP
// providers p may read, with whether each is reachable: an AD domain's
// stored error, an LDAP provider's check made now.
func (c *console) handleDirectories() authedHandler {
	return func(pg *page) error {
		ctx := pg.r.Context()
		ads, err := c.svc.ActiveDirectories(ctx, pg.p, iam.DomainFilter{})
		if err != nil {
			return err
		}
		ldaps, err := c.svc.LDAPProviders(ctx, pg.p, iam.DomainFilter{})
		if err != nil {
			return err
		}
		var rows []directoryRow
		for _, a := range ads {
			row := directoryRow{Kind: "Active Directory", Name: deref(a.DomainName), Domain: deref(a.DomainName),
				OK: a.Error == nil, Status: "Joined"}
			for _, dc := range a.PreferredDomainControllers {
				row.Servers = append(row.Servers, dc.Name)
			}
			if a.Error != nil {
				row.Status = a.Error.ErrorCode + ": " + a.Error.ErrorMessage
			}
			rows = append(rows, row)
		}
		statuses := c.ldapStatuses(ctx, pg.p, ldapIDs(ldaps))
		for i, l := range ldaps {
			rows = append(rows, directoryRow{Kind: "LDAP", Name: deref(l.Name), Domain: deref(l.DomainName),
				Servers: l.PreferredLdapServers, OK: statuses[i] == "NoError", Status: statuses[i]})
		}
		idps, err := c.identityProviderRows(ctx, pg.p)
		if err != nil {
			return err
		}
		c.render(pg.w, pg.r, http.StatusOK, "directories", pg, append(rows, idps...))
		return nil
	}
}

// identityProviderRows lists the SAML providers and trusted token issuers
// p may read (they take PRINCIPAL_VIEW, which a reader of directories may
// lack: then none).
func (c *console) identityProviderRows(ctx context.Context, p *iam.Principal) ([]directoryRow, error) {
	if !c.svc.May(p, iam.ActRead, iam.KindIdP) {
		return nil, nil
	}
	saml, err := c.svc.IdentityProviders(ctx, p, iam.DomainFilter{}, nil)
	if err != nil {
		return nil, err
	}
	issuers, err := c.svc.Identities(ctx, p, iam.DomainFilter{})
	if err != nil {
		return nil, err
	}
	enabled := func(on bool) string {
		if on {
			return "enabled"
		}
		return "disabled"
	}
	var rows []directoryRow
	for _, s := range saml {
		on := deref(s.IsEnabled)
		rows = append(rows, directoryRow{Kind: "SAML provider", Name: deref(s.Name), Domain: deref(s.Domain),
			Servers: []string{deref(s.SSOURL)}, OK: on, Status: enabled(on)})
	}
	for _, i := range issuers {
		row := directoryRow{Kind: deref(i.IdentityProviderType) + " issuer", Name: deref(i.Domain), Domain: deref(i.Domain),
			OK: deref(i.IsEnabled), Status: enabled(deref(i.IsEnabled))}
		if o := i.OpenIDConnectParams; o != nil {
			row.Servers = []string{deref(o.PublicKeyURL)}
		} else if o := i.OAuth2Params; o != nil {
			row.Servers = []string{deref(o.PublicKeyURL)}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// ldapStatuses checks the providers ids at once, each bounded in time.
func (c *console) ldapStatuses(ctx context.Context, p *iam.Principal, ids []int64) []string {
	out := make([]string, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, ldapCheckTimeout)
			defer cancel()
			st, err := c.svc.LDAPConnectionStatus(ctx, p, id)
			if err != nil {
				st = "Unknown: " + messageOf(err)
			}
			out[i] = st
		})
	}
	wg.Wait()
	return out
}

// ldapIDs are the ids of providers ls.
func ldapIDs(ls []domainspec.LDAP) []int64 {
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = deref(l.ID)
	}
	return ids
}

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
