package console

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// inlineKind reports whether err is a refusal a form shows inline,
// beside the input: a bad input, a conflict, too many tries. Others (a
// refusal, a missing record, a fault) go to the error page.
func inlineKind(err error) bool {
	switch iam.KindOf(err) {
	case iam.KindInvalid, iam.KindConflict, iam.KindTooMany:
		return true
	}
	return false
}

// change is a POST's change made through the service: it returns the page
// to go back to and the done message, fixed text of the server's.
type change func(pg *page) (back, done string, err error)

// again shows a form's page anew with msg, the service's refusal, under
// status.
type again func(pg *page, status int, msg string) error

// act serves a POST that changes something: after the change, it goes
// back (303) with the done message; on a refusal of the input it shows
// the form again with it (again may be nil: the error page).
func (c *console) act(do change, show again) authedHandler {
	return func(pg *page) error {
		if err := pg.r.ParseForm(); err != nil {
			return &iam.Error{Kind: iam.KindInvalid, Msg: "the form could not be read"}
		}
		back, done, err := do(pg)
		if err != nil {
			if inlineKind(err) && show != nil {
				status, msg := c.serviceMsg(pg.r, err)
				return show(pg, status, msg)
			}
			return err
		}
		seeOther(pg, back, done)
		return nil
	}
}

// finish ends a form's POST: after err == nil it goes to to, saying done
// there; after a refusal the service explains (a 4xx) it shows page name
// again, with show's data holding the message, at the refusal's status;
// anything else is the caller's error.
func (c *console) finish(pg *page, err error, to, done, name string, show func(msg string) any) error {
	if err == nil {
		seeOther(pg, to, done)
		return nil
	}
	status, msg := c.serviceMsg(pg.r, err)
	if status >= 500 {
		return err
	}
	c.render(pg.w, pg.r, status, name, pg, show(msg))
	return nil
}

// seeOther sends the browser on to path (303), so that reloading the page
// does not send the form again, with done as the next page's note.
func seeOther(pg *page, path, done string) {
	setFlash(pg.w, pg.r, done)
	http.Redirect(pg.w, pg.r, path, http.StatusSeeOther)
}

// optional drops a refusal to read what a page only adds: the page shows
// what its reader may see.
func optional(err error) error {
	if k := iam.KindOf(err); k == iam.KindForbidden || k == iam.KindNotFound {
		return nil
	}
	return err
}

// formList is the posted values of key (parsed by act), trimmed, empty
// ones dropped.
func formList(r *http.Request, key string) []string {
	out := []string{}
	for _, v := range r.PostForm[key] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// formInt reads a whole number from form field name: absent is def;
// malformed is an invalid-input error of the service's kind.
func formInt(r *http.Request, name string, def int64) (int64, error) {
	v := strings.TrimSpace(r.FormValue(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, &iam.Error{Kind: iam.KindInvalid, Msg: name + " must be a whole number"}
	}
	return n, nil
}

// ptrTo returns a pointer to v.
func ptrTo[T any](v T) *T { return &v }

// roleOption is one checkbox of a roles field.
type roleOption struct {
	Name, Label string
	Checked     bool
}

// roleOptions lists the roles p may see, as names from the organization
// it acts in, checking those in held (names too). Without the right to
// read roles, it lists none.
func (c *console) roleOptions(pg *page, held []string) ([]roleOption, error) {
	roles, err := c.svc.ListRoles(pg.r.Context(), pg.p, nil, iam.Scope{})
	if err != nil {
		return nil, optional(err)
	}
	has := map[string]bool{}
	for _, h := range held {
		has[h] = true
	}
	out := make([]roleOption, len(roles))
	for i, ro := range roles {
		name := iam.RoleName(ro.Name, pg.p.Tenant())
		out[i] = roleOption{Name: name, Label: ro.Label, Checked: has[name]}
	}
	return out, nil
}

// confirmView is the confirmation page of a deletion: "Delete the What
// Name?", a form posting to Action with Fields and confirm=yes.
type confirmView struct {
	What, Name, Action, Back, Error string
	Fields                          map[string]string // more hidden fields the form sends
}

// confirmed reports whether a deletion's POST comes from its confirmation
// page; if not, it shows that page, so that a deletion takes two
// submissions.
func (c *console) confirmed(pg *page, v confirmView) bool {
	if pg.r.PostFormValue("confirm") == "yes" {
		return true
	}
	c.render(pg.w, pg.r, http.StatusOK, "confirm", pg, v)
	return false
}

// sectionTitles name the pages of the sections beyond users; they join
// titles here rather than in its literal, to keep each section's lines
// its own.
var sectionTitles = map[string]string{
	"roles": "Roles and privileges", "role_form": "Role",
	"apikeys": "API keys", "secret": "Copy it now", "audit": "Audit log", "directories": "Directories",
	"tenants": "Organizations", "mfa": "MFA",
	"security": "Security settings", "account": "Your account",
}

func init() { maps.Copy(titles, sectionTitles) }

// pathSeg escapes s as one segment of a path.
func pathSeg(s string) string { return url.PathEscape(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
