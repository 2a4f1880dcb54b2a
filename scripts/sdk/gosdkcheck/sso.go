//go:build sdkcheck

// The single sign-on steps of gosdkcheck, through the Go SDK's
// IdentityProviderApi (package v2/client/identity_provider,
// c.IdentityProvider): SAML providers (/idps) and trusted JWT issuers
// (/identity-providers). The SDK's readers accept only the declared
// success code: CreateIdentityProvider, CreateIdentity and
// PerformIdentityAction 201, the deletes 204, the others 200; IdpsLogin's
// declared 302 comes back as an error value (IdpsLoginFound), so a Go
// caller succeeds only when net/http followed the redirect to a 2xx page.
//
// What the Go SDK does on these operations:
//   - unset required fields, and the roles list, go out as null: the
//     update of a provider sends "roles": null (the server keeps them);
//   - CommonIdentityProviderConfiguration and CreateIdpRequestParams are
//     one flat object on the wire (allOf).
//
// No identity provider runs here: the provider's SSO URL is a small HTTPS
// page this program serves (it answers {} as JSON, so that the recording
// transport's wire checks hold), and the issuer's key URL is unreachable
// unless -oidc-keys-url names a real one that the server trusts; without
// it the issuer steps show the refusals only.
//
// main.go runs these steps with ssoSteps(r, c, admin, run).

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"flag"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/go-openapi/runtime"

	apiclient "github.com/cohesity/go-sdk/v2/client"
	"github.com/cohesity/go-sdk/v2/client/identity_provider"
	"github.com/cohesity/go-sdk/v2/models"
)

var (
	oidcKeysURL  = flag.String("oidc-keys-url", "", "JWKS URL of a real OpenID provider the server trusts (serve --idp-ca-file); empty: the issuer steps show refusals only")
	oidcAudience = flag.String("oidc-audience", "clusteriam", "an audience of that provider's tokens")
)

// samlCertificate is a signing certificate for the provider, as base64 DER.
func samlCertificate() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err == nil, "key: %v", err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gosdkcheck idp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	check(err == nil, "certificate: %v", err)
	return base64.StdEncoding.EncodeToString(der)
}

func checkIdP(p *models.IdentityProviderConfiguration, what string) {
	check(p != nil && p.ID != nil && *p.ID > 0, "%s: no id: %s", what, show(p))
	check(p.IsEnabled != nil && p.AllowLocalUserLogin != nil && p.SignRequest != nil && p.CertificateFilename != nil,
		"%s: isEnabled, allowLocalUserLogin, signRequest and certificateFilename must always be there: %s", what, show(p))
	check(p.Roles != nil, "%s: roles must be a list: %s", what, show(p))
}

