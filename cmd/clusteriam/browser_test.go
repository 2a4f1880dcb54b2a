package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/clusteriam/clusteriam/internal/testtier"
)

// The console's browser tests drive Debian's Chromium, headless, against
// the real binary. CI (.ci/run) installs Chromium and sets
// CLUSTERIAM_BROWSER_TESTS=required, so that there a missing browser
// fails rather than skips.

// browserFor starts a headless Chromium for t, or skips t (fails it, in
// CI) when there is none.
func browserFor(t *testing.T) context.Context {
	t.Helper()
	if raceDetector {
		// The binary they drive is built without -race, and Chromium
		// beside the race-checked suites would only slow them down.
		t.Skip("the browser tests run without -race; .ci/run runs them in a pass of their own")
	}
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CLUSTERIAM_BROWSER_TESTS") == "required" {
			t.Fatal("no Chromium on PATH, and CLUSTERIAM_BROWSER_TESTS=required: install Debian's chromium")
		}
		t.Skip("no Chromium on PATH: install Debian's chromium to run the console's browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("ignore-certificate-errors", true), // the server's self-signed certificate
		chromedp.Flag("no-sandbox", os.Geteuid() == 0),   // Chromium refuses to sandbox as root
		chromedp.WindowSize(1280, 800),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	// A JavaScript dialog (alert, confirm) is a failure: hostile text
	// that ran would raise one. The listener may not send commands; the
	// dialog is dismissed from another goroutine.
	dialogs := make(chan string, 8)
	err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			select {
			case dialogs <- string(d.Type) + " " + d.Message:
			default:
			}
		}
	})
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	go func() {
		for d := range dialogs {
			t.Errorf("a JavaScript dialog opened: %q", d)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	t.Cleanup(func() { close(dialogs) })
	return ctx
}

// browse runs the browser's steps, failing t on error with the page it
// was on.
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nat %s:\n%s", what, err, loc, body)
	}
}

// consoleLogin logs the browser in through the log-in page.
func consoleLogin(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	browse(t, ctx, "log in as "+user,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(`//*[contains(., "Logged in as")]`),
	)
}

// bodyText is the text of the page's body.
func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return s
}

// screenshotDir is where the browser tests leave their screenshots:
// $CLUSTERIAM_SCREENSHOTS, else a folder under the system's temporary
// directory, named in the test's log.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("CLUSTERIAM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "clusteriam-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshots saves the page at base+path, at a desktop's and a phone's
// size, as NAME-desktop.png and NAME-phone.png.
func screenshots(t *testing.T, ctx context.Context, base, path, name string) {
	t.Helper()
	dir := screenshotDir(t)
	for _, size := range []struct {
		label         string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 800, false}, {"phone", 390, 844, true}} {
		var opts []chromedp.EmulateViewportOption
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		browse(t, ctx, fmt.Sprintf("open %s at %s", path, size.label),
			chromedp.EmulateViewport(size.width, size.height, opts...),
			chromedp.Navigate(base+path),
			chromedp.WaitReady(chromedp.CSS("main")),
		)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s at %s: %v", path, size.label, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.label+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	browse(t, ctx, "restore the window", chromedp.ResetViewport())
}

