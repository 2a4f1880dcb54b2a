package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/store"
)

// The directory domains the service serves: those of the --directories
// file, fixed and read-only through the API, and those added through the
// API, kept in the store and read again at most once a domainTTL (and at
// once when a write here or, through the bus, on another replica changes
// them).

// domainTTL bounds how long a replica serves a domain list it read:
// under a second, so that a change reaches every replica within one
// even without the bus.
const domainTTL = 900 * time.Millisecond

// domain is one directory domain the service knows.
type domain struct {
	id    int64  // the API's id; negative for the file's
	kind  string // store.DirectoryAD or store.DirectoryLDAP
	fixed bool   // from the --directories file
	rec   store.DirectoryDomain
	spec  storedSpec
	dir   Directory // nil when it cannot serve (see err)
	err   error     // why it cannot
}

// storedSpec is what the store's Spec holds: the vendor's model without
// secrets, and what the cluster learnt joining an AD domain.
type storedSpec struct {
	AD   *domainspec.AD   `json:"ad,omitempty"`
	LDAP *domainspec.LDAP `json:"ldap,omitempty"`
	// BindDN is the AD machine account the cluster binds as.
	BindDN string `json:"bindDN,omitempty"`
	// JoinError says why an AD domain saved anyway is not joined.
	JoinError string `json:"joinError,omitempty"`
	// SAML and JWT configure identity providers: a SAML 2.0 provider,
	// and an issuer of JWTs (OpenID Connect or OAuth2).
	SAML *samlSpec `json:"saml,omitempty"`
	JWT  *jwtSpec  `json:"jwt,omitempty"`
}

// isIdP reports whether d is an identity provider, not a directory: its
// users sign in through it and have no password here.
func (d *domain) isIdP() bool { return isIdPType(d.kind) }

func isIdPType(kind string) bool {
	switch kind {
	case store.DirectorySAML, store.DirectoryOpenIDConnect, store.DirectoryOAuth2:
		return true
	}
	return false
}

func (sp storedSpec) encode() []byte {
	b, err := json.Marshal(sp)
	if err != nil {
		panic(fmt.Sprintf("iam: encode a directory domain: %v", err)) // plain data always marshals
	}
	return b
}

// domainRegistry holds the domains, the file's and the store's.
type domainRegistry struct {
	fixed []*domain
	mu    sync.Mutex
	// expires is when the store's domains are to be read again; zero:
	// now.
	expires time.Time
	all     []*domain
	// built keeps each stored domain's Directory across reads while its
	// record is unchanged, so that what it learnt (the domain's SID) stays.
	built map[int64]*domain
}

// fileDomainID is the id a domain of the --directories file has in the
// API: negative, so that it never meets a stored one, and derived from its
// name, so that it is the same on every replica and after every restart.
func fileDomainID(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(name)))
	return -int64(h.Sum32()) - 1
}

// initDomains takes the domains of the --directories file.
func (s *Service) initDomains(dirs []Directory) error {
	ids := map[int64]string{}
	for _, d := range dirs {
		key := strings.ToLower(d.Domain())
		if strings.EqualFold(key, LocalDomain) || slices.ContainsFunc(s.domains.fixed, func(x *domain) bool { return strings.EqualFold(x.dir.Domain(), key) }) {
			return fmt.Errorf("directory domain %q is configured twice or is LOCAL", d.Domain())
		}
		id := fileDomainID(key)
		if other, ok := ids[id]; ok {
			return fmt.Errorf("directory domains %q and %q have the same API id; rename one", other, d.Domain())
		}
		ids[id] = d.Domain()
		kind := store.DirectoryLDAP
		if d.Settings().Type == directory.TypeActiveDirectory {
			kind = store.DirectoryAD
		}
		s.domains.fixed = append(s.domains.fixed, &domain{id: id, kind: kind, fixed: true, dir: d,
			rec: store.DirectoryDomain{ID: id, Type: kind, Domain: d.Domain(), TenantID: d.Tenant()}})
	}
	s.domains.all = slices.Clone(s.domains.fixed)
	s.domains.built = map[int64]*domain{}
	return nil
}

// staleDomains makes the next use read the store's domains again.
func (s *Service) staleDomains() {
	s.domains.mu.Lock()
	s.domains.expires = time.Time{}
	s.domains.mu.Unlock()
}

// domainList returns every domain, the file's first, then the store's by
// id. Should the store not answer, the last list read serves.
func (s *Service) domainList(ctx context.Context) []*domain {
	r := &s.domains
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if now.Before(r.expires) {
		return r.all
	}
	recs, err := s.store.ListDirectoryDomains(ctx)
	if err != nil {
		s.audit.WarnContext(ctx, "read directory domains; serving the last read", "error", err)
		return r.all
	}
	all := slices.Clone(r.fixed)
	built := make(map[int64]*domain, len(recs))
	for _, rec := range recs {
		d := r.built[rec.ID]
		if d == nil || d.rec.UpdatedMsecs != rec.UpdatedMsecs || d.rec.TenantID != rec.TenantID {
			d = s.buildDomain(ctx, rec)
		}
		built[rec.ID] = d
		all = append(all, d)
	}
	r.all, r.built, r.expires = all, built, now.Add(domainTTL)
	return all
}

