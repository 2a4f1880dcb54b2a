package cli

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

// tenantsCmd is `clusteriam tenants`: the TenantApi.
func (a *app) tenantsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tenants",
		Aliases: []string{"organizations"},
		Short:   "List, make, change, deactivate and delete organizations (tenants)",
		Long: `Organizations (the vendor's tenants). An organization's id is its parent's id, a
suffix and "/": acme/ is a top-level one, acme/eu/ one inside it. Commands take an
ID with or without its final "/". docs/tenants.md says who sees and changes what.`,
		Example: `  clusteriam tenants config set --enabled
  clusteriam tenants create Acme --suffix acme
  clusteriam tenants list`,
	}
	cmd.AddCommand(a.tenantsListCmd(), a.tenantsGetCmd(), a.tenantsCreateCmd(), a.tenantsUpdateCmd(),
		a.tenantsDeleteCmd(), a.tenantsActionCmd(true), a.tenantsActionCmd(false), a.tenantsConfigCmd())
	return cmd
}

var tenantHeader = []string{"ID", "NAME", "STATUS", "CREATED", "DESCRIPTION"}

// tenantRows are organizations as table rows.
func tenantRows(ts []client.TenantInfo) func() [][]string {
	return func() [][]string {
		now := time.Now()
		rows := make([][]string, 0, len(ts))
		for _, t := range ts {
			rows = append(rows, []string{t.Id, t.Name, string(t.Status), ago(t.CreatedAtTimeMsecs, now), str(t.Description)})
		}
		return rows
	}
}

// printTenant prints one organization.
func (a *app) printTenant(t *client.TenantInfo) error {
	return a.print(t, tenantHeader, tenantRows([]client.TenantInfo{*t}))
}

// tenantID is id with the final "/" every organization's id has, so
// that "acme" may be typed for "acme/".
func tenantID(id string) string {
	if id == "" || strings.HasSuffix(id, "/") {
		return id
	}
	return id + "/"
}

// actingIn makes a request act inside organization id, as the
// x-impersonate-tenant-id header asks; none when id is empty.
func actingIn(id string) []client.RequestEditorFn {
	if id == "" {
		return nil
	}
	return []client.RequestEditorFn{func(_ context.Context, req *http.Request) error {
		req.Header.Set("x-impersonate-tenant-id", tenantID(id))
		return nil
	}}
}

// tenantsListCmd is list_tenants.
func (a *app) tenantsListCmd() *cobra.Command {
	var ids, statuses []string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the organizations you see: your own and those below it",
		Example: `  clusteriam tenants list
  clusteriam tenants list --status Deleted,Inactive -o json
  clusteriam tenants list --id acme/,acme/eu/`,
		Args: cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			p := client.ListTenantsParams{}
			for i := range ids {
				ids[i] = tenantID(ids[i])
			}
			setList(&p.Ids, ids)
			if len(statuses) > 0 {
				st := make([]client.ListTenantsParamsStatuses, len(statuses))
				for i, v := range statuses {
					st[i] = client.ListTenantsParamsStatuses(v)
				}
				p.Statuses = &st
			}
			res, err := s.c.ListTenantsWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, tenantHeader, tenantRows(*res.JSON200))
		}),
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&ids, "id", nil, "only organizations with these ids (repeat, or comma-separated)")
	fl.StringSliceVar(&statuses, "status", nil, "only organizations of these statuses: Active, Inactive, Deleted (default Active and Inactive)")
	return cmd
}

// tenantsGetCmd is get_tenant_by_id.
func (a *app) tenantsGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "get ID",
		Short:   "Show an organization",
		Example: `  clusteriam tenants get acme/`,
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			res, err := s.c.GetTenantByIdWithResponse(background(cmd), tenantID(args[0]))
			if err != nil {
				return err
			}
			return a.printTenant(res.JSON200)
		}),
	}
}

// tenantsCreateCmd is create_tenant.
func (a *app) tenantsCreateCmd() *cobra.Command {
	var suffix, parent, description string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Make an organization",
		Long: `Make an organization named NAME. Its id is --parent's id (none: a top-level
organization), then --suffix, then "/". An id is never used twice, even after its
organization is deleted. Organizations must be enabled first (tenants config set).`,
		Example: `  clusteriam tenants create Acme --suffix acme --description "Acme Corp."
  clusteriam tenants create "Acme Europe" --suffix eu --parent acme/`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if suffix == "" {
				suffix = args[0]
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			body := client.CreateTenantJSONRequestBody{Name: args[0], TenantIdSuffix: suffix}
			if description != "" {
				body.Description = &description
			}
			res, err := s.c.CreateTenantWithResponse(background(cmd), body, actingIn(parent)...)
			if err != nil {
				return err
			}
			return a.printTenant(res.JSON201)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&suffix, "suffix", "", "the end of the id: 1 to 10 letters, digits, '-' or '_' (default NAME)")
	fl.StringVar(&parent, "parent", "", "the organization to make it in, acting inside it (default your own)")
	fl.StringVar(&description, "description", "", "a description")
	return cmd
}