// TestConsoleLogInOut: the log-in page logs the admin in; after the
// log-out, the back button shows nothing private (the pages are
// no-store, and the session is gone).
func TestConsoleLogInOut(t *testing.T) {
	ctx := browserFor(t)
	srv := newReplica(t, "console", buildBinary(t), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	srv.start(t)
	consoleLogin(t, ctx, srv.url, "admin", "Admin-Password-1")
	browse(t, ctx, "open the users", chromedp.Navigate(srv.url+"/users"), chromedp.WaitVisible(chromedp.CSS("#users")))
	if s := bodyText(t, ctx); !strings.Contains(s, "COHESITY_ADMIN") {
		t.Fatalf("the users page does not show the admin's role:\n%s", s)
	}
	screenshots(t, ctx, srv.url, "/users", "users")
	for _, path := range []string{"/", "/users"} {
		accessibility(t, ctx, srv.url, path)
	}
	browse(t, ctx, "log out",
		chromedp.Click(`//button[normalize-space()="Log out"]`),
		chromedp.WaitVisible(chromedp.CSS("#username")),
	)
	browse(t, ctx, "go back", chromedp.NavigateBack(), chromedp.WaitReady(chromedp.CSS("body")))
	if s := bodyText(t, ctx); strings.Contains(s, "COHESITY_ADMIN") || !strings.Contains(s, "Log in") {
		t.Fatalf("after the log-out, the back button shows:\n%s", s)
	}
	accessibility(t, ctx, srv.url, "/login")
	screenshots(t, ctx, srv.url, "/login", "login")
}

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
}

// accessibility runs axe-core (the file $CLUSTERIAM_AXE_JS names, which
// .ci/run fetches from the npm registry) in the page at base+path and
// fails t on every serious or critical violation. Without the file it
// says so and checks nothing (in CI it must be there).
func accessibility(t *testing.T, ctx context.Context, base, path string) {
	t.Helper()
	file := os.Getenv("CLUSTERIAM_AXE_JS")
	if file == "" {
		if os.Getenv("CLUSTERIAM_BROWSER_TESTS") == "required" {
			t.Fatal("CLUSTERIAM_AXE_JS names no axe-core file")
		}
		t.Logf("no CLUSTERIAM_AXE_JS: accessibility of %s not checked", path)
		return
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	browse(t, ctx, "open "+path, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main")))
	// Devtools' evaluation is not the page's script, so the page's CSP,
	// which forbids inline script, does not stop it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](string(src))); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	const check = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => ({passes: r.passes.length,
			violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))}))`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Passes     int            `json:"passes"`
		Violations []axeViolation `json:"violations"`
	}](check, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", path, err)
	}
	if res.Passes == 0 {
		t.Fatalf("axe checked nothing on %s", path)
	}
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("accessibility of %s: %s (%s, %d elements): %s", path, v.ID, v.Impact, v.Nodes, v.Help)
		} else {
			t.Logf("accessibility of %s: %s (%s): %s", path, v.ID, v.Impact, v.Help)
		}
	}
}

// TestConsoleAttacks: hostile text shows as text; a form another site
// posts with the user's cookie is refused; a request of the console's own
// page without the CSRF token is refused.
func TestConsoleAttacks(t *testing.T) {
	ctx := browserFor(t)
	srv := newReplica(t, "console", buildBinary(t), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	srv.start(t)
	c := insecureClient()
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	srv.want(t, c, 201, "POST", "/v2/access-tokens", header{}, map[string]string{"username": "admin", "password": "Admin-Password-1", "domain": "LOCAL"}, &tok)
	const hostile = `<img src=x onerror=alert(1)>"'><script>alert(2)</script>`
	var made struct {
		Users []struct {
			Sid string `json:"sid"`
		} `json:"users"`
	}
	srv.want(t, c, 201, "POST", "/v2/users", bearer(tok.AccessToken), []map[string]any{{"username": "mallory", "domain": "LOCAL",
		"roles": []string{"COHESITY_VIEWER"}, "description": hostile, "localUserParams": map[string]string{"password": "Mallory-Password-1"}}}, &made)

	consoleLogin(t, ctx, srv.url, "admin", "Admin-Password-1")
	browse(t, ctx, "open mallory's page", chromedp.Navigate(srv.url+"/users/"+made.Users[0].Sid), chromedp.WaitReady(chromedp.CSS("main")))
	if s := bodyText(t, ctx); !strings.Contains(s, hostile) {
		t.Errorf("the description does not show as text:\n%s", s)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll('main img, main script').length")); err != nil || n != 0 {
		t.Errorf("the description made %d elements (%v)", n, err)
	}

	// Another site's page posts a form to the console on load.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form id=f method=post action="%s/logout"><input name=csrf value=guess></form>
