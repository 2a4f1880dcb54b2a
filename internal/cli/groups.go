package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) groupsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "groups", Short: "List, make and delete groups; change their members"}
	cmd.AddCommand(a.groupsListCmd(), a.groupsGetCmd(), a.groupsCreateCmd(), a.groupsUpdateCmd(), a.groupsDeleteCmd(), a.groupsMemberCmd(true), a.groupsMemberCmd(false))
	return cmd
}

var groupHeader = []string{"NAME", "DOMAIN", "SID", "ROLES", "MEMBERS"}

func groupRows(groups []client.GroupParams) func() [][]string {
	return func() [][]string {
		rows := make([][]string, 0, len(groups))
		for _, g := range groups {
			members := "-"
			if g.LocalGroupParams != nil {
				members = fmt.Sprint(len(g.LocalGroupParams.UserSids))
			}
			rows = append(rows, []string{g.Name, g.Domain, str(g.Sid), strings.Join(g.Roles, ","), members})
		}
		return rows
	}
}

func (a *app) groupsListCmd() *cobra.Command {
	var f listFilters
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List groups, filtered as get_groups filters them",
		Example: `  clusteriam groups list
  clusteriam groups list --name op --partial --role COHESITY_OPERATOR
  clusteriam groups list --domain corp.example.com -o json`,
		Args: cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			var p client.GetGroupsParams
			f.set(&p.Names, &p.Roles, &p.Sids, &p.TenantIds, &p.Domain, &p.MatchPartialNames, &p.IncludeTenants)
			res, err := s.c.GetGroupsWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, groupHeader, groupRows(res.JSON200.Groups))
		}),
	}
	f.bind(cmd, "groups")
	return cmd
}

func (a *app) groupsCreateCmd() *cobra.Command {
	var domain, description string
	var roles []string
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Make a group with roles (a LOCAL one, or one of a directory)",
		Example: `  clusteriam groups create ops --role COHESITY_OPERATOR`,
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			g := client.CreateGroupParams{Name: args[0], Domain: domain, Roles: &roles, Description: nonEmpty(description)}
			res, err := s.c.CreateGroupWithResponse(background(cmd), client.CreateGroupJSONRequestBody{g})
			if err != nil {
				return err
			}
			return a.print(res.JSON201, groupHeader, groupRows(res.JSON201.Groups))
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&domain, "domain", "LOCAL", "the group's domain: LOCAL, or a directory domain")
	fl.StringSliceVar(&roles, "role", nil, "a role of the group (repeat, or comma-separated)")
	fl.StringVar(&description, "description", "", "a description")
	return cmd
}

// resolveGroup returns the sid of GROUP: a sid as given, else the one
// group of that name in domain.
func (s *session) resolveGroup(cmd *cobra.Command, group, domain string) (client.GroupParams, error) {
	p := client.GetGroupsParams{Domain: &domain}
	if strings.HasPrefix(group, "S-1-") {
		p = client.GetGroupsParams{Sids: &[]string{group}}
	} else {
		p.Names = &[]string{group}
	}
	res, err := s.c.GetGroupsWithResponse(background(cmd), &p)
	if err != nil {
		return client.GroupParams{}, err
	}
	if res.JSON200 == nil || len(res.JSON200.Groups) != 1 {
		return client.GroupParams{}, fmt.Errorf("no group %s\\%s", domain, group)
	}
	return res.JSON200.Groups[0], nil
}

func (a *app) groupsGetCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:     "get GROUP",
		Short:   "Show a group, by name or sid",
		Example: "  clusteriam groups get ops\n  clusteriam groups get ops -o json   # with its members' sids",
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			g, err := s.resolveGroup(cmd, args[0], domain)
			if err != nil {
				return err
			}
			return a.print(g, groupHeader, groupRows([]client.GroupParams{g}))
		}),
	}
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the group's domain, when GROUP is a name")
	return cmd
}

func (a *app) groupsUpdateCmd() *cobra.Command {
	var domain, description string
	var roles []string
	var restricted bool
	cmd := &cobra.Command{
		Use:   "update GROUP",
		Short: "Change a group's roles, description or restriction",
		Example: `  clusteriam groups update ops --role COHESITY_OPERATOR,COHESITY_VIEWER
  clusteriam groups update ops --description "night shift"`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			var upd client.UpdateGroupParameters
			if fl.Changed("role") {
				r := withoutEmpty(roles)
				upd.Roles = &r
			}
			if fl.Changed("description") {
				upd.Description = &description
			}
			if fl.Changed("restricted") {
				upd.Restricted = &restricted
			}
			if upd == (client.UpdateGroupParameters{}) {
				return usageErr("nothing to change: give --role, --description or --restricted")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			g, err := s.resolveGroup(cmd, args[0], domain)
			if err != nil {
				return err
			}
			res, err := s.c.UpdateGroupWithResponse(background(cmd), str(g.Sid), upd)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, groupHeader, groupRows([]client.GroupParams{*res.JSON200}))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&domain, "domain", "LOCAL", "the group's domain, when GROUP is a name")
	fl.StringSliceVar(&roles, "role", nil, "the group's roles, replacing those it has")
	fl.StringVar(&description, "description", "", "a new description")
	fl.BoolVar(&restricted, "restricted", false, "the group sees only the objects it is given")
	return cmd
}

func (a *app) groupsDeleteCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:     "delete GROUP",
		Short:   "Delete a group, by name or sid",
		Example: "  clusteriam groups delete ops",
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			g, err := s.resolveGroup(cmd, args[0], domain)
			if err != nil {
				return err
			}
			_, err = s.c.DeleteGroupWithResponse(background(cmd), str(g.Sid))
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Deleted %s.\n", args[0])
			return nil
		}),
	}
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the group's domain, when GROUP is a name")
	return cmd
}

// groupsMemberCmd is add-member (add) or remove-member: a LOCAL group's
// members are replaced whole, as update_group takes them.
func (a *app) groupsMemberCmd(add bool) *cobra.Command {
	verb, what := "remove-member", "Take users out of a LOCAL group"
	if add {
		verb, what = "add-member", "Put users in a LOCAL group"
	}
	cmd := &cobra.Command{
		Use:     verb + " GROUP USER...",
		Short:   what,
		Example: "  clusteriam groups " + verb + " ops alice bob",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageErr("give a GROUP and at least one USER")
			}
			return nil
		},
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			g, err := s.resolveGroup(cmd, args[0], "LOCAL")
			if err != nil {
				return err
			}
			var members []string
			if g.LocalGroupParams != nil {
				members = g.LocalGroupParams.UserSids
			}
			for _, u := range args[1:] {
				sid, err := s.resolveUser(cmd, u, "LOCAL")
				if err != nil {
					return err
				}
				if add && !slices.Contains(members, sid) {
					members = append(members, sid)
				} else if !add {
					members = slices.DeleteFunc(members, func(m string) bool { return m == sid })
				}
			}
			res, err := s.c.UpdateGroupWithResponse(background(cmd), str(g.Sid),
				client.UpdateGroupJSONRequestBody{LocalGroupParams: &client.LocalGroupParams{UserSids: &members}})
			if err != nil {
				return err
			}
			return a.print(res.JSON200, groupHeader, groupRows([]client.GroupParams{*res.JSON200}))
		}),
	}
	return cmd
}
