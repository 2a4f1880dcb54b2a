package store

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBoundText(t *testing.T) {
	mark := func(n int) string { return TruncatedMark + strconv.Itoa(n) + " bytes]" }
	// A text of 100 to 999 bytes (so the mark's length is known) whose
	// cut at a bound of 64 falls back bytes into a character of size
	// bytes, after plain ASCII.
	inside := func(size, back int) (in, want string) {
		ascii := strings.Repeat("a", 64-len(mark(100))-back)
		char := map[int]string{2: "é", 3: "€", 4: "𝄞"}[size]
		in = ascii + strings.Repeat(char, 50)
		return in, ascii + mark(len(in))
	}
	for _, tc := range []struct {
		name     string
		in, want string
		limit    int
	}{
		{"empty", "", "", 64},
		{"short", "bob", "bob", 64},
		{"exactly the bound", strings.Repeat("a", 64), strings.Repeat("a", 64), 64},
		{"one byte over", strings.Repeat("a", 65), strings.Repeat("a", 64-len(mark(65))) + mark(65), 64},
		{"a megabyte", strings.Repeat("p", 1<<20), strings.Repeat("p", 512-len(mark(1<<20))) + mark(1<<20), 512},
		{"on a character boundary", strings.Repeat("€", 40), strings.Repeat("€", (64-len(mark(120)))/3) + mark(120), 64},
	} {
		t.Run(tc.name, func(t *testing.T) { checkBound(t, tc.in, tc.limit, tc.want) })
	}
	// The cut would fall 1 to size-1 bytes into a character: it backs up
	// to the character's first byte.
	for size := 2; size <= 4; size++ {
		for back := 1; back < size; back++ {
			in, want := inside(size, back)
			t.Run(fmt.Sprintf("%d bytes into a %d-byte character", back, size), func(t *testing.T) {
				checkBound(t, in, 64, want)
			})
		}
	}
}

func checkBound(t *testing.T, in string, limit int, want string) {
	t.Helper()
	got := boundText(in, limit)
	if got != want {
		t.Errorf("boundText(%d bytes, %d) =\n %q\nwant\n %q", len(in), limit, got, want)
	}
	if len(got) > limit || len(got) < min(len(in), limit-3) {
		t.Errorf("%d bytes: want %d to %d", len(got), min(len(in), limit-3), limit)
	}
	if !utf8.ValidString(got) {
		t.Errorf("%q is not valid UTF-8", got)
	}
}

// TestBounded checks that every text field of an entry is bounded, and
// that the numbers are kept.
func TestBounded(t *testing.T) {
	huge := strings.Repeat("x", 1<<20)
	e := AuditEntry{ID: 7, TimeUsecs: 99, ActorSID: huge, ActorDomain: huge, ActorUsername: huge, IP: huge,
		TenantID: huge, TenantName: huge, OriginalTenantID: huge, OriginalTenantName: huge,
		Action: huge, EntityType: huge, EntityID: huge, EntityName: huge, Details: huge}
	b := e.Bounded()
	if b.ID != 7 || b.TimeUsecs != 99 {
		t.Errorf("id %d, time %d: want 7, 99", b.ID, b.TimeUsecs)
	}
	for name, f := range map[string]struct {
		s   string
		max int
	}{
		"ActorSID": {b.ActorSID, MaxAuditNameBytes}, "ActorDomain": {b.ActorDomain, MaxAuditNameBytes},
		"ActorUsername": {b.ActorUsername, MaxAuditNameBytes}, "IP": {b.IP, MaxAuditIPBytes},
		"Action": {b.Action, MaxAuditNameBytes}, "EntityType": {b.EntityType, MaxAuditNameBytes},
		"EntityID": {b.EntityID, MaxAuditNameBytes}, "EntityName": {b.EntityName, MaxAuditNameBytes},
		"Details":  {b.Details, MaxAuditDetailsBytes},
		"TenantID": {b.TenantID, MaxAuditNameBytes}, "TenantName": {b.TenantName, MaxAuditNameBytes},
		"OriginalTenantID":   {b.OriginalTenantID, MaxAuditNameBytes},
		"OriginalTenantName": {b.OriginalTenantName, MaxAuditNameBytes},
	} {
		if len(f.s) > f.max || len(f.s) < f.max-3 || !strings.Contains(f.s, TruncatedMark) {
			t.Errorf("%s: %d bytes, want a marked text of at most %d", name, len(f.s), f.max)
		}
	}
	small := AuditEntry{ActorUsername: "bob", Details: "roles COHESITY_VIEWER", IP: "192.0.2.7"}
	if small.Bounded() != small {
		t.Errorf("an entry within its bounds changed: %+v", small.Bounded())
	}
}
