package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// pages are the parsed templates: each page is layout.html with the
// page's own file, and each file's {{define}}d parts render alone for
// htmx's partial updates.
type pages struct {
	byName map[string]*template.Template
	assets map[string]string // file name -> its URL, with a hash of its content
}

// parsePages parses every page of dir with the layout and reads the
// static files' hashes.
func parsePages(dir fs.FS, static fs.FS) (*pages, error) {
	pg := &pages{byName: map[string]*template.Template{}, assets: map[string]string{}}
	err := fs.WalkDir(static, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		pg.assets[name] = "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(dir, "templates/*.html")
	if err != nil {
		return nil, err
	}
	// Files named _*.html hold parts that several pages share.
	base, err := template.New("layout.html").Funcs(pg.funcs()).ParseFS(dir, "templates/layout.html", "templates/_*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(dir, f)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", f, err)
		}
		pg.byName[name] = t
	}
	return pg, nil
}

// funcs are the templates' helpers.
func (pg *pages) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return pg.assets[name] },
		"ago":   func(msecs int64) string { return ago(msecs, time.Now()) },
		"when": func(msecs int64) string {
			if msecs <= 0 {
				return ""
			}
			return time.UnixMilli(msecs).UTC().Format(time.RFC3339)
		},
		"join": strings.Join,
		// args gives the "post" part its page, URL and button label.
		"args":         func(root view, action, label string) postArgs { return postArgs{root, action, label} },
		"has":          slices.Contains[[]string, string],
		"seg":          url.PathEscape,
		"usecsToMsecs": func(us int64) int64 { return us / 1000 },
		"deref": func(n *int64) int64 {
			if n == nil {
				return 0
			}
			return *n
		},
	}
}

// postArgs are what the "post" part (a form of one button) takes.
type postArgs struct {
	Root          view
	Action, Label string
}

// view is what every page's template gets: the page's own data, and the
// frame around it.
type view struct {
	Title string
	User  *iam.Principal // nil on the log-in page
	CSRF  string
	Nav   []navItem
	Path  string
	Flash string
	Data  any
}

// render writes page name with data, whole, or only its "main" part for
// an htmx request that targets it.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, pg *page, data any) {
	t, ok := c.pages.byName[name]
	if !ok {
		c.log.ErrorContext(r.Context(), "console: no template", "name", name)
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	v := view{Title: titles[name], Path: r.URL.Path, Data: data, Flash: takeFlash(w, r)}
	if pg != nil {
		v.User, v.CSRF, v.Nav = pg.p, csrfToken(pg.secret), c.nav(pg.p)
	}
	exec := "layout.html"
	if part := r.Header.Get("HX-Target"); part != "" && t.Lookup(part) != nil && r.Header.Get("HX-Request") != "" {
		exec = part
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, exec, v); err != nil {
		c.log.ErrorContext(r.Context(), "console: render", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// titles name the pages.
var titles = map[string]string{
	"login": "Log in", "error": "Error", "overview": "Overview", "users": "Users", "user": "User",
	"user_new": "New user", "confirm": "Confirm", "groups": "Groups", "group": "Group", "group_new": "New group",
}

// errorView is what the error page shows.
type errorView struct {
	Status  int
	Message string
}

// fail shows the error page with status and msg.
func (c *console) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.render(w, r, status, "error", nil, errorView{Status: status, Message: msg})
}

// failErr shows err as the service means it: its message, and the status
// of its kind; an internal error is logged and told in general terms.
func (c *console) failErr(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := c.serviceMsg(r, err)
	c.fail(w, r, status, msg)
}

// serviceMsg is the status and the message to show of a service error,
// as the API words it: the service's message, or the store's for a
// conflict or a missing record (which iam passes on unwrapped); an
// internal or unavailable one is logged and told in general terms.
func (c *console) serviceMsg(r *http.Request, err error) (int, string) {
	switch iam.KindOf(err) {
	case iam.KindInternal:
		c.log.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err)
	case iam.KindUnavailable:
		c.log.WarnContext(r.Context(), "console: unavailable", "path", r.URL.Path, "err", err)
	}
	return statusOf(err), messageOf(err)
}

// messageOf is what a page says of err: the service's message, or, for
// a fault of the server's, a general one.
func messageOf(err error) string {
	switch iam.KindOf(err) {
	case iam.KindInternal:
		return "Something went wrong on the server; it is logged."
	case iam.KindUnavailable:
		return "The database is unavailable; retry shortly."
	}
	var e *iam.Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

// refusal is err when the service explains it (a 4xx): its status and
// message, to show on the form that was sent.
func (c *console) refusal(r *http.Request, err error) (int, string, bool) {
	if err == nil {
		return 0, "", false
	}
	status, msg := c.serviceMsg(r, err)
	return status, msg, status < 500
}

// statusOf is the HTTP status of a service error's kind.
func statusOf(err error) int { return iam.KindOf(err).HTTPStatus() }

// ago says how long before now msecs was: "never" for 0.
func ago(msecs int64, now time.Time) string {
	if msecs <= 0 {
		return "never"
	}
	d := now.Sub(time.UnixMilli(msecs))
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		if !future {
			return "just now"
		}
		s = "a moment"
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d h", int(d.Hours()))
	default:
		s = fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}
