package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) usersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "users", Short: "List, make, change and delete users"}
	cmd.AddCommand(a.usersListCmd(), a.usersGetCmd(), a.usersCreateCmd(), a.usersUpdateCmd(), a.usersDeleteCmd(),
		a.usersLockCmd(true), a.usersLockCmd(false), a.usersSetPasswordCmd(), a.usersRevokeCmd())
	return cmd
}

// userRows are users as table rows.
func userRows(users []client.UserParams) func() [][]string {
	return func() [][]string {
		now := time.Now()
		rows := make([][]string, 0, len(users))
		for _, u := range users {
			locked := "no"
			if u.Locked {
				locked = "yes"
				if u.LockedReason != nil {
					locked += " (" + string(*u.LockedReason) + ")"
				}
			}
			rows = append(rows, []string{str(u.Username), str(u.Domain), str(u.Sid), strings.Join(u.Roles, ","),
				locked, ago(msecs(u.LastLoginTimeMsecs), now)})
		}
		return rows
	}
}

var userHeader = []string{"USERNAME", "DOMAIN", "SID", "ROLES", "LOCKED", "LAST LOG-IN"}

func (a *app) usersListCmd() *cobra.Command {
	var f listFilters
	var emails []string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users, filtered as get_users filters them",
		Example: `  clusteriam users list
  clusteriam users list --name ali --partial --role COHESITY_ADMIN -o json`,
		Args: cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			var p client.GetUsersParams
			f.set(&p.Usernames, &p.Roles, &p.Sids, &p.TenantIds, &p.Domain, &p.MatchPartialNames, &p.IncludeTenants)
			setList(&p.EmailAddresses, emails)
			res, err := s.c.GetUsersWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, userHeader, userRows(res.JSON200.Users))
		}),
	}
	f.bind(cmd, "users")
	cmd.Flags().StringSliceVar(&emails, "email", nil, "only users with these e-mail addresses")
	return cmd
}

// listFilters are the filters get_users and get_groups share.
type listFilters struct {
	names, roles, sids      []string
	domain, tenants         string
	partial, includeTenants bool
}

// bind makes f the flags of cmd, which lists what.
func (f *listFilters) bind(cmd *cobra.Command, what string) {
	fl := cmd.Flags()
	fl.StringVar(&f.domain, "domain", "", "only "+what+" of this domain (LOCAL, or a directory's)")
	fl.StringSliceVar(&f.names, "name", nil, "only "+what+" with these names (repeat, or comma-separated)")
	fl.BoolVar(&f.partial, "partial", false, "--name matches a part of the name, case-insensitively")
	fl.StringSliceVar(&f.sids, "sid", nil, "only "+what+" with these sids")
	fl.StringSliceVar(&f.roles, "role", nil, "only "+what+" holding one of these roles")
	fl.StringVar(&f.tenants, "tenant", "", "only "+what+" of these organizations (comma-separated ids, e.g. acme/)")
	fl.BoolVar(&f.includeTenants, "include-tenants", false, "with the organizations below too")
}

// set puts the filters given into a request's parameters.
func (f *listFilters) set(names, roles, sids, tenants **[]string, domain **string, partial, includeTenants **bool) {
	setList(names, f.names)
	setList(roles, f.roles)
	setList(sids, f.sids)
	setList(tenants, split(f.tenants))
	if f.domain != "" {
		*domain = &f.domain
	}
	if f.partial {
		*partial = &f.partial
	}
	if f.includeTenants {
		*includeTenants = &f.includeTenants
	}
}

