// Package iam holds the rules of clusteriam: who may do what to users,
// groups, roles, keys, sessions and principals, and how credentials are
// checked. It speaks in store records and plain inputs; the HTTP layer
// translates the wire format.
package iam

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/certlogin"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/tenant"
)

// LocalDomain is the domain of users and groups kept by the cluster itself.
const LocalDomain = "LOCAL"

// MaxBulk is the most entries one bulk request may carry.
const MaxBulk = 1000

// Config tunes a Service. Zero values take the defaults.
type Config struct {
	// SessionLifetime is how long a session or access token lives
	// (default 12h, the longest ASVS 3.3.2 allows at level 2).
	SessionLifetime time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Audit receives one line per change (default slog.Default()).
	Audit *slog.Logger
	// Directories are the directory domains whose users and groups may
	// be added; their domain names must differ without regard to case.
	// Each serves the organization its Tenant names, or the cluster.
	Directories []Directory
	// Bus carries credential-cache invalidations between replicas sharing
	// the store; nil for a store only this process serves.
	Bus InvalidationBus
	// Lockout locks accounts after repeated failed log-ins.
	Lockout LockoutPolicy
	// AuditRetention is how long audit entries are kept (default 365
	// days; negative: for ever).
	AuditRetention time.Duration
	// AuditMaxRows is how many audit entries are kept: the oldest beyond
	// it are purged (default DefaultAuditMaxRows; negative: no cap).
	AuditMaxRows int64
	// MinPasswordLength is the fewest characters a new password may have
	// (default DefaultMinPasswordLength; at least 8).
	MinPasswordLength int
	// BreachedPasswords, when set, lists passwords no new password may be.
	BreachedPasswords *auth.PasswordList
	// MaxAPIKeysPerUser bounds the API keys one user may hold (default
	// DefaultMaxAPIKeysPerUser).
	MaxAPIKeysPerUser int
	// Mailer sends e-mailed one-time codes; nil: e-mail is no factor.
	Mailer Mailer
	// EmailCodesPerHour bounds the codes e-mailed to one user in an hour
	// (default DefaultEmailCodesPerHour).
	EmailCodesPerHour int
	// ClientCAs, when set, checks certificate log-ins; nil refuses them.
	ClientCAs *certlogin.Verifier
	// DirectoryCAFile is a PEM file of the CAs trusted for the servers
	// of directory domains added through the API; empty: the system's.
	DirectoryCAFile string
	// GroupRecheck is how often, at most, a directory user's group
	// memberships are read again while its credentials are used
	// (default DefaultGroupRecheck).
	GroupRecheck time.Duration
	// AuthCacheEntries bounds the credentials whose principals are kept
	// in memory, and the directory users whose last group reading is
	// (default DefaultAuthCacheEntries).
	AuthCacheEntries int
	// IdPClient fetches the keys and metadata of trusted JWT issuers;
	// nil: a client with a timeout that follows no redirect off HTTPS.
	IdPClient *http.Client
}

// DefaultGroupRecheck is Config.GroupRecheck's default.
const DefaultGroupRecheck = 5 * time.Minute

// LockoutPolicy locks an account after Threshold failed log-ins within
// Window, for Duration; an admin may unlock it sooner. Zero fields take
// the defaults (5 in 15 minutes, for 15 minutes); a negative Threshold
// turns lock-out off.
type LockoutPolicy struct {
	Threshold int
	Window    time.Duration
	Duration  time.Duration
}

// InvalidationBus carries messages to every process serving the store
// (PostgreSQL's LISTEN/NOTIFY; *postgres.Store is one).
type InvalidationBus interface {
	// Publish sends payload to every listener, this process's included.
	Publish(ctx context.Context, payload string) error
	// Listen calls fn with every payload until ctx ends; up says whether
	// it hears them at the moment.
	Listen(ctx context.Context, fn func(payload string), up func(listening bool))
}

