package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clusteriam/clusteriam/internal/store"
)

// auditLimitTests hold the trail to its bounds: of each entry's text, of
// the number of entries, and of the memory a read takes.
var auditLimitTests = []subTest{
	{"AuditBounded", testAuditBounded},
	{"AuditBeyond", testAuditBeyond},
	{"AuditEach", testAuditEach},
}

// testAuditBounded stores an entry whose every text field is far past its
// bound, written both alone and in the transaction of a change, and reads
// it back cut to
// the bounds, on character boundaries, and marked.
func testAuditBounded(t *testing.T, s Single) {
	ctx := t.Context()
	// 1 MiB of 3-byte characters after one ASCII byte: every cut falls
	// inside a character unless it backs up.
	huge := "x" + strings.Repeat("€", 1<<20/3)
	big := store.AuditEntry{TimeUsecs: 1000, ActorSID: huge, ActorDomain: huge, ActorUsername: huge,
		IP: huge, TenantID: huge, TenantName: huge, OriginalTenantID: huge, OriginalTenantName: huge,
		IsImpersonation: true, Action: "LoginFailed", EntityType: "User", EntityID: huge, EntityName: huge, Details: huge}
	must(t, s.AppendAudit(ctx, []store.AuditEntry{big}))
	withChange := big
	withChange.TimeUsecs, withChange.Action = 2000, "Create"
	must(t, s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateUsers(ctx, []store.User{newUser(sid(2), "LOCAL", "bob")}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, withChange)
	}))

	got, total, err := s.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	if total != 2 || len(got) != 2 {
		t.Fatalf("ListAudit: %d entries, total %d; want 2", len(got), total)
	}
	for i, in := range []store.AuditEntry{withChange, big} {
		want := in.Bounded()
		want.ID = got[i].ID
		checkBoundedEntry(t, in.Action, got[i], want)
	}
	// The search sees what was kept, and nothing of what was cut.
	kept, _, err := s.ListAudit(ctx, store.AuditFilter{Search: "x€€€"})
	must(t, err)
	checkActions(t, "search of the kept text", kept, int64(len(kept)), 2, []string{"Create", "LoginFailed"})
	cut, _, err := s.ListAudit(ctx, store.AuditFilter{Search: strings.Repeat("€", store.MaxAuditDetailsBytes/3+1)})
	must(t, err)
	checkActions(t, "search of the cut text", cut, int64(len(cut)), 0, nil)
}

// checkBoundedEntry fails t unless got is want, an entry cut to its
// bounds, and each of its text fields is bounded, valid UTF-8 and marked
// as cut from 1 MiB. It names fields by their length and end, not their
// megabytes.
func checkBoundedEntry(t *testing.T, what string, got, want store.AuditEntry) {
	t.Helper()
	if got.ID != want.ID || got.TimeUsecs != want.TimeUsecs || got.IsImpersonation != want.IsImpersonation {
		t.Errorf("%s: id %d, time %d, impersonation %v; want %d, %d, %v", what, got.ID, got.TimeUsecs,
			got.IsImpersonation, want.ID, want.TimeUsecs, want.IsImpersonation)
	}
	end := func(s string) string { return s[max(0, len(s)-40):] }
	for _, f := range []struct {
		name      string
		got, want string
		max       int
	}{
		{"ActorSID", got.ActorSID, want.ActorSID, store.MaxAuditNameBytes},
		{"ActorDomain", got.ActorDomain, want.ActorDomain, store.MaxAuditNameBytes},
		{"ActorUsername", got.ActorUsername, want.ActorUsername, store.MaxAuditNameBytes},
		{"EntityID", got.EntityID, want.EntityID, store.MaxAuditNameBytes},
		{"EntityName", got.EntityName, want.EntityName, store.MaxAuditNameBytes},
		{"IP", got.IP, want.IP, store.MaxAuditIPBytes},
		{"TenantID", got.TenantID, want.TenantID, store.MaxAuditNameBytes},
		{"TenantName", got.TenantName, want.TenantName, store.MaxAuditNameBytes},
		{"OriginalTenantID", got.OriginalTenantID, want.OriginalTenantID, store.MaxAuditNameBytes},
		{"OriginalTenantName", got.OriginalTenantName, want.OriginalTenantName, store.MaxAuditNameBytes},
		{"Details", got.Details, want.Details, store.MaxAuditDetailsBytes},
	} {
		switch {
		case f.got != f.want:
			t.Errorf("%s %s: got %d bytes ending %q, want %d ending %q",
				what, f.name, len(f.got), end(f.got), len(f.want), end(f.want))
		case len(f.got) > f.max || !utf8.ValidString(f.got) ||
			!strings.HasSuffix(f.got, store.TruncatedMark+"1048576 bytes]"):
			t.Errorf("%s %s: %d bytes ending %q, valid UTF-8 %v; want at most %d, marked as cut from 1048576",
				what, f.name, len(f.got), end(f.got), utf8.ValidString(f.got), f.max)
		}
	}
}

