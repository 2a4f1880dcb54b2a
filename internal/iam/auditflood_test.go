package iam

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// TestFailedLoginsCount drives the counter alone, on dates of its
// choosing: one entry per address and minute, its names listed up to the
// bound, its addresses counted apart up to the bound.
func TestFailedLoginsCount(t *testing.T) {
	const minute = int64(60_000_000)
	start := 29_000_000 * minute // a whole minute
	var f failedLogins
	for i := range 30 {
		if done := f.add(start+int64(i), "192.0.2.1", "LOCAL", "tag-a"); done != nil {
			t.Fatalf("failure %d, in the first minute, closed it: %v", i, done)
		}
	}
	for i := range floodMaxNames + 2 { // two names past the bound
		f.add(start+100, "192.0.2.2", "LOCAL", fmt.Sprint("tag-", i))
	}
	if got := f.take(start+minute-1, false); got != nil {
		t.Fatalf("take before the minute ended: %v", got)
	}
	// The first failure of the next minute closes the first one.
	done := f.add(start+minute, "192.0.2.1", "LOCAL", "tag-a")
	want := []store.AuditEntry{
		{TimeUsecs: start + 29, IP: "192.0.2.1", Action: ActionLoginFailed, EntityType: EntityUser,
			ActorDomain: "LOCAL", ActorUsername: "tag-a", EntityName: `LOCAL\tag-a`,
			Details: `login_failed: 30 failed log-ins of unknown users in this minute: 30 as LOCAL\tag-a`},
		{TimeUsecs: start + 100, IP: "192.0.2.2", Action: ActionLoginFailed, EntityType: EntityUser,
			ActorDomain: "LOCAL", ActorUsername: "tag-0", EntityName: `LOCAL\tag-0`,
			Details: `login_failed: 10 failed log-ins of unknown users in this minute: 1 as LOCAL\tag-0; 1 as LOCAL\tag-1; ` +
				`1 as LOCAL\tag-2; 1 as LOCAL\tag-3; 1 as LOCAL\tag-4; 1 as LOCAL\tag-5; 1 as LOCAL\tag-6; ` +
				`1 as LOCAL\tag-7; 2 as other names`},
	}
	checkEntries(t, "first minute", done, want)

	// Past floodMaxAddrs addresses (192.0.2.1 is one already), the rest
	// share one entry.
	for i := range floodMaxAddrs + 5 {
		f.add(start+minute+1, fmt.Sprintf("10.0.%d.%d", i/256, i%256), "LOCAL", "tag-b")
	}
	got := f.take(start+2*minute, false)
	if len(got) != floodMaxAddrs+1 {
		t.Fatalf("second minute: %d entries, want %d", len(got), floodMaxAddrs+1)
	}
	rest := got[len(got)-1]
	wantRest := fmt.Sprintf(`login_failed: 6 failed log-ins of unknown users in this minute from addresses past the first %d: 6 as LOCAL\tag-b`, floodMaxAddrs)
	if rest.IP != "" || rest.Details != wantRest {
		t.Errorf("entry of the addresses past the bound: ip %q, details %q; want no ip, %q", rest.IP, rest.Details, wantRest)
	}
	if f.take(start+3*minute, true) != nil {
		t.Error("take after everything was taken returned entries")
	}

	// Concurrent failures are all counted.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 1000 {
				f.add(start+5*minute, fmt.Sprint("198.51.100.", g%2), "LOCAL", "tag-c")
			}
		})
	}
	wg.Wait()
	var n int
	for _, e := range f.take(0, true) {
		var c int
		fmt.Sscanf(e.Details, "login_failed: %d", &c)
		n += c
	}
	if n != 8000 {
		t.Errorf("concurrent failures counted: %d, want 8000", n)
	}
}

// checkEntries fails t unless got is want, in order.
func checkEntries(t *testing.T, what string, got, want []store.AuditEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries %+v, want %d", what, len(got), got, len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s, entry %d:\n got %+v\nwant %+v", what, i, got[i], want[i])
		}
	}
}

