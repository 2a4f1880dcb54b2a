package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clusteriam/clusteriam/internal/samlsp"
	"github.com/clusteriam/clusteriam/internal/samlsp/samltest"
)

// TestIdPsAPI configures a SAML provider through /v2/idps as the vendor's
// SDKs send it (the Python SDK's nulls on a round trip, the Go SDK's null
// for an unset required field), checks what the API refuses, and starts a
// sign-on through idps_login. Every answer is checked against the
// document.
func TestIdPsAPI(t *testing.T) {
	e := newEnv(t)
	idp := samltest.Start(t)
	body := map[string]any{"name": "samlidp", "domain": "sso.example.com", "issuerId": idp.Issuer,
		"ssoUrl": idp.SSOURL, "certificate": idp.CertPEM, "roles": []string{"COHESITY_VIEWER"}}
	var created map[string]any
	e.want(e.do("POST", "/v2/idps", e.admin, body), http.StatusCreated).decode(t, &created)
	for k, want := range map[string]any{"isEnabled": true, "allowLocalUserLogin": false, "signRequest": false,
		"certificateFilename": "idp_certificate.pem", "domain": "sso.example.com", "name": "samlidp"} {
		if created[k] != want {
			t.Errorf("created %s = %v, want %v", k, created[k], want)
		}
	}
	id := created["id"].(float64)
	path := "/v2/idps/" + strconv.FormatInt(int64(id), 10)

	list := func(query string) int {
		var l struct{ Idps []map[string]any }
		e.want(e.do("GET", "/v2/idps"+query, e.admin, nil), http.StatusOK).decode(t, &l)
		return len(l.Idps)
	}
	for q, want := range map[string]int{"": 1, "?domains=SSO.example.com": 1, "?domains=other.example.com": 0,
		"?names=samlidp": 1, "?names=x": 0, "?ids=" + strconv.FormatInt(int64(id), 10): 1, "?ids=999": 0, "?includeAllTenants=true": 1} {
		if got := list(q); got != want {
			t.Errorf("GET /v2/idps%s: %d providers, want %d", q, got, want)
		}
	}

	// A Python round trip sends null for what it did not set: unchanged.
	pyPut := map[string]any{"issuerId": idp.Issuer, "ssoUrl": idp.SSOURL, "certificate": idp.CertPEM,
		"roles": nil, "samlAttributeName": nil, "allowLocalUserLogin": nil, "signRequest": nil, "isEnabled": nil,
		"certificateFilename": nil, "id": nil, "name": nil, "domain": nil, "tenantId": nil}
	var upd map[string]any
	e.want(e.do("PUT", path, e.admin, pyPut), http.StatusOK).decode(t, &upd)
	if r, _ := upd["roles"].([]any); len(r) != 1 || upd["isEnabled"] != true {
		t.Errorf("a PUT of nulls changed the provider: %v", upd)
	}
	pyPut["samlAttributeName"], pyPut["allowLocalUserLogin"] = "clusterRoles", true
	e.want(e.do("PUT", path, e.admin, pyPut), http.StatusOK).decode(t, &upd)
	if upd["samlAttributeName"] != "clusterRoles" || upd["allowLocalUserLogin"] != true {
		t.Errorf("after the PUT: %v", upd)
	}

	bad := func(change func(b map[string]any)) map[string]any {
		b := map[string]any{}
		for k, v := range body {
			b[k] = v
		}
		b["domain"] = "other.example.com"
		change(b)
		return b
	}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   map[string]any
		code   int
		msg    string
	}{
		{"Go SDK null required field", "POST", "/v2/idps", bad(func(b map[string]any) { b["issuerId"] = nil }), 400, "issuerId"},
		{"no roles nor attribute", "POST", "/v2/idps", bad(func(b map[string]any) { delete(b, "roles") }), 400, "roles or samlAttributeName"},
		{"certificate that does not parse", "POST", "/v2/idps", bad(func(b map[string]any) { b["certificate"] = "not a certificate" }), 400, "certificate"},
		{"plain http SSO URL", "POST", "/v2/idps", bad(func(b map[string]any) { b["ssoUrl"] = "http://idp.example.com/sso" }), 400, "https"},
		{"domain taken", "POST", "/v2/idps", bad(func(b map[string]any) { b["domain"] = "sso.EXAMPLE.com" }), 409, "is taken"},
		{"LOCAL", "POST", "/v2/idps", bad(func(b map[string]any) { b["domain"] = "LOCAL" }), 400, "LOCAL"},
		{"name changed", "PUT", path, bad(func(b map[string]any) { b["name"] = "other"; delete(b, "domain") }), 400, "name cannot change"},
		{"no such provider", "PUT", "/v2/idps/999", body, 404, "999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.wantMsg(e.do(tc.method, tc.path, e.admin, tc.body), tc.code, tc.msg)
		})
	}

	// A viewer reads, and may not change.
	_, viewer := e.loginAs("viewer", "COHESITY_VIEWER")
	e.want(e.do("GET", "/v2/idps", viewer, nil), http.StatusOK)
	e.want(e.do("POST", "/v2/idps", viewer, bad(func(map[string]any) {})), http.StatusForbidden)
	e.want(e.do("DELETE", path, viewer, nil), http.StatusForbidden)

	// idps_login needs no credential, and sends the browser to the
	// provider with the binding cookie, and no body.
	noFollow := *e.srv.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r, _ := e.roundTripVia(t, &noFollow, e.request("GET", "/v2/idps/login", noCred, nil))
	if r.status != http.StatusFound || !strings.HasPrefix(r.header.Get("Location"), idp.SSOURL+"?SAMLRequest=") || len(r.body) != 0 {
		t.Fatalf("idps_login: %d, Location %q, body %q", r.status, r.header.Get("Location"), r.body)
	}
	ck := r.header.Get("Set-Cookie")
	for _, want := range []string{samlsp.BindingCookie + "=", "Secure", "HttpOnly", "SameSite=None", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("binding cookie %q lacks %s", ck, want)
		}
	}
	// With the provider gone, there is nowhere to go: 404.
	e.want(e.do("DELETE", path, e.admin, nil), http.StatusNoContent)
	e.want(e.do("DELETE", path, e.admin, nil), http.StatusNotFound)
	r, _ = e.roundTripVia(t, &noFollow, e.request("GET", "/v2/idps/login", noCred, nil))
	if r.status != http.StatusNotFound || !slices.Contains([]string{"application/json"}, strings.Split(r.header.Get("Content-Type"), ";")[0]) {
		t.Errorf("idps_login without a provider: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
}
