package directory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseFile(t *testing.T) {
	pwFile := writeFile(t, "pw", "s3cret\n")
	f := writeFile(t, "d.yaml", `
directories:
  - domain: example.test
    type: activeDirectory
    url: ldaps://dc1.example.test
    bindDN: svc@example.test
    bindPasswordFile: `+pwFile+`
    baseDN: DC=example,DC=test
  - domain: corp.test
    type: ldap
    tenant: acme/eu/
    url: ldap://ldap.corp.test:389
    startTLS: true
    bindDN: cn=admin,dc=corp,dc=test
    bindPassword: pw
    baseDN: dc=corp,dc=test
    timeout: 2s
    userSearch:
      baseDN: ou=people,dc=corp,dc=test
      usernameAttr: mailNickname
`)
	cs, err := ParseFile(f)
	if err != nil {
		t.Fatal(err)
	}
	tenants := map[string]string{}
	for _, c := range cs {
		d, err := New(c)
		if err != nil {
			t.Fatalf("New(%s) of a parsed config: %v", c.Domain, err)
		}
		tenants[d.Domain()] = d.Tenant()
	}
	if tenants["example.test"] != "" || tenants["corp.test"] != "acme/eu/" {
		t.Errorf("tenants served = %q; want the cluster (\"\") by default, acme/eu/ as configured", tenants)
	}
	ad, ldap := cs[0], cs[1]
	if ad.BindPassword != "s3cret" || ad.Timeout != DefaultTimeout || ad.UserSearch.UsernameAttr != "sAMAccountName" ||
		ad.UserSearch.IDAttr != "objectSid" || ad.GroupSearch.BaseDN != "DC=example,DC=test" || ad.UserSearch.MemberOfAttr != "memberOf" {
		t.Errorf("AD defaults not applied: %+v", ad)
	}
	if ldap.Timeout != 2*time.Second || ldap.UserSearch.UsernameAttr != "mailNickname" || ldap.UserSearch.IDAttr != "entryUUID" ||
		ldap.UserSearch.BaseDN != "ou=people,dc=corp,dc=test" || ldap.GroupSearch.BaseDN != "dc=corp,dc=test" {
		t.Errorf("LDAP settings or defaults wrong: %+v", ldap)
	}
}

func TestParseFileRejects(t *testing.T) {
	base := "    url: ldap://h\n    bindDN: cn=a\n    bindPassword: p\n    baseDN: dc=x\n"
	tests := []struct{ name, body, want string }{
		{"unknown field", "directories:\n  - domain: a.test\n    type: ldap\n    bogus: 1\n" + base, "bogus"},
		{"bad type", "directories:\n  - domain: a.test\n    type: nis\n" + base, `type "nis"`},
		{"LOCAL", "directories:\n  - domain: local\n    type: ldap\n" + base, "FQDN"},
		{"bad url", "directories:\n  - domain: a.test\n    type: ldap\n    url: http://h\n    bindDN: cn=a\n    bindPassword: p\n    baseDN: dc=x\n", "url"},
		{"startTLS on ldaps", "directories:\n  - domain: a.test\n    type: ldap\n    startTLS: true\n    url: ldaps://h\n    bindDN: cn=a\n    bindPassword: p\n    baseDN: dc=x\n", "startTLS"},
		{"no password", "directories:\n  - domain: a.test\n    type: ldap\n    url: ldap://h\n    bindDN: cn=a\n    baseDN: dc=x\n", "bindPassword"},
		{"twice", "directories:\n  - domain: a.test\n    type: ldap\n" + base + "  - domain: A.test\n    type: ldap\n" + base, "twice"},
		{"tenant without its slash", "directories:\n  - domain: a.test\n    type: ldap\n    tenant: acme\n" + base, `tenant: malformed organization id: "acme" must end with '/'`},
		{"tenant with a bad suffix", "directories:\n  - domain: a.test\n    type: ldap\n    tenant: acme/e u/\n" + base, "tenant: malformed organization id"},
		{"tenant as a slash", "directories:\n  - domain: a.test\n    type: ldap\n    tenant: /\n" + base, "want an organization id such as acme/"},
		{"missing CA", "directories:\n  - domain: a.test\n    type: ldap\n    rootCA: /nonexistent.pem\n" + base, "rootCA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFile(writeFile(t, "d.yaml", tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
