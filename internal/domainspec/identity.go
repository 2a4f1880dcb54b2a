package domainspec

import (
	"errors"
	"fmt"
	"net/url"
)

// The vendor's JWT-trust models (IdentityProviderApi, /identity-providers):
// an OpenID Connect or OAuth2 issuer whose tokens the cluster accepts.

// Identity provider types, spelt as the vendor's identityProviderType.
const (
	IdentityOpenIDConnect = "OpenIdConnect"
	IdentityOAuth2        = "OAuth2"
)

// IdentityTypes are the identityProviderType values.
var IdentityTypes = []string{IdentityOpenIDConnect, IdentityOAuth2}

// ActionRefreshPublicKeys is the one action of IdentityAction.
const ActionRefreshPublicKeys = "RefreshPublicKeys"

// Limits of the JWT-trust models, as both SDKs check them.
const (
	MaxAudiences   = 50
	MaxAudienceLen = 255
	MinPollingMins = 1
	MaxPollingMins = 10080
	// DefaultPollingMins is the vendor's default: a day.
	DefaultPollingMins = 1440
	maxURLLen          = 2048
)

// OpenIDProvider is the vendor's OpenIdProvider (openIdConnectParams).
type OpenIDProvider struct {
	AudienceIDs          []string `json:"audienceIds"`
	PublicKeyURL         *string  `json:"publicKeyUrl"`
	PollingFrequencyMins *int64   `json:"pollingFrequencyMins,omitempty"`
}

// OAuthAudience is the vendor's OAuthAudience.
type OAuthAudience struct {
	AudienceID *string  `json:"audienceId"`
	ClientIDs  []string `json:"clientIds"`
}

// OAuth2Provider is the vendor's OAuth2Provider (oAuth2Params).
type OAuth2Provider struct {
	Audiences            []OAuthAudience `json:"audiences"`
	PublicKeyURL         *string         `json:"publicKeyUrl"`
	PollingFrequencyMins *int64          `json:"pollingFrequencyMins,omitempty"`
}

// IdentityConfig is the vendor's IdentityConfig: a request's body, and the
// answer (with id, isEnabled and pollingFrequencyMins always set).
type IdentityConfig struct {
	ID                         *int64          `json:"id,omitempty"`
	Domain                     *string         `json:"domain"`
	IdentityProviderType       *string         `json:"identityProviderType"`
	IsEnabled                  *bool           `json:"isEnabled,omitempty"`
	LastModifiedTimestampUsecs *int64          `json:"lastModifiedTimestampUsecs,omitempty"`
	OpenIDConnectParams        *OpenIDProvider `json:"openIdConnectParams,omitempty"`
	OAuth2Params               *OAuth2Provider `json:"oAuth2Params,omitempty"`
	TenantID                   *string         `json:"tenantId,omitempty"`
}

// IdentityAction is the vendor's IdentityAction.
type IdentityAction struct {
	IdentityProviderType *string       `json:"identityProviderType"`
	OpenIDConnectParams  *ActionParams `json:"openIdConnectParams,omitempty"`
	OAuth2Params         *ActionParams `json:"oAuth2Params,omitempty"`
}

// ActionParams is the vendor's OpenIdConnectAction and OAuth2Action.
type ActionParams struct {
	Action *string `json:"action"`
}

// Check checks a create or update request. It fills in the vendor's
// defaults (isEnabled true, pollingFrequencyMins 1440), so that what is
// stored answers every GET with them.
func (c *IdentityConfig) Check() error {
	switch {
	case c.Domain == nil:
		return errors.New("domain is required: the domain of the users whose tokens this issuer signs")
	case c.IdentityProviderType == nil:
		return errors.New("identityProviderType is required: OpenIdConnect or OAuth2")
	}
	if err := CheckDomainName("domain", *c.Domain); err != nil {
		return err
	}
	if err := oneOf("identityProviderType", *c.IdentityProviderType, IdentityTypes); err != nil {
		return err
	}
	if c.IsEnabled == nil {
		c.IsEnabled = ptrTo(true)
	}
	switch *c.IdentityProviderType {
	case IdentityOpenIDConnect:
		if c.OpenIDConnectParams == nil || c.OAuth2Params != nil {
			return errors.New("identityProviderType OpenIdConnect takes openIdConnectParams, and no oAuth2Params")
		}
		p := c.OpenIDConnectParams
		if err := checkAudiences("openIdConnectParams.audienceIds", p.AudienceIDs); err != nil {
			return err
		}
		return checkKeys("openIdConnectParams", p.PublicKeyURL, &p.PollingFrequencyMins)
	default:
		if c.OAuth2Params == nil || c.OpenIDConnectParams != nil {
			return errors.New("identityProviderType OAuth2 takes oAuth2Params, and no openIdConnectParams")
		}
		p := c.OAuth2Params
		if err := checkOAuthAudiences(p.Audiences); err != nil {
			return err
		}
		return checkKeys("oAuth2Params", p.PublicKeyURL, &p.PollingFrequencyMins)
	}
}

