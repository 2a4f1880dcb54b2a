package tenant

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"acme/", true},
		{"acme/eu/", true},
		{"a-b_c/9/", true},
		{strings.Repeat("a/", MaxDepth), true},
		{strings.Repeat("a/", MaxDepth+1), false},
		{"acme", false},
		{"/", false},
		{"acme//", false},
		{"-acme/", false},
		{"abcdefghijk/", false}, // 11
		{"acme\x00/", false},
		{"ac me/", false},
		{"ac%me/", false},
		{"acmé/", false},
		{"a@b/", false},
		{"", false},
	} {
		err := Check(tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v, want ok %v", tc.id, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("Check(%q) = %v, not ErrMalformed", tc.id, err)
		}
	}
}

func TestChildParent(t *testing.T) {
	for _, tc := range []struct{ parent, suffix, want string }{
		{"", "acme", "acme/"},
		{"acme/", "eu", "acme/eu/"},
	} {
		got, err := Child(tc.parent, tc.suffix)
		if err != nil || got != tc.want {
			t.Errorf("Child(%q, %q) = %q, %v; want %q", tc.parent, tc.suffix, got, err, tc.want)
		}
		if p := Parent(got); p != tc.parent {
			t.Errorf("Parent(%q) = %q, want %q", got, p, tc.parent)
		}
	}
	if _, err := Child(strings.Repeat("a/", MaxDepth), "b"); err == nil {
		t.Error("Child beyond MaxDepth: no error")
	}
	if _, err := Child("", "a/b"); err == nil {
		t.Error("Child with '/' in the suffix: no error")
	}
}

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		id, scope     string
		within, below bool
	}{
		{"acme/", "", true, true},
		{"", "", true, false},
		{"acme/eu/", "acme/", true, true},
		{"acme/", "acme/", true, false},
		{"acmex/", "acme/", false, false},
		{"", "acme/", false, false},
		{"acme/", "acme/eu/", false, false},
	} {
		if got := Within(tc.id, tc.scope); got != tc.within {
			t.Errorf("Within(%q, %q) = %v", tc.id, tc.scope, got)
		}
		if got := Below(tc.id, tc.scope); got != tc.below {
			t.Errorf("Below(%q, %q) = %v", tc.id, tc.scope, got)
		}
	}
	if got := Ancestors("a/b/c/"); !slices.Equal(got, []string{"a/", "a/b/", "a/b/c/"}) {
		t.Errorf("Ancestors = %q", got)
	}
}

func TestSplitLogin(t *testing.T) {
	for _, tc := range []struct {
		name, user, id string
		ok             bool
	}{
		{"bob@acme", "bob", "acme/", true},
		{"bob@acme/", "bob", "acme/", true},
		{"bob@acme/eu", "bob", "acme/eu/", true},
		{"bob@x@acme", "bob@x", "acme/", true},
		{"bob", "", "", false},
		{"@acme", "", "", false},
		{"bob@", "", "", false},
		{"bob@example.com", "", "", false},
	} {
		u, id, ok := SplitLogin(tc.name)
		if u != tc.user || id != tc.id || ok != tc.ok {
			t.Errorf("SplitLogin(%q) = %q, %q, %v", tc.name, u, id, ok)
		}
		if ok && LoginName(u, id) != strings.TrimSuffix(tc.name, "/") {
			t.Errorf("LoginName(%q, %q) = %q", u, id, LoginName(u, id))
		}
	}
}
