// Package directory looks users and groups up in Active Directory and plain
// LDAP directories, and checks directory passwords by binding as the user.
// Nothing it learns is cached: every call asks the directory, on a
// short-lived connection, within the domain's timeout.
package directory

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Errors a Directory returns (wrapped).
var (
	// ErrNotFound: no such user, group or SID in the directory.
	ErrNotFound = errors.New("not found in the directory")
	// ErrInvalidCredentials: the directory refused the password.
	ErrInvalidCredentials = errors.New("the directory refused the credentials")
	// ErrUnavailable: the directory could not be reached or answered too
	// late, or refused the service account.
	ErrUnavailable = errors.New("the directory is unavailable")
)

// maxNesting bounds how deep nested groups are followed in plain LDAP.
const maxNesting = 16

// Principal is a user or group entry of a directory.
type Principal struct {
	SID      string
	Name     string // the user's login name or the group's name
	FullName string
	Email    string
	DN       string
	IsGroup  bool
}

// Directory is one configured directory domain. It is safe for concurrent
// use.
type Directory struct {
	cfg Config
	tls *tls.Config

	mu        sync.Mutex
	domainSID string // AD: learnt from the domain object on first need
}

// New returns the directory cfg describes; cfg must come from ParseFile
// (or have passed the same checks).
func New(cfg Config) (*Directory, error) {
	if err := cfg.complete(); err != nil {
		return nil, fmt.Errorf("directory %s: %w", cfg.Domain, err)
	}
	tc, err := cfg.tlsConfig(cfg.URL)
	if err != nil {
		return nil, err
	}
	d := &Directory{cfg: cfg, tls: tc}
	if cfg.Type == TypeLDAP {
		d.domainSID = ldapDomainSID(cfg.Domain)
	}
	return d, nil
}

// Domain is the domain's FQDN as configured.
func (d *Directory) Domain() string { return d.cfg.Domain }

// Settings is the domain's configuration, without its bind password.
func (d *Directory) Settings() Config {
	c := d.cfg
	c.BindPassword = ""
	return c
}

// Tenant is the organization the domain serves, as configured ("" the
// cluster).
func (d *Directory) Tenant() string { return d.cfg.Tenant }

// User looks a user up by login name (for AD also by userPrincipalName).
func (d *Directory) User(ctx context.Context, name string) (Principal, error) {
	var p Principal
	err := d.session(ctx, func(c *ldap.Conn) (err error) {
		p, err = d.findUser(c, name)
		return err
	})
	return p, err
}

// Group looks a group up by name.
func (d *Directory) Group(ctx context.Context, name string) (Principal, error) {
	var p Principal
	err := d.session(ctx, func(c *ldap.Conn) error {
		f := fmt.Sprintf("(&%s(%s=%s))", d.cfg.GroupSearch.Filter, d.cfg.GroupSearch.NameAttr, ldap.EscapeFilter(name))
		e, err := d.searchOne(c, d.cfg.GroupSearch.BaseDN, f, "group "+name)
		if err != nil {
			return err
		}
		p, err = d.groupOf(e)
		return err
	})
	return p, err
}

// Authenticate checks name's password by binding as the user, and returns
// the user with the SIDs of all the groups it is in, nested ones
// included. An empty password is refused before any bind: many
// directories take an empty-password bind as anonymous. When the
// directory refuses the password of a user it has, the user comes back
// with ErrInvalidCredentials, so that the caller can count the failure.
func (d *Directory) Authenticate(ctx context.Context, name, password string) (Principal, []string, error) {
	if password == "" || name == "" {
		return Principal{}, nil, fmt.Errorf("directory %s: empty name or password: %w", d.cfg.Domain, ErrInvalidCredentials)
	}
	var user Principal
	var groups []string
	err := d.session(ctx, func(c *ldap.Conn) error {
		var err error
		if user, err = d.findUser(c, name); err != nil {
			return err
		}
		if err := c.Bind(user.DN, password); err != nil {
			if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
				return fmt.Errorf("directory %s: user %s: %w", d.cfg.Domain, name, ErrInvalidCredentials)
			}
			return d.classify("bind as "+name, err)
		}
		// Back to the service account to read group memberships.
		if err := d.bindService(c); err != nil {
			return err
		}
		groups, err = d.groupsOf(c, user.DN)
		return err
	})
	if errors.Is(err, ErrInvalidCredentials) {
		return user, nil, err
	}
	if err != nil {
		return Principal{}, nil, err
	}
	return user, groups, nil
}

