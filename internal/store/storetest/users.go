package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/clusteriam/clusteriam/internal/store"
)

var userTests = []subTest{
	{"UserCreateGet", testUserCreateGet},
	{"UserCreateDuplicate", testUserCreateDuplicate},
	{"UserCreateInvalidRole", testUserCreateInvalidRole},
	{"UserCreateAtomic", testUserCreateAtomic},
	{"UserNotFound", testUserNotFound},
	{"UserUpdate", testUserUpdate},
	{"UserUpdateErrors", testUserUpdateErrors},
	{"UserUpdateKeepsSID", testUserUpdateKeepsSID},
	{"UserDelete", testUserDelete},
	{"UserDeleteAtomic", testUserDeleteAtomic},
	{"UserDeleteCascades", testUserDeleteCascades},
	{"UserEmptySlices", testUserEmptySlices},
	{"UserUpdateReturnsStored", testUserUpdateReturnsStored},
	{"UserCreateReadsAsStored", testUserCreateReadsAsStored},
	{"UserRoleOrder", testUserRoleOrder},
	{"UserGroups", testUserGroups},
}

func testUserCreateGet(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "admin", "viewer")
	want := fullUser(sid(1), "Alice", "viewer", "admin")
	other := newUser(sid(2), "AD", "alice")
	createUsers(t, s, want, other)

	got, err := s.GetUser(ctx, want.SID)
	must(t, err)
	checkUser(t, "GetUser", got, want)

	for _, name := range [][2]string{{"LOCAL", "Alice"}, {"local", "ALICE"}, {"Local", "alice"}} {
		got, err = s.GetUserByName(ctx, want.TenantID, name[0], name[1])
		must(t, err)
		checkUser(t, "GetUserByName("+name[0]+", "+name[1]+")", got, want)
	}
	got, err = s.GetUserByName(ctx, "", "ad", "ALICE")
	must(t, err)
	if got.SID != other.SID {
		t.Errorf("GetUserByName(ad, ALICE) = %s, want %s", got.SID, other.SID)
	}

	list, err := s.ListUsers(ctx, store.UserFilter{SIDs: []string{want.SID}})
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("ListUsers by sid: got %d users, want 1", len(list))
	}
	checkUser(t, "ListUsers", list[0], want)
}

func testUserCreateDuplicate(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	tests := []struct {
		name  string
		users []store.User
		words []string
	}{
		{"same name", []store.User{newUser(sid(2), "LOCAL", "bob")}, []string{`"bob"`}},
		{"name in other case", []store.User{newUser(sid(2), "LOCAL", "Bob")}, []string{`"Bob"`}},
		{"domain in other case", []store.User{newUser(sid(2), "local", "BOB")}, []string{`"BOB"`}},
		{"same sid", []store.User{newUser(sid(1), "LOCAL", "carol")}, []string{sid(1)}},
		{"twice in one batch", []store.User{newUser(sid(2), "LOCAL", "dave"),
			newUser(sid(3), "LOCAL", "DAVE")}, []string{`"DAVE"`}},
		{"sid twice in one batch", []store.User{newUser(sid(2), "LOCAL", "erin"),
			newUser(sid(2), "LOCAL", "frank")}, []string{sid(2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, s.CreateUsers(ctx, tc.users), store.ErrAlreadyExists, tc.words...)
			all, err := s.ListUsers(ctx, store.UserFilter{})
			must(t, err)
			checkList(t, "users after failed create", sidsOf(all), []string{sid(1)})
		})
	}
	// The same name in another domain is another user.
	createUsers(t, s, newUser(sid(4), "AD", "bob"))
}

func testUserCreateInvalidRole(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "admin")
	err := s.CreateUsers(ctx, []store.User{newUser(sid(1), "LOCAL", "bob", "admin", "nosuchrole")})
	wantErr(t, err, store.ErrInvalidReference, `"nosuchrole"`)
	// Role names are matched exactly.
	err = s.CreateUsers(ctx, []store.User{newUser(sid(1), "LOCAL", "bob", "ADMIN")})
	wantErr(t, err, store.ErrInvalidReference, `"ADMIN"`)
	if _, err := s.GetUser(ctx, sid(1)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user created despite invalid role: %v", err)
	}
}

