package iam

import (
	"fmt"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/tenant"
)

// Who may do what to whom is decided here, and only here: every operation
// of the service asks decide before it writes or returns anything. The
// rules, in order:
//
//  1. Privilege: the act needs the privileges of its rule, except on
//     oneself where the rule allows it.
//  2. Reach: an act on another principal (removals included: delete,
//     end sessions, lock, take roles or members away) needs every
//     privilege the target holds, special ones aside, and so for every
//     principal the act affects (a group's members).
//  3. Grant (checkGrant): roles and privileges handed out must be the
//     caller's own.
//  4. Organization: a principal acts only on records of the
//     organization it acts in and those below it. Anything else answers
//     as if it did not exist (ErrNotFound), so that ids do not leak. An
//     organization's principals never hold the cluster-only privileges
//     (forTenant), which rules 1 to 3 then take care of.
//  5. Invariants, checked after the write in the same transaction
//     (keepAdmins): the built-in admin is never deleted; someone always
//     holds every privilege.
//
// Targets are loaded inside the transaction of the write, so that the
// decision and the write see the same rows.

// Act is what an operation does to its target.
type Act int

// Acts. An operation may need several: PUT /v2/users/{sid} with roles and
// a password is ActChangeRoles and ActSetPassword.
const (
	ActRead               Act = iota + 1
	ActCreate                 // a new user, group or role
	ActChangeProfile          // description, e-mail
	ActChangeRoles            // a user's or group's roles, a role's privileges
	ActChangeMembers          // a group's members
	ActChangeRestrictions     // locked, restricted, effective and expiry times
	ActChangeSources          // source and view assignments
	ActSetPassword            // set a user's password
	ActDelete                 // delete a user, group or role
	ActEndSessions            // end a user's sessions
	ActReadCredentials        // list a user's API keys and sessions
	ActReadAllCredentials     // list every user's API keys
	ActMintCredential         // make, rotate, reactivate or extend an API key
	ActRevokeCredential       // delete, deactivate or shorten an API key
	ActRegenerateS3Key        // a new S3 secret
	ActChangeStatus           // activate or deactivate an organization
	ActEnrolFactor            // enrol a second factor, or have a code sent
	ActResetFactors           // erase a user's second factors
	ActSearch                 // search a directory domain for principals
)

var actVerbs = map[Act]string{
	ActRead: "read", ActCreate: "create", ActChangeProfile: "change",
	ActChangeRoles: "change the roles of", ActChangeMembers: "change the members of",
	ActChangeRestrictions: "lock, unlock, restrict or re-date", ActChangeSources: "change the sources of",
	ActSetPassword: "set the password of", ActDelete: "delete", ActEndSessions: "end the sessions of",
	ActReadCredentials: "read the credentials of", ActReadAllCredentials: "read every user's credentials",
	ActMintCredential:   "make or extend credentials of",
	ActRevokeCredential: "revoke credentials of", ActRegenerateS3Key: "regenerate the S3 key of",
	ActChangeStatus: "activate or deactivate",
	ActEnrolFactor:  "enrol a second factor of", ActResetFactors: "reset the second factors of",
	ActSearch: "search",
}

// TargetKind is the kind of record an act is on.
type TargetKind int

// Target kinds.
const (
	KindUser TargetKind = iota + 1
	KindGroup
	KindRole
	KindAudit
	KindTenant
	KindMFAConfig      // the cluster's MFA setting
	KindSecurityConfig // the cluster's security settings
	KindDirectory      // an Active Directory domain or LDAP provider
	KindIdP            // an identity provider: SAML, OpenID Connect or OAuth2
)

var kindNames = map[TargetKind]string{KindUser: "user", KindGroup: "group", KindRole: "role",
	KindAudit: "audit trail", KindTenant: "organization", KindMFAConfig: "MFA setting",
	KindSecurityConfig: "security settings", KindDirectory: "directory domain",
	KindIdP: "identity provider"}

