package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// bodyRoutes are the operations that decode a request body; %s is the
// admin's sid where a path needs one.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/v2/access-tokens"},
	{"POST", "/v2/users/sessions"},
	{"POST", "/v2/users"},
	{"POST", "/v2/users/delete"},
	{"PUT", "/v2/users/%s"},
	{"POST", "/v2/users/%s/api-keys"},
	{"PUT", "/v2/users/%s/api-keys/nokey"},
	{"POST", "/v2/groups"},
	{"POST", "/v2/groups/delete"},
	{"PUT", "/v2/groups/%s"},
	{"PUT", "/v2/security-principals/%s/sources"},
	{"POST", "/v2/roles"},
	{"PUT", "/v2/roles/NOROLE"},
}

// checkAnswer fails t on a 5xx, and on an error answer that is not the
// Error model.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var e struct{ ErrorCode, Message string }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.ErrorCode == "" || e.Message == "" {
			t.Fatalf("%s: %d with a body that is not an Error: %q", what, rec.Code, rec.Body)
		}
	}
}

// FuzzRequestBodies sends arbitrary bodies to every operation that decodes
// one: none may answer 5xx or anything but the Error model on a failure.
// Run longer with: go test -run XXX -fuzz FuzzRequestBodies -fuzztime 5m ./internal/httpapi
func FuzzRequestBodies(f *testing.F) {
	h, sid, creds, _ := benchServer(f)
	for i := range bodyRoutes {
		for _, seed := range []string{`{}`, `[]`, `null`, `[{"username":"u","domain":"LOCAL"}]`,
			`{"name":"k","isActive":false,"expiryTimeMsecs":-1}`, `{"sids":["` + sid + `"]}`,
			`[{"name":"g","domain":"LOCAL","localGroupParams":{"userSids":["x"]}}]`,
			`{"privileges":["PRINCIPAL_VIEW"],"name":"r"}`, `{"sourceIds":[9223372036854775807],"viewIds":[-1]}`,
			`{"a":{"b":{"c":[[[[[]]]]]}}}`, `{"username":"admin","password":"x","domain":"LOCAL"}`} {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := bodyRoutes[int(route)%len(bodyRoutes)]
		path := strings.ReplaceAll(rt.path, "%s", sid)
		req := httptest.NewRequest(rt.method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(creds["Bearer"][0], creds["Bearer"][1])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, rt.method+" "+path, rec)
	})
}

// queryRoutes are the operations that read lists and flags from the query.
var queryRoutes = []string{"/v2/users", "/v2/groups", "/v2/api-keys", "/v2/roles",
	"/v2/security-principals", "/v2/users/sessions", "/v2/users/%s/api-keys", "/v2/audit-logs"}

// FuzzQuery sends arbitrary query strings to every operation that parses
// one (the list parser included).
// Run longer with: go test -run XXX -fuzz FuzzQuery -fuzztime 5m ./internal/httpapi
func FuzzQuery(f *testing.F) {
	h, sid, creds, _ := benchServer(f)
	for i := range queryRoutes {
		for _, seed := range []string{"", "sids=a,b,,c", "usernames=%25_%5C&matchPartialNames=true",
			"matchPartialNames=maybe", "roles=" + strings.Repeat("x,", 500), "names=a'%3B--",
			"isActive=true&isExpired=false", "domain=LOCAL&tenantIds=t", "sids=" + sid, "usernames=*)(uid=*",
			"count=0&startIndex=-5", "startTimeUsecs=99999999999999999999&actions=Login,Bogus&searchString=%00",
			"names=a%2Cb,c", "sids=a%2Cb&sids=,%2C,", "names=%,a"} {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		path := strings.ReplaceAll(queryRoutes[int(route)%len(queryRoutes)], "%s", sid)
		req, err := http.NewRequest("GET", path+"?"+query, nil)
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set(creds["apiKey"][0], creds["apiKey"][1])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, "GET "+path+"?"+query, rec)
	})
}
