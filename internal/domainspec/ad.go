package domainspec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MachineAccount is a computer account that names the cluster in an
// Active Directory domain.
type MachineAccount struct {
	Name                  string   `json:"name"`
	DNSHostName           *string  `json:"dnsHostName,omitempty"`
	Encryption            []string `json:"encryption,omitempty"`
	ServicePrincipalNames []string `json:"servicePrincipalNames,omitempty"`
}

// DomainController names a domain controller; Status is read-only.
type DomainController struct {
	Name   string  `json:"name"`
	Status *string `json:"status,omitempty"`
}

// DomainControllers are the controllers of one domain.
type DomainControllers struct {
	DomainName  string             `json:"domainName"`
	Controllers []DomainController `json:"controllers"`
}

// TrustedDomain is one domain the Active Directory domain trusts.
type TrustedDomain struct {
	DomainName                 *string            `json:"domainName,omitempty"`
	PreferredDomainControllers []DomainController `json:"preferredDomainControllers,omitempty"`
	DomainControllersDenyList  []string           `json:"domainControllersDenyList,omitempty"`
}

// TrustedDomainParams are the trusted domains of an Active Directory
// domain and how they are discovered. DiscoveryStatus and TaskIdentifier
// are read-only.
type TrustedDomainParams struct {
	Enabled                   *bool           `json:"enabled"`
	TrustedDomains            []TrustedDomain `json:"trustedDomains,omitempty"`
	BlacklistedDomains        []string        `json:"blacklistedDomains,omitempty"`
	WhitelistedDomains        []string        `json:"whitelistedDomains,omitempty"`
	OnlyUseWhitelistedDomains *bool           `json:"onlyUseWhitelistedDomains,omitempty"`
	DiscoveryStatus           *string         `json:"discoveryStatus,omitempty"`
	TaskIdentifier            *string         `json:"taskIdentifier,omitempty"`
}

// AD is the configuration of an Active Directory domain: the vendor's
// CommonActiveDirectoryParams with the domain name and the update-only
// fields. It is what the cluster stores (no secret is in it) and the
// part of every response that comes from the configuration.
type AD struct {
	MachineAccounts             []MachineAccount     `json:"machineAccounts,omitempty"`
	ID                          *int64               `json:"id,omitempty"`
	OrganizationalUnitName      *string              `json:"organizationalUnitName,omitempty"`
	WorkGroupName               *string              `json:"workGroupName,omitempty"`
	PreferredDomainControllers  []DomainController   `json:"preferredDomainControllers,omitempty"`
	DomainControllersDenyList   []string             `json:"domainControllersDenyList,omitempty"`
	LdapProviderID              *int64               `json:"ldapProviderId,omitempty"`
	NisProviderDomainName       *string              `json:"nisProviderDomainName,omitempty"`
	ConnectionID                *int64               `json:"connectionId,omitempty"`
	TrustedDomainParams         *TrustedDomainParams `json:"trustedDomainParams,omitempty"`
	DomainName                  *string              `json:"domainName,omitempty"`
	TransitiveAdTrustLevelLimit *int32               `json:"transitiveAdTrustLevelLimit,omitempty"`
	IDMappingParams             json.RawMessage      `json:"idMappingParams,omitempty"`
}

// AdminParams are an Active Directory administrator's credentials, used
// for one request and never kept.
type AdminParams struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
}

// ADRequest is the body of create_active_directory and
// update_active_directory. Read-only fields a client sends back after a
// GET are ignored.
type ADRequest struct {
	AD
	ActiveDirectoryAdminParams *AdminParams `json:"activeDirectoryAdminParams,omitempty"`
	OverwriteMachineAccounts   *bool        `json:"overwriteMachineAccounts,omitempty"`
}

