package directory

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/clusteriam/clusteriam/internal/tenant"
)

// Directory types.
const (
	TypeActiveDirectory = "activeDirectory"
	TypeLDAP            = "ldap"
)

// DefaultTimeout bounds every directory operation unless a domain sets its
// own.
const DefaultTimeout = 5 * time.Second

// File is the --directories file: a list of directory domains.
type File struct {
	Directories []Config `yaml:"directories"`
}

// Config is one directory domain.
type Config struct {
	// Domain is the FQDN clients send as "domain", e.g. example.test.
	Domain string `yaml:"domain"`
	// Type is activeDirectory or ldap.
	Type string `yaml:"type"`
	// Tenant is the organization the domain serves, e.g. acme/: its
	// users and groups are added to it, and only the principals acting
	// in it or above it see the domain. Empty: the cluster.
	Tenant string `yaml:"tenant"`
	// URL is ldap://host[:port] or ldaps://host[:port].
	URL string `yaml:"url"`
	// MoreURLs are tried in order when URL cannot be reached (the
	// preferred domain controllers or LDAP servers of a domain added
	// through the API).
	MoreURLs []string `yaml:"-"`
	// StartTLS upgrades an ldap:// connection to TLS before binding.
	StartTLS bool `yaml:"startTLS"`
	// RootCA is a PEM file of the CAs trusted for the server certificate;
	// empty means the system roots.
	RootCA string `yaml:"rootCA"`
	// InsecureSkipVerify accepts any server certificate (tests only).
	InsecureSkipVerify bool `yaml:"insecureSkipVerify"`
	// BindDN and its password are the service account that searches.
	// With Anonymous, searches run unbound (an LDAP provider of
	// authType Anonymous).
	Anonymous        bool   `yaml:"-"`
	BindDN           string `yaml:"bindDN"`
	BindPassword     string `yaml:"bindPassword"`
	BindPasswordFile string `yaml:"bindPasswordFile"`
	// BaseDN is where searches start unless a search sets its own.
	BaseDN string `yaml:"baseDN"`
	// Timeout bounds each operation (dial, bind, search); default 5s.
	Timeout time.Duration `yaml:"timeout"`

	UserSearch  UserSearch  `yaml:"userSearch"`
	GroupSearch GroupSearch `yaml:"groupSearch"`
}

// UserSearch says how users are found and read. Empty fields take the
// type's defaults.
type UserSearch struct {
	BaseDN string `yaml:"baseDN"`
	// Filter selects user entries; the name condition is ANDed to it.
	Filter string `yaml:"filter"`
	// UsernameAttr holds the name users log in with.
	UsernameAttr string `yaml:"usernameAttr"`
	// IDAttr holds the stable id: objectSid (AD) or entryUUID (LDAP).
	IDAttr       string `yaml:"idAttr"`
	FullNameAttr string `yaml:"fullNameAttr"`
	EmailAttr    string `yaml:"emailAttr"`
	// MemberOfAttr lists the groups a user is directly in.
	MemberOfAttr string `yaml:"memberOfAttr"`
}

// GroupSearch says how groups are found and read.
type GroupSearch struct {
	BaseDN       string `yaml:"baseDN"`
	Filter       string `yaml:"filter"`
	NameAttr     string `yaml:"nameAttr"`
	IDAttr       string `yaml:"idAttr"`
	FullNameAttr string `yaml:"fullNameAttr"`
	// MemberAttr lists a group's members by DN.
	MemberAttr string `yaml:"memberAttr"`
}

// ParseFile reads and checks a --directories file, filling in defaults
// and reading bind password files.
func ParseFile(path string) ([]Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("directories: %w", err)
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("directories: %s: %w", path, err)
	}
	seen := map[string]bool{}
	for i := range f.Directories {
		c := &f.Directories[i]
		if err := c.complete(); err != nil {
			return nil, fmt.Errorf("directories: %s: entry %d (%q): %w", path, i, c.Domain, err)
		}
		key := strings.ToLower(c.Domain)
		if seen[key] {
			return nil, fmt.Errorf("directories: %s: domain %q is listed twice", path, c.Domain)
		}
		seen[key] = true
	}
	return f.Directories, nil
}

