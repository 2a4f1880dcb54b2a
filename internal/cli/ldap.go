package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) ldapCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ldap",
		Short: "Add, list, change and delete LDAP providers",
		Example: `  clusteriam directories ldap list
  clusteriam directories ldap status 2`,
	}
	cmd.AddCommand(a.ldapListCmd(), a.ldapCreateCmd(), a.ldapUpdateCmd(), a.ldapDeleteCmd(), a.ldapStatusCmd())
	return cmd
}

var ldapHeader = []string{"ID", "NAME", "DOMAIN", "SERVERS", "PORT", "AUTH", "BASE DN", "ORGANIZATION"}

func ldapRows(ls []client.LdapResponse) func() [][]string {
	return func() [][]string {
		rows := make([][]string, 0, len(ls))
		for _, l := range ls {
			port := "-"
			if l.Port != nil {
				port = strconv.FormatInt(*l.Port, 10)
			}
			auth := string(l.AuthType)
			if l.SimpleAuthParams != nil && l.SimpleAuthParams.UseSsl != nil && *l.SimpleAuthParams.UseSsl {
				auth += ", LDAPS"
			}
			rows = append(rows, []string{strconv.FormatInt(l.Id, 10), l.Name, l.DomainName, orDash(deref(l.PreferredLdapServers)),
				port, auth, l.BaseDistinguishedName, orDash(optional(str(l.TenantId)))})
		}
		return rows
	}
}

func (a *app) ldapListCmd() *cobra.Command {
	var scope scopeFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the LDAP providers",
		Long: `List the LDAP providers of your organization. Those of the server's --directories
file have negative ids and cannot be changed through the API. Bind passwords are
never shown.`,
		Example: `  clusteriam directories ldap list
  clusteriam directories ldap list -o json`,
		Args: cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			p := client.GetLdapsParams{}
			scope.set(&p.TenantIds, &p.IncludeTenants)
			res, err := s.c.GetLdapsWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, ldapHeader, ldapRows(res.JSON200.Ldaps))
		}),
	}
	scope.bind(cmd)
	return cmd
}

// ldapFlags are the settings of a provider that create and update share.
type ldapFlags struct {
	name, baseDN, bindDN       string
	servers                    []string
	port                       int64
	ssl, anonymous, save       bool
	passwordStdin, askPassword bool
	username, commonName       string
	memberOf, userClass        string
	groupClass                 string
}

// ldapSettings are the flags of ldapFlags that change a provider.
var ldapSettings = []string{"name", "base-dn", "server", "port", "ssl", "bind-dn", "anonymous", "password-stdin",
	"ask-password", "attr-username", "attr-common-name", "attr-member-of", "user-class", "group-class"}

func (f *ldapFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "the provider's name (default its domain)")
	fl.StringVar(&f.baseDN, "base-dn", "", "where users and groups are searched, e.g. dc=example,dc=com")
	fl.StringSliceVar(&f.servers, "server", nil, "LDAP servers, in order, HOST[:PORT] (default the domain's name; \"\" for none)")
	fl.Int64Var(&f.port, "port", 0, "the servers' port (default 636 with --ssl, else 389)")
	fl.BoolVar(&f.ssl, "ssl", false, "connect with LDAPS (otherwise plain LDAP upgraded with StartTLS)")
	fl.StringVar(&f.bindDN, "bind-dn", "", "bind as this DN (Simple authentication); its password is asked, or read with --password-stdin")
	fl.BoolVar(&f.anonymous, "anonymous", false, "search without binding")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read the bind password from standard input (its first line)")
	fl.StringVar(&f.username, "attr-username", "", "the attribute users log in with")
	fl.StringVar(&f.commonName, "attr-common-name", "", "the attribute of a user's full name")
	fl.StringVar(&f.memberOf, "attr-member-of", "", "the attribute of a group's members")
	fl.StringVar(&f.userClass, "user-class", "", "the object class of users")
	fl.StringVar(&f.groupClass, "group-class", "", "the object class of groups")
	fl.BoolVar(&f.save, "save-anyway", false, saveAnywayHelp)
}

// applyLDAP sets in l what the flags given say, and reads a bind
// password when they ask for one.
func (a *app) applyLDAP(cmd *cobra.Command, f *ldapFlags, l *client.Ldap) error {
	fl := cmd.Flags()
	if f.anonymous && f.bindDN != "" {
		return usageErr("give --bind-dn or --anonymous, not both")
	}
	if fl.Changed("name") {
		l.Name = f.name
	}
	if fl.Changed("base-dn") {
		l.BaseDistinguishedName = f.baseDN
	}
	if fl.Changed("server") {
		servers := withoutEmpty(f.servers)
		l.PreferredLdapServers = &servers
	}
	for _, o := range []struct {
		flag string
		dst  **string
		v    *string
	}{
		{"attr-username", &l.AttributeUsername, &f.username},
		{"attr-common-name", &l.AttributeCommonName, &f.commonName},
		{"attr-member-of", &l.AttributeMemberOf, &f.memberOf},
		{"user-class", &l.ObjectClassUser, &f.userClass},
		{"group-class", &l.ObjectClassGroup, &f.groupClass},
	} {
		if fl.Changed(o.flag) {
			*o.dst = o.v
		}
	}
	if fl.Changed("port") {
		l.Port = &f.port
	}
	return a.applyLDAPAuth(cmd, f, l)
}