func testUserCreateAtomic(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "admin")
	createUsers(t, s, newUser(sid(9), "LOCAL", "taken"))
	batches := map[string][]store.User{
		"duplicate last": {newUser(sid(1), "LOCAL", "a", "admin"), newUser(sid(2), "LOCAL", "b"),
			newUser(sid(3), "LOCAL", "TAKEN")},
		"bad role last": {newUser(sid(1), "LOCAL", "a", "admin"), newUser(sid(2), "LOCAL", "b"),
			newUser(sid(3), "LOCAL", "c", "ghost")},
	}
	for name, batch := range batches {
		if err := s.CreateUsers(ctx, batch); err == nil {
			t.Fatalf("%s: CreateUsers succeeded", name)
		}
		all, err := s.ListUsers(ctx, store.UserFilter{})
		must(t, err)
		checkList(t, name+": users after failed batch", sidsOf(all), []string{sid(9)})
	}
	// The role gained no holder: it can be deleted.
	must(t, s.DeleteRole(ctx, "admin"))
}

func testUserNotFound(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	_, err := s.GetUser(ctx, sid(2))
	wantErr(t, err, store.ErrNotFound, sid(2))
	_, err = s.GetUserByName(ctx, "", "LOCAL", "bobby")
	wantErr(t, err, store.ErrNotFound, "bobby")
	_, err = s.GetUserByName(ctx, "", "AD", "bob")
	wantErr(t, err, store.ErrNotFound, "bob")
	_, err = s.GetUserByName(ctx, "t1/", "LOCAL", "bob")
	wantErr(t, err, store.ErrNotFound, "bob", "t1/")
}

func testUserUpdate(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "a", "b", "c")
	orig := fullUser(sid(1), "bob", "a", "b")
	createUsers(t, s, orig)
	createGroups(t, s, newGroup(sid(100), "LOCAL", "ops", nil, []string{sid(1)}))

	var seen store.User
	got, err := s.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) {
		seen = u
		u.Username = "Robert"
		u.Email = "robert@example.com"
		u.Roles = []string{"c", "a"}
		u.ExpiryTimeMsecs = nil
		u.EffectiveTimeMsecs = ptr(t1)
		u.Locked, u.LockedReason = false, ""
		u.S3SecretEnc = []byte("new")
		u.SourceIDs = nil
		u.LastLoginMsecs = t2 + 5
		u.UpdatedMsecs = t2
		u.PasswordSetMsecs, u.ReactivatedMsecs = t2+6, t2+7
		return u, nil
	})
	must(t, err)
	orig.Groups = []string{sid(100)}
	checkUser(t, "record passed to fn", seen, orig)

	want := orig
	want.Username, want.Email, want.Roles = "Robert", "robert@example.com", []string{"c", "a"}
	want.ExpiryTimeMsecs, want.EffectiveTimeMsecs = nil, ptr(t1)
	want.Locked, want.LockedReason = false, ""
	want.S3SecretEnc, want.SourceIDs = []byte("new"), []int64{}
	want.LastLoginMsecs, want.UpdatedMsecs = t2+5, t2
	want.PasswordSetMsecs, want.ReactivatedMsecs = t2+6, t2+7
	checkUser(t, "UpdateUser result", got, want)
	stored, err := s.GetUser(ctx, sid(1))
	must(t, err)
	checkUser(t, "stored after UpdateUser", stored, want)

	if _, err := s.GetUserByName(ctx, orig.TenantID, "LOCAL", "robert"); err != nil {
		t.Errorf("renamed user not found by its new name: %v", err)
	}
	if _, err := s.GetUserByName(ctx, orig.TenantID, "LOCAL", "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("renamed user still found by its old name: %v", err)
	}
	// Role b was dropped: it can go now.
	must(t, s.DeleteRole(ctx, "b"))
}