// TestUnknownUsersFailuresAggregated checks, on the service clock, that
// failed log-ins under names the cluster has no account for are one entry
// per address and minute, never naming them but by tag, written when the
// minute ends or on Flush, while known users' failures stay as they were.
func TestUnknownUsersFailuresAggregated(t *testing.T) {
	svc, clk, st := newTestService(t, Config{Lockout: LockoutPolicy{Threshold: -1}})
	ctx := context.Background()
	admin, err := svc.Authenticate(ctx, Credential{CredSession, mustLogin(t, svc)})
	if err != nil {
		t.Fatal(err)
	}
	// carol is locked, and dave's account has expired: their log-ins with
	// the right password fail without naming an account (lock-out is off,
	// so no check is held), and are theirs all the same.
	expired := clk.now().Add(-time.Hour).UnixMilli()
	if _, err := svc.CreateUsers(ctx, admin, []NewUser{
		{Username: "carol", Domain: LocalDomain, Password: "carol-Password-1", Roles: []string{RoleViewer}},
		{Username: "dave", Domain: LocalDomain, Password: "dave-Password-1", Roles: []string{RoleViewer}, ExpiryTimeMsecs: &expired},
	}); err != nil {
		t.Fatal(err)
	}
	locked := true
	carol, err := st.GetUserByName(ctx, "", LocalDomain, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateUser(ctx, admin, carol.SID, UserUpdate{Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute - clk.now().Sub(clk.now().Truncate(time.Minute))) // a whole minute
	start := len(trail(t, st))
	const typedPassword = "Correct-Horse-Battery-Staple-9"
	fail := func(ip, domain, user, pw string) {
		t.Helper()
		_, _, err := svc.Login(WithClientIP(ctx, ip), LoginInput{Username: user, Password: pw, Domain: domain}, store.SessionKindToken)
		if KindOf(err) != KindUnauthenticated {
			t.Fatalf("log-in as %s\\%s from %s: %v, want a 401", domain, user, ip, err)
		}
	}
	for range 37 {
		fail("192.0.2.1", "LOCAL", typedPassword, "x")
	}
	for range 3 {
		fail("192.0.2.2", "local", "NOBODY", "wrong-Password-1")
	}
	svc.Wait() // counted in the background: first come, first listed
	for range 3 {
		fail("192.0.2.2", "no.such.domain", "nobody", "wrong-Password-1")
	}
	fail("192.0.2.3", "LOCAL", "admin", "wrong-Password-1")
	fail("192.0.2.3", "LOCAL", "carol", "carol-Password-1")
	fail("192.0.2.3", "LOCAL", "dave", "dave-Password-1")
	svc.Wait()
	before := trail(t, st)
	// Recorded after their answers, at one time: in any order.
	added := slices.Sorted(slices.Values(before[start:]))
	if want := []string{`LoginFailed LOCAL\admin from 192.0.2.3`, `LoginFailed LOCAL\carol from 192.0.2.3`,
		`LoginFailed LOCAL\dave from 192.0.2.3`}; !slices.Equal(added, want) {
		t.Fatalf("within the minute, the trail got\n %q\nwant only the known users' failures\n %q", added, want)
	}
	if err := svc.PurgeAudit(ctx); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	if got := trail(t, st); len(got) != len(before) {
		t.Fatalf("the purge within the minute recorded %q", got[len(before):])
	}

	clk.add(time.Minute)
	if err := svc.PurgeAudit(ctx); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	pw := svc.nameTag("unknown user", typedPassword)
	nobody := svc.nameTag("unknown user", "nobody")
	domain := svc.nameTag("unknown domain", "no.such.domain")
	got := trail(t, st)[len(before):]
	want := []string{
		`LoginFailed LOCAL\` + pw + ` from 192.0.2.1: login_failed: 37 failed log-ins of unknown users in this minute: 37 as LOCAL\` + pw,
		`LoginFailed LOCAL\` + nobody + ` from 192.0.2.2: login_failed: 6 failed log-ins of unknown users in this minute: 3 as LOCAL\` +
			nobody + `; 3 as ` + domain + `\` + nobody,
	}
	if !equalTail(got, want) || len(got) != len(want) {
		t.Fatalf("after the minute, the trail ends\n %q\nwant\n %q", got, want)
	}
	if !strings.HasPrefix(pw, "unknown user (len 30, hmac ") || len(pw) != len("unknown user (len 30, hmac 12345678)") {
		t.Errorf("tag %q: want the length and 8 hex digits", pw)
	}
	entries, _, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(fmt.Sprintf("%+v", e), typedPassword) {
			t.Errorf("the name typed is stored: %+v", e)
		}
	}

	// A new minute's failure is written on Flush, under the same tag.
	fail("192.0.2.1", "LOCAL", typedPassword, "x")
	svc.Flush()
	last := trail(t, st)
	if want := `LoginFailed LOCAL\` + pw + ` from 192.0.2.1: login_failed: 1 failed log-ins of unknown users in this minute: 1 as LOCAL\` + pw; last[len(last)-1] != want {
		t.Errorf("after Flush the trail ends %q, want %q", last[len(last)-1], want)
	}
}

// TestAuditMaxRows checks that the purge keeps the newest entries up to
// the cap, and that a negative cap keeps them all.
func TestAuditMaxRows(t *testing.T) {
	for _, tc := range []struct {
		max  int64
		want int
	}{{3, 3}, {-1, 7}} {
		svc, clk, st := newTestService(t, Config{AuditMaxRows: tc.max}) // admin's creation: 1 entry
		for range 6 {
			clk.add(time.Second)
			mustLogin(t, svc)
		}
		if err := svc.PurgeAudit(context.Background()); err != nil {
			t.Fatal(err)
		}
		entries, total, err := st.ListAudit(context.Background(), store.AuditFilter{})
		if err != nil || total != int64(tc.want) {
			t.Fatalf("cap %d: %d entries left, %v; want %d", tc.max, total, err, tc.want)
		}
		if newest := clk.now().UnixMicro(); entries[0].TimeUsecs != newest {
			t.Errorf("cap %d: newest entry left at %d, want the last log-in's, at %d", tc.max, entries[0].TimeUsecs, newest)
		}
	}
}

// trail returns the whole trail, oldest first, as "Action Entity from ip:
// details" for log-in failures and "Action Entity" otherwise.
func trail(t *testing.T, st store.Store) []string {
	t.Helper()
	entries, _, err := st.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		line := e.Action + " " + e.EntityName
		switch {
		case strings.Contains(e.Details, "unknown users"):
			line += " from " + e.IP + ": " + e.Details
		case e.Action == ActionLoginFailed:
			line += " from " + e.IP
		}
		out = append(out, line)
	}
	return out
}

// equalTail reports whether got ends with want.
func equalTail(got, want []string) bool {
	if len(got) < len(want) {
		return false
	}
	for i, w := range want {
		if got[len(got)-len(want)+i] != w {
			return false
		}
	}
	return true
}

// TestUnknownNameNotLogged: the server log names a failed log-in under a
// name no account has by its tag, as the trail does, never verbatim: it
// may be a password typed in the wrong field.
func TestUnknownNameNotLogged(t *testing.T) {
	var logs bytes.Buffer
	svc, _, _ := newTestService(t, Config{Audit: slog.New(slog.NewJSONHandler(&logs, nil))})
	const typed = "Correct-Horse-Battery-Staple-7"
	if _, err := login(t, svc, typed, "whatever-Password-1"); KindOf(err) != KindUnauthenticated {
		t.Fatalf("log-in: %v", err)
	}
	svc.Wait()
	if strings.Contains(logs.String(), typed) {
		t.Errorf("the log holds the name tried: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "unknown user (len 30, hmac ") {
		t.Errorf("the log does not name the failure by its tag: %s", logs.String())
	}
}
