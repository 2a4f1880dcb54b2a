package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
)

// keysPageSize bounds the keys a list shows.
const keysPageSize = 200

// keysView is the list of every user's API keys p may read.
type keysView struct {
	Expiring          string // days, as typed ("7d" or "7")
	Inactive, Expired bool
	Keys              []iam.APIKey
	More              bool
	Now               int64
	CanRevoke         bool
	CanMint           bool
	CSRF              string // for the forms of the rows, a template of their own
	Error             string
}

// handleAPIKeys lists keys across users, filtered: expiring within N
// days, inactive, expired.
func (c *console) handleAPIKeys() authedHandler {
	return func(pg *page) error {
		v, status, err := c.listKeys(pg)
		if err != nil {
			return err
		}
		c.render(pg.w, pg.r, status, "apikeys", pg, v)
		return nil
	}
}

// listKeys reads the list's filters and keys; a malformed filter is a
// 400 with its message beside the filters.
func (c *console) listKeys(pg *page) (keysView, int, error) {
	q := pg.r.URL.Query()
	v := keysView{Expiring: q.Get("expiring"), Inactive: q.Get("inactive") == "1", Expired: q.Get("expired") == "1",
		Now: c.opts.Now().UnixMilli(), CanRevoke: c.svc.May(pg.p, iam.ActRevokeCredential, iam.KindUser),
		CanMint: c.svc.May(pg.p, iam.ActMintCredential, iam.KindUser), CSRF: csrfToken(pg.secret)}
	days, err := parseDays(v.Expiring)
	if status, msg, ok := c.refusal(pg.r, err); ok {
		v.Error = msg
		return v, status, nil
	}
	var kq iam.KeyQuery
	if v.Inactive {
		kq.IsActive = new(bool)
	}
	if v.Expired {
		yes := true
		kq.IsExpired = &yes
	}
	keys, err := c.svc.ListAllAPIKeys(pg.r.Context(), pg.p, kq)
	if err != nil {
		return v, 0, err
	}
	for _, k := range keys {
		if days > 0 && !expiresWithin(k, v.Now, days) {
			continue
		}
		if len(v.Keys) == keysPageSize {
			v.More = true
			break
		}
		v.Keys = append(v.Keys, k)
	}
	return v, http.StatusOK, nil
}

// parseDays reads "7d" or "7" as 7; "" is 0, no filter.
func parseDays(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "d"))
	if err != nil || n < 1 || n > 3650 {
		return 0, &iam.Error{Kind: iam.KindInvalid, Msg: "expiring must be a number of days from 1 to 3650, like 7d"}
	}
	return n, nil
}

// expiresWithin reports whether active key k expires after now and
// within days of it.
func expiresWithin(k iam.APIKey, now int64, days int) bool {
	e := k.ExpiryTimeMsecs
	return k.IsActive && e != nil && *e > now && *e <= now+int64(days)*int64(24*time.Hour/time.Millisecond)
}

// secretView shows a secret once, with a button that copies it.
type secretView struct {
	Heading, Note string
	Secret, URI   string
	Back          string
}

// keyBack is where an action on a key of user sid goes back to: back,
// or, when empty, the user's page.
func keyBack(back, sid string) string {
	if back == "" {
		return "/users/" + sid
	}
	return back
}

// handleKeyRotate gives key {id} of user {sid} a new secret, shown once
// on this answer and nowhere else; back is the page to return to ("":
// the user's).
func (c *console) handleKeyRotate(back string) authedHandler {
	return func(pg *page) error {
		sid := pg.r.PathValue("sid")
		if sid == "" {
			sid = pg.p.User.SID // one's own, from the account page
		}
		back := keyBack(back, sid)
		k, secret, err := c.svc.RotateAPIKey(pg.r.Context(), pg.p, sid, pg.r.PathValue("id"))
		if err != nil {
			return err
		}
		c.render(pg.w, pg.r, http.StatusOK, "secret", pg, secretView{Heading: "The new secret of API key " + k.Name,
			Note: "Copy it now: it is shown only once. The old secret no longer works.", Secret: secret, Back: back})
		return nil
	}
}

// handleKeyDeactivate deactivates key {id} of user {sid}; the service
// takes the key's whole name with any change, so it is read first.
func (c *console) handleKeyDeactivate(back string) authedHandler {
	return func(pg *page) error {
		ctx, sid, id := pg.r.Context(), pg.r.PathValue("sid"), pg.r.PathValue("id")
		if sid == "" {
			sid = pg.p.User.SID
		}
		back := keyBack(back, sid)
		k, err := c.svc.GetAPIKey(ctx, pg.p, sid, id)
		if err != nil {
			return err
		}
		_, err = c.svc.UpdateAPIKey(ctx, pg.p, sid, id, iam.APIKeyInput{Name: k.Name, IsActive: new(bool)})
		if err != nil {
			return err
		}
		seeOther(pg, back, "API key "+k.Name+" deactivated.")
		return nil
	}
}
