package store

import (
	"strconv"
	"unicode/utf8"
)

// Bounds, in bytes, of the text one audit entry keeps. No real name comes
// near MaxAuditNameBytes (names are at most 255 bytes, `domain\name` 511),
// so only text that is no real name is ever cut there; details list roles,
// privileges or source ids, and a very long list is cut.
const (
	// MaxAuditNameBytes bounds the actor's username and domain, the
	// entity's id and name, and the tenants' ids and names.
	MaxAuditNameBytes = 512
	// MaxAuditDetailsBytes bounds the details.
	MaxAuditDetailsBytes = 4096
	// MaxAuditIPBytes bounds the client's address (an IPv6 address with
	// a zone is under 64).
	MaxAuditIPBytes = 64
)

// TruncatedMark begins the mark that ends a text cut to its bound:
// "…[truncated from N bytes]", N being the text's length before the cut.
// The ellipsis (U+2026) and the bracket set it apart from the text, and a
// cut text is always within 3 bytes of its bound, so a name that merely
// ends so is told apart by its length.
const TruncatedMark = "…[truncated from "

// Bounded returns e with each text field cut to its bound, on a UTF-8
// character boundary, and marked (see TruncatedMark). Fields within their
// bound are left as they are. Every store bounds an entry so before it is
// stored, whoever wrote it.
func (e AuditEntry) Bounded() AuditEntry {
	for _, f := range []struct {
		s   *string
		max int
	}{
		{&e.ActorDomain, MaxAuditNameBytes}, {&e.ActorUsername, MaxAuditNameBytes},
		{&e.ActorSID, MaxAuditNameBytes}, {&e.EntityID, MaxAuditNameBytes},
		{&e.EntityName, MaxAuditNameBytes}, {&e.Action, MaxAuditNameBytes},
		{&e.EntityType, MaxAuditNameBytes}, {&e.IP, MaxAuditIPBytes},
		{&e.TenantID, MaxAuditNameBytes}, {&e.TenantName, MaxAuditNameBytes},
		{&e.OriginalTenantID, MaxAuditNameBytes}, {&e.OriginalTenantName, MaxAuditNameBytes},
		{&e.Details, MaxAuditDetailsBytes},
	} {
		*f.s = boundText(*f.s, f.max)
	}
	return e
}

// boundText cuts s to at most limit bytes, mark included, when it is
// longer. limit must leave room for the mark.
func boundText(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	mark := TruncatedMark + strconv.Itoa(len(s)) + " bytes]"
	cut := limit - len(mark)
	// Back up to the first byte of a character: at most 3 bytes in valid
	// UTF-8; invalid input stops at once rather than eating the text.
	for i := 0; i < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	return s[:cut] + mark
}