// OwnsSID reports whether sid lies in this directory's domain.
func (d *Directory) OwnsSID(ctx context.Context, sid string) bool {
	dom, err := d.DomainSID(ctx)
	return err == nil && strings.HasPrefix(sid, dom+"-")
}

// DomainSID is the domain's SID: for AD the objectSid of the domain
// object, for plain LDAP the derived one (see sid.go).
func (d *Directory) DomainSID(ctx context.Context) (string, error) {
	d.mu.Lock()
	sid := d.domainSID
	d.mu.Unlock()
	if sid != "" {
		return sid, nil
	}
	err := d.session(ctx, func(c *ldap.Conn) (err error) {
		sid, err = d.domainSIDOn(c)
		return err
	})
	return sid, err
}

// readDomainSID reads the objectSid of the domain object on c.
func (d *Directory) readDomainSID(c *ldap.Conn) (string, error) {
	req := ldap.NewSearchRequest(d.cfg.BaseDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
		d.timeLimit(), false, "(objectClass=*)", []string{"objectSid"}, nil)
	res, err := c.Search(req)
	if err != nil {
		return "", d.classify("read the domain SID", err)
	}
	if len(res.Entries) != 1 {
		return "", fmt.Errorf("directory %s: base %s has no objectSid", d.cfg.Domain, d.cfg.BaseDN)
	}
	return decodeSID(res.Entries[0].GetRawAttributeValue("objectSid"))
}

// BySID looks a user or group up by SID.
func (d *Directory) BySID(ctx context.Context, sid string) (Principal, error) {
	dom, err := d.DomainSID(ctx)
	if err != nil {
		return Principal{}, err
	}
	var filter string
	if d.cfg.Type == TypeLDAP {
		id, err := ldapUUID(dom, sid)
		if err != nil {
			return Principal{}, fmt.Errorf("directory %s: %s: %w", d.cfg.Domain, sid, ErrNotFound)
		}
		filter = fmt.Sprintf("(%s=%s)", d.cfg.UserSearch.IDAttr, ldap.EscapeFilter(id))
	} else {
		raw, err := encodeSID(sid)
		if err != nil || !strings.HasPrefix(sid, dom+"-") {
			return Principal{}, fmt.Errorf("directory %s: %s: %w", d.cfg.Domain, sid, ErrNotFound)
		}
		filter = fmt.Sprintf("(%s=%s)", d.cfg.UserSearch.IDAttr, escapeBinary(raw))
	}
	var p Principal
	err = d.session(ctx, func(c *ldap.Conn) error {
		if e, err := d.searchOne(c, d.cfg.UserSearch.BaseDN, "(&"+d.cfg.UserSearch.Filter+filter+")", sid); err == nil {
			p, err = d.userOf(e)
			return err
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		e, err := d.searchOne(c, d.cfg.GroupSearch.BaseDN, "(&"+d.cfg.GroupSearch.Filter+filter+")", sid)
		if err != nil {
			return err
		}
		p, err = d.groupOf(e)
		return err
	})
	return p, err
}

// session runs fn on a new connection bound as the service account, and
// closes it. The whole of it is bounded by the domain's timeout.
func (d *Directory) session(ctx context.Context, fn func(c *ldap.Conn) error) error {
	return d.connect(ctx, func(c *ldap.Conn, _ string) error {
		if err := d.bindService(c); err != nil {
			return err
		}
		return fn(c)
	})
}

// connect runs fn on a new, unbound connection to the first of the
// domain's servers that answers (named by host), and closes it. The
// whole of it is bounded by the domain's timeout.
func (d *Directory) connect(ctx context.Context, fn func(c *ldap.Conn, host string) error) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	c, host, err := d.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	// The connection dies with the context, so no call outlives it.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	if err := fn(c, host); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ErrInvalidCredentials) && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("directory %s: no answer within %v: %w", d.cfg.Domain, d.cfg.Timeout, ErrUnavailable)
		}
		return err
	}
	return nil
}

