package iam

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

const day = 24 * time.Hour

// syncBuffer is a log the service writes from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// shown is user sid as an administrator reads it.
func shown(t *testing.T, svc *Service, admin *Principal, sid string) store.User {
	t.Helper()
	u, err := svc.GetUser(t.Context(), admin, sid)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// auditWith returns the details of the audit entries whose text holds s.
func auditWith(t *testing.T, st store.Store, s string) []string {
	t.Helper()
	entries, _, err := st.ListAudit(t.Context(), store.AuditFilter{Search: s})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action+" "+e.Details)
	}
	return out
}

// TestInactivityLockout: a LOCAL user unused for inactivityTimeDays shows
// as locked (Inactivity) before it tries, and its next log-in locks it,
// with an audit entry, and is refused; turning the setting on locks
// nobody at once, and says how many it will lock when; the built-in admin
// is never locked, nor are the API keys of a locked user.
func TestInactivityLockout(t *testing.T) {
	ctx := t.Context()
	var log syncBuffer
	svc, clk, st, admin, sid := lockoutFixture(t, Config{Audit: slog.New(slog.NewTextHandler(&log, nil))})
	_, key, err := svc.CreateAPIKey(ctx, admin, sid, APIKeyInput{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(100 * day) // unused for 100 days before the setting exists
	setSecurity(t, svc, admin, `{"accountLockout":{"inactivityTimeDays":30}}`)
	if u := shown(t, svc, admin, sid); u.Locked {
		t.Fatalf("turning the setting on locked a user unused for 100 days at once: %q", u.LockedReason)
	}
	want := "locks 1 accounts at 2030-05-11T00:00:00Z if none of them logs in before"
	if got := auditWith(t, st, "inactivityTimeDays 30 counts from now"); len(got) != 1 || !strings.Contains(got[0], want) {
		t.Errorf("the PUT's audit entry: %q, want one saying %q", got, want)
	}
	if !strings.Contains(log.String(), want) || !strings.Contains(log.String(), "accounts_to_lock=1") {
		t.Errorf("no log line says %q:\n%s", want, log.String())
	}

	clk.add(30*day - time.Minute)
	if u := shown(t, svc, admin, sid); u.Locked {
		t.Fatal("locked a minute early")
	}
	clk.add(time.Minute)
	u := shown(t, svc, admin, sid)
	listed, err := svc.ListUsers(ctx, admin, UserQuery{SIDs: []string{sid}})
	if err != nil || !u.Locked || u.LockedReason != Inactivity || len(listed) != 1 || listed[0].LockedReason != Inactivity {
		t.Fatalf("after 30 unused days: read %v %q, listed %+v, %v; want locked, Inactivity", u.Locked, u.LockedReason, listed, err)
	}
	if stored, _ := st.GetUser(ctx, sid); stored.Locked {
		t.Error("the lock is stored before any log-in")
	}
	if u := shown(t, svc, admin, admin.User.SID); u.Locked {
		t.Error("the built-in admin shows locked for inactivity")
	}

	// The next log-in stores the lock, with its entry, and is refused as
	// a locked account's is.
	if _, err := login(t, svc, "ops", "ops-Password-1"); err != errBadLogin {
		t.Fatalf("log-in of an unused account: %v, want the answer to a locked one", err)
	}
	if stored, _ := st.GetUser(ctx, sid); !stored.Locked || stored.LockedReason != Inactivity || stored.LoginsPending != 0 {
		t.Errorf("stored after the log-in: locked %v %q, %d pending", stored.Locked, stored.LockedReason, stored.LoginsPending)
	}
	if got := auditWith(t, st, "accountLockout.inactivityTimeDays is 30"); len(got) != 1 || !strings.HasPrefix(got[0], ActionLock) {
		t.Errorf("lock entries: %q", got)
	}
	if _, err := svc.Authenticate(ctx, Credential{CredAPIKey, key}); err != nil {
		t.Errorf("the API key of a user locked for inactivity: %v", err)
	}
	if _, err := login(t, svc, "admin", "admin-Password-1"); err != nil {
		t.Errorf("the built-in admin after 30 unused days: %v", err)
	}

}

// TestInactivityClockRestarts: an administrator's unlock or password, a
// log-in, and a change of the setting start the unused time again.
func TestInactivityClockRestarts(t *testing.T) {
	ctx := t.Context()
	svc, clk, _, admin, sid := lockoutFixture(t, Config{})
	setSecurity(t, svc, admin, `{"accountLockout":{"inactivityTimeDays":30}}`)
	clk.add(30 * day)
	if u := shown(t, svc, admin, sid); !u.Locked {
		t.Fatal("not locked after 30 unused days")
	}
	unlock := false
	if _, err := svc.UpdateUser(ctx, admin, sid, UserUpdate{Locked: &unlock}); err != nil {
		t.Fatal(err)
	}
	clk.add(30*day - time.Minute)
	if u := shown(t, svc, admin, sid); u.Locked {
		t.Fatal("locked again within 30 days of the unlock")
	}
	clk.add(time.Minute)
	if u := shown(t, svc, admin, sid); !u.Locked {
		t.Fatal("not locked 30 days after the unlock")
	}
	if err := setPassword(t, svc, admin, sid, "ops-Password-2"); err != nil {
		t.Fatal(err)
	}
	clk.add(29 * day)
	if _, err := login(t, svc, "ops", "ops-Password-2"); err != nil {
		t.Fatalf("log-in 29 days after an administrator's password: %v", err)
	}
	clk.add(29 * day)
	if u := shown(t, svc, admin, sid); u.Locked {
		t.Error("locked 29 days after a log-in")
	}
	// A shorter time counts from its change too.
	setSecurity(t, svc, admin, `{"accountLockout":{"inactivityTimeDays":10}}`)
	if u := shown(t, svc, admin, sid); u.Locked {
		t.Error("shortening the time locked a user at once")
	}
}

// TestInactivityLastAdmin: the last lasting administrator is never
// locked for inactivity, lest no one be left to unlock the others.
func TestInactivityLastAdmin(t *testing.T) {
	ctx := t.Context()
	svc, clk, _, admin, _ := lockoutFixture(t, Config{})
	users, err := svc.CreateUsers(ctx, admin, []NewUser{{Username: "boss", Domain: LocalDomain,
		Password: "boss-Password-1", Roles: []string{RoleAdmin}}})
	if err != nil {
		t.Fatal(err)
	}
	boss := principalOf(t, svc, "boss", "boss-Password-1")
	locked := true
	if _, err := svc.UpdateUser(ctx, boss, admin.User.SID, UserUpdate{Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	setSecurity(t, svc, boss, `{"accountLockout":{"inactivityTimeDays":1}}`)
	clk.add(2 * day)
	if u := shown(t, svc, boss, users[0].SID); u.Locked {
		t.Errorf("the last lasting administrator shows locked for inactivity")
	}
	if _, err := login(t, svc, "ops", "ops-Password-1"); err != errBadLogin {
		t.Errorf("another unused user's log-in: %v, want refused", err)
	}
	if _, err := login(t, svc, "boss", "boss-Password-1"); err != nil {
		t.Errorf("the last lasting administrator's log-in after 2 unused days: %v", err)
	}
}
