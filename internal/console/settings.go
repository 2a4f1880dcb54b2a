package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/mfa"
	"github.com/clusteriam/clusteriam/internal/secconfig"
)

// mfaView is the MFA setting and the form that changes it.
type mfaView struct {
	Config    mfa.Config
	AllTypes  []string
	CanChange bool
	Error     string
}

// handleMFA shows the cluster's MFA setting.
func (c *console) handleMFA() authedHandler {
	return func(pg *page) error {
		cfg, err := c.svc.MFAConfig(pg.r.Context(), pg.p)
		if err != nil {
			return err
		}
		c.render(pg.w, pg.r, http.StatusOK, "mfa", pg, c.mfaView(pg, cfg))
		return nil
	}
}

func (c *console) mfaView(pg *page, cfg mfa.Config) mfaView {
	return mfaView{Config: cfg, AllTypes: []string{mfa.TypeTOTP, mfa.TypeEmail},
		CanChange: c.svc.May(pg.p, iam.ActChangeProfile, iam.KindMFAConfig)}
}

// handleMFASave changes the MFA setting as the form says.
func (c *console) handleMFASave() authedHandler {
	return func(pg *page) error {
		r := pg.r
		in := iam.MFAConfigInput{Enabled: r.PostFormValue("enabled") == "1", Types: r.PostForm["types"],
			Retain: r.PostFormValue("retain") == "1"}
		_, err := c.svc.SetMFAConfig(r.Context(), pg.p, in)
		return c.finish(pg, err, "/settings/mfa", "The MFA setting is saved.", "mfa", func(msg string) any {
			v := c.mfaView(pg, mfa.Config{Enabled: in.Enabled, Types: in.Types, RetainUserSettings: in.Retain})
			v.Error = msg
			return v
		})
	}
}

// securityView is the security settings, and the few the form changes.
type securityView struct {
	Config                         secconfig.Config
	Settings                       []setting // Config, flattened to show
	MinLength, MaxFailed, IdleSecs string    // the form's fields, as typed
	CanChange                      bool
	Error                          string
}

// handleSecurity shows the security settings.
func (c *console) handleSecurity() authedHandler {
	return func(pg *page) error {
		cfg, err := c.svc.SecurityConfig(pg.r.Context(), pg.p)
		if err != nil {
			return err
		}
		v := securityView{Config: cfg, CanChange: c.svc.May(pg.p, iam.ActChangeProfile, iam.KindSecurityConfig)}
		if ps := cfg.PasswordStrength; ps != nil {
			v.MinLength = numText(ps.MinLength)
		}
		if al := cfg.AccountLockout; al != nil {
			v.MaxFailed = numText(al.MaxFailedLoginAttempts)
		}
		if sc := cfg.SessionConfiguration; sc != nil {
			v.IdleSecs = numText(sc.InactivityTimeout)
		}
		v.Settings = flatten(cfg)
		c.render(pg.w, pg.r, http.StatusOK, "security", pg, v)
		return nil
	}
}

// handleSecuritySave sets the minimum password length, the lock-out
// threshold and the session inactivity timeout: only those fields, so
// that the service's sparse update leaves every other as it is.
func (c *console) handleSecuritySave() authedHandler {
	return func(pg *page) error {
		r := pg.r
		v := securityView{MinLength: r.PostFormValue("minLength"), MaxFailed: r.PostFormValue("maxFailed"),
			IdleSecs: r.PostFormValue("idleSecs"), CanChange: true}
		upd, err := securityUpdate(r)
		if err == nil {
			_, err = c.svc.SetSecurityConfig(r.Context(), pg.p, upd)
		}
		return c.finish(pg, err, "/settings/security", "The security settings are saved.", "security", func(msg string) any {
			if cfg, err := c.svc.SecurityConfig(r.Context(), pg.p); err == nil {
				v.Config, v.Settings = cfg, flatten(cfg)
			}
			v.Error = msg
			return v
		})
	}
}

// securityUpdate is the sparse update of the form's fields; an empty
// field changes nothing.
func securityUpdate(r *http.Request) (secconfig.Config, error) {
	var upd secconfig.Config
	for _, f := range []struct {
		name string
		set  func(n int64)
	}{
		{"minLength", func(n int64) { upd.PasswordStrength = &secconfig.PasswordStrength{MinLength: &n} }},
		{"maxFailed", func(n int64) { upd.AccountLockout = &secconfig.AccountLockout{MaxFailedLoginAttempts: &n} }},
		{"idleSecs", func(n int64) { upd.SessionConfiguration = &secconfig.SessionConfiguration{InactivityTimeout: &n} }},
	} {
		if r.PostFormValue(f.name) == "" {
			continue
		}
		n, err := formInt(r, f.name, 0)
		if err != nil {
			return upd, err
		}
		f.set(n)
	}
	return upd, nil
}

// numText is *n as text, "" for nil.
func numText(n *int64) string {
	if n == nil {
		return ""
	}
	return itoa(*n)
}

// setting is one security setting as the page lists it.
type setting struct{ Name, Value string }

// flatten lists cfg's settings by their API names ("passwordStrength.
// minLength"), sorted: every field, including those the form leaves.
func flatten(cfg secconfig.Config) []setting {
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	var out []setting
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				walk(prefix+k+".", x)
			}
			return
		}
		out = append(out, setting{prefix[:len(prefix)-1], fmt.Sprint(v)})
	}
	walk("", m)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
