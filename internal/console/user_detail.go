package console

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// userView is one user's page: the user, what the reader may see of its
// groups, keys and sessions, the controls it may use, and what the last
// action left to show once (a new secret) or to say (an error).
type userView struct {
	User     store.User
	Roles    []string // names, from the reader's organization
	Groups   []groupLink
	Keys     []iam.APIKey
	Sessions int64
	RoleOpts []roleOption
	Self     bool
	Can      userControls
	// Secret, when set, is a secret just made, shown this once.
	Secret, SecretWhat string
	Error              string
	Form               userForm // the edit form as submitted, on an error
}

// groupLink names a group for a link to it.
type groupLink struct{ SID, Name string }

// userControls are the controls the reader's privileges allow; the
// service decides again on every action.
type userControls struct {
	Edit, Roles, Lock, Password, EndSessions, Revoke, Delete, MintKey, RevokeKey, S3 bool
}

// userForm is the edit form's values.
type userForm struct{ Description, Email string }

// handleUser shows one user.
func (c *console) handleUser() authedHandler {
	return func(pg *page) error {
		return c.showUser(pg, http.StatusOK, userView{})
	}
}

// showUser renders the page of the user the path names, with what v
// already holds (a secret, an error).
func (c *console) showUser(pg *page, status int, v userView) error {
	ctx, p := pg.r.Context(), pg.p
	u, err := c.svc.GetUser(ctx, p, pg.r.PathValue("sid"))
	if err != nil {
		return err
	}
	v.User, v.Self = u, u.SID == p.User.SID
	v.Roles = iam.RoleNames(u.Roles, p.Tenant())
	if v.Error == "" {
		v.Form = userForm{Description: u.Description, Email: u.Email}
	}
	may := func(a iam.Act) bool { return c.svc.May(p, a, iam.KindUser) }
	v.Can = userControls{Edit: may(iam.ActChangeProfile), Roles: may(iam.ActChangeRoles),
		Lock: may(iam.ActChangeRestrictions), Password: may(iam.ActSetPassword) || v.Self,
		EndSessions: may(iam.ActEndSessions) || v.Self, Revoke: may(iam.ActRevokeCredential),
		Delete: may(iam.ActDelete), MintKey: may(iam.ActMintCredential) || v.Self,
		RevokeKey: may(iam.ActRevokeCredential) || v.Self, S3: may(iam.ActRegenerateS3Key)}
	if err := c.userExtras(pg, &v); err != nil {
		return err
	}
	c.render(pg.w, pg.r, status, "user", pg, v)
	return nil
}

// userExtras fills in the user's groups, keys, sessions and the roles to
// choose from, each as far as the reader may read it.
func (c *console) userExtras(pg *page, v *userView) error {
	ctx, p, sid := pg.r.Context(), pg.p, v.User.SID
	if len(v.User.Groups) > 0 {
		groups, err := c.svc.ListGroups(ctx, p, iam.GroupQuery{SIDs: v.User.Groups})
		if err := optional(err); err != nil {
			return err
		}
		for _, g := range groups {
			v.Groups = append(v.Groups, groupLink{g.SID, g.Name})
		}
	}
	keys, err := c.svc.ListUserAPIKeys(ctx, p, sid, iam.KeyQuery{})
	if err := optional(err); err != nil {
		return err
	}
	v.Keys = keys
	counts, err := c.svc.SessionCounts(ctx, p, []string{sid})
	if err := optional(err); err != nil {
		return err
	}
	for _, n := range counts {
		v.Sessions += n.Count
	}
	if v.Can.Roles {
		v.RoleOpts, err = c.roleOptions(pg, v.Roles)
	}
	return err
}

// userBack is the page of the user the path names.
func userBack(pg *page) string { return "/users/" + pg.r.PathValue("sid") }

// showUserError is again for the user's page.
func (c *console) showUserError(pg *page, status int, msg string) error {
	f := userForm{Description: pg.r.PostFormValue("description"), Email: pg.r.PostFormValue("email")}
	return c.showUser(pg, status, userView{Error: msg, Form: f})
}

// update makes a change to the user the path names, as update_user does.
func (c *console) update(pg *page, upd iam.UserUpdate) error {
	_, err := c.svc.UpdateUser(pg.r.Context(), pg.p, pg.r.PathValue("sid"), upd)
	return err
}

// handleUserProfile changes a user's description and e-mail.
func (c *console) handleUserProfile() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		upd := iam.UserUpdate{Description: ptrTo(pg.r.PostFormValue("description"))}
		if _, ok := pg.r.PostForm["email"]; ok {
			upd.Email = ptrTo(pg.r.PostFormValue("email"))
		}
		return userBack(pg), "Profile saved.", c.update(pg, upd)
	}, c.showUserError)
}

// handleUserRoles sets a user's roles to those checked.
func (c *console) handleUserRoles() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		return userBack(pg), "Roles saved.", c.update(pg, iam.UserUpdate{Roles: formList(pg.r, "roles")})
	}, c.showUserError)
}

// handleLockUser locks (lock true) or unlocks a user.
func (c *console) handleLockUser(lock bool) authedHandler {
	done := "User unlocked."
	if lock {
		done = "User locked."
	}
	return c.act(func(pg *page) (string, string, error) {
		return userBack(pg), done, c.update(pg, iam.UserUpdate{Locked: ptrTo(lock)})
	}, c.showUserError)
}