// complete checks c and fills in the defaults of its type.
func (c *Config) complete() error {
	if c.Domain == "" || strings.EqualFold(c.Domain, "LOCAL") || strings.ContainsAny(c.Domain, `\/ `) {
		return fmt.Errorf("domain must be the domain's FQDN, not %q", c.Domain)
	}
	if c.Type != TypeActiveDirectory && c.Type != TypeLDAP {
		return fmt.Errorf("type %q: want %s or %s", c.Type, TypeActiveDirectory, TypeLDAP)
	}
	if err := checkTenant(c.Tenant); err != nil {
		return err
	}
	for _, raw := range append([]string{c.URL}, c.MoreURLs...) {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
			return fmt.Errorf("url %q: want ldap://host[:port] or ldaps://host[:port]", raw)
		}
		if c.StartTLS && u.Scheme == "ldaps" {
			return errors.New("startTLS is for ldap:// URLs; ldaps:// is TLS already")
		}
	}
	if c.BaseDN == "" {
		return errors.New("baseDN is required")
	}
	if c.Anonymous {
		if c.BindDN != "" || c.BindPassword != "" || c.BindPasswordFile != "" {
			return errors.New("an anonymous directory has no bindDN or bind password")
		}
		return c.completeSearches()
	}
	if c.BindDN == "" {
		return errors.New("bindDN is required")
	}
	if c.BindPasswordFile != "" {
		if c.BindPassword != "" {
			return errors.New("give bindPassword or bindPasswordFile, not both")
		}
		b, err := os.ReadFile(c.BindPasswordFile)
		if err != nil {
			return fmt.Errorf("bindPasswordFile: %w", err)
		}
		// Read once: complete may run again on the same Config (New).
		c.BindPassword, c.BindPasswordFile = strings.TrimRight(string(b), "\r\n"), ""
	}
	if c.BindPassword == "" {
		return errors.New("bindPassword or bindPasswordFile is required")
	}
	return c.completeSearches()
}

// completeSearches fills in the timeout and the searches' defaults, and
// checks the TLS settings.
func (c *Config) completeSearches() error {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 0 {
		return fmt.Errorf("timeout %v must be positive", c.Timeout)
	}
	switch c.Type {
	case TypeActiveDirectory:
		c.UserSearch.fill(UserSearch{Filter: "(&(objectClass=user)(objectCategory=person))",
			UsernameAttr: "sAMAccountName", IDAttr: "objectSid", FullNameAttr: "displayName",
			EmailAttr: "mail", MemberOfAttr: "memberOf"}, c.BaseDN)
		c.GroupSearch.fill(GroupSearch{Filter: "(objectClass=group)", NameAttr: "sAMAccountName",
			IDAttr: "objectSid", FullNameAttr: "cn", MemberAttr: "member"}, c.BaseDN)
	case TypeLDAP:
		c.UserSearch.fill(UserSearch{Filter: "(objectClass=person)", UsernameAttr: "uid",
			IDAttr: "entryUUID", FullNameAttr: "cn", EmailAttr: "mail", MemberOfAttr: "memberOf"}, c.BaseDN)
		c.GroupSearch.fill(GroupSearch{Filter: "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
			NameAttr: "cn", IDAttr: "entryUUID", FullNameAttr: "cn", MemberAttr: "member"}, c.BaseDN)
	}
	if _, err := c.tlsConfig(c.URL); err != nil {
		return err
	}
	return nil
}

// checkTenant accepts "" (the cluster) and well-formed organization ids.
// Whether the organization exists is not known at start: it may be made
// later, and until then the domain's users cannot log in.
func checkTenant(id string) error {
	if id == "" {
		return nil
	}
	if err := tenant.Check(id); err != nil {
		return fmt.Errorf("tenant: %w; want an organization id such as acme/ or acme/eu/, or no tenant key for the cluster", err)
	}
	return nil
}

func (s *UserSearch) fill(d UserSearch, base string) {
	setDefault(&s.BaseDN, base)
	setDefault(&s.Filter, d.Filter)
	setDefault(&s.UsernameAttr, d.UsernameAttr)
	setDefault(&s.IDAttr, d.IDAttr)
	setDefault(&s.FullNameAttr, d.FullNameAttr)
	setDefault(&s.EmailAttr, d.EmailAttr)
	setDefault(&s.MemberOfAttr, d.MemberOfAttr)
}

func (s *GroupSearch) fill(d GroupSearch, base string) {
	setDefault(&s.BaseDN, base)
	setDefault(&s.Filter, d.Filter)
	setDefault(&s.NameAttr, d.NameAttr)
	setDefault(&s.IDAttr, d.IDAttr)
	setDefault(&s.FullNameAttr, d.FullNameAttr)
	setDefault(&s.MemberAttr, d.MemberAttr)
}

func setDefault(field *string, def string) {
	if *field == "" {
		*field = def
	}
}

// tlsConfig is the TLS configuration for ldaps:// and StartTLS to the
// server at raw, one of the domain's URLs.
func (c *Config) tlsConfig(raw string) (*tls.Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.InsecureSkipVerify}
	if c.RootCA != "" {
		pem, err := os.ReadFile(c.RootCA)
		if err != nil {
			return nil, fmt.Errorf("rootCA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("rootCA %s holds no PEM certificate", c.RootCA)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}
