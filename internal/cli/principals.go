package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) principalsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "principals",
		Short:   "Show the users and groups that sids stand for",
		Example: "  clusteriam principals list alice S-1-5-21-1-2-3-1104",
	}
	cmd.AddCommand(a.principalsListCmd())
	return cmd
}

var principalHeader = []string{"NAME", "DOMAIN", "CLASS", "SID", "FULL NAME"}

func (a *app) principalsListCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "list PRINCIPAL...",
		Short: "Show users and groups, by sid or name",
		Long: `Show users and groups by sid, as get_security_principals resolves them: those on
the cluster, and sids of its directory domains. A name is looked up as a user of
--domain, else as a group of it. Sids the server does not know are left out.`,
		Example: `  clusteriam principals list S-1-5-21-1-2-3-1001 S-1-5-21-1-2-3-1002
  clusteriam principals list alice ops -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("give at least one PRINCIPAL, a sid or a name")
			}
			return nil
		},
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			sids := make([]string, 0, len(args))
			for _, p := range args {
				sid, err := s.resolvePrincipal(cmd, p, domain)
				if err != nil {
					return err
				}
				sids = append(sids, sid)
			}
			res, err := s.c.GetSecurityPrincipalsWithResponse(background(cmd), &client.GetSecurityPrincipalsParams{Sids: sids})
			if err != nil {
				return err
			}
			ps := res.JSON200.SecurityPrincipals
			return a.print(res.JSON200, principalHeader, func() [][]string {
				rows := make([][]string, 0, len(ps))
				for _, p := range ps {
					rows = append(rows, []string{p.PrincipalName, p.DomainName, string(p.ObjectClass), p.Sid, str(p.FullName)})
				}
				return rows
			})
		}),
	}
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the domain of the principals given by name")
	return cmd
}

// resolvePrincipal returns the sid of PRINCIPAL: a sid as given, else
// that of the one user, or failing that the one group, of that name in
// domain.
func (s *session) resolvePrincipal(cmd *cobra.Command, name, domain string) (string, error) {
	if strings.HasPrefix(name, "S-1-") {
		return name, nil
	}
	sid, uerr := s.resolveUser(cmd, name, domain)
	if uerr == nil {
		return sid, nil
	}
	g, gerr := s.resolveGroup(cmd, name, domain)
	if gerr != nil {
		return "", fmt.Errorf("%w; %w", uerr, gerr)
	}
	return str(g.Sid), nil
}

func (a *app) sourcesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "Show and change the protection sources and views a user or group may reach",
		Example: `  clusteriam sources get alice
  clusteriam sources set alice --add-source 12`,
	}
	cmd.AddCommand(a.sourcesGetCmd(), a.sourcesSetCmd())
	return cmd
}

// printSources prints the sources and views assigned to principal.
func (a *app) printSources(principal string, v *client.AssignedSourcesResponse) error {
	return a.print(v, []string{"PRINCIPAL", "SOURCE IDS", "VIEW IDS"}, func() [][]string {
		return [][]string{{principal, joinIDs(v.SourceIds), joinIDs(v.ViewIds)}}
	})
}

// joinIDs writes ids comma-separated, "-" for none.
func joinIDs(ids []int64) string {
	if len(ids) == 0 {
		return "-"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func (a *app) sourcesGetCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "get PRINCIPAL",
		Short: "Show the sources and views assigned to a user or group",
		Example: `  clusteriam sources get alice
  clusteriam sources get ops -o json`,
		Args: exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			sid, err := s.resolvePrincipal(cmd, args[0], domain)
			if err != nil {
				return err
			}
			res, err := s.c.GetPrincipalSourcesWithResponse(background(cmd), sid)
			if err != nil {
				return err
			}
			return a.printSources(args[0], res.JSON200)
		}),
	}
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the principal's domain, when PRINCIPAL is a name")
	return cmd
}

// sourceChange is what sources set is asked to do to one list: replace
// it (when set), then add and remove ids.
type sourceChange struct {
	set         []string
	add, remove []int64
	replace     bool
	flag        string
}

// apply returns cur changed as c says.
func (c *sourceChange) apply(cur []int64) ([]int64, error) {
	if c.replace {
		cur = nil
		for _, v := range c.set {
			if v == "" {
				continue // --sources "" empties the list
			}
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, usageErr("--%s: %q is not an integer id", c.flag, v)
			}
			cur = append(cur, id)
		}
	}
	out := slices.Clone(cur)
	for _, id := range c.add {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return slices.DeleteFunc(out, func(id int64) bool { return slices.Contains(c.remove, id) }), nil
}

func (c *sourceChange) none() bool { return !c.replace && len(c.add) == 0 && len(c.remove) == 0 }

// flags binds c to fl as --NAMEs, --add-NAME and --remove-NAME.
func (c *sourceChange) flags(cmd *cobra.Command, name, what string) {
	c.flag = name + "s"
	fl := cmd.Flags()
	fl.StringSliceVar(&c.set, c.flag, nil, "the "+what+" ids, replacing those assigned (\"\" for none)")
	fl.Int64SliceVar(&c.add, "add-"+name, nil, "assign these "+what+" ids too (repeat, or comma-separated)")
	fl.Int64SliceVar(&c.remove, "remove-"+name, nil, "take these "+what+" ids away")
}

func (a *app) sourcesSetCmd() *cobra.Command {
	var domain string
	var src, views sourceChange
	cmd := &cobra.Command{
		Use:   "set PRINCIPAL",
		Short: "Change the sources and views assigned to a user or group",
		Long: `Change the protection sources and views assigned to a user or group: only what
the flags say changes. The API replaces both lists at once, so the CLI reads
them first and sends them back with the change; a change made by someone else
in between is lost. A restricted user (users update --restricted) sees only
what it is assigned, and a group's assignment applies to its members.`,
		Example: `  clusteriam sources set alice --add-source 12,13 --remove-view 7
  clusteriam sources set ops --sources 1,2 --views ""`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src.replace, views.replace = cmd.Flags().Changed("sources"), cmd.Flags().Changed("views")
			if src.none() && views.none() {
				return usageErr("nothing to change: give --add-source, --remove-source, --sources, or their -view forms")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			sid, err := s.resolvePrincipal(cmd, args[0], domain)
			if err != nil {
				return err
			}
			cur, err := s.c.GetPrincipalSourcesWithResponse(background(cmd), sid)
			if err != nil {
				return err
			}
			srcIDs, err := src.apply(cur.JSON200.SourceIds)
			if err != nil {
				return err
			}
			viewIDs, err := views.apply(cur.JSON200.ViewIds)
			if err != nil {
				return err
			}
			res, err := s.c.UpdatePrincipalSourcesWithResponse(background(cmd), sid,
				client.AssignedSources{SourceIds: &srcIDs, ViewIds: &viewIDs})
			if err != nil {
				return err
			}
			return a.printSources(args[0], res.JSON200)
		},
	}
	src.flags(cmd, "source", "protection source")
	views.flags(cmd, "view", "view")
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the principal's domain, when PRINCIPAL is a name")
	return cmd
}
