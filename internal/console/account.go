package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/mfa"
)

// accountView is the logged-in user's own page. An enrolment session
// (p.MFAEnrolOnly) may only enrol a second factor: it sees only that.
type accountView struct {
	EnrolOnly bool
	Sessions  int64
	Keys      []iam.APIKey
	// CanEnrol: MFA is on and takes an authenticator app.
	CanEnrol                  bool
	PasswordError, KeyError   string
	EnrolError, SessionsError string
	KeyName                   string
}

// accountPage reads what the account page shows of p.
func (c *console) accountPage(pg *page) (accountView, error) {
	ctx, p := pg.r.Context(), pg.p
	v := accountView{EnrolOnly: p.MFAEnrolOnly}
	cfg, err := c.svc.MFAConfig(ctx, p)
	if err != nil {
		return v, err
	}
	v.CanEnrol = cfg.Enabled && cfg.Allows(mfa.TypeTOTP)
	if v.EnrolOnly {
		return v, nil
	}
	counts, err := c.svc.SessionCounts(ctx, p, []string{p.User.SID})
	if err != nil {
		return v, err
	}
	for _, n := range counts {
		v.Sessions += n.Count
	}
	v.Keys, err = c.svc.ListUserAPIKeys(ctx, p, p.User.SID, iam.KeyQuery{})
	return v, err
}

// handleAccount shows the user's own page.
func (c *console) handleAccount() authedHandler {
	return func(pg *page) error {
		v, err := c.accountPage(pg)
		if err != nil {
			return err
		}
		c.render(pg.w, pg.r, http.StatusOK, "account", pg, v)
		return nil
	}
}

// accountRefused shows the account page again with a form's refusal,
// set by mark.
func (c *console) accountRefused(pg *page, mark func(v *accountView, msg string)) func(msg string) any {
	return func(msg string) any {
		v, _ := c.accountPage(pg) // what could be read; the refusal is the news
		mark(&v, msg)
		return v
	}
}

// handlePasswordChange changes the user's own password, given the
// current one; the new one twice guards against a typing slip.
func (c *console) handlePasswordChange() authedHandler {
	return func(pg *page) error {
		r := pg.r
		cur, next := r.PostFormValue("current"), r.PostFormValue("new")
		var err error
		if next != r.PostFormValue("again") {
			err = &iam.Error{Kind: iam.KindInvalid, Msg: "the two new passwords differ"}
		} else {
			err = c.setOwnPassword(pg, cur, next)
		}
		return c.finish(pg, err, "/account", "Your password is changed.", "account",
			c.accountRefused(pg, func(v *accountView, msg string) { v.PasswordError = msg }))
	}
}

// handleEndOtherSessions ends the user's sessions but this one.
func (c *console) handleEndOtherSessions() authedHandler {
	return func(pg *page) error {
		err := c.svc.EndOtherSessions(pg.r.Context(), pg.p)
		return c.finish(pg, err, "/account", "Your other sessions are ended.", "account",
			c.accountRefused(pg, func(v *accountView, msg string) { v.SessionsError = msg }))
	}
}

// handleOwnKeyCreate makes an API key of the user's own and shows its
// secret once, on this answer only.
func (c *console) handleOwnKeyCreate() authedHandler {
	return func(pg *page) error {
		r := pg.r
		in := iam.APIKeyInput{Name: strings.TrimSpace(r.PostFormValue("name"))}
		days, err := formInt(r, "days", 0)
		if err == nil && days > 0 {
			at := c.opts.Now().Add(time.Duration(days) * 24 * time.Hour).UnixMilli()
			in.ExpiryTimeMsecs = &at
		}
		var secret string
		var k iam.APIKey
		if err == nil {
			k, secret, err = c.svc.CreateAPIKey(r.Context(), pg.p, pg.p.User.SID, in)
		}
		if err != nil {
			return c.finish(pg, err, "", "", "account", c.accountRefused(pg, func(v *accountView, msg string) {
				v.KeyError, v.KeyName = msg, in.Name
			}))
		}
		c.render(pg.w, pg.r, http.StatusOK, "secret", pg, secretView{Heading: "Your new API key " + k.Name,
			Note: "Copy it now: it is shown only once.", Secret: secret, Back: "/account"})
		return nil
	}
}

// handleTOTPEnrol makes a TOTP key for the user and shows its secret and
// otpauth URI once. It is pending until a log-in with one of its codes.
func (c *console) handleTOTPEnrol() authedHandler {
	return func(pg *page) error {
		info, err := c.svc.CreateTOTPKey(pg.r.Context(), pg.p, strings.TrimSpace(pg.r.PostFormValue("name")))
		if err != nil {
			return c.finish(pg, err, "", "", "account", c.accountRefused(pg, func(v *accountView, msg string) { v.EnrolError = msg }))
		}
		c.render(pg.w, pg.r, http.StatusOK, "secret", pg, secretView{Heading: "Your authenticator key " + info.Name,
			Note:   "Add it to your authenticator app now: it is shown only once. It takes effect at your next log-in with one of its codes.",
			Secret: info.Secret, URI: info.URI, Back: "/account"})
		return nil
	}
}