// LoginDomains names the domains a password log-in may give: LOCAL,
// then every directory domain, as the vendor's log-in page offers them.
// It needs no principal: the names are what users type to log in.
// Identity providers' domains are left out: their users sign in there.
func (s *Service) LoginDomains(ctx context.Context) []string {
	names := []string{LocalDomain}
	for _, d := range s.domainList(ctx) {
		if !d.isIdP() {
			names = append(names, d.rec.Domain)
		}
	}
	return names
}

// domainByName returns the domain named name (any case), or nil. A name
// that a SAML provider and JWT issuers share gives the SAML provider.
func (s *Service) domainByName(ctx context.Context, name string) *domain {
	var found *domain
	for _, d := range s.domainList(ctx) {
		if strings.EqualFold(d.rec.Domain, name) && (found == nil || d.kind == store.DirectorySAML) {
			found = d
		}
	}
	return found
}

// serving returns the directory of domain name when it serves, or nil:
// log-ins through a domain that cannot serve fail as through an unknown
// one (its reason is logged when it is read).
func (s *Service) serving(ctx context.Context, name string) Directory {
	if d := s.domainByName(ctx, name); d != nil {
		return d.dir
	}
	return nil
}

// domainByID returns the domain of kind with id, or nil.
func (s *Service) domainByID(ctx context.Context, kind string, id int64) *domain {
	for _, d := range s.domainList(ctx) {
		if d.id == id && d.kind == kind {
			return d
		}
	}
	return nil
}

// buildDomain makes the Directory of a stored domain. One that cannot
// serve (not joined, its secret unreadable) is kept with the reason, so
// that the API shows it and its users are refused with it.
func (s *Service) buildDomain(ctx context.Context, rec store.DirectoryDomain) *domain {
	d := &domain{id: rec.ID, kind: rec.Type, rec: rec}
	if err := json.Unmarshal(rec.Spec, &d.spec); err != nil {
		d.err = fmt.Errorf("directory domain %s: stored configuration: %w", rec.Domain, err)
		s.audit.ErrorContext(ctx, "directory domain unusable", "domain", rec.Domain, "error", d.err)
		return d
	}
	if d.isIdP() {
		return d // no directory: its users sign in through the provider
	}
	var secret string
	if len(rec.SecretEnc) > 0 {
		b, err := s.box.Open(rec.SecretEnc, domainSecretAD(rec.Domain))
		if err != nil {
			d.err = fmt.Errorf("directory domain %s: the bind secret cannot be unsealed: %w", rec.Domain, err)
			s.audit.ErrorContext(ctx, "directory domain unusable", "domain", rec.Domain, "error", d.err)
			return d
		}
		secret = string(b)
	}
	cfg, err := s.directoryConfig(rec, d.spec, secret)
	if err == nil {
		d.dir, err = directory.New(cfg)
	}
	d.err = err
	return d
}

// domainSecretAD binds a sealed bind secret to its domain, whose name
// never changes, so that a secret copied to another row does not open.
func domainSecretAD(name string) []byte { return []byte("directory-domain:" + strings.ToLower(name)) }

// directoryConfig is the directory.Config of a stored domain.
func (s *Service) directoryConfig(rec store.DirectoryDomain, sp storedSpec, secret string) (directory.Config, error) {
	cfg := directory.Config{Domain: rec.Domain, Tenant: rec.TenantID, RootCA: s.dirCAFile,
		Timeout: directory.DefaultTimeout}
	var servers []string
	switch {
	case rec.Type == store.DirectoryAD && sp.AD != nil:
		if sp.BindDN == "" {
			return cfg, fmt.Errorf("directory domain %s is not joined: %s", rec.Domain, sp.JoinError)
		}
		cfg.Type, cfg.BaseDN, cfg.BindDN, cfg.BindPassword = directory.TypeActiveDirectory, domainspec.BaseDN(rec.Domain), sp.BindDN, secret
		for _, h := range sp.AD.Servers() {
			servers = append(servers, "ldaps://"+withPort(h, "636"))
		}
	case rec.Type == store.DirectoryLDAP && sp.LDAP != nil:
		l := sp.LDAP
		cfg.Type, cfg.BaseDN = directory.TypeLDAP, *l.BaseDistinguishedName
		if *l.AuthType == domainspec.AuthAnonymous {
			cfg.Anonymous = true
		} else {
			cfg.BindDN, cfg.BindPassword = *l.SimpleAuthParams.UserDistinguishedName, secret
		}
		scheme, port := "ldap://", "389"
		if l.UseSSL() {
			scheme, port = "ldaps://", "636"
		} else {
			cfg.StartTLS = true // no password goes out in clear
		}
		if l.Port != nil {
			port = fmt.Sprint(*l.Port)
		}
		for _, h := range l.Servers() {
			servers = append(servers, scheme+withPort(h, port))
		}
		cfg.UserSearch = directory.UserSearch{UsernameAttr: deref(l.AttributeUsername), FullNameAttr: deref(l.AttributeCommonName),
			MemberOfAttr: deref(l.AttributeMemberOf)}
		if c := deref(l.ObjectClassUser); c != "" {
			cfg.UserSearch.Filter = "(objectClass=" + c + ")"
		}
		if c := deref(l.ObjectClassGroup); c != "" {
			cfg.GroupSearch.Filter = "(objectClass=" + c + ")"
		}
	default:
		return cfg, fmt.Errorf("directory domain %s: unknown type %q", rec.Domain, rec.Type)
	}
	cfg.URL, cfg.MoreURLs = servers[0], servers[1:]
	return cfg, nil
}

// withPort adds port to host unless it names one.
func withPort(host, port string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(host, port)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
