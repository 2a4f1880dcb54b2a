package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// api calls the target's public API as one caller.
type api struct {
	c   *http.Client
	url string
	h   [2]string // the credential header
	// in is the organization the caller acts inside, sent as the
	// x-impersonate-tenant-id header; "" sends none.
	in string
}

// impersonateHeader names the organization a request acts inside.
const impersonateHeader = "x-impersonate-tenant-id"

// setHeaders sets a's credential and organization on req.
func (a api) setHeaders(req *http.Request) {
	if a.h[0] != "" {
		req.Header.Set(a.h[0], a.h[1])
	}
	if a.in != "" {
		req.Header.Set(impersonateHeader, a.in)
	}
}

// call sends body (when not nil) as JSON and decodes the answer into out
// (when not nil); any status but want is an error.
func (a api) call(method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	a.setHeaders(req)
	res, err := a.c.Do(req)
	if err != nil {
		return err
	}
	defer drain(res)
	if res.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.NewDecoder(res.Body).Decode(out)
	}
	return nil
}

// get returns the raw body of a GET.
func (a api) get(path string) ([]byte, error) {
	req, err := http.NewRequest("GET", a.url+path, nil)
	if err != nil {
		return nil, err
	}
	a.setHeaders(req)
	res, err := a.c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != 200 {
		err = fmt.Errorf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return b, err
}

func loginBody(user, pw string) map[string]string {
	return map[string]string{"username": user, "password": pw, "domain": "LOCAL"}
}

// accessToken logs in and returns a Bearer credential.
func accessToken(c *http.Client, url, user, pw string) ([2]string, error) {
	var tok struct{ AccessToken string }
	err := api{c: c, url: url}.call("POST", "/v2/access-tokens", loginBody(user, pw), 201, &tok)
	return [2]string{"Authorization", "Bearer " + tok.AccessToken}, err
}

// sessionID logs in and returns a session-id credential.
func sessionID(c *http.Client, url, user, pw string) ([2]string, error) {
	var s struct{ SessionID string }
	err := api{c: c, url: url}.call("POST", "/v2/users/sessions", loginBody(user, pw), 201, &s)
	return [2]string{"session-id", s.SessionID}, err
}

// createUsers creates LOCAL users named names in one request, with
// password (none when "") and roles, and returns their sids.
func (a api) createUsers(names []string, password string, roles ...string) ([]string, error) {
	body := make([]map[string]any, len(names))
	for i, n := range names {
		u := map[string]any{"username": n, "domain": "LOCAL", "roles": roles}
		if password != "" {
			u["localUserParams"] = map[string]any{"password": password}
		}
		body[i] = u
	}
	var out struct{ Users []struct{ SID string } }
	if err := a.call("POST", "/v2/users", body, 201, &out); err != nil {
		return nil, err
	}
	sids := make([]string, len(out.Users))
	for i, u := range out.Users {
		sids[i] = u.SID
	}
	return sids, nil
}

// createKey makes an API key for user sid and returns its credential.
func (a api) createKey(sid, name string) ([2]string, error) {
	var k struct{ APIKey string }
	err := a.call("POST", "/v2/users/"+sid+"/api-keys", map[string]string{"name": name}, 201, &k)
	return [2]string{"apiKey", k.APIKey}, err
}
