package iam

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
)

// auditActions returns the actions of the whole trail, oldest first.
func auditActions(t *testing.T, st store.Store) []string {
	t.Helper()
	entries, _, err := st.ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range slices.Backward(entries) {
		out = append(out, e.Action+" "+e.EntityName)
	}
	return out
}

// TestAuditLogInsAndRetention checks that log-ins, failed log-ins and the
// lock-out they cause are on the trail, with the client's address, and
// that entries past their retention are purged.
func TestAuditLogInsAndRetention(t *testing.T) {
	svc, clk, st := newTestService(t, Config{AuditRetention: 24 * time.Hour, Lockout: LockoutPolicy{Threshold: 2}})
	ctx := WithClientIP(context.Background(), "192.0.2.9")
	in := LoginInput{Username: "admin", Password: "admin-Password-1"}
	if _, _, err := svc.Login(ctx, in, store.SessionKindToken); err != nil {
		t.Fatal(err)
	}
	clk.add(23 * time.Hour)
	for _, name := range []string{"nobody", "admin", "admin"} {
		if _, _, err := svc.Login(ctx, LoginInput{Username: name, Password: "wrong-Password-1"}, store.SessionKindSession); KindOf(err) != KindUnauthenticated {
			t.Fatalf("log-in as %s with a wrong password: %v", name, err)
		}
		svc.Flush() // the failures are recorded after the answer (an unknown user's counted), in order here
	}
	want := []string{`Create LOCAL\admin`, `Login LOCAL\admin`, `LoginFailed LOCAL\` + svc.nameTag("unknown user", "nobody"),
		`LoginFailed LOCAL\admin`, `LoginFailed LOCAL\admin`, `Lock LOCAL\admin`}
	if got := auditActions(t, st); !slices.Equal(got, want) {
		t.Fatalf("trail:\n got %q\nwant %q", got, want)
	}
	entries, _, err := st.ListAudit(ctx, store.AuditFilter{Actions: []string{ActionLogin}})
	if err != nil || len(entries) != 1 {
		t.Fatalf("Login entries: %v, %v", entries, err)
	}
	if e := entries[0]; e.IP != "192.0.2.9" || e.ActorUsername != "admin" || e.ActorSID == "" || e.TimeUsecs != time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro() {
		t.Errorf("Login entry %+v: want actor admin from 192.0.2.9 at the clock's time", e)
	}
	clk.add(2 * time.Hour) // the first two are now 25 hours old
	if err := svc.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if got := auditActions(t, st); !slices.Equal(got, want[2:]) {
		t.Fatalf("after the purge:\n got %q\nwant %q", got, want[2:])
	}
}
