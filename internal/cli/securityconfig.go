package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

// secSetting is a setting `security-config set` changes: a flag, and the
// field of SecurityConfig it sets, as a dotted path.
type secSetting struct {
	flag, field, help string
	isBool            bool
}

// secSettings are the settings that take effect (docs/security-config.md),
// in the order the table lists them.
var secSettings = []secSetting{
	{"min-length", "passwordStrength.minLength", "a new password's least length (8 to 128)", false},
	{"include-upper", "passwordStrength.includeUpperLetter", "a new password must hold an uppercase letter", true},
	{"include-lower", "passwordStrength.includeLowerLetter", "a new password must hold a lowercase letter", true},
	{"include-number", "passwordStrength.includeNumber", "a new password must hold a digit", true},
	{"include-special", "passwordStrength.includeSpecialChar", "a new password must hold a special character", true},
	{"disallowed-old-passwords", "passwordReuse.numDisallowedOldPasswords", "a new password may not be the current one or the N-1 before it (0 to 24; 0 is off)", false},
	{"different-chars", "passwordReuse.numDifferentChars", "characters a user's new password must hold that the current one lacks (0 to 128)", false},
	{"min-lifetime-days", "passwordLifetime.minLifetimeDays", "days before users may change their password again (0 to 365)", false},
	{"max-lifetime-days", "passwordLifetime.maxLifetimeDays", "days after which a password must be changed (1 to 365)", false},
	{"max-failed-logins", "accountLockout.maxFailedLoginAttempts", "failed log-ins that lock an account (1 to 100)", false},
	{"lockout-mins", "accountLockout.failedLoginLockTimeDurationMins", "minutes in which failures add up, and the lock's length (1 to 1440)", false},
	{"inactivity-lock-days", "accountLockout.inactivityTimeDays", "days unused after which a LOCAL user is locked (1 to 365)", false},
	{"session-timeout-secs", "sessionConfiguration.absoluteTimeout", "lifetime of a new session, in seconds (60 to 43200)", false},
	{"session-idle-secs", "sessionConfiguration.inactivityTimeout", "seconds unused after which a session or access token ends (60 to 43200)", false},
	{"limit-sessions", "sessionConfiguration.limitSessions", "apply the two session limits", true},
	{"session-limit-per-user", "sessionConfiguration.sessionLimitPerUser", "sessions a user may hold; more end its oldest (1 to 10000)", false},
	{"session-limit-system-wide", "sessionConfiguration.sessionLimitSystemWide", "sessions the cluster holds; more log-ins are refused (1 to 10000000)", false},
	{"token-timeout-mins", "authTokenTimeoutMinutes", "lifetime of a new access token, in minutes (1 to 720)", false},
}

// securityConfigCmd is `clusteriam security-config`: get and
// update_security_config.
func (a *app) securityConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "security-config",
		Short:   "Show or change the cluster's password, lock-out and session settings",
		Example: "  clusteriam security-config get\n  clusteriam security-config set --min-length 14",
	}
	get := &cobra.Command{
		Use:     "get",
		Short:   "Show the security settings",
		Long:    `Show the security settings; a setting shown as "off" is not set.`,
		Example: "  clusteriam security-config get\n  clusteriam security-config get -o json",
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			res, err := s.c.GetSecurityConfigWithResponse(background(cmd))
			if err != nil {
				return err
			}
			return a.printSecurityConfig(res.JSON200)
		}),
	}
	cmd.AddCommand(get, a.securityConfigSetCmd())
	return cmd
}

// securityConfigSetCmd is update_security_config, with a flag per
// setting of secSettings.
func (a *app) securityConfigSetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Change security settings; only the flags given change",
		Long: `Change security settings: only the flags given change, as the operation leaves
the settings it is not sent as they are. The server refuses a value out of range,
naming the setting and its range. docs/security-config.md says what each does.
A setting that is off when not set (--max-lifetime-days, --max-failed-logins,
--inactivity-lock-days, --session-idle-secs) cannot be turned off again through
the API.`,
		Example: `  clusteriam security-config set --min-length 14 --disallowed-old-passwords 5
  clusteriam security-config set --max-failed-logins 5 --lockout-mins 30
  clusteriam security-config set --limit-sessions --session-limit-per-user 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := securityUpdate(cmd)
			if err != nil {
				return err
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			res, err := s.c.UpdateSecurityConfigWithBodyWithResponse(background(cmd), "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			return a.printSecurityConfig(res.JSON200)
		},
	}
	fl := cmd.Flags()
	for _, st := range secSettings {
		help := st.help + " [" + st.field + "]"
		if st.isBool {
			fl.Bool(st.flag, false, help)
		} else {
			fl.Int64(st.flag, 0, help)
		}
	}
	return cmd
}

// securityUpdate is the body of update_security_config that sets the
// flags given, and them only: the server leaves the fields it is not sent
// as they are, so no setting changed meanwhile by someone else is undone.
func securityUpdate(cmd *cobra.Command) ([]byte, error) {
	fl := cmd.Flags()
	body := map[string]any{}
	for _, st := range secSettings {
		if !fl.Changed(st.flag) {
			continue
		}
		var v any
		var err error
		if st.isBool {
			v, err = fl.GetBool(st.flag)
		} else {
			v, err = fl.GetInt64(st.flag)
		}
		if err != nil {
			return nil, err
		}
		setPath(body, st.field, v)
	}
	if len(body) == 0 {
		return nil, usageErr("nothing to change: give at least one setting's flag (see --help)")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("security-config: %w", err)
	}
	return b, nil
}

// setPath sets the field at dotted path in the nested object m.
func setPath(m map[string]any, path string, v any) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		m[head] = v
		return
	}
	sub, ok := m[head].(map[string]any)
	if !ok {
		sub = map[string]any{}
		m[head] = sub
	}
	setPath(sub, rest, v)
}

// printSecurityConfig prints the settings: for the table, those of
// secSettings in their order ("off" when not set), then the others the
// server keeps without effect.
func (a *app) printSecurityConfig(c *client.SecurityConfigResponse) error {
	flat, err := flatten(c)
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(flat))
	for _, st := range secSettings {
		v, ok := flat[st.field]
		if !ok {
			v = "off"
		}
		rows = append(rows, []string{st.field, v})
		delete(flat, st.field)
	}
	rest := make([]string, 0, len(flat))
	for k := range flat {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		rows = append(rows, []string{k, flat[k]})
	}
	return a.printSettings(c, rows)
}

// flatten is v's JSON as dotted paths and their values.
func flatten(v any) (map[string]string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // 10000000, not 1e+07
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		obj, ok := v.(map[string]any)
		if !ok {
			out[prefix] = fmt.Sprint(v)
			return
		}
		for k, x := range obj {
			walk(strings.TrimPrefix(prefix+"."+k, "."), x)
		}
	}
	walk("", doc)
	return out, nil
}

// printSettings prints v, a configuration, as a's -o asks; the table
// lists rows as settings and values.
func (a *app) printSettings(v any, rows [][]string) error {
	return a.print(v, []string{"SETTING", "VALUE"}, func() [][]string { return rows })
}
