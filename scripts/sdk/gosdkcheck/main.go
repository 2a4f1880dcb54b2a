//go:build sdkcheck

// Command gosdkcheck checks a clusteriam server end to end through the
// vendor's Go SDK (github.com/cohesity/go-sdk, package v2/client), the way a
// real Go client uses it: client.New over an httptransport runtime, a bearer
// token from AccessToken.CreateAccessToken, API keys and session ids as
// header auth writers.
//
// The SDK is not a dependency of clusteriam: this file only builds with
// -tags sdkcheck, in a throw-away module that points the SDK's module path
// at a local checkout (see run-go-sdk-check.sh, kept outside the repo).
//
// Besides the SDK's own checks (it rejects any success code other than the
// declared one, and cannot decode a non-JSON body), a recording transport
// checks every response against wire-format.md: Content-Type
// application/json, no null and no "" in a body, an empty body on 204, 202
// and 302.
//
// tenants.go (same build tag) adds the organization steps: the v2 tenant
// client's CreateTenant, ListTenants, UpdateTenant, PerformTenantAction,
// DeleteTenant and tenant-config get/post, and acting inside an
// organization with the x-impersonate-tenant-id header.
//
// Flags: -host (default $CLUSTERIAM_URL without scheme, else
// 127.0.0.1:8443), -username (admin), -password ($CLUSTERIAM_ADMIN_PASSWORD).
// Prints one line per step and "N passed, M failed"; exits 1 on a failure.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"

	apiclient "github.com/cohesity/go-sdk/v2/client"
	"github.com/cohesity/go-sdk/v2/client/access_token"
	"github.com/cohesity/go-sdk/v2/client/audit_log"
	"github.com/cohesity/go-sdk/v2/client/privilege"
	"github.com/cohesity/go-sdk/v2/client/role"
	"github.com/cohesity/go-sdk/v2/client/user"
	"github.com/cohesity/go-sdk/v2/models"
)

// ---- recording transport: wire checks on every exchange -------------------

type exchange struct {
	method, path string
	reqBody      []byte
	status       int
	ctype        string
	respBody     []byte
}

type recorder struct {
	base     http.RoundTripper
	mu       sync.Mutex
	last     exchange
	problems []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ex := exchange{req.Method, req.URL.Path, reqBody, resp.StatusCode, resp.Header.Get("Content-Type"), body}
	where := fmt.Sprintf("%s %s -> %d", req.Method, req.URL.Path, resp.StatusCode)
	var probs []string
	if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusFound {
		// None declares a body (trigger_trusted_domains_discovery's
		// 202 has no schema; idps_login's 302 is "No Content"): none
		// may come.
		if len(bytes.TrimSpace(body)) > 0 {
			probs = append(probs, fmt.Sprintf("%s: %d with a body %q", where, resp.StatusCode, trunc(body)))
		}
	} else {
		if !strings.HasPrefix(ex.ctype, "application/json") {
			probs = append(probs, fmt.Sprintf("%s: Content-Type %q, want application/json", where, ex.ctype))
		}
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			probs = append(probs, fmt.Sprintf("%s: body is not JSON: %q", where, trunc(body)))
		} else {
			walk(doc, "$", func(p string) { probs = append(probs, where+": "+p) })
		}
	}
	r.mu.Lock()
	r.last = ex
	r.problems = append(r.problems, probs...)
	r.mu.Unlock()
	return resp, nil
}

func walk(v any, path string, bad func(string)) {
	switch t := v.(type) {
	case nil:
		bad(path + " is null (leave the field out, or send a value)")
	case string:
		if t == "" {
			bad(path + ` is "" (leave the field out, or send a value)`)
		}
	case map[string]any:
		for k, x := range t {
			walk(x, path+"."+k, bad)
		}
	case []any:
		for i, x := range t {
			walk(x, fmt.Sprintf("%s[%d]", path, i), bad)
		}
	}
}