// applyLDAPAuth sets how the cluster binds to the provider.
func (a *app) applyLDAPAuth(cmd *cobra.Command, f *ldapFlags, l *client.Ldap) error {
	fl := cmd.Flags()
	if l.SimpleAuthParams == nil {
		l.SimpleAuthParams = &client.SimpleAuthParams{}
	}
	sp := l.SimpleAuthParams
	if fl.Changed("ssl") {
		sp.UseSsl = &f.ssl
	}
	switch {
	case f.anonymous:
		l.AuthType, sp.UserDistinguishedName, sp.UserPassword = client.LdapAuthTypeAnonymous, nil, nil
	case f.bindDN != "":
		l.AuthType, sp.UserDistinguishedName = client.LdapAuthTypeSimple, &f.bindDN
	}
	if !f.passwordStdin && !f.askPassword {
		return nil // a Simple provider keeps the password it has
	}
	if l.AuthType != client.LdapAuthTypeSimple {
		return usageErr("an %s provider has no bind password: give --bind-dn", l.AuthType)
	}
	pw, err := a.password(f.passwordStdin, fmt.Sprintf("Bind password of %s: ", str(sp.UserDistinguishedName)))
	if err != nil {
		return err
	}
	sp.UserPassword = &pw
	return nil
}

func (a *app) ldapCreateCmd() *cobra.Command {
	var f ldapFlags
	cmd := &cobra.Command{
		Use:   "create DOMAIN --base-dn DN (--bind-dn DN | --anonymous)",
		Short: "Add an LDAP provider: its users log in with DOMAIN",
		Long: `Add an LDAP provider. DOMAIN is the domain its users log in with, and the name
the servers are found by when --server is not given. The cluster binds as
--bind-dn, whose password is asked on the terminal or read with
--password-stdin; it is kept sealed and never shown.`,
		Example: `  echo "$BIND_PW" | clusteriam directories ldap create example.com --base-dn dc=example,dc=com \
      --server ldap1.example.com --bind-dn cn=iam,dc=example,dc=com --password-stdin
  clusteriam directories ldap create lab.example.com --base-dn dc=lab --anonymous --ssl`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.baseDN == "" || f.bindDN == "" && !f.anonymous {
				return usageErr("--base-dn, and --bind-dn or --anonymous, are required")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			l := client.Ldap{DomainName: args[0], Name: args[0]}
			f.askPassword = !f.anonymous // a Simple bind needs one
			if err := a.applyLDAP(cmd, &f, &l); err != nil {
				return err
			}
			res, err := s.c.CreateLdapProviderWithResponse(background(cmd), &client.CreateLdapProviderParams{SaveAnyway: anyway(f.save)}, l)
			if err != nil {
				return err
			}
			return a.print(res.JSON201, ldapHeader, ldapRows([]client.LdapResponse{*res.JSON201}))
		},
	}
	f.bind(cmd)
	return cmd
}

func (a *app) ldapUpdateCmd() *cobra.Command {
	var f ldapFlags
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change an LDAP provider",
		Long: `Change an LDAP provider: only what the flags say changes (the CLI reads the
provider and sends it back changed, as the API replaces it whole). The bind
password is kept unless --password-stdin or --ask-password gives a new one.`,
		Example: `  clusteriam directories ldap update 2 --server ldap2.example.com,ldap1.example.com
  echo "$NEW_PW" | clusteriam directories ldap update 2 --password-stdin`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if countChanged(cmd, ldapSettings...) == 0 {
				return usageErr("nothing to change: see --help for the flags")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			l, err := s.ldap(cmd, id)
			if err != nil {
				return err
			}
			if err := a.applyLDAP(cmd, &f, &l); err != nil {
				return err
			}
			res, err := s.c.UpdateLdapProviderWithResponse(background(cmd), &client.UpdateLdapProviderParams{SaveAnyway: anyway(f.save)}, l)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, ldapHeader, ldapRows([]client.LdapResponse{*res.JSON200}))
		},
	}
	f.bind(cmd)
	cmd.Flags().BoolVar(&f.askPassword, "ask-password", false, "ask for a new bind password on the terminal")
	return cmd
}

// ldap reads provider id as the body of its update.
func (s *session) ldap(cmd *cobra.Command, id int64) (client.Ldap, error) {
	var l client.Ldap
	res, err := s.c.GetLdapsWithResponse(background(cmd), &client.GetLdapsParams{Ids: &[]int64{id}})
	if err != nil {
		return l, err
	}
	if len(res.JSON200.Ldaps) != 1 {
		return l, fmt.Errorf("no LDAP provider %d", id)
	}
	if err := recast(res.JSON200.Ldaps[0], &l); err != nil {
		return l, err
	}
	if sp := l.SimpleAuthParams; sp != nil && str(sp.UserDistinguishedName) == "" {
		sp.UserDistinguishedName = nil // the answer has "" for none
	}
	return l, nil
}

func (a *app) ldapDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an LDAP provider",
		Long: `Delete an LDAP provider. It is refused while users or groups of its domain are
on the cluster: delete them first.`,
		Example: `  clusteriam directories ldap delete 2`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			if _, err := s.c.DeleteLdapProviderWithResponse(background(cmd), id); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Deleted LDAP provider %d.\n", id)
			return nil
		},
	}
}

func (a *app) ldapStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status ID",
		Short: "Check that the cluster can connect and bind to an LDAP provider",
		Long: `Check that the cluster can connect to an LDAP provider and bind to it, as it does
to serve it: NoError, or Error (the server's log says why).`,
		Example: `  clusteriam directories ldap status 2`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			res, err := s.c.GetLdapConnectionStatusWithResponse(background(cmd), id)
			if err != nil {
				return err
			}
			st := res.JSON200
			what := "connected and bound"
			if st.ConnectionStatus != client.LdapStatusConnectionStatusNoError {
				what = "cannot connect or bind; the server's log says why"
			}
			return a.print(st, []string{"ID", "STATUS", "MEANING"}, func() [][]string {
				return [][]string{{args[0], string(st.ConnectionStatus), what}}
			})
		},
	}
}
