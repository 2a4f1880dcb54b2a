package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

// mfaCmd is `clusteriam mfa`: the MfaApi, and reset_user_mfa.
func (a *app) mfaCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mfa",
		Short: "Multi-factor authentication: the setting, TOTP keys, e-mailed codes and resets",
		Long: `Multi-factor authentication. While it is on, every log-in with a password needs a
one-time code too; API keys stay single-factor. docs/mfa.md says how it works.`,
		Example: `  clusteriam mfa config set --enabled --types totp
  clusteriam mfa totp enroll
  clusteriam mfa reset alice`,
	}
	totp := &cobra.Command{
		Use:     "totp",
		Short:   "Enrol TOTP keys (authenticator apps)",
		Example: "  clusteriam mfa totp enroll --name phone",
	}
	totp.AddCommand(a.mfaTOTPEnrollCmd())
	email := &cobra.Command{
		Use:     "email",
		Short:   "Have one-time codes e-mailed",
		Example: "  clusteriam mfa email send",
	}
	email.AddCommand(a.mfaEmailSendCmd())
	cmd.AddCommand(a.mfaConfigCmd(), totp, email, a.mfaResetCmd())
	return cmd
}

// mfaConfigCmd is get and update_mfa_config.
func (a *app) mfaConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "config",
		Short:   "Show or change the cluster's MFA setting",
		Example: "  clusteriam mfa config get\n  clusteriam mfa config set --enabled",
	}
	get := &cobra.Command{
		Use:     "get",
		Short:   "Show the MFA setting",
		Example: "  clusteriam mfa config get -o json",
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			return a.showMFAConfig(cmd, s)
		}),
	}
	cmd.AddCommand(get, a.mfaConfigSetCmd())
	return cmd
}

// showMFAConfig reads the MFA setting and prints it.
func (a *app) showMFAConfig(cmd *cobra.Command, s *session) error {
	res, err := s.c.GetMfaConfigWithResponse(background(cmd))
	if err != nil {
		return err
	}
	c := res.JSON200
	types := make([]string, len(c.AuthenticationTypes))
	for i, t := range c.AuthenticationTypes {
		types[i] = string(t)
	}
	return a.printSettings(c, [][]string{
		{"enabled", fmt.Sprint(c.Enabled)},
		{"authenticationTypes", strings.Join(types, ",")},
		{"retainUserMfaSettings", fmt.Sprint(c.RetainUserMfaSettings)},
	})
}

// mfaConfigSetCmd is update_mfa_config.
func (a *app) mfaConfigSetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Turn MFA on or off, or choose its factors; only the flags given change",
		Long: `Change the MFA setting: only the flags given change. Turning MFA on or off erases
every user's enrolled factors unless --retain-user-settings is, or already was, on.
Sessions open when MFA is turned on go on until they end.`,
		Example: `  clusteriam mfa config set --enabled --types totp
  clusteriam mfa config set --enabled=false --retain-user-settings`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			if !fl.Changed("enabled") && !fl.Changed("types") && !fl.Changed("retain-user-settings") {
				return usageErr("nothing to change: give --enabled, --types or --retain-user-settings")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			ctx := background(cmd)
			cur, err := s.c.GetMfaConfigWithResponse(ctx)
			if err != nil {
				return err
			}
			if _, err := s.c.UpdateMfaConfigWithResponse(ctx, mfaUpdate(*cur.JSON200, cmd)); err != nil {
				return err
			}
			return a.showMFAConfig(cmd, s)
		},
	}
	fl := cmd.Flags()
	fl.Bool("enabled", false, "whether every log-in with a password needs a one-time code")
	fl.StringSlice("types", nil, "the factors that count: totp, email, or both (comma-separated; empty: totp, and email with a mail server)")
	fl.Bool("retain-user-settings", false, "keep users' enrolled factors when MFA is turned on or off")
	return cmd
}

// mfaUpdate is the setting cur with the flags given changed: the
// operation replaces the setting whole.
func mfaUpdate(cur client.MfaConfigInfoResponse, cmd *cobra.Command) client.UpdateMfaConfigJSONRequestBody {
	fl := cmd.Flags()
	enabled, retain := cur.Enabled, cur.RetainUserMfaSettings
	names := make([]string, len(cur.AuthenticationTypes))
	for i, t := range cur.AuthenticationTypes {
		names[i] = string(t)
	}
	// The flags exist, so Get* cannot fail.
	if fl.Changed("enabled") {
		enabled, _ = fl.GetBool("enabled")
	}
	if fl.Changed("retain-user-settings") {
		retain, _ = fl.GetBool("retain-user-settings")
	}
	if fl.Changed("types") {
		names, _ = fl.GetStringSlice("types")
	}
	types := make([]client.MfaConfigInfoAuthenticationTypes, len(names))
	for i, n := range names {
		types[i] = client.MfaConfigInfoAuthenticationTypes(n)
	}
	return client.UpdateMfaConfigJSONRequestBody{Enabled: &enabled, RetainUserMfaSettings: &retain, AuthenticationTypes: &types}
}

// mfaTOTPEnrollCmd is create_totp_key.
func (a *app) mfaTOTPEnrollCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "enroll",
		Short: "Enrol a TOTP key for yourself; its secret is shown once",
		Long: `Enrol a TOTP key (RFC 6238: SHA-1, 6 digits, 30 s) for yourself. The secret and its
otpauth:// URI are shown once: load them into an authenticator app. The key is
in use from the first log-in with a code from it; until then a key already in
use still serves.`,
		Example: `  clusteriam mfa totp enroll --name phone
  clusteriam mfa totp enroll -o json`,
		Args: cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			body := client.CreateTotpKeyJSONRequestBody{}
			if name != "" {
				body.TotpKeyName = &name
			}
			res, err := s.c.CreateTotpKeyWithResponse(background(cmd), body)
			if err != nil {
				return err
			}
			k := res.JSON201
			return a.print(k, []string{"ID", "NAME", "SECRET (shown once)", "URI"}, func() [][]string {
				return [][]string{{k.TotpKeyId, k.TotpKeyName, k.TotpSecretKey, k.TotpUri}}
			})
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", `the key's name (default "TOTP key")`)
	return cmd
}

// mfaEmailSendCmd is send_email_otp.
func (a *app) mfaEmailSendCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "send",
		Short: "E-mail yourself a one-time code, good once for 10 minutes",
		Long: `E-mail a one-time code to your account's address. It needs the server to have a
mail server (serve --smtp-url); a few codes an hour at most.`,
		Example: "  clusteriam mfa email send",
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			if _, err := s.c.SendEmailOtpWithResponse(background(cmd)); err != nil {
				return err
			}
			fmt.Fprintln(a.env.Stdout, "Sent a code to your e-mail address.")
			return nil
		}),
	}
}

// mfaResetCmd is reset_user_mfa.
func (a *app) mfaResetCmd() *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "reset USER",
		Short: "Erase a user's second factors and end its sessions",
		Long: `Erase USER's enrolled TOTP keys and any e-mailed code in flight, and end its
sessions: the way back for a user who lost its authenticator. Its next log-in
enrols a factor anew. Never on yourself.`,
		Example: `  clusteriam mfa reset alice
  clusteriam mfa reset bob --domain corp.example.com`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withUser(cmd, args[0], domain, func(s *session, sid string) error {
				if _, err := s.c.ResetUserMfaWithResponse(background(cmd), sid); err != nil {
					return err
				}
				fmt.Fprintf(a.env.Stdout, "Erased the second factors of %s and ended its sessions.\n", args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "LOCAL", "the user's domain, when USER is a name")
	return cmd
}
