package domainspec

import (
	"errors"
	"fmt"
)

// SimpleAuthParams are the bind credentials of an LDAP provider of
// authType Simple. UserPassword is write-only: never answered, and kept
// as it was when a request leaves it out or null.
type SimpleAuthParams struct {
	UserDistinguishedName *string `json:"userDistinguishedName,omitempty"`
	UserPassword          *string `json:"userPassword,omitempty"`
	UseSSL                *bool   `json:"useSsl,omitempty"`
}

// LDAP is the vendor's Ldap model: an LDAP provider.
type LDAP struct {
	Name                  *string           `json:"name"`
	BaseDistinguishedName *string           `json:"baseDistinguishedName"`
	AuthType              *string           `json:"authType"`
	PreferredLdapServers  []string          `json:"preferredLdapServers,omitempty"`
	DomainName            *string           `json:"domainName,omitempty"`
	Port                  *int32            `json:"port,omitempty"`
	ActiveDirectoryID     *int64            `json:"activeDirectoryId,omitempty"`
	AdDomainName          *string           `json:"adDomainName,omitempty"`
	AttributeCommonName   *string           `json:"attributeCommonName,omitempty"`
	AttributeGid          *string           `json:"attributeGid,omitempty"`
	AttributeUid          *string           `json:"attributeUid,omitempty"`
	AttributeMemberOf     *string           `json:"attributeMemberOf,omitempty"`
	AttributeUsername     *string           `json:"attributeUsername,omitempty"`
	ObjectClassGroup      *string           `json:"objectClassGroup,omitempty"`
	ObjectClassUser       *string           `json:"objectClassUser,omitempty"`
	SimpleAuthParams      *SimpleAuthParams `json:"simpleAuthParams,omitempty"`
	ID                    *int64            `json:"id,omitempty"`
	TenantID              *string           `json:"tenantId,omitempty"`
}

// Check checks an LDAP provider as a create or update request gives it.
// domainName is required here: it is the domain its users log in with.
func (l *LDAP) Check() error {
	switch {
	case deref(l.Name) == "":
		return errors.New("name is required")
	case deref(l.BaseDistinguishedName) == "":
		return errors.New("baseDistinguishedName is required")
	case l.AuthType == nil:
		return errors.New("authType is required: Anonymous or Simple")
	case l.DomainName == nil:
		return errors.New("domainName is required: it is the domain the provider's users log in with")
	}
	if err := oneOf("authType", *l.AuthType, AuthTypes); err != nil {
		return err
	}
	if err := CheckDomainName("domainName", *l.DomainName); err != nil {
		return err
	}
	if err := checkText("name", *l.Name, 128); err != nil {
		return err
	}
	if err := checkText("baseDistinguishedName", *l.BaseDistinguishedName, 1024); err != nil {
		return err
	}
	if l.PreferredLdapServers != nil && len(l.PreferredLdapServers) == 0 {
		return errors.New("preferredLdapServers, when given, holds at least one server")
	}
	if err := checkList("preferredLdapServers", l.PreferredLdapServers, checkHost); err != nil {
		return err
	}
	if p := l.Port; p != nil && (*p < 1 || *p > 65535) {
		return fmt.Errorf("port %d: want 1 to 65535", *p)
	}
	for _, a := range []struct {
		field string
		v     *string
	}{{"attributeCommonName", l.AttributeCommonName}, {"attributeGid", l.AttributeGid}, {"attributeUid", l.AttributeUid},
		{"attributeMemberOf", l.AttributeMemberOf}, {"attributeUsername", l.AttributeUsername},
		{"objectClassGroup", l.ObjectClassGroup}, {"objectClassUser", l.ObjectClassUser}} {
		if a.v != nil && !attrPattern.MatchString(*a.v) {
			return fmt.Errorf("%s %q: an LDAP attribute or class name (a letter, then letters, digits or '-')", a.field, *a.v)
		}
	}
	if l.AdDomainName != nil {
		if err := CheckDomainName("adDomainName", *l.AdDomainName); err != nil {
			return err
		}
	}
	sa := l.SimpleAuthParams
	switch {
	case *l.AuthType == AuthSimple && (sa == nil || deref(sa.UserDistinguishedName) == ""):
		return errors.New("simpleAuthParams.userDistinguishedName is required with authType Simple")
	case *l.AuthType == AuthAnonymous && sa != nil && (deref(sa.UserDistinguishedName) != "" || deref(sa.UserPassword) != ""):
		return errors.New("authType Anonymous takes no userDistinguishedName or userPassword")
	case sa != nil && sa.UserDistinguishedName != nil:
		return checkText("simpleAuthParams.userDistinguishedName", *sa.UserDistinguishedName, 1024)
	}
	return nil
}

// Stored is l as the cluster keeps it: no password, id or tenant (the
// store has those).
func (l LDAP) Stored() LDAP {
	l.ID, l.TenantID = nil, nil
	if sa := l.SimpleAuthParams; sa != nil {
		c := *sa
		c.UserPassword = nil
		l.SimpleAuthParams = &c
	}
	return l
}

// Servers are the host[:port] of the provider's servers, in order: the
// preferred ones, else the domain's own name.
func (l *LDAP) Servers() []string {
	if len(l.PreferredLdapServers) > 0 {
		return l.PreferredLdapServers
	}
	return []string{deref(l.DomainName)}
}

// UseSSL reports whether the provider is reached over ldaps://.
func (l *LDAP) UseSSL() bool {
	return l.SimpleAuthParams != nil && deref(l.SimpleAuthParams.UseSSL)
}
