// Package store defines the persistence contract of clusteriam: the records
// it keeps, the Store interface every backend implements, and the sentinel
// errors backends return. The conformance suite in storetest holds every
// backend to the same behaviour.
package store

import (
	"context"
	"errors"
	"strings"

	"github.com/clusteriam/clusteriam/internal/names"
)

// Sentinel errors. Backends wrap them with detail (which name, which sid);
// callers test with errors.Is.
var (
	// ErrNotFound: the record addressed does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a unique key (user name, group name, role name,
	// credential hash) is taken.
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalidReference: a record names another that does not exist
	// (a role, a group member).
	ErrInvalidReference = errors.New("invalid reference")
	// ErrInUse: the record is still referenced and cannot be deleted.
	ErrInUse = errors.New("in use")
	// ErrUnavailable: the database could not be reached or went away
	// mid-operation. A write that fails so may or may not have committed.
	ErrUnavailable = errors.New("the database is unavailable")
	// ErrSchemaTooNew: the database was migrated by a newer clusteriam.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)

// Fold is the case folding used for case-insensitive uniqueness of names.
// Backends store Fold(name) beside the name and index that. It is the
// comparison key of package names: PRECIS UsernameCaseMapped, or
// strings.ToLower for what that profile refuses.
func Fold(s string) string { return names.Key(s) }

// MinTrigramTerm is the fewest characters of a partial name that the
// backends' trigram indexes serve: a shorter one has no trigram and is
// tested on every name a list reads.
const MinTrigramTerm = 3

// User is a cluster user, LOCAL or added from a directory domain.
type User struct {
	SID      string
	Domain   string
	Username string

	Description string
	Email       string
	// FullName is a directory user's, as its directory has it; "" for a
	// LOCAL user.
	FullName string
	// PasswordHash is an encoded argon2id hash; empty for directory users.
	PasswordHash string
	Roles        []string

	EffectiveTimeMsecs *int64
	ExpiryTimeMsecs    *int64

	Locked       bool
	LockedReason string // one of the wire enum; "" means NotLocked
	Restricted   bool

	AllowSMBAccessToken bool
	ForcePasswordChange bool

	S3AccessKeyID string
	S3AccountID   string
	// S3SecretEnc is the S3 secret sealed with AES-256-GCM.
	S3SecretEnc []byte

	// TenantID is the organization the user belongs to: a Tenant's ID,
	// or "" for the cluster itself. Names are unique per tenant and
	// domain.
	TenantID string

	SourceIDs []int64
	ViewIDs   []int64

	CreatedMsecs   int64
	UpdatedMsecs   int64
	LastLoginMsecs int64 // 0: never
	// PasswordSetMsecs is when the password was last set (0: never): the
	// age passwordLifetime bounds.
	PasswordSetMsecs int64
	// ReactivatedMsecs is when an administrator last unlocked the user or
	// set its password (0: never): the unused time that
	// accountLockout.inactivityTimeDays bounds starts again there.
	ReactivatedMsecs int64

	// FailedLogins counts the failed log-ins since FailedSinceMsecs;
	// LockedUntilMsecs, when set, is when a lock they caused ends.
	FailedLogins     int64
	FailedSinceMsecs int64
	LockedUntilMsecs int64
	// LoginsPending counts the log-ins that reserved a check of the
	// password and have not yet settled; the reservations lapse at
	// LoginsPendingUntilMsecs, should a process die in between.
	LoginsPending           int64
	LoginsPendingUntilMsecs int64

	// PasswordCap, when not nil, bounds the privileges of sessions opened
	// with the password: another principal set it, holding no more than
	// these (see Session.Cap).
	PasswordCap []string

	// Groups holds the sids of the groups the user is a member of. It is
	// filled on read and ignored on write: membership belongs to groups.
	Groups []string
	// DirectoryGroups holds, for a directory user, the sids of the
	// cluster groups its directory put it in (nested ones included) at
	// its last log-in.
	DirectoryGroups []string
	// IdPRoles holds, for a user of an identity provider's domain, the
	// roles the provider gave it at its last single sign-on: those its
	// role attribute named, or the provider's default roles.
	IdPRoles []string
}

// Group is a cluster group, LOCAL or added from a directory domain.
type Group struct {
	SID         string
	Domain      string
	Name        string
	Description string
	Roles       []string
	Restricted  bool
	// TenantID is the organization the group belongs to ("" for the
	// cluster), as User.TenantID. Names are unique per tenant and domain.
	TenantID string
	// Members holds the sids of member users (LOCAL groups only).
	Members []string

	SourceIDs []int64
	ViewIDs   []int64

	CreatedMsecs int64
	UpdatedMsecs int64
}

// Role is a named set of privileges.
type Role struct {
	// Name is the role's key, unique across the cluster: an
	// organization's custom role is keyed by the organization's id and
	// its name ("acme/ops"); the cluster's roles by their name (see
	// iam.RoleName). Users and groups hold keys.
	Name          string
	Label         string
	Description   string
	Privileges    []string
	IsUserCreated bool
	// TenantID is the organization a custom role belongs to ("" for the
	// cluster). Built-in roles have none and serve every tenant.
	TenantID     string
	CreatedMsecs int64
	UpdatedMsecs int64
}

// APIKey is a user API key. Only the SHA-256 hash of the secret is kept.
type APIKey struct {
	ID               string
	UserSID          string
	Name             string
	Hash             []byte
	IsActive         bool
	ExpiryTimeMsecs  *int64
	CreatedBySID     string
	CreatedMsecs     int64
	LastRotatedMsecs int64 // 0: never
	// Cap, when not nil, bounds the privileges the key carries: another
	// principal minted it, holding no more than these.
	Cap []string
}

// Session kinds. An access token is a session presented as Bearer. An
// enrolment session may only enrol a second factor.
const (
	SessionKindSession = "session"
	SessionKindToken   = "token"
	SessionKindEnrol   = "mfa-enrol"
)

// Session is a log-in session or access token. Only the SHA-256 hash of its
// secret is kept.
type Session struct {
	Hash         []byte
	UserSID      string
	Kind         string
	CreatedMsecs int64
	ExpiresMsecs int64
	// LastUsedMsecs is the last use recorded. Uses are recorded at most
	// so often (package iam says how often), so it may lag the last use.
	LastUsedMsecs int64
	// Cap, when not nil, bounds the privileges the session carries.
	Cap []string
}

// UserMFA is what one user holds of second factors. A user without any
// has none stored (ErrNotFound), which reads as the zero UserMFA.
type UserMFA struct {
	UserSID string
	// The TOTP key in use: its id, name and secret sealed with AES-GCM.
	// TOTPSecretEnc is nil when the user has none.
	TOTPKeyID, TOTPKeyName string
	TOTPSecretEnc          []byte
	// A TOTP key enrolled and not yet confirmed by a code from it; the
	// first log-in with one makes it the key in use.
	PendingKeyID, PendingKeyName string
	PendingSecretEnc             []byte
	PendingCreatedMsecs          int64
	// TOTPLastStep is the time step of the last TOTP code accepted: no
	// code of that step or an earlier one is accepted again.
	TOTPLastStep int64
	// The e-mailed code in flight: a keyed hash, never the code, and
	// when it lapses. Nil when none is.
	EmailCodeHash         []byte
	EmailCodeExpiresMsecs int64
	// EmailSends counts the codes sent since EmailSendsSinceMsecs.
	EmailSends           int64
	EmailSendsSinceMsecs int64
	UpdatedMsecs         int64
}

// Directory domain types: directories users log in through with a
// password, and identity providers that vouch for their users.
const (
	DirectoryAD   = "activeDirectory"
	DirectoryLDAP = "ldap"
	// DirectorySAML is a SAML 2.0 identity provider.
	DirectorySAML = "saml"
	// DirectoryOpenIDConnect and DirectoryOAuth2 are issuers of JWTs the
	// cluster trusts.
	DirectoryOpenIDConnect = "openIdConnect"
	DirectoryOAuth2        = "oAuth2"
)

// DomainKey is the key under which a domain of type typ and name domain
// is unique. Directories and SAML providers share one name space: a
// domain name has one source of users. A JWT issuer's key is its type's
// own, so that an OpenID Connect issuer, an OAuth2 issuer and a SAML
// provider may serve one domain, as one provider often does all three.
func DomainKey(typ, domain string) string {
	switch typ {
	case DirectoryOpenIDConnect, DirectoryOAuth2:
		return typ + ":" + Fold(domain)
	}
	return Fold(domain)
}

// DirectoryDomain is an Active Directory domain, an LDAP provider or an
// identity provider added through the API. The store keeps its
// configuration as iam encodes it; it reads none of it but the domain.
type DirectoryDomain struct {
	// ID is assigned by CreateDirectoryDomain: positive, never reused.
	ID   int64
	Type string // one of the Directory types
	// Domain is the name users log in with; unique by DomainKey.
	Domain   string
	TenantID string // the organization the domain serves ("" the cluster)
	// Spec is the configuration without secrets, as iam encodes it.
	Spec []byte
	// SecretEnc is the sealed secret the cluster binds with: an LDAP
	// provider's bind password or an AD machine account's password.
	SecretEnc    []byte
	CreatedMsecs int64
	UpdatedMsecs int64
}

// Tenant statuses, as the vendor's TenantInfo.status names them.
const (
	TenantActive            = "Active"
	TenantInactive          = "Inactive"
	TenantMarkedForDeletion = "MarkedForDeletion"
	TenantDeleted           = "Deleted"
)

// Tenant is an organization of the cluster. Its ID is its parent's ID
// ("" for a top-level one) followed by its suffix and "/", so that an
// ID is a prefix of the IDs of every tenant below it. A deleted tenant
// stays, with status TenantDeleted, so that its ID is never reused.
type Tenant struct {
	ID                string
	Name              string
	Description       string
	Status            string
	IsManagedOnHelios bool
	Network           *TenantNetwork // nil: none given
	CreatedMsecs      int64
	UpdatedMsecs      int64
	DeletedMsecs      int64 // 0: not deleted
}

// TenantNetwork is how a tenant's network reaches the cluster.
type TenantNetwork struct {
	ConnectorEnabled bool
	ClusterHostname  string
	ClusterIPs       []string
}

// TenantFilter selects tenants. Empty fields do not filter; lists OR
// within themselves, fields AND together.
type TenantFilter struct {
	IDs      []string
	Statuses []string
	// Under, when not "", selects that tenant and every tenant below it:
	// those whose ID starts with it.
	Under string
}

// ClusterInfo identifies the store's cluster; it is created once.
type ClusterInfo struct {
	ClusterID   int64
	Incarnation int64
}

// UserFilter selects users. Empty fields do not filter. Lists OR within
// themselves, fields AND together.
type UserFilter struct {
	Domain    string
	SIDs      []string
	Usernames []string
	// MatchPartialNames makes Usernames case-insensitive substrings;
	// otherwise they match whole names, case-insensitively.
	MatchPartialNames bool
	Emails            []string // case-insensitive
	Roles             []string
	// TenantIDs selects the users of these tenants ("" the cluster's).
	TenantIDs []string
	// InDirectoryGroups selects directory users whose directory put them
	// in one of these groups at their last log-in (User.DirectoryGroups).
	InDirectoryGroups []string
	// Locked, when not nil, selects the users locked (true) or not
	// (false) as the service shows them, by Lock's terms.
	Locked *bool
	Lock   LockTerms
	// Expired, when not nil, selects the users whose expiry time is
	// (true) or is not (false) at or before NowMsecs.
	Expired  *bool
	NowMsecs int64
	// After, when not nil, selects only the users after it in the list's
	// order (creation time, then sid): the next page of a keyset paging.
	After *UserCursor
	// Limit, when positive, returns only the first Limit users.
	Limit int
}

// UserCursor is a place in the list of users, which is ordered by
// creation time, then sid: the last user of a page.
type UserCursor struct {
	CreatedMsecs int64
	SID          string
}

// LockTerms say when a user counts as locked, the store keeping only part
// of it: a user is locked when its stored lock has not run out, or when
// it is unused past the inactivity lock-out, which is recorded only at
// its next log-in.
type LockTerms struct {
	// A stored lock of reason RunsOutReason whose LockedUntilMsecs is set
	// and at or before NowMsecs (UserFilter's) has run out.
	RunsOutReason string
	// UnusedSince, when positive, also counts as locked the users of
	// UnusedDomain created, last logged in and last reactivated at or
	// before it, but those in Exempt (sids).
	UnusedSince  int64
	UnusedDomain string
	Exempt       []string
}

// GroupFilter selects groups, as UserFilter does users.
type GroupFilter struct {
	Domain            string
	SIDs              []string
	Names             []string
	MatchPartialNames bool
	Roles             []string
	// TenantIDs selects the groups of these tenants ("" the cluster's).
	TenantIDs []string
}

// RoleFilter selects roles. Empty fields do not filter.
type RoleFilter struct {
	Names []string
	// TenantIDs selects the custom roles of these tenants ("" the
	// cluster's) and every built-in role.
	TenantIDs []string
}

// APIKeyFilter selects API keys. IsActive/IsExpired are evaluated by the
// caller-supplied NowMsecs.
type APIKeyFilter struct {
	IDs       []string
	OwnerSIDs []string
	IsActive  *bool
	IsExpired *bool
	NowMsecs  int64
}

// SessionCount is the number of live sessions of one user.
type SessionCount struct {
	UserSID string
	Count   int64
}

// Reader is what can be read: from the store, each call in its own
// snapshot, or inside a write transaction (Tx), where reads see the
// transaction's own writes.
type Reader interface {
	GetUser(ctx context.Context, sid string) (User, error)
	// GetUserByName matches the user of tenantID ("" the cluster's) by
	// the Fold keys of domain and username.
	GetUserByName(ctx context.Context, tenantID, domain, username string) (User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)

	GetGroup(ctx context.Context, sid string) (Group, error)
	ListGroups(ctx context.Context, f GroupFilter) ([]Group, error)

	GetRole(ctx context.Context, name string) (Role, error)
	// ListRoles returns the roles f selects, by name.
	ListRoles(ctx context.Context, f RoleFilter) ([]Role, error)

	GetTenant(ctx context.Context, id string) (Tenant, error)
	// ListTenants returns the tenants f selects, by ID.
	ListTenants(ctx context.Context, f TenantFilter) ([]Tenant, error)

	GetAPIKey(ctx context.Context, id string) (APIKey, error)
	GetAPIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	ListAPIKeys(ctx context.Context, f APIKeyFilter) ([]APIKey, error)

	GetSessionByHash(ctx context.Context, hash []byte) (Session, error)
	// CountSessions counts sessions alive at nowMsecs, per user, for the
	// users given (all when empty). Users without sessions are left out.
	CountSessions(ctx context.Context, userSIDs []string, nowMsecs int64) ([]SessionCount, error)
	// CountLiveSessions is CountSessions of the sessions that are also
	// used: when usedAfterMsecs is not 0, only those whose last use
	// recorded is after it count.
	CountLiveSessions(ctx context.Context, userSIDs []string, nowMsecs, usedAfterMsecs int64) ([]SessionCount, error)

	// PasswordHistory returns the hashes of the former passwords of user
	// sid that are kept, newest first; none when it has none (or does not
	// exist).
	PasswordHistory(ctx context.Context, sid string) ([]string, error)

	// GetUserMFA returns the second factors of user sid, ErrNotFound when
	// it holds none (or does not exist).
	GetUserMFA(ctx context.Context, sid string) (UserMFA, error)

	GetDirectoryDomain(ctx context.Context, id int64) (DirectoryDomain, error)
	// ListDirectoryDomains returns every directory domain, by ID.
	ListDirectoryDomains(ctx context.Context) ([]DirectoryDomain, error)

	// GetSetting returns the value of the named setting, ErrNotFound when
	// it has none. Inside a transaction, it sees the transaction's own
	// PutSetting.
	GetSetting(ctx context.Context, name string) ([]byte, error)

	// LookalikeNames returns, for each of candidates that has one, the
	// name of a user, group or role (as kind says) of tenantID and in
	// domain (both ignored for roles, whose names are the cluster's)
	// whose skeleton (names.Skeleton) is the candidate's but whose key
	// (Fold) is not. Candidates without one are left out.
	LookalikeNames(ctx context.Context, kind names.Kind, tenantID, domain string, candidates []string) (map[string]string, error)
}

// Tx is one write transaction, handed to the function given to
// Store.Update. Its writes commit together, with the audit entries
// appended to it, when that function returns nil, and vanish together
// otherwise.
//
// Update methods call fn with the record as the transaction reads it
// (locked against concurrent writers) and store what fn returns. Build the
// new record from fn's argument and change only the fields the request
// names: a value read before the transaction, or outside fn, may be stale
// by the time fn runs, and writing it back loses a concurrent update.
//
//	tx.UpdateGroup(ctx, sid, func(g store.Group) (store.Group, error) {
//		g.Description = *upd.Description // what the request names, no more
//		return g, nil
//	})
type Tx interface {
	Reader

	// LockPrincipals serialises this transaction with every other that
	// calls it, across processes, until it ends. Call it first in a
	// transaction that checks an invariant spanning many records (the
	// last administrator), so that two such transactions cannot each see
	// the other's record still there.
	LockPrincipals(ctx context.Context) error

	// LockSessions serialises this transaction with every other that
	// calls it, across processes, until it ends. A log-in that counts
	// sessions against a limit takes it before counting, so that two
	// log-ins cannot both pass the limit.
	LockSessions(ctx context.Context) error

	// NoSync lets this transaction's commit return before it is on disk,
	// where the backend can: a crash right after may lose it. Use it only
	// for state that is worthless after a crash and lapses on its own
	// (a log-in's reservation of a password check), never for a write a
	// client is told has happened.
	NoSync(ctx context.Context) error

	// CreateUsers inserts all users or none. A duplicate (tenant, domain,
	// username) gives ErrAlreadyExists naming it; an unknown role
	// ErrInvalidReference.
	CreateUsers(ctx context.Context, users []User) error
	UpdateUser(ctx context.Context, sid string, fn func(User) (User, error)) (User, error)
	// DeleteUsers deletes all users or none (ErrNotFound naming the first
	// missing sid), with their memberships, API keys and sessions.
	DeleteUsers(ctx context.Context, sids []string) error

	// CreateGroups inserts all groups or none. Members must be existing
	// users (ErrInvalidReference), roles existing roles.
	CreateGroups(ctx context.Context, groups []Group) error
	UpdateGroup(ctx context.Context, sid string, fn func(Group) (Group, error)) (Group, error)
	DeleteGroups(ctx context.Context, sids []string) error

	// UpsertBuiltinRole creates or replaces a built-in role.
	UpsertBuiltinRole(ctx context.Context, r Role) error
	CreateRole(ctx context.Context, r Role) error
	UpdateRole(ctx context.Context, name string, fn func(Role) (Role, error)) (Role, error)
	// DeleteRole fails with an *InUseError (wrapping ErrInUse) while a user
	// or group holds the role.
	DeleteRole(ctx context.Context, name string) error

	CreateAPIKey(ctx context.Context, k APIKey) error
	UpdateAPIKey(ctx context.Context, id string, fn func(APIKey) (APIKey, error)) (APIKey, error)
	DeleteAPIKey(ctx context.Context, id string) error

	CreateSession(ctx context.Context, s Session) error
	// DeleteSessions deletes the sessions of userSID (all users when
	// empty), except the one whose hash is keep (may be nil). It returns
	// how many went.
	DeleteSessions(ctx context.Context, userSID string, keep []byte) (int64, error)
	// DeleteSession deletes the one session of userSID whose hash is hash
	// (a log-out), and returns how many went: 1, or 0 when there was none.
	DeleteSession(ctx context.Context, userSID string, hash []byte) (int64, error)

	// EndOldestSessions deletes the live sessions of userSID (as
	// CountLiveSessions counts them) but the newest keep, by creation, and
	// returns how many went.
	EndOldestSessions(ctx context.Context, userSID string, keep int, nowMsecs, usedAfterMsecs int64) (int64, error)

	// AddPasswordHistory keeps hash as the newest former password of user
	// sid, and of its former passwords no more than the newest keep:
	// none when keep is 0 or less, hash included. An empty hash adds
	// nothing. The user must exist (ErrInvalidReference). Call it in the
	// transaction that changes the user's password.
	AddPasswordHistory(ctx context.Context, sid, hash string, keep int) error
	// TrimPasswordHistory keeps of every user's former passwords no more
	// than the newest keep (none when keep is 0 or less), and returns how
	// many it deleted.
	TrimPasswordHistory(ctx context.Context, keep int) (int64, error)

	// CreateTenant inserts a tenant. An ID used before (deleted tenants
	// included), or a name (by Fold) of a tenant not deleted inside the
	// same parent, gives ErrAlreadyExists.
	CreateTenant(ctx context.Context, t Tenant) error
	// UpdateTenant changes a tenant; tenants are never removed (see
	// Tenant).
	UpdateTenant(ctx context.Context, id string, fn func(Tenant) (Tenant, error)) (Tenant, error)

	// UpdateUserMFA calls fn with the second factors of user sid, the
	// zero UserMFA (UserSID set) when it holds none, with the user's row
	// locked, and stores what fn returns. The user must exist
	// (ErrNotFound).
	UpdateUserMFA(ctx context.Context, sid string, fn func(UserMFA) (UserMFA, error)) (UserMFA, error)
	// DeleteUserMFA deletes the second factors of userSID (of every user
	// when empty) and returns how many users held any.
	DeleteUserMFA(ctx context.Context, userSID string) (int64, error)

	// CreateDirectoryDomain inserts d and returns its new ID. A domain
	// taken (by DomainKey) gives ErrAlreadyExists.
	CreateDirectoryDomain(ctx context.Context, d DirectoryDomain) (int64, error)
	// UpdateDirectoryDomain changes domain id; its ID, type and domain
	// cannot change.
	UpdateDirectoryDomain(ctx context.Context, id int64, fn func(DirectoryDomain) (DirectoryDomain, error)) (DirectoryDomain, error)
	DeleteDirectoryDomain(ctx context.Context, id int64) error

	// PutSetting stores value as the named setting, replacing any.
	PutSetting(ctx context.Context, name string, value []byte) error

	// PutOnce records key for purpose until expiresMsecs: an id to be
	// used once, such as a SAML request's or assertion's. A live entry
	// of that purpose and key (one not expired at nowMsecs) gives
	// ErrAlreadyExists; an expired one is replaced.
	PutOnce(ctx context.Context, purpose string, key []byte, nowMsecs, expiresMsecs int64) error
	// TakeOnce deletes the entry of purpose and key, and gives
	// ErrNotFound unless it was live at nowMsecs.
	TakeOnce(ctx context.Context, purpose string, key []byte, nowMsecs int64) error

	// AppendAudit records entries in this transaction. IDs are assigned;
	// those given are ignored.
	AppendAudit(ctx context.Context, entries ...AuditEntry) error
}

// Change says what a write transaction changed, as far as caches of
// credentials and privileges care: the users whose record, roles, keys or
// sessions changed, or, with All, possibly anyone's privileges (groups and
// roles).
type Change struct {
	Users []string
	All   bool
}

// Empty reports whether c changed nothing a cache holds.
func (c Change) Empty() bool { return !c.All && len(c.Users) == 0 }

// Store is the persistence contract. Every method is safe for concurrent
// use. Every write goes through Update, which commits durably before it
// returns nil.
type Store interface {
	Reader

	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error

	// Update runs fn in one write transaction and commits what it wrote
	// when it returns nil; an error from fn aborts the transaction and is
	// returned as is. fn may run more than once, when the backend retries
	// a transaction that lost a race, so it must not act outside tx.
	// After a transaction that may have committed, Update announces what
	// it changed to the functions given to OnChange, before it returns.
	Update(ctx context.Context, fn func(Tx) error) error
	// OnChange registers fn to hear every change Update makes (see
	// Change). Register before the store is used.
	OnChange(fn func(Change))

	// ClusterInfo returns the cluster identity, creating it on first call
	// with the values given.
	ClusterInfo(ctx context.Context, init ClusterInfo) (ClusterInfo, error)
	// Setting returns the value of the named setting, storing init as it
	// first when it has none; later calls return the stored value.
	Setting(ctx context.Context, name string, init []byte) ([]byte, error)
	// NextRIDs reserves n relative ids and returns the first; ids are
	// never handed out twice, even across crashes.
	NextRIDs(ctx context.Context, n int) (int64, error)

	// DeleteExpiredSessions removes sessions expired at nowMsecs.
	DeleteExpiredSessions(ctx context.Context, nowMsecs int64) (int64, error)
	// DeleteExpiredOnce removes the single-use entries (PutOnce)
	// expired at nowMsecs and returns how many went.
	DeleteExpiredOnce(ctx context.Context, nowMsecs int64) (int64, error)
	// DeleteIdleSessions removes the sessions whose last use recorded is
	// at or before usedBeforeMsecs, and returns how many went.
	DeleteIdleSessions(ctx context.Context, usedBeforeMsecs int64) (int64, error)
	// TouchSession records usedMsecs as the last use of the session whose
	// secret hashes to hash, if the one recorded is at or before
	// ifUsedBeforeMsecs, and reports whether it did. It announces no
	// change: a use changes no credential and no privilege.
	TouchSession(ctx context.Context, hash []byte, usedMsecs, ifUsedBeforeMsecs int64) (bool, error)
	// ListAudit returns the entries f selects, newest first, and how
	// many it selects in all, regardless of Offset and Limit.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, int64, error)
	// DeleteAuditBefore removes the entries older than usecs and returns
	// how many went.
	DeleteAuditBefore(ctx context.Context, usecs int64) (int64, error)
	// DeleteAuditBeyond removes the oldest entries beyond the newest
	// keep and returns how many went.
	DeleteAuditBeyond(ctx context.Context, keep int64) (int64, error)
	// EachAudit calls fn with each entry f selects, newest first, as it
	// is read, and returns how many f selects in all, regardless of
	// Offset and Limit, counted in the same snapshot before the first
	// call. An error from fn ends the read and is returned.
	EachAudit(ctx context.Context, f AuditFilter, fn func(AuditEntry) error) (int64, error)

	// Tally counts users, locked users, groups, live sessions and expiring
	// keys as f says, in one snapshot, without reading the records: an
	// overview's numbers for any size of cluster.
	Tally(ctx context.Context, f TallyFilter) (Tally, error)
}

// InUseError says who still holds a record that was to be deleted.
type InUseError struct {
	What    string   // e.g. `role "X"`
	Holders []string // e.g. `user LOCAL\bob`, `group LOCAL\ops`
}

func (e *InUseError) Error() string {
	return e.What + " is still assigned to " + strings.Join(e.Holders, ", ")
}

// Unwrap makes errors.Is(err, ErrInUse) true.
func (e *InUseError) Unwrap() error { return ErrInUse }
