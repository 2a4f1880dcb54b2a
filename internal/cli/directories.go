package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

// directoriesCmd is the directory domains: Active Directory domains and
// LDAP providers, and the search for principals, which covers both.
func (a *app) directoriesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "directories",
		Aliases: []string{"dirs"},
		Short:   "Add Active Directory domains and LDAP providers, and their users and groups",
		Long: `Directory domains: Active Directory domains the cluster joins (ad) and LDAP
providers (ldap), whose users log in with the domain's name. principals finds
their users and groups and adds them to the cluster with roles.`,
		Example: `  clusteriam directories ldap list
  clusteriam directories principals search --domain corp.example.com --name ali`,
	}
	cmd.AddCommand(a.adCmd(), a.ldapCmd(), a.dirPrincipalsCmd())
	return cmd
}

// parseID reads a domain's integer id.
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, usageErr("ID %q: want the domain's integer id (see the list verb)", s)
	}
	return id, nil
}

// scopeFlags are the organization filters of the list verbs.
type scopeFlags struct {
	tenants        string
	includeTenants bool
}

func (f *scopeFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.tenants, "tenant", "", "only those of these organizations (comma-separated ids, e.g. acme/)")
	cmd.Flags().BoolVar(&f.includeTenants, "include-tenants", false, "with those of the organizations below too")
}

// set fills a list request's organization parameters.
func (f *scopeFlags) set(tenantIDs **[]string, include **bool) {
	setList(tenantIDs, split(f.tenants))
	if f.includeTenants {
		*include = &f.includeTenants
	}
}

// anyway is the saveAnyway parameter as a flag gives it: absent unless
// set, so that a server without the extension is not sent it.
func anyway(save bool) *bool {
	if !save {
		return nil
	}
	return &save
}

// deref is the list p points to, nil for none.
func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

// orDash joins v with commas, "-" for none.
func orDash(v []string) string {
	if len(v) == 0 {
		return "-"
	}
	return strings.Join(v, ",")
}

// recast copies from into to through JSON: the API's read and write
// models of a thing share their field names, and a change is sent as the
// whole thing read back, with its read-only fields ignored by the server.
func recast(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, to); err != nil {
		return fmt.Errorf("read the server's answer: %w", err)
	}
	return nil
}

// withoutEmpty is v without its empty strings: --flag "" means none.
func withoutEmpty(v []string) []string {
	out := []string{}
	for _, s := range v {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// countChanged counts the flags of names that were given.
func countChanged(cmd *cobra.Command, names ...string) int {
	n := 0
	for _, name := range names {
		if cmd.Flags().Changed(name) {
			n++
		}
	}
	return n
}

const saveAnywayHelp = "save even if the cluster cannot reach or bind to the directory (a clusteriam extension)"

func (a *app) dirPrincipalsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "principals",
		Short: "Find users and groups in the directory domains, and add them to the cluster",
		Example: `  clusteriam directories principals search --name ali
  clusteriam directories principals add alice --domain corp.example.com --role COHESITY_VIEWER`,
	}
	cmd.AddCommand(a.dirPrincipalsSearchCmd(), a.dirPrincipalsAddCmd())
	return cmd
}

func (a *app) dirPrincipalsSearchCmd() *cobra.Command {
	var domain, name, class string
	var sids []string
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Find users and groups by name or sid in the directory domains (and LOCAL)",
		Long: `Find users and groups whose login name, full name or common name holds --name,
or those of --sid, in --domain (a directory domain, or LOCAL), or, without it,
in every domain you see (those that cannot be reached are skipped). At most
1,000 are returned.`,
		Example: `  clusteriam directories principals search --domain corp.example.com --name ali
  clusteriam directories principals search --name ops --class Group -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name != "" && len(sids) > 0 {
				return usageErr("give --name or --sid, not both")
			}
			p := client.GetActiveDirectoryPrincipalsParams{}
			if domain != "" {
				p.DomainName = &domain
			}
			if name != "" {
				p.SearchTerm = &name
			}
			setList(&p.Sids, sids)
			if class != "" {
				c := client.GetActiveDirectoryPrincipalsParamsObjectClass(class)
				p.ObjectClass = &c
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			res, err := s.c.GetActiveDirectoryPrincipalsWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			ps := res.JSON200.Principals
			return a.print(res.JSON200, principalHeader, func() [][]string {
				rows := make([][]string, 0, len(ps))
				for _, p := range ps {
					rows = append(rows, []string{p.Name, p.DomainName, string(p.ObjectClass), p.Sid, str(p.FullName)})
				}
				return rows
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&domain, "domain", "", "the domain to search (default every domain)")
	fl.StringVar(&name, "name", "", "a part of the name to look for")
	fl.StringSliceVar(&sids, "sid", nil, "look these sids up instead (repeat, or comma-separated)")
	fl.StringVar(&class, "class", "", "only User or only Group (default both)")
	return cmd
}

func (a *app) dirPrincipalsAddCmd() *cobra.Command {
	var domain, class, description string
	var roles []string
	var restricted bool
	cmd := &cobra.Command{
		Use:   "add NAME... --domain DOMAIN",
		Short: "Add directory users or groups to the cluster, with roles",
		Long: `Add users (or, with --class Group, groups) of a directory domain to the cluster
with roles, all or none: the same as users create and groups create with that
--domain, several at once. LOCAL ones are refused: make them with users create.`,
		Example: `  clusteriam directories principals add alice bob --domain corp.example.com --role COHESITY_VIEWER
  clusteriam directories principals add "Domain Admins" --class Group --domain corp.example.com --role COHESITY_ADMIN`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("give at least one NAME")
			}
			if domain == "" {
				return usageErr("--domain is required")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			body := make(client.AddActiveDirectoryPrincipalsJSONRequestBody, len(args))
			for i, n := range args {
				body[i] = client.AddActiveDirectoryPrincipalsParameters{Name: n, DomainName: domain, Roles: &roles,
					ObjectClass: client.AddActiveDirectoryPrincipalsParametersObjectClass(class)}
				if description != "" {
					body[i].Description = &description
				}
				if restricted {
					body[i].Restricted = &restricted
				}
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			res, err := s.c.AddActiveDirectoryPrincipalsWithResponse(background(cmd), body)
			if err != nil {
				return err
			}
			added := *res.JSON200
			return a.print(added, []string{"NAME", "DOMAIN", "CLASS", "SID", "ROLES"}, func() [][]string {
				rows := make([][]string, 0, len(added))
				for _, p := range added {
					rows = append(rows, []string{p.Name, p.DomainName, string(p.ObjectClass), str(p.Sid), strings.Join(p.Roles, ",")})
				}
				return rows
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&domain, "domain", "", "the directory domain of the names (required)")
	fl.StringVar(&class, "class", "User", "what the names are: User or Group")
	fl.StringSliceVar(&roles, "role", nil, "a role to give them (repeat, or comma-separated)")
	fl.StringVar(&description, "description", "", "a description")
	fl.BoolVar(&restricted, "restricted", false, "restrict them to the sources they are assigned")
	return cmd
}