// dial connects to the domain's servers in order, upgrading with
// StartTLS where configured, and returns the first that answers.
func (d *Directory) dial(ctx context.Context) (*ldap.Conn, string, error) {
	deadline, _ := ctx.Deadline()
	var firstErr error
	for _, raw := range append([]string{d.cfg.URL}, d.cfg.MoreURLs...) {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, "", fmt.Errorf("directory %s: url %q: %w", d.cfg.Domain, raw, err)
		}
		tc := d.tls.Clone()
		tc.ServerName = u.Hostname()
		c, err := ldap.DialURL(raw, ldap.DialWithDialer(&net.Dialer{Deadline: deadline}), ldap.DialWithTLSConfig(tc))
		if err == nil {
			c.SetTimeout(time.Until(deadline))
			if d.cfg.StartTLS {
				if err = c.StartTLS(tc); err != nil {
					c.Close()
					err = d.classify("StartTLS with "+u.Host, err)
				}
			}
		} else {
			err = d.classify("connect to "+u.Host, err)
		}
		if err == nil {
			return c, u.Hostname(), nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, "", firstErr
}

// bindService binds c as the service account. Its refusal is the
// directory's or the configuration's fault, not the caller's.
func (d *Directory) bindService(c *ldap.Conn) error {
	if d.cfg.Anonymous {
		// Back to anonymous, also after a user's bind on c.
		if err := c.UnauthenticatedBind(""); err != nil {
			return d.classify("bind anonymously", err)
		}
		return nil
	}
	if err := c.Bind(d.cfg.BindDN, d.cfg.BindPassword); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return fmt.Errorf("directory %s: the service account %s was refused; check bindDN and its password: %w",
				d.cfg.Domain, d.cfg.BindDN, ErrUnavailable)
		}
		return d.classify("bind as the service account", err)
	}
	return nil
}

// classify wraps an LDAP error: network failures, time-outs and a busy or
// unavailable server as ErrUnavailable.
func (d *Directory) classify(op string, err error) error {
	var le *ldap.Error
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		ldap.IsErrorWithCode(err, ldap.ErrorNetwork),
		ldap.IsErrorWithCode(err, ldap.LDAPResultTimeout),
		ldap.IsErrorWithCode(err, ldap.LDAPResultTimeLimitExceeded),
		ldap.IsErrorWithCode(err, ldap.LDAPResultBusy),
		ldap.IsErrorWithCode(err, ldap.LDAPResultUnavailable),
		ldap.IsErrorWithCode(err, ldap.LDAPResultServerDown),
		ldap.IsErrorWithCode(err, ldap.LDAPResultConnectError):
		return fmt.Errorf("directory %s: %s: %w (%v)", d.cfg.Domain, op, ErrUnavailable, err)
	case errors.As(err, &le):
		return fmt.Errorf("directory %s: %s: %w", d.cfg.Domain, op, err)
	default:
		return fmt.Errorf("directory %s: %s: %w: %w", d.cfg.Domain, op, ErrUnavailable, err)
	}
}

// timeLimit is the server-side time limit of a search, in seconds.
func (d *Directory) timeLimit() int { return max(1, int(d.cfg.Timeout/time.Second)) }

// userAttrs are read from user entries.
func (d *Directory) userAttrs() []string {
	us := d.cfg.UserSearch
	return []string{us.UsernameAttr, us.IDAttr, us.FullNameAttr, us.EmailAttr, "cn", "objectClass"}
}

// findUser searches the user named name; every value put into the filter
// is escaped.
func (d *Directory) findUser(c *ldap.Conn, name string) (Principal, error) {
	us := d.cfg.UserSearch
	cond := fmt.Sprintf("(%s=%s)", us.UsernameAttr, ldap.EscapeFilter(name))
	if d.cfg.Type == TypeActiveDirectory {
		cond = fmt.Sprintf("(|%s(userPrincipalName=%s))", cond, ldap.EscapeFilter(name))
	}
	e, err := d.searchOne(c, us.BaseDN, "(&"+us.Filter+cond+")", "user "+name)
	if err != nil {
		return Principal{}, err
	}
	return d.userOf(e)
}

