package samltest

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Posted is the form the IdP's page posts to the SP's ACS.
type Posted struct {
	Action       string
	SAMLResponse string
	RelayState   string
}

var (
	actionRe = regexp.MustCompile(`action="([^"]*)"`)
	inputRe  = regexp.MustCompile(`name="([A-Za-z]+)" value="([^"]*)"`)
)

// LogIn does what a browser does at the IdP: it opens redirect (the
// AuthnRequest URL the SP gave), fills the IdP's log-in form with user and
// password, and returns the form the IdP's answer page posts to the SP.
// client must trust the IdP's certificate (see Client) and keep cookies.
func (i *IdP) LogIn(t testing.TB, client *http.Client, redirect, user, password string) Posted {
	t.Helper()
	// Log in at the IdP first, then follow the redirect with its session:
	// samlidp's log-in form posts the request again, without the
	// HTTP-Redirect binding's signature.
	resp, err := client.PostForm(i.URL+"/login", url.Values{"user": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	read(t, resp)
	body := get(t, client, redirect)
	got := fields(body)
	if got["SAMLResponse"] == "" {
		t.Fatalf("samltest: the IdP did not answer with a SAMLResponse: %s", body)
	}
	return Posted{Action: formAction(t, body), SAMLResponse: got["SAMLResponse"], RelayState: got["RelayState"]}
}

func get(t testing.TB, client *http.Client, u string) string {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("samltest: %s %s: %s: %s", resp.Request.Method, resp.Request.URL, resp.Status, b)
	}
	return string(b)
}

func formAction(t testing.TB, page string) string {
	t.Helper()
	m := actionRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("samltest: no form in %s", page)
	}
	return html.UnescapeString(m[1])
}

func fields(page string) map[string]string {
	out := map[string]string{}
	for _, m := range inputRe.FindAllStringSubmatch(page, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// FormBody encodes p as the ACS's POST body.
func (p Posted) FormBody() io.Reader {
	return strings.NewReader(url.Values{"SAMLResponse": {p.SAMLResponse}, "RelayState": {p.RelayState}}.Encode())
}
