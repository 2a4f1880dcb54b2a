package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// MaxSearch bounds how many principals one Search returns.
const MaxSearch = 1000

// Search returns up to limit (at most MaxSearch) users and groups, users
// first, whose login name, full name or common name holds term; an empty
// term matches every one. Every value put into the filter is escaped.
func (d *Directory) Search(ctx context.Context, term string, users, groups bool, limit int) ([]Principal, error) {
	limit = min(max(limit, 1), MaxSearch)
	like := "*"
	if term != "" {
		like = "*" + ldap.EscapeFilter(term) + "*"
	}
	var out []Principal
	err := d.session(ctx, func(c *ldap.Conn) error {
		if users {
			us := d.cfg.UserSearch
			f := fmt.Sprintf("(&%s(|(%s=%s)(%s=%s)(cn=%s)))", us.Filter, us.UsernameAttr, like, us.FullNameAttr, like, like)
			found, err := d.searchSome(c, us.BaseDN, f, limit, d.userOf)
			if err != nil {
				return err
			}
			out = append(out, found...)
		}
		if groups && len(out) < limit {
			gs := d.cfg.GroupSearch
			f := fmt.Sprintf("(&%s(|(%s=%s)(%s=%s)))", gs.Filter, gs.NameAttr, like, gs.FullNameAttr, like)
			found, err := d.searchSome(c, gs.BaseDN, f, limit-len(out), d.groupOf)
			if err != nil {
				return err
			}
			out = append(out, found...)
		}
		return nil
	})
	return out, err
}

// searchSome returns at most limit entries filter matches under base, as
// conv renders them; entries it cannot render (no id) are left out.
func (d *Directory) searchSome(c *ldap.Conn, base, filter string, limit int, conv func(*ldap.Entry) (Principal, error)) ([]Principal, error) {
	if _, err := d.domainSIDOn(c); err != nil {
		return nil, err
	}
	attrs := append(d.userAttrs(), d.cfg.GroupSearch.NameAttr, d.cfg.GroupSearch.IDAttr, d.cfg.GroupSearch.FullNameAttr)
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, limit,
		d.timeLimit(), false, filter, attrs, nil)
	res, err := c.Search(req)
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, d.classify("search", err)
	}
	out := []Principal{}
	if res == nil {
		return out, nil
	}
	for _, e := range res.Entries {
		if p, err := conv(e); err == nil && len(out) < limit {
			out = append(out, p)
		}
	}
	return out, nil
}

// domainSIDOn is DomainSID, read on c (a bound connection) when not
// known yet.
func (d *Directory) domainSIDOn(c *ldap.Conn) (string, error) {
	d.mu.Lock()
	sid := d.domainSID
	d.mu.Unlock()
	if sid != "" {
		return sid, nil
	}
	sid, err := d.readDomainSID(c)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	d.domainSID = sid
	d.mu.Unlock()
	return sid, nil
}

// Check connects and binds as the service account, and reads the base
// entry: what must work for the domain to serve.
func (d *Directory) Check(ctx context.Context) error {
	return d.session(ctx, func(c *ldap.Conn) error {
		req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
			d.timeLimit(), false, "(objectClass=*)", []string{"objectClass"}, nil)
		if _, err := c.Search(req); err != nil {
			return d.classify("read the base entry "+d.cfg.BaseDN, err)
		}
		return nil
	})
}

// Controller is a domain controller of an Active Directory domain.
type Controller struct {
	Name string // its DNS host name
	// Reachable: the cluster reached it in this call.
	Reachable bool
}

// Controllers lists the domain's controllers (computer objects trusted
// for delegation as DCs), marking the one this call reached.
func (d *Directory) Controllers(ctx context.Context) ([]Controller, error) {
	var out []Controller
	err := d.connect(ctx, func(c *ldap.Conn, host string) error {
		if err := d.bindService(c); err != nil {
			return err
		}
		const dcFilter = "(&(objectCategory=computer)(userAccountControl:1.2.840.113556.1.4.803:=8192))"
		req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, MaxSearch,
			d.timeLimit(), false, dcFilter, []string{"dNSHostName", "cn"}, nil)
		res, err := c.Search(req)
		if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
			return d.classify("search domain controllers", err)
		}
		reached := false
		for _, e := range res.Entries {
			name := firstNonEmpty(e.GetAttributeValue("dNSHostName"), e.GetAttributeValue("cn"))
			dc := Controller{Name: name, Reachable: strings.EqualFold(name, host)}
			reached = reached || dc.Reachable
			out = append(out, dc)
		}
		if !reached {
			// Reached by an address or a name the directory does not list.
			out = append(out, Controller{Name: host, Reachable: true})
		}
		return nil
	})
	return out, err
}

// TrustedDomains returns the domains this Active Directory domain
// trusts, as its trustedDomain objects name them.
func (d *Directory) TrustedDomains(ctx context.Context) ([]string, error) {
	out := []string{}
	err := d.session(ctx, func(c *ldap.Conn) error {
		req := ldap.NewSearchRequest("CN=System,"+d.cfg.BaseDN, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, MaxSearch,
			d.timeLimit(), false, "(objectClass=trustedDomain)", []string{"trustPartner"}, nil)
		res, err := c.Search(req)
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil
		}
		if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
			return d.classify("search trusted domains", err)
		}
		for _, e := range res.Entries {
			if p := e.GetAttributeValue("trustPartner"); p != "" {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// GroupsOf returns the SIDs of every group the user with sid is in,
// nested ones included, and ErrNotFound when the directory no longer has
// the user.
func (d *Directory) GroupsOf(ctx context.Context, sid string) ([]string, error) {
	u, err := d.BySID(ctx, sid)
	if err != nil {
		return nil, err
	}
	if u.IsGroup {
		return nil, fmt.Errorf("directory %s: %s is a group: %w", d.cfg.Domain, sid, ErrNotFound)
	}
	var groups []string
	err = d.session(ctx, func(c *ldap.Conn) (err error) {
		groups, err = d.groupsOf(c, u.DN)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return groups, err
}
