package dirtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Provisioning the domain and loading the fixture take samba-tool 20 to 30 s
// of CPU; copying the result takes a fraction of a second. So the domain is
// provisioned once per machine into a template directory, named for what
// it holds, and each test process copies it.
const (
	sambaTemplatePrefix = "clusteriam-sambatemplate-" // then the key, in os.TempDir()
	// sambaDirPlaceholder stands for the instance's directory in the
	// template's smb.conf, the only file that names it.
	sambaDirPlaceholder = "@CLUSTERIAM_SAMBA_DIR@"
	// sambaTemplateFormat changes whenever the template's layout does.
	sambaTemplateFormat = 1
)

// sambaProvisionArgs are samba-tool's arguments to provision the domain in dir.
func sambaProvisionArgs(dir string) []string {
	return []string{"domain", "provision", "--use-rfc2307",
		"--realm=EXAMPLE.TEST", "--domain=EXAMPLE", "--server-role=dc", "--dns-backend=NONE",
		"--host-name=dc1", "--adminpass=" + sambaAdminPassword, "--targetdir=" + dir,
		"--option=interfaces=lo", "--option=bind interfaces only=yes",
		"--option=server services=ldap, cldap, kdc, rpc",
		"--option=pid directory=" + filepath.Join(dir, "run")}
}

// sambaTemplate returns the template directory for this machine's Samba and
// this fixture, provisioning it first if there is none. Test processes that
// need it at the same time wait for the one that makes it.
func sambaTemplate(t testing.TB) (string, error) {
	key, err := sambaTemplateKey()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), sambaTemplatePrefix+key)
	if templateComplete(dir) {
		return dir, nil
	}
	lock, err := lockFile(t, dir+".lock", "another test process provisions the Samba AD template")
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if templateComplete(dir) {
		return dir, nil // made while we waited
	}
	if err := os.RemoveAll(dir); err != nil { // a template with files missing
		return "", fmt.Errorf("remove the incomplete Samba AD template: %w", err)
	}
	// Made under a name removeStaleDirs knows, in case this process dies,
	// and renamed into place whole.
	tmp, err := os.MkdirTemp("", fmt.Sprintf("%s%d-template-", sambaDirPrefix, os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	began := time.Now()
	err = provisionSamba(tmp)
	if err == nil {
		err = writeManifest(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return "", err
	}
	t.Logf("dirtest: Samba AD template provisioned with the fixture in %v: %s", time.Since(began).Round(time.Millisecond), dir)
	return dir, nil
}

// sambaTemplateKey names the template after what it is made of: the Samba
// version, the provisioning arguments and the fixture.
func sambaTemplateKey() (string, error) {
	version, err := runTool(nil, sambaBinary, "--version")
	if err != nil {
		return "", err
	}
	users, groups := fixture()
	h := sha256.New()
	fmt.Fprintf(h, "%d\n%s\n%q\n%v\n%v\n", sambaTemplateFormat, strings.TrimSpace(version),
		sambaProvisionArgs(sambaDirPlaceholder), users, groups)
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// provisionSamba provisions the domain in dir, adds the fixture, and puts
// sambaDirPlaceholder for dir in its smb.conf.
func provisionSamba(dir string) error {
	if err := os.Mkdir(filepath.Join(dir, "run"), 0o700); err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	if _, err := runTool(nil, sambaTool, sambaProvisionArgs(dir)...); err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	conf := filepath.Join(dir, "etc", "smb.conf")
	users, groups := fixture()
	var cmds [][]string
	for _, u := range users {
		cmds = append(cmds, []string{"user", "create", u.Name, u.Password, "--given-name=" + u.Given,
			"--surname=" + u.Surname, "--mail-address=" + u.Name + "@example.test"})
	}
	for _, g := range groups {
		cmds = append(cmds, []string{"group", "add", g.Name})
	}
	for _, g := range groups {
		cmds = append(cmds, []string{"group", "addmembers", g.Name, strings.Join(g.Members, ",")})
	}
	for _, args := range cmds {
		if _, err := runTool(nil, sambaTool, append(args, "-s", conf)...); err != nil {
			return fmt.Errorf("fixture: %w", err)
		}
	}
	return replaceInFile(conf, dir, sambaDirPlaceholder)
}

// templateManifest lists the files of a template, one path a line,
// relative to it.
const templateManifest = "MANIFEST"

// writeManifest lists the regular files under dir in its manifest.
func writeManifest(dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files = append(files, rel)
		return err
	})
	if err != nil {
		return fmt.Errorf("Samba AD template manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, templateManifest), []byte(strings.Join(files, "\n")), 0o644); err != nil {
		return fmt.Errorf("Samba AD template manifest: %w", err)
	}
	return nil
}

// templateComplete reports whether dir is a template with every file of its
// manifest: a cleaner of old files in /tmp may have taken some.
func templateComplete(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, templateManifest))
	if err != nil {
		return false
	}
	for _, rel := range strings.Split(string(b), "\n") {
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			return false
		}
	}
	return true
}

// copyTemplate copies the template tpl into the empty directory dir
// (attributes too, as samba set them) and points its smb.conf at dir.
func copyTemplate(tpl, dir string) error {
	if _, err := runTool(nil, "cp", "-a", tpl+"/.", dir); err != nil {
		return fmt.Errorf("copy the Samba AD template: %w", err)
	}
	return replaceInFile(filepath.Join(dir, "etc", "smb.conf"), sambaDirPlaceholder, dir)
}

// replaceInFile replaces every old in the file with new.
func replaceInFile(path, old, new string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(b), old, new)), 0o644); err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	return nil
}
