package main

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/cli"
)

// TestAdminResetPassword: a lost admin password is reset on the store,
// only while no server holds it; the old password stops working, a
// given one works, a made-up one must be changed first.
func TestAdminResetPassword(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CLUSTERIAM_ADMIN_PASSWORD": "first-Password-1"}
	getenv := func(k string) string { return env[k] }
	reset := func(stdin string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := execute(t.Context(), append([]string{"admin", "reset-password", "--data-dir", dir}, args...),
			cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: getenv})
		return out.String(), err
	}
	s := startServe(t, env, "--data-dir", dir)
	if _, err := reset("Second-Password-2\n", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "another clusteriam") {
		t.Fatalf("reset while the server runs: %v; want a refusal naming it", err)
	}
	s.stop(t)

	if out, err := reset("Second-Password-2\n", "--password-stdin"); err != nil || !strings.Contains(out, `Reset the password of LOCAL\admin`) {
		t.Fatalf("reset: %q, %v", out, err)
	}
	s = startServe(t, env, "--data-dir", dir)
	c := insecureClient()
	if code, _ := login(t, c, s.url, "first-Password-1"); code != 401 {
		t.Errorf("the old password after a reset: %d, want 401", code)
	}
	if code, _ := login(t, c, s.url, "Second-Password-2"); code != 201 {
		t.Errorf("the new password: %d, want 201", code)
	}
	s.stop(t)

	out, err := reset("")
	m := regexp.MustCompile(`shown only this once, is (\S+)`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("reset to a made-up password: %q, %v", out, err)
	}
	s = startServe(t, env, "--data-dir", dir)
	code, tok := login(t, c, s.url, m[1])
	if code != 201 {
		t.Fatalf("the made-up password: %d", code)
	}
	req, _ := http.NewRequest("GET", s.url+"/v2/users", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Errorf("a made-up password in use: %d, want 403 until it is changed", res.StatusCode)
	}
}