// Target is what an act is on, with what the rules need to know of it.
type Target struct {
	Kind TargetKind
	// ID is a sid or a role name; "" for a kind as a whole (a list, a
	// create, or every user's sessions).
	ID   string
	Name string // e.g. `LOCAL\bob`, a role's name
	// Privileges are the target's effective privileges: for a user, its
	// own roles' and its groups'; for a group or role, those it grants.
	Privileges []string
	// Affected are the other principals the act changes: the members of
	// a group whose roles change, the members added or removed.
	Affected []Target
	// BuiltinAdmin marks the admin made at first start.
	BuiltinAdmin bool
	// Tenant is the organization the target belongs to ("" the
	// cluster's); for an organization, the organization itself.
	Tenant string
	// Shared marks a built-in role, which serves every organization.
	Shared bool
}

// String names t in messages, e.g. `user LOCAL\bob`.
func (t Target) String() string { return kindNames[t.Kind] + " " + t.Name }

// selfRule says how a rule treats an act on oneself.
type selfRule int

const (
	selfAsOthers selfRule = iota // the same privileges; reach holds trivially
	selfFree                     // no privilege needed
	selfRefused                  // never on oneself
)

// rule is what one act on one kind of target needs.
type rule struct {
	privs []string // all of them
	anyOf bool     // one of privs is enough
	self  selfRule
	// selfPrivs replace privs on oneself, when set.
	selfPrivs []string
	// evenDue: allowed on oneself while one's password must be changed.
	evenDue bool
	reach   bool // the target (and Affected) must be within reach
	// below: the target organization must be strictly inside the one
	// the caller acts in; an organization does not change itself.
	below bool
	// enrolling: allowed with a session that may only enrol a second
	// factor (Principal.MFAEnrolOnly).
	enrolling bool
}

type kindAct struct {
	kind TargetKind
	act  Act
}

var (
	view          = []string{PrivPrincipalView}
	modify        = []string{PrivPrincipalModify}
	adViewPrivs   = []string{PrivADLDAPView}
	adModifyPrivs = []string{PrivADLDAPModify}
)

