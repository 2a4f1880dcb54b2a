package httpapi

import (
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Wire models, named after the vendor's. Rules of wire-format.md: booleans,
// counts and lists are always sent (no omitempty, [] not null); a field is
// left out only when it has no value at all.

type errorJSON struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

type localUserResponseParams struct {
	Email string `json:"email,omitempty"`
}

type s3AccountParams struct {
	S3AccessKeyID string `json:"s3AccessKeyId,omitempty"`
	S3AccountID   string `json:"s3AccountId,omitempty"`
}

type userParams struct {
	Description          string                   `json:"description,omitempty"`
	EffectiveTimeMsecs   *int64                   `json:"effectiveTimeMsecs,omitempty"`
	ExpiryTimeMsecs      *int64                   `json:"expiryTimeMsecs,omitempty"`
	Locked               bool                     `json:"locked"`
	Restricted           bool                     `json:"restricted"`
	Roles                []string                 `json:"roles"`
	CreatedTimeMsecs     int64                    `json:"createdTimeMsecs"`
	Domain               string                   `json:"domain"`
	ForcePasswordChange  bool                     `json:"forcePasswordChange"`
	LastLoginTimeMsecs   *int64                   `json:"lastLoginTimeMsecs,omitempty"`
	LastUpdatedTimeMsecs int64                    `json:"lastUpdatedTimeMsecs"`
	LocalUserParams      *localUserResponseParams `json:"localUserParams,omitempty"`
	LockedReason         string                   `json:"lockedReason"`
	OtherGroups          []string                 `json:"otherGroups"`
	S3AccountParams      *s3AccountParams         `json:"s3AccountParams,omitempty"`
	SID                  string                   `json:"sid"`
	TenantID             string                   `json:"tenantId,omitempty"`
	Username             string                   `json:"username"`
}

type usersList struct {
	Users []userParams `json:"users"`
}

// mapAll converts every record of a list; the result is never nil.
func mapAll[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func toUser(u store.User) userParams {
	out := userParams{
		Description: u.Description, EffectiveTimeMsecs: u.EffectiveTimeMsecs, ExpiryTimeMsecs: u.ExpiryTimeMsecs,
		Locked: u.Locked, Restricted: u.Restricted, Roles: iam.RoleNames(u.Roles, u.TenantID), CreatedTimeMsecs: u.CreatedMsecs,
		Domain: u.Domain, ForcePasswordChange: u.ForcePasswordChange, LastUpdatedTimeMsecs: u.UpdatedMsecs,
		LockedReason: u.LockedReason, OtherGroups: nonNil(u.Groups), SID: u.SID, TenantID: u.TenantID, Username: u.Username,
	}
	if out.LockedReason == "" {
		out.LockedReason = iam.NotLocked
	}
	if u.LastLoginMsecs > 0 {
		out.LastLoginTimeMsecs = &u.LastLoginMsecs
	}
	if u.Domain == iam.LocalDomain {
		out.LocalUserParams = &localUserResponseParams{Email: u.Email}
	}
	if u.S3AccessKeyID != "" {
		out.S3AccountParams = &s3AccountParams{S3AccessKeyID: u.S3AccessKeyID, S3AccountID: u.S3AccountID}
	}
	return out
}

func toUsers(users []store.User) usersList { return usersList{Users: mapAll(users, toUser)} }

type localGroupParams struct {
	UserSids []string `json:"userSids"`
}

type smbPrincipal struct {
	Domain      string `json:"domain,omitempty"`
	Name        string `json:"name,omitempty"`
	ObjectClass string `json:"objectClass,omitempty"`
}

type groupParams struct {
	Description          string            `json:"description,omitempty"`
	Domain               string            `json:"domain"`
	LocalGroupParams     *localGroupParams `json:"localGroupParams,omitempty"`
	Name                 string            `json:"name"`
	Restricted           bool              `json:"restricted"`
	Roles                []string          `json:"roles"`
	TenantIDs            []string          `json:"tenantIds"`
	CreatedTimeMsecs     int64             `json:"createdTimeMsecs"`
	LastUpdatedTimeMsecs int64             `json:"lastUpdatedTimeMsecs"`
	SID                  string            `json:"sid"`
	SMBPrincipals        []smbPrincipal    `json:"smbPrincipals"`
}

type groupsJSON struct {
	Groups []groupParams `json:"groups"`
}

func toGroup(g store.Group) groupParams {
	out := groupParams{
		Description: g.Description, Domain: g.Domain, Name: g.Name, Restricted: g.Restricted,
		Roles: iam.RoleNames(g.Roles, g.TenantID), TenantIDs: tenantIDs(g.TenantID), CreatedTimeMsecs: g.CreatedMsecs,
		LastUpdatedTimeMsecs: g.UpdatedMsecs, SID: g.SID, SMBPrincipals: []smbPrincipal{},
	}
	if g.Domain == iam.LocalDomain {
		out.LocalGroupParams = &localGroupParams{UserSids: nonNil(g.Members)}
	}
	return out
}

func toGroups(groups []store.Group) groupsJSON { return groupsJSON{Groups: mapAll(groups, toGroup)} }

type userAPIKey struct {
	CreatedByUserSID     string `json:"createdByUserSid"`
	CreatedTimeMsecs     int64  `json:"createdTimeMsecs"`
	ExpiryTimeMsecs      *int64 `json:"expiryTimeMsecs,omitempty"`
	ID                   string `json:"id"`
	IsActive             bool   `json:"isActive"`
	IsExpired            bool   `json:"isExpired"`
	LastRotatedTimeMsecs *int64 `json:"lastRotatedTimeMsecs,omitempty"`
	Name                 string `json:"name"`
	UserSID              string `json:"userSid"`
}

type createdUserAPIKey struct {
	userAPIKey
	APIKey string `json:"apiKey"`
}

type userAPIKeys struct {
	APIKeys []userAPIKey `json:"apiKeys"`
}

func toAPIKey(k iam.APIKey) userAPIKey {
	out := userAPIKey{
		CreatedByUserSID: k.CreatedBySID, CreatedTimeMsecs: k.CreatedMsecs, ExpiryTimeMsecs: k.ExpiryTimeMsecs,
		ID: k.ID, IsActive: k.IsActive, Name: k.Name, UserSID: k.UserSID, IsExpired: k.IsExpired,
	}
	if k.LastRotatedMsecs > 0 {
		out.LastRotatedTimeMsecs = &k.LastRotatedMsecs
	}
	return out
}

type userSessionsCount struct {
	SessionsCount int64  `json:"sessionsCount"`
	SID           string `json:"sid"`
}

type activeSessionsCountParams struct {
	SessionsPerUser    []userSessionsCount `json:"sessionsPerUser"`
	TotalSessionsCount int64               `json:"totalSessionsCount"`
}

type userSession struct {
	SessionID string `json:"sessionId"`
}

type accessTokenResponse struct {
	AccessToken string   `json:"accessToken"`
	Privileges  []string `json:"privileges"`
	TokenType   string   `json:"tokenType"`
}

type assignedSources struct {
	SourceIDs []int64 `json:"sourceIds"`
	ViewIDs   []int64 `json:"viewIds"`
}

type securityPrincipal struct {
	DomainName    string `json:"domainName"`
	FullName      string `json:"fullName,omitempty"`
	ObjectClass   string `json:"objectClass"`
	PrincipalName string `json:"principalName"`
	SID           string `json:"sid"`
}

type securityPrincipals struct {
	SecurityPrincipals []securityPrincipal `json:"securityPrincipals"`
}

type secretKeyEntity struct {
	SecretKey string `json:"secret-key"`
}

type roleJSON struct {
	Name                      string   `json:"name"`
	Description               string   `json:"description,omitempty"`
	Privileges                []string `json:"privileges"`
	CreatedTimestampMsecs     int64    `json:"createdTimestampMsecs"`
	IsUserCreatedRole         bool     `json:"isUserCreatedRole"`
	Label                     string   `json:"label"`
	LastUpdatedTimestampMsecs int64    `json:"lastUpdatedTimestampMsecs"`
	TenantIDs                 []string `json:"tenantIds"`
}

type rolesJSON struct {
	Roles []roleJSON `json:"roles"`
}

func toRole(r store.Role) roleJSON {
	return roleJSON{
		Name: iam.RoleName(r.Name, r.TenantID), Description: r.Description, Privileges: nonNil(r.Privileges),
		CreatedTimestampMsecs: r.CreatedMsecs, IsUserCreatedRole: r.IsUserCreated, Label: r.Label,
		LastUpdatedTimestampMsecs: r.UpdatedMsecs, TenantIDs: tenantIDs(r.TenantID),
	}
}

type privilegeJSON struct {
	Category            string `json:"category"`
	Description         string `json:"description"`
	ID                  int64  `json:"id"`
	IsAvailableOnHelios bool   `json:"isAvailableOnHelios"`
	IsCustomRoleDefault bool   `json:"isCustomRoleDefault"`
	IsSpecial           bool   `json:"isSpecial"`
	IsViewOnly          bool   `json:"isViewOnly"`
	Label               string `json:"label"`
	Name                string `json:"name"`
}

type privilegesJSON struct {
	Privileges []privilegeJSON `json:"privileges"`
}

// tenantIDs is the wire's list of the organizations a group or role is
// for: the one it belongs to, or none for the cluster's.
func tenantIDs(id string) []string {
	if id == "" {
		return []string{}
	}
	return []string{id}
}
