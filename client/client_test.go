package client_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/api"
	"github.com/clusteriam/clusteriam/client"
	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/httpapi"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store/testbackend"
)

// TestGeneratedIsFresh fails when gen.go is not what go generate makes of
// api/openapi.yaml now: run `go generate ./client`.
func TestGeneratedIsFresh(t *testing.T) {
	cfg, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "gen.go")
	tmp := filepath.Join(t.TempDir(), "cfg.yaml")
	if err := os.WriteFile(tmp, []byte(strings.Replace(string(cfg), "output: gen.go", "output: "+out, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("go", "tool", "oapi-codegen", "-config", tmp, "../api/openapi.yaml").CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, msg)
	}
	want, _ := os.ReadFile(out)
	got, _ := os.ReadFile("gen.go")
	if string(got) != string(want) {
		t.Fatal("client/gen.go is stale: run `go generate ./client`")
	}
}

// server is a clusteriam API over HTTPS on a fresh store, with the
// admin's password, and an HTTP client that trusts its certificate.
func server(t *testing.T) (string, *http.Client) {
	t.Helper()
	ctx := context.Background()
	st := testbackend.Open(t).Store
	box, err := auth.NewSecretBox(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	svc, err := iam.New(ctx, st, h, box, iam.Config{Audit: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Wait)
	if _, err := svc.EnsureAdmin(ctx, "admin-Password-1"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(httpapi.NewServer(svc, httpapi.Options{Logger: slog.New(slog.DiscardHandler), Spec: api.Spec()}))
	t.Cleanup(srv.Close)
	return srv.URL, srv.Client()
}

// TestClient logs in, lists users, makes an API key and uses it, and
// reads the API's refusals as *APIError, against the real handler.
func TestClient(t *testing.T) {
	ctx := context.Background()
	base, hc := server(t)
	tls := client.WithHTTPClient(hc)
	anon, err := client.New(base, tls)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Login(ctx, anon, "LOCAL", "admin", "wrong"); !isAPIError(err, 401, "Unauthorized") {
		t.Fatalf("log-in with a wrong password: %v", err)
	}
	tok, err := client.Login(ctx, anon, "LOCAL", "admin", "admin-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := client.New(base, tls, client.WithCredential(client.Bearer(tok.AccessToken)))
	if err != nil {
		t.Fatal(err)
	}
	users, err := admin.GetUsersWithResponse(ctx, &client.GetUsersParams{})
	if err != nil || client.Check(users.HTTPResponse, users.Body) != nil || users.JSON200 == nil || len(users.JSON200.Users) != 1 {
		t.Fatalf("get_users: %v %+v", err, users)
	}
	sid := *users.JSON200.Users[0].Sid
	key, err := admin.CreateUserApiKeyWithResponse(ctx, sid, client.CreateUserApiKeyJSONRequestBody{Name: "cli"})
	if err != nil || client.Check(key.HTTPResponse, key.Body) != nil || key.JSON201 == nil || key.JSON201.ApiKey == nil {
		t.Fatalf("create_user_api_key: %v %+v", err, key)
	}
	byKey, err := client.New(base, tls, client.WithCredential(client.APIKey(*key.JSON201.ApiKey)))
	if err != nil {
		t.Fatal(err)
	}
	me, err := byKey.GetUserBySidWithResponse(ctx, sid)
	if err != nil || client.Check(me.HTTPResponse, me.Body) != nil || me.JSON200.Username == nil || *me.JSON200.Username != "admin" {
		t.Fatalf("get_user_by_sid with the key: %v %+v", err, me)
	}
	none, err := anon.GetUsersWithResponse(ctx, &client.GetUsersParams{})
	if err != nil || !isAPIError(client.Check(none.HTTPResponse, none.Body), 401, "Unauthorized") {
		t.Fatalf("get_users without a credential: %v", err)
	}
}

func isAPIError(err error, status int, code string) bool {
	var e *client.APIError
	return errors.As(err, &e) && e.Status == status && e.Code == code && e.Message != ""
}
