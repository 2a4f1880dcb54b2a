package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/clusteriam/clusteriam/internal/clientaddr"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/loginlimit"
)

// handleUserPassword sets a user's password; one's own takes the
// current one (see setOwnPassword).
func (c *console) handleUserPassword() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		next := pg.r.PostFormValue("password")
		if pg.r.PathValue("sid") == pg.p.User.SID {
			return userBack(pg), "Password set.", c.setOwnPassword(pg, pg.r.PostFormValue("current"), next)
		}
		return userBack(pg), "Password set.", c.update(pg, iam.UserUpdate{Password: &next})
	}, c.showUserError)
}

// setOwnPassword changes the caller's password, given the current one,
// which iam checks. That check is a password guess, so it spends the
// log-in limiter's token for the account, as the API's does.
func (c *console) setOwnPassword(pg *page, current, next string) error {
	if len(current) > iam.MaxLoginPasswordLen {
		return &iam.Error{Kind: iam.KindInvalid, Msg: "The current password is too long."}
	}
	release, err := c.reserveCheck(pg)
	if err != nil {
		return err
	}
	_, err = c.svc.UpdateUser(pg.r.Context(), pg.p, pg.p.User.SID, iam.UserUpdate{Password: &next, CurrentPassword: &current})
	release(err == nil)
	return err
}

// reserveCheck takes the limiter's token for a check of the caller's own
// password, or says how long to wait.
func (c *console) reserveCheck(pg *page) (func(ok bool), error) {
	addr := loginlimit.LimitedAddr(clientaddr.Of(pg.r, c.opts.TrustedProxies))
	release, wait, ok := c.opts.Limiter.Reserve(addr, loginlimit.AccountKey(pg.p.User.Domain, pg.p.User.Username))
	if !ok {
		return nil, &iam.Error{Kind: iam.KindTooMany, Retry: wait, Msg: "Too many failed password checks: wait a minute and try again."}
	}
	return release, nil
}

// handleEndSessions ends every session of a user.
func (c *console) handleEndSessions() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		err := c.svc.DeleteSessions(pg.r.Context(), pg.p, pg.r.PathValue("sid"))
		return userBack(pg), "Sessions ended.", err
	}, nil)
}

// handleRevoke ends a user's sessions and deactivates its API keys.
func (c *console) handleRevoke() authedHandler {
	return c.act(func(pg *page) (string, string, error) {
		err := c.svc.RevokeCredentials(pg.r.Context(), pg.p, pg.r.PathValue("sid"))
		return userBack(pg), "Credentials revoked.", err
	}, nil)
}

// handleS3Key makes a new S3 secret and shows it this once: on the page
// the POST answers, never in a URL.
func (c *console) handleS3Key() authedHandler {
	return func(pg *page) error {
		secret, err := c.svc.RegenerateS3Key(pg.r.Context(), pg.p, pg.r.PathValue("sid"))
		if err != nil {
			return err
		}
		return c.showUser(pg, http.StatusOK, userView{Secret: secret, SecretWhat: "The new S3 secret key"})
	}
}

// handleKeyCreate makes an API key of the user, shown this once; a name
// the service refuses shows on the page.
func (c *console) handleKeyCreate() authedHandler {
	return func(pg *page) error {
		in := iam.APIKeyInput{Name: strings.TrimSpace(pg.r.PostFormValue("name"))}
		if days, err := strconv.Atoi(pg.r.PostFormValue("days")); err == nil && days > 0 {
			in.ExpiryTimeMsecs = ptrTo(c.opts.Now().AddDate(0, 0, days).UnixMilli())
		}
		k, secret, err := c.svc.CreateAPIKey(pg.r.Context(), pg.p, pg.r.PathValue("sid"), in)
		if err != nil {
			if inlineKind(err) {
				status, msg := c.serviceMsg(pg.r, err)
				return c.showUser(pg, status, userView{Error: msg})
			}
			return err
		}
		return c.showUser(pg, http.StatusOK, userView{Secret: secret, SecretWhat: "API key " + k.Name})
	}
}

// handleDeleteUser deletes a user once its confirmation page is
// submitted; a first POST (or a GET) shows that page.
func (c *console) handleDeleteUser() authedHandler {
	return func(pg *page) error {
		u, err := c.svc.GetUser(pg.r.Context(), pg.p, pg.r.PathValue("sid"))
		if err != nil {
			return err
		}
		v := confirmView{What: "user", Name: u.Domain + `\` + u.Username, Action: "/users/" + u.SID + "/delete", Back: "/users/" + u.SID}
		if !c.confirmed(pg, v) {
			return nil
		}
		if err := c.svc.DeleteUsers(pg.r.Context(), pg.p, []string{u.SID}); err != nil {
			return err
		}
		seeOther(pg, "/users", "User deleted.")
		return nil
	}
}
