package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/jwtrust/optest"
)

const ssoDomain = "corp.example.com"

func oidcTrust(op *optest.OP) map[string]any {
	return map[string]any{"domain": ssoDomain, "identityProviderType": "OpenIdConnect",
		"openIdConnectParams": map[string]any{"audienceIds": []string{optest.ClientID}, "publicKeyUrl": op.KeysURL}}
}

// TestIdentityProvidersAPI configures a real OpenID provider on loopback
// through /v2/identity-providers, and uses its tokens as Bearer
// credentials: mapped to users of its domain, with their roles, and
// refused when forged, expired or for someone else.
func TestIdentityProvidersAPI(t *testing.T) {
	users := []optest.User{
		{Username: "alice", Password: "Alice-Pass-1"},
		{Username: "bob", Password: "Bob-Pass-1"},
		{Username: "carol", Password: "Carol-Pass-1", Claims: map[string]any{"groups": []string{"ops"}}},
	}
	op := optest.Start(t, users...)
	e := newEnvConfig(t, testParams, iam.Config{IdPClient: op.Client()})
	token := func(u optest.User) cred { return bearerCred(op.IDToken(t, u.Username, u.Password)) }

	var list struct {
		Idps []domainspec.IdentityConfig `json:"idps"`
	}
	e.want(e.do("GET", "/v2/identity-providers", e.admin, nil), 200).decode(t, &list)
	if list.Idps == nil || len(list.Idps) != 0 {
		t.Fatalf("no providers: %+v, want an empty idps list", list)
	}
	bad := func(change func(m map[string]any), msg string) {
		t.Helper()
		m := oidcTrust(op)
		change(m)
		e.wantMsg(e.do("POST", "/v2/identity-providers", e.admin, m), 400, msg)
	}
	params := func(m map[string]any) map[string]any { return m["openIdConnectParams"].(map[string]any) }
	bad(func(m map[string]any) { params(m)["publicKeyUrl"] = "http" + strings.TrimPrefix(op.KeysURL, "https") }, "https")
	bad(func(m map[string]any) { params(m)["publicKeyUrl"] = op.Issuer + "/nobody-names-these" }, "jwks_uri")
	bad(func(m map[string]any) { params(m)["audienceIds"] = []string{} }, "want 1 to 50")
	bad(func(m map[string]any) { params(m)["pollingFrequencyMins"] = 0 }, "pollingFrequencyMins")
	bad(func(m map[string]any) { m["identityProviderType"] = "OAuth2" }, "takes oAuth2Params")
	bad(func(m map[string]any) { m["domain"] = nil }, "domain")

	var created domainspec.IdentityConfig
	e.want(e.do("POST", "/v2/identity-providers", e.admin, oidcTrust(op)), 201).decode(t, &created)
	if created.ID == nil || !*created.IsEnabled || *created.OpenIDConnectParams.PollingFrequencyMins != 1440 {
		t.Fatalf("created %+v; want an id, isEnabled and the default polling", created)
	}
	e.wantMsg(e.do("POST", "/v2/identity-providers", e.admin, oidcTrust(op)), 409, "already")

	// Nobody added bob, nor a group of his, and no provider gives roles.
	e.wantMsg(e.do("GET", "/v2/users", token(users[1]), nil), 403, "has not been added")

	// alice, added as a viewer, reads users but cannot add one.
	e.want(e.do("POST", "/v2/users", e.admin, []map[string]any{{"username": "alice", "domain": ssoDomain, "roles": []string{"COHESITY_VIEWER"}}}), 201)
	alice := token(users[0])
	e.want(e.do("GET", "/v2/users", alice, nil), 200)
	e.want(e.do("POST", "/v2/users", alice, []map[string]any{{"username": "dave", "domain": ssoDomain, "roles": []string{"COHESITY_VIEWER"}}}), 403)

	// carol is let in by her group ops, and added at her first use.
	e.want(e.do("POST", "/v2/groups", e.admin, []map[string]any{{"name": "ops", "domain": ssoDomain, "roles": []string{"COHESITY_ADMIN"}}}), 201)
	carol := token(users[2])
	e.want(e.do("POST", "/v2/users", carol, []map[string]any{{"username": "dave", "domain": ssoDomain, "roles": []string{"COHESITY_VIEWER"}}}), 201)
	var ul usersList
	e.want(e.do("GET", "/v2/users?usernames=carol&domain="+ssoDomain, e.admin, nil), 200).decode(t, &ul)
	if len(ul.Users) != 1 {
		t.Fatalf("carol after her first use: %+v", ul.Users)
	}

	testTokenAttacks(t, e, op)
	testTokenRoles(t, e, op)
	testIdentityUpdate(t, e, op, created, alice)
}

