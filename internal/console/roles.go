package console

import (
	"net/http"
	"slices"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// rolesView is the matrix of privileges (rows) by roles (columns).
type rolesView struct {
	Roles     []roleColumn
	Rows      []matrixRow
	CanModify bool
}

// roleColumn is a role as the matrix heads it.
type roleColumn struct {
	Name, Description string
	Custom            bool
}

// matrixRow is one privilege and, per role, whether the role grants it.
type matrixRow struct {
	Priv  iam.Privilege
	Cells []matrixCell
}

type matrixCell struct {
	Role string
	Yes  bool
}

// handleRoles shows every role p may read against the privilege catalog.
func (c *console) handleRoles() authedHandler {
	return func(pg *page) error {
		roles, err := c.svc.ListRoles(pg.r.Context(), pg.p, nil, iam.Scope{})
		if err != nil {
			return err
		}
		v := rolesView{CanModify: c.svc.May(pg.p, iam.ActCreate, iam.KindRole)}
		for _, r := range roles {
			v.Roles = append(v.Roles, roleColumn{iam.RoleName(r.Name, r.TenantID), r.Description, r.IsUserCreated})
		}
		for _, pr := range c.svc.Privileges(nil) {
			row := matrixRow{Priv: pr}
			for i, r := range roles {
				row.Cells = append(row.Cells, matrixCell{v.Roles[i].Name, slices.Contains(r.Privileges, pr.Name)})
			}
			v.Rows = append(v.Rows, row)
		}
		c.render(pg.w, pg.r, http.StatusOK, "roles", pg, v)
		return nil
	}
}

// roleForm is the form that makes or changes a custom role.
type roleForm struct {
	Edit        bool // changing role Name; otherwise making one
	Name        string
	Description string
	Privileges  []string
	Catalog     []iam.Privilege
	Error       string
}

// handleRoleForm shows an empty form, or the role named in the path's.
func (c *console) handleRoleForm(edit bool) authedHandler {
	return func(pg *page) error {
		f := roleForm{Edit: edit, Catalog: c.svc.Privileges(nil)}
		if edit {
			r, err := c.roleNamed(pg, pg.r.PathValue("name"))
			if err != nil {
				return err
			}
			f.Name, f.Description, f.Privileges = iam.RoleName(r.Name, r.TenantID), r.Description, r.Privileges
		}
		c.render(pg.w, pg.r, http.StatusOK, "role_form", pg, f)
		return nil
	}
}

// roleNamed reads the one role called name, as ListRoles lets p.
func (c *console) roleNamed(pg *page, name string) (store.Role, error) {
	roles, err := c.svc.ListRoles(pg.r.Context(), pg.p, []string{name}, iam.Scope{})
	if err != nil {
		return store.Role{}, err
	}
	if len(roles) != 1 {
		return store.Role{}, &iam.Error{Kind: iam.KindNotFound, Msg: "there is no role " + name}
	}
	return roles[0], nil
}

// handleRoleSave makes a role, or changes the one the path names.
func (c *console) handleRoleSave(edit bool) authedHandler {
	return func(pg *page) error {
		r := pg.r
		desc := r.PostFormValue("description")
		f := roleForm{Edit: edit, Name: r.PostFormValue("name"), Description: desc,
			Privileges: r.PostForm["privileges"], Catalog: c.svc.Privileges(nil)}
		in := iam.RoleInput{Description: &desc, Privileges: f.Privileges}
		var err error
		if edit {
			f.Name = r.PathValue("name")
			_, err = c.svc.UpdateRole(r.Context(), pg.p, f.Name, in)
		} else {
			in.Name = f.Name
			_, err = c.svc.CreateRole(r.Context(), pg.p, in)
		}
		return c.finish(pg, err, "/roles", "Role "+f.Name+" saved.", "role_form", func(msg string) any {
			f.Error = msg
			return f
		})
	}
}

// handleRoleDeletePage asks whether to delete the role.
func (c *console) handleRoleDeletePage() authedHandler {
	return func(pg *page) error {
		r, err := c.roleNamed(pg, pg.r.PathValue("name"))
		if err != nil {
			return err
		}
		name := iam.RoleName(r.Name, r.TenantID)
		c.render(pg.w, pg.r, http.StatusOK, "confirm", pg, roleConfirm(name, ""))
		return nil
	}
}

// roleConfirm asks whether to delete role name, with msg, a refusal.
func roleConfirm(name, msg string) confirmView {
	return confirmView{What: "role", Name: name, Action: "/roles/" + pathSeg(name) + "/delete", Back: "/roles", Error: msg}
}

// handleRoleDelete deletes the role, once confirmed.
func (c *console) handleRoleDelete() authedHandler {
	return func(pg *page) error {
		name := pg.r.PathValue("name")
		if !c.confirmed(pg, roleConfirm(name, "")) {
			return nil
		}
		err := c.svc.DeleteRole(pg.r.Context(), pg.p, name)
		return c.finish(pg, err, "/roles", "Role deleted.", "confirm", func(msg string) any {
			return roleConfirm(name, msg)
		})
	}
}
