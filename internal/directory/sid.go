package directory

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// decodeSID renders a binary Windows SID (objectSid) as S-1-5-21-...: a
// revision byte, a sub-authority count, a 48-bit big-endian identifier
// authority, then 32-bit little-endian sub-authorities.
func decodeSID(b []byte) (string, error) {
	if len(b) < 8 || int(b[1])*4+8 != len(b) {
		return "", fmt.Errorf("directory: objectSid of %d bytes is malformed", len(b))
	}
	var auth uint64
	for _, x := range b[2:8] {
		auth = auth<<8 | uint64(x)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "S-%d-%d", b[0], auth)
	for i := 8; i < len(b); i += 4 {
		fmt.Fprintf(&sb, "-%d", binary.LittleEndian.Uint32(b[i:]))
	}
	return sb.String(), nil
}

// encodeSID is the inverse of decodeSID.
func encodeSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || parts[0] != "S" || len(parts)-3 > 15 {
		return nil, fmt.Errorf("directory: %q is not a SID", s)
	}
	rev, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil {
		return nil, fmt.Errorf("directory: %q is not a SID", s)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("directory: %q is not a SID", s)
	}
	subs := parts[3:]
	b := make([]byte, 8, 8+4*len(subs))
	b[0], b[1] = byte(rev), byte(len(subs))
	for i := range 6 {
		b[2+i] = byte(auth >> (8 * (5 - i)))
	}
	for _, p := range subs {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("directory: %q is not a SID", s)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b, nil
}

// escapeBinary renders bytes for an LDAP filter value, every byte escaped.
func escapeBinary(b []byte) string {
	var sb strings.Builder
	for _, x := range b {
		fmt.Fprintf(&sb, `\%02x`, x)
	}
	return sb.String()
}

// A plain LDAP directory has no SIDs, so clusteriam derives them:
//
//	domain SID:    S-1-5-21-A-B-C, where A, B and C are the first three
//	               32-bit big-endian words of SHA-256 of the lower-cased
//	               domain name;
//	principal SID: the domain SID followed by the 128 bits of the entry's
//	               entryUUID as four 32-bit big-endian words.
//
// The mapping is deterministic (the same entry has the same SID on every
// replica and after a restart) and reversible, so a SID can be looked up
// again by entryUUID.

// ldapDomainSID is the derived SID of a plain LDAP domain.
func ldapDomainSID(domain string) string {
	h := sha256.Sum256([]byte(strings.ToLower(domain)))
	return fmt.Sprintf("S-1-5-21-%d-%d-%d", binary.BigEndian.Uint32(h[0:]),
		binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[8:]))
}

// ldapSID derives the SID of the entry with the given entryUUID.
func ldapSID(domainSID, entryUUID string) (string, error) {
	u, err := uuid.Parse(entryUUID)
	if err != nil {
		return "", fmt.Errorf("directory: entryUUID %q: %w", entryUUID, err)
	}
	return fmt.Sprintf("%s-%d-%d-%d-%d", domainSID, binary.BigEndian.Uint32(u[0:]),
		binary.BigEndian.Uint32(u[4:]), binary.BigEndian.Uint32(u[8:]), binary.BigEndian.Uint32(u[12:])), nil
}

// errForeignSID: a SID outside the directory's domain.
var errForeignSID = errors.New("directory: the SID is not of this domain")

// ldapUUID recovers the entryUUID from a SID made by ldapSID.
func ldapUUID(domainSID, sid string) (string, error) {
	rest, ok := strings.CutPrefix(sid, domainSID+"-")
	if !ok {
		return "", errForeignSID
	}
	parts := strings.Split(rest, "-")
	if len(parts) != 4 {
		return "", errForeignSID
	}
	var u uuid.UUID
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return "", errForeignSID
		}
		binary.BigEndian.PutUint32(u[4*i:], uint32(v))
	}
	return u.String(), nil
}
