package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/clusteriam/clusteriam/api"
	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/store/storetest"
)

// The tests of this file prove rows of docs/security.md that no other
// test covers.

// TestCredentialsNotInURL: a credential is taken from its header only. The
// same secret sent as a query parameter authenticates nobody, is not
// written to the log, and log-in answers carry their secret in the body
// only: no Location, no cookie.
func TestCredentialsNotInURL(t *testing.T) {
	e := newEnv(t)
	sid, viewer := e.loginAs("uma", "COHESITY_VIEWER")
	_, key := e.createAPIKey(viewer, sid, "k")
	secrets := map[string]string{
		"api key":      key,
		"access token": strings.TrimPrefix(viewer.value, "Bearer "),
		"session id":   e.session("uma", "uma-Password-1"),
	}
	params := []string{"apiKey", "api_key", "accessToken", "access_token", "token",
		"sessionId", "session-id", "session_id", "Authorization"}
	for name, secret := range secrets {
		for _, p := range params {
			r := e.do("GET", "/v2/users/"+sid+"?"+p+"="+secret, noCred, nil)
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s as query parameter %s: status %d, want 401", name, p, r.status)
			}
		}
		if strings.Contains(e.logBuf.String(), secret) {
			t.Errorf("the %s sent in a URL is in the server log", name)
		}
	}
	// The secrets work in their headers, so the 401s above are about where
	// they were sent.
	e.want(e.do("GET", "/v2/users/"+sid, apiKeyCred(key), nil), 200)
	login := map[string]string{"username": "uma", "password": "uma-Password-1", "domain": "LOCAL"}
	for _, path := range []string{"/v2/access-tokens", "/v2/users/sessions"} {
		r := e.want(e.do("POST", path, noCred, login), 201)
		for _, h := range []string{"Location", "Set-Cookie", "Content-Location"} {
			if v := r.header.Get(h); v != "" {
				t.Errorf("POST %s answers %s: %s", path, h, v)
			}
		}
	}
}

// TestPasswordPolicy: any printable Unicode, spaces and emoji included, is
// allowed in a password; there are no composition rules; 64 characters are
// allowed and not truncated; and a user may go back to an earlier password
// (no history, no forced rotation).
func TestPasswordPolicy(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("horse-", 10) + "zeta" // 64 characters
	for i, pw := range []string{
		"correct horse battery staple", // spaces, lower case only, no digit
		"пароль ключ 🔑 密码 ÆØÅ",         // non-Latin scripts and an emoji
		"aaaaaaaaaaaa", // one repeated letter
		long,
	} {
		name := "pw" + string(rune('a'+i))
		sid := e.createUser(name, pw, "COHESITY_VIEWER")
		e.accessToken(name, pw)
		var u userParams
		e.want(e.do("GET", "/v2/users/"+sid, e.admin, nil), 200).decode(t, &u)
		if u.ForcePasswordChange {
			t.Errorf("%q: a new user must change its password", pw)
		}
	}
	// No truncation: a prefix of the long password is not the password.
	r := e.do("POST", "/v2/access-tokens", noCred, map[string]string{"username": "pwd", "password": long[:len(long)-1], "domain": "LOCAL"})
	if r.status != http.StatusUnauthorized {
		t.Errorf("log-in with the first 63 of 64 characters: status %d, want 401", r.status)
	}

	// Length in characters, 12 to 128 (ASVS 2.1.1, 2.1.2), for new
	// passwords and changed ones alike.
	for _, tc := range []struct {
		pw   string
		want int
	}{
		{strings.Repeat("a", 11), 400}, {strings.Repeat("é", 11), 400}, // 22 bytes, 11 characters
		{strings.Repeat("🔑", 12), 201}, {strings.Repeat("a", 128), 201},
		{strings.Repeat("a", 129), 400}, {strings.Repeat("é", 129), 400},
	} {
		body := []map[string]any{{"username": fmt.Sprint("len", len(tc.pw)), "domain": "LOCAL", "roles": []string{},
			"localUserParams": map[string]any{"password": tc.pw}}}
		if r := e.do("POST", "/v2/users", e.admin, body); r.status != tc.want {
			t.Errorf("a password of %d characters: status %d, want %d", utf8.RuneCountInString(tc.pw), r.status, tc.want)
		}
	}
	e.wantMsg(e.do("PUT", "/v2/users/"+e.createUser("short", "short-Password-1"), e.admin,
		map[string]any{"localUserParams": map[string]any{"password": "Password-11"}}), 400, "at least 12 characters")

	// No history: A, then B, then A again.
	const a, b = "first Password", "second Password"
	sid := e.createUser("hist", a, "COHESITY_VIEWER")
	mine := sessionCred(e.session("hist", a))
	set := func(pw, cur string) map[string]any {
		return map[string]any{"localUserParams": map[string]any{"password": pw, "currentPassword": cur}}
	}
	e.want(e.do("PUT", "/v2/users/"+sid, mine, set(b, a)), 200)
	e.want(e.do("PUT", "/v2/users/"+sid, mine, set(a, b)), 200)
	e.accessToken("hist", a)
}