// Service applies the rules. It is safe for concurrent use.
type Service struct {
	store      store.Store
	hasher     *auth.Hasher
	box        *auth.SecretBox
	cluster    store.ClusterInfo
	privileges []Privilege
	privByName map[string]Privilege
	// allPrivileges names every privilege but the special ones: who holds
	// them all is out of nobody's reach.
	allPrivileges []string
	builtins      map[string]bool
	sessionTTL    time.Duration
	now           func() time.Time
	audit         *slog.Logger
	domains       domainRegistry
	dirCAFile     string        // trusted for the API's directory domains
	groupRecheck  time.Duration // how often a directory user's groups are read again
	groups        groupChecks   // when they were
	cache         *authCache
	lockout       LockoutPolicy
	// auditRetention is how long audit entries are kept; 0: for ever.
	auditRetention time.Duration
	minPasswordLen int
	breached       *auth.PasswordList
	maxKeys        int
	bus            InvalidationBus // nil: a single process
	bg             pending         // failed log-ins being settled
	auditMaxRows   int64           // 0: no cap
	floods         failedLogins    // of unknown users, counted (auditflood.go)
	mailer         Mailer          // nil: no e-mailed codes
	emailPerHour   int
	clientCAs      *certlogin.Verifier // nil: no certificate log-in
	policy         policyCache         // the stored security config, briefly
	jwt            *jwtTrusts          // trusted JWT issuers' verifiers
	sp             spKeys              // the SAML SP key, once read
}