// rules is the privilege catalog's side of every act; docs/privileges.md
// describes it.
var rules = map[kindAct]rule{
	{KindUser, ActRead}:               {privs: view, self: selfFree, evenDue: true},
	{KindUser, ActCreate}:             {privs: modify},
	{KindUser, ActChangeProfile}:      {privs: modify, self: selfFree, evenDue: true, reach: true},
	{KindUser, ActChangeRoles}:        {privs: modify, reach: true},
	{KindUser, ActChangeRestrictions}: {privs: modify, self: selfRefused, reach: true},
	{KindUser, ActChangeSources}:      {privs: modify, self: selfRefused, reach: true},
	{KindUser, ActSetPassword}:        {privs: modify, self: selfFree, evenDue: true, reach: true},
	{KindUser, ActDelete}:             {privs: modify, self: selfRefused, reach: true},
	{KindUser, ActEndSessions}:        {privs: modify, self: selfFree, evenDue: true, reach: true, enrolling: true},
	{KindUser, ActReadCredentials}:    {privs: view, self: selfFree, evenDue: true},
	{KindUser, ActReadAllCredentials}: {privs: modify},
	{KindUser, ActMintCredential}:     {privs: modify, self: selfFree, reach: true},
	{KindUser, ActRevokeCredential}:   {privs: modify, self: selfFree, evenDue: true, reach: true},
	{KindUser, ActRegenerateS3Key}: {privs: []string{PrivS3KeyModify, PrivPrincipalModify},
		selfPrivs: []string{PrivS3KeyModify}, reach: true},
	// One's own factors only: no vendor operation names another user.
	{KindUser, ActEnrolFactor}:  {privs: modify, self: selfFree, evenDue: true, reach: true, enrolling: true},
	{KindUser, ActResetFactors}: {privs: modify, self: selfRefused, reach: true},

	{KindGroup, ActRead}:               {privs: view},
	{KindGroup, ActCreate}:             {privs: modify},
	{KindGroup, ActChangeProfile}:      {privs: modify, reach: true},
	{KindGroup, ActChangeRoles}:        {privs: modify, reach: true},
	{KindGroup, ActChangeMembers}:      {privs: modify, reach: true},
	{KindGroup, ActChangeRestrictions}: {privs: modify, reach: true},
	{KindGroup, ActChangeSources}:      {privs: modify, reach: true},
	{KindGroup, ActDelete}:             {privs: modify, reach: true},

	{KindRole, ActRead}:          {privs: []string{PrivPrincipalView, PrivRoleView}, anyOf: true},
	{KindRole, ActCreate}:        {privs: []string{PrivRoleModify}},
	{KindRole, ActChangeProfile}: {privs: []string{PrivRoleModify}, reach: true},
	{KindRole, ActChangeRoles}:   {privs: []string{PrivRoleModify}, reach: true},
	{KindRole, ActDelete}:        {privs: []string{PrivRoleModify}, reach: true},

	{KindAudit, ActRead}: {privs: []string{PrivAuditLogView}},

	{KindTenant, ActRead}:          {privs: []string{PrivOrgView}},
	{KindTenant, ActCreate}:        {privs: []string{PrivOrgModify}},
	{KindTenant, ActChangeProfile}: {privs: []string{PrivOrgModify}, below: true},
	{KindTenant, ActChangeStatus}:  {privs: []string{PrivOrgModify}, below: true},
	{KindTenant, ActDelete}:        {privs: []string{PrivOrgModify}, below: true},

	// Reading the MFA setting needs no privilege, as on the vendor's
	// clusters: a user about to enrol must learn which factors it takes.
	{KindMFAConfig, ActRead}:          {self: selfFree, enrolling: true},
	{KindMFAConfig, ActChangeProfile}: {privs: []string{PrivMFAModify}},

	{KindSecurityConfig, ActRead}:          {privs: []string{PrivSecurityView}},
	{KindSecurityConfig, ActChangeProfile}: {privs: []string{PrivSecurityModify}},

	// A domain's servers decide who its users are: changing them is as
	// good as setting every one's password, so it needs their privileges
	// (the target's are those of the domain's users and groups).
	{KindDirectory, ActRead}:          {privs: adViewPrivs},
	{KindDirectory, ActSearch}:        {privs: []string{PrivPrincipalView, PrivADLDAPView}},
	{KindDirectory, ActCreate}:        {privs: adModifyPrivs, reach: true},
	{KindDirectory, ActChangeProfile}: {privs: adModifyPrivs, reach: true},
	{KindDirectory, ActDelete}:        {privs: adModifyPrivs, reach: true},

	// An identity provider decides who its domain's users are and may
	// assert roles: the target's privileges are those of its domain's
	// users and groups and of the roles it may assert (idps.go, jwtidp.go).
	{KindIdP, ActRead}:          {privs: []string{PrivPrincipalView}},
	{KindIdP, ActCreate}:        {privs: []string{PrivPrincipalModify}, reach: true},
	{KindIdP, ActChangeProfile}: {privs: []string{PrivPrincipalModify}, reach: true},
	{KindIdP, ActDelete}:        {privs: []string{PrivPrincipalModify}, reach: true},
}

// decide returns nil when p may do act to t, or a KindForbidden error
// that says why not.
// May reports whether p's privileges allow act on a record of kind in the
// organization it acts in, before any particular record: what a console
// offers p. The operation itself decides again, on its target.
func (s *Service) May(p *Principal, act Act, kind TargetKind) bool {
	return s.decide(p, act, Target{Kind: kind, Tenant: p.tenant()}) == nil
}

