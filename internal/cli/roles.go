package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) rolesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "roles", Short: "List roles and the privileges they grant"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			res, err := s.c.GetRolesWithResponse(background(cmd), &client.GetRolesParams{})
			if err != nil {
				return err
			}
			roles := res.JSON200.Roles
			return a.print(res.JSON200, []string{"NAME", "LABEL", "CUSTOM", "PRIVILEGES"}, func() [][]string {
				rows := make([][]string, 0, len(roles))
				for _, r := range roles {
					rows = append(rows, []string{r.Name, r.Label, yesNo(&r.IsUserCreatedRole), fmt.Sprint(len(r.Privileges))})
				}
				return rows
			})
		},
	})
	return cmd
}

func (a *app) privilegesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "privileges", Short: "List the privileges roles are made of"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List privileges",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
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
		},
	})
	return cmd
}
