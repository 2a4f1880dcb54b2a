package cli

import (
	"cmp"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) ssoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sso",
		Short: "Configure single sign-on: SAML identity providers and trusted token issuers",
		Long: `Configure single sign-on. A SAML identity provider lets its users sign in to
the console through it; a trusted OpenID Connect or OAuth2 issuer lets its
tokens call the API as Bearer credentials. docs/sso.md explains the set-up.`,
		Example: `  clusteriam sso saml list
  clusteriam sso issuers list`,
	}
	cmd.AddCommand(a.samlCmd(), a.issuersCmd())
	return cmd
}

func (a *app) samlCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "saml",
		Short: "Add, list, change and delete SAML identity providers",
		Example: `  clusteriam sso saml list
  clusteriam sso saml delete 3`,
	}
	cmd.AddCommand(a.samlListCmd(), a.samlCreateCmd(), a.samlUpdateCmd(), a.samlDeleteCmd())
	return cmd
}

var samlHeader = []string{"ID", "DOMAIN", "NAME", "ISSUER", "SSO URL", "ROLES", "ROLE ATTRIBUTE", "LOCAL LOG-IN", "ENABLED", "ORGANIZATION"}

func samlRows(idps []client.IdentityProviderConfiguration) func() [][]string {
	return func() [][]string {
		rows := make([][]string, 0, len(idps))
		for _, p := range idps {
			rows = append(rows, []string{strconv.FormatInt(p.Id, 10), p.Domain, p.Name, p.IssuerId, p.SsoUrl,
				orDash(p.Roles), orDash(optional(str(p.SamlAttributeName))), yesNo(&p.AllowLocalUserLogin),
				yesNo(&p.IsEnabled), orDash(optional(str(p.TenantId)))})
		}
		return rows
	}
}

func (a *app) samlListCmd() *cobra.Command {
	var scope scopeFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the SAML identity providers",
		Example: `  clusteriam sso saml list
  clusteriam sso saml list -o yaml`,
		Args: cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			p := client.GetIdentityProvidersParams{}
			scope.set(&p.TenantIds, &p.IncludeAllTenants)
			res, err := s.c.GetIdentityProvidersWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, samlHeader, samlRows(res.JSON200.Idps))
		}),
	}
	scope.bind(cmd)
	return cmd
}

// samlFlags are the settings of a SAML provider that create and update
// share.
type samlFlags struct {
	issuer, ssoURL, certFile, roleAttr string
	roles                              []string
	allowLocal, signRequest, disabled  bool
}

var samlSettings = []string{"issuer", "sso-url", "certificate-file", "role", "role-attribute", "allow-local-login", "sign-request", "disabled"}

func (f *samlFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.issuer, "issuer", "", "the provider's entity id (its issuer)")
	fl.StringVar(&f.ssoURL, "sso-url", "", "the provider's single sign-on URL (HTTP-Redirect binding)")
	fl.StringVar(&f.certFile, "certificate-file", "", "a file holding the provider's signing certificate (PEM)")
	fl.StringSliceVar(&f.roles, "role", nil, "default roles of the provider's users (comma-separated; \"\" for none)")
	fl.StringVar(&f.roleAttr, "role-attribute", "", "the SAML attribute that names a user's roles (\"\" for none)")
	fl.BoolVar(&f.allowLocal, "allow-local-login", false, "let LOCAL and directory users log in with a password while the provider is enabled")
	fl.BoolVar(&f.signRequest, "sign-request", false, "sign the SAML requests (the provider needs the cluster's certificate, from /idps/metadata)")
	fl.BoolVar(&f.disabled, "disabled", false, "keep the provider, but let nobody sign in through it")
}

// apply sets in c what the flags given say.
func (f *samlFlags) apply(cmd *cobra.Command, c *client.CommonIdentityProviderConfiguration) error {
	fl := cmd.Flags()
	if fl.Changed("issuer") {
		c.IssuerId = f.issuer
	}
	if fl.Changed("sso-url") {
		c.SsoUrl = f.ssoURL
	}
	if fl.Changed("certificate-file") {
		b, err := os.ReadFile(f.certFile)
		if err != nil {
			return usageErr("--certificate-file: %v", err)
		}
		c.Certificate = string(b)
	}
	if fl.Changed("role") {
		roles := withoutEmpty(f.roles)
		c.Roles = &roles
	}
	if fl.Changed("role-attribute") {
		c.SamlAttributeName = &f.roleAttr
	}
	if fl.Changed("allow-local-login") {
		c.AllowLocalUserLogin = &f.allowLocal
	}
	if fl.Changed("sign-request") {
		c.SignRequest = &f.signRequest
	}
	if fl.Changed("disabled") {
		enabled := !f.disabled
		c.IsEnabled = &enabled
	}
	return nil
}