func setList(dst **[]string, v []string) {
	if len(v) > 0 {
		*dst = &v
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// resolveUser returns the sid of USER: a sid as given, else the one user
// of that name (in --domain, LOCAL by default).
func (s *session) resolveUser(cmd *cobra.Command, user, domain string) (string, error) {
	if strings.HasPrefix(user, "S-1-") {
		return user, nil
	}
	one := []string{user}
	res, err := s.c.GetUsersWithResponse(background(cmd), &client.GetUsersParams{Usernames: &one, Domain: &domain})
	if err != nil {
		return "", err
	}
	if res.JSON200 == nil || len(res.JSON200.Users) != 1 {
		return "", fmt.Errorf("no user %s\\%s", domain, user)
	}
	return str(res.JSON200.Users[0].Sid), nil
}

// withUser runs fn with a session and the sid of user (a name in domain,
// or a sid).
func (a *app) withUser(cmd *cobra.Command, user, domain string, fn func(s *session, sid string) error) error {
	s, err := a.session()
	if err != nil {
		return err
	}
	sid, err := s.resolveUser(cmd, user, domain)
	if err != nil {
		return err
	}
	return fn(s, sid)
}

func (a *app) usersGetCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:     "get USER",
		Short:   "Show a user, by name or sid",
		Example: `  clusteriam users get alice`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withUser(cmd, args[0], domain, func(s *session, sid string) error {
				return a.showUser(cmd, s, sid)
			})
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the user's domain, when USER is a name")
	return cmd
}

// showUser prints user sid.
func (a *app) showUser(cmd *cobra.Command, s *session, sid string) error {
	res, err := s.c.GetUserBySidWithResponse(background(cmd), sid)
	if err != nil {
		return err
	}
	return a.print(res.JSON200, userHeader, userRows([]client.UserParams{*res.JSON200}))
}

func (a *app) usersCreateCmd() *cobra.Command {
	var domain, email, description string
	var roles []string
	var passwordStdin, noPassword bool
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Make a user",
		Long: `Make a user. A LOCAL user gets a password, asked on the terminal or read from
standard input; --no-password makes a service account, which logs in with API
keys only. A directory user (--domain corp.example.com) logs in with its
directory's password.`,
		Example: `  clusteriam users create alice --role COHESITY_VIEWER --email alice@example.com
  echo "$PW" | clusteriam users create ci-bot --role COHESITY_OPERATOR --password-stdin`,
		Args: exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			u := client.CreateUserParameters{Username: args[0], Domain: domain, Roles: &roles, Description: nonEmpty(description)}
			if domain == "LOCAL" {
				lp := client.LocalUserParams{Email: nonEmpty(email)}
				if !noPassword {
					pw, err := a.newPassword(passwordStdin, fmt.Sprintf("Password of %s: ", args[0]))
					if err != nil {
						return err
					}
					lp.Password = &pw
				}
				u.LocalUserParams = &lp
			}
			res, err := s.c.CreateUsersWithResponse(background(cmd), client.CreateUsersJSONRequestBody{u})
			if err != nil {
				return err
			}
			return a.print(res.JSON201, userHeader, userRows(res.JSON201.Users))
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&domain, "domain", "LOCAL", "the user's domain: LOCAL, or a directory domain")
	fl.StringSliceVar(&roles, "role", nil, "a role of the user (repeat, or comma-separated)")
	fl.StringVar(&email, "email", "", "the user's e-mail address (LOCAL users)")
	fl.StringVar(&description, "description", "", "a description")
	fl.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input (its first line)")
	fl.BoolVar(&noPassword, "no-password", false, "make a service account, without a password")
	return cmd
}

func (a *app) usersUpdateCmd() *cobra.Command {
	var domain, email, description string
	var roles []string
	var restricted bool
	cmd := &cobra.Command{
		Use:   "update USER",
		Short: "Change a user's roles, description, e-mail or restriction",
		Long: `Change a user: only the flags given change. --role replaces the user's roles with
those given (--role "" takes them all away).`,
		Example: `  clusteriam users update alice --role COHESITY_ADMIN
  clusteriam users update alice --description "on call" --email alice@example.org`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			upd := client.UpdateUserParameters{}
			fl := cmd.Flags()
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
			if fl.Changed("email") {
				upd.LocalUserParams = &client.LocalUserUpdateParams{Email: &email}
			}
			if upd == (client.UpdateUserParameters{}) {
				return usageErr("nothing to change: give --role, --description, --email or --restricted")
			}
			return a.updateUser(cmd, args[0], domain, upd)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&domain, "domain", "LOCAL", "the user's domain, when USER is a name")
	fl.StringSliceVar(&roles, "role", nil, "the user's roles, replacing those it has (repeat, or comma-separated)")
	fl.StringVar(&description, "description", "", "a new description")
	fl.StringVar(&email, "email", "", "a new e-mail address (LOCAL users)")
	fl.BoolVar(&restricted, "restricted", false, "restrict the user to the sources it is assigned")
	return cmd
}