// TestInternalErrorsAreGeneric: an unexpected fault (here a stored password
// hash that cannot be parsed) answers 500 with a generic Error, issues no
// credential, and leaves the details in the server log only.
func TestInternalErrorsAreGeneric(t *testing.T) {
	e := newEnv(t)
	sid := e.createUser("zed", "zed-Password-1", "COHESITY_VIEWER")
	ctx := context.Background()
	if _, err := (storetest.Single{Store: e.st}).UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
		u.PasswordHash = "$argon2id$corrupt"
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v2/access-tokens", "/v2/users/sessions"} {
		r := e.do("POST", path, noCred, map[string]string{"username": "zed", "password": "zed-Password-1", "domain": "LOCAL"})
		if r.status != http.StatusInternalServerError {
			t.Fatalf("POST %s with a corrupt stored hash: %d %s, want 500", path, r.status, r.body)
		}
		m := r.obj(t)
		if m["errorCode"] != "InternalError" || m["message"] != "internal error; the server log has the details" {
			t.Errorf("POST %s: body %s, want the generic Error", path, r.body)
		}
		for _, leak := range []string{"argon2", "malformed", sid, "corrupt"} {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("POST %s: the answer shows %q: %s", path, leak, r.body)
			}
		}
	}
	if !strings.Contains(e.logBuf.String(), "malformed argon2id hash") {
		t.Errorf("the server log lacks the cause:\n%s", e.logBuf.String())
	}
	counts, err := e.st.CountSessions(ctx, []string{sid}, time.Now().UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 0 {
		t.Errorf("a failed log-in opened sessions: %+v", counts)
	}
}