// tenantsUpdateCmd is update_tenant, which changes only the fields it is
// sent.
func (a *app) tenantsUpdateCmd() *cobra.Command {
	var name, description string
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Rename an organization or change its description",
		Long:  `Change an organization below your own: only the flags given change.`,
		Example: `  clusteriam tenants update acme/ --name "Acme Inc."
  clusteriam tenants update acme/ --description ""`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := client.UpdateTenantJSONRequestBody{}
			if cmd.Flags().Changed("name") {
				body.Name = &name
			}
			if cmd.Flags().Changed("description") {
				body.Description = &description
			}
			if body.Name == nil && body.Description == nil {
				return usageErr("nothing to change: give --name or --description")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			res, err := s.c.UpdateTenantWithResponse(background(cmd), tenantID(args[0]), body)
			if err != nil {
				return err
			}
			return a.printTenant(res.JSON200)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "a new name")
	cmd.Flags().StringVar(&description, "description", "", "a new description")
	return cmd
}

// tenantsDeleteCmd is delete_tenant.
func (a *app) tenantsDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an empty organization; its id is never used again",
		Long: `Delete an organization below your own. It is refused while the organization holds
users, groups, custom roles or organizations. It stays listed with status Deleted.`,
		Example: `  clusteriam tenants delete acme/eu/`,
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			id := tenantID(args[0])
			if _, err := s.c.DeleteTenantWithResponse(background(cmd), id); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Deleted organization %s.\n", id)
			return nil
		}),
	}
}

// tenantsActionCmd is activate (on) or deactivate, perform_tenant_action.
func (a *app) tenantsActionCmd(on bool) *cobra.Command {
	verb, action := "deactivate", client.TenantActionBodyActionDeactivate
	what := "Deactivate an organization: its users, and those below it, are refused"
	if on {
		verb, action = "activate", client.TenantActionBodyActionActivate
		what = "Activate an organization again: its users may log in"
	}
	return &cobra.Command{
		Use:     verb + " ID",
		Short:   what,
		Example: "  clusteriam tenants " + verb + " acme/",
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			res, err := s.c.PerformTenantActionWithResponse(background(cmd), tenantID(args[0]),
				client.PerformTenantActionJSONRequestBody{Action: action})
			if err != nil {
				return err
			}
			return a.printTenant(res.JSON200)
		}),
	}
}

// tenantsConfigCmd is get and update_on_prem_tenant_config.
func (a *app) tenantsConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "config",
		Short:   "Show or change whether the cluster has organizations",
		Example: "  clusteriam tenants config get\n  clusteriam tenants config set --enabled",
	}
	get := &cobra.Command{
		Use:     "get",
		Short:   "Show the cluster's configuration of organizations",
		Example: "  clusteriam tenants config get -o json",
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			res, err := s.c.GetOnPremTenantConfigWithResponse(background(cmd))
			if err != nil {
				return err
			}
			return a.printTenantConfig(res.JSON200)
		}),
	}
	cmd.AddCommand(get, a.tenantsConfigSetCmd())
	return cmd
}

// tenantsConfigSetCmd is update_on_prem_tenant_config.
func (a *app) tenantsConfigSetCmd() *cobra.Command {
	var enabled, sharing bool
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Turn organizations on or off, or storage domain sharing on",
		Long: `Change the cluster's configuration of organizations: only the flags given change.
Turning organizations off stops new ones; existing ones keep working. Storage
domain sharing, once on, stays on.`,
		Example: `  clusteriam tenants config set --enabled
  clusteriam tenants config set --enabled=false`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			if !fl.Changed("enabled") && !fl.Changed("storage-domain-sharing") {
				return usageErr("nothing to change: give --enabled or --storage-domain-sharing")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			// The operation takes both fields: keep the one not given.
			ctx := background(cmd)
			cur, err := s.c.GetOnPremTenantConfigWithResponse(ctx)
			if err != nil {
				return err
			}
			body := client.UpdateOnPremTenantConfigJSONRequestBody(*cur.JSON200)
			if fl.Changed("enabled") {
				body.OrganizationsEnabled = enabled
			}
			if fl.Changed("storage-domain-sharing") {
				body.OrganizationsStorageDomainSharingEnabled = sharing
			}
			res, err := s.c.UpdateOnPremTenantConfigWithResponse(ctx, body)
			if err != nil {
				return err
			}
			return a.printTenantConfig(res.JSON200)
		},
	}
	cmd.Flags().BoolVar(&enabled, "enabled", false, "whether the cluster has organizations")
	cmd.Flags().BoolVar(&sharing, "storage-domain-sharing", false, "whether organizations may share storage domains (once on, stays on)")
	return cmd
}

// printTenantConfig prints the configuration of organizations.
func (a *app) printTenantConfig(c *client.OnPremTenantConfigResponse) error {
	return a.printSettings(c, [][]string{
		{"organizationsEnabled", fmt.Sprint(c.OrganizationsEnabled)},
		{"organizationsStorageDomainSharingEnabled", fmt.Sprint(c.OrganizationsStorageDomainSharingEnabled)},
	})
}
