package domainspec

import (
	"encoding/json"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func validAD() ADRequest {
	return ADRequest{AD: AD{DomainName: ptr("corp.example.com"), MachineAccounts: []MachineAccount{{Name: "CLUSTER1"}},
		PreferredDomainControllers: []DomainController{{Name: "dc1.corp.example.com"}}},
		ActiveDirectoryAdminParams: &AdminParams{Username: ptr("Administrator"), Password: ptr("pw")}}
}

func TestCheckCreate(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *ADRequest)
		want   string // "" valid, else a word of the error
	}{
		{"valid", func(r *ADRequest) {}, ""},
		{"no domain", func(r *ADRequest) { r.DomainName = nil }, "domainName is required"},
		{"a space in the domain", func(r *ADRequest) { r.DomainName = ptr("bad domain") }, "not a domain name"},
		{"LOCAL", func(r *ADRequest) { r.DomainName = ptr("local") }, "LOCAL"},
		{"no machine account", func(r *ADRequest) { r.MachineAccounts = nil }, "machineAccounts is required"},
		{"a long machine account", func(r *ADRequest) { r.MachineAccounts[0].Name = "this-name-is-too-long" }, "1 to 15"},
		{"a machine account twice", func(r *ADRequest) {
			r.MachineAccounts = append(r.MachineAccounts, MachineAccount{Name: "cluster1"})
		}, "twice"},
		{"an unknown encryption", func(r *ADRequest) { r.MachineAccounts[0].Encryption = []string{"aes"} }, "want one of"},
		{"no admin", func(r *ADRequest) { r.ActiveDirectoryAdminParams = nil }, "activeDirectoryAdminParams is required"},
		{"admin without a password", func(r *ADRequest) { r.ActiveDirectoryAdminParams.Password = nil }, "username and password"},
		{"a DC with a path", func(r *ADRequest) { r.PreferredDomainControllers[0].Name = "dc1/x" }, "neither a host name"},
		{"a DC with a bad port", func(r *ADRequest) { r.PreferredDomainControllers[0].Name = "dc1:70000" }, "port"},
		{"a DC and its port", func(r *ADRequest) { r.PreferredDomainControllers[0].Name = "127.0.0.1:636" }, ""},
		{"trusted params without enabled", func(r *ADRequest) { r.TrustedDomainParams = &TrustedDomainParams{} }, "enabled is required"},
		{"id mapping without a type", func(r *ADRequest) { r.IDMappingParams = json.RawMessage(`{"sidMappedToUnixRootUser":"S-1"}`) }, "userIdMappingParams.type"},
		{"id mapping of an unknown type", func(r *ADRequest) {
			r.IDMappingParams = json.RawMessage(`{"sidMappedToUnixRootUser":"S-1","userIdMappingParams":{"type":"Magic"}}`)
		}, "want one of"},
		{"a control character", func(r *ADRequest) { r.WorkGroupName = ptr("a\nb") }, "control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validAD()
			tc.change(&r)
			checkErr(t, r.CheckCreate(), tc.want)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("refused: %v", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("got %v, want an error saying %q", err, want)
	}
}

func TestCheckUpdate(t *testing.T) {
	cur := validAD().AD
	r := ADRequest{AD: AD{MachineAccounts: []MachineAccount{{Name: "OTHER"}}}}
	checkErr(t, r.CheckUpdate(cur), "cannot change")
	r.MachineAccounts = []MachineAccount{{Name: "cluster1"}, {Name: "CLUSTER2"}}
	checkErr(t, r.CheckUpdate(cur), "")
	r.DomainName = ptr("other.example.com")
	checkErr(t, r.CheckUpdate(cur), "domainName cannot change")
}

func TestStoredKeepsNoSecret(t *testing.T) {
	r := validAD()
	r.ID, r.IDMappingParams = ptr(int64(7)), json.RawMessage("null")
	r.PreferredDomainControllers[0].Status = ptr("Reachable")
	b, _ := json.Marshal(r.Stored())
	for _, bad := range []string{`"pw"`, "Administrator", `"id"`, "Reachable", "idMappingParams"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("stored AD %s holds %s", b, bad)
		}
	}
	l := LDAP{Name: ptr("l"), SimpleAuthParams: &SimpleAuthParams{UserDistinguishedName: ptr("cn=a"), UserPassword: ptr("secret")}, ID: ptr(int64(3))}
	if b, _ := json.Marshal(l.Stored()); strings.Contains(string(b), "secret") || strings.Contains(string(b), `"id"`) {
		t.Errorf("stored LDAP %s", b)
	}
}

func TestLDAPCheck(t *testing.T) {
	valid := func() LDAP {
		return LDAP{Name: ptr("corp"), BaseDistinguishedName: ptr("dc=corp"), AuthType: ptr(AuthSimple), DomainName: ptr("corp.example"),
			SimpleAuthParams: &SimpleAuthParams{UserDistinguishedName: ptr("cn=svc,dc=corp"), UserPassword: ptr("pw")}}
	}
	tests := []struct {
		name   string
		change func(l *LDAP)
		want   string
	}{
		{"valid", func(l *LDAP) {}, ""},
		{"anonymous", func(l *LDAP) { l.AuthType, l.SimpleAuthParams = ptr(AuthAnonymous), nil }, ""},
		{"anonymous with a DN", func(l *LDAP) { l.AuthType = ptr(AuthAnonymous) }, "takes no"},
		{"authType in lower case", func(l *LDAP) { l.AuthType = ptr("simple") }, "want one of"},
		{"simple without a DN", func(l *LDAP) { l.SimpleAuthParams = nil }, "userDistinguishedName is required"},
		{"no domain", func(l *LDAP) { l.DomainName = nil }, "domainName is required"},
		{"an empty server list", func(l *LDAP) { l.PreferredLdapServers = []string{} }, "at least one"},
		{"port 0", func(l *LDAP) { l.Port = ptr(int32(0)) }, "1 to 65535"},
		{"a filter in an attribute", func(l *LDAP) { l.AttributeUsername = ptr("uid)(objectClass=*") }, "attribute"},
		{"a filter in a class", func(l *LDAP) { l.ObjectClassUser = ptr("*") }, "attribute"},
		{"an AD domain that is none", func(l *LDAP) { l.AdDomainName = ptr("a b") }, "not a domain name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := valid()
			tc.change(&l)
			checkErr(t, l.Check(), tc.want)
		})
	}
}

func TestServersAndBaseDN(t *testing.T) {
	a := validAD().AD
	a.PreferredDomainControllers = append(a.PreferredDomainControllers, DomainController{Name: "dc2"})
	a.DomainControllersDenyList = []string{"DC1.corp.example.com"}
	if got := a.Servers(); len(got) != 1 || got[0] != "dc2" {
		t.Errorf("servers %v, want the one not denied", got)
	}
	a.PreferredDomainControllers = nil
	if got := a.Servers(); len(got) != 1 || got[0] != "corp.example.com" {
		t.Errorf("servers %v, want the domain's own name", got)
	}
	if got := BaseDN("corp.example.com"); got != "DC=corp,DC=example,DC=com" {
		t.Errorf("BaseDN = %q", got)
	}
}
