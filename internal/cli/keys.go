package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) apiKeysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "api-keys", Short: "Make, list, rotate and deactivate users' API keys"}
	cmd.AddCommand(a.keysCreateCmd(), a.keysListCmd(), a.keysRotateCmd(), a.keysDeactivateCmd(), a.keysDeleteCmd())
	return cmd
}

var keyHeader = []string{"ID", "NAME", "USER", "ACTIVE", "EXPIRES", "CREATED"}

func keyRows(keys []client.UserAPIKey) func() [][]string {
	return func() [][]string {
		now := time.Now()
		rows := make([][]string, 0, len(keys))
		for _, k := range keys {
			exp := "never"
			if k.ExpiryTimeMsecs != nil {
				exp = ago(*k.ExpiryTimeMsecs, now)
			}
			rows = append(rows, []string{str(k.Id), str(k.Name), str(k.UserSid), yesNo(k.IsActive), exp, ago(msecs(k.CreatedTimeMsecs), now)})
		}
		return rows
	}
}

// keyOwner is the sid of USER (name or sid), or, without one, the caller.
func (a *app) keyOwner(cmd *cobra.Command, s *session, args []string, domain string) (string, error) {
	if len(args) == 0 {
		return s.whoami(cmd)
	}
	return s.resolveUser(cmd, args[0], domain)
}

// withKeyOwner runs fn with a session and the sid of the keys' owner:
// user (a name in domain, or a sid), or the caller when user is empty.
func (a *app) withKeyOwner(cmd *cobra.Command, user, domain string, fn func(s *session, owner string) error) error {
	s, err := a.session()
	if err != nil {
		return err
	}
	owner, err := a.keyOwner(cmd, s, optional(user), domain)
	if err != nil {
		return err
	}
	return fn(s, owner)
}

func (a *app) keysCreateCmd() *cobra.Command {
	var name, domain string
	var expires time.Duration
	cmd := &cobra.Command{
		Use:   "create [USER] --name NAME",
		Short: "Make an API key; it is shown once",
		Long: `Make an API key of USER (yourself by default). The key is printed once: keep it;
the server keeps only a hash of it. Scripts send it as CLUSTERIAM_API_KEY.`,
		Example: `  clusteriam api-keys create --name laptop
  clusteriam api-keys create ci-bot --name pipeline --expires 720h`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return usageErr("--name is required")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			owner, err := a.keyOwner(cmd, s, args, domain)
			if err != nil {
				return err
			}
			body := client.CreateUserApiKeyJSONRequestBody{Name: name}
			if expires > 0 {
				at := time.Now().Add(expires).UnixMilli()
				body.ExpiryTimeMsecs = &at
			}
			res, err := s.c.CreateUserApiKeyWithResponse(background(cmd), owner, body)
			if err != nil {
				return err
			}
			k := res.JSON201
			return a.print(k, []string{"ID", "NAME", "API KEY (shown once)"}, func() [][]string {
				return [][]string{{str(k.Id), str(k.Name), str(k.ApiKey)}}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "the key's name (required)")
	fl.DurationVar(&expires, "expires", 0, "how long the key lives, e.g. 720h (default: no expiry)")
	fl.StringVar(&domain, "domain", "LOCAL", "USER's domain, when USER is a name")
	return cmd
}

func (a *app) keysListCmd() *cobra.Command {
	var domain string
	var all, active, expired bool
	cmd := &cobra.Command{
		Use:   "list [USER]",
		Short: "List the API keys of USER (yourself by default), or of everyone",
		Example: `  clusteriam api-keys list
  clusteriam api-keys list alice -o json
  clusteriam api-keys list --all --active=false   # every deactivated key`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			var isActive, isExpired *bool
			if cmd.Flags().Changed("active") {
				isActive = &active
			}
			if cmd.Flags().Changed("expired") {
				isExpired = &expired
			}
			if all {
				if len(args) > 0 {
					return usageErr("--all lists every user's keys: give no USER")
				}
				res, err := s.c.GetAllApiKeysWithResponse(background(cmd), &client.GetAllApiKeysParams{IsActive: isActive, IsExpired: isExpired})
				if err != nil {
					return err
				}
				return a.print(res.JSON200, keyHeader, keyRows(res.JSON200.ApiKeys))
			}
			owner, err := a.keyOwner(cmd, s, args, domain)
			if err != nil {
				return err
			}
			res, err := s.c.GetUserApiKeysWithResponse(background(cmd), owner, &client.GetUserApiKeysParams{IsActive: isActive, IsExpired: isExpired})
			if err != nil {
				return err
			}
			return a.print(res.JSON200, keyHeader, keyRows(res.JSON200.ApiKeys))
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&domain, "domain", "LOCAL", "USER's domain, when USER is a name")
	fl.BoolVar(&all, "all", false, "every user's keys that you may see (get_all_api_keys)")
	fl.BoolVar(&active, "active", false, "only active keys (--active=false: only deactivated ones)")
	fl.BoolVar(&expired, "expired", false, "only expired keys (--expired=false: only unexpired ones)")
	return cmd
}

func (a *app) keysRotateCmd() *cobra.Command {
	var user, domain string
	cmd := &cobra.Command{
		Use:     "rotate ID",
		Short:   "Give an API key a new secret; the old one stops working",
		Example: "  clusteriam api-keys rotate 3f2a9c --user alice",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withKeyOwner(cmd, user, domain, func(s *session, owner string) error {
				res, err := s.c.RotateUserApiKeyWithResponse(background(cmd), owner, args[0])
				if err != nil {
					return err
				}
				k := res.JSON200
				return a.print(k, []string{"ID", "NAME", "API KEY (shown once)"}, func() [][]string {
					return [][]string{{str(k.Id), str(k.Name), str(k.ApiKey)}}
				})
			})
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "the key's owner (default yourself)")
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the owner's domain, when --user is a name")
	return cmd
}

func (a *app) keysDeactivateCmd() *cobra.Command {
	var user, domain string
	cmd := &cobra.Command{
		Use:     "deactivate ID",
		Short:   "Stop an API key from working; it can be reactivated",
		Example: "  clusteriam api-keys deactivate 3f2a9c --user alice",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withKeyOwner(cmd, user, domain, func(s *session, owner string) error {
				return a.deactivateKey(cmd, s, owner, args[0])
			})
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "the key's owner (default yourself)")
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the owner's domain, when --user is a name")
	return cmd
}

// deactivateKey sets key id of owner inactive, keeping its name.
func (a *app) deactivateKey(cmd *cobra.Command, s *session, owner, id string) error {
	ctx := background(cmd)
	cur, err := s.c.GetUserApiKeyByIdWithResponse(ctx, owner, id)
	if err != nil {
		return err
	}
	off := false
	_, err = s.c.UpdateUserApiKeyByIdWithResponse(ctx, owner, id,
		client.UpdateUserApiKeyByIdJSONRequestBody{Name: str(cur.JSON200.Name), IsActive: &off})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stdout, "Deactivated API key %s.\n", id)
	return nil
}

func (a *app) keysDeleteCmd() *cobra.Command {
	var user, domain string
	cmd := &cobra.Command{
		Use:     "delete ID",
		Short:   "Delete an API key",
		Example: "  clusteriam api-keys delete 3f2a9c --user alice",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withKeyOwner(cmd, user, domain, func(s *session, owner string) error {
				_, err := s.c.DeleteUserApiKeyByIdWithResponse(background(cmd), owner, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(a.env.Stdout, "Deleted API key %s.\n", args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "the key's owner (default yourself)")
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the owner's domain, when --user is a name")
	return cmd
}

func optional(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}