func (s *Service) decide(p *Principal, act Act, t Target) error {
	r, ok := rules[kindAct{t.Kind, act}]
	if !ok {
		return fmt.Errorf("authorization: no rule for %s on a %s", actVerbs[act], kindNames[t.Kind])
	}
	if p.MFAEnrolOnly && !r.enrolling {
		return errEnrolOnly
	}
	self := t.Kind == KindUser && t.ID != "" && p.isSelf(t.ID)
	// One's own factors are one's own in whatever organization one acts.
	if !(self && r.enrolling) {
		if err := p.inScope(t); err != nil {
			return err
		}
	}
	if self {
		switch {
		case r.self == selfRefused:
			return forbidden("you cannot %s yourself; another administrator must", actVerbs[act])
		case !r.evenDue:
			if err := p.passwordChangeDue(); err != nil {
				return err
			}
		}
		if r.self == selfFree {
			return nil
		}
	} else if err := p.passwordChangeDue(); err != nil {
		return err
	}
	privs := r.privs
	if self && r.selfPrivs != nil {
		privs = r.selfPrivs
	}
	if err := s.needPrivileges(p, privs, r.anyOf); err != nil {
		return err
	}
	if r.below && !tenant.Below(t.Tenant, p.tenant()) {
		return forbidden("%s is the organization you act in; only the administrators of the one above it may %s it", t, actVerbs[act])
	}
	if act == ActDelete && t.BuiltinAdmin {
		return forbidden("%s is the built-in administrator, which cannot be deleted", t)
	}
	if !r.reach {
		return nil
	}
	if t.ID == "" && act == ActEndSessions {
		// Every user's sessions: only who reaches everyone.
		if !s.holdsAll(p) {
			return forbidden("ending every user's sessions needs every privilege (you could end those of users who hold more than you); end them user by user")
		}
		return nil
	}
	for _, x := range append([]Target{t}, t.Affected...) {
		if x.Kind == KindUser && p.isSelf(x.ID) {
			continue
		}
		if priv, ok := s.lacking(p, x.Privileges); ok {
			return forbidden("%s holds privilege %q, which you do not; you cannot %s it", x, priv, actVerbs[act])
		}
	}
	return nil
}

// inScope fails with ErrNotFound, as if t did not exist, unless t is of
// the organization p acts in or one below it. A kind as a whole (a list,
// a create) is always in scope: lists are scoped by the query, creations
// happen in the organization p acts in.
func (p *Principal) inScope(t Target) error {
	if t.ID == "" || t.Shared || p.reaches(t.Tenant) {
		for _, x := range t.Affected {
			if !p.reaches(x.Tenant) {
				return notFoundErr(x)
			}
		}
		return nil
	}
	return notFoundErr(t)
}

// notFoundErr is the error of a target that does not exist, worded as
// the store words it.
func notFoundErr(t Target) error {
	return fmt.Errorf("%s %q: %w", kindNames[t.Kind], t.ID, store.ErrNotFound)
}

// needPrivileges fails unless p holds all of privs (one of them, with
// anyOf).
func (s *Service) needPrivileges(p *Principal, privs []string, anyOf bool) error {
	if anyOf {
		if slices.ContainsFunc(privs, p.Has) {
			return nil
		}
		labels := make([]string, len(privs))
		for i, priv := range privs {
			labels[i] = fmt.Sprintf("%q (%s)", priv, s.privByName[priv].Label)
		}
		return forbidden("this operation needs one of the privileges %s", strings.Join(labels, " or "))
	}
	for _, priv := range privs {
		if !p.Has(priv) {
			return forbidden("this operation needs the %q privilege (%s)", priv, s.privByName[priv].Label)
		}
	}
	return nil
}

// lacking returns the first of privs, special ones aside, that p does not
// hold. Special privileges are not part of Admin, and Admin assigns them.
func (s *Service) lacking(p *Principal, privs []string) (string, bool) {
	for _, priv := range privs {
		if !p.Has(priv) && !s.privByName[priv].IsSpecial {
			return priv, true
		}
	}
	return "", false
}

// holdsAll reports whether p holds every privilege, special ones aside:
// whom nothing is out of reach of. COHESITY_ADMIN grants that, and so may
// a custom role.
func (s *Service) holdsAll(p *Principal) bool {
	_, missing := s.lacking(p, s.allPrivileges)
	return !missing
}

// checkGrant refuses privileges the caller would hand out, to a
// principal of organization tenantID, without holding them, special ones
// aside: nobody grants more than it has. What the organization's
// principals cannot hold (forTenant) is not handed out.
func (s *Service) checkGrant(p *Principal, tenantID string, privs []string) error {
	if priv, ok := s.lacking(p, forTenant(tenantID, privs)); ok {
		return forbidden("you cannot grant privilege %q, which you do not hold", priv)
	}
	return nil
}

// checkNoRaise refuses a change that would give the caller privileges it
// does not hold now, special ones included: nobody raises their own.
func checkNoRaise(p *Principal, privs []string) error {
	for _, priv := range privs {
		if !p.Has(priv) {
			return forbidden("you cannot give yourself privilege %q", priv)
		}
	}
	return nil
}
