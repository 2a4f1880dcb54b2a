package iam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestService(t testing.TB, cfg Config) (*Service, *clock, store.Store) {
	t.Helper()
	ctx := context.Background()
	st := testbackend.Open(t).Store
	box, err := auth.NewSecretBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg.Now = clk.now
	if cfg.Audit == nil {
		cfg.Audit = slog.New(slog.DiscardHandler) // keep test output readable
	}
	h := auth.NewHasher(auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	svc, err := New(ctx, st, h, box, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait) // before the store closes
	if _, err := svc.EnsureAdmin(ctx, "admin-Password-1"); err != nil {
		t.Fatal(err)
	}
	return svc, clk, st
}

func login(t *testing.T, svc *Service, user, pw string) (string, error) {
	t.Helper()
	secret, _, err := svc.Login(context.Background(), LoginInput{Username: user, Password: pw, Domain: LocalDomain}, store.SessionKindSession)
	return secret, err
}

func TestSessionExpiry(t *testing.T) {
	svc, clk, _ := newTestService(t, Config{SessionLifetime: time.Hour})
	ctx := context.Background()
	secret, err := login(t, svc, "admin", "admin-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	clk.add(59 * time.Minute)
	if _, err := svc.Authenticate(ctx, Credential{CredSession, secret}); err != nil {
		t.Fatalf("session before expiry: %v", err)
	}
	clk.add(time.Minute)
	if _, err := svc.Authenticate(ctx, Credential{CredSession, secret}); KindOf(err) != KindUnauthenticated {
		t.Fatalf("session at expiry: %v", err)
	}
	if err := svc.Purge(ctx); err != nil {
		t.Fatalf("purge: %v", err)
	}
	if counts, err := svc.store.CountSessions(ctx, nil, 0); err != nil || len(counts) != 0 {
		t.Fatalf("sessions left after the purge: %v, %v", counts, err)
	}
}

func TestUserWindow(t *testing.T) {
	svc, clk, _ := newTestService(t, Config{})
	ctx := context.Background()
	admin, err := svc.Authenticate(ctx, Credential{CredSession, mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	now := clk.now().UnixMilli()
	from, until := now+int64(time.Hour/time.Millisecond), now+int64(2*time.Hour/time.Millisecond)
	_, err = svc.CreateUsers(ctx, admin, []NewUser{{Username: "w", Domain: LocalDomain, Password: "w-Password-1",
		Roles: []string{RoleViewer}, EffectiveTimeMsecs: &from, ExpiryTimeMsecs: &until}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := login(t, svc, "w", "w-Password-1"); KindOf(err) != KindUnauthenticated {
		t.Fatalf("log-in before effectiveTime: %v", err)
	}
	clk.add(time.Hour)
	secret, err := login(t, svc, "w", "w-Password-1")
	if err != nil {
		t.Fatalf("log-in inside the window: %v", err)
	}
	u, err := svc.store.GetUserByName(ctx, "", LocalDomain, "w")
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := svc.CreateAPIKey(ctx, admin, u.SID, APIKeyInput{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(time.Hour)
	for kind, cred := range map[string]string{CredSession: secret, CredAPIKey: key} {
		if _, err := svc.Authenticate(ctx, Credential{kind, cred}); KindOf(err) != KindUnauthenticated {
			t.Errorf("%s of an expired user: %v", kind, err)
		}
	}
	if _, err := login(t, svc, "w", "w-Password-1"); KindOf(err) != KindUnauthenticated {
		t.Fatalf("log-in at expiryTime: %v", err)
	}
}

func mustLogin(t *testing.T, svc *Service) string {
	t.Helper()
	s, err := login(t, svc, "admin", "admin-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPasswordStoredAsArgon2id(t *testing.T) {
	_, _, st := newTestService(t, Config{})
	u, err := st.GetUserByName(context.Background(), "", LocalDomain, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=1024,t=1,p=1$") || strings.Contains(u.PasswordHash, "admin-Password-1") {
		t.Fatalf("stored hash %q", u.PasswordHash)
	}
}

func TestEnsureAdminOnlyOnEmptyStore(t *testing.T) {
	svc, _, _ := newTestService(t, Config{})
	created, err := svc.EnsureAdmin(context.Background(), "another-Password-1")
	if err != nil || created {
		t.Fatalf("second EnsureAdmin: %v, %v", created, err)
	}
	if _, err := login(t, svc, "admin", "another-Password-1"); err == nil {
		t.Fatal("EnsureAdmin replaced the password")
	}
}

func TestSIDsAreUniqueAndWellFormed(t *testing.T) {
	svc, _, _ := newTestService(t, Config{})
	sids, err := svc.newSIDs(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	more, err := svc.newSIDs(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range append(sids, more...) {
		parts := strings.Split(s, "-")
		if len(parts) != 7 || parts[0] != "S" || parts[1] != "1" || parts[2] != "100" || parts[3] != "21" || seen[s] {
			t.Fatalf("sid %q", s)
		}
		seen[s] = true
	}
}

func TestKindOf(t *testing.T) {
	cases := []struct {
		err  error
		want Kind
	}{
		{invalid("x"), KindInvalid},
		{store.ErrNotFound, KindNotFound},
		{errors.Join(errors.New("ctx"), store.ErrAlreadyExists), KindConflict},
		{&store.InUseError{What: "role", Holders: []string{"u"}}, KindInvalid},
		{store.ErrInvalidReference, KindInvalid},
		{errors.New("disk on fire"), KindInternal},
		{errUnauthenticated, KindUnauthenticated},
	}
	for _, c := range cases {
		if got := KindOf(c.err); got != c.want {
			t.Errorf("KindOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestSecretKeyMismatch: a service given another S3-secret key than the
// store was set up with refuses to start; the right key still works.
func TestSecretKeyMismatch(t *testing.T) {
	ctx := t.Context()
	_, _, st := newTestService(t, Config{})
	h := auth.NewHasher(auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	other, err := auth.NewSecretBox(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(ctx, st, h, other, Config{})
	if !errors.Is(err, ErrSecretKeyMismatch) || !strings.Contains(err.Error(), "--secret-key-file") {
		t.Fatalf("New with another key = %v, want ErrSecretKeyMismatch saying what to do", err)
	}
	same, err := auth.NewSecretBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, st, h, same, Config{}); err != nil {
		t.Fatalf("New with the original key: %v", err)
	}
}

// TestEnsureAdminConcurrent: replicas starting together on an empty store
// make one admin between them, and none of them fails.
func TestEnsureAdminConcurrent(t *testing.T) {
	ctx := t.Context()
	st := testbackend.Open(t).Store
	box, _ := auth.NewSecretBox(make([]byte, 32))
	h := auth.NewHasher(auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
	const n = 4
	var created atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			svc, err := New(ctx, st, h, box, Config{})
			if err != nil {
				t.Errorf("replica %d: New: %v", i, err)
				return
			}
			ok, err := svc.EnsureAdmin(ctx, fmt.Sprintf("admin-Password-%d", i))
			if err != nil {
				t.Errorf("replica %d: EnsureAdmin: %v", i, err)
			}
			if ok {
				created.Add(1)
			}
		})
	}
	wg.Wait()
	users, err := st.ListUsers(ctx, store.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || created.Load() != 1 {
		t.Errorf("%d users, %d replicas say they created the admin; want 1 and 1", len(users), created.Load())
	}
}

// TestRehashOnLogin: a password hashed with weaker parameters than the
// server's is hashed again at the next log-in, once, and still works.
func TestRehashOnLogin(t *testing.T) {
	ctx := context.Background()
	st := testbackend.Open(t).Store
	strong := cheapParams
	strong.MemoryKiB, strong.Time = 2048, 2
	if _, err := openService(t, st, cheapParams).EnsureAdmin(ctx, "admin-Password-1"); err != nil {
		t.Fatal(err)
	}
	svc := openService(t, st, strong)
	hashOf := func() string {
		u, err := st.GetUserByName(ctx, "", LocalDomain, "admin")
		if err != nil {
			t.Fatal(err)
		}
		return u.PasswordHash
	}
	before := hashOf()
	for i := range 2 {
		if _, err := login(t, svc, "admin", "admin-Password-1"); err != nil {
			t.Fatalf("log-in %d: %v", i+1, err)
		}
		if i == 0 {
			before = hashOf()
		}
	}
	if !strings.HasPrefix(before, "$argon2id$v=19$m=2048,t=2,p=1$") {
		t.Fatalf("hash after the first log-in %q, want the server's parameters", before)
	}
	if after := hashOf(); after != before {
		t.Errorf("the second log-in hashed again: %q, then %q", before, after)
	}
}

// TestDefaultSessionLifetime: sessions last 12 hours unless configured,
// the longest ASVS 3.3.2 allows at level 2, however much they are used.
func TestDefaultSessionLifetime(t *testing.T) {
	svc, clk, _ := newTestService(t, Config{})
	ctx := context.Background()
	secret, err := login(t, svc, "admin", "admin-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	for range 11 {
		clk.add(time.Hour)
		if _, err := svc.Authenticate(ctx, Credential{CredSession, secret}); err != nil {
			t.Fatalf("session in use at %v: %v", clk.now(), err)
		}
	}
	clk.add(time.Hour)
	if _, err := svc.Authenticate(ctx, Credential{CredSession, secret}); KindOf(err) != KindUnauthenticated {
		t.Fatalf("session after 12 hours of use: %v, want refused", err)
	}
}

// TestGeneratedAdminPassword: an admin made with a generated password can,
// until it changes it, only change it, read itself and end its sessions;
// no privilege and no API key of its own (ASVS 2.3.1).
func TestGeneratedAdminPassword(t *testing.T) {
	ctx := context.Background()
	svc := openService(t, testbackend.Open(t).Store, cheapParams)
	const made = "generated-Password-1"
	if ok, err := svc.EnsureAdminGenerated(ctx, made); err != nil || !ok {
		t.Fatalf("EnsureAdminGenerated: %v, %v", ok, err)
	}
	secret, err := login(t, svc, "admin", made)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, Credential{CredSession, secret})
	if err != nil {
		t.Fatal(err)
	}
	sid := p.User.SID
	for what, err := range map[string]error{
		"list users":     second(svc.ListUsers(ctx, p, UserQuery{})),
		"list roles":     second(svc.ListRoles(ctx, p, nil, Scope{})),
		"read the trail": third(svc.AuditVocabulary(p)),
		"make own key":   third(svc.CreateAPIKey(ctx, p, sid, APIKeyInput{Name: "k"})),
		"set own roles":  second(svc.UpdateUser(ctx, p, sid, UserUpdate{Roles: []string{RoleViewer}})),
	} {
		if KindOf(err) != KindForbidden || !strings.Contains(err.Error(), "must be changed first") {
			t.Errorf("%s before the change: %v, want 403 naming the change", what, err)
		}
	}
	if _, err := svc.GetUser(ctx, p, sid); err != nil {
		t.Errorf("read itself: %v", err)
	}
	pw, cur := "chosen-Password-1", made
	if _, err := svc.UpdateUser(ctx, p, sid, UserUpdate{Password: &pw, CurrentPassword: &cur}); err != nil {
		t.Fatalf("change the password: %v", err)
	}
	if p, err = svc.Authenticate(ctx, Credential{CredSession, secret}); err != nil {
		t.Fatalf("the session that changed the password: %v", err)
	}
	if _, err := svc.ListUsers(ctx, p, UserQuery{}); err != nil {
		t.Errorf("list users after the change: %v", err)
	}
}

func second[A, B any](_ A, b B) B        { return b }
func third[A, B, C any](_ A, _ B, c C) C { return c }

// cheapParams keep argon2id real but fast.
var cheapParams = auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// openService returns a service over st hashing with p, without an admin.
func openService(t *testing.T, st store.Store, p auth.Params) *Service {
	t.Helper()
	box, err := auth.NewSecretBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(context.Background(), st, auth.NewHasher(p, 1), box, Config{Audit: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait)
	return svc
}

// TestPendingWaitWhileStarting: work may begin while Wait runs (a server
// still answering while a test waits), and Wait returns only once none
// runs; under -race, a WaitGroup used so is reported.
func TestPendingWaitWhileStarting(t *testing.T) {
	var p pending
	var done atomic.Int64
	release := make(chan struct{})
	p.Go(func() { <-release; done.Add(1) })
	waited := make(chan struct{})
	go func() { p.Wait(); close(waited) }()
	for range 50 {
		p.Go(func() { done.Add(1) })
	}
	select {
	case <-waited:
		t.Fatal("Wait returned while work still ran")
	default:
	}
	close(release)
	<-waited
	if n := done.Load(); n != 51 {
		t.Fatalf("%d of 51 pieces of work done after Wait", n)
	}
}

// TestListSelf: a user without privileges, or whose password must be
// changed, lists itself by its sid or its exact name (how a client learns
// its sid), and nothing more.
func TestListSelf(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newTestService(t, Config{})
	admin, err := svc.Authenticate(ctx, Credential{CredSession, mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateRole(ctx, admin, RoleInput{Name: "Bare", Privileges: []string{PrivClusterView}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: "nobody", Domain: LocalDomain, Password: "nobody-Password-1", Roles: []string{"Bare"}}}); err != nil {
		t.Fatal(err)
	}
	secret, err := login(t, svc, "nobody", "nobody-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, Credential{CredSession, secret})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []UserQuery{{Usernames: []string{"NOBODY"}, Domain: "local"}, {SIDs: []string{p.User.SID}}} {
		got, err := svc.ListUsers(ctx, p, q)
		if err != nil || len(got) != 1 || got[0].SID != p.User.SID {
			t.Errorf("ListUsers(%+v) as itself: %v, %v", q, got, err)
		}
	}
	for _, q := range []UserQuery{{}, {Usernames: []string{"admin"}, Domain: LocalDomain}, {Usernames: []string{"nobody"}},
		{Usernames: []string{"nobody"}, Domain: LocalDomain, MatchPartialNames: true}, {SIDs: []string{p.User.SID, admin.User.SID}},
		{Usernames: []string{"nobody"}, Domain: LocalDomain, Roles: []string{RoleAdmin}}} {
		if _, err := svc.ListUsers(ctx, p, q); KindOf(err) != KindForbidden {
			t.Errorf("ListUsers(%+v) by a user without privileges: %v, want forbidden", q, err)
		}
	}
}

// TestResetAdminPassword: the command line's reset sets the password,
// unlocks the admin, ends its sessions, and is in the trail.
func TestResetAdminPassword(t *testing.T) {
	ctx := context.Background()
	svc, _, st := newTestService(t, Config{})
	secret := mustLogin(t, svc)
	if _, err := svc.ResetAdminPassword(ctx, "short", false); KindOf(err) != KindInvalid {
		t.Errorf("a weak password: %v, want invalid", err)
	}
	u, err := svc.ResetAdminPassword(ctx, "reset-Password-1", true)
	if err != nil || !u.ForcePasswordChange || u.Locked {
		t.Fatalf("reset: %+v, %v", u, err)
	}
	if _, err := svc.Authenticate(ctx, Credential{CredSession, secret}); KindOf(err) != KindUnauthenticated {
		t.Errorf("a session from before the reset: %v, want refused", err)
	}
	if _, err := login(t, svc, "admin", "reset-Password-1"); err != nil {
		t.Errorf("log-in with the new password: %v", err)
	}
	entries, _, err := st.ListAudit(ctx, store.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || strings.Contains(e.Details, "reset from the command line")
	}
	if !found {
		t.Error("the reset is not in the audit trail")
	}
}