func ssoSteps(r *runner, c *apiclient.CohesityRESTAPI, admin runtime.ClientAuthInfoWriter, run string) {
	page := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{}")
	}))
	defer page.Close()
	cert := samlCertificate()
	domain := "saml-go-" + run + ".example"
	var id int64

	r.step("SSO: CreateIdentityProvider (SAML; roles and the unset fields as the SDK sends them) -> 201 with every default", func() string {
		body := &models.CreateIdpRequestParams{
			CommonIdentityProviderConfiguration: models.CommonIdentityProviderConfiguration{
				IssuerID: ptr("https://idp.example/" + run), SsoURL: ptr(page.URL + "/sso"), Certificate: ptr(cert),
				Roles: []string{"COHESITY_VIEWER"}, AllowLocalUserLogin: ptr(true)},
			Name: ptr("Go SDK IdP"), Domain: ptr(domain)}
		res, err := c.IdentityProvider.CreateIdentityProvider(identity_provider.NewCreateIdentityProviderParams().WithBody(body), admin)
		r.ok(err, "CreateIdentityProvider")
		p := res.Payload
		checkIdP(p, "created provider")
		id = *p.ID
		eq([]any{deref(p.Domain), deref(p.Name), deref(p.IsEnabled), deref(p.SignRequest), deref(p.CertificateFilename), p.Roles},
			[]any{domain, "Go SDK IdP", true, false, "idp_certificate.pem", []string{"COHESITY_VIEWER"}}, "created provider")
		return fmt.Sprintf("id %d", id)
	})

	r.step("SSO: GetIdentityProviders(ids, domains, names) -> it; UpdateIdentityProvider with roles null -> 200, roles kept", func() string {
		check(id != 0, "no provider (the create failed)")
		res, err := c.IdentityProvider.GetIdentityProviders(identity_provider.NewGetIdentityProvidersParams().
			WithIds([]int64{id}).WithDomains([]string{domain}).WithNames([]string{"Go SDK IdP"}), admin)
		r.ok(err, "GetIdentityProviders")
		eq(len(res.Payload.Idps), 1, "providers listed")
		checkIdP(res.Payload.Idps[0], "listed provider")
		up, err := c.IdentityProvider.UpdateIdentityProvider(identity_provider.NewUpdateIdentityProviderParams().WithID(id).WithBody(
			&models.UpdateIdpRequestParams{CommonIdentityProviderConfiguration: models.CommonIdentityProviderConfiguration{
				IssuerID: ptr("https://idp.example/" + run), SsoURL: ptr(page.URL + "/sso"), Certificate: ptr(cert),
				SamlAttributeName: ptr("clusterRoles")}}), admin)
		r.ok(err, "UpdateIdentityProvider")
		checkIdP(up.Payload, "updated provider")
		eq([]any{deref(up.Payload.SamlAttributeName), up.Payload.Roles, deref(up.Payload.Domain)},
			[]any{"clusterRoles", []string{"COHESITY_VIEWER"}, domain}, "updated provider")
		return "samlAttributeName set, roles kept"
	})

	r.step("SSO: IdpsLogin -> 302 to the provider, which net/http follows to its page (2xx: no error)", func() string {
		err := c.IdentityProvider.IdpsLogin(identity_provider.NewIdpsLoginParams(), nil)
		r.ok(err, "IdpsLogin")
		r.rec.mu.Lock()
		last := r.rec.last
		r.rec.mu.Unlock()
		check(strings.HasPrefix(last.path, "/sso"), "the last request went to %s, not the provider's page", last.path)
		return "landed on " + last.path[:min(len(last.path), 40)] + "..."
	})

	r.step("SSO: refusals: a certificate that does not parse 400; a taken domain 409; an unknown id 404", func() string {
		bad := &models.CreateIdpRequestParams{CommonIdentityProviderConfiguration: models.CommonIdentityProviderConfiguration{
			IssuerID: ptr("x"), SsoURL: ptr(page.URL), Certificate: ptr("not a certificate"), Roles: []string{"COHESITY_VIEWER"}},
			Name: ptr("bad"), Domain: ptr("bad-" + domain)}
		_, err := c.IdentityProvider.CreateIdentityProvider(identity_provider.NewCreateIdentityProviderParams().WithBody(bad), admin)
		e1 := r.expectErr(err, "CreateIdentityProvider with a bad certificate", 400)
		taken := &models.CreateIdpRequestParams{CommonIdentityProviderConfiguration: models.CommonIdentityProviderConfiguration{
			IssuerID: ptr("x"), SsoURL: ptr(page.URL), Certificate: ptr(cert), Roles: []string{"COHESITY_VIEWER"}, IsEnabled: ptr(false)},
			Name: ptr("taken"), Domain: ptr(strings.ToUpper(domain))}
		_, err = c.IdentityProvider.CreateIdentityProvider(identity_provider.NewCreateIdentityProviderParams().WithBody(taken), admin)
		r.expectErr(err, "CreateIdentityProvider with a taken domain", 409)
		_, err = c.IdentityProvider.DeleteIdentityProvider(identity_provider.NewDeleteIdentityProviderParams().WithID(1<<40+id), admin)
		r.expectErr(err, "DeleteIdentityProvider(unknown id)", 404)
		return deref(e1.Message).(string)
	})

	issuerSteps(r, c, admin, run)

	r.step("SSO: DeleteIdentityProvider -> 204; IdpsLogin then 404 (no enabled provider)", func() string {
		check(id != 0, "no provider (the create failed)")
		_, err := c.IdentityProvider.DeleteIdentityProvider(identity_provider.NewDeleteIdentityProviderParams().WithID(id), admin)
		r.ok(err, "DeleteIdentityProvider")
		err = c.IdentityProvider.IdpsLogin(identity_provider.NewIdpsLoginParams(), nil)
		e := r.expectErr(err, "IdpsLogin without a provider", 404)
		return deref(e.Message).(string)
	})
}

