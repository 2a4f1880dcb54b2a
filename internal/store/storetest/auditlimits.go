package storetest

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clusteriam/clusteriam/internal/store"
)

// auditLimitTests hold the trail to its bounds: of each entry's text, of
// the number of entries, and of the memory a read takes.
var auditLimitTests = []subTest{
	{"AuditBounded", testAuditBounded},
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
		IP: huge, Action: "LoginFailed", EntityType: "User", EntityID: huge, EntityName: huge, Details: huge}
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
	if got.ID != want.ID || got.TimeUsecs != want.TimeUsecs {
		t.Errorf("%s: id %d, time %d; want %d, %d", what, got.ID, got.TimeUsecs, want.ID, want.TimeUsecs)
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
