package console

import (
	"net/http"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// newUserView is the form that creates a user.
type newUserView struct {
	Username, Domain, Email, Description string
	RoleOpts                             []roleOption
	Error                                string
}

// handleNewUser shows the form that creates a user.
func (c *console) handleNewUser() authedHandler {
	return func(pg *page) error {
		return c.showNewUser(pg, http.StatusOK, newUserView{Domain: iam.LocalDomain})
	}
}

// showNewUser renders the form with v's values, checking its roles.
func (c *console) showNewUser(pg *page, status int, v newUserView) error {
	var err error
	if v.RoleOpts, err = c.roleOptions(pg, formList(pg.r, "roles")); err != nil {
		return err
	}
	c.render(pg.w, pg.r, status, "user_new", pg, v)
	return nil
}

// handleCreateUser creates a user as create_users does, then goes to its
// page. A LOCAL user without a password is a service account, which
// logs in with API keys only.
func (c *console) handleCreateUser() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		f := pg.r.PostForm
		nu := iam.NewUser{Username: strings.TrimSpace(f.Get("username")), Domain: strings.TrimSpace(f.Get("domain")),
			Email: strings.TrimSpace(f.Get("email")), Description: f.Get("description"), Password: f.Get("password"),
			Roles: formList(pg.r, "roles")}
		users, err := c.svc.CreateUsers(pg.r.Context(), pg.p, []iam.NewUser{nu})
		if err != nil || len(users) == 0 {
			return "", "", err
		}
		return "/users/" + users[0].SID, "User created.", nil
	}, func(pg *page, status int, msg string) error {
		f := pg.r.PostForm
		return c.showNewUser(pg, status, newUserView{Username: f.Get("username"), Domain: f.Get("domain"),
			Email: f.Get("email"), Description: f.Get("description"), Error: msg})
	})
}