func checkOAuthAudiences(as []OAuthAudience) error {
	const field = "oAuth2Params.audiences"
	if len(as) == 0 || len(as) > MaxAudiences {
		return fmt.Errorf("%s holds %d audiences; want 1 to %d", field, len(as), MaxAudiences)
	}
	ids := make([]string, 0, len(as))
	for i, a := range as {
		f := fmt.Sprintf("%s[%d]", field, i)
		if a.AudienceID == nil {
			return fmt.Errorf("%s.audienceId is required", f)
		}
		ids = append(ids, *a.AudienceID)
		if err := checkAudiences(f+".clientIds", a.ClientIDs); err != nil {
			return err
		}
	}
	return checkAudiences(field+"[].audienceId", ids)
}

// checkAudiences checks a list of audience or client ids: 1 to 50, each 1
// to 255 characters, no repeats.
func checkAudiences(field string, v []string) error {
	if len(v) == 0 || len(v) > MaxAudiences {
		return fmt.Errorf("%s holds %d items; want 1 to %d", field, len(v), MaxAudiences)
	}
	return checkList(field, v, func(f, s string) error {
		if s == "" {
			return fmt.Errorf("%s is empty; want 1 to %d characters", f, MaxAudienceLen)
		}
		return checkText(f, s, MaxAudienceLen)
	})
}

// checkKeys checks publicKeyUrl (https, no credentials) and the polling
// interval, which it defaults.
func checkKeys(field string, keyURL *string, polling **int64) error {
	if keyURL == nil {
		return fmt.Errorf("%s.publicKeyUrl is required: the issuer's JWKS URL, or its metadata URL", field)
	}
	if err := checkText(field+".publicKeyUrl", *keyURL, maxURLLen); err != nil {
		return err
	}
	u, err := url.Parse(*keyURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%s.publicKeyUrl %q: want an https URL without credentials or fragment", field, *keyURL)
	}
	if *polling == nil {
		*polling = ptrTo(int64(DefaultPollingMins))
	}
	if n := **polling; n < MinPollingMins || n > MaxPollingMins {
		return fmt.Errorf("%s.pollingFrequencyMins %d: want %d to %d", field, n, MinPollingMins, MaxPollingMins)
	}
	return nil
}

// Check checks an action request.
func (a *IdentityAction) Check() error {
	if a.IdentityProviderType == nil {
		return errors.New("identityProviderType is required: OpenIdConnect or OAuth2")
	}
	if err := oneOf("identityProviderType", *a.IdentityProviderType, IdentityTypes); err != nil {
		return err
	}
	params, field := a.OpenIDConnectParams, "openIdConnectParams"
	if *a.IdentityProviderType == IdentityOAuth2 {
		params, field = a.OAuth2Params, "oAuth2Params"
		if a.OpenIDConnectParams != nil {
			return errors.New("identityProviderType OAuth2 takes oAuth2Params, and no openIdConnectParams")
		}
	} else if a.OAuth2Params != nil {
		return errors.New("identityProviderType OpenIdConnect takes openIdConnectParams, and no oAuth2Params")
	}
	if params == nil || params.Action == nil {
		return fmt.Errorf("%s.action is required: %s", field, ActionRefreshPublicKeys)
	}
	return oneOf(field+".action", *params.Action, []string{ActionRefreshPublicKeys})
}

func ptrTo[T any](v T) *T { return &v }
