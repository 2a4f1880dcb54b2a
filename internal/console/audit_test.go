package console

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// TestAuditPage: the filters select, the page pages, bad filters are
// 400s with the reason, and entries' text shows escaped.
func TestAuditPage(t *testing.T) {
	e := newEnv(t)
	e.createUser("bob", "bob-Password-1")
	if _, err := e.svc.CreateRole(context.Background(), e.adminP(), iam.RoleInput{Name: "r1",
		Description: ptrTo(hostile), Privileges: []string{"PRINCIPAL_VIEW"}}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.do("POST", "/login", url.Values{"username": {"bob"}, "password": {"wrong-Password-9"}, "domain": {"LOCAL"}})
	b.login("admin", adminPassword)
	e.svc.Wait() // failed log-ins are recorded after the answer

	e.want(b.do("GET", "/audit", nil), http.StatusOK, `<label for="f-actions">`, "LoginFailed", `id="tail-toggle"`, "entries match")
	failed := b.do("GET", "/audit?actions=LoginFailed&since=24h", nil)
	e.want(failed, http.StatusOK, "1 entries match", `LOCAL\bob`)
	e.wantNot(failed, "<td>Create</td>")
	e.want(b.do("GET", "/audit?search=bob&entityTypes=User", nil), http.StatusOK, `LOCAL\bob`)
	e.want(b.do("GET", "/audit?username=nobody", nil), http.StatusOK, "0 entries match", "No entry matches")
	paged := b.do("GET", "/audit?count=1", nil)
	e.want(paged, http.StatusOK, "Older entries", "startIndex=1")
	e.want(b.do("GET", "/audit?count=1&startIndex=1", nil), http.StatusOK, "Newer entries")

	for q, msg := range map[string]string{
		"actions=Nope":          `unknown action &#34;Nope&#34;`,
		"since=yesterday":       "since must be a time",
		"since=1h&until=2h":     "until is before since",
		"entityTypes=Spaceship": "unknown entity type",
	} {
		e.want(b.do("GET", "/audit?"+q, nil), http.StatusBadRequest, msg)
	}
	// The hostile description is in no entry's text here, but a search
	// for it must come back escaped.
	a := b.do("GET", "/audit?search="+url.QueryEscape(hostile), nil)
	e.want(a, http.StatusOK, "&lt;img src=x onerror=alert(1)&gt;")
	e.wantNot(a, hostile)
}

// TestAuditViewerRefused: a user without the audit privilege gets 403
// for the page and the stream.
func TestAuditViewerRefused(t *testing.T) {
	e := newEnv(t)
	e.createUser("ann", "ann-Password-1", "COHESITY_OPERATOR")
	if _, err := e.svc.CreateRole(context.Background(), e.adminP(), iam.RoleInput{Name: "plain", Privileges: []string{"PRINCIPAL_VIEW"}}); err != nil {
		t.Fatal(err)
	}
	e.createUser("pat", "pat-Password-1", "plain")
	b := e.browser()
	b.login("pat", "pat-Password-1")
	e.want(b.do("GET", "/audit", nil), http.StatusForbidden)
	e.want(b.do("GET", "/audit/stream", nil), http.StatusForbidden)
	e.wantNot(b.do("GET", "/", nil), `href="/audit"`)
}

// stream opens the live tail with b's cookies and hands its lines to a
// channel, closed when the stream ends.
func (b *browser) stream(t *testing.T, path string) (<-chan string, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("GET", b.e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() }) // before the server closes, which waits for the stream
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines, res
}

// waitFor reads lines until one holds want, or fails after d.
func waitFor(t *testing.T, lines <-chan string, want string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended before %q", want)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within %v", want, d)
		}
	}
}

// TestAuditStream: the live tail sends an entry written after it opened,
// with its text, within a few seconds; it ends when the session does.
func TestAuditStream(t *testing.T) {
	e := newEnv(t)
	b := e.adminBrowser()
	lines, res := b.stream(t, "/audit/stream")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	e.createUser("zed", "zed-Password-1")
	waitFor(t, lines, `LOCAL\\zed`, 5*time.Second)

	e.wantSeeOther(b.post("/logout", nil), "/login")
	waitFor(t, lines, "event: end", 5*time.Second)
	select {
	case _, ok := <-lines:
		for ok {
			_, ok = <-lines
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end after the log-out")
	}
}

// TestAuditStreamStops: when the server begins to stop, an open tail
// says so and ends, so that the shutdown need not wait for its client.
func TestAuditStreamStops(t *testing.T) {
	stopping := make(chan struct{})
	e := newEnvStopping(t, stopping)
	lines, _ := e.adminBrowser().stream(t, "/audit/stream")
	close(stopping)
	waitFor(t, lines, "The server is stopping", 5*time.Second)
	select {
	case _, ok := <-lines:
		for ok {
			_, ok = <-lines
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end when the server began to stop")
	}
}

// TestAuditStreamNoSession: without a session the stream sends the
// browser to the log-in; an htmx or script request gets a 401.
func TestAuditStreamNoSession(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	e.wantSeeOther(b.do("GET", "/audit/stream", nil), "/login")
	e.want(b.do("GET", "/audit/stream", nil, "HX-Request", "true"), http.StatusUnauthorized)
}

// TestAuditStreamFilters: the tail sends only what the page's filters
// select.
func TestAuditStreamFilters(t *testing.T) {
	e := newEnv(t)
	b := e.adminBrowser()
	lines, _ := b.stream(t, "/audit/stream?actions=LoginFailed")
	e.createUser("quiet", "quiet-Password-1")
	b2 := e.browser()
	b2.do("POST", "/login", url.Values{"username": {"quiet"}, "password": {"wrong-Password-9"}, "domain": {"LOCAL"}})
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l := <-lines:
			if strings.Contains(l, `"action":"Create"`) {
				t.Fatalf("the filtered tail sent %s", l)
			}
			if strings.Contains(l, `"action":"LoginFailed"`) {
				return
			}
		case <-deadline:
			t.Fatal("no LoginFailed event within 5 s")
		}
	}
}