// issuerSteps are the JWT-trust half.
func issuerSteps(r *runner, c *apiclient.CohesityRESTAPI, admin runtime.ClientAuthInfoWriter, run string) {
	domain := "oidc-go-" + run + ".example"
	config := func(keys string) *models.IdentityConfig {
		return &models.IdentityConfig{Domain: ptr(domain), IdentityProviderType: ptr("OpenIdConnect"),
			OpenIDConnectParams: &models.OpenIDProvider{AudienceIds: []string{*oidcAudience}, PublicKeyURL: ptr(keys)}}
	}
	r.step("SSO: CreateIdentity refused: identityProviderType null (the SDK's unset required field) 400; an unreachable key URL 400", func() string {
		body := config("https://" + unreachable + "/keys")
		body.IdentityProviderType = nil
		_, err := c.IdentityProvider.CreateIdentity(identity_provider.NewCreateIdentityParams().WithBody(body), admin)
		r.expectErr(err, "CreateIdentity without identityProviderType", 400)
		_, err = c.IdentityProvider.CreateIdentity(identity_provider.NewCreateIdentityParams().WithBody(config("https://"+unreachable+"/keys")), admin)
		e := r.expectErr(err, "CreateIdentity with an unreachable key URL", 400)
		return deref(e.Message).(string)
	})
	r.step("SSO: GetIdentities -> {\"idps\": [...]} with pollingFrequencyMins and isEnabled; PerformIdentityAction RefreshPublicKeys -> 201, echoed", func() string {
		res, err := c.IdentityProvider.GetIdentities(identity_provider.NewGetIdentitiesParams(), admin)
		r.ok(err, "GetIdentities")
		check(res.Payload != nil && res.Payload.Idps != nil, "no idps list: %s", show(res.Payload))
		for _, i := range res.Payload.Idps {
			check(i.IsEnabled != nil && (i.OpenIDConnectParams == nil || i.OpenIDConnectParams.PollingFrequencyMins != nil), "listed issuer: %s", show(i))
		}
		act, err := c.IdentityProvider.PerformIdentityAction(identity_provider.NewPerformIdentityActionParams().WithBody(&models.IdentityAction{
			IdentityProviderType: ptr("OpenIdConnect"), OpenIDConnectParams: &models.OpenIDConnectAction{Action: ptr("RefreshPublicKeys")}}), admin)
		r.ok(err, "PerformIdentityAction")
		eq(deref(act.Payload.IdentityProviderType), "OpenIdConnect", "echoed type")
		return fmt.Sprintf("%d issuers", len(res.Payload.Idps))
	})
	if *oidcKeysURL == "" {
		return
	}
	var id int64
	r.step("SSO: CreateIdentity (a real provider) -> 201; UpdateIdentity -> 200; a stale lastModifiedTimestampUsecs 409; DeleteIdentity -> 204", func() string {
		res, err := c.IdentityProvider.CreateIdentity(identity_provider.NewCreateIdentityParams().WithBody(config(*oidcKeysURL)), admin)
		r.ok(err, "CreateIdentity")
		id = deref(res.Payload.ID).(int64)
		body := config(*oidcKeysURL)
		body.OpenIDConnectParams.PollingFrequencyMins = ptr(int64(60))
		up, err := c.IdentityProvider.UpdateIdentity(identity_provider.NewUpdateIdentityParams().WithID(id).WithBody(body), admin)
		r.ok(err, "UpdateIdentity")
		eq(deref(up.Payload.OpenIDConnectParams.PollingFrequencyMins), int64(60), "pollingFrequencyMins")
		body.LastModifiedTimestampUsecs = ptr(int64(1))
		_, err = c.IdentityProvider.UpdateIdentity(identity_provider.NewUpdateIdentityParams().WithID(id).WithBody(body), admin)
		r.expectErr(err, "UpdateIdentity with a stale lastModifiedTimestampUsecs", 409)
		_, err = c.IdentityProvider.DeleteIdentity(identity_provider.NewDeleteIdentityParams().WithID(id), admin)
		r.ok(err, "DeleteIdentity")
		return fmt.Sprintf("id %d", id)
	})
}
