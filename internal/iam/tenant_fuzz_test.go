package iam

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/testtier"
)

// TestCrossTenantRandomOps: random operations by random principals of two
// organizations (one with an organization inside it), the cluster's
// admin and the cluster's admin acting inside one, on ids of every
// organization. After every step: nothing the step returned belongs to an
// organization its caller does not reach, nothing such changed, and no
// principal of an organization holds a cluster-only privilege. Every
// caller authenticates again at each step, as every request does.
func TestCrossTenantRandomOps(t *testing.T) {
	steps := testtier.Pick(t, "steps", 400, 6000)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	w := newFuzzWorld(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	refused, done := 0, 0
	for i := range steps {
		c := w.callers[rng.IntN(len(w.callers))]
		p, err := w.auth(t, c)
		if err != nil {
			refused++ // its organization is inactive
			continue
		}
		before := w.foreign(t, p)
		op := fuzzOps[rng.IntN(len(fuzzOps))]
		seen, err := op.run(t.Context(), w, p, rng)
		if err == nil {
			done++
		} else if KindOf(err) == KindInternal {
			t.Fatalf("step %d: %s by %s: %v", i, op.name, c.name, err)
		}
		for _, org := range seen {
			if err == nil && !p.reaches(org) {
				t.Fatalf("step %d: %s by %s (acting in %q) returned a record of %q (%q)", i, op.name, c.name, p.tenant(), org, seen)
			}
		}
		if after := w.foreign(t, p); !reflect.DeepEqual(before, after) {
			t.Fatalf("step %d: %s by %s (acting in %q) changed records it does not reach:\nbefore %+v\nafter  %+v",
				i, op.name, c.name, p.tenant(), before, after)
		}
		w.checkNoClusterOnly(t, i)
	}
	t.Logf("%d steps: %d succeeded, %d refused for an inactive organization, the rest refused", steps, done, refused)
	if done == 0 {
		t.Fatal("no step succeeded: the test tries nothing")
	}
}

// fuzzCaller is a principal of the fuzz world: its credential, and the
// organization it acts inside when impersonating.
type fuzzCaller struct {
	name, secret, imp string
}

// fuzzWorld is the service, its callers and the ids the operations pick
// from: of every organization and of the cluster.
type fuzzWorld struct {
	svc     *Service
	st      store.Store
	callers []fuzzCaller
	sids    []string // users and groups
	roles   []string
	orgs    []string
	seq     int
}

func newFuzzWorld(t *testing.T) *fuzzWorld {
	ctx := t.Context()
	svc, _, st := newTestService(t, Config{})
	w := &fuzzWorld{svc: svc, st: st, orgs: []string{"fa/", "fb/", "fa/in/", "nope/"}}
	adminSecret, err := login(t, svc, AdminUsername, "admin-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := svc.Authenticate(ctx, Credential{Kind: CredSession, Secret: adminSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetTenantConfig(ctx, admin, TenantConfig{OrganizationsEnabled: true}); err != nil {
		t.Fatal(err)
	}
	w.callers = append(w.callers, fuzzCaller{"cluster-admin", adminSecret, ""}, fuzzCaller{"cluster-admin-in-fa", adminSecret, "fa/"})
	for _, org := range []string{"", "fa/", "fb/", "fa/in/"} {
		if org != "" {
			parent, suffix := admin, org[:len(org)-1]
			if org == "fa/in/" {
				parent, suffix = w.impersonate(t, admin, "fa/"), "in"
			}
			if _, err := svc.CreateTenant(ctx, parent, TenantInput{Suffix: suffix, Name: &org}); err != nil {
				t.Fatal(err)
			}
		}
		w.populate(t, w.impersonate(t, admin, org), org)
	}
	return w
}

// impersonate returns admin acting inside org ("" itself).
func (w *fuzzWorld) impersonate(t *testing.T, admin *Principal, org string) *Principal {
	t.Helper()
	if org == "" {
		return admin
	}
	p, err := w.svc.Impersonate(t.Context(), admin, org)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// populate makes, acting inside org as p, an admin, a viewer and a user
// manager who log in, a group and a custom role.
func (w *fuzzWorld) populate(t *testing.T, p *Principal, org string) {
	ctx := t.Context()
	tag := fmt.Sprintf("o%d", len(w.roles))
	role := tag + "-um"
	if _, err := w.svc.CreateRole(ctx, p, RoleInput{Name: role, Privileges: []string{PrivPrincipalView, PrivPrincipalModify}}); err != nil {
		t.Fatal(err)
	}
	w.roles = append(w.roles, role)
	var in []NewUser
	for name, roles := range map[string][]string{"adm": {RoleAdmin}, "view": {RoleViewer}, "um": {role}} {
		in = append(in, NewUser{Username: tag + name, Domain: LocalDomain, Password: tag + name + "-Password-1", Roles: roles})
	}
	users, err := w.svc.CreateUsers(ctx, p, in)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := w.svc.CreateGroups(ctx, p, []NewGroup{{Name: tag + "-g", Domain: LocalDomain, Roles: []string{RoleViewer}}})
	if err != nil {
		t.Fatal(err)
	}
	w.sids = append(w.sids, groups[0].SID)
	for _, u := range users {
		w.sids = append(w.sids, u.SID)
		if org == "" && u.Username != tag+"um" {
			continue // the cluster's own callers: its admin, and a user manager
		}
		name := u.Username
		if org != "" {
			name += "@" + org[:len(org)-1]
		}
		secret, err := login(t, w.svc, name, u.Username+"-Password-1")
		if err != nil {
			t.Fatal(err)
		}
		w.callers = append(w.callers, fuzzCaller{name: name, secret: secret})
	}
}

// auth authenticates c as a request would.
func (w *fuzzWorld) auth(t *testing.T, c fuzzCaller) (*Principal, error) {
	p, err := w.svc.Authenticate(t.Context(), Credential{Kind: CredSession, Secret: c.secret})
	if err != nil {
		if KindOf(err) != KindUnauthenticated {
			t.Fatal(err)
		}
		return nil, err
	}
	if c.imp != "" {
		return w.svc.Impersonate(t.Context(), p, c.imp)
	}
	return p, nil
}

// fuzzForeign is what the store holds of the organizations a principal
// does not reach, log-in bookkeeping aside.
type fuzzForeign struct {
	Users   []store.User
	Keys    []store.APIKey
	Groups  []store.Group
	Roles   []store.Role
	Tenants []store.Tenant
}

func (w *fuzzWorld) foreign(t *testing.T, p *Principal) fuzzForeign {
	t.Helper()
	ctx := t.Context()
	var s fuzzForeign
	users, err := w.st.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	var sids []string
	for _, u := range users {
		if !p.reaches(u.TenantID) {
			u.LastLoginMsecs, u.FailedLogins, u.FailedSinceMsecs, u.LoginsPending, u.LoginsPendingUntilMsecs = 0, 0, 0, 0, 0
			s.Users = append(s.Users, u)
			sids = append(sids, u.SID)
		}
	}
	if len(sids) > 0 {
		s.Keys, err = w.st.ListAPIKeys(ctx, store.APIKeyFilter{OwnerSIDs: sids})
		must(t, err)
	}
	groups, err := w.st.ListGroups(ctx, store.GroupFilter{})
	must(t, err)
	s.Groups = slices.DeleteFunc(groups, func(g store.Group) bool { return p.reaches(g.TenantID) })
	roles, err := w.st.ListRoles(ctx, store.RoleFilter{})
	must(t, err)
	s.Roles = slices.DeleteFunc(roles, func(r store.Role) bool { return p.reaches(r.TenantID) })
	tenants, err := w.st.ListTenants(ctx, store.TenantFilter{})
	must(t, err)
	s.Tenants = slices.DeleteFunc(tenants, func(x store.Tenant) bool { return p.reaches(x.ID) })
	return s
}

// checkNoClusterOnly fails when a principal of an organization holds a
// cluster-only privilege.
func (w *fuzzWorld) checkNoClusterOnly(t *testing.T, step int) {
	t.Helper()
	users, err := w.st.ListUsers(t.Context(), store.UserFilter{})
	must(t, err)
	for _, u := range users {
		if u.TenantID == "" {
			continue
		}
		privs, err := w.svc.privilegesOf(t.Context(), w.st, u)
		must(t, err)
		if slices.ContainsFunc(privs, clusterOnly) {
			t.Fatalf("step %d: %s of %q holds %v", step, u.Username, u.TenantID, privs)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fuzzOp is one operation of the fuzz: it acts as p on ids the world
// holds, picked by rng, and returns the organizations of what it read.
type fuzzOp struct {
	name string
	run  func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error)
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// pickSome returns up to three of xs.
func pickSome[T any](rng *rand.Rand, xs []T) []T {
	out := []T{}
	for range rng.IntN(4) {
		out = append(out, pick(rng, xs))
	}
	return out
}

func randomScope(w *fuzzWorld, rng *rand.Rand) Scope {
	sc := Scope{IncludeTenants: rng.IntN(2) == 0}
	if rng.IntN(2) == 0 {
		sc.TenantIDs = pickSome(rng, w.orgs)
	}
	return sc
}

func usersOrgs(us []store.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.TenantID)
	}
	return out
}

// sidOrgs returns the organizations of the users and groups sids name.
func (w *fuzzWorld) sidOrgs(ctx context.Context, sids []string) []string {
	out := []string{}
	if len(sids) == 0 {
		return out // an empty filter selects everyone
	}
	us, _ := w.st.ListUsers(ctx, store.UserFilter{SIDs: sids})
	gs, _ := w.st.ListGroups(ctx, store.GroupFilter{SIDs: sids})
	for _, u := range us {
		out = append(out, u.TenantID)
	}
	for _, g := range gs {
		out = append(out, g.TenantID)
	}
	return out
}

func (w *fuzzWorld) fresh(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%d", prefix, w.seq)
}

var fuzzOps = []fuzzOp{
	{"create_users", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		us, err := w.svc.CreateUsers(ctx, p, []NewUser{{Username: w.fresh("fu"), Domain: LocalDomain, Roles: pickSome(rng, append(slices.Clone(w.roles), RoleViewer, RoleAdmin))}})
		if err == nil {
			w.sids = append(w.sids, us[0].SID)
		}
		return usersOrgs(us), err
	}},
	{"get_user", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		u, err := w.svc.GetUser(ctx, p, pick(rng, w.sids))
		if err != nil {
			return nil, err
		}
		return []string{u.TenantID}, nil
	}},
	{"list_users", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		us, err := w.svc.ListUsers(ctx, p, UserQuery{Scope: randomScope(w, rng), SIDs: pickSome(rng, w.sids)})
		return usersOrgs(us), err
	}},
	{"update_user", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		d := w.fresh("d")
		u, err := w.svc.UpdateUser(ctx, p, pick(rng, w.sids), UserUpdate{Description: &d, Roles: pickSome(rng, append(slices.Clone(w.roles), RoleViewer))})
		return []string{u.TenantID}, err
	}},
	{"delete_users", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		return nil, w.svc.DeleteUsers(ctx, p, []string{pick(rng, w.sids)})
	}},
	{"create_group", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		gs, err := w.svc.CreateGroups(ctx, p, []NewGroup{{Name: w.fresh("fg"), Domain: LocalDomain, Members: pickSome(rng, w.sids)}})
		out := []string{}
		for _, g := range gs {
			w.sids = append(w.sids, g.SID)
			out = append(out, g.TenantID)
		}
		return out, err
	}},
	{"update_group", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		g, err := w.svc.UpdateGroup(ctx, p, pick(rng, w.sids), GroupUpdate{Members: pickSome(rng, w.sids), Roles: pickSome(rng, w.roles)})
		return []string{g.TenantID}, err
	}},
	{"get_group", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		g, err := w.svc.GetGroup(ctx, p, pick(rng, w.sids))
		return []string{g.TenantID}, err
	}},
	{"list_groups", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		gs, err := w.svc.ListGroups(ctx, p, GroupQuery{Scope: randomScope(w, rng)})
		out := []string{}
		for _, g := range gs {
			out = append(out, g.TenantID)
		}
		return out, err
	}},
	{"delete_groups", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		return nil, w.svc.DeleteGroups(ctx, p, []string{pick(rng, w.sids)})
	}},
	{"roles", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		var err error
		switch name := pick(rng, w.roles); rng.IntN(4) {
		case 0:
			var r store.Role
			r, err = w.svc.CreateRole(ctx, p, RoleInput{Name: w.fresh("fr"), Privileges: []string{PrivPrincipalView}})
			if err == nil {
				w.roles = append(w.roles, RoleName(r.Name, r.TenantID))
			}
		case 1:
			_, err = w.svc.UpdateRole(ctx, p, name, RoleInput{Privileges: []string{PrivPrincipalView, PrivClusterModify}})
		case 2:
			err = w.svc.DeleteRole(ctx, p, name)
		default:
			rs, err := w.svc.ListRoles(ctx, p, nil, randomScope(w, rng))
			out := []string{}
			for _, r := range rs {
				if r.IsUserCreated { // the built-in ones serve every organization
					out = append(out, r.TenantID)
				}
			}
			return out, err
		}
		return nil, err
	}},
	{"keys", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		sid := pick(rng, w.sids)
		var keys []APIKey
		var err error
		switch rng.IntN(3) {
		case 0:
			_, _, err = w.svc.CreateAPIKey(ctx, p, sid, APIKeyInput{Name: w.fresh("k")})
			return nil, err
		case 1:
			keys, err = w.svc.ListUserAPIKeys(ctx, p, sid, KeyQuery{})
		default:
			keys, err = w.svc.ListAllAPIKeys(ctx, p, KeyQuery{})
		}
		owners := make([]string, len(keys))
		for i, k := range keys {
			owners[i] = k.UserSID
		}
		return w.sidOrgs(ctx, owners), err
	}},
	{"sessions", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		sid := pick(rng, w.sids)
		switch rng.IntN(3) {
		case 0:
			return nil, w.svc.DeleteSessions(ctx, p, sid)
		case 1:
			return nil, w.svc.RevokeCredentials(ctx, p, sid)
		}
		counts, err := w.svc.SessionCounts(ctx, p, pickSome(rng, w.sids))
		owners := make([]string, len(counts))
		for i, c := range counts {
			owners[i] = c.UserSID
		}
		return w.sidOrgs(ctx, owners), err
	}},
	{"principals", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		sid := pick(rng, w.sids)
		switch rng.IntN(3) {
		case 0:
			_, err := w.svc.SetPrincipalSources(ctx, p, sid, Sources{SourceIDs: []int64{int64(rng.IntN(9) + 1)}})
			return nil, err
		case 1:
			_, err := w.svc.PrincipalSources(ctx, p, sid)
			return []string{}, err
		}
		sps, err := w.svc.SecurityPrincipals(ctx, p, pickSome(rng, w.sids))
		sids := make([]string, len(sps))
		for i, sp := range sps {
			sids[i] = sp.SID
		}
		return w.sidOrgs(ctx, sids), err
	}},
	{"tenants", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		org := pick(rng, w.orgs)
		var t store.Tenant
		var err error
		switch rng.IntN(5) {
		case 0:
			name := w.fresh("t")
			t, err = w.svc.CreateTenant(ctx, p, TenantInput{Suffix: name, Name: &name})
			if err == nil {
				w.orgs = append(w.orgs, t.ID)
			}
		case 1:
			d := w.fresh("d")
			t, err = w.svc.UpdateTenant(ctx, p, org, TenantInput{Description: &d})
		case 2:
			t, err = w.svc.SetTenantActive(ctx, p, org, rng.IntN(3) != 0)
		case 3:
			t, err = w.svc.GetTenant(ctx, p, org)
		default:
			ts, err := w.svc.ListTenants(ctx, p, pickSome(rng, w.orgs), nil)
			out := []string{}
			for _, x := range ts {
				out = append(out, x.ID)
			}
			return out, err
		}
		if err != nil {
			return nil, err
		}
		return []string{t.ID}, nil
	}},
	{"audit", func(ctx context.Context, w *fuzzWorld, p *Principal, rng *rand.Rand) ([]string, error) {
		out := []string{}
		_, err := w.svc.EachAuditLog(ctx, p, func() (AuditQuery, error) {
			return AuditQuery{AuditFilter: store.AuditFilter{Limit: 1000}, Scope: randomScope(w, rng)}, nil
		}, func(e store.AuditEntry) error {
			out = append(out, e.TenantID)
			return nil
		})
		return out, err
	}},
}
