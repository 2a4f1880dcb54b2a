package directory

import (
	"bytes"
	"strings"
	"testing"
)

func TestSIDRoundTrip(t *testing.T) {
	tests := []struct {
		sid string
		raw []byte
	}{
		// Administrator of a domain: S-1-5-21-x-y-z-500.
		{"S-1-5-21-1004336348-1177238915-682003330-500", []byte{1, 5, 0, 0, 0, 0, 0, 5,
			21, 0, 0, 0, 0xdc, 0xf4, 0xdc, 0x3b, 0x83, 0x3d, 0x2b, 0x46, 0x82, 0x8b, 0xa6, 0x28, 0xf4, 1, 0, 0}},
		{"S-1-1-0", []byte{1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}},
	}
	for _, tc := range tests {
		got, err := decodeSID(tc.raw)
		if err != nil || got != tc.sid {
			t.Errorf("decodeSID(%x) = %q, %v; want %q", tc.raw, got, err, tc.sid)
		}
		raw, err := encodeSID(tc.sid)
		if err != nil || !bytes.Equal(raw, tc.raw) {
			t.Errorf("encodeSID(%q) = %x, %v; want %x", tc.sid, raw, err, tc.raw)
		}
	}
	for _, bad := range [][]byte{nil, {1, 2, 0, 0, 0, 0, 0, 5, 1, 0, 0, 0}, {1}} {
		if _, err := decodeSID(bad); err == nil {
			t.Errorf("decodeSID(%x) accepted a malformed SID", bad)
		}
	}
	for _, bad := range []string{"", "S-1", "X-1-5", "S-1-5-x", "S-1-5-99999999999", "S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"} {
		if _, err := encodeSID(bad); err == nil {
			t.Errorf("encodeSID(%q) accepted a malformed SID", bad)
		}
	}
}

func TestEscapeBinary(t *testing.T) {
	if got := escapeBinary([]byte{0, '*', '(', 0xff}); got != `\00\2a\28\ff` {
		t.Errorf("escapeBinary = %q", got)
	}
}

func TestLDAPSID(t *testing.T) {
	dom := ldapDomainSID("Example.TEST")
	if dom != ldapDomainSID("example.test") || !strings.HasPrefix(dom, "S-1-5-21-") || strings.Count(dom, "-") != 6 {
		t.Fatalf("domain SID %q: want S-1-5-21-A-B-C, the same for any case of the name", dom)
	}
	if dom == ldapDomainSID("other.test") {
		t.Error("two domains share a SID")
	}
	const id = "8a3c1f02-5e7b-4d1c-9f0a-0b1c2d3e4f50"
	sid, err := ldapSID(dom, id)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := ldapSID(dom, strings.ToUpper(id)); again != sid {
		t.Errorf("the same entryUUID gives %q and %q", sid, again)
	}
	back, err := ldapUUID(dom, sid)
	if err != nil || back != id {
		t.Errorf("ldapUUID(%q) = %q, %v; want %q", sid, back, err, id)
	}
	for _, foreign := range []string{"S-1-5-21-1-2-3-4", dom + "-1-2-3", dom + "-1-2-3-x", dom} {
		if _, err := ldapUUID(dom, foreign); err == nil {
			t.Errorf("ldapUUID(%q) accepted a SID that is not the domain's", foreign)
		}
	}
	if _, err := ldapSID(dom, "not-a-uuid"); err == nil {
		t.Error("ldapSID accepted a malformed entryUUID")
	}
}