func (a *app) samlCreateCmd() *cobra.Command {
	var f samlFlags
	var name string
	cmd := &cobra.Command{
		Use:   "create DOMAIN --issuer ID --sso-url URL --certificate-file FILE (--role ROLE | --role-attribute NAME)",
		Short: "Add a SAML identity provider: its users are users of DOMAIN",
		Long: `Add a SAML identity provider. Its users sign in through it and are named in
DOMAIN. Give the provider's entity id, its single sign-on URL and its signing
certificate, as the provider's administrator shows them, and the roles its
users get: default roles, and/or the attribute of the assertion that names
them. In the provider, register the cluster with the URLs of /idps/metadata.`,
		Example: `  clusteriam sso saml create okta.example.com --issuer http://www.okta.com/exk1 \
      --sso-url https://example.okta.com/app/exk1/sso/saml --certificate-file okta.pem --role COHESITY_VIEWER`,
		Args: exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			if f.issuer == "" || f.ssoURL == "" || f.certFile == "" {
				return usageErr("--issuer, --sso-url and --certificate-file are required")
			}
			var c client.CommonIdentityProviderConfiguration
			if err := f.apply(cmd, &c); err != nil {
				return err
			}
			var body client.CreateIdpRequestParams
			if err := recast(c, &body); err != nil {
				return err
			}
			body.Domain, body.Name = args[0], name
			if body.Name == "" {
				body.Name = args[0]
			}
			res, err := s.c.CreateIdentityProviderWithResponse(background(cmd), body)
			if err != nil {
				return err
			}
			return a.print(res.JSON201, samlHeader, samlRows([]client.IdentityProviderConfiguration{*res.JSON201}))
		}),
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&name, "name", "", "the provider's vendor name (default DOMAIN)")
	return cmd
}

func (a *app) samlUpdateCmd() *cobra.Command {
	var f samlFlags
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a SAML identity provider",
		Long: `Change a SAML identity provider: only what the flags say changes. Its domain
and name cannot change.`,
		Example: `  clusteriam sso saml update 3 --role-attribute clusterRoles
  clusteriam sso saml update 3 --certificate-file okta-2027.pem`,
		Args: exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if countChanged(cmd, samlSettings...) == 0 {
				return usageErr("nothing to change: see --help for the flags")
			}
			res, err := s.c.GetIdentityProvidersWithResponse(background(cmd), &client.GetIdentityProvidersParams{Ids: &[]int64{id}})
			if err != nil {
				return err
			}
			if len(res.JSON200.Idps) != 1 {
				return fmt.Errorf("no SAML identity provider %d", id)
			}
			var c client.CommonIdentityProviderConfiguration
			if err := recast(res.JSON200.Idps[0], &c); err != nil {
				return err
			}
			if err := f.apply(cmd, &c); err != nil {
				return err
			}
			up, err := s.c.UpdateIdentityProviderWithResponse(background(cmd), id, c)
			if err != nil {
				return err
			}
			return a.print(up.JSON200, samlHeader, samlRows([]client.IdentityProviderConfiguration{*up.JSON200}))
		}),
	}
	f.bind(cmd)
	return cmd
}

func (a *app) samlDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a SAML identity provider",
		Long: `Delete a SAML identity provider. Its users can no longer sign in through it.
The users and groups of its domain stay on the cluster until you delete them.`,
		Example: `  clusteriam sso saml delete 3`,
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if _, err := s.c.DeleteIdentityProviderWithResponse(background(cmd), id); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Deleted SAML identity provider %d.\n", id)
			return nil
		}),
	}
}

func (a *app) issuersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "issuers",
		Short: "Add, list, change and delete trusted OpenID Connect and OAuth2 token issuers",
		Example: `  clusteriam sso issuers list
  clusteriam sso issuers refresh --type oidc`,
	}
	cmd.AddCommand(a.issuersListCmd(), a.issuersCreateCmd(), a.issuersUpdateCmd(), a.issuersDeleteCmd(), a.issuersRefreshCmd())
	return cmd
}

var issuerHeader = []string{"ID", "DOMAIN", "TYPE", "KEYS URL", "AUDIENCES", "POLL", "ENABLED", "ORGANIZATION"}

