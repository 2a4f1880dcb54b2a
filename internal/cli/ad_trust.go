package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) adTrustedDomainsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trusted-domains",
		Short: "Show and set the domains an Active Directory domain trusts",
		Long: `The domains an Active Directory domain trusts. Their users log in only through a
domain of their own added to the cluster: these settings configure discovery.`,
		Example: `  clusteriam directories ad trusted-domains list corp.example.com`,
	}
	cmd.AddCommand(a.adTrustedListCmd(), a.adTrustedUpdateCmd(), a.adTrustedDiscoverCmd())
	return cmd
}

// printTrusted prints trusted-domain settings as one row.
func (a *app) printTrusted(domain string, t *client.TrustedDomainParamsResponse) error {
	return a.print(t, []string{"DOMAIN", "DISCOVERY", "STATUS", "TRUSTED", "BLACKLISTED"}, func() [][]string {
		var trusted []string
		for _, d := range deref(t.TrustedDomains) {
			trusted = append(trusted, d.DomainName)
		}
		on, status := "off", "-"
		if t.Enabled {
			on = "on"
		}
		if t.DiscoveryStatus != nil {
			status = string(*t.DiscoveryStatus)
		}
		return [][]string{{domain, on, status, orDash(trusted), orDash(deref(t.BlacklistedDomains))}}
	})
}

func (a *app) adTrustedListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list DOMAIN",
		Short: "Show the trusted domains of an Active Directory domain",
		Long: `Show the trusted-domain settings of an Active Directory domain; with discovery
on, the domains it trusts are read from it too, live.`,
		Example: `  clusteriam directories ad trusted-domains list corp.example.com`,
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			res, err := s.c.GetTrustedDomainsWithResponse(background(cmd), &client.GetTrustedDomainsParams{DomainName: args[0]})
			if err != nil {
				return err
			}
			return a.printTrusted(args[0], res.JSON200)
		}),
	}
}

func (a *app) adTrustedUpdateCmd() *cobra.Command {
	var discovery bool
	var trusted, blacklist []string
	cmd := &cobra.Command{
		Use:   "update DOMAIN",
		Short: "Set the trusted-domain settings of an Active Directory domain",
		Long: `Set the trusted-domain settings of an Active Directory domain: only what the flags
say changes. --trusted and --blacklist replace their lists ("" for none).`,
		Example: `  clusteriam directories ad trusted-domains update corp.example.com --discovery --blacklist old.example.com
  clusteriam directories ad trusted-domains update corp.example.com --discovery=false --trusted ""`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if countChanged(cmd, "discovery", "trusted", "blacklist") == 0 {
				return usageErr("nothing to change: give --discovery, --trusted or --blacklist")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			body, err := s.savedTrust(cmd, args[0])
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			if fl.Changed("discovery") {
				body.Enabled = discovery
			}
			if fl.Changed("trusted") {
				tds := []client.TrustedDomain{}
				for _, d := range withoutEmpty(trusted) {
					tds = append(tds, client.TrustedDomain{DomainName: d})
				}
				body.TrustedDomains = &tds
			}
			if fl.Changed("blacklist") {
				bl := withoutEmpty(blacklist)
				body.BlacklistedDomains = &bl
			}
			res, err := s.c.UpdateTrustedDomainsWithResponse(background(cmd),
				&client.UpdateTrustedDomainsParams{DomainName: &args[0]}, body)
			if err != nil {
				return err
			}
			return a.printTrusted(args[0], res.JSON200)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&discovery, "discovery", false, "discover the domains it trusts")
	fl.StringSliceVar(&trusted, "trusted", nil, "the trusted domains, replacing those set (repeat, or comma-separated)")
	fl.StringSliceVar(&blacklist, "blacklist", nil, "domains discovery leaves out, replacing those set")
	return cmd
}

// savedTrust returns the trusted-domain settings of domain as saved: from
// the domain itself, since get_trusted_domains adds to them the domains
// discovered, which sending back would save as configured.
func (s *session) savedTrust(cmd *cobra.Command, domain string) (client.TrustedDomainParams, error) {
	var t client.TrustedDomainParams
	res, err := s.c.GetActiveDirectoryWithResponse(background(cmd), &client.GetActiveDirectoryParams{DomainNames: &[]string{domain}})
	if err != nil {
		return t, err
	}
	if len(res.JSON200.ActiveDirectories) != 1 {
		return t, fmt.Errorf("no Active Directory domain %s", domain)
	}
	if saved := res.JSON200.ActiveDirectories[0].TrustedDomainParams; saved != nil {
		err = recast(saved, &t)
	}
	return t, err
}

func (a *app) adTrustedDiscoverCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "discover DOMAIN",
		Short: "Read the domains an Active Directory domain trusts, now",
		Long: `Read the domains an Active Directory domain trusts, once, to check that it works;
discovery otherwise runs at each trusted-domains list.`,
		Example: `  clusteriam directories ad trusted-domains discover corp.example.com`,
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			_, err := s.c.TriggerTrustedDomainsDiscoveryWithResponse(background(cmd),
				&client.TriggerTrustedDomainsDiscoveryParams{DomainName: args[0], Rediscover: true})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Read the trusted domains of %s.\n", args[0])
			return nil
		}),
	}
}

func (a *app) adDomainControllersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "domain-controllers DOMAIN...",
		Short: "List the domain controllers of Active Directory domains, read live",
		Long: `List the domain controllers of Active Directory domains, read from them live;
STATUS Reachable marks the one this cluster reached.`,
		Example: `  clusteriam directories ad domain-controllers corp.example.com`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("give at least one DOMAIN")
			}
			return nil
		},
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			res, err := s.c.GetDomainControllersWithResponse(background(cmd), &client.GetDomainControllersParams{DomainNames: args})
			if err != nil {
				return err
			}
			doms := res.JSON200.DomainControllers
			return a.print(res.JSON200, []string{"DOMAIN", "CONTROLLER", "STATUS"}, func() [][]string {
				var rows [][]string
				for _, d := range doms {
					for _, c := range d.Controllers {
						status := "-"
						if c.Status != nil {
							status = string(*c.Status)
						}
						rows = append(rows, []string{d.DomainName, c.Name, status})
					}
				}
				return rows
			})
		}),
	}
}