// TestPanicAnswersGeneric500: a panic in a handler (here the health check
// of a server built on no service) is caught by the last-resort handler:
// the client gets a generic Error, the log gets the panic and its stack,
// and the server goes on serving.
func TestPanicAnswersGeneric500(t *testing.T) {
	logBuf := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logBuf, nil))
	srv := httptest.NewTLSServer(NewServer(nil, Options{Logger: log, Spec: api.Spec()}))
	t.Cleanup(srv.Close)
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v (the panic was not caught)", path, err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}
	res, body := get("/healthz")
	var e struct{ ErrorCode, Message string }
	if res.StatusCode != http.StatusInternalServerError || json.Unmarshal(body, &e) != nil ||
		e.ErrorCode != "InternalError" || e.Message != "internal error; the server log has the details" {
		t.Fatalf("panicking handler: %d %s, want 500 and the generic Error", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if strings.Contains(string(body), "nil pointer") || strings.Contains(string(body), "goroutine") {
		t.Errorf("the answer shows the panic: %s", body)
	}
	logs := logBuf.String()
	if !strings.Contains(logs, `"msg":"panic"`) || !strings.Contains(logs, "nil pointer dereference") || !strings.Contains(logs, "goroutine") {
		t.Errorf("the log lacks the panic and its stack:\n%s", logs)
	}
	if res, _ := get("/v2/openapi.yaml"); res.StatusCode != http.StatusOK {
		t.Errorf("after the panic, GET /v2/openapi.yaml: %d", res.StatusCode)
	}
}

// TestRefusalsAreLogged: every refused request (failed authentication,
// failed access control, input that does not decode or validate) leaves one
// log record with the operation, status, caller, client address and reason,
// and without the credential presented (ASVS 7.1.3, 7.1.4, 7.2.1, 7.2.2).
func TestRefusalsAreLogged(t *testing.T) {
	e := newEnv(t)
	vsid, viewer := e.loginAs("vic", "COHESITY_VIEWER")
	const badKey = "not-a-key-0123456789abcdef"
	cases := []struct {
		method, path string
		c            cred
		body         any
		op           string
		status       int
		actor        string
		reason       string
	}{
		{"GET", "/v2/users", apiKeyCred(badKey), nil, "get_users", 401, "", "invalid or missing credentials"},
		{"GET", "/v2/roles", noCred, nil, "get_roles", 401, "", "credentials are required"},
		{"POST", "/v2/users", viewer, []map[string]any{{"username": "x", "domain": "LOCAL"}}, "create_users", 403, vsid, "PRINCIPAL_MODIFY"},
		{"GET", "/v2/audit-logs?count=0", viewer, nil, "get_audit_logs", 400, vsid, "count"},
		{"PUT", "/v2/users/" + vsid, viewer, `{"description":`, "update_user", 400, vsid, "JSON"},
		{"DELETE", "/v2/groups/S-1-100-21-1-1-9", e.admin, nil, "delete_group", 404, e.adminSID(), "S-1-100-21-1-1-9"},
	}
	for _, tc := range cases {
		e.want(e.do(tc.method, tc.path, tc.c, tc.body), tc.status)
	}
	var refused []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(e.logBuf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "refused" {
			refused = append(refused, rec)
		}
	}
	if len(refused) != len(cases) {
		t.Fatalf("%d refused records, want %d:\n%s", len(refused), len(cases), e.logBuf)
	}
	for i, tc := range cases {
		rec := refused[i]
		if rec["op"] != tc.op || rec["status"] != float64(tc.status) || rec["actor"] != tc.actor || rec["ip"] != "127.0.0.1" ||
			!strings.Contains(rec["reason"].(string), tc.reason) {
			t.Errorf("%s %s: record %v, want op %s, status %d, actor %q, ip 127.0.0.1, a reason naming %q",
				tc.method, tc.path, rec, tc.op, tc.status, tc.actor, tc.reason)
		}
	}
	if strings.Contains(e.logBuf.String(), badKey) {
		t.Error("the log holds the API key that was refused")
	}
}

// TestBreachedPasswords: with a breached-password list, no new password,
// at creation or change, may be one of its entries (ASVS 2.1.7).
func TestBreachedPasswords(t *testing.T) {
	list, err := auth.ReadPasswordList(strings.NewReader("password1234\nqwertyuiop123\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvConfig(t, testParams, iam.Config{BreachedPasswords: list})
	body := func(pw string) []map[string]any {
		return []map[string]any{{"username": "bea", "domain": "LOCAL", "roles": []string{}, "localUserParams": map[string]any{"password": pw}}}
	}
	e.wantMsg(e.do("POST", "/v2/users", e.admin, body("qwertyuiop123")), 400, "breached")
	sid := e.createUser("bea", "Qwertyuiop123", "COHESITY_VIEWER") // another case is another password
	e.wantMsg(e.do("PUT", "/v2/users/"+sid, e.admin, map[string]any{"localUserParams": map[string]any{"password": "password1234"}}), 400, "breached")
	e.accessToken("bea", "Qwertyuiop123")
}