// New returns a Service over st. It creates the cluster identity on first
// use and installs the built-in roles.
func New(ctx context.Context, st store.Store, h *auth.Hasher, box *auth.SecretBox, cfg Config) (*Service, error) {
	s := &Service{store: st, hasher: h, box: box, sessionTTL: cfg.SessionLifetime, now: cfg.Now, audit: cfg.Audit,
		bus: cfg.Bus}
	if err := s.configure(cfg); err != nil {
		return nil, err
	}
	s.jwt = newJWTTrusts(cfg.IdPClient, s)
	// Every write the store commits invalidates what it changed, here and,
	// through the bus, on the other replicas.
	st.OnChange(s.invalidate)
	if s.bus != nil {
		s.listen(ctx)
	}
	for _, d := range cfg.Directories {
		if id := d.Tenant(); id != "" {
			if err := tenant.Check(id); err != nil {
				return nil, fmt.Errorf("directory domain %q: tenant: %w", d.Domain(), err)
			}
		}
	}
	if err := s.initDomains(cfg.Directories); err != nil {
		return nil, err
	}
	s.privileges = catalog()
	s.privByName = make(map[string]Privilege, len(s.privileges))
	for _, p := range s.privileges {
		s.privByName[p.Name] = p
		if !p.IsSpecial {
			s.allPrivileges = append(s.allPrivileges, p.Name)
		}
	}
	init, err := randomClusterInfo()
	if err != nil {
		return nil, err
	}
	if s.cluster, err = st.ClusterInfo(ctx, init); err != nil {
		return nil, fmt.Errorf("cluster identity: %w", err)
	}
	if err := checkSecretKey(ctx, st, box); err != nil {
		return nil, err
	}
	if err := s.initSecurityConfig(ctx); err != nil {
		return nil, err
	}
	if err := s.installBuiltinRoles(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// configure applies cfg's settings and their defaults.
func (s *Service) configure(cfg Config) error {
	if s.sessionTTL <= 0 {
		s.sessionTTL = 12 * time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.audit == nil {
		s.audit = slog.Default()
	}
	s.lockout = cfg.Lockout
	s.mailer, s.clientCAs = cfg.Mailer, cfg.ClientCAs
	s.dirCAFile, s.groupRecheck = cfg.DirectoryCAFile, cmp.Or(cfg.GroupRecheck, DefaultGroupRecheck)
	s.emailPerHour = cmp.Or(cfg.EmailCodesPerHour, DefaultEmailCodesPerHour)
	if s.emailPerHour < 1 {
		return fmt.Errorf("the codes e-mailed to one user in an hour must be at least 1, not %d", s.emailPerHour)
	}
	s.auditRetention = cfg.AuditRetention
	s.auditMaxRows = max(cmp.Or(cfg.AuditMaxRows, DefaultAuditMaxRows), 0)
	s.breached = cfg.BreachedPasswords
	s.maxKeys = cmp.Or(cfg.MaxAPIKeysPerUser, DefaultMaxAPIKeysPerUser)
	entries := cmp.Or(cfg.AuthCacheEntries, DefaultAuthCacheEntries)
	if entries < 1 {
		return fmt.Errorf("auth cache entries: %d; at least 1", entries)
	}
	s.cache, s.groups.max = newAuthCache(entries), entries
	if s.maxKeys < 1 {
		return fmt.Errorf("the most API keys one user may hold must be at least 1, not %d", s.maxKeys)
	}
	s.minPasswordLen = cmp.Or(cfg.MinPasswordLength, DefaultMinPasswordLength)
	if s.minPasswordLen < lowestMinPasswordLength || s.minPasswordLen > maxPasswordChars {
		return fmt.Errorf("the shortest password may be %d to %d characters, not %d",
			lowestMinPasswordLength, maxPasswordChars, s.minPasswordLen)
	}
	switch {
	case s.auditRetention == 0:
		s.auditRetention = 365 * 24 * time.Hour
	case s.auditRetention < 0:
		s.auditRetention = 0
	}
	if s.lockout.Threshold == 0 {
		s.lockout.Threshold = 5
	}
	if s.lockout.Window <= 0 {
		s.lockout.Window = 15 * time.Minute
	}
	if s.lockout.Duration <= 0 {
		s.lockout.Duration = 15 * time.Minute
	}
	return nil
}

// installBuiltinRoles writes the built-in roles where the store does not
// hold them as they are: a write (and its fsync) at every start is not
// needed.
func (s *Service) installBuiltinRoles(ctx context.Context) error {
	s.builtins = make(map[string]bool)
	stored := map[string]store.Role{}
	existing, err := s.store.ListRoles(ctx, store.RoleFilter{})
	if err != nil {
		return fmt.Errorf("roles: %w", err)
	}
	for _, r := range existing {
		stored[r.Name] = r
	}
	var changed []store.Role
	for _, r := range builtinRoles(s.privileges) {
		s.builtins[r.Name] = true
		r.CreatedMsecs, r.UpdatedMsecs = 0, 0
		if cur, ok := stored[r.Name]; !ok || !sameBuiltin(cur, r) {
			changed = append(changed, r)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		for _, r := range changed {
			if err := tx.UpsertBuiltinRole(ctx, r); err != nil {
				return fmt.Errorf("built-in role %s: %w", r.Name, err)
			}
		}
		return nil
	})
}

// ErrSecretKeyMismatch: the S3-secret key given is not the one the store
// was set up with.
var ErrSecretKeyMismatch = errors.New("the S3-secret encryption key is not the one this database was set up with")

// secretKeyCheck names the setting that identifies the S3-secret key.
const secretKeyCheck = "secret_key_check"

// checkSecretKey records which key seals the store's S3 secrets on first
// use, and refuses another one after: a replica with the wrong key would
// seal secrets no other replica can open.
func checkSecretKey(ctx context.Context, st store.Store, box *auth.SecretBox) error {
	want, err := st.Setting(ctx, secretKeyCheck, box.Check())
	if err != nil {
		return fmt.Errorf("secret key check: %w", err)
	}
	if subtle.ConstantTimeCompare(want, box.Check()) != 1 {
		return fmt.Errorf("%w: give every replica the same --secret-key-file (or CLUSTERIAM_SECRET_KEY), or restore the original key", ErrSecretKeyMismatch)
	}
	return nil
}

func randomClusterInfo() (store.ClusterInfo, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return store.ClusterInfo{}, fmt.Errorf("cluster id: %w", err)
	}
	// Windows SID sub-authorities are 32-bit; keep both positive and non-zero.
	id := int64(binary.BigEndian.Uint32(b[:4])&0x7fffffff) | 1
	inc := int64(binary.BigEndian.Uint32(b[4:])&0x7fffffff) | 1
	return store.ClusterInfo{ClusterID: id, Incarnation: inc}, nil
}

// Ping reports whether the store answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

func (s *Service) nowMsecs() int64 { return s.now().UnixMilli() }

// NowMsecs is the service clock in epoch milliseconds; derived fields such as
// an API key's isExpired are computed against it, as its filters are.
func (s *Service) NowMsecs() int64 { return s.nowMsecs() }

// newSIDs reserves n SIDs in this cluster's LOCAL space.
func (s *Service) newSIDs(ctx context.Context, n int) ([]string, error) {
	first, err := s.store.NextRIDs(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("reserve sids: %w", err)
	}
	sids := make([]string, n)
	for i := range sids {
		sids[i] = fmt.Sprintf("S-1-100-21-%d-%d-%d", s.cluster.ClusterID, s.cluster.Incarnation, first+int64(i))
	}
	return sids, nil
}

// fillSIDs gives a new LOCAL SID to each of the n records whose SID field
// (sid(i)) is empty; directory principals have theirs already.
func (s *Service) fillSIDs(ctx context.Context, n int, sid func(i int) *string) error {
	var empty []*string
	for i := range n {
		if p := sid(i); *p == "" {
			empty = append(empty, p)
		}
	}
	if len(empty) == 0 {
		return nil
	}
	sids, err := s.newSIDs(ctx, len(empty))
	if err != nil {
		return err
	}
	for i, p := range empty {
		*p = sids[i]
	}
	return nil
}

// Principal is an authenticated caller.
type Principal struct {
	User       store.User
	Privileges []string // sorted names
	// SessionHash identifies the session or token used, nil for an API key.
	SessionHash []byte
	// Capped says the credential used carries fewer privileges than its
	// user holds: someone else minted it (see mintCap).
	Capped bool

	// TenantName names the user's organization ("" for the cluster).
	TenantName string
	// Acting, when Impersonating, is the organization p acts inside,
	// below its own, and ActingName its name (see Impersonate).
	Acting, ActingName string
	Impersonating      bool
	// MFAEnrolOnly marks a session that may only enrol a second factor:
	// a password log-in of a user who has none, while MFA is required
	// (see secondFactor).
	MFAEnrolOnly bool
}

// Tenant is the organization p acts in, as tenant says: what role names
// are seen from.
func (p *Principal) Tenant() string { return p.tenant() }

// tenant is the organization p acts in: its own, or the one it
// impersonates. "" is the cluster.
func (p *Principal) tenant() string {
	if p.Impersonating {
		return p.Acting
	}
	return p.User.TenantID
}

// tenantName names the organization p acts in.
func (p *Principal) tenantName() string {
	if p.Impersonating {
		return p.ActingName
	}
	return p.TenantName
}

// reaches reports whether records of organization id are within p's:
// the one it acts in or one below it.
func (p *Principal) reaches(id string) bool { return tenant.Within(id, p.tenant()) }

// Has reports whether p holds privilege name, and may use it: none is
// usable while p's password must be changed.
func (p *Principal) Has(name string) bool {
	_, ok := slices.BinarySearch(p.Privileges, name)
	return ok && !p.User.ForcePasswordChange && !p.MFAEnrolOnly
}

func (p *Principal) isSelf(sid string) bool { return p.User.SID == sid }

// passwordChangeDue fails while p's password must be changed: until then
// p may only change it, read itself and end its own sessions, so that a
// password the system made up never becomes the one used (ASVS 2.3.1).
func (p *Principal) passwordChangeDue() error {
	if !p.User.ForcePasswordChange {
		return nil
	}
	return forbidden("the password of %s must be changed first: PUT /v2/users/%s with localUserParams.password and localUserParams.currentPassword",
		domainUser(p.User.Domain, p.User.Username), p.User.SID)
}

// sameBuiltin reports whether the stored built-in role a is b already.
func sameBuiltin(a, b store.Role) bool {
	return !a.IsUserCreated && a.Label == b.Label && a.Description == b.Description &&
		slices.Equal(a.Privileges, b.Privileges) && a.TenantID == b.TenantID
}