func issuerRows(cs []client.IdentityConfigResponse) func() [][]string {
	return func() [][]string {
		rows := make([][]string, 0, len(cs))
		for _, c := range cs {
			var url, poll string
			var auds []string
			switch {
			case c.OpenIdConnectParams != nil:
				p := c.OpenIdConnectParams
				url, poll, auds = p.PublicKeyUrl, fmt.Sprintf("%dm", p.PollingFrequencyMins), p.AudienceIds
			case c.OAuth2Params != nil:
				p := c.OAuth2Params
				url, poll = p.PublicKeyUrl, fmt.Sprintf("%dm", p.PollingFrequencyMins)
				for _, a := range p.Audiences {
					auds = append(auds, a.AudienceId+" ("+strings.Join(a.ClientIds, " ")+")")
				}
			}
			rows = append(rows, []string{strconv.FormatInt(c.Id, 10), c.Domain, string(c.IdentityProviderType), url,
				orDash(auds), poll, yesNo(&c.IsEnabled), orDash(optional(str(c.TenantId)))})
		}
		return rows
	}
}

func (a *app) issuersListCmd() *cobra.Command {
	var scope scopeFlags
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the trusted token issuers",
		Example: `  clusteriam sso issuers list`,
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			p := client.GetIdentitiesParams{}
			scope.set(&p.TenantIds, &p.IncludeAllTenants)
			res, err := s.c.GetIdentitiesWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			return a.print(res.JSON200, issuerHeader, issuerRows(res.JSON200.Idps))
		}),
	}
	scope.bind(cmd)
	return cmd
}

// issuerFlags are the settings of an issuer that create and update share.
type issuerFlags struct {
	keysURL   string
	audiences []string
	clients   []string
	poll      int64
	disabled  bool
}

var issuerSettings = []string{"keys-url", "audience", "client-id", "poll-minutes", "disabled"}

func (f *issuerFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.keysURL, "keys-url", "", "the issuer's JWKS URL (its jwks_uri)")
	fl.StringSliceVar(&f.audiences, "audience", nil, "the audiences the tokens must name (aud), comma-separated")
	fl.StringSliceVar(&f.clients, "client-id", nil, "OAuth2: the client ids (appid) allowed, for every audience")
	fl.Int64Var(&f.poll, "poll-minutes", 0, "how often the keys are read again, in minutes (default 1440)")
	fl.BoolVar(&f.disabled, "disabled", false, "keep the issuer, but accept none of its tokens")
}

// apply sets in c what the flags given say.
func (f *issuerFlags) apply(cmd *cobra.Command, c *client.IdentityConfig) error {
	fl := cmd.Flags()
	if fl.Changed("disabled") {
		enabled := !f.disabled
		c.IsEnabled = &enabled
	}
	var poll *int64
	if fl.Changed("poll-minutes") {
		poll = &f.poll
	}
	switch c.IdentityProviderType {
	case client.IdentityConfigIdentityProviderTypeOpenIdConnect:
		if fl.Changed("client-id") {
			return usageErr("--client-id is for OAuth2 issuers")
		}
		p := c.OpenIdConnectParams
		if p == nil {
			p = &client.OpenIdProvider{}
			c.OpenIdConnectParams = p
		}
		setIf(fl.Changed("keys-url"), &p.PublicKeyUrl, f.keysURL)
		setIf(fl.Changed("audience"), &p.AudienceIds, withoutEmpty(f.audiences))
		p.PollingFrequencyMins = cmp.Or(poll, p.PollingFrequencyMins)
	default:
		p := c.OAuth2Params
		if p == nil {
			p = &client.OAuth2Provider{}
			c.OAuth2Params = p
		}
		setIf(fl.Changed("keys-url"), &p.PublicKeyUrl, f.keysURL)
		if fl.Changed("audience") || fl.Changed("client-id") {
			if len(f.clients) == 0 && len(p.Audiences) > 0 {
				f.clients = p.Audiences[0].ClientIds
			}
			if len(f.audiences) == 0 {
				for _, a := range p.Audiences {
					f.audiences = append(f.audiences, a.AudienceId)
				}
			}
			p.Audiences = nil
			for _, aud := range withoutEmpty(f.audiences) {
				p.Audiences = append(p.Audiences, client.OAuthAudience{AudienceId: aud, ClientIds: withoutEmpty(f.clients)})
			}
		}
		p.PollingFrequencyMins = cmp.Or(poll, p.PollingFrequencyMins)
	}
	return nil
}

func setIf[T any](changed bool, dst *T, v T) {
	if changed {
		*dst = v
	}
}

// issuerType is the API's name of a --type.
func issuerType(t string) (client.IdentityConfigIdentityProviderType, error) {
	switch strings.ToLower(t) {
	case "oidc", "openidconnect":
		return client.IdentityConfigIdentityProviderTypeOpenIdConnect, nil
	case "oauth2":
		return client.IdentityConfigIdentityProviderTypeOAuth2, nil
	}
	return "", usageErr("--type is oidc or oauth2, not %q", t)
}