// PartialError is the vendor's ActiveDirectory.error: the domain was
// saved, but something about it needs fixing.
type PartialError struct {
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

// MachineAccountNeedFixing is the one code of PartialError.
const MachineAccountNeedFixing = "MachineAccountNeedFixing"

// Tenant is the part of the vendor's TenantInfo an ActiveDirectory's
// permissions name.
type Tenant struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// SecurityPrincipal is a user or group of a domain, as the vendor's
// SecurityPrincipal model has it.
type SecurityPrincipal struct {
	DomainName    string  `json:"domainName"`
	FullName      string  `json:"fullName,omitempty"`
	ObjectClass   string  `json:"objectClass"`
	PrincipalName string  `json:"principalName"`
	SID           *string `json:"sid"`
}

// ADResponse is the vendor's ActiveDirectory.
type ADResponse struct {
	AD
	DomainControllers  []DomainControllers `json:"domainControllers,omitempty"`
	SecurityPrincipals []SecurityPrincipal `json:"securityPrincipals,omitempty"`
	Permissions        []Tenant            `json:"permissions,omitempty"`
	Error              *PartialError       `json:"error,omitempty"`
}

// CheckCreate checks a create request: the domain, at least one machine
// account and the administrator's credentials are required.
func (r *ADRequest) CheckCreate() error {
	if r.DomainName == nil {
		return errors.New("domainName is required")
	}
	if err := CheckDomainName("domainName", *r.DomainName); err != nil {
		return err
	}
	if len(r.MachineAccounts) == 0 {
		return errors.New("machineAccounts is required: at least one, the first being the cluster's primary account")
	}
	if err := r.checkAdmin(true); err != nil {
		return err
	}
	return r.AD.check()
}

// CheckUpdate checks an update request: machine accounts are required,
// as in the vendor's model, and the administrator's credentials when the
// accounts change.
func (r *ADRequest) CheckUpdate(cur AD) error {
	if r.DomainName != nil && !strings.EqualFold(*r.DomainName, deref(cur.DomainName)) {
		return fmt.Errorf("domainName cannot change (%s); delete the domain and create another", deref(cur.DomainName))
	}
	if len(r.MachineAccounts) == 0 {
		return errors.New("machineAccounts is required: send the domain's machine accounts, the first unchanged")
	}
	if len(cur.MachineAccounts) > 0 && !strings.EqualFold(r.MachineAccounts[0].Name, cur.MachineAccounts[0].Name) {
		return fmt.Errorf("machineAccounts[0] is the primary machine account (%s) and cannot change", cur.MachineAccounts[0].Name)
	}
	if err := r.checkAdmin(false); err != nil {
		return err
	}
	return r.AD.check()
}

func (r *ADRequest) checkAdmin(required bool) error {
	a := r.ActiveDirectoryAdminParams
	if a == nil {
		if required {
			return errors.New("activeDirectoryAdminParams is required: an account allowed to create computer objects, used once and never kept")
		}
		return nil
	}
	if deref(a.Username) == "" || deref(a.Password) == "" {
		return errors.New("activeDirectoryAdminParams needs username and password")
	}
	return checkText("activeDirectoryAdminParams.username", *a.Username, 256)
}

// check checks the fields every request may carry.
func (a *AD) check() error {
	if len(a.MachineAccounts) > MaxList {
		return fmt.Errorf("machineAccounts holds %d items; at most %d", len(a.MachineAccounts), MaxList)
	}
	seen := map[string]bool{}
	for i, m := range a.MachineAccounts {
		f := fmt.Sprintf("machineAccounts[%d]", i)
		if !machinePattern.MatchString(m.Name) {
			return fmt.Errorf("%s.name %q: 1 to 15 letters, digits or '-', not starting or ending with '-'", f, m.Name)
		}
		if seen[strings.ToLower(m.Name)] {
			return fmt.Errorf("%s.name %q is given twice", f, m.Name)
		}
		seen[strings.ToLower(m.Name)] = true
		if m.DNSHostName != nil {
			if err := checkHost(f+".dnsHostName", *m.DNSHostName); err != nil {
				return err
			}
		}
		if err := checkList(f+".encryption", m.Encryption, func(f, v string) error { return oneOf(f, v, Encryptions) }); err != nil {
			return err
		}
		if err := checkList(f+".servicePrincipalNames", m.ServicePrincipalNames, func(f, v string) error { return checkText(f, v, 256) }); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		field string
		v     *string
	}{{"organizationalUnitName", a.OrganizationalUnitName}, {"workGroupName", a.WorkGroupName}, {"nisProviderDomainName", a.NisProviderDomainName}} {
		if t.v != nil {
			if err := checkText(t.field, *t.v, 256); err != nil {
				return err
			}
		}
	}
	if err := checkDCs("preferredDomainControllers", a.PreferredDomainControllers); err != nil {
		return err
	}
	if err := checkList("domainControllersDenyList", a.DomainControllersDenyList, checkHost); err != nil {
		return err
	}
	if a.TrustedDomainParams != nil {
		if err := a.TrustedDomainParams.Check(); err != nil {
			return err
		}
	}
	if l := a.TransitiveAdTrustLevelLimit; l != nil && *l < 0 {
		return errors.New("transitiveAdTrustLevelLimit must be 0 or more")
	}
	return checkIDMapping(a.IDMappingParams)
}

func checkDCs(field string, dcs []DomainController) error {
	names := make([]string, len(dcs))
	for i, dc := range dcs {
		names[i] = dc.Name
	}
	return checkList(field, names, checkHost)
}

// Check checks trusted-domain parameters.
func (p *TrustedDomainParams) Check() error {
	if p.Enabled == nil {
		return errors.New("trustedDomainParams.enabled is required")
	}
	if len(p.TrustedDomains) > MaxList {
		return fmt.Errorf("trustedDomainParams.trustedDomains holds %d items; at most %d", len(p.TrustedDomains), MaxList)
	}
	for i, t := range p.TrustedDomains {
		f := fmt.Sprintf("trustedDomainParams.trustedDomains[%d]", i)
		if t.DomainName == nil {
			return fmt.Errorf("%s.domainName is required", f)
		}
		if err := CheckDomainName(f+".domainName", *t.DomainName); err != nil {
			return err
		}
		if err := checkDCs(f+".preferredDomainControllers", t.PreferredDomainControllers); err != nil {
			return err
		}
		if err := checkList(f+".domainControllersDenyList", t.DomainControllersDenyList, checkHost); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		field string
		v     []string
	}{{"trustedDomainParams.blacklistedDomains", p.BlacklistedDomains}, {"trustedDomainParams.whitelistedDomains", p.WhitelistedDomains}} {
		if err := checkList(l.field, l.v, CheckDomainName); err != nil {
			return err
		}
	}
	return nil
}

// Stored is the configuration r gives, as the cluster keeps it: without
// the read-only fields and the administrator's credentials.
func (r *ADRequest) Stored() AD {
	a := r.AD
	a.ID = nil
	if string(a.IDMappingParams) == "null" {
		a.IDMappingParams = nil // not given, as null means everywhere
	}
	a.PreferredDomainControllers = namesOnly(a.PreferredDomainControllers)
	if t := a.TrustedDomainParams; t != nil {
		c := *t
		c.DiscoveryStatus, c.TaskIdentifier = nil, nil
		for i := range c.TrustedDomains {
			c.TrustedDomains[i].PreferredDomainControllers = namesOnly(c.TrustedDomains[i].PreferredDomainControllers)
		}
		a.TrustedDomainParams = &c
	}
	return a
}

func namesOnly(dcs []DomainController) []DomainController {
	if dcs == nil {
		return nil
	}
	out := make([]DomainController, len(dcs))
	for i, dc := range dcs {
		out[i] = DomainController{Name: dc.Name}
	}
	return out
}

// Servers are the domain controllers the cluster connects to, in order:
// the preferred ones but those denied, else the domain's own name, which
// DNS resolves to its controllers.
func (a *AD) Servers() []string {
	var out []string
	for _, dc := range a.PreferredDomainControllers {
		if !ContainsFold(a.DomainControllersDenyList, dc.Name) {
			out = append(out, dc.Name)
		}
	}
	if len(out) == 0 {
		out = []string{deref(a.DomainName)}
	}
	return out
}

// ContainsFold reports whether list holds v, compared without regard to
// case, as domain and host names are.
func ContainsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// BaseDN is the DN of domain's naming context: example.test is
// DC=example,DC=test.
func BaseDN(domain string) string {
	labels := strings.Split(domain, ".")
	for i, l := range labels {
		labels[i] = "DC=" + l
	}
	return strings.Join(labels, ",")
}