// testTokenRoles: a token's user gets the roles the domain's SAML
// provider gives: those its role attribute names, as a claim, else its
// default roles; a later token naming fewer takes them back.
func testTokenRoles(t *testing.T, e *env, op *optest.OP) {
	e.want(e.do("POST", "/v2/idps", e.admin, map[string]any{"name": "corp", "domain": ssoDomain, "issuerId": "https://idp.example/corp",
		"ssoUrl": "https://idp.example/sso", "certificate": samlCert(), "roles": []string{"COHESITY_VIEWER"},
		"samlAttributeName": "clusterRoles", "isEnabled": false}), 201)
	now := time.Now()
	tok := func(user string, kv ...any) cred {
		c := map[string]any{"iss": op.Issuer, "sub": user, "aud": optest.ClientID, "preferred_username": user,
			"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix()}
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return bearerCred(op.Sign(t, c))
	}
	role := func(name string) map[string]any {
		return map[string]any{"name": name, "privileges": []string{"PRINCIPAL_VIEW"}}
	}
	e.want(e.do("POST", "/v2/roles", tok("erin", "clusterRoles", "cohesity_admin, NoSuchRole"), role("erins")), 201)
	e.want(e.do("GET", "/v2/users", tok("frank"), nil), 200) // the default role, a viewer
	e.want(e.do("POST", "/v2/roles", tok("frank"), role("franks")), 403)
	e.want(e.do("POST", "/v2/roles", tok("erin", "clusterRoles", []string{"COHESITY_VIEWER"}), role("erins2")), 403)
	if !strings.Contains(e.logBuf.String(), "NoSuchRole") {
		t.Error("the unknown role the token named was not logged")
	}
}

// testTokenAttacks sends forged and misdirected tokens through the real
// handler: every one is 401, and the log says why without the token.
func testTokenAttacks(t *testing.T, e *env, op *optest.OP) {
	now := time.Now()
	good := map[string]any{"iss": op.Issuer, "sub": "id1", "aud": optest.ClientID, "preferred_username": "alice",
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix()}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	e.want(e.do("GET", "/v2/users", bearerCred(op.Sign(t, good)), nil), 200)
	b64 := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	hs256 := func() string {
		pub, _ := json.Marshal(jose.JSONWebKey{Key: op.PublicKey()})
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: pub, KeyID: op.KeyID()}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := jwt.Signed(s).Claims(good).Serialize()
		return raw
	}
	attacks := map[string]string{
		"alg none":                   b64(map[string]string{"alg": "none", "kid": op.KeyID()}) + "." + b64(good) + ".",
		"HS256 keyed with the JWK":   hs256(),
		"expired":                    op.Sign(t, with("exp", now.Add(-5*time.Minute).Unix())),
		"wrong aud":                  op.Sign(t, with("aud", "another-app")),
		"wrong iss":                  op.Sign(t, with("iss", "https://evil.example.com")),
		"unknown kid":                b64(map[string]string{"alg": "RS256", "kid": "random"}) + "." + b64(good) + ".c2ln",
		"a valid token with garbage": op.Sign(t, good) + "x",
	}
	for name, tok := range attacks {
		t.Run(name, func(t *testing.T) {
			e.want(e.do("GET", "/v2/users", bearerCred(tok), nil), 401)
		})
	}
	if logs := e.logBuf.String(); !strings.Contains(logs, "bearer JWT refused") || strings.Contains(logs, op.Sign(t, good)[:40]) {
		t.Errorf("refusals not logged, or a token logged")
	}
}

// testIdentityUpdate changes, disables, refreshes and deletes the trust.
func testIdentityUpdate(t *testing.T, e *env, op *optest.OP, created domainspec.IdentityConfig, alice cred) {
	path := fmt.Sprintf("/v2/identity-providers/%d", *created.ID)
	upd := oidcTrust(op)
	upd["lastModifiedTimestampUsecs"] = *created.LastModifiedTimestampUsecs - 1
	e.wantMsg(e.do("PUT", path, e.admin, upd), 409, "lastModifiedTimestampUsecs")
	upd["lastModifiedTimestampUsecs"], upd["isEnabled"] = *created.LastModifiedTimestampUsecs, false
	var got domainspec.IdentityConfig
	e.want(e.do("PUT", path, e.admin, upd), 200).decode(t, &got)
	if *got.IsEnabled {
		t.Fatal("still enabled")
	}
	e.want(e.do("GET", "/v2/users", alice, nil), 401)
	upd["isEnabled"], upd["lastModifiedTimestampUsecs"] = true, nil
	e.want(e.do("PUT", path, e.admin, upd), 200)

	// A new key: its tokens wait for RefreshPublicKeys (or the minute).
	users := e.do("GET", "/v2/users", alice, nil) // the old key's token still serves
	e.want(users, 200)
	op.Rotate()
	fresh := bearerCred(op.IDToken(t, "alice", "Alice-Pass-1"))
	e.want(e.do("GET", "/v2/users", fresh, nil), 401)
	act := map[string]any{"identityProviderType": "OpenIdConnect", "openIdConnectParams": map[string]any{"action": "RefreshPublicKeys"}}
	var echoed domainspec.IdentityAction
	e.want(e.do("POST", "/v2/identity-providers/actions", e.admin, act), 201).decode(t, &echoed)
	if *echoed.OpenIDConnectParams.Action != "RefreshPublicKeys" {
		t.Errorf("action echoed as %+v", echoed)
	}
	e.want(e.do("GET", "/v2/users", fresh, nil), 200)
	e.want(e.do("POST", "/v2/identity-providers/actions", alice, act), 403)

	e.want(e.do("DELETE", path, e.admin, nil), 204)
	e.want(e.do("GET", "/v2/users", fresh, nil), 401)
	var list struct {
		Idps []domainspec.IdentityConfig `json:"idps"`
	}
	e.want(e.do("GET", "/v2/identity-providers", e.admin, nil), 200).decode(t, &list)
	if len(list.Idps) != 0 {
		t.Errorf("after delete: %+v", list.Idps)
	}
}