func testUserUpdateErrors(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "admin")
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob", "admin"), newUser(sid(2), "LOCAL", "carol"))
	before, err := s.GetUser(ctx, sid(1))
	must(t, err)
	errFn := errors.New("fn says no")
	tests := []struct {
		name     string
		sid      string
		fn       func(store.User) (store.User, error)
		sentinel error
		words    []string
	}{
		{"not found", sid(3), func(u store.User) (store.User, error) { return u, nil },
			store.ErrNotFound, []string{sid(3)}},
		{"fn error", sid(1), func(u store.User) (store.User, error) {
			u.Description = "changed"
			return u, errFn
		}, errFn, nil},
		{"rename onto another user", sid(1), func(u store.User) (store.User, error) {
			u.Description = "changed"
			u.Username = "CAROL"
			return u, nil
		}, store.ErrAlreadyExists, []string{`"CAROL"`}},
		{"unknown role", sid(1), func(u store.User) (store.User, error) {
			u.Description = "changed"
			u.Roles = []string{"admin", "ghost"}
			return u, nil
		}, store.ErrInvalidReference, []string{`"ghost"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdateUser(ctx, tc.sid, tc.fn)
			wantErr(t, err, tc.sentinel, tc.words...)
			after, err := s.GetUser(ctx, sid(1))
			must(t, err)
			checkUser(t, "user after failed update", after, before)
		})
	}
}

func testUserUpdateKeepsSID(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"))
	got, err := s.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) {
		u.SID = sid(2)
		u.Description = "moved?"
		return u, nil
	})
	// A backend may refuse the change or ignore it; it must not move the key.
	if err == nil && got.SID != sid(1) {
		t.Errorf("UpdateUser returned sid %s, want %s", got.SID, sid(1))
	}
	if _, err := s.GetUser(ctx, sid(2)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(new sid) = %v, want ErrNotFound", err)
	}
	if _, err := s.GetUser(ctx, sid(1)); err != nil {
		t.Errorf("GetUser(old sid): %v", err)
	}
}

func testUserDelete(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "a"), newUser(sid(2), "LOCAL", "b"),
		newUser(sid(3), "LOCAL", "c"))
	must(t, s.DeleteUsers(ctx, []string{sid(1), sid(3)}))
	all, err := s.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	checkList(t, "users left", sidsOf(all), []string{sid(2)})
	_, err = s.GetUser(ctx, sid(1))
	wantErr(t, err, store.ErrNotFound)
	// The name is free again.
	createUsers(t, s, newUser(sid(4), "LOCAL", "A"))
}

func testUserDeleteAtomic(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "a"), newUser(sid(2), "LOCAL", "b"))
	err := s.DeleteUsers(ctx, []string{sid(1), sid(7), sid(2), sid(8)})
	wantErr(t, err, store.ErrNotFound, sid(7))
	all, err := s.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	checkList(t, "users after failed delete", sidsOf(all), []string{sid(1), sid(2)})
}

func testUserDeleteCascades(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "admin")
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob", "admin"), newUser(sid(2), "LOCAL", "carol"))
	createGroups(t, s, newGroup(sid(100), "LOCAL", "ops", nil, []string{sid(2), sid(1)}))
	must(t, s.CreateAPIKey(ctx, newKey("k1", sid(1))))
	must(t, s.CreateAPIKey(ctx, newKey("k2", sid(2))))
	must(t, s.CreateSession(ctx, newSession("s1", sid(1), t2)))
	must(t, s.CreateSession(ctx, newSession("s2", sid(2), t2)))
	for _, u := range []string{sid(1), sid(2)} {
		must(t, s.Update(ctx, func(tx store.Tx) error { return tx.AddPasswordHistory(ctx, u, "old-of-"+u, 5) }))
	}

	must(t, s.DeleteUsers(ctx, []string{sid(1)}))
	for u, want := range map[string]int{sid(1): 0, sid(2): 1} {
		if h, err := s.PasswordHistory(ctx, u); err != nil || len(h) != want {
			t.Errorf("password history of %s after deleting %s: %q, %v; want %d", u, sid(1), h, err, want)
		}
	}

	g, err := s.GetGroup(ctx, sid(100))
	must(t, err)
	checkList(t, "members after deleting a member", g.Members, []string{sid(2)})
	_, err = s.GetAPIKey(ctx, "k1")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetAPIKeyByHash(ctx, []byte("hash-of-k1"))
	wantErr(t, err, store.ErrNotFound)
	if _, err := s.GetAPIKey(ctx, "k2"); err != nil {
		t.Errorf("other user's key: %v", err)
	}
	_, err = s.GetSessionByHash(ctx, []byte("s1"))
	wantErr(t, err, store.ErrNotFound)
	counts, err := s.CountSessions(ctx, nil, t0)
	must(t, err)
	if len(counts) != 1 || counts[0].UserSID != sid(2) {
		t.Errorf("sessions left: %+v, want only %s's", counts, sid(2))
	}
	// The deleted user held admin; nobody does now.
	must(t, s.DeleteRole(ctx, "admin"))
}

func testUserEmptySlices(t *testing.T, s Single) {
	ctx := t.Context()
	u := store.User{SID: sid(1), Domain: "LOCAL", Username: "bare"}
	createUsers(t, s, u)
	got, err := s.GetUser(ctx, sid(1))
	must(t, err)
	fields := []string{"Roles", "Groups", "SourceIDs", "ViewIDs", "DirectoryGroups", "IdPRoles"}
	checkNonNil(t, "GetUser", got, fields...)
	if got.EffectiveTimeMsecs != nil || got.ExpiryTimeMsecs != nil {
		t.Errorf("unset times came back set: %v %v", got.EffectiveTimeMsecs, got.ExpiryTimeMsecs)
	}
	list, err := s.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	checkNonNil(t, "ListUsers", list[0], fields...)
	got, err = s.GetUserByName(ctx, "", "LOCAL", "bare")
	must(t, err)
	checkNonNil(t, "GetUserByName", got, fields...)
	got, err = s.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) {
		u.Roles, u.SourceIDs, u.ViewIDs = nil, nil, nil
		return u, nil
	})
	must(t, err)
	checkNonNil(t, "UpdateUser", got, fields...)
}

func testUserRoleOrder(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "a", "b", "c", "d")
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob", "c", "a", "d", "b"))
	got, err := s.GetUser(ctx, sid(1))
	must(t, err)
	checkList(t, "roles", got.Roles, []string{"c", "a", "d", "b"})
	got, err = s.UpdateUser(ctx, sid(1), func(u store.User) (store.User, error) {
		u.Roles = []string{"d", "b", "c"}
		return u, nil
	})
	must(t, err)
	checkList(t, "roles after update", got.Roles, []string{"d", "b", "c"})
	list, err := s.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	checkList(t, "roles listed", list[0].Roles, []string{"d", "b", "c"})
}

func testUserGroups(t *testing.T, s Single) {
	ctx := t.Context()
	createUsers(t, s, newUser(sid(1), "LOCAL", "bob"), newUser(sid(2), "LOCAL", "carol"))
	createGroups(t, s,
		newGroup(sid(100), "LOCAL", "ops", nil, []string{sid(1), sid(2)}),
		newGroup(sid(101), "LOCAL", "dev", nil, []string{sid(1)}),
		newGroup(sid(102), "LOCAL", "empty", nil, nil))
	u, err := s.GetUser(ctx, sid(1))
	must(t, err)
	checkList(t, "groups of bob", sorted(u.Groups), []string{sid(100), sid(101)})
	list, err := s.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	checkList(t, "listed groups of bob", sorted(list[0].Groups), []string{sid(100), sid(101)})
	checkList(t, "listed groups of carol", list[1].Groups, []string{sid(100)})

	// Groups is filled on read and ignored on write.
	_, err = s.UpdateUser(ctx, sid(2), func(u store.User) (store.User, error) {
		u.Groups = []string{sid(102)}
		return u, nil
	})
	must(t, err)
	must(t, s.DeleteGroups(ctx, []string{sid(101)}))
	u, err = s.GetUser(ctx, sid(1))
	must(t, err)
	checkList(t, "groups of bob after deleting dev", u.Groups, []string{sid(100)})
	u, err = s.GetUser(ctx, sid(2))
	must(t, err)
	checkList(t, "groups of carol (write ignored)", u.Groups, []string{sid(100)})
}

// testUserUpdateReturnsStored: what UpdateUser returns is what a read
// finds afterwards, however fn left the record: lists nil or repeated,
// bytes empty, groups (which it ignores) changed.
func testUserUpdateReturnsStored(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "a", "b")
	createUsers(t, s, fullUser(sid(1), "alice", "a"), newUser(sid(2), "LOCAL", "bare"))
	createGroups(t, s, newGroup(sid(10), "LOCAL", "g", nil, []string{sid(1)}))
	edits := map[string]func(*store.User){
		"nothing": func(*store.User) {},
		"nil lists": func(u *store.User) {
			u.Roles, u.SourceIDs, u.ViewIDs, u.DirectoryGroups, u.Groups, u.IdPRoles = nil, nil, nil, nil, nil, nil
		},
		"repeated roles": func(u *store.User) { u.Roles = []string{"b", "a", "b"} },
		"groups changed": func(u *store.User) { u.Groups = []string{sid(11)} },
		"empty bytes":    func(u *store.User) { u.S3SecretEnc = []byte{} },
		"nil bytes":      func(u *store.User) { u.S3SecretEnc = nil },
		"caps":           func(u *store.User) { u.PasswordCap = []string{} },
		"nil cap":        func(u *store.User) { u.PasswordCap = nil },
		"times":          func(u *store.User) { u.EffectiveTimeMsecs, u.ExpiryTimeMsecs = nil, ptr(int64(0)) },
		"renamed":        func(u *store.User) { u.Username, u.Email = u.Username+"2", "" },
		"bookkeeping":    func(u *store.User) { u.LoginsPending, u.LoginsPendingUntilMsecs, u.FailedLogins = 2, t2, 0 },
	}
	for name, edit := range edits {
		for _, id := range []string{sid(1), sid(2)} {
			got, err := s.UpdateUser(ctx, id, func(u store.User) (store.User, error) {
				edit(&u)
				return u, nil
			})
			must(t, err)
			read, err := s.GetUser(ctx, id)
			must(t, err)
			if !reflect.DeepEqual(got, read) {
				t.Errorf("%s, %s: UpdateUser returned\n%+v\nGetUser reads\n%+v", name, id, got, read)
			}
		}
	}
}

// testUserCreateReadsAsStored: what store.AsStored makes of a user is
// what a read returns once CreateUsers has stored it, so that a writer
// may answer with it instead of reading the users back.
func testUserCreateReadsAsStored(t *testing.T, s Single) {
	ctx := t.Context()
	createRoles(t, s, "a", "b")
	bare := newUser(sid(2), "LOCAL", "bare")
	bare.Roles = nil
	edits := []func(*store.User){
		func(*store.User) {},
		func(u *store.User) { u.Roles = []string{"b", "a", "b"} },
		func(u *store.User) {
			u.Roles, u.SourceIDs, u.ViewIDs, u.DirectoryGroups, u.Groups, u.IdPRoles = nil, nil, nil, nil, nil, nil
		},
		func(u *store.User) { u.S3SecretEnc, u.PasswordCap = []byte{}, []string{} },
		func(u *store.User) { u.S3SecretEnc, u.PasswordCap = nil, nil },
		func(u *store.User) { u.EffectiveTimeMsecs, u.ExpiryTimeMsecs = nil, ptr(int64(0)) },
	}
	var in []store.User
	for i, edit := range edits {
		for j, base := range []store.User{fullUser("", "", "a"), bare} {
			u := base
			u.SID, u.Username = sid(10+2*i+j), fmt.Sprintf("user%d-%d", i, j)
			edit(&u)
			in = append(in, u)
		}
	}
	createUsers(t, s, in...)
	got, err := s.ListUsers(ctx, store.UserFilter{SIDs: sidsOf(in)})
	must(t, err)
	bySID := map[string]store.User{}
	for _, u := range got {
		bySID[u.SID] = u
	}
	for _, u := range in {
		want := store.AsStored(u)
		want.Groups = []string{}
		if !reflect.DeepEqual(bySID[u.SID], want) {
			t.Errorf("%s: created as\n%+v\nread back as\n%+v\nAsStored says\n%+v", u.Username, u, bySID[u.SID], want)
		}
	}
}