func (a *app) usersDeleteCmd() *cobra.Command {
	return a.userActCmd("delete USER", "Delete a user, by name or sid", "  clusteriam users delete alice", "Deleted %s.\n",
		func(cmd *cobra.Command, s *session, sid string) error {
			_, err := s.c.DeleteUserWithResponse(background(cmd), sid)
			return err
		})
}

func (a *app) usersRevokeCmd() *cobra.Command {
	return a.userActCmd("revoke-credentials USER",
		"End a user's sessions and tokens and deactivate its API keys, in one act",
		"  clusteriam users revoke-credentials alice   # e.g. when her laptop is lost",
		"Ended every session and token of %s and deactivated its API keys; its password stays.\n",
		func(cmd *cobra.Command, s *session, sid string) error {
			_, err := s.c.RevokeUserCredentialsWithResponse(background(cmd), sid)
			return err
		})
}

// userActCmd is a command that does act to USER and then says done.
func (a *app) userActCmd(use, short, example, done string, act func(cmd *cobra.Command, s *session, sid string) error) *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withUser(cmd, args[0], domain, func(s *session, sid string) error {
				if err := act(cmd, s, sid); err != nil {
					return err
				}
				fmt.Fprintf(a.env.Stdout, done, args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the user's domain, when USER is a name")
	return cmd
}

// updateUser sends upd for USER and prints the result.
func (a *app) updateUser(cmd *cobra.Command, user, domain string, upd client.UpdateUserParameters) error {
	return a.withUser(cmd, user, domain, func(s *session, sid string) error {
		res, err := s.c.UpdateUserWithResponse(background(cmd), sid, upd)
		if err != nil {
			return err
		}
		return a.print(res.JSON200, userHeader, userRows([]client.UserParams{*res.JSON200}))
	})
}

func (a *app) usersLockCmd(lock bool) *cobra.Command {
	verb, what := "unlock", "Unlock a user: it may log in again"
	if lock {
		verb, what = "lock", "Lock a user: it can no longer log in or use its credentials"
	}
	var domain string
	cmd := &cobra.Command{
		Use:     verb + " USER",
		Short:   what,
		Example: "  clusteriam users " + verb + " alice",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.updateUser(cmd, args[0], domain, client.UpdateUserParameters{Locked: &lock})
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the user's domain, when USER is a name")
	return cmd
}

func (a *app) usersSetPasswordCmd() *cobra.Command {
	var domain string
	var self, passwordStdin bool
	cmd := &cobra.Command{
		Use:   "set-password [USER]",
		Short: "Set a LOCAL user's password, or, with --self, change your own",
		Long: `Set a LOCAL user's password (an administrator's reset), or, with --self, change
your own: you are asked for the current password, then the new one (with
--password-stdin, the current one on the first line and the new one on the
second).`,
		Example: `  clusteriam users set-password --self
  clusteriam users set-password bob`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lp := client.LocalUserUpdateParams{}
			var user string
			switch {
			case self && len(args) == 0:
				cur, err := a.password(passwordStdin, "Current password: ")
				if err != nil {
					return err
				}
				lp.CurrentPassword = &cur
			case !self && len(args) == 1:
				user = args[0]
			default:
				return usageErr("give a USER, or --self")
			}
			pw, err := a.newPassword(passwordStdin, "New password: ")
			if err != nil {
				return err
			}
			lp.Password = &pw
			if self {
				s, err := a.session()
				if err != nil {
					return err
				}
				if user, err = s.whoami(cmd); err != nil {
					return err
				}
			}
			return a.updateUser(cmd, user, domain, client.UpdateUserParameters{LocalUserParams: &lp})
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&self, "self", false, "change your own password")
	fl.BoolVar(&passwordStdin, "password-stdin", false, "read the passwords from standard input, one a line")
	fl.StringVar(&domain, "domain", "LOCAL", "the user's domain, when USER is a name")
	return cmd
}

// exactArgs is cobra.ExactArgs as a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return &UsageError{err}
		}
		return nil
	}
}
