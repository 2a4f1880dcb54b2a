package httpapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/iam"
)

// TestNoSecretAtRestOrInLogs makes every kind of secret, then scans the
// database files and the whole server log for them.
func TestNoSecretAtRestOrInLogs(t *testing.T) {
	e := newEnv(t)
	const pw = "Zebra-Secret-Password-42"
	sid := e.createUser("quinn", pw, "COHESITY_OPERATOR")
	tok := e.accessToken("quinn", pw)
	sess := e.session("quinn", pw)
	_, key := e.createAPIKey(bearerCred(tok), sid, "k")
	var rot createdUserAPIKey
	var keys userAPIKeys
	e.want(e.do("GET", "/v2/users/"+sid+"/api-keys", bearerCred(tok), nil), 200).decode(t, &keys)
	e.want(e.do("POST", "/v2/users/"+sid+"/api-keys/"+keys.APIKeys[0].ID+"/rotate", bearerCred(tok), nil), 200).decode(t, &rot)
	var s3 secretKeyEntity
	e.want(e.do("POST", "/v2/users/"+sid+"/s3-secret-key", sessionCred(sess), nil), 201).decode(t, &s3)
	newPW := "Yak-Secret-Password-43"
	e.want(e.do("PUT", "/v2/users/"+sid, sessionCred(sess), map[string]any{"localUserParams": map[string]any{"password": newPW, "currentPassword": pw}}), 200)
	e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "quinn", "password": "Wrong-Secret-Password-44"})

	secrets := map[string]string{
		"password": pw, "new password": newPW, "failed password": "Wrong-Secret-Password-44",
		"access token": tok, "session id": sess, "api key": key, "rotated api key": rot.APIKey, "s3 secret": s3.SecretKey,
		"admin password": adminPassword,
	}
	dump := e.be.Dump()
	if !bytes.Contains(dump, []byte("quinn")) {
		t.Fatalf("the %s dump lacks the user quinn; scanning it would prove nothing", e.be.Name)
	}
	logs := e.logBuf.String()
	if !strings.Contains(logs, `"audit":"Modify"`) {
		t.Fatalf("the audit log is missing; scanning it would prove nothing:\n%s", logs)
	}
	for name, s := range secrets {
		// A dump may render bytes as hex, so look for that too.
		if bytes.Contains(dump, []byte(s)) || bytes.Contains(dump, []byte(hex.EncodeToString([]byte(s)))) {
			t.Errorf("%s found in plaintext in the %s database", name, e.be.Name)
		}
		if strings.Contains(logs, s) {
			t.Errorf("%s found in the server log", name)
		}
	}
}

// TestPasswordHashAtRest checks production argon2id parameters end to end.
func TestPasswordHashAtRest(t *testing.T) {
	e := newEnvParams(t, auth.DefaultParams())
	e.createUser("rita", "rita-Password-1", "COHESITY_VIEWER")
	u, err := e.st.GetUserByName(context.Background(), "", iam.LocalDomain, "rita")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1,k=1$") {
		t.Fatalf("stored hash %q does not carry the OWASP parameters and the pepper mark", u.PasswordHash)
	}
	e.accessToken("rita", "rita-Password-1")
	// The database alone does not let anyone test guesses: without the
	// pepper, which is kept apart from it, the hash cannot be checked.
	if _, err := auth.NewHasher(auth.DefaultParams(), 1).Verify(context.Background(), u.PasswordHash, "rita-Password-1"); !errors.Is(err, auth.ErrNoPepper) {
		t.Errorf("a hasher without the pepper checked the stored hash: %v", err)
	}
}