func trunc(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// ---- assertions -----------------------------------------------------------

type stepFailure struct{ msg string }

func failf(format string, args ...any) { panic(stepFailure{fmt.Sprintf(format, args...)}) }

func check(cond bool, format string, args ...any) {
	if !cond {
		failf(format, args...)
	}
}

func eq(got, want any, what string) {
	if !reflect.DeepEqual(got, want) {
		failf("%s: got %s, want %s", what, show(got), show(want))
	}
}

func show(v any) string {
	if v == nil {
		return "nil"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return "&" + show(rv.Elem().Interface())
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return fmt.Sprintf("%#v", v)
}

// ok fails the step on an SDK error, showing the status and body.
func (r *runner) ok(err error, what string) {
	if err != nil {
		r.rec.mu.Lock()
		last := r.rec.last
		r.rec.mu.Unlock()
		failf("%s: %v [last exchange: %s %s -> %d %q, request %q]", what, describe(err),
			last.method, last.path, last.status, trunc(last.respBody), trunc(last.reqBody))
	}
}

type coded interface{ Code() int }
type withPayload interface{ GetPayload() *models.Error }

func describe(err error) string {
	var c coded
	if errors.As(err, &c) {
		var p withPayload
		if errors.As(err, &p) && p.GetPayload() != nil {
			return fmt.Sprintf("HTTP %d %s", c.Code(), show(p.GetPayload()))
		}
		return fmt.Sprintf("HTTP %d: %v", c.Code(), err)
	}
	return err.Error()
}

// expectErr asserts that err is an SDK error with one of the codes, whose
// body decoded into models.Error with an errorCode and a message.
func (r *runner) expectErr(err error, what string, codes ...int) *models.Error {
	check(err != nil, "%s: expected HTTP %v, the call succeeded", what, codes)
	var c coded
	if !errors.As(err, &c) {
		failf("%s: expected an SDK error with a status code, got %T: %v", what, err, err)
	}
	found := false
	for _, code := range codes {
		found = found || c.Code() == code
	}
	check(found, "%s: got HTTP %d (%s), want %v", what, c.Code(), describe(err), codes)
	var p withPayload
	check(errors.As(err, &p) && p.GetPayload() != nil, "%s: no decoded Error payload", what)
	e := p.GetPayload()
	check(e.ErrorCode != nil && *e.ErrorCode != "", "%s: Error.errorCode empty: %s", what, show(e))
	check(e.Message != nil && *e.Message != "", "%s: Error.message empty: %s", what, show(e))
	return e
}

// ---- runner ---------------------------------------------------------------

type runner struct {
	rec            *recorder
	passed, failed int
}

func (r *runner) step(name string, fn func() string) {
	r.rec.mu.Lock()
	r.rec.problems = nil
	r.rec.mu.Unlock()
	detail, msg := func() (detail, msg string) {
		defer func() {
			if p := recover(); p != nil {
				if f, ok := p.(stepFailure); ok {
					msg = f.msg
				} else {
					msg = fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
				}
			}
		}()
		return fn(), ""
	}()
	r.rec.mu.Lock()
	probs := r.rec.problems
	r.rec.mu.Unlock()
	if msg == "" && len(probs) > 0 {
		msg = "wire contract: " + strings.Join(probs, "; ")
	} else if msg != "" && len(probs) > 0 {
		msg += " (wire contract: " + strings.Join(probs, "; ") + ")"
	}
	if msg != "" {
		r.failed++
		fmt.Printf("FAIL %s: %s\n", name, msg)
		return
	}
	r.passed++
	if detail != "" {
		fmt.Printf("PASS %s (%s)\n", name, detail)
	} else {
		fmt.Printf("PASS %s\n", name)
	}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func nowMsecs() int64 { return time.Now().UnixMilli() }

// ---- the flow -------------------------------------------------------------

func main() {
	def := os.Getenv("CLUSTERIAM_URL")
	if def == "" {
		def = "127.0.0.1:8443"
	}
	if i := strings.Index(def, "://"); i >= 0 {
		def = def[i+3:]
	}
	def = strings.SplitN(def, "/", 2)[0]
	host := flag.String("host", def, "host:port of the server")
	username := flag.String("username", "admin", "admin user name")
	password := flag.String("password", os.Getenv("CLUSTERIAM_ADMIN_PASSWORD"), "admin password")
	flag.Parse()
	if *password == "" {
		fmt.Fprintln(os.Stderr, "no admin password: pass -password or set CLUSTERIAM_ADMIN_PASSWORD")
		os.Exit(2)
	}

	rec := &recorder{base: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	rt := httptransport.New(*host, apiclient.DefaultBasePath, apiclient.DefaultSchemes)
	rt.Transport = rec
	c := apiclient.New(rt, strfmt.Default)
	r := &runner{rec: rec}

	rb := make([]byte, 4)
	_, _ = rand.Read(rb)
	run := hex.EncodeToString(rb)
	pw := "Sdk-Check-Pass-1!" + run
	var admin runtime.ClientAuthInfoWriter
	var adminSid string
	var tokenPrivs, privNames []string
	builtinRole := "COHESITY_ADMIN"
	roleName := "sdkrole_go_" + run
	u1, u2, u3 := "sdku_go_"+run+"_a", "sdku_go_"+run+"_b", "sdku_go_"+run+"_c"
	g1, g2, g3 := "sdkg_go_"+run+"_a", "sdkg_go_"+run+"_b", "sdkg_go_"+run+"_c"
	var sid1, sid2, sid3, gsid1, gsid2, gsid3 string
	var k1, k2, k1secret, k2secret string
	apiKey := func(k string) runtime.ClientAuthInfoWriter { return httptransport.APIKeyAuth("apiKey", "header", k) }
	session := func(s string) runtime.ClientAuthInfoWriter {
		return httptransport.APIKeyAuth("session-id", "header", s)
	}
	login := func(u, p string) (*models.AccessTokenResponse, error) {
		res, err := c.AccessToken.CreateAccessToken(access_token.NewCreateAccessTokenParams().WithBody(
			&models.CreateAccessTokenRequestParams{Username: &u, Password: &p, Domain: ptr("LOCAL")}), nil)
		if err != nil {
			return nil, err
		}
		return res.Payload, nil
	}

	r.step("CreateAccessToken (admin) + Bearer auth", func() string {
		tok, err := login(*username, *password)
		r.ok(err, "CreateAccessToken")
		eq(deref(tok.TokenType), "Bearer", "tokenType")
		check(tok.AccessToken != nil && *tok.AccessToken != "", "accessToken empty")
		check(len(tok.Privileges) > 0, "privileges empty")
		tokenPrivs = tok.Privileges
		admin = httptransport.BearerToken(*tok.AccessToken)
		res, err := c.User.GetUsers(user.NewGetUsersParams().WithUsernames([]string{*username}).WithDomain(ptr("LOCAL")), admin)
		r.ok(err, "GetUsers(usernames=[admin])")
		eq(len(res.Payload.Users), 1, "admin users")
		adminSid = deref(res.Payload.Users[0].Sid).(string)
		return "admin sid " + adminSid
	})
	if admin == nil {
		fmt.Printf("%d passed, %d failed\n", r.passed, r.failed)
		os.Exit(1)
	}

	r.step("GetPrivileges (+ names filter)", func() string {
		res, err := c.Privilege.GetPrivileges(privilege.NewGetPrivilegesParams(), admin)
		r.ok(err, "GetPrivileges")
		check(len(res.Payload.Privileges) > 0, "no privileges")
		for _, p := range res.Payload.Privileges {
			check(p.Name != nil && p.ID != nil && p.Label != nil && p.Category != nil, "privilege incomplete: %s", show(p))
			check(p.IsAvailableOnHelios != nil && p.IsCustomRoleDefault != nil && p.IsSpecial != nil && p.IsViewOnly != nil,
				"privilege booleans missing: %s", show(p))
			privNames = append(privNames, *p.Name)
		}
		known := map[string]bool{}
		for _, n := range privNames {
			known[n] = true
		}
		for _, n := range tokenPrivs {
			check(known[n], "token privilege %q is not a privilege name", n)
		}
		one, err := c.Privilege.GetPrivileges(privilege.NewGetPrivilegesParams().WithNames(privNames[:2]), admin)
		r.ok(err, "GetPrivileges(names)")
		eq(len(one.Payload.Privileges), 2, "names=[a,b] count")
		return fmt.Sprintf("%d privileges", len(privNames))
	})

	r.step("GetRoles (+ names filter)", func() string {
		res, err := c.Role.GetRoles(role.NewGetRolesParams(), admin)
		r.ok(err, "GetRoles")
		check(len(res.Payload.Roles) > 0, "no roles")
		for _, x := range res.Payload.Roles {
			check(len(x.Privileges) > 0, "role %s without privileges", deref(x.Name))
			check(x.IsUserCreatedRole != nil && x.Label != nil, "role incomplete: %s", show(x))
			check(x.TenantIds != nil, "role %s tenantIds missing", deref(x.Name))
			if !*x.IsUserCreatedRole {
				builtinRole = *x.Name
			}
		}
		one, err := c.Role.GetRoles(role.NewGetRolesParams().WithNames([]string{builtinRole}), admin)
		r.ok(err, "GetRoles(names)")
		eq(len(one.Payload.Roles), 1, "names=[builtin] count")
		return fmt.Sprintf("%d roles, using %s", len(res.Payload.Roles), builtinRole)
	})

	r.step("CreateRole + UpdateRole", func() string {
		body := &models.CreateRoleParameters{Name: &roleName}
		body.Description = ptr("go sdk check role")
		body.Privileges = []string{"PRINCIPAL_VIEW", "ROLE_VIEW"}
		res, err := c.Role.CreateRole(role.NewCreateRoleParams().WithBody(body), admin)
		r.ok(err, "CreateRole")
		x := res.Payload
		eq(deref(x.Name), roleName, "name")
		eq(sorted(x.Privileges), []string{"PRINCIPAL_VIEW", "ROLE_VIEW"}, "privileges")
		eq(deref(x.IsUserCreatedRole), true, "isUserCreatedRole")
		check(x.CreatedTimestampMsecs != nil && *x.CreatedTimestampMsecs > 0, "createdTimestampMsecs %s", show(x.CreatedTimestampMsecs))
		eq(x.TenantIds, []string{}, "tenantIds")
		up, err := c.Role.UpdateRole(role.NewUpdateRoleParams().WithName(roleName).WithBody(&models.UpdateRoleParameters{
			Description: ptr("go sdk check role (updated)"), Privileges: []string{"PRINCIPAL_VIEW", "ROLE_VIEW", "S3_KEY_MODIFY"}}), admin)
		r.ok(err, "UpdateRole")
		eq(deref(up.Payload.Description), "go sdk check role (updated)", "description")
		eq(sorted(up.Payload.Privileges), []string{"PRINCIPAL_VIEW", "ROLE_VIEW", "S3_KEY_MODIFY"}, "privileges")
		return ""
	})

	userByName := func(list []*models.UserParams) map[string]*models.UserParams {
		m := map[string]*models.UserParams{}
		for _, u := range list {
			m[u.Username] = u
		}
		return m
	}
	usernames := func(list []*models.UserParams) []string {
		out := []string{}
		for _, u := range list {
			out = append(out, u.Username)
		}
		return sorted(out)
	}

	r.step("CreateUsers (LocalUserParams; second user with roles unset -> null on the wire)", func() string {
		a := &models.CreateUserParameters{Username: u1, Domain: "LOCAL", Description: ptr("first go sdk user"),
			Roles: []string{roleName}, Restricted: ptr(false),
			LocalUserParams: &models.LocalUserParams{Password: &pw}}
		a.LocalUserParams.Email = ptr(u1 + "@example.com")
		b := &models.CreateUserParameters{Username: u2, Domain: "LOCAL", LocalUserParams: &models.LocalUserParams{Password: &pw}}
		b.LocalUserParams.Email = ptr(u2 + "@example.com")
		res, err := c.User.CreateUsers(user.NewCreateUsersParams().WithBody(models.CreateUsersParameters{a, b}), admin)
		r.ok(err, "CreateUsers")
		by := userByName(res.Payload.Users)
		check(by[u1] != nil && by[u2] != nil, "users returned: %s", show(usernames(res.Payload.Users)))
		x := by[u1]
		check(x.Sid != nil && *x.Sid != "", "sid empty")
		eq(x.Domain, "LOCAL", "domain")
		eq(deref(x.Description), "first go sdk user", "description")
		eq(x.Roles, []string{roleName}, "roles")
		eq(deref(x.Locked), false, "locked")
		eq(deref(x.Restricted), false, "restricted")
		eq(deref(x.LockedReason), "NotLocked", "lockedReason")
		check(x.ForcePasswordChange != nil, "forcePasswordChange missing")
		check(x.CreatedTimeMsecs != nil && *x.CreatedTimeMsecs > 0, "createdTimeMsecs %s", show(x.CreatedTimeMsecs))
		check(x.LocalUserParams != nil, "localUserParams missing")
		eq(deref(x.LocalUserParams.Email), u1+"@example.com", "email")
		eq(by[u2].Roles, []string{}, "roles of a user created with \"roles\": null")
		check(by[u2].Description == nil, "unset description should be absent, got %s", show(by[u2].Description))
		sid1, sid2 = *x.Sid, *by[u2].Sid
		return u1 + "=" + sid1
	})

	r.step("GetUsers filters (usernames, matchPartialNames, sids, roles, domain, emailAddresses)", func() string {
		get := func(p *user.GetUsersParams, what string) []string {
			res, err := c.User.GetUsers(p, admin)
			r.ok(err, what)
			return usernames(res.Payload.Users)
		}
		eq(get(user.NewGetUsersParams().WithUsernames([]string{u1}), "usernames"), []string{u1}, "usernames=[u1]")
		eq(get(user.NewGetUsersParams().WithUsernames([]string{u1, u2}), "usernames"), sorted([]string{u1, u2}), "usernames=[u1,u2]")
		eq(get(user.NewGetUsersParams().WithUsernames([]string{"sdku_go_" + run}).WithMatchPartialNames(ptr(true)), "partial"),
			sorted([]string{u1, u2}), "matchPartialNames")
		eq(get(user.NewGetUsersParams().WithUsernames([]string{"sdku_go_" + run}).WithMatchPartialNames(ptr(false)), "exact"),
			[]string{}, "matchPartialNames=false")
		eq(get(user.NewGetUsersParams().WithSids([]string{sid1, sid2}), "sids"), sorted([]string{u1, u2}), "sids")
		eq(get(user.NewGetUsersParams().WithRoles([]string{roleName}), "roles"), []string{u1}, "roles=[custom]")
		eq(get(user.NewGetUsersParams().WithDomain(ptr("LOCAL")).WithUsernames([]string{u2}), "domain"), []string{u2}, "domain")
		eq(get(user.NewGetUsersParams().WithEmailAddresses([]string{u2 + "@example.com"}), "emails"), []string{u2}, "emailAddresses")
		res, err := c.User.GetUsers(user.NewGetUsersParams().WithUsernames([]string{"nobody_" + run}), admin)
		r.ok(err, "GetUsers(nobody)")
		check(res.Payload.Users != nil && len(res.Payload.Users) == 0, "no match should be users: [], got %s", show(res.Payload.Users))
		return ""
	})

	r.step("GetUserBySID", func() string {
		res, err := c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), admin)
		r.ok(err, "GetUserBySID")
		eq(res.Payload.Username, u1, "username")
		eq(res.Payload.Roles, []string{roleName}, "roles")
		return ""
	})

	r.step("UpdateUser locked=true then false (Go sends \"roles\": null: must merge)", func() string {
		body := &models.UpdateUserParameters{}
		body.Locked = ptr(true)
		res, err := c.User.UpdateUser(user.NewUpdateUserParams().WithSid(sid1).WithBody(body), admin)
		r.ok(err, "UpdateUser(locked=true)")
		eq(deref(res.Payload.Locked), true, "locked")
		eq(deref(res.Payload.LockedReason), "LockedByAdmin", "lockedReason")
		eq(res.Payload.Roles, []string{roleName}, "roles kept (\"roles\": null is absent)")
		eq(deref(res.Payload.Description), "first go sdk user", "description kept")
		_, err = login(u1, pw)
		e := r.expectErr(err, "login of a locked user", 401, 403)
		body = &models.UpdateUserParameters{}
		body.Locked = ptr(false)
		res, err = c.User.UpdateUser(user.NewUpdateUserParams().WithSid(sid1).WithBody(body), admin)
		r.ok(err, "UpdateUser(locked=false)")
		eq(deref(res.Payload.Locked), false, "locked")
		eq(deref(res.Payload.LockedReason), "NotLocked", "lockedReason")
		eq(res.Payload.Roles, []string{roleName}, "roles kept")
		return "locked login: " + deref(e.ErrorCode).(string)
	})

	r.step("UpdateUser description + email + restricted/expiry", func() string {
		body := &models.UpdateUserParameters{LocalUserParams: &models.LocalUserUpdateParams{}}
		body.Description = ptr("changed by go sdk")
		body.LocalUserParams.Email = ptr(u1 + "@example.org")
		res, err := c.User.UpdateUser(user.NewUpdateUserParams().WithSid(sid1).WithBody(body), admin)
		r.ok(err, "UpdateUser(description,email)")
		eq(deref(res.Payload.Description), "changed by go sdk", "description")
		eq(deref(res.Payload.LocalUserParams.Email), u1+"@example.org", "email")
		eq(deref(res.Payload.Locked), false, "locked kept")
		exp := nowMsecs() + 30*86400_000
		body = &models.UpdateUserParameters{}
		body.Restricted, body.ExpiryTimeMsecs = ptr(true), &exp
		res, err = c.User.UpdateUser(user.NewUpdateUserParams().WithSid(sid2).WithBody(body), admin)
		r.ok(err, "UpdateUser(restricted,expiry)")
		eq(deref(res.Payload.Restricted), true, "restricted")
		eq(deref(res.Payload.ExpiryTimeMsecs), exp, "expiryTimeMsecs")
		body = &models.UpdateUserParameters{}
		body.Restricted = ptr(false)
		res, err = c.User.UpdateUser(user.NewUpdateUserParams().WithSid(sid2).WithBody(body), admin)
		r.ok(err, "UpdateUser(restricted=false)")
		eq(deref(res.Payload.Restricted), false, "restricted=false")
		eq(deref(res.Payload.ExpiryTimeMsecs), exp, "expiry kept")
		return ""
	})

	r.step("user's token privileges + self password change via session (currentPassword)", func() string {
		tok, err := login(u1, pw)
		r.ok(err, "login u1")
		have := map[string]bool{}
		for _, p := range tok.Privileges {
			have[p] = true
		}
		check(have["PRINCIPAL_VIEW"] && have["ROLE_VIEW"] && have["S3_KEY_MODIFY"], "u1 token privileges %v", tok.Privileges)
		s, err := c.User.CreateSession(user.NewCreateSessionParams().WithBody(&models.CreateUserSessionRequestParams{
			Username: &u1, Password: &pw, Domain: ptr("LOCAL")}), nil)
		r.ok(err, "CreateSession")
		newpw := pw + "-2"
		body := &models.UpdateUserParameters{LocalUserParams: &models.LocalUserUpdateParams{}}
		body.LocalUserParams.Password = &newpw
		_, err = c.User.UpdateUser(user.NewUpdateUserParams().WithSid(sid1).WithBody(body), session(s.Payload.SessionID))
		e := r.expectErr(err, "self password change without currentPassword", 400, 401, 403)
		body.LocalUserParams.CurrentPassword = &pw
		res, err := c.User.UpdateUser(user.NewUpdateUserParams().WithSid(sid1).WithBody(body), session(s.Payload.SessionID))
		r.ok(err, "self password change")
		eq(res.Payload.Roles, []string{roleName}, "roles kept")
		_, err = login(u1, newpw)
		r.ok(err, "login with the new password")
		_, err = login(u1, pw)
		r.expectErr(err, "login with the old password", 401)
		pw = newpw
		_, err = c.User.DeleteSession(user.NewDeleteSessionParams().WithSid(&sid1), admin)
		r.ok(err, "DeleteSession")
		return "without currentPassword: " + deref(e.ErrorCode).(string)
	})

	groupByName := func(list []*models.GroupParams) map[string]*models.GroupParams {
		m := map[string]*models.GroupParams{}
		for _, g := range list {
			m[g.Name] = g
		}
		return m
	}
	groupNames := func(list []*models.GroupParams) []string {
		out := []string{}
		for _, g := range list {
			out = append(out, g.Name)
		}
		return sorted(out)
	}

	r.step("CreateGroup (one with members, then two bare)", func() string {
		res, err := c.User.CreateGroup(user.NewCreateGroupParams().WithBody(models.CreateGroupsParams{{
			Name: g1, Domain: "LOCAL", Description: ptr("go sdk group"), Roles: []string{roleName},
			LocalGroupParams: &models.LocalGroupParams{UserSids: []string{sid1}}}}), admin)
		r.ok(err, "CreateGroup")
		check(len(res.Payload.Groups) == 1, "groups returned %d", len(res.Payload.Groups))
		g := res.Payload.Groups[0]
		eq(g.Name, g1, "name")
		eq(g.Domain, "LOCAL", "domain")
		eq(g.Roles, []string{roleName}, "roles")
		eq(deref(g.Restricted), false, "restricted")
		check(g.Sid != nil && *g.Sid != "", "sid")
		check(g.CreatedTimeMsecs != nil && *g.CreatedTimeMsecs > 0, "createdTimeMsecs")
		check(g.LocalGroupParams != nil, "localGroupParams missing")
		eq(g.LocalGroupParams.UserSids, []string{sid1}, "userSids")
		gsid1 = *g.Sid
		more, err := c.User.CreateGroup(user.NewCreateGroupParams().WithBody(models.CreateGroupsParams{
			{Name: g2, Domain: "LOCAL"}, {Name: g3, Domain: "LOCAL"}}), admin)
		r.ok(err, "CreateGroup(two)")
		by := groupByName(more.Payload.Groups)
		check(by[g2] != nil && by[g3] != nil, "groups %v", groupNames(more.Payload.Groups))
		gsid2, gsid3 = *by[g2].Sid, *by[g3].Sid
		return ""
	})

	r.step("GetGroups filters + GetGroupBySID", func() string {
		get := func(p *user.GetGroupsParams, what string) []string {
			res, err := c.User.GetGroups(p, admin)
			r.ok(err, what)
			return groupNames(res.Payload.Groups)
		}
		eq(get(user.NewGetGroupsParams().WithNames([]string{g1}), "names"), []string{g1}, "names=[g1]")
		eq(get(user.NewGetGroupsParams().WithNames([]string{"sdkg_go_" + run}).WithMatchPartialNames(ptr(true)), "partial"),
			sorted([]string{g1, g2, g3}), "matchPartialNames")
		eq(get(user.NewGetGroupsParams().WithSids([]string{gsid2, gsid3}), "sids"), sorted([]string{g2, g3}), "sids")
		eq(get(user.NewGetGroupsParams().WithRoles([]string{roleName}), "roles"), []string{g1}, "roles")
		eq(get(user.NewGetGroupsParams().WithDomain(ptr("LOCAL")).WithNames([]string{g2}), "domain"), []string{g2}, "domain")
		res, err := c.User.GetGroupBySID(user.NewGetGroupBySIDParams().WithSid(gsid1), admin)
		r.ok(err, "GetGroupBySID")
		eq(res.Payload.Name, g1, "name")
		return ""
	})

	r.step("UpdateGroup (members, description, restricted)", func() string {
		res, err := c.User.UpdateGroup(user.NewUpdateGroupParams().WithSid(gsid1).WithBody(&models.UpdateGroupParameters{
			Description: ptr("go sdk group (updated)"), LocalGroupParams: &models.LocalGroupParams{UserSids: []string{sid1, sid2}}}), admin)
		r.ok(err, "UpdateGroup")
		eq(deref(res.Payload.Description), "go sdk group (updated)", "description")
		eq(sorted(res.Payload.LocalGroupParams.UserSids), sorted([]string{sid1, sid2}), "userSids")
		eq(res.Payload.Roles, []string{roleName}, "roles kept")
		res, err = c.User.UpdateGroup(user.NewUpdateGroupParams().WithSid(gsid1).WithBody(&models.UpdateGroupParameters{
			Restricted: ptr(true)}), admin)
		r.ok(err, "UpdateGroup(restricted)")
		eq(deref(res.Payload.Restricted), true, "restricted")
		eq(deref(res.Payload.Description), "go sdk group (updated)", "description kept")
		res, err = c.User.UpdateGroup(user.NewUpdateGroupParams().WithSid(gsid1).WithBody(&models.UpdateGroupParameters{
			Restricted: ptr(false)}), admin)
		r.ok(err, "UpdateGroup(restricted=false)")
		eq(deref(res.Payload.Restricted), false, "restricted=false")
		return ""
	})

	r.step("GetSecurityPrincipals (user + group)", func() string {
		res, err := c.User.GetSecurityPrincipals(user.NewGetSecurityPrincipalsParams().WithSids([]string{sid1, gsid1}), admin)
		r.ok(err, "GetSecurityPrincipals")
		by := map[string]*models.SecurityPrincipal{}
		for _, p := range res.Payload.SecurityPrincipals {
			by[deref(p.Sid).(string)] = p
		}
		check(by[sid1] != nil && by[gsid1] != nil, "principals %s", show(res.Payload.SecurityPrincipals))
		eq(deref(by[sid1].ObjectClass), "User", "user objectClass")
		eq(deref(by[sid1].PrincipalName), u1, "user principalName")
		eq(deref(by[sid1].DomainName), "LOCAL", "user domainName")
		eq(deref(by[gsid1].ObjectClass), "Group", "group objectClass")
		eq(deref(by[gsid1].PrincipalName), g1, "group principalName")
		return ""
	})

	r.step("UpdatePrincipalSources / GetPrincipalSources", func() string {
		res, err := c.User.UpdatePrincipalSources(user.NewUpdatePrincipalSourcesParams().WithSid(sid1).WithBody(
			&models.AssignedSources{SourceIds: []int64{11, 12}, ViewIds: []int64{21}}), admin)
		r.ok(err, "UpdatePrincipalSources")
		eq(res.Payload.SourceIds, []int64{11, 12}, "sourceIds")
		eq(res.Payload.ViewIds, []int64{21}, "viewIds")
		got, err := c.User.GetPrincipalSources(user.NewGetPrincipalSourcesParams().WithSid(sid1), admin)
		r.ok(err, "GetPrincipalSources")
		eq(got.Payload.SourceIds, []int64{11, 12}, "sourceIds after get")
		eq(got.Payload.ViewIds, []int64{21}, "viewIds after get")
		// The Go model has omitempty on both lists: clearing sends {}.
		res, err = c.User.UpdatePrincipalSources(user.NewUpdatePrincipalSourcesParams().WithSid(sid1).WithBody(
			&models.AssignedSources{SourceIds: []int64{}, ViewIds: []int64{}}), admin)
		r.ok(err, "UpdatePrincipalSources({})")
		eq(len(res.Payload.SourceIds)+len(res.Payload.ViewIds), 0, "PUT {} (the Go SDK's empty lists) clears the assignment")
		return ""
	})

	r.step("DeleteGroups + DeleteGroup (+ 404 after)", func() string {
		_, err := c.User.DeleteGroups(user.NewDeleteGroupsParams().WithBody(&models.DeleteGroupsRequest{Sids: []string{gsid2, gsid3}}), admin)
		r.ok(err, "DeleteGroups")
		res, err := c.User.GetGroups(user.NewGetGroupsParams().WithSids([]string{gsid2, gsid3}), admin)
		r.ok(err, "GetGroups after delete")
		eq(len(res.Payload.Groups), 0, "groups left")
		_, err = c.User.DeleteGroup(user.NewDeleteGroupParams().WithSid(gsid1), admin)
		r.ok(err, "DeleteGroup")
		_, err = c.User.GetGroupBySID(user.NewGetGroupBySIDParams().WithSid(gsid1), admin)
		r.expectErr(err, "GetGroupBySID after delete", 404)
		return ""
	})

	r.step("CreateSession / session-id auth / GetActiveSessionsCount / DeleteSession", func() string {
		s, err := c.User.CreateSession(user.NewCreateSessionParams().WithBody(&models.CreateUserSessionRequestParams{
			Username: &u1, Password: &pw, Domain: ptr("LOCAL")}), nil)
		r.ok(err, "CreateSession")
		check(s.Payload.SessionID != "", "sessionId empty")
		me, err := c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), session(s.Payload.SessionID))
		r.ok(err, "GetUserBySID with session-id")
		eq(me.Payload.Username, u1, "username")
		check(me.Payload.LastLoginTimeMsecs != nil && *me.Payload.LastLoginTimeMsecs > 0, "lastLoginTimeMsecs")
		cnt, err := c.User.GetActiveSessionsCount(user.NewGetActiveSessionsCountParams().WithSids([]string{sid1}), admin)
		r.ok(err, "GetActiveSessionsCount")
		eq(cnt.Payload.TotalSessionsCount, int64(1), "totalSessionsCount")
		check(len(cnt.Payload.SessionsPerUser) == 1 && cnt.Payload.SessionsPerUser[0].Sid == sid1 &&
			cnt.Payload.SessionsPerUser[0].SessionsCount == 1, "sessionsPerUser %s", show(cnt.Payload.SessionsPerUser))
		all, err := c.User.GetActiveSessionsCount(user.NewGetActiveSessionsCountParams(), admin)
		r.ok(err, "GetActiveSessionsCount()")
		check(all.Payload.TotalSessionsCount >= 1, "system-wide count %d", all.Payload.TotalSessionsCount)
		_, err = c.User.DeleteSession(user.NewDeleteSessionParams().WithSid(&sid1), admin)
		r.ok(err, "DeleteSession")
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), session(s.Payload.SessionID))
		r.expectErr(err, "deleted session", 401)
		cnt, err = c.User.GetActiveSessionsCount(user.NewGetActiveSessionsCountParams().WithSids([]string{sid1}), admin)
		r.ok(err, "GetActiveSessionsCount after delete")
		eq(cnt.Payload.TotalSessionsCount, int64(0), "totalSessionsCount after delete")
		return ""
	})

	r.step("CreateUserAPIKey (active; inactive with expiry)", func() string {
		res, err := c.User.CreateUserAPIKey(user.NewCreateUserAPIKeyParams().WithUserSid(sid1).WithBody(
			&models.CreateOrUpdateAPIKeyRequest{Name: ptr("sdkkey_go_" + run + "_1"), IsActive: ptr(true)}), admin)
		r.ok(err, "CreateUserAPIKey")
		k := res.Payload
		check(k.APIKey != nil && *k.APIKey != "", "apiKey empty")
		check(k.ID != nil && *k.ID != "", "id empty")
		eq(deref(k.UserSid), sid1, "userSid")
		eq(deref(k.CreatedByUserSid), adminSid, "createdByUserSid")
		eq(deref(k.IsActive), true, "isActive")
		eq(deref(k.IsExpired), false, "isExpired")
		check(k.ExpiryTimeMsecs == nil, "expiryTimeMsecs should be absent")
		k1, k1secret = *k.ID, *k.APIKey
		exp := nowMsecs() + 86400_000
		res, err = c.User.CreateUserAPIKey(user.NewCreateUserAPIKeyParams().WithUserSid(sid1).WithBody(
			&models.CreateOrUpdateAPIKeyRequest{Name: ptr("sdkkey_go_" + run + "_2"), IsActive: ptr(false), ExpiryTimeMsecs: &exp}), admin)
		r.ok(err, "CreateUserAPIKey(inactive)")
		eq(deref(res.Payload.IsActive), false, "key2 isActive")
		eq(deref(res.Payload.ExpiryTimeMsecs), exp, "key2 expiryTimeMsecs")
		k2, k2secret = *res.Payload.ID, *res.Payload.APIKey
		return ""
	})

	keyIDs := func(list []*models.UserAPIKey) []string {
		out := []string{}
		for _, k := range list {
			out = append(out, deref(k.ID).(string))
		}
		return sorted(out)
	}

	r.step("GetUserAPIKeys (ids, isActive, isExpired) + GetUserAPIKeyByID", func() string {
		list := func(p *user.GetUserAPIKeysParams, what string) []*models.UserAPIKey {
			res, err := c.User.GetUserAPIKeys(p.WithUserSid(sid1), admin)
			r.ok(err, what)
			return res.Payload.APIKeys
		}
		all := list(user.NewGetUserAPIKeysParams(), "GetUserAPIKeys")
		eq(keyIDs(all), sorted([]string{k1, k2}), "ids")
		for _, k := range all {
			check(k.IsActive != nil && k.IsExpired != nil, "key %s: isActive/isExpired missing", deref(k.ID))
		}
		eq(keyIDs(list(user.NewGetUserAPIKeysParams().WithIsActive(ptr(true)), "isActive")), []string{k1}, "isActive=true")
		eq(keyIDs(list(user.NewGetUserAPIKeysParams().WithIsActive(ptr(false)), "inactive")), []string{k2}, "isActive=false")
		eq(keyIDs(list(user.NewGetUserAPIKeysParams().WithIds([]string{k2}), "ids")), []string{k2}, "ids=[k2]")
		eq(keyIDs(list(user.NewGetUserAPIKeysParams().WithIsExpired(ptr(false)), "notexp")), sorted([]string{k1, k2}), "isExpired=false")
		one, err := c.User.GetUserAPIKeyByID(user.NewGetUserAPIKeyByIDParams().WithUserSid(sid1).WithID(k1), admin)
		r.ok(err, "GetUserAPIKeyByID")
		eq(deref(one.Payload.ID), k1, "id")
		return ""
	})

	r.step("UpdateUserAPIKeyByID (deactivate -> 401, reactivate) + RotateUserAPIKey", func() string {
		res, err := c.User.UpdateUserAPIKeyByID(user.NewUpdateUserAPIKeyByIDParams().WithUserSid(sid1).WithID(k1).WithBody(
			&models.CreateOrUpdateAPIKeyRequest{Name: ptr("sdkkey_go_" + run + "_1b"), IsActive: ptr(false)}), admin)
		r.ok(err, "UpdateUserAPIKeyByID")
		eq(deref(res.Payload.Name), "sdkkey_go_"+run+"_1b", "name")
		eq(deref(res.Payload.IsActive), false, "isActive")
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), apiKey(k1secret))
		r.expectErr(err, "inactive key", 401)
		res, err = c.User.UpdateUserAPIKeyByID(user.NewUpdateUserAPIKeyByIDParams().WithUserSid(sid1).WithID(k1).WithBody(
			&models.CreateOrUpdateAPIKeyRequest{Name: ptr("sdkkey_go_" + run + "_1b"), IsActive: ptr(true)}), admin)
		r.ok(err, "UpdateUserAPIKeyByID(active)")
		eq(deref(res.Payload.IsActive), true, "isActive")
		rot, err := c.User.RotateUserAPIKey(user.NewRotateUserAPIKeyParams().WithUserSid(sid1).WithID(k1), admin)
		r.ok(err, "RotateUserAPIKey")
		check(rot.Payload.APIKey != nil && *rot.Payload.APIKey != k1secret, "rotated key unchanged")
		check(rot.Payload.LastRotatedTimeMsecs != nil && *rot.Payload.LastRotatedTimeMsecs > 0, "lastRotatedTimeMsecs")
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), apiKey(k1secret))
		r.expectErr(err, "old key after rotate", 401)
		k1secret = *rot.Payload.APIKey
		return ""
	})

	r.step("apiKey header auth (+ own RegenerateS3Key; inactive key -> 401)", func() string {
		me, err := c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), apiKey(k1secret))
		r.ok(err, "GetUserBySID with apiKey")
		eq(me.Payload.Username, u1, "username")
		s3, err := c.User.RegenerateS3Key(user.NewRegenerateS3KeyParams().WithSid(sid1), apiKey(k1secret))
		r.ok(err, "own RegenerateS3Key")
		check(s3.Payload.SecretKey != nil && *s3.Payload.SecretKey != "", "secret-key empty")
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), apiKey(k2secret))
		r.expectErr(err, "inactive key", 401)
		return ""
	})

	r.step("GetAllAPIKeys (ids, ownerSids, isActive)", func() string {
		res, err := c.User.GetAllAPIKeys(user.NewGetAllAPIKeysParams(), admin)
		r.ok(err, "GetAllAPIKeys")
		ids := map[string]bool{}
		for _, id := range keyIDs(res.Payload.APIKeys) {
			ids[id] = true
		}
		check(ids[k1] && ids[k2], "our keys missing")
		own, err := c.User.GetAllAPIKeys(user.NewGetAllAPIKeysParams().WithOwnerSids([]string{sid1}), admin)
		r.ok(err, "GetAllAPIKeys(ownerSids)")
		eq(keyIDs(own.Payload.APIKeys), sorted([]string{k1, k2}), "ownerSids")
		one, err := c.User.GetAllAPIKeys(user.NewGetAllAPIKeysParams().WithIds([]string{k1}), admin)
		r.ok(err, "GetAllAPIKeys(ids)")
		eq(keyIDs(one.Payload.APIKeys), []string{k1}, "ids")
		ina, err := c.User.GetAllAPIKeys(user.NewGetAllAPIKeysParams().WithOwnerSids([]string{sid1}).WithIsActive(ptr(false)), admin)
		r.ok(err, "GetAllAPIKeys(isActive=false)")
		eq(keyIDs(ina.Payload.APIKeys), []string{k2}, "isActive=false")
		return ""
	})

	r.step("DeleteUserAPIKeyByID (+ 404 after)", func() string {
		_, err := c.User.DeleteUserAPIKeyByID(user.NewDeleteUserAPIKeyByIDParams().WithUserSid(sid1).WithID(k2), admin)
		r.ok(err, "DeleteUserAPIKeyByID")
		_, err = c.User.GetUserAPIKeyByID(user.NewGetUserAPIKeyByIDParams().WithUserSid(sid1).WithID(k2), admin)
		r.expectErr(err, "deleted key", 404)
		return ""
	})

	r.step("RegenerateS3Key (admin for user)", func() string {
		a, err := c.User.RegenerateS3Key(user.NewRegenerateS3KeyParams().WithSid(sid1), admin)
		r.ok(err, "RegenerateS3Key")
		check(a.Payload.SecretKey != nil && *a.Payload.SecretKey != "", "secret-key empty")
		b, err := c.User.RegenerateS3Key(user.NewRegenerateS3KeyParams().WithSid(sid1), admin)
		r.ok(err, "RegenerateS3Key again")
		check(*b.Payload.SecretKey != *a.Payload.SecretKey, "same secret twice")
		return ""
	})

	r.step("error paths (404/401/409 decode into models.Error)", func() string {
		missing := "S-1-100-21-0-0-999999"
		_, err := c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(missing), admin)
		e := r.expectErr(err, "GetUserBySID(missing)", 404)
		_, err = c.User.DeleteUser(user.NewDeleteUserParams().WithSid(missing), admin)
		r.expectErr(err, "DeleteUser(missing)", 404)
		_, err = c.User.UpdateGroup(user.NewUpdateGroupParams().WithSid(missing).WithBody(&models.UpdateGroupParameters{Description: ptr("x")}), admin)
		r.expectErr(err, "UpdateGroup(missing)", 404)
		_, err = c.Role.DeleteRole(role.NewDeleteRoleParams().WithName("norole_"+run), admin)
		r.expectErr(err, "DeleteRole(missing)", 404)
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), apiKey("not-a-key"))
		r.expectErr(err, "bad apiKey", 401)
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), nil)
		r.expectErr(err, "no credentials", 401)
		_, err = login(*username, "wrong-"+run)
		r.expectErr(err, "bad password", 401)
		_, err = c.User.CreateUsers(user.NewCreateUsersParams().WithBody(models.CreateUsersParameters{
			{Username: u1, Domain: "LOCAL", LocalUserParams: &models.LocalUserParams{Password: &pw}}}), admin)
		d := r.expectErr(err, "duplicate user", 400, 409)
		return fmt.Sprintf("404 errorCode=%s; duplicate user errorCode=%s", deref(e.ErrorCode), deref(d.ErrorCode))
	})

	r.step("DeleteUser + DeleteUsers (+ 404 after)", func() string {
		res, err := c.User.CreateUsers(user.NewCreateUsersParams().WithBody(models.CreateUsersParameters{
			{Username: u3, Domain: "LOCAL", LocalUserParams: &models.LocalUserParams{Password: &pw}}}), admin)
		r.ok(err, "CreateUsers(u3)")
		sid3 = *res.Payload.Users[0].Sid
		_, err = c.User.DeleteUser(user.NewDeleteUserParams().WithSid(sid2), admin)
		r.ok(err, "DeleteUser")
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid2), admin)
		r.expectErr(err, "deleted user", 404)
		_, err = c.User.DeleteUsers(user.NewDeleteUsersParams().WithBody(&models.DeleteUsersRequest{Sids: []string{sid1, sid3}}), admin)
		r.ok(err, "DeleteUsers")
		left, err := c.User.GetUsers(user.NewGetUsersParams().WithSids([]string{sid1, sid2, sid3}), admin)
		r.ok(err, "GetUsers after delete")
		eq(len(left.Payload.Users), 0, "users left")
		_, err = c.User.GetUserBySID(user.NewGetUserBySIDParams().WithSid(sid1), apiKey(k1secret))
		r.expectErr(err, "API key of a deleted user", 401)
		return ""
	})

	r.step("DeleteRole", func() string {
		_, err := c.Role.DeleteRole(role.NewDeleteRoleParams().WithName(roleName), admin)
		r.ok(err, "DeleteRole")
		left, err := c.Role.GetRoles(role.NewGetRolesParams().WithNames([]string{roleName}), admin)
		r.ok(err, "GetRoles after delete")
		eq(len(left.Payload.Roles), 0, "roles left")
		return ""
	})

	r.step("GetAuditLogs (filters, paging) + actions + entity types", func() string {
		acts, err := c.AuditLog.GetAuditLogsActions(audit_log.NewGetAuditLogsActionsParams(), admin)
		r.ok(err, "GetAuditLogsActions")
		types, err := c.AuditLog.GetAuditLogsEntityTypes(audit_log.NewGetAuditLogsEntityTypesParams(), admin)
		r.ok(err, "GetAuditLogsEntityTypes")
		check(slices.Contains(acts.Payload.Actions, "Delete") && slices.Contains(types.Payload.EntityTypes, "Role"),
			"actions %v, entity types %v", acts.Payload.Actions, types.Payload.EntityTypes)
		got, err := c.AuditLog.GetAuditLogs(audit_log.NewGetAuditLogsParams().WithUsernames([]string{*username}).
			WithActions([]string{"Delete"}).WithEntityTypes([]string{"Role"}).WithSearchString(&roleName).WithCount(ptr(int64(5))), admin)
		r.ok(err, "GetAuditLogs")
		eq(len(got.Payload.AuditLogs), 1, "entries for the deleted role")
		eq(*got.Payload.Count, int64(1), "count")
		x := got.Payload.AuditLogs[0]
		eq(*x.Action+" "+*x.EntityType+" "+*x.EntityName+" "+*x.Username, "Delete Role "+roleName+" "+*username, "entry")
		check(*x.TimestampUsecs > 0 && !*x.IsImpersonation, "entry %+v", x)
		page, err := c.AuditLog.GetAuditLogs(audit_log.NewGetAuditLogsParams().WithStartIndex(ptr(int64(1))).
			WithCount(ptr(int64(2))).WithStartTimeUsecs(ptr(*x.TimestampUsecs-3600e6)), admin)
		r.ok(err, "GetAuditLogs page")
		eq(len(page.Payload.AuditLogs), 2, "a page of 2")
		check(*page.Payload.Count >= 3, "count %d counts beyond the page", *page.Payload.Count)
		return fmt.Sprintf("%d entries in the last hour", *page.Payload.Count)
	})

	r.step("role names that need escaping as path parameters; reserved characters refused", func() string {
		// The name rule (docs/names.md) keeps '/', '%', '?' and '#' out;
		// spaces, '+', '@' and letters beyond ASCII still need escaping.
		bad := &models.CreateRoleParameters{Name: ptr("sdk role go " + run + "/slash %25 ?q #h")}
		bad.Privileges = []string{"ROLE_VIEW"}
		_, err := c.Role.CreateRole(role.NewCreateRoleParams().WithBody(bad), admin)
		r.expectErr(err, "CreateRole with '/' in the name", 400)
		for _, name := range []string{"sdk role go " + run + " \u00fc+plus@x", "sdk.go." + run + ".."} {
			body := &models.CreateRoleParameters{Name: ptr(name)}
			body.Privileges = []string{"ROLE_VIEW"}
			res, err := c.Role.CreateRole(role.NewCreateRoleParams().WithBody(body), admin)
			r.ok(err, "CreateRole "+name)
			eq(deref(res.Payload.Name), name, "name")
			up, err := c.Role.UpdateRole(role.NewUpdateRoleParams().WithName(name).WithBody(&models.UpdateRoleParameters{
				Description: ptr("odd"), Privileges: []string{"ROLE_VIEW", "PRINCIPAL_VIEW"}}), admin)
			r.ok(err, "UpdateRole "+name)
			eq(deref(up.Payload.Description), "odd", "description")
			_, err = c.Role.DeleteRole(role.NewDeleteRoleParams().WithName(name), admin)
			r.ok(err, "DeleteRole "+name)
			left, err := c.Role.GetRoles(role.NewGetRolesParams().WithNames([]string{name}), admin)
			r.ok(err, "GetRoles")
			eq(len(left.Payload.Roles), 0, "deleted")
		}
		return ""
	})

	// Organizations (tenants.go).
	tenantSteps(r, c, admin, run, login)
	// MFA (mfa.go).
	mfaSteps(r, c, admin, run, login)
	// Directory domains: LDAP providers and Active Directory (directories.go).
	directorySteps(r, c, admin, run, login)
	// Single sign-on: SAML providers and trusted issuers (sso.go).
	ssoSteps(r, c, admin, run)

	fmt.Printf("%d passed, %d failed\n", r.passed, r.failed)
	if r.failed > 0 {
		os.Exit(1)
	}
}
