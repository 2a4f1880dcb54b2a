package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) rolesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "roles", Short: "List roles; make, change and delete custom ones"}
	cmd.AddCommand(a.rolesListCmd(), a.rolesGetCmd(), a.rolesCreateCmd(), a.rolesUpdateCmd(), a.rolesDeleteCmd())
	return cmd
}

var roleHeader = []string{"NAME", "LABEL", "CUSTOM", "PRIVILEGES"}

func roleRows(roles []client.Role) func() [][]string {
	return func() [][]string {
		rows := make([][]string, 0, len(roles))
		for _, r := range roles {
			rows = append(rows, []string{r.Name, r.Label, yesNo(&r.IsUserCreatedRole), fmt.Sprint(len(r.Privileges))})
		}
		return rows
	}
}

// getRoles returns the roles named (all with none).
func (s *session) getRoles(cmd *cobra.Command, names []string) ([]client.Role, error) {
	p := client.GetRolesParams{}
	setList(&p.Names, names)
	res, err := s.c.GetRolesWithResponse(background(cmd), &p)
	if err != nil {
		return nil, err
	}
	return res.JSON200.Roles, nil
}

func (a *app) rolesListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List roles",
		Example: "  clusteriam roles list\n  clusteriam roles list -o json",
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			roles, err := s.getRoles(cmd, nil)
			if err != nil {
				return err
			}
			return a.print(client.Roles{Roles: roles}, roleHeader, roleRows(roles))
		}),
	}
}

func (a *app) rolesGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "get ROLE",
		Short:   "Show a role and its privileges",
		Example: "  clusteriam roles get COHESITY_VIEWER",
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			r, err := s.role(cmd, args[0])
			if err != nil {
				return err
			}
			return a.printRole(r)
		}),
	}
}

// role returns the role named name.
func (s *session) role(cmd *cobra.Command, name string) (client.Role, error) {
	roles, err := s.getRoles(cmd, []string{name})
	if err != nil {
		return client.Role{}, err
	}
	if len(roles) != 1 {
		return client.Role{}, fmt.Errorf("no role %s: `clusteriam roles list` shows them", name)
	}
	return roles[0], nil
}

// printRole shows one role with its privileges, one per line, for a table.
func (a *app) printRole(r client.Role) error {
	return a.print(r, []string{"NAME", "LABEL", "CUSTOM", "PRIVILEGES"}, func() [][]string {
		privs := slices.Sorted(slices.Values(r.Privileges))
		return [][]string{{r.Name, r.Label, yesNo(&r.IsUserCreatedRole), strings.Join(privs, ",")}}
	})
}

func (a *app) rolesCreateCmd() *cobra.Command {
	var privs []string
	var description string
	cmd := &cobra.Command{
		Use:   "create NAME --privilege P...",
		Short: "Make a custom role of privileges",
		Example: `  clusteriam roles create auditor --privilege AUDIT_LOG_VIEW,PRINCIPAL_VIEW
  clusteriam privileges list   # the privileges there are`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(privs) == 0 {
				return usageErr("give the role's privileges with --privilege")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			body := client.CreateRoleParameters{Name: args[0], Privileges: privs, Description: nonEmpty(description)}
			res, err := s.c.CreateRoleWithResponse(background(cmd), body)
			if err != nil {
				return err
			}
			return a.printRole(*res.JSON201)
		},
	}
	cmd.Flags().StringSliceVar(&privs, "privilege", nil, "a privilege of the role (repeat, or comma-separated)")
	cmd.Flags().StringVar(&description, "description", "", "a description")
	return cmd
}

func (a *app) rolesUpdateCmd() *cobra.Command {
	var set, add, remove []string
	var description string
	cmd := &cobra.Command{
		Use:   "update ROLE",
		Short: "Change a custom role's privileges or description",
		Example: `  clusteriam roles update auditor --add-privilege AD_LDAP_VIEW
  clusteriam roles update auditor --privilege AUDIT_LOG_VIEW --description 'reads the audit log'`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			if !fl.Changed("privilege") && !fl.Changed("add-privilege") && !fl.Changed("remove-privilege") && !fl.Changed("description") {
				return usageErr("nothing to change: give --privilege, --add-privilege, --remove-privilege or --description")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			r, err := s.role(cmd, args[0])
			if err != nil {
				return err
			}
			// update_role takes the whole list: start from what it holds.
			privs := r.Privileges
			if fl.Changed("privilege") {
				privs = set
			}
			privs = slices.DeleteFunc(append(privs, add...), func(p string) bool { return slices.Contains(remove, p) })
			body := client.UpdateRoleParameters{Privileges: dedupe(privs)}
			if fl.Changed("description") {
				body.Description = &description
			}
			res, err := s.c.UpdateRoleWithResponse(background(cmd), r.Name, body)
			if err != nil {
				return err
			}
			return a.printRole(*res.JSON200)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&set, "privilege", nil, "the role's privileges, replacing all it has")
	fl.StringSliceVar(&add, "add-privilege", nil, "privileges to add")
	fl.StringSliceVar(&remove, "remove-privilege", nil, "privileges to take away")
	fl.StringVar(&description, "description", "", "a new description")
	return cmd
}

func (a *app) rolesDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "delete ROLE",
		Short:   "Delete a custom role no user or group holds",
		Example: "  clusteriam roles delete auditor",
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			if _, err := s.c.DeleteRoleWithResponse(background(cmd), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Deleted role %s.\n", args[0])
			return nil
		}),
	}
}

func (a *app) privilegesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "privileges", Short: "List the privileges roles are made of"}
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "List privileges",
		Example: "  clusteriam privileges list\n  clusteriam privileges list -o yaml",
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			res, err := s.c.GetPrivilegesWithResponse(background(cmd), &client.GetPrivilegesParams{})
			if err != nil {
				return err
			}
			privs := res.JSON200.Privileges
			return a.print(res.JSON200, []string{"NAME", "LABEL", "CATEGORY", "VIEW ONLY"}, func() [][]string {
				rows := make([][]string, 0, len(privs))
				for _, p := range privs {
					rows = append(rows, []string{p.Name, p.Label, strings.TrimSpace(p.Category), yesNo(&p.IsViewOnly)})
				}
				return rows
			})
		}),
	})
	return cmd
}

// dedupe drops repeats, keeping the first of each.
func dedupe(v []string) []string {
	out := make([]string, 0, len(v))
	for _, s := range v {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
