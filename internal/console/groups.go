package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// groupsView is the groups list and its filters.
type groupsView struct {
	Name, Domain, Role string
	Groups             []store.Group
	CanCreate          bool
}

// handleGroups lists groups, filtered as get_groups filters them.
func (c *console) handleGroups() authedHandler {
	return func(pg *page) error {
		q := pg.r.URL.Query()
		v := groupsView{Name: strings.TrimSpace(q.Get("name")), Domain: strings.TrimSpace(q.Get("domain")),
			Role: strings.TrimSpace(q.Get("role")), CanCreate: c.svc.May(pg.p, iam.ActCreate, iam.KindGroup)}
		gq := iam.GroupQuery{Domain: v.Domain}
		if v.Name != "" {
			gq.Names, gq.MatchPartialNames = []string{v.Name}, true
		}
		if v.Role != "" {
			gq.Roles = []string{v.Role}
		}
		groups, err := c.svc.ListGroups(pg.r.Context(), pg.p, gq)
		if err != nil {
			return err
		}
		v.Groups = groups
		c.render(pg.w, pg.r, http.StatusOK, "groups", pg, v)
		return nil
	}
}

// groupView is one group's page.
type groupView struct {
	Group      store.Group
	Roles      []string
	Members    []store.User
	Search     string       // the name searched for new members
	Candidates []store.User // the users it found
	RoleOpts   []roleOption
	Can        struct{ Edit, Roles, Members, Delete bool }
	Error      string
}

// handleGroup shows one group. With member=..., it also lists the users
// whose names hold it, to add; htmx asks for that list alone
// (HX-Target candidates).
func (c *console) handleGroup() authedHandler {
	return func(pg *page) error {
		return c.showGroup(pg, http.StatusOK, "")
	}
}

// showGroup renders the page of the group the path names, with msg, a
// refusal of the last change.
func (c *console) showGroup(pg *page, status int, msg string) error {
	ctx, p := pg.r.Context(), pg.p
	g, err := c.svc.GetGroup(ctx, p, pg.r.PathValue("sid"))
	if err != nil {
		return err
	}
	v := groupView{Group: g, Roles: iam.RoleNames(g.Roles, p.Tenant()), Error: msg,
		Search: strings.TrimSpace(pg.r.URL.Query().Get("member"))}
	may := func(a iam.Act) bool { return c.svc.May(p, a, iam.KindGroup) }
	v.Can.Edit, v.Can.Roles, v.Can.Members, v.Can.Delete = may(iam.ActChangeProfile), may(iam.ActChangeRoles),
		may(iam.ActChangeMembers), may(iam.ActDelete)
	if len(g.Members) > 0 {
		if v.Members, err = c.svc.ListUsers(ctx, p, iam.UserQuery{SIDs: g.Members}); optional(err) != nil {
			return err
		}
	}
	if v.Search != "" {
		v.Candidates, err = c.svc.ListUsers(ctx, p, iam.UserQuery{Usernames: []string{v.Search},
			MatchPartialNames: true, Limit: usersPageSize})
		if err != nil {
			return err
		}
	}
	if v.Can.Roles {
		if v.RoleOpts, err = c.roleOptions(pg, v.Roles); err != nil {
			return err
		}
	}
	c.render(pg.w, pg.r, status, "group", pg, v)
	return nil
}

// groupBack is the page of the group the path names.
func groupBack(pg *page) string { return "/groups/" + pg.r.PathValue("sid") }

// updateGroup makes a change to the group the path names.
func (c *console) updateGroup(pg *page, upd iam.GroupUpdate) error {
	_, err := c.svc.UpdateGroup(pg.r.Context(), pg.p, pg.r.PathValue("sid"), upd)
	return err
}

// handleGroupProfile changes a group's description.
func (c *console) handleGroupProfile() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		upd := iam.GroupUpdate{Description: ptrTo(pg.r.PostFormValue("description"))}
		return groupBack(pg), "Description saved.", c.updateGroup(pg, upd)
	}, c.showGroup)
}

// handleGroupRoles sets a group's roles to those checked.
func (c *console) handleGroupRoles() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		return groupBack(pg), "Roles saved.", c.updateGroup(pg, iam.GroupUpdate{Roles: formList(pg.r, "roles")})
	}, c.showGroup)
}

// handleGroupMember adds (add true) or removes the user the form names.
// update_group sets the whole list, so the list is read first; a change
// in between by someone else is lost, as with the API.
func (c *console) handleGroupMember(add bool) authedHandler {
	done := "Member removed."
	if add {
		done = "Member added."
	}
	return c.act(func(pg *page) (string, string, error) {
		g, err := c.svc.GetGroup(pg.r.Context(), pg.p, pg.r.PathValue("sid"))
		if err != nil {
			return "", "", err
		}
		user := pg.r.PostFormValue("user")
		members := slices.DeleteFunc(slices.Clone(g.Members), func(s string) bool { return s == user })
		if add {
			members = append(members, user)
		}
		return groupBack(pg), done, c.updateGroup(pg, iam.GroupUpdate{Members: members})
	}, c.showGroup)
}

// handleDeleteGroup deletes a group once its confirmation page is
// submitted; a first POST (or a GET) shows that page.
func (c *console) handleDeleteGroup() authedHandler {
	return func(pg *page) error {
		g, err := c.svc.GetGroup(pg.r.Context(), pg.p, pg.r.PathValue("sid"))
		if err != nil {
			return err
		}
		v := confirmView{What: "group", Name: g.Domain + `\` + g.Name, Action: "/groups/" + g.SID + "/delete", Back: "/groups/" + g.SID}
		if !c.confirmed(pg, v) {
			return nil
		}
		if err := c.svc.DeleteGroups(pg.r.Context(), pg.p, []string{g.SID}); err != nil {
			return err
		}
		seeOther(pg, "/groups", "Group deleted.")
		return nil
	}
}

// newGroupView is the form that creates a group.
type newGroupView struct {
	Name, Domain, Description string
	RoleOpts                  []roleOption
	Error                     string
}

// handleNewGroup shows the form that creates a group.
func (c *console) handleNewGroup() authedHandler {
	return func(pg *page) error {
		return c.showNewGroup(pg, http.StatusOK, newGroupView{Domain: iam.LocalDomain})
	}
}

// showNewGroup renders the form with v's values, checking its roles.
func (c *console) showNewGroup(pg *page, status int, v newGroupView) error {
	var err error
	if v.RoleOpts, err = c.roleOptions(pg, formList(pg.r, "roles")); err != nil {
		return err
	}
	c.render(pg.w, pg.r, status, "group_new", pg, v)
	return nil
}

// handleCreateGroup creates a group as create_group does, then goes to
// its page.
func (c *console) handleCreateGroup() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		f := pg.r.PostForm
		ng := iam.NewGroup{Name: strings.TrimSpace(f.Get("name")), Domain: strings.TrimSpace(f.Get("domain")),
			Description: f.Get("description"), Roles: formList(pg.r, "roles")}
		groups, err := c.svc.CreateGroups(pg.r.Context(), pg.p, []iam.NewGroup{ng})
		if err != nil || len(groups) == 0 {
			return "", "", err
		}
		return "/groups/" + groups[0].SID, "Group created.", nil
	}, func(pg *page, status int, msg string) error {
		f := pg.r.PostForm
		return c.showNewGroup(pg, status, newGroupView{Name: f.Get("name"), Domain: f.Get("domain"),
			Description: f.Get("description"), Error: msg})
	})
}
