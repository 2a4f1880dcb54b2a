package iam

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestPrivilegeDocMatchesCatalog(t *testing.T) {
	doc, err := os.ReadFile("../../docs/privileges.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range catalog() {
		row := "| " + p.Name + " | " + p.Label + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/privileges.md lacks %q", row)
		}
	}
	for _, r := range builtinRoles(catalog()) {
		if !strings.Contains(string(doc), "| "+r.Name+" | "+r.Label+" |") {
			t.Errorf("docs/privileges.md lacks role %s", r.Name)
		}
	}
}

func TestBuiltinRoles(t *testing.T) {
	cat := catalog()
	byName := map[string]Privilege{}
	for _, p := range cat {
		if _, dup := byName[p.Name]; dup {
			t.Fatalf("duplicate privilege %s", p.Name)
		}
		byName[p.Name] = p
	}
	for _, r := range builtinRoles(cat) {
		if len(r.Privileges) == 0 {
			t.Errorf("%s has no privileges", r.Name)
		}
		for _, name := range r.Privileges {
			p, ok := byName[name]
			switch {
			case !ok:
				t.Errorf("%s holds unknown %s", r.Name, name)
			case r.Name == RoleViewer && !p.IsViewOnly:
				t.Errorf("viewer holds %s", name)
			case name == PrivPrincipalModify && r.Name != RoleAdmin:
				t.Errorf("%s holds Manage Users", r.Name)
			case r.Name == RoleAdmin && p.IsSpecial:
				t.Errorf("admin holds special %s", name)
			}
		}
		if r.Name == RoleAdmin && !slices.Contains(r.Privileges, PrivPrincipalModify) {
			t.Error("admin lacks Manage Users")
		}
	}
}