// testAuditBeyond checks that DeleteAuditBeyond keeps the newest entries,
// in the order they are listed (time, then id), and deletes the rest.
func testAuditBeyond(t *testing.T, s Single) {
	ctx := t.Context()
	n, err := s.DeleteAuditBeyond(ctx, 10)
	must(t, err)
	if n != 0 {
		t.Errorf("DeleteAuditBeyond on an empty trail = %d, want 0", n)
	}
	// More than one INSERT's worth, at times 1..450, and then one entry
	// appended last but dated first: it is the oldest, whatever its id.
	var in []store.AuditEntry
	for i := range 450 {
		in = append(in, auditEntry(int64(i+1), "admin", fmt.Sprint("A", i+1), "bob"))
	}
	must(t, s.AppendAudit(ctx, in))
	must(t, s.AppendAudit(ctx, []store.AuditEntry{auditEntry(0, "admin", "A0", "bob")}))
	left := int64(451)
	for _, tc := range []struct {
		keep, deleted int64
		newest        []string
	}{
		{451, 0, []string{"A450", "A449"}},
		{1000, 0, []string{"A450", "A449"}},
		{450, 1, []string{"A450", "A449"}}, // A0 goes, though its id is the newest
		{3, 447, []string{"A450", "A449", "A448"}},
		{3, 0, []string{"A450", "A449", "A448"}},
		{0, 3, nil},
	} {
		n, err := s.DeleteAuditBeyond(ctx, tc.keep)
		must(t, err)
		left = min(left, tc.keep)
		got, total, err := s.ListAudit(ctx, store.AuditFilter{Limit: max(len(tc.newest), 1)})
		must(t, err)
		if n != tc.deleted || total != left {
			t.Errorf("DeleteAuditBeyond(%d) = %d, leaving %d; want %d deleted, %d left", tc.keep, n, total, tc.deleted, left)
		}
		checkActions(t, fmt.Sprintf("newest after keeping %d", tc.keep), got, total, left, tc.newest)
	}
	// An entry past the cap whose time ties with the last one kept goes
	// by its id.
	must(t, s.AppendAudit(ctx, []store.AuditEntry{auditEntry(7, "admin", "B1", "bob"), auditEntry(7, "admin", "B2", "bob")}))
	n, err = s.DeleteAuditBeyond(ctx, 1)
	must(t, err)
	got, total, err := s.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	checkActions(t, "keeping 1 of a tie", got, total, 1, []string{"B2"})
	if n != 1 {
		t.Errorf("DeleteAuditBeyond(1) of 2 = %d, want 1", n)
	}
}

// testAuditEach checks that EachAudit hands over the entries in order
// with the total counted first, and stops at the first error of fn.
func testAuditEach(t *testing.T, s Single) {
	ctx := t.Context()
	var in []store.AuditEntry
	for i := range 300 {
		in = append(in, auditEntry(int64(i+1), "admin", fmt.Sprint("A", i+1), "bob"))
	}
	must(t, s.AppendAudit(ctx, in))
	var got []store.AuditEntry
	total, err := s.EachAudit(ctx, store.AuditFilter{Offset: 10, Limit: 250}, func(e store.AuditEntry) error {
		got = append(got, e)
		return nil
	})
	must(t, err)
	want, wantTotal, err := s.ListAudit(ctx, store.AuditFilter{Offset: 10, Limit: 250})
	must(t, err)
	checkActions(t, "EachAudit", got, total, wantTotal, actionsOf(want))
	if len(got) != 250 || got[0].Action != "A290" {
		t.Errorf("EachAudit from offset 10: %d entries from %v, want 250 from A290", len(got), actionsOf(got[:min(1, len(got))]))
	}

	stop := errors.New("client went away")
	calls := 0
	total, err = s.EachAudit(ctx, store.AuditFilter{}, func(store.AuditEntry) error {
		if calls++; calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("EachAudit with fn failing at the third entry: %d calls, total %d, error %v; want 3 calls and %v", calls, total, err, stop)
	}
	// The store still answers: the read that was stopped let go of its
	// connection.
	for range 20 {
		if _, err := s.EachAudit(ctx, store.AuditFilter{}, func(store.AuditEntry) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("EachAudit: %v, want %v", err, stop)
		}
	}
	total, err = s.EachAudit(ctx, store.AuditFilter{Actions: []string{"none"}}, func(store.AuditEntry) error {
		t.Error("fn called for a filter that selects nothing")
		return nil
	})
	if err != nil || total != 0 {
		t.Errorf("EachAudit selecting nothing: total %d, %v", total, err)
	}
}
