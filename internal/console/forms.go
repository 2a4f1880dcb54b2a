package console

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// formError is a refusal to show on the form that was sent: the service's
// message and the status it means.
type formError struct {
	Status int
	Msg    string
}

// refusal returns err as a refusal to show when the service explains it:
// a 4xx kind, with its message, as the API gives it. The store's own
// refusals (not found, already exists) count; an internal or unavailable
// error does not, and goes to failErr, logged and told in general terms.
func refusal(err error) (formError, bool) {
	status := statusOf(err)
	if err == nil || status >= 500 {
		return formError{}, false
	}
	return formError{Status: status, Msg: err.Error()}, true
}

// finish ends a form's POST: after err == nil it goes to to, saying done
// there; after a refusal it shows page name again, with show's data
// holding the message, at the refusal's status (so a bad form is a 4xx,
// never a 5xx); anything else is the caller's error.
func (c *console) finish(pg *page, err error, to, done, name string, show func(msg string) any) error {
	if err == nil {
		seeOther(pg, to, done)
		return nil
	}
	fe, ok := refusal(err)
	if !ok {
		return err
	}
	c.render(pg.w, pg.r, fe.Status, name, pg, show(fe.Msg))
	return nil
}

// seeOther sends the browser on to path with done as the page's note,
// so that reloading the page does not send the form again.
func seeOther(pg *page, path, done string) {
	if done != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + url.QueryEscape(done)
	}
	http.Redirect(pg.w, pg.r, path, http.StatusSeeOther)
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

// sectionTitles name the pages of the sections beyond users; they join
// titles here rather than in its literal, to keep each section's lines
// its own.
var sectionTitles = map[string]string{
	"roles": "Roles and privileges", "role_form": "Role", "confirm": "Confirm",
	"apikeys": "API keys", "secret": "Copy it now", "audit": "Audit log", "directories": "Directories",
	"tenants": "Organizations", "mfa": "MFA",
	"security": "Security settings", "account": "Your account",
}

func init() { maps.Copy(titles, sectionTitles) }

// pathSeg escapes s as one segment of a path.
func pathSeg(s string) string { return url.PathEscape(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