// searchOne returns the one entry filter matches under base; what names
// it in errors.
func (d *Directory) searchOne(c *ldap.Conn, base, filter, what string) (*ldap.Entry, error) {
	attrs := append(d.userAttrs(), d.cfg.GroupSearch.NameAttr, d.cfg.GroupSearch.IDAttr, d.cfg.GroupSearch.FullNameAttr)
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2,
		d.timeLimit(), false, filter, attrs, nil)
	res, err := c.Search(req)
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, d.classify("search "+what, err)
	}
	switch n := len(res.Entries); {
	case n == 0:
		return nil, fmt.Errorf("directory %s: %s: %w", d.cfg.Domain, what, ErrNotFound)
	case n > 1:
		return nil, fmt.Errorf("directory %s: %s matches several entries: %w", d.cfg.Domain, what, ErrNotFound)
	}
	return res.Entries[0], nil
}

// idOf renders the entry's stable id as a SID.
func (d *Directory) idOf(e *ldap.Entry, attr string) (string, error) {
	if d.cfg.Type == TypeLDAP {
		return ldapSID(d.domainSID, e.GetEqualFoldAttributeValue(attr))
	}
	return decodeSID(e.GetEqualFoldRawAttributeValue(attr))
}

func (d *Directory) userOf(e *ldap.Entry) (Principal, error) {
	us := d.cfg.UserSearch
	sid, err := d.idOf(e, us.IDAttr)
	if err != nil {
		return Principal{}, err
	}
	return Principal{SID: sid, DN: e.DN, Name: e.GetEqualFoldAttributeValue(us.UsernameAttr),
		FullName: firstNonEmpty(e.GetEqualFoldAttributeValue(us.FullNameAttr), e.GetEqualFoldAttributeValue("cn")),
		Email:    e.GetEqualFoldAttributeValue(us.EmailAttr)}, nil
}

func (d *Directory) groupOf(e *ldap.Entry) (Principal, error) {
	gs := d.cfg.GroupSearch
	sid, err := d.idOf(e, gs.IDAttr)
	if err != nil {
		return Principal{}, err
	}
	name := e.GetEqualFoldAttributeValue(gs.NameAttr)
	return Principal{SID: sid, DN: e.DN, Name: name, IsGroup: true,
		FullName: firstNonEmpty(e.GetEqualFoldAttributeValue(gs.FullNameAttr), name)}, nil
}

// groupsOf returns the SIDs of every group dn is in, directly or through
// other groups. AD answers in one search with its transitive matching
// rule; plain LDAP is walked up one level per search.
func (d *Directory) groupsOf(c *ldap.Conn, dn string) ([]string, error) {
	gs := d.cfg.GroupSearch
	if d.cfg.Type == TypeActiveDirectory {
		f := fmt.Sprintf("(&%s(%s:1.2.840.113556.1.4.1941:=%s))", gs.Filter, gs.MemberAttr, ldap.EscapeFilter(dn))
		return d.groupSIDs(c, f, nil)
	}
	seen := map[string]bool{}
	var sids []string
	frontier := []string{dn}
	for depth := 0; len(frontier) > 0 && depth < maxNesting; depth++ {
		var cond strings.Builder
		for _, m := range frontier {
			fmt.Fprintf(&cond, "(%s=%s)", gs.MemberAttr, ldap.EscapeFilter(m))
		}
		var next []string
		found, err := d.groupSIDs(c, "(&"+gs.Filter+"(|"+cond.String()+"))", func(e *ldap.Entry) bool {
			key := strings.ToLower(e.DN)
			if seen[key] {
				return false
			}
			seen[key] = true
			next = append(next, e.DN)
			return true
		})
		if err != nil {
			return nil, err
		}
		sids = append(sids, found...)
		frontier = next
	}
	return sids, nil
}

// groupSIDs searches groups with filter and returns the SIDs of those keep
// accepts (all when keep is nil).
func (d *Directory) groupSIDs(c *ldap.Conn, filter string, keep func(*ldap.Entry) bool) ([]string, error) {
	gs := d.cfg.GroupSearch
	req := ldap.NewSearchRequest(gs.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0,
		d.timeLimit(), false, filter, []string{gs.IDAttr}, nil)
	res, err := c.SearchWithPaging(req, 500)
	if err != nil {
		return nil, d.classify("search groups", err)
	}
	sids := []string{}
	for _, e := range res.Entries {
		if keep != nil && !keep(e) {
			continue
		}
		sid, err := d.idOf(e, gs.IDAttr)
		if err != nil {
			return nil, err
		}
		sids = append(sids, sid)
	}
	return sids, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
