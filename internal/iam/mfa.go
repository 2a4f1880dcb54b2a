package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/mail"
	"github.com/clusteriam/clusteriam/internal/mfa"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Second factors: the cluster's MFA setting, enrolment of TOTP keys,
// e-mailed codes and an administrator's reset. The log-in side is
// mfalogin.go.

// Mailer sends one e-mail. Its errors mean the mail server could not take
// the message.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

const (
	mfaConfigSetting = "mfa_config"
	// enrolTTL is how long an enrolment session lives.
	enrolTTL = 10 * time.Minute
	// DefaultEmailCodesPerHour bounds the codes e-mailed to one user in
	// an hour.
	DefaultEmailCodesPerHour = 5
	maxTOTPKeyNameLen        = 128
)

// errEnrolOnly refuses everything but enrolment to an enrolment session;
// the wording is the vendor's.
var errEnrolOnly = &Error{Kind: KindUnauthenticated, Code: CodeMFAEnrolmentRequired,
	Msg: "only multi-factor authentication (MFA) related operations are allowed with this session: enrol a TOTP key with POST /v2/totp-key, then log in again with otpCode and otpType"}

// defaultMFATypes are the factors offered when the setting names none:
// TOTP, and e-mail when a mail server is configured.
func (s *Service) defaultMFATypes() []string {
	if s.mailer == nil {
		return []string{mfa.TypeTOTP}
	}
	return []string{mfa.TypeTOTP, mfa.TypeEmail}
}

// mfaConfig reads the MFA setting through r: off, with the default
// factors, until an administrator sets it.
func (s *Service) mfaConfig(ctx context.Context, r store.Reader) (mfa.Config, error) {
	b, err := r.GetSetting(ctx, mfaConfigSetting)
	if errors.Is(err, store.ErrNotFound) {
		return mfa.Config{Types: s.defaultMFATypes()}, nil
	}
	if err != nil {
		return mfa.Config{}, err
	}
	return mfa.DecodeConfig(b)
}

// MFAConfig returns the cluster's MFA setting. Anyone logged in may read
// it, as on the vendor's clusters.
func (s *Service) MFAConfig(ctx context.Context, p *Principal) (mfa.Config, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindMFAConfig}); err != nil {
		return mfa.Config{}, err
	}
	return s.mfaConfig(ctx, s.store)
}

// MFAConfigInput is a new MFA setting; it replaces the old one whole.
type MFAConfigInput struct {
	Enabled bool
	// Types nil or empty: the default factors.
	Types  []string
	Retain bool
}

