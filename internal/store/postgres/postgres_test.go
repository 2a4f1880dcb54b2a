package postgres

import (
	"errors"
	"testing"
	"time"

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
	must(t, storetest.Single{Store: s}.CreateRole(ctx, store.Role{Name: "before"}))

	proxy.Pause()
	ops := map[string]func() error{
		"write": func() error { return storetest.Single{Store: s}.CreateRole(ctx, store.Role{Name: "during"}) },
		"get":   func() error { _, err := s.GetRole(ctx, "before"); return err },
		"list":  func() error { _, err := s.ListUsers(ctx, store.UserFilter{}); return err },
		"update": func() error {
			_, err := storetest.Single{Store: s}.UpdateRole(ctx, "before", func(r store.Role) (store.Role, error) { return r, nil })
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
	must(t, storetest.Single{Store: s}.CreateRole(ctx, store.Role{Name: "after"}))
	roles, err := s.ListRoles(ctx, store.RoleFilter{})
	must(t, err)
	if len(roles) != 2 {
		t.Errorf("roles after the outage: %+v, want before and after", roles)
	}
}

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x IN (SELECT value FROM json_each(?))", "x = ANY(ARRAY(SELECT value FROM jsonb_array_elements_text($1)))"},
		{`'?' || "a?b" || ?`, `'?' || "a?b" || $1`},
		{`'user ' || u.domain || '\' || ?`, `'user ' || u.domain || '\' || $1`},
		{"'json_each(' = ?", "'json_each(' = $1"},
		{"instr(username_key, ?) > 0", "strpos(username_key, $1) > 0"},
		{"json_each(users.directory_groups) d WHERE d.value IN (SELECT value FROM json_each(?))",
			"jsonb_array_elements_text(users.directory_groups) d WHERE d.value = ANY(ARRAY(SELECT value FROM jsonb_array_elements_text($1)))"},
		{"substr(id, 1, length(CAST(? AS TEXT))) = ?", "substr(id, 1, length(CAST($1 AS TEXT))) = $2"},
	}
	for _, tc := range tests {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestListenPublish: what one store publishes, another store on the same
// schema hears; a listener cut off says so, and hears again once back.
func TestListenPublish(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Schema(t)
	proxy := pgtest.NewProxy(t, dsn)
	pub, err := Open(ctx, dsn, Options{})
	must(t, err)
	defer pub.Close()
	sub, err := Open(ctx, proxy.DSN(), Options{})
	must(t, err)
	defer sub.Close()
	got := make(chan string, 10)
	ups := make(chan bool, 10)
	go sub.Listen(ctx, func(p string) { got <- p }, func(up bool) { ups <- up })
	wantUp := func(want bool) {
		t.Helper()
		select {
		case up := <-ups:
			if up != want {
				t.Fatalf("listening = %v, want %v", up, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no listening = %v", want)
		}
	}
	hear := func(payload string) {
		t.Helper()
		must(t, pub.Publish(ctx, payload))
		select {
		case p := <-got:
			if p != payload {
				t.Fatalf("heard %q, want %q", p, payload)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("did not hear %q", payload)
		}
	}
	wantUp(true)
	hear("u:S-1-100-21-1-2-1000")
	proxy.Pause()
	wantUp(false)
	proxy.Resume()
	wantUp(true)
	hear("*")

	other, err := Open(ctx, pgtest.Schema(t), Options{})
	must(t, err)
	defer other.Close()
	must(t, other.Publish(ctx, "another schema"))
	// Notifications arrive in the order their transactions committed: had
	// sub heard the other schema's, it would hear it before this one.
	must(t, pub.Publish(ctx, "after"))
	select {
	case p := <-got:
		if p != "after" {
			t.Errorf("heard %q published on another schema", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal(`did not hear "after"`)
	}
}
