package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// usersPageSize is how many users a page of the list shows.
const usersPageSize = 50

// usersView is the users list: its filters and one page of users.
type usersView struct {
	Name, Domain, Role, Locked, Expired, Tenant string
	Users                                       []store.User
	Next                                        string // the next page's URL, "" on the last
	First                                       string // the first page's URL, when not on it
	CanCreate, SeesTenants                      bool
}

// handleUsers lists users a page at a time, filtered as get_users filters
// them and by lock, expiry and organization. Pages follow one another by
// the last user's place (keyset), so that a page costs the same at any
// depth.
func (c *console) handleUsers() authedHandler {
	return func(pg *page) error {
		q := pg.r.URL.Query()
		v := usersView{Name: strings.TrimSpace(q.Get("name")), Domain: strings.TrimSpace(q.Get("domain")),
			Role: strings.TrimSpace(q.Get("role")), Locked: q.Get("locked"), Expired: q.Get("expired"),
			Tenant:    strings.TrimSpace(q.Get("tenant")),
			CanCreate: c.svc.May(pg.p, iam.ActCreate, iam.KindUser), SeesTenants: c.svc.May(pg.p, iam.ActRead, iam.KindTenant)}
		uq := v.query()
		after, err := parseCursor(q.Get("after"))
		if err != nil {
			return err
		}
		uq.After = after
		users, err := c.svc.ListUsers(pg.r.Context(), pg.p, uq)
		if err != nil {
			return err
		}
		if len(users) > usersPageSize {
			users = users[:usersPageSize]
			last := users[len(users)-1]
			v.Next = v.url(&store.UserCursor{CreatedMsecs: last.CreatedMsecs, SID: last.SID})
		}
		if after != nil {
			v.First = v.url(nil)
		}
		v.Users = users
		c.render(pg.w, pg.r, http.StatusOK, "users", pg, v)
		return nil
	}
}

// query is the service's query of v's filters, a page and one more user
// long, to tell whether another page follows.
func (v usersView) query() iam.UserQuery {
	uq := iam.UserQuery{Domain: v.Domain, Limit: usersPageSize + 1,
		Locked: yesNo(v.Locked), Expired: yesNo(v.Expired)}
	if v.Name != "" {
		uq.Usernames, uq.MatchPartialNames = []string{v.Name}, true
	}
	if v.Role != "" {
		uq.Roles = []string{v.Role}
	}
	if v.Tenant != "" {
		uq.Scope.TenantIDs = []string{v.Tenant}
	}
	return uq
}

// url is the list's URL with v's filters, from after.
func (v usersView) url(after *store.UserCursor) string {
	q := url.Values{}
	for k, s := range map[string]string{"name": v.Name, "domain": v.Domain, "role": v.Role,
		"locked": v.Locked, "expired": v.Expired, "tenant": v.Tenant} {
		if s != "" {
			q.Set(k, s)
		}
	}
	if after != nil {
		q.Set("after", strconv.FormatInt(after.CreatedMsecs, 10)+"."+after.SID)
	}
	if len(q) == 0 {
		return "/users"
	}
	return "/users?" + q.Encode()
}

// parseCursor reads an after parameter, "created.sid"; "" is the first
// page.
func parseCursor(s string) (*store.UserCursor, error) {
	if s == "" {
		return nil, nil
	}
	ms, sid, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || sid == "" {
		return nil, &iam.Error{Kind: iam.KindInvalid, Msg: "after: not a place in the list; start from the first page"}
	}
	return &store.UserCursor{CreatedMsecs: n, SID: sid}, nil
}

// yesNo reads a yes/no filter: nil for anything else (any).
func yesNo(s string) *bool {
	switch s {
	case "yes":
		return ptrTo(true)
	case "no":
		return ptrTo(false)
	}
	return nil
}
