package console

import (
	"net/http"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// usersPageSize is how many users a page of the list shows.
const usersPageSize = 50

// usersView is the users list: its filters and one page of users.
type usersView struct {
	Name, Domain, Role string
	Users              []store.User
	More               bool // another page follows
	CanCreate          bool
}

// handleUsers lists users, filtered as get_users filters them.
func (c *console) handleUsers() authedHandler {
	return func(pg *page) error {
		q := pg.r.URL.Query()
		v := usersView{Name: strings.TrimSpace(q.Get("name")), Domain: q.Get("domain"), Role: q.Get("role"),
			CanCreate: c.svc.May(pg.p, iam.ActCreate, iam.KindUser)}
		uq := iam.UserQuery{Domain: v.Domain, Limit: usersPageSize + 1}
		if v.Name != "" {
			uq.Usernames, uq.MatchPartialNames = []string{v.Name}, true
		}
		if v.Role != "" {
			uq.Roles = []string{v.Role}
		}
		users, err := c.svc.ListUsers(pg.r.Context(), pg.p, uq)
		if err != nil {
			return err
		}
		if len(users) > usersPageSize {
			users, v.More = users[:usersPageSize], true
		}
		v.Users = users
		c.render(pg.w, pg.r, http.StatusOK, "users", pg, v)
		return nil
	}
}

// userView is one user's page.
type userView struct {
	User store.User
}

// handleUser shows one user.
func (c *console) handleUser() authedHandler {
	return func(pg *page) error {
		u, err := c.svc.GetUser(pg.r.Context(), pg.p, pg.r.PathValue("sid"))
		if err != nil {
			return err
		}
		c.render(pg.w, pg.r, http.StatusOK, "user", pg, userView{User: u})
		return nil
	}
}
