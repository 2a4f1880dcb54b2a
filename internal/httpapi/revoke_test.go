package httpapi

import "testing"

// TestRevokeCredentials: one act ends every session and token of a user
// and deactivates its API keys, which an admin's password reset alone
// leaves working (issue 19); users revoking their own keep the session
// they do it with.
func TestRevokeCredentials(t *testing.T) {
	e := newEnv(t)
	sid, tok := e.loginAs("carl", "COHESITY_VIEWER")
	_, key := e.createAPIKey(tok, sid, "k1")
	session := sessionCred(e.session("carl", "carl-Password-1"))
	// A reset ends the sessions but not the keys.
	e.want(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"localUserParams": map[string]any{"password": "carl-Password-2"}}), 200)
	e.want(e.do("GET", "/v2/users/"+sid, session, nil), 401)
	e.want(e.do("GET", "/v2/users/"+sid, apiKeyCred(key), nil), 200)

	session = sessionCred(e.session("carl", "carl-Password-2"))
	e.want(e.do("POST", "/v2/users/"+sid+"/revoke-credentials", e.admin, nil), 204)
	for _, c := range []cred{session, apiKeyCred(key)} {
		e.want(e.do("GET", "/v2/users/"+sid, c, nil), 401)
	}
	var keys userAPIKeys
	e.want(e.do("GET", "/v2/users/"+sid+"/api-keys", e.admin, nil), 200).decode(t, &keys)
	if len(keys.APIKeys) != 1 || keys.APIKeys[0].IsActive {
		t.Errorf("keys after the revocation: %+v, want the one, inactive", keys.APIKeys)
	}
	// The password still works; one's own revocation spares the session
	// it is made with.
	own := bearerCred(e.accessToken("carl", "carl-Password-2"))
	other := sessionCred(e.session("carl", "carl-Password-2"))
	e.want(e.do("POST", "/v2/users/"+sid+"/revoke-credentials", own, nil), 204)
	e.want(e.do("GET", "/v2/users/"+sid, own, nil), 200)
	e.want(e.do("GET", "/v2/users/"+sid, other, nil), 401)
	got, _, _ := e.trail(e.admin, "actions=Modify&entityTypes=User&searchString=revoke_credentials")
	if len(got) != 2 {
		t.Errorf("audit entries of the revocations: %q, want 2", got)
	}
}
