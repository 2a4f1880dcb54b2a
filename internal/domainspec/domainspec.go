// Package domainspec holds the vendor's models of Active Directory
// domains and LDAP providers (ActiveDirectoryApi and LdapApi of the v2
// API) with their validation, and turns them into the configuration of a
// directory.Directory. Their JSON is the wire's: every field the SDKs
// send or read, with null and absent alike meaning "not given".
package domainspec

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Enumerations of the vendor's models, spelt exactly.
var (
	Encryptions   = []string{"DES-CBC-CRC", "DES-CBC-MD5", "RC4-HMAC", "AES128-CTS-HMAC-SHA1-96", "AES256-CTS-HMAC-SHA1-96"}
	AuthTypes     = []string{AuthAnonymous, AuthSimple}
	ObjectClasses = []string{"User", "Group", "Computer", "WellKnownPrincipal", "ServiceAccount"}
	mappingTypes  = []string{"Rfc2307", "Sfu30", "Centrify", "CustomAttributes", "LdapProvider", "NisProvider", "Rid", "Fixed"}
)

// LDAP authentication types.
const (
	AuthAnonymous = "Anonymous"
	AuthSimple    = "Simple"
)

var (
	// domainPattern is the vendor's pattern of a domain name.
	domainPattern = regexp.MustCompile(`^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9_\-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9_\-]{0,61}[a-zA-Z0-9]))*$`)
	// machinePattern is the vendor's pattern of a machine account name
	// (NetBIOS: at most 15 characters).
	machinePattern = regexp.MustCompile(`^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,13}[a-zA-Z0-9])$`)
	// attrPattern is an LDAP attribute or object class name: it goes into
	// filters unescaped, so nothing else is let through.
	attrPattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,63}$`)
)

// MaxList bounds every list of these models.
const MaxList = 64

// CheckDomainName checks a domain name against the vendor's pattern; LOCAL
// is the cluster's own domain and never a directory's.
func CheckDomainName(field, name string) error {
	if len(name) > 253 || !domainPattern.MatchString(name) {
		return fmt.Errorf("%s %q is not a domain name (letters, digits, '-' and '_' in dot-separated labels)", field, name)
	}
	if strings.EqualFold(name, "LOCAL") {
		return fmt.Errorf("%s: LOCAL is the cluster's own domain", field)
	}
	return nil
}

// checkHost checks a server name: a host name or an IP address, with an
// optional :port.
func checkHost(field, h string) error {
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = h, ""
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%s %q: the port must be 1 to 65535", field, h)
		}
	}
	if net.ParseIP(host) == nil && (len(host) > 253 || !domainPattern.MatchString(host)) {
		return fmt.Errorf("%s %q is neither a host name nor an IP address", field, h)
	}
	return nil
}

// checkList bounds a list's length and refuses repeats (case-insensitive).
func checkList(field string, v []string, each func(string, string) error) error {
	if len(v) > MaxList {
		return fmt.Errorf("%s holds %d items; at most %d", field, len(v), MaxList)
	}
	seen := map[string]bool{}
	for i, s := range v {
		f := fmt.Sprintf("%s[%d]", field, i)
		if each != nil {
			if err := each(f, s); err != nil {
				return err
			}
		}
		if seen[strings.ToLower(s)] {
			return fmt.Errorf("%s %q is given twice", f, s)
		}
		seen[strings.ToLower(s)] = true
	}
	return nil
}

func oneOf(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("%s %q: want one of %s", field, v, strings.Join(allowed, ", "))
	}
	return nil
}

// checkText refuses control characters and overlong text.
func checkText(field, v string, maxLen int) error {
	if len(v) > maxLen {
		return fmt.Errorf("%s is %d bytes long; at most %d", field, len(v), maxLen)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%s holds a control character", field)
	}
	return nil
}

// checkIDMapping checks the parts of idMappingParams the vendor's
// clients require in a response: an object whose userIdMappingParams has
// a known type. The rest is kept as given.
func checkIDMapping(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m struct {
		SID  *string `json:"sidMappedToUnixRootUser"`
		User *struct {
			Type *string `json:"type"`
		} `json:"userIdMappingParams"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return errors.New("idMappingParams must be an object")
	}
	if m.SID == nil || m.User == nil || m.User.Type == nil {
		return errors.New("idMappingParams needs sidMappedToUnixRootUser and userIdMappingParams.type")
	}
	return oneOf("idMappingParams.userIdMappingParams.type", *m.User.Type, mappingTypes)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
