package iam

import (
	"time"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/jwtrust"
	"github.com/clusteriam/clusteriam/internal/store"
)

// jwtSpec is a trusted JWT issuer's configuration as the store keeps it
// (storedSpec.JWT): the vendor's model, defaults filled in (its id,
// domain, tenantId and timestamp are the record's), and the issuer and
// key URL pinned when it was saved (jwtrust.Pool.Discover).
type jwtSpec struct {
	Config  domainspec.IdentityConfig `json:"config"`
	Issuer  string                    `json:"issuer"`
	KeysURL string                    `json:"keysUrl"`
}

// jwtKinds maps the vendor's identityProviderType to the store's type and
// back.
var jwtKinds = map[string]string{
	domainspec.IdentityOpenIDConnect: store.DirectoryOpenIDConnect,
	domainspec.IdentityOAuth2:        store.DirectoryOAuth2,
}

func isJWTType(kind string) bool {
	return kind == store.DirectoryOpenIDConnect || kind == store.DirectoryOAuth2
}

// trustConfig is the verifier's configuration of d, a JWT issuer.
func trustConfig(d *domain) jwtrust.Config {
	sp := d.spec.JWT
	c := jwtrust.Config{Issuer: sp.Issuer, KeysURL: sp.KeysURL}
	if p := sp.Config.OpenIDConnectParams; p != nil {
		c.Kind, c.AudienceIDs = jwtrust.OpenIDConnect, p.AudienceIDs
		c.Poll = time.Duration(deref(p.PollingFrequencyMins)) * time.Minute
	}
	if p := sp.Config.OAuth2Params; p != nil {
		c.Kind = jwtrust.OAuth2
		c.Poll = time.Duration(deref(p.PollingFrequencyMins)) * time.Minute
		for _, a := range p.Audiences {
			c.Audiences = append(c.Audiences, jwtrust.Audience{ID: deref(a.AudienceID), ClientIDs: a.ClientIDs})
		}
	}
	return c
}

// identityView is the vendor's IdentityConfig of d.
func identityView(d *domain) domainspec.IdentityConfig {
	c := d.spec.JWT.Config
	id, name, usecs := d.id, d.rec.Domain, d.rec.UpdatedMsecs*1000
	c.ID, c.Domain, c.LastModifiedTimestampUsecs = &id, &name, &usecs
	c.TenantID = nil
	if d.rec.TenantID != "" {
		c.TenantID = ptr(d.rec.TenantID)
	}
	return c
}
