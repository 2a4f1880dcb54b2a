package console

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// TestAPIKeys: the list filters by expiry, activity and expiredness;
// rotate shows the new secret once, with a copy button; deactivate
// goes through; a malformed filter is a 400 with its message.
func TestAPIKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.adminP()
	bob := e.createUser("bob", "bob-Password-1")
	soon := time.Now().Add(3 * 24 * time.Hour).UnixMilli()
	k1, _, err := e.svc.CreateAPIKey(ctx, admin, bob.SID, iam.APIKeyInput{Name: "soon " + hostile, ExpiryTimeMsecs: &soon})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.CreateAPIKey(ctx, admin, bob.SID, iam.APIKeyInput{Name: "forever"}); err != nil {
		t.Fatal(err)
	}
	b := e.adminBrowser()
	all := b.do("GET", "/api-keys", nil)
	e.want(all, http.StatusOK, "soon &lt;img", "forever", "Rotate", "Deactivate")
	e.wantNot(all, hostile)
	exp := b.do("GET", "/api-keys?expiring=7d", nil)
	e.want(exp, http.StatusOK, "soon &lt;img")
	e.wantNot(exp, "forever")
	e.wantNot(b.do("GET", "/api-keys?inactive=1", nil), "forever", "soon")
	e.want(b.do("GET", "/api-keys?expiring=soon", nil), http.StatusBadRequest, "expiring must be a number of days")

	a := b.post("/api-keys/"+bob.SID+"/"+k1.ID+"/rotate", nil)
	e.want(a, http.StatusOK, `data-copy="secret"`, "shown only once")
	secret := regexp.MustCompile(`<p id="secret" class="secret">([^<]+)</p>`).FindStringSubmatch(a.body)
	if secret == nil {
		t.Fatalf("no secret on the page:\n%s", a.body)
	}
	if _, err := e.svc.Authenticate(ctx, iam.Credential{Kind: iam.CredAPIKey, Secret: secret[1]}); err != nil {
		t.Errorf("the secret shown does not authenticate: %v", err)
	}
	if strings.Contains(a.header.Get("Location"), secret[1]) {
		t.Error("the secret is in a URL")
	}

	e.wantSeeOther(b.post("/api-keys/"+bob.SID+"/"+k1.ID+"/deactivate", nil), "/api-keys")
	e.want(b.do("GET", "/api-keys?inactive=1", nil), http.StatusOK, "soon &lt;img")
	e.want(b.post("/api-keys/"+bob.SID+"/nokey/deactivate", nil), http.StatusNotFound)
}

// TestAPIKeysViewer: a viewer may not list every user's keys (it sees
// its own only, and no control), and its POSTs are refused.
func TestAPIKeysViewer(t *testing.T) {
	e := newEnv(t)
	bob := e.createUser("bob", "bob-Password-1")
	k, _, err := e.svc.CreateAPIKey(context.Background(), e.adminP(), bob.SID, iam.APIKeyInput{Name: "bobs"})
	if err != nil {
		t.Fatal(err)
	}
	v := e.viewerBrowser()
	a := v.do("GET", "/api-keys", nil)
	e.wantNot(a, "bobs", "Rotate", "Deactivate")
	e.wantNot(v.do("GET", "/", nil), `href="/api-keys"`)
	testRefusals(t, e, v, []actionCase{
		{"/api-keys/" + bob.SID + "/" + k.ID + "/rotate", nil},
		{"/api-keys/" + bob.SID + "/" + k.ID + "/deactivate", nil},
	})
}
