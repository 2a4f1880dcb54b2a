package iam

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
	"github.com/clusteriam/clusteriam/internal/secconfig"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/sqlite"
)

// The search: from one fixture, a user manager "um" (PRINCIPAL_VIEW and
// PRINCIPAL_MODIFY) makes sequences of up to four changes (group members
// and roles, user roles, keys, passwords, sessions, sources, locks,
// deletes, new users and groups); then an administrator puts the groups
// and roles back as they were, as the one in issue 19's report did. After
// every step someone must still hold every privilege, and at the end no
// credential um holds or learned (its own, the keys it made, the
// passwords it set) may carry a privilege um did not hold at the start.

// searchWorld is the fixture of the search, made once and copied for each
// sequence: a real SQLite file.
type searchWorld struct {
	template string
	box      *auth.SecretBox
	hasher   *auth.Hasher
	sids     map[string]string // user and group names
	umKey    string
	umPrivs  []string
	adminKey string
	samlCert string // the signing certificate of the SAML providers um may add
	// groups and users as the administrator puts them back.
	groupRoles, groupMembers map[string][]string
	userRoles                map[string][]string
}

// searchUsers and searchGroups are what um's operations name.
var (
	searchUsers  = []string{"admin", "boss", "um", "vic", "ops", "new1"}
	searchGroups = []string{"admins", "staff", "peers", "newg"}
	searchRoles  = [][]string{{}, {"Watch"}, {"UM"}, {RoleAdmin}, {RoleViewer}}
)

