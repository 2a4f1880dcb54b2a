package directory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"
)

// ErrExists: a machine account to be made is in the directory already.
var ErrExists = errors.New("already in the directory")

// JoinRequest asks to add the cluster to an Active Directory domain as
// computer (machine) accounts, as the vendor's create_active_directory
// does.
type JoinRequest struct {
	// AdminUser and AdminPassword are an account allowed to create
	// computer objects. They serve this call only and are never kept.
	AdminUser, AdminPassword string
	// Accounts are the machine account names (NetBIOS, at most 15
	// characters). The first is the one the cluster binds as.
	Accounts []string
	// OU is the organizational unit the accounts are made in, as
	// "OU=A,OU=B" or "A/B"; empty is the domain's Computers container.
	OU string
	// Overwrite resets the password of an account that exists instead of
	// refusing it.
	Overwrite bool
	// Owned are accounts the cluster made before: reset even without
	// Overwrite.
	Owned []string
}

// Joined is the cluster's account in a domain it joined.
type Joined struct {
	BindDN   string
	Password string
}

// Join makes the machine accounts req names, with passwords only the
// cluster knows, and returns the first one's DN and password: the
// domain's service account from then on. Setting a password needs an
// encrypted connection (ldaps:// or StartTLS), as Active Directory
// requires. The connection binds as req's admin, never as the domain's
// configured service account.
func (d *Directory) Join(ctx context.Context, req JoinRequest) (Joined, error) {
	if len(req.Accounts) == 0 {
		return Joined{}, errors.New("no machine account to make")
	}
	var out Joined
	err := d.asAdmin(ctx, req.AdminUser, req.AdminPassword, func(c *ldap.Conn) error {
		pw, err := machinePassword()
		if err != nil {
			return err
		}
		for i, name := range req.Accounts {
			owned := slices.ContainsFunc(req.Owned, func(o string) bool { return strings.EqualFold(o, name) })
			dn, err := d.makeAccount(c, name, req.OU, pw, req.Overwrite || owned)
			if err != nil {
				return err
			}
			if i == 0 {
				out = Joined{BindDN: dn, Password: pw}
			}
		}
		return nil
	})
	return out, err
}

// Leave deletes the machine accounts names, with the admin's
// credentials; those already gone are skipped.
func (d *Directory) Leave(ctx context.Context, adminUser, adminPassword string, names []string) error {
	return d.asAdmin(ctx, adminUser, adminPassword, func(c *ldap.Conn) error {
		for _, name := range names {
			e, err := d.searchOne(c, d.cfg.BaseDN, machineFilter(name), "machine account "+name)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := c.Del(ldap.NewDelRequest(e.DN, nil)); err != nil {
				return d.classify("delete machine account "+name, err)
			}
		}
		return nil
	})
}

// asAdmin runs fn on a connection bound as the given administrator. A
// bare user name is taken as user@domain. Its refusal is
// ErrInvalidCredentials: the caller's mistake.
func (d *Directory) asAdmin(ctx context.Context, user, password string, fn func(c *ldap.Conn) error) error {
	if user == "" || password == "" {
		return fmt.Errorf("directory %s: the administrator's username and password are required: %w", d.cfg.Domain, ErrInvalidCredentials)
	}
	if !strings.ContainsAny(user, `@\=`) {
		user += "@" + d.cfg.Domain
	}
	return d.connect(ctx, func(c *ldap.Conn, _ string) error {
		if err := c.Bind(user, password); err != nil {
			if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
				return fmt.Errorf("directory %s: administrator %s: %w", d.cfg.Domain, user, ErrInvalidCredentials)
			}
			return d.classify("bind as "+user, err)
		}
		return fn(c)
	})
}

func machineFilter(name string) string {
	return fmt.Sprintf("(&(objectClass=computer)(sAMAccountName=%s))", ldap.EscapeFilter(name+"$"))
}

// makeAccount creates machine account name under ou with password pw, or
// with overwrite resets the one that exists, and returns its DN.
func (d *Directory) makeAccount(c *ldap.Conn, name, ou, pw string, overwrite bool) (string, error) {
	e, err := d.searchOne(c, d.cfg.BaseDN, machineFilter(name), "machine account "+name)
	switch {
	case err == nil && !overwrite:
		return "", fmt.Errorf("directory %s: machine account %s (%s): %w", d.cfg.Domain, name, e.DN, ErrExists)
	case err == nil:
		mod := ldap.NewModifyRequest(e.DN, nil)
		mod.Replace("unicodePwd", []string{encodePassword(pw)})
		if err := c.Modify(mod); err != nil {
			return "", d.classify("reset the password of machine account "+name, err)
		}
		return e.DN, nil
	case !errors.Is(err, ErrNotFound):
		return "", err
	}
	dn := fmt.Sprintf("CN=%s,%s", ldap.EscapeDN(name), containerDN(ou, d.cfg.BaseDN))
	add := ldap.NewAddRequest(dn, nil)
	add.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user", "computer"})
	add.Attribute("sAMAccountName", []string{name + "$"})
	add.Attribute("userAccountControl", []string{"4096"}) // a workstation trust account
	add.Attribute("dNSHostName", []string{strings.ToLower(name) + "." + d.cfg.Domain})
	add.Attribute("unicodePwd", []string{encodePassword(pw)})
	if err := c.Add(add); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
			return "", fmt.Errorf("directory %s: %s: %w", d.cfg.Domain, dn, ErrExists)
		}
		return "", d.classify("create machine account "+name, err)
	}
	return dn, nil
}

// containerDN is where machine accounts go: ou ("A/B" or "OU=B,OU=A"
// form) under base, or the Computers container.
func containerDN(ou, base string) string {
	if ou == "" {
		return "CN=Computers," + base
	}
	if strings.Contains(ou, "=") {
		return ou + "," + base
	}
	parts := strings.Split(ou, "/")
	rdns := make([]string, 0, len(parts))
	for i := len(parts) - 1; i >= 0; i-- {
		rdns = append(rdns, "OU="+ldap.EscapeDN(parts[i]))
	}
	return strings.Join(rdns, ",") + "," + base
}

// machinePassword is a new random password meeting Active Directory's
// complexity rules: 48 characters from 32 random bytes, with each kind of
// character.
func machinePassword() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("machine account password: %w", err)
	}
	return "Aa1-" + base64.RawURLEncoding.EncodeToString(b), nil
}

// encodePassword is pw as unicodePwd takes it: quoted, in UTF-16LE.
func encodePassword(pw string) string {
	units := utf16.Encode([]rune(`"` + pw + `"`))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[2*i:], u)
	}
	return string(b)
}