func (a *app) issuersCreateCmd() *cobra.Command {
	var f issuerFlags
	var typ string
	cmd := &cobra.Command{
		Use:   "create DOMAIN --type oidc|oauth2 --keys-url URL --audience AUD",
		Short: "Trust an issuer's tokens: they call the API as users of DOMAIN",
		Long: `Trust the tokens of an OpenID Connect or OAuth2 issuer. A Bearer JWT it signed,
for one of --audience, then calls the API as its user in DOMAIN, with the roles
that user and its groups hold. The issuer is the one whose metadata names
--keys-url as its jwks_uri; the server reads it, and the keys, now.`,
		Example: `  clusteriam sso issuers create okta.example.com --type oidc \
      --keys-url https://example.okta.com/oauth2/default/v1/keys --audience api://clusteriam`,
		Args: exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			t, err := issuerType(typ)
			if err != nil {
				return err
			}
			if f.keysURL == "" || len(f.audiences) == 0 || t == client.IdentityConfigIdentityProviderTypeOAuth2 && len(f.clients) == 0 {
				return usageErr("--keys-url and --audience are required, and --client-id for OAuth2")
			}
			c := client.IdentityConfig{Domain: args[0], IdentityProviderType: t}
			if err := f.apply(cmd, &c); err != nil {
				return err
			}
			res, err := s.c.CreateIdentityWithResponse(background(cmd), c)
			if err != nil {
				return err
			}
			return a.print(res.JSON201, issuerHeader, issuerRows([]client.IdentityConfigResponse{*res.JSON201}))
		}),
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&typ, "type", "oidc", "oidc (OpenID Connect) or oauth2")
	return cmd
}

func (a *app) issuersUpdateCmd() *cobra.Command {
	var f issuerFlags
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a trusted issuer",
		Long: `Change a trusted issuer: only what the flags say changes. The update is refused
if someone else changed the issuer since the CLI read it.`,
		Example: `  clusteriam sso issuers update 4 --poll-minutes 60
  clusteriam sso issuers update 4 --disabled`,
		Args: exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if countChanged(cmd, issuerSettings...) == 0 {
				return usageErr("nothing to change: see --help for the flags")
			}
			res, err := s.c.GetIdentitiesWithResponse(background(cmd), &client.GetIdentitiesParams{Ids: &[]int64{id}})
			if err != nil {
				return err
			}
			if len(res.JSON200.Idps) != 1 {
				return fmt.Errorf("no trusted issuer %d", id)
			}
			var c client.IdentityConfig
			if err := recast(res.JSON200.Idps[0], &c); err != nil {
				return err
			}
			if err := f.apply(cmd, &c); err != nil {
				return err
			}
			up, err := s.c.UpdateIdentityWithResponse(background(cmd), id, c)
			if err != nil {
				return err
			}
			return a.print(up.JSON200, issuerHeader, issuerRows([]client.IdentityConfigResponse{*up.JSON200}))
		}),
	}
	f.bind(cmd)
	return cmd
}

func (a *app) issuersDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "delete ID",
		Short:   "Stop trusting an issuer's tokens",
		Example: `  clusteriam sso issuers delete 4`,
		Args:    exactArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if _, err := s.c.DeleteIdentityWithResponse(background(cmd), id); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Deleted trusted issuer %d.\n", id)
			return nil
		}),
	}
}

func (a *app) issuersRefreshCmd() *cobra.Command {
	var typ string
	cmd := &cobra.Command{
		Use:   "refresh --type oidc|oauth2",
		Short: "Read the issuers' signing keys again now",
		Long: `Read the signing keys of the trusted issuers of a type again now, as after the
issuer rotated its keys (they are read again every --poll-minutes anyway).`,
		Example: `  clusteriam sso issuers refresh --type oidc`,
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			t, err := issuerType(typ)
			if err != nil {
				return err
			}
			body := client.IdentityAction{IdentityProviderType: client.IdentityActionIdentityProviderType(t)}
			if t == client.IdentityConfigIdentityProviderTypeOpenIdConnect {
				body.OpenIdConnectParams = &client.OpenIdConnectAction{Action: client.OpenIdConnectActionActionRefreshPublicKeys}
			} else {
				body.OAuth2Params = &client.OAuth2Action{Action: client.OAuth2ActionActionRefreshPublicKeys}
			}
			if _, err := s.c.PerformIdentityActionWithResponse(background(cmd), body); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Refreshed the keys of the %s issuers.\n", t)
			return nil
		}),
	}
	cmd.Flags().StringVar(&typ, "type", "oidc", "oidc (OpenID Connect) or oauth2")
	return cmd
}