func newSearchWorld(t *testing.T) *searchWorld {
	t.Helper()
	ctx := t.Context()
	w := &searchWorld{template: filepath.Join(t.TempDir(), "template.db"), sids: map[string]string{}}
	var err error
	if w.box, err = auth.NewSecretBox(make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	w.hasher = auth.NewHasher(auth.Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	st, err := sqlite.Open(ctx, w.template)
	if err != nil {
		t.Fatal(err)
	}
	svc := w.service(t, st)
	if _, err := svc.EnsureAdmin(ctx, "admin-Password-1"); err != nil {
		t.Fatal(err)
	}
	admin := w.principal(t, svc, "admin", "admin-Password-1")
	for _, r := range []RoleInput{
		{Name: "UM", Privileges: []string{PrivPrincipalView, PrivPrincipalModify}},
		{Name: "Watch", Privileges: []string{PrivPrincipalView}},
	} {
		if _, err := svc.CreateRole(ctx, admin, r); err != nil {
			t.Fatal(err)
		}
	}
	users, err := svc.CreateUsers(ctx, admin, []NewUser{
		{Username: "boss", Domain: LocalDomain, Password: "boss-Password-1"},
		{Username: "um", Domain: LocalDomain, Password: "um-Password-1", Roles: []string{"UM"}},
		{Username: "vic", Domain: LocalDomain, Password: "vic-Password-1", Roles: []string{"Watch"}},
		{Username: "ops", Domain: LocalDomain, Password: "ops-Password-1", Roles: []string{"UM"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.sids["admin"] = admin.User.SID
	for _, u := range users {
		w.sids[u.Username] = u.SID
	}
	groups, err := svc.CreateGroups(ctx, admin, []NewGroup{
		{Name: "admins", Domain: LocalDomain, Roles: []string{RoleAdmin}, Members: []string{w.sids["boss"]}},
		{Name: "staff", Domain: LocalDomain, Roles: []string{"Watch"}, Members: []string{w.sids["vic"]}},
		{Name: "peers", Domain: LocalDomain, Roles: []string{"UM"}, Members: []string{w.sids["ops"]}},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.groupRoles, w.groupMembers, w.userRoles = map[string][]string{}, map[string][]string{}, map[string][]string{}
	for _, g := range groups {
		w.sids[g.Name] = g.SID
		w.groupRoles[g.Name], w.groupMembers[g.Name] = g.Roles, g.Members
	}
	for _, u := range append(users, admin.User) {
		w.userRoles[u.Username] = u.Roles
	}
	_, w.umKey, err = svc.CreateAPIKey(ctx, w.principal(t, svc, "um", "um-Password-1"), w.sids["um"], APIKeyInput{Name: "um's own"})
	if err != nil {
		t.Fatal(err)
	}
	_, w.adminKey, err = svc.CreateAPIKey(ctx, admin, admin.User.SID, APIKeyInput{Name: "admin's own"})
	if err != nil {
		t.Fatal(err)
	}
	um, err := svc.Authenticate(ctx, Credential{CredAPIKey, w.umKey})
	if err != nil {
		t.Fatal(err)
	}
	w.umPrivs = um.Privileges
	_, cert := samltest.NewKey(t, "search idp")
	w.samlCert = samltest.PEM(cert)
	svc.Wait()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *searchWorld) service(t *testing.T, st store.Store) *Service {
	t.Helper()
	svc, err := New(t.Context(), st, w.hasher, w.box, Config{Audit: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (w *searchWorld) principal(t *testing.T, svc *Service, user, pw string) *Principal {
	t.Helper()
	_, p, err := svc.Login(t.Context(), LoginInput{Username: user, Password: pw}, store.SessionKindSession)
	if err != nil {
		t.Fatalf("log in as %s: %v", user, err)
	}
	return p
}

// searchOp is one change um may try.
type searchOp struct {
	name string
	do   func(ctx context.Context, r *searchRun) error
}

// searchRun is one sequence on a copy of the fixture, in its own file.
type searchRun struct {
	w      *searchWorld
	path   string
	st     store.Store
	svc    *Service
	um     *Principal
	sids   map[string]string // the fixture's, and those of users and groups um made
	keys   []string          // API key secrets um made
	logins [][2]string       // usernames and passwords um set
}

func (w *searchWorld) ops() []searchOp {
	var ops []searchOp
	add := func(name string, do func(ctx context.Context, r *searchRun) error) {
		ops = append(ops, searchOp{name, do})
	}
	for _, u := range searchUsers {
		for _, roles := range searchRoles {
			add(fmt.Sprintf("roles of %s := %v", u, roles), func(ctx context.Context, r *searchRun) error {
				_, err := r.svc.UpdateUser(ctx, r.um, r.sid(u), UserUpdate{Roles: roles})
				return err
			})
		}
		add("key for "+u, func(ctx context.Context, r *searchRun) error {
			_, secret, err := r.svc.CreateAPIKey(ctx, r.um, r.sid(u), APIKeyInput{Name: "planted"})
			if err == nil {
				r.keys = append(r.keys, secret)
			}
			return err
		})
		add("password of "+u, func(ctx context.Context, r *searchRun) error {
			pw := "set-by-um-Password-1"
			_, err := r.svc.UpdateUser(ctx, r.um, r.sid(u), UserUpdate{Password: &pw})
			if err == nil {
				r.logins = append(r.logins, [2]string{u, pw})
			}
			return err
		})
		add("end sessions of "+u, func(ctx context.Context, r *searchRun) error {
			return r.svc.DeleteSessions(ctx, r.um, r.sid(u))
		})
		add("revoke every credential of "+u, func(ctx context.Context, r *searchRun) error {
			return r.svc.RevokeCredentials(ctx, r.um, r.sid(u))
		})
		add("reset the second factors of "+u, func(ctx context.Context, r *searchRun) error {
			return r.svc.ResetMFA(ctx, r.um, r.sid(u))
		})
		add("reactivate and rotate the keys of "+u, func(ctx context.Context, r *searchRun) error {
			keys, err := r.st.ListAPIKeys(ctx, store.APIKeyFilter{OwnerSIDs: []string{r.sid(u)}})
			if err != nil || len(keys) == 0 {
				return &Error{Kind: KindNotFound, Msg: "no keys"}
			}
			active := true
			for _, k := range keys {
				if _, err := r.svc.UpdateAPIKey(ctx, r.um, r.sid(u), k.ID, APIKeyInput{Name: k.Name, IsActive: &active, ClearExpiry: true}); err != nil {
					return err
				}
				_, secret, err := r.svc.RotateAPIKey(ctx, r.um, r.sid(u), k.ID)
				if err != nil {
					return err
				}
				r.keys = append(r.keys, secret)
			}
			return nil
		})
		add("sources of "+u, func(ctx context.Context, r *searchRun) error {
			_, err := r.svc.SetPrincipalSources(ctx, r.um, r.sid(u), Sources{SourceIDs: []int64{1}})
			return err
		})
		for _, locked := range []bool{true, false} {
			add(fmt.Sprintf("lock %s := %v", u, locked), func(ctx context.Context, r *searchRun) error {
				_, err := r.svc.UpdateUser(ctx, r.um, r.sid(u), UserUpdate{Locked: &locked})
				return err
			})
		}
		add("delete "+u, func(ctx context.Context, r *searchRun) error {
			return r.svc.DeleteUsers(ctx, r.um, []string{r.sid(u)})
		})
		for _, g := range searchGroups {
			add(fmt.Sprintf("add %s to %s", u, g), func(ctx context.Context, r *searchRun) error {
				return r.members(ctx, g, func(m []string) []string { return append(m, r.sid(u)) })
			})
			add(fmt.Sprintf("take %s out of %s", u, g), func(ctx context.Context, r *searchRun) error {
				return r.members(ctx, g, func(m []string) []string {
					return slices.DeleteFunc(m, func(s string) bool { return s == r.sid(u) })
				})
			})
		}
	}
	for _, g := range searchGroups {
		for _, roles := range searchRoles {
			add(fmt.Sprintf("roles of %s := %v", g, roles), func(ctx context.Context, r *searchRun) error {
				_, err := r.svc.UpdateGroup(ctx, r.um, r.sid(g), GroupUpdate{Roles: roles})
				return err
			})
		}
		add("delete "+g, func(ctx context.Context, r *searchRun) error {
			return r.svc.DeleteGroups(ctx, r.um, []string{r.sid(g)})
		})
	}
	add("require a digit in passwords", func(ctx context.Context, r *searchRun) error {
		on := true
		_, err := r.svc.SetSecurityConfig(ctx, r.um, secconfig.Config{PasswordStrength: &secconfig.PasswordStrength{IncludeNumber: &on}})
		return err
	})
	add("turn MFA on", func(ctx context.Context, r *searchRun) error {
		_, err := r.svc.SetMFAConfig(ctx, r.um, MFAConfigInput{Enabled: true, Retain: true})
		return err
	})
	add("add an LDAP provider, saved anyway", func(ctx context.Context, r *searchRun) error {
		_, err := r.svc.CreateLDAPProvider(ctx, r.um, unreachableLDAP("um.example"), true)
		return err
	})
	// A SAML provider um configures is a credential um holds: um could
	// sign its users in. check holds what it may grant to um's privileges.
	// Its own role, a wider one and the admin's are the cases; the other
	// roles would only lengthen the search.
	for _, roles := range [][]string{{"UM"}, {RoleViewer}, {RoleAdmin}} {
		add(fmt.Sprintf("add a SAML provider with default roles %v", roles), func(ctx context.Context, r *searchRun) error {
			_, err := r.svc.CreateIdentityProvider(ctx, r.um, r.searchSAML(roles, ""))
			return err
		})
		add(fmt.Sprintf("add a SAML user with %v", roles), func(ctx context.Context, r *searchRun) error {
			_, err := r.svc.CreateUsers(ctx, r.um, []NewUser{{Username: "sam", Domain: searchSAMLDomain, Roles: roles}})
			return err
		})
	}
	add("add a SAML provider that asserts roles", func(ctx context.Context, r *searchRun) error {
		_, err := r.svc.CreateIdentityProvider(ctx, r.um, r.searchSAML(nil, "roles"))
		return err
	})
	add("let the SAML provider assert roles", func(ctx context.Context, r *searchRun) error {
		for _, d := range r.svc.domainList(ctx) {
			if d.kind == store.DirectorySAML {
				_, err := r.svc.UpdateIdentityProvider(ctx, r.um, d.id, domainspec.SAMLIdP{SAMLAttributeName: ptr("roles")})
				return err
			}
		}
		return nil
	})
	add("add a directory user with the admin role", func(ctx context.Context, r *searchRun) error {
		_, err := r.svc.AddDirectoryPrincipals(ctx, r.um, []NewDirectoryPrincipal{{Domain: "um.example", Name: "boss", ObjectClass: ObjectUser, Roles: []string{RoleAdmin}}})
		return err
	})
	// The console's: um logs out (refused: it acts with an API key) and
	// ends its other sessions.
	add("log out um", func(ctx context.Context, r *searchRun) error {
		return r.svc.Logout(ctx, r.um)
	})
	add("end um's other sessions", func(ctx context.Context, r *searchRun) error {
		return r.svc.EndOtherSessions(ctx, r.um)
	})
	add("enrol a TOTP key for um", func(ctx context.Context, r *searchRun) error {
		_, err := r.svc.CreateTOTPKey(ctx, r.um, "um's phone")
		return err
	})
	for _, roles := range searchRoles {
		add(fmt.Sprintf("create new1 with %v", roles), func(ctx context.Context, r *searchRun) error {
			users, err := r.svc.CreateUsers(ctx, r.um, []NewUser{{Username: "new1", Domain: LocalDomain, Password: "new1-Password-1", Roles: roles}})
			if err == nil {
				r.sids["new1"] = users[0].SID
				r.logins = append(r.logins, [2]string{"new1", "new1-Password-1"})
			}
			return err
		})
		add(fmt.Sprintf("create newg with %v and um", roles), func(ctx context.Context, r *searchRun) error {
			groups, err := r.svc.CreateGroups(ctx, r.um, []NewGroup{{Name: "newg", Domain: LocalDomain, Roles: roles, Members: []string{r.sid("vic")}}})
			if err == nil {
				r.sids["newg"] = groups[0].SID
			}
			return err
		})
	}
	return ops
}

func (r *searchRun) sid(name string) string {
	if sid, ok := r.sids[name]; ok {
		return sid
	}
	return "S-1-5-21-0-0-0-" + name // not made yet: the operation is refused
}

// members changes group g's members as change says, as um.
func (r *searchRun) members(ctx context.Context, g string, change func([]string) []string) error {
	cur, err := r.st.GetGroup(ctx, r.sid(g))
	if err != nil {
		return err
	}
	_, err = r.svc.UpdateGroup(ctx, r.um, r.sid(g), GroupUpdate{Members: change(slices.Clone(cur.Members))})
	return err
}

// searchState is a run's store file and what um holds in it, to start
// other runs from.
type searchState struct {
	file   string
	sids   map[string]string
	keys   []string
	logins [][2]string
}

// start opens a run on a copy of state's file, at a path of its own.
func (w *searchWorld) start(t *testing.T, dir string, state searchState) *searchRun {
	t.Helper()
	f, err := os.CreateTemp(dir, "run-*.db")
	if err != nil {
		t.Fatal(err)
	}
	path := f.Name()
	_ = f.Close()
	copyDB(t, state.file, path)
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	r := &searchRun{w: w, path: path, st: st, svc: w.service(t, st), sids: maps.Clone(state.sids),
		keys: slices.Clone(state.keys), logins: slices.Clone(state.logins)}
	r.um = r.umPrincipal(t)
	return r
}

// umPrincipal is um, by its own key or a key of its that it rotated; a
// principal of no privilege when um has none left that works (it deleted
// or revoked itself), so that its operations are refused.
func (r *searchRun) umPrincipal(t *testing.T) *Principal {
	for _, key := range append([]string{r.w.umKey}, r.keys...) {
		if p, err := r.svc.Authenticate(t.Context(), Credential{CredAPIKey, key}); err == nil && p.User.SID == r.w.sids["um"] {
			return p
		}
	}
	return &Principal{User: store.User{SID: r.w.sids["um"]}, Privileges: []string{}}
}

// fixture is the state the search starts from.
func (w *searchWorld) fixture() searchState {
	return searchState{file: w.template, sids: w.sids}
}

// close closes the run and removes its files.
func (r *searchRun) close(t *testing.T) {
	r.svc.Wait()
	if err := r.st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(r.path + suffix)
	}
}

// snapshot closes the run and returns its state, to start others from.
func (r *searchRun) snapshot(t *testing.T) searchState {
	t.Helper()
	r.svc.Wait()
	if err := r.st.Close(); err != nil {
		t.Fatal(err)
	}
	return searchState{file: r.path, sids: r.sids, keys: r.keys, logins: r.logins}
}

// restore is the administrator putting the fixture's groups and roles
// back, and unlocking its users: each that is not as it was.
func (r *searchRun) restore(ctx context.Context) error {
	admin, err := r.svc.Authenticate(ctx, Credential{CredAPIKey, r.w.adminKey})
	if err != nil {
		return nil // the administrator's key went with it: nothing to put back
	}
	for g, roles := range r.w.groupRoles {
		cur, err := r.st.GetGroup(ctx, r.sid(g))
		if err != nil {
			continue // deleted
		}
		var members []string
		for _, m := range r.w.groupMembers[g] {
			if _, err := r.st.GetUser(ctx, m); err == nil {
				members = append(members, m)
			}
		}
		if slices.Equal(cur.Roles, roles) && slices.Equal(cur.Members, members) {
			continue
		}
		if _, err := r.svc.UpdateGroup(ctx, admin, cur.SID, GroupUpdate{Roles: roles, Members: members}); err != nil {
			return fmt.Errorf("put group %s back: %w", g, err)
		}
	}
	unlocked := false
	for u, roles := range r.w.userRoles {
		cur, err := r.st.GetUser(ctx, r.sid(u))
		if err != nil || u == "admin" || (slices.Equal(cur.Roles, roles) && !cur.Locked) {
			continue
		}
		if _, err := r.svc.UpdateUser(ctx, admin, cur.SID, UserUpdate{Roles: roles, Locked: &unlocked}); err != nil {
			return fmt.Errorf("put user %s back: %w", u, err)
		}
	}
	return nil
}

// check says why the run broke a rule: nobody holds every privilege, or
// a credential um holds or learned carries more than um held at the
// start; "" when it broke none.
func (r *searchRun) check(ctx context.Context) string {
	if admins, err := r.svc.lastingAdmins(ctx, r.st); err != nil || len(admins) == 0 {
		return fmt.Sprintf("no administrator left (%v)", err)
	}
	carries := func(what string, p *Principal) error {
		for _, priv := range p.Privileges {
			if !slices.Contains(r.w.umPrivs, priv) && !r.svc.privByName[priv].IsSpecial {
				return fmt.Errorf("%s carries %s, which um did not hold", what, priv)
			}
		}
		return nil
	}
	for _, key := range append([]string{r.w.umKey}, r.keys...) {
		if p, err := r.svc.Authenticate(ctx, Credential{CredAPIKey, key}); err == nil {
			if err := carries("a key um holds", p); err != nil {
				return err.Error()
			}
		}
	}
	for _, l := range r.logins {
		if _, p, err := r.svc.Login(ctx, LoginInput{Username: l[0], Password: l[1]}, store.SessionKindSession); err == nil {
			if err := carries("the password of "+l[0]+" um knows", p); err != nil {
				return err.Error()
			}
		}
	}
	for _, d := range r.svc.domainList(ctx) {
		if d.kind != store.DirectorySAML {
			continue
		}
		// What its users may get, computed apart from the code under
		// test: the default roles, any role when it asserts them, and
		// the roles of the users added to its domain.
		c := idpView(d)
		privs, err := r.svc.privilegesOfRoles(ctx, r.st, c.Roles)
		if deref(c.SAMLAttributeName) != "" {
			privs = r.svc.allPrivileges
		}
		users, _ := r.st.ListUsers(ctx, store.UserFilter{Domain: d.rec.Domain})
		for _, u := range users {
			p, _ := r.svc.privilegesOf(ctx, r.st, u)
			privs = append(privs, p...)
		}
		if err != nil {
			return err.Error()
		}
		if err := carries("the SAML provider "+d.rec.Domain+" um configured", &Principal{Privileges: privs}); err != nil {
			return err.Error()
		}
	}
	return ""
}

// searchSAMLDomain is the domain of the SAML providers um may configure.
const searchSAMLDomain = "sso.um.example"

// searchSAML is a SAML provider of searchSAMLDomain with default roles, or
// asserting roles in the attribute attr.
func (r *searchRun) searchSAML(roles []string, attr string) domainspec.SAMLIdP {
	c := domainspec.SAMLIdP{Name: ptr("um's idp"), Domain: ptr(searchSAMLDomain), IssuerID: ptr("https://idp.um.example"),
		SSOURL: ptr("https://idp.um.example/sso"), Certificate: ptr(r.w.samlCert), Roles: roles}
	if attr != "" {
		c.SAMLAttributeName = &attr
	}
	return c
}

// fastDir is a directory for the search's copies of the fixture: in memory
// (tmpfs) where the machine has one, so that the thousands of commits of a
// search do not each wait for a disk; a real SQLite file all the same.
func fastDir(t *testing.T) string {
	t.Helper()
	if dir, err := os.MkdirTemp("/dev/shm", "clusteriam-search-"); err == nil {
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		return dir
	}
	return t.TempDir()
}

// copyDB copies a closed SQLite database, with its write-ahead log when
// closing left one.
func copyDB(t *testing.T, from, to string) {
	t.Helper()
	copyFile(t, from, to)
	_ = os.Remove(to + "-wal")
	if _, err := os.Stat(from + "-wal"); err == nil {
		copyFile(t, from+"-wal", to+"-wal")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