<script>document.getElementById("f").submit()</script>`, srv.url)
	}))
	defer evil.Close()
	browse(t, ctx, "visit the other site", chromedp.Navigate(evil.URL), chromedp.WaitReady(chromedp.CSS("body")),
		chromedp.WaitVisible(`//*[contains(., "another site")]`))
	browse(t, ctx, "come back", chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(`//*[contains(., "Logged in as")]`))

	// The console's own page, without the token.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/logout", {method: "POST"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusForbidden {
		t.Errorf("a POST without the CSRF token: %d (%v), want 403", status, err)
	}
	browse(t, ctx, "still logged in", chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(`//*[contains(., "Logged in as")]`))
}

// TestConsoleJourney walks an administrator's journey: log in, create a
// user with a role, make an API key and use it against /v2, see the key
// on the user's page, lock the user and see its log-in fail, find the
// changes in the audit log and its live tail, log out.
func TestConsoleJourney(t *testing.T) {
	ctx := browserFor(t)
	srv := newReplica(t, "console", buildBinary(t), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	srv.start(t)
	c := insecureClient()
	consoleLogin(t, ctx, srv.url, "admin", "Admin-Password-1")

	browse(t, ctx, "create alice, a viewer",
		chromedp.Navigate(srv.url+"/users/new"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#password"), "Alice-Password-1"),
		chromedp.Click(`//label[starts-with(normalize-space(), "COHESITY_VIEWER")]`),
		chromedp.Click(`//button[normalize-space()="Create the user"]`),
		chromedp.WaitVisible(`//h1[contains(., "alice")]`),
	)
	userPage, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if s := bodyText(t, ctx); !strings.Contains(s, "COHESITY_VIEWER") {
		t.Fatalf("alice's page does not show her role:\n%s", s)
	}
	sid := userPage[strings.LastIndex(userPage, "/")+1:]
	if i := strings.IndexByte(sid, '?'); i >= 0 {
		sid = sid[:i]
	}

	browse(t, ctx, "make an API key of alice's",
		chromedp.SendKeys(chromedp.CSS("#key-name"), "journey"),
		chromedp.Click(`//button[normalize-space()="Make an API key"]`),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
	)
	key, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#secret")))
	if err != nil {
		t.Fatal(err)
	}
	srv.want(t, c, 200, "GET", "/v2/users/"+sid, header{"apiKey", strings.TrimSpace(key)}, nil, nil)

	browse(t, ctx, "see the key on alice's page", chromedp.Navigate(srv.url+"/users/"+sid),
		chromedp.WaitVisible(`//th[normalize-space()="journey"]`))
	if strings.Contains(bodyText(t, ctx), strings.TrimSpace(key)) {
		t.Error("the key shows again on the user's page")
	}

	srv.want(t, c, 201, "POST", "/v2/access-tokens", header{}, map[string]string{"username": "alice", "password": "Alice-Password-1", "domain": "LOCAL"}, nil)
	browse(t, ctx, "lock alice", chromedp.Click(`//button[normalize-space()="Lock"]`),
		chromedp.WaitVisible(`//button[normalize-space()="Unlock"]`))
	if code, body := srv.call(c, "POST", "/v2/access-tokens", header{}, map[string]string{"username": "alice", "password": "Alice-Password-1", "domain": "LOCAL"}); code == 201 {
		t.Errorf("a locked alice logged in: %d %s", code, body)
	}
	screenshots(t, ctx, srv.url, "/users/"+sid, "user")
	accessibility(t, ctx, srv.url, "/users/"+sid)
	accessibility(t, ctx, srv.url, "/users/new")

	// Both changes are in the audit log, and the live tail shows the
	// next one as it happens.
	browse(t, ctx, "open the audit log", chromedp.Navigate(srv.url+"/audit"),
		chromedp.WaitVisible(`//tbody[@id="audit-rows"]//td[contains(., "create_user:")]`),
		chromedp.WaitVisible(`//tbody[@id="audit-rows"]//td[contains(., "create_user_api_key")]`),
		chromedp.WaitVisible(`//tbody[@id="audit-rows"]//td[contains(., "update_user: locked")]`),
		chromedp.Click(chromedp.CSS("#tail-toggle")),
		chromedp.WaitVisible(`//*[@id="tail-status"][contains(., "Following")]`))
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	srv.want(t, c, 201, "POST", "/v2/access-tokens", header{}, map[string]string{"username": "admin", "password": "Admin-Password-1", "domain": "LOCAL"}, &tok)
	srv.want(t, c, 201, "POST", "/v2/users", bearer(tok.AccessToken), []map[string]any{{"username": "tailed", "domain": "LOCAL",
		"roles": []string{"COHESITY_VIEWER"}, "localUserParams": map[string]string{"password": "Tailed-Password-1"}}}, nil)
	browse(t, ctx, "see the new user in the live tail",
		chromedp.WaitVisible(`//tbody[@id="audit-rows"]//td[contains(., "LOCAL\tailed")]`))
	screenshots(t, ctx, srv.url, "/audit", "audit")
	accessibility(t, ctx, srv.url, "/audit")

	browse(t, ctx, "log out",
		chromedp.Click(`//button[normalize-space()="Log out"]`),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.NavigateBack(), chromedp.WaitReady(chromedp.CSS("body")))
	if s := bodyText(t, ctx); strings.Contains(s, "alice") || strings.Contains(s, "journey") {
		t.Fatalf("after the log-out, the back button shows:\n%s", s)
	}
}

// consolePages are every page of the console a logged-in admin opens.
var consolePages = []string{"/", "/users", "/users/new", "/groups", "/groups/new", "/roles", "/roles/new",
	"/api-keys", "/audit", "/directories", "/tenants", "/settings/mfa", "/settings/security", "/account"}

// TestConsolePages opens every page as the admin (the first three in the
// quick tier): each renders without an error, is screenshot at a
// desktop's and a phone's size, and passes axe-core.
func TestConsolePages(t *testing.T) {
	ctx := browserFor(t)
	srv := newReplica(t, "console", buildBinary(t), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	srv.start(t)
	consoleLogin(t, ctx, srv.url, "admin", "Admin-Password-1")
	for _, path := range testtier.Pick(t, "pages", consolePages[:3], consolePages) {
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(srv.url+path))
		if err != nil || resp.Status != http.StatusOK {
			t.Errorf("%s: %v %v", path, err, resp)
			continue
		}
		name := strings.ReplaceAll(strings.Trim(path, "/"), "/", "-")
		if name == "" {
			name = "overview"
		}
		screenshots(t, ctx, srv.url, path, name)
		accessibility(t, ctx, srv.url, path)
	}
	// At a phone's width a table's rows stack, and each cell says its
	// column.
	browse(t, ctx, "open the users as a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(srv.url+"/users"), chromedp.WaitVisible(chromedp.CSS("#users")))
	label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#users tbody td"), "::before").content`))
	if err != nil || !strings.Contains(label, "Domain") {
		t.Errorf("a stacked cell's label: %q (%v), want its column, Domain", label, err)
	}
	browse(t, ctx, "restore the window", chromedp.ResetViewport())
}

// TestConsoleViewer: a viewer's pages offer no control it may not use,
// and the server refuses such a request from its page anyway.
func TestConsoleViewer(t *testing.T) {
	ctx := browserFor(t)
	srv := newReplica(t, "console", buildBinary(t), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	srv.start(t)
	c := insecureClient()
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	srv.want(t, c, 201, "POST", "/v2/access-tokens", header{}, map[string]string{"username": "admin", "password": "Admin-Password-1", "domain": "LOCAL"}, &tok)
	var made struct {
		Users []struct {
			Sid string `json:"sid"`
		} `json:"users"`
	}
	srv.want(t, c, 201, "POST", "/v2/users", bearer(tok.AccessToken), []map[string]any{
		{"username": "vic", "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"}, "localUserParams": map[string]string{"password": "Vic-Password-12"}},
		{"username": "tom", "domain": "LOCAL", "roles": []string{"COHESITY_VIEWER"}, "localUserParams": map[string]string{"password": "Tom-Password-12"}},
	}, &made)
	consoleLogin(t, ctx, srv.url, "vic", "Vic-Password-12")
	tom := made.Users[1].Sid
	for _, path := range []string{"/users", "/users/" + tom, "/roles", "/groups"} {
		browse(t, ctx, "open "+path, chromedp.Navigate(srv.url+path), chromedp.WaitReady(chromedp.CSS("main")))
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main form[method="post"] button, a.button').length`))
		if err != nil || n != 0 {
			t.Errorf("%s offers a viewer %d controls that change things (%v)", path, n, err)
		}
	}
	screenshots(t, ctx, srv.url, "/users/"+tom, "user-as-viewer")
	// The page's own script, with the page's CSRF token, asks anyway.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
		const token = document.querySelector('input[name="csrf"]').value;
		return fetch("/users/`+tom+`/lock", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
			body: "csrf=" + encodeURIComponent(token)}).then(r => r.status);
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusForbidden {
		t.Errorf("a viewer's lock of tom: %d (%v), want 403", status, err)
	}
	var locked struct {
		Locked bool `json:"locked"`
	}
	srv.want(t, c, 200, "GET", "/v2/users/"+tom, bearer(tok.AccessToken), nil, &locked)
	if locked.Locked {
		t.Error("a viewer locked tom")
	}
}

// TestConsoleKeyboard: the log-in and a change can be made with the
// keyboard alone: Tab to move, Enter to send, focus always visible.
func TestConsoleKeyboard(t *testing.T) {
	ctx := browserFor(t)
	srv := newReplica(t, "console", buildBinary(t), "CLUSTERIAM_ADMIN_PASSWORD=Admin-Password-1")
	srv.start(t)
	focused := func() string {
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.textContent.trim()`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	browse(t, ctx, "open the log-in", chromedp.Navigate(srv.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#username")))
	if got := focused(); got != "username" {
		t.Fatalf("the log-in page starts with %q focused, want the username", got)
	}
	browse(t, ctx, "log in by keyboard",
		chromedp.KeyEvent("admin"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("Admin-Password-1"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`//*[contains(., "Logged in as")]`))
	// The first Tab reaches the skip link, which takes the focus to the
	// page's content.
	browse(t, ctx, "skip to the content", chromedp.KeyEvent(kb.Tab))
	if got := focused(); got != "Skip to the content" {
		t.Fatalf("the first Tab focuses %q, want the skip link", got)
	}
	browse(t, ctx, "follow it", chromedp.KeyEvent(kb.Enter))
	if got := focused(); got != "main" {
		t.Fatalf("the skip link leaves the focus on %q, want main", got)
	}
	// Tab through the menu to Users, and open it with Enter.
	browse(t, ctx, "back to the top", chromedp.Navigate(srv.url+"/"), chromedp.WaitReady(chromedp.CSS("main")))
	for range 30 {
		browse(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
		if focused() == "Users" {
			break
		}
	}
	if got := focused(); got != "Users" {
		t.Fatalf("tabbing never reached the Users link (at %q)", got)
	}
	outline, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
	if err != nil || outline == "none" {
		t.Errorf("the focused link shows no outline (%q, %v)", outline, err)
	}
	browse(t, ctx, "open Users by Enter", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#users")))
}