// checkTypes validates the factors of a new setting.
func (s *Service) checkTypes(types []string) ([]string, error) {
	if len(types) == 0 {
		return s.defaultMFATypes(), nil
	}
	var out []string
	for _, t := range types {
		switch t {
		case mfa.TypeTOTP:
		case mfa.TypeEmail:
			if s.mailer == nil {
				return nil, invalid("authenticationTypes: email needs a mail server, and none is configured (clusteriam serve --smtp-url)")
			}
		case mfa.TypeSalesforce:
			return nil, invalid("authenticationTypes: salesforce is not supported by this cluster; use totp or email")
		default:
			return nil, invalid("authenticationTypes: %q is not one of email, totp", t)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// SetMFAConfig replaces the cluster's MFA setting. Unless Retain is set,
// turning MFA on or off erases every user's factors, as the vendor's
// retainUserMfaSettings says.
func (s *Service) SetMFAConfig(ctx context.Context, p *Principal, in MFAConfigInput) (mfa.Config, error) {
	types, err := s.checkTypes(in.Types)
	if err != nil {
		return mfa.Config{}, s.refused(ctx, p, "update_mfa_config", err)
	}
	cfg := mfa.Config{Enabled: in.Enabled, Types: types, RetainUserSettings: in.Retain}
	err = s.write(ctx, p, "update_mfa_config", func(t *txn) error {
		if err := s.decide(p, ActChangeProfile, Target{Kind: KindMFAConfig}); err != nil {
			return err
		}
		cur, err := s.mfaConfig(ctx, t)
		if err != nil {
			return err
		}
		details := fmt.Sprintf("enabled=%t authenticationTypes=%s retainUserMfaSettings=%t",
			cfg.Enabled, strings.Join(cfg.Types, ","), cfg.RetainUserSettings)
		if cur.Enabled != cfg.Enabled && !cfg.RetainUserSettings {
			n, err := t.DeleteUserMFA(ctx, "")
			if err != nil {
				return err
			}
			details += fmt.Sprintf("; the factors of %d users erased", n)
		}
		t.audit(ctx, "update_mfa_config", mfaConfigSetting, "mfa-config", details)
		return t.PutSetting(ctx, mfaConfigSetting, cfg.Encode())
	})
	return cfg, err
}

// TOTPKeyInfo is a TOTP key just enrolled; Secret and URI are shown once.
type TOTPKeyInfo struct {
	ID, Name, Secret, URI string
}

// totpAAD binds a sealed TOTP secret to its user and key.
func totpAAD(sid, keyID string) []byte { return []byte("totp\x00" + sid + "\x00" + keyID) }

// CreateTOTPKey enrols a new TOTP key for the caller. It is pending until
// a log-in with a code from it, which makes it the key in use; until then
// the key in use, if any, still serves, so that a key enrolled but never
// loaded into an app locks nobody out.
func (s *Service) CreateTOTPKey(ctx context.Context, p *Principal, name string) (TOTPKeyInfo, error) {
	if name == "" {
		name = "TOTP key"
	}
	if len(name) > maxTOTPKeyNameLen || strings.ContainsFunc(name, isControl) {
		return TOTPKeyInfo{}, s.refused(ctx, p, "create_totp_key",
			invalid("totpKeyName must be at most %d bytes, without control characters", maxTOTPKeyNameLen))
	}
	u := p.User
	id, err := auth.NewID()
	if err != nil {
		return TOTPKeyInfo{}, err
	}
	// The app shows the account by name; a principal always has one, but
	// the sid serves should a caller pass one without.
	key, err := mfa.NewTOTPKey(s.totpIssuer(), cmp.Or(u.Username, u.SID))
	if err != nil {
		return TOTPKeyInfo{}, err
	}
	sealed, err := s.box.Seal([]byte(key.Secret), totpAAD(u.SID, id))
	if err != nil {
		return TOTPKeyInfo{}, err
	}
	err = s.write(ctx, p, "create_totp_key", func(t *txn) error {
		if err := s.decide(p, ActEnrolFactor, p.selfTarget()); err != nil {
			return err
		}
		cfg, err := s.mfaConfig(ctx, t)
		if err != nil {
			return err
		}
		if cfg.Enabled && !cfg.Allows(mfa.TypeTOTP) {
			return invalid("TOTP is not among the factors of this cluster (authenticationTypes: %s)", strings.Join(cfg.Types, ", "))
		}
		now := s.nowMsecs()
		if _, err := t.UpdateUserMFA(ctx, u.SID, func(m store.UserMFA) (store.UserMFA, error) {
			m.PendingKeyID, m.PendingKeyName, m.PendingSecretEnc, m.PendingCreatedMsecs = id, name, sealed, now
			m.UpdatedMsecs = now
			return m, nil
		}); err != nil {
			return err
		}
		t.audit(ctx, "create_totp_key", u.SID, domainUser(u.Domain, u.Username),
			fmt.Sprintf("key %s (%s), in use after its first code", id, name))
		return nil
	})
	if err != nil {
		return TOTPKeyInfo{}, err
	}
	return TOTPKeyInfo{ID: id, Name: name, Secret: key.Secret, URI: key.URI}, nil
}

// totpIssuer names the cluster in authenticator apps.
func (s *Service) totpIssuer() string {
	return fmt.Sprintf("clusteriam %d", s.cluster.ClusterID)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// SendEmailCode e-mails a one-time code to the caller.
func (s *Service) SendEmailCode(ctx context.Context, p *Principal) error {
	if err := s.decide(p, ActEnrolFactor, p.selfTarget()); err != nil {
		return s.refused(ctx, p, "send_email_otp", err)
	}
	return s.sendEmailCode(ctx, p.User)
}

// SendEmailCodeFor checks the password of the account in, as a log-in
// does, and e-mails a one-time code to it: the step before a log-in with
// otpType email, when no session exists yet. A right password settles
// nothing but the check's reservation: it does not clear failed codes.
func (s *Service) SendEmailCodeFor(ctx context.Context, in LoginInput) error {
	if err := checkLoginInput(in); err != nil {
		return err
	}
	c, err := s.checkPassword(ctx, in)
	if err != nil {
		s.loginFailed(ctx, in, err)
		if errors.Is(err, errBadLogin) {
			err = errBadLogin
		}
		return err
	}
	if c.reserved {
		s.releaseLater(c.user.SID)
	}
	return s.sendEmailCode(ctx, c.user)
}

// sendEmailCode stores a new code for u, within the hourly limit, and
// e-mails it. The code is stored first: one that was never delivered
// does no harm, and one delivered must be there to check.
func (s *Service) sendEmailCode(ctx context.Context, u store.User) error {
	cfg, err := s.mfaConfig(ctx, s.store)
	if err != nil {
		return err
	}
	switch {
	case s.mailer == nil || !cfg.Allows(mfa.TypeEmail):
		return invalid("e-mailed codes are not among the factors of this cluster (authenticationTypes: %s)", strings.Join(cfg.Types, ", "))
	case u.Email == "":
		return invalid("%s has no e-mail address to send a code to; an administrator must set one", domainUser(u.Domain, u.Username))
	}
	code, err := mfa.NewEmailCode()
	if err != nil {
		return err
	}
	tag := s.box.CodeTag(u.SID, code)
	err = s.write(ctx, nil, "send_email_otp", func(t *txn) error {
		t.p = &Principal{User: u}
		now := s.nowMsecs()
		_, err := t.UpdateUserMFA(ctx, u.SID, func(m store.UserMFA) (store.UserMFA, error) {
			if now-m.EmailSendsSinceMsecs >= time.Hour.Milliseconds() {
				m.EmailSends, m.EmailSendsSinceMsecs = 0, now
			}
			if m.EmailSends >= int64(s.emailPerHour) {
				wait := time.Duration(m.EmailSendsSinceMsecs+time.Hour.Milliseconds()-now) * time.Millisecond
				return m, &Error{Kind: KindTooMany, Retry: wait,
					Msg: fmt.Sprintf("%d codes were e-mailed to this account in the last hour, the most allowed; retry in %d min", m.EmailSends, max(1, int64(wait/time.Minute)))}
			}
			m.EmailSends++
			m.EmailCodeHash, m.EmailCodeExpiresMsecs, m.UpdatedMsecs = tag, now+mfa.CodeTTL.Milliseconds(), now
			return m, nil
		})
		t.audit(ctx, "send_email_otp", u.SID, domainUser(u.Domain, u.Username), "a one-time code e-mailed")
		return err
	})
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Your clusteriam log-in code is %s.\r\n\r\nIt is good for %d minutes, once. If you did not try to log in, tell your administrator: someone knows your password.\r\n",
		code, int(mfa.CodeTTL/time.Minute))
	err = s.mailer.Send(ctx, u.Email, "Your clusteriam log-in code", body)
	if errors.Is(err, mail.ErrBadAddress) {
		return &Error{Kind: KindInvalid, Err: err,
			Msg: fmt.Sprintf("the mail server refused the e-mail address of %s; an administrator must correct it", domainUser(u.Domain, u.Username))}
	}
	if err != nil {
		return &Error{Kind: KindUnavailable, Retry: 30 * time.Second, Err: err,
			Msg: "the mail server is unavailable: no code was sent; retry shortly"}
	}
	return nil
}

// ResetMFA erases the second factors of user sid and ends its sessions:
// its next log-in enrols anew. It is the way back for a user who lost its
// authenticator; the vendor's model has no recovery codes.
func (s *Service) ResetMFA(ctx context.Context, p *Principal, sid string) error {
	return s.write(ctx, p, "reset_mfa", func(t *txn) error {
		target, err := s.decideOnUser(ctx, t, p, sid, ActResetFactors, ActEndSessions)
		if err != nil {
			return err
		}
		if _, err := t.DeleteUserMFA(ctx, sid); err != nil {
			return err
		}
		n, err := t.DeleteSessions(ctx, sid, nil)
		if err != nil {
			return err
		}
		t.audit(ctx, "reset_mfa", sid, target.Name, fmt.Sprintf("second factors erased, %d sessions ended", n))
		return nil
	})
}
