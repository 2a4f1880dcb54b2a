package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) adCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ad",
		Short: "Join, list, change and leave Active Directory domains",
		Example: `  clusteriam directories ad list
  clusteriam directories ad create corp.example.com --machine-account iam-1 --admin-user Administrator`,
	}
	cmd.AddCommand(a.adListCmd(), a.adGetCmd(), a.adCreateCmd(), a.adUpdateCmd(), a.adDeleteCmd(),
		a.adTrustedDomainsCmd(), a.adDomainControllersCmd())
	return cmd
}

var adHeader = []string{"ID", "DOMAIN", "MACHINE ACCOUNTS", "CONTROLLERS", "ORGANIZATION", "STATUS"}

// adRows are Active Directory domains as table rows; STATUS is the
// domain's error (say, MachineAccountNeedFixing when it was saved
// without joining), else ok.
func adRows(ads []client.ActiveDirectory) func() [][]string {
	return func() [][]string {
		rows := make([][]string, 0, len(ads))
		for _, d := range ads {
			var accounts, dcs, orgs []string
			for _, m := range deref(d.MachineAccounts) {
				accounts = append(accounts, m.Name)
			}
			for _, c := range deref(d.PreferredDomainControllers) {
				dcs = append(dcs, c.Name)
			}
			for _, t := range deref(d.Permissions) {
				orgs = append(orgs, t.Id)
			}
			id, status := "-", "ok"
			if d.Id != nil {
				id = strconv.FormatInt(*d.Id, 10)
			}
			if d.Error != nil {
				status = string(d.Error.ErrorCode)
			}
			rows = append(rows, []string{id, d.DomainName, orDash(accounts), orDash(dcs), orDash(orgs), status})
		}
		return rows
	}
}

func (a *app) adListCmd() *cobra.Command {
	var domains []string
	var scope scopeFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the Active Directory domains",
		Long: `List the Active Directory domains of your organization. Those of the server's
--directories file have negative ids and cannot be changed through the API.`,
		Example: `  clusteriam directories ad list
  clusteriam directories ad list --domain corp.example.com -o json`,
		Args: cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			p := client.GetActiveDirectoryParams{}
			setList(&p.DomainNames, domains)
			scope.set(&p.TenantIds, &p.IncludeTenants)
			res, err := s.c.GetActiveDirectoryWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, adHeader, adRows(res.JSON200.ActiveDirectories))
		}),
	}
	cmd.Flags().StringSliceVar(&domains, "domain", nil, "only these domains (repeat, or comma-separated)")
	scope.bind(cmd)
	return cmd
}

func (a *app) adGetCmd() *cobra.Command {
	var controllers bool
	cmd := &cobra.Command{
		Use:   "get ID",
		Short: "Show an Active Directory domain",
		Example: `  clusteriam directories ad get 3
  clusteriam directories ad get 3 --controllers -o yaml`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			p := client.GetActiveDirectoryByIdParams{}
			if controllers {
				p.IncludeDomainControllers = &controllers
			}
			res, err := s.c.GetActiveDirectoryByIdWithResponse(background(cmd), id, &p)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, adHeader, adRows([]client.ActiveDirectory{*res.JSON200}))
		},
	}
	cmd.Flags().BoolVar(&controllers, "controllers", false, "read the domain's controllers from it, live (-o json or yaml shows them)")
	return cmd
}

// adFlags are the settings of a domain that create and update share.
type adFlags struct {
	accounts, controllers, deny []string
	ou                          string
	overwrite, save             bool
	admin                       string // the administrator who joins the domain
	passwordStdin               bool
}

func (f *adFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.accounts, "machine-account", nil, "the cluster's computer accounts in the domain, the first one primary (repeat, or comma-separated)")
	fl.StringSliceVar(&f.controllers, "controller", nil, "preferred domain controllers, in order, HOST[:PORT] (default the domain's name, through DNS)")
	fl.StringSliceVar(&f.deny, "deny-controller", nil, "domain controllers never to use")
	fl.StringVar(&f.ou, "ou", "", "where the machine accounts are made, \"OU=B,OU=A\" or \"A/B\" (default the domain's Computers container)")
	fl.BoolVar(&f.overwrite, "overwrite-machine-accounts", false, "reset machine accounts that exist instead of refusing")
	fl.BoolVar(&f.save, "save-anyway", false, saveAnywayHelp+"; the domain is then left unjoined")
	fl.StringVar(&f.admin, "admin-user", "", "a domain user allowed to make computer accounts; its password is asked, or read with --password-stdin")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read --admin-user's password from standard input (its first line)")
}

// apply sets in r what the flags given say.
func (f *adFlags) apply(cmd *cobra.Command, r *client.UpdateActiveDirectoryRequest) {
	fl := cmd.Flags()
	if fl.Changed("machine-account") {
		r.MachineAccounts = nil
		for _, n := range f.accounts {
			r.MachineAccounts = append(r.MachineAccounts, client.MachineAccount{Name: n})
		}
	}
	if fl.Changed("controller") {
		dcs := make([]client.DomainController, 0, len(f.controllers))
		for _, n := range withoutEmpty(f.controllers) {
			dcs = append(dcs, client.DomainController{Name: n})
		}
		r.PreferredDomainControllers = &dcs
	}
	if fl.Changed("deny-controller") {
		deny := withoutEmpty(f.deny)
		r.DomainControllersDenyList = &deny
	}
	if fl.Changed("ou") {
		r.OrganizationalUnitName = &f.ou
	}
	if f.overwrite {
		r.OverwriteMachineAccounts = &f.overwrite
	}
}

