package domainspec

import (
	"encoding/json"
	"strings"
	"testing"
)

func oidcConfig() IdentityConfig {
	return IdentityConfig{Domain: ptr("corp.example.com"), IdentityProviderType: ptr(IdentityOpenIDConnect),
		OpenIDConnectParams: &OpenIDProvider{AudienceIDs: []string{"clusteriam"}, PublicKeyURL: ptr("https://idp.example.com/keys")}}
}

func oauthConfig() IdentityConfig {
	return IdentityConfig{Domain: ptr("corp.example.com"), IdentityProviderType: ptr(IdentityOAuth2),
		OAuth2Params: &OAuth2Provider{Audiences: []OAuthAudience{{AudienceID: ptr("api://c"), ClientIDs: []string{"app"}}},
			PublicKeyURL: ptr("https://idp.example.com/keys")}}
}

func TestIdentityConfigCheck(t *testing.T) {
	many := make([]string, MaxAudiences+1)
	for i := range many {
		many[i] = strings.Repeat("a", i+1)
	}
	tests := []struct {
		name   string
		base   func() IdentityConfig
		change func(c *IdentityConfig)
		want   string // "" valid, else a word of the error
	}{
		{"oidc", oidcConfig, func(c *IdentityConfig) {}, ""},
		{"oauth2", oauthConfig, func(c *IdentityConfig) {}, ""},
		{"no domain", oidcConfig, func(c *IdentityConfig) { c.Domain = nil }, "domain is required"},
		{"LOCAL", oidcConfig, func(c *IdentityConfig) { c.Domain = ptr("LOCAL") }, "LOCAL"},
		{"bad domain", oidcConfig, func(c *IdentityConfig) { c.Domain = ptr("a b") }, "not a domain name"},
		{"no type", oidcConfig, func(c *IdentityConfig) { c.IdentityProviderType = nil }, "identityProviderType is required"},
		{"unknown type", oidcConfig, func(c *IdentityConfig) { c.IdentityProviderType = ptr("SAML") }, "want one of"},
		{"oidc without params", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams = nil }, "takes openIdConnectParams"},
		{"oidc with oauth2 params", oidcConfig, func(c *IdentityConfig) { c.OAuth2Params = oauthConfig().OAuth2Params }, "no oAuth2Params"},
		{"oauth2 with oidc params", oauthConfig, func(c *IdentityConfig) { c.OpenIDConnectParams = oidcConfig().OpenIDConnectParams }, "no openIdConnectParams"},
		{"no audienceIds", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.AudienceIDs = nil }, "want 1 to 50"},
		{"empty audienceIds", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.AudienceIDs = []string{} }, "want 1 to 50"},
		{"51 audienceIds", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.AudienceIDs = many }, "want 1 to 50"},
		{"50 audienceIds", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.AudienceIDs = many[:50] }, ""},
		{"an empty audience", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.AudienceIDs = []string{""} }, "is empty"},
		{"a 256-char audience", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.AudienceIDs = []string{strings.Repeat("a", 256)} }, "at most 255"},
		{"a repeated audience", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.AudienceIDs = []string{"a", "a"} }, "twice"},
		{"no publicKeyUrl", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.PublicKeyURL = nil }, "publicKeyUrl is required"},
		{"http publicKeyUrl", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.PublicKeyURL = ptr("http://idp/keys") }, "https"},
		{"credentials in publicKeyUrl", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.PublicKeyURL = ptr("https://u:p@idp/keys") }, "https"},
		{"polling 0", oidcConfig, func(c *IdentityConfig) { c.OpenIDConnectParams.PollingFrequencyMins = ptr(int64(0)) }, "want 1 to 10080"},
		{"polling 10081", oauthConfig, func(c *IdentityConfig) { c.OAuth2Params.PollingFrequencyMins = ptr(int64(10081)) }, "want 1 to 10080"},
		{"polling 10080", oauthConfig, func(c *IdentityConfig) { c.OAuth2Params.PollingFrequencyMins = ptr(int64(10080)) }, ""},
		{"no audiences", oauthConfig, func(c *IdentityConfig) { c.OAuth2Params.Audiences = nil }, "want 1 to 50"},
		{"audience without id", oauthConfig, func(c *IdentityConfig) { c.OAuth2Params.Audiences[0].AudienceID = nil }, "audienceId is required"},
		{"audience without clients", oauthConfig, func(c *IdentityConfig) { c.OAuth2Params.Audiences[0].ClientIDs = nil }, "clientIds holds 0"},
		{"an audience twice", oauthConfig, func(c *IdentityConfig) {
			c.OAuth2Params.Audiences = append(c.OAuth2Params.Audiences, c.OAuth2Params.Audiences[0])
		}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.base()
			tt.change(&c)
			err := c.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// TestIdentityDefaults: what the Python SDK leaves out is filled in, so
// that every answer carries isEnabled and pollingFrequencyMins.
func TestIdentityDefaults(t *testing.T) {
	c := oidcConfig()
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	for _, want := range []string{`"isEnabled":true`, `"pollingFrequencyMins":1440`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

func TestIdentityActionCheck(t *testing.T) {
	act := func(typ string, oidc, oauth *string) IdentityAction {
		a := IdentityAction{IdentityProviderType: &typ}
		if oidc != nil {
			a.OpenIDConnectParams = &ActionParams{Action: oidc}
		}
		if oauth != nil {
			a.OAuth2Params = &ActionParams{Action: oauth}
		}
		return a
	}
	r := ptr(ActionRefreshPublicKeys)
	tests := []struct {
		name string
		a    IdentityAction
		want string
	}{
		{"oidc", act(IdentityOpenIDConnect, r, nil), ""},
		{"oauth2", act(IdentityOAuth2, nil, r), ""},
		{"no type", IdentityAction{}, "identityProviderType is required"},
		{"oauth2 without params", act(IdentityOAuth2, nil, nil), "oAuth2Params.action is required"},
		{"oidc with the other params", act(IdentityOpenIDConnect, nil, r), "no oAuth2Params"},
		{"unknown action", act(IdentityOAuth2, nil, ptr("Rotate")), "want one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.a.Check()
			if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}
