package postgres

import (
	"errors"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/postgres/pgtest"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// openTemp opens a store on a new schema of its own.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.Schema(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestUnavailable: with the database cut off, operations fail with
// store.ErrUnavailable, and work again once it is back.
func TestUnavailable(t *testing.T) {
	ctx := t.Context()
	proxy := pgtest.NewProxy(t, pgtest.Schema(t))
	s, err := Open(ctx, proxy.DSN(), Options{})
	must(t, err)
	defer s.Close()
	must(t, s.CreateRole(ctx, store.Role{Name: "before"}))

	proxy.Pause()
	ops := map[string]func() error{
		"write": func() error { return s.CreateRole(ctx, store.Role{Name: "during"}) },
		"get":   func() error { _, err := s.GetRole(ctx, "before"); return err },
		"list":  func() error { _, err := s.ListUsers(ctx, store.UserFilter{}); return err },
		"update": func() error {
			_, err := s.UpdateRole(ctx, "before", func(r store.Role) (store.Role, error) { return r, nil })
			return err
		},
		"ping": func() error { return s.Ping(ctx) },
	}
	for name, op := range ops {
		if err := op(); name != "ping" && !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the database cut off: %v, want ErrUnavailable", name, err)
		} else if err == nil {
			t.Errorf("%s with the database cut off succeeded", name)
		}
	}

	proxy.Resume()
	must(t, s.CreateRole(ctx, store.Role{Name: "after"}))
	roles, err := s.ListRoles(ctx, nil)
	must(t, err)
	if len(roles) != 2 {
		t.Errorf("roles after the outage: %+v, want before and after", roles)
	}
}

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x IN (SELECT value FROM json_each(?))", "x IN (SELECT value FROM jsonb_array_elements_text($1))"},
		{`'?' || "a?b" || ?`, `'?' || "a?b" || $1`},
		{`'user ' || u.domain || '\' || ?`, `'user ' || u.domain || '\' || $1`},
		{"'json_each(' = ?", "'json_each(' = $1"},
		{"json_each(groups.tenant_ids) t WHERE t.value IN (SELECT value FROM json_each(?))",
			"jsonb_array_elements_text(groups.tenant_ids) t WHERE t.value IN (SELECT value FROM jsonb_array_elements_text($1))"},
	}
	for _, tc := range tests {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