// adminParams asks for the administrator's password.
func (a *app) adminParams(f *adFlags) (*client.ActiveDirectoryAdminParams, error) {
	pw, err := a.password(f.passwordStdin, fmt.Sprintf("Password of %s: ", f.admin))
	if err != nil {
		return nil, err
	}
	return &client.ActiveDirectoryAdminParams{Username: f.admin, Password: pw}, nil
}

func (a *app) adCreateCmd() *cobra.Command {
	var f adFlags
	cmd := &cobra.Command{
		Use:   "create DOMAIN --machine-account NAME --admin-user USER",
		Short: "Join an Active Directory domain",
		Long: `Join an Active Directory domain: the cluster binds as --admin-user over LDAPS,
makes its machine accounts, and serves the domain's users from then on as the
primary one. The administrator's password is used for this request only.`,
		Example: `  clusteriam directories ad create corp.example.com --machine-account iam-1 --admin-user Administrator
  echo "$PW" | clusteriam directories ad create corp.example.com --machine-account iam-1 \
      --admin-user Administrator --password-stdin --controller dc1.corp.example.com --ou Servers/IAM`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(f.accounts) == 0 || f.admin == "" {
				return usageErr("--machine-account and --admin-user are required")
			}
			var u client.UpdateActiveDirectoryRequest
			f.apply(cmd, &u)
			body := client.CreateActiveDirectoryRequest{DomainName: args[0], MachineAccounts: u.MachineAccounts,
				PreferredDomainControllers: u.PreferredDomainControllers, DomainControllersDenyList: u.DomainControllersDenyList,
				OrganizationalUnitName: u.OrganizationalUnitName, OverwriteMachineAccounts: u.OverwriteMachineAccounts}
			s, err := a.session()
			if err != nil {
				return err
			}
			admin, err := a.adminParams(&f)
			if err != nil {
				return err
			}
			body.ActiveDirectoryAdminParams = *admin
			res, err := s.c.CreateActiveDirectoryWithResponse(background(cmd),
				&client.CreateActiveDirectoryParams{SaveAnyway: anyway(f.save)}, body)
			if err != nil {
				return err
			}
			return a.printAD(res.JSON201)
		},
	}
	f.bind(cmd)
	return cmd
}

// printAD prints a domain just saved, and why it does not serve if so.
func (a *app) printAD(d *client.ActiveDirectory) error {
	if err := a.print(d, adHeader, adRows([]client.ActiveDirectory{*d})); err != nil {
		return err
	}
	if d.Error != nil && (a.output == "table" || a.output == "") {
		fmt.Fprintf(a.env.Stdout, "Saved, but not serving: %s\n", d.Error.ErrorMessage)
	}
	return nil
}

func (a *app) adUpdateCmd() *cobra.Command {
	var f adFlags
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change an Active Directory domain, or join it again",
		Long: `Change an Active Directory domain: only what the flags say changes (the CLI
reads the domain and sends it back changed, as the API replaces it whole). With
--admin-user the cluster joins the domain again: that is how a domain saved with
--save-anyway is joined, and the only way --machine-account may change.`,
		Example: `  clusteriam directories ad update 3 --controller dc2.corp.example.com,dc1.corp.example.com
  clusteriam directories ad update 3 --admin-user Administrator`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if countChanged(cmd, "machine-account", "controller", "deny-controller", "ou", "admin-user", "overwrite-machine-accounts") == 0 {
				return usageErr("nothing to change: give --controller, --deny-controller, --ou, --admin-user or --machine-account")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			cur, err := s.c.GetActiveDirectoryByIdWithResponse(background(cmd), id, &client.GetActiveDirectoryByIdParams{})
			if err != nil {
				return err
			}
			var body client.UpdateActiveDirectoryRequest
			if err := recast(cur.JSON200, &body); err != nil {
				return err
			}
			f.apply(cmd, &body)
			if f.admin != "" {
				if body.ActiveDirectoryAdminParams, err = a.adminParams(&f); err != nil {
					return err
				}
			}
			res, err := s.c.UpdateActiveDirectoryWithResponse(background(cmd), id,
				&client.UpdateActiveDirectoryParams{SaveAnyway: anyway(f.save)}, body)
			if err != nil {
				return err
			}
			return a.printAD(res.JSON200)
		},
	}
	f.bind(cmd)
	return cmd
}

func (a *app) adDeleteCmd() *cobra.Command {
	var f adFlags
	var force bool
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Leave an Active Directory domain",
		Long: `Leave an Active Directory domain: the cluster deletes its machine accounts from
the directory as --admin-user, then forgets the domain. It is refused while users
or groups of the domain are on the cluster. --force leaves without those checks
(and without --admin-user the machine accounts stay in the directory).`,
		Example: `  clusteriam directories ad delete 3 --admin-user Administrator
  clusteriam directories ad delete 3 --force`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if f.admin == "" && !force {
				return usageErr("give --admin-user to delete the machine accounts, or --force to leave them")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			p := client.DeleteActiveDirectoryParams{}
			if force {
				p.ForceRemove = &force
			}
			if f.admin != "" {
				admin, err := a.adminParams(&f)
				if err != nil {
					return err
				}
				p.ActiveDirectoryAdminUsername, p.ActiveDirectoryAdminPassword = admin.Username, admin.Password
			}
			if _, err := s.c.DeleteActiveDirectoryWithResponse(background(cmd), id, &p); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Deleted Active Directory domain %d.\n", id)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.admin, "admin-user", "", "a domain user allowed to delete computer accounts; its password is asked, or read with --password-stdin")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read --admin-user's password from standard input (its first line)")
	fl.BoolVar(&force, "force", false, "leave even if the machine accounts cannot be deleted, or users of the domain remain")
	return cmd
}
