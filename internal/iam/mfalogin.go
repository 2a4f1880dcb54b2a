package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/mfa"
	"github.com/clusteriam/clusteriam/internal/store"
)

// The second step of a log-in, once the password (or certificate) is
// right. While the cluster requires MFA, a log-in opens a session only
// with a valid one-time code; a user who has no factor yet gets an
// enrolment session instead, which can do nothing but enrol one (the
// vendor's "only MFA related operations are allowed in this state").
// Access tokens cannot carry a code, so they are refused; API keys stay
// single-factor, for machines.
//
// A code is checked twice: once before the transaction, to choose the
// answer, and for good in the log-in's own transaction, with the user's
// row locked, where accepting it also spends it. So a code is accepted
// once, however many replicas it is sent to at the same moment.

// Error codes of a log-in whose first factor was right and that needs a
// second, or an enrolment first.
const (
	CodeMFARequired          = "MfaRequired"
	CodeMFAEnrolmentRequired = "MfaEnrolmentRequired"
)

// NeedsSecondFactor reports whether err refuses a log-in only for want of
// a second factor: its password or certificate was right.
func NeedsSecondFactor(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Code == CodeMFARequired || e.Code == CodeMFAEnrolmentRequired)
}

// sessionPlan is what a log-in whose first factor is right opens.
type sessionPlan struct {
	kind   string        // store.SessionKind*
	ttl    time.Duration // 0: the service's session lifetime
	factor string        // the second factor checked, "" none
	// spend checks the code and spends it, inside the log-in's
	// transaction; nil when no code is checked.
	spend func(store.UserMFA) (store.UserMFA, error)
}

// wrongCode is the answer to a wrong, used or lapsed one-time code of a
// user whose password was right: it counts towards its lock-out.
type wrongCode struct {
	sid, factor, why string
}

func (w *wrongCode) Error() string {
	return "the one-time code is wrong, was used already, or has lapsed"
}

func (w *wrongCode) Unwrap() error {
	return &Error{Kind: KindUnauthenticated, Msg: w.Error()}
}

// secondFactor decides what a log-in of kind by u, whose first factor is
// right, opens: a session, an enrolment session, or nothing (an error
// that says which factor to send).
func (s *Service) secondFactor(ctx context.Context, u store.User, in LoginInput, kind string) (sessionPlan, error) {
	plan := sessionPlan{kind: kind}
	cfg, err := s.mfaConfig(ctx, s.store)
	if err != nil || !cfg.Enabled {
		// Off: the OTP fields are ignored, as field scripts send
		// "otpType":"totp" with a null code for every log-in.
		return plan, err
	}
	if kind == store.SessionKindToken {
		return plan, &Error{Kind: KindForbidden, Code: CodeMFARequired,
			Msg: "multi-factor authentication is required on this cluster and an access token cannot carry a code: log in with POST /v2/users/sessions with otpCode and otpType, or use an API key"}
	}
	m, err := s.store.GetUserMFA(ctx, u.SID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return plan, err
	}
	have := s.factorsOf(cfg, u, m)
	if in.OTPCode == "" {
		return s.withoutCode(cfg, u, have)
	}
	typ := in.OTPType
	if typ == "" && len(have) > 0 {
		typ = have[0]
	}
	switch {
	case typ == mfa.TypeSalesforce:
		return plan, invalid("otpType salesforce is not supported by this cluster; use %s", strings.Join(cfg.Types, " or "))
	case !cfg.Allows(typ):
		return plan, invalid("otpType %q is not among the factors of this cluster (authenticationTypes: %s)", typ, strings.Join(cfg.Types, ", "))
	case typ == mfa.TypeTOTP && m.TOTPSecretEnc == nil && m.PendingSecretEnc == nil:
		return plan, &Error{Kind: KindUnauthenticated, Code: CodeMFAEnrolmentRequired,
			Msg: "no TOTP key is enrolled for this account: log in without otpCode to enrol one"}
	}
	plan.factor = typ
	now := s.now()
	code := in.OTPCode
	if typ == mfa.TypeTOTP {
		plan.spend = func(m store.UserMFA) (store.UserMFA, error) { return s.spendTOTP(m, code, now) }
	} else {
		plan.spend = func(m store.UserMFA) (store.UserMFA, error) { return s.spendEmailCode(m, code, now) }
	}
	return plan, nil
}

// factorsOf lists the factors u can log in with under cfg: an enrolled
// TOTP key (or one pending its first code), and e-mail when u has an
// address and a mail server is configured.
func (s *Service) factorsOf(cfg mfa.Config, u store.User, m store.UserMFA) []string {
	var out []string
	if cfg.Allows(mfa.TypeTOTP) && m.TOTPSecretEnc != nil {
		out = append(out, mfa.TypeTOTP)
	}
	if cfg.Allows(mfa.TypeEmail) && s.mailer != nil && u.Email != "" {
		out = append(out, mfa.TypeEmail)
	}
	return out
}

// withoutCode answers a log-in that sent no code: an enrolment session
// for a user without a factor, or which factor to send.
func (s *Service) withoutCode(cfg mfa.Config, u store.User, have []string) (sessionPlan, error) {
	if len(have) == 0 {
		if cfg.Allows(mfa.TypeTOTP) {
			return sessionPlan{kind: store.SessionKindEnrol, ttl: enrolTTL}, nil
		}
		return sessionPlan{}, forbidden("multi-factor authentication is required and %s has no factor it can use: e-mailed codes need its e-mail address, which an administrator must set",
			domainUser(u.Domain, u.Username))
	}
	var how []string
	for _, f := range have {
		switch f {
		case mfa.TypeTOTP:
			how = append(how, `otpType "totp" with the code of your authenticator app`)
		case mfa.TypeEmail:
			how = append(how, `otpType "email" with a code from POST /v2/email-otp`)
		}
	}
	return sessionPlan{}, &Error{Kind: KindUnauthenticated, Code: CodeMFARequired,
		Msg: "multi-factor authentication is required: send otpCode with " + strings.Join(how, ", or ")}
}

// spendTOTP accepts code from the key in use, or from a pending key,
// which then becomes the key in use, and records its step so that no code
// of it or an earlier step is accepted again.
func (s *Service) spendTOTP(m store.UserMFA, code string, now time.Time) (store.UserMFA, error) {
	try := func(keyID string, sealed []byte) (int64, bool, error) {
		if sealed == nil {
			return 0, false, nil
		}
		secret, err := s.box.Open(sealed, totpAAD(m.UserSID, keyID))
		if err != nil {
			return 0, false, fmt.Errorf("open the TOTP key %s of %s: %w", keyID, m.UserSID, err)
		}
		step, ok := mfa.MatchTOTP(string(secret), code, now, m.TOTPLastStep)
		return step, ok, nil
	}
	step, ok, err := try(m.TOTPKeyID, m.TOTPSecretEnc)
	if err == nil && !ok {
		if step, ok, err = try(m.PendingKeyID, m.PendingSecretEnc); ok {
			m.TOTPKeyID, m.TOTPKeyName, m.TOTPSecretEnc = m.PendingKeyID, m.PendingKeyName, m.PendingSecretEnc
			m.PendingKeyID, m.PendingKeyName, m.PendingSecretEnc, m.PendingCreatedMsecs = "", "", nil, 0
		}
	}
	switch {
	case err != nil:
		return m, err
	case !ok:
		return m, &wrongCode{sid: m.UserSID, factor: mfa.TypeTOTP, why: "a wrong or used TOTP code"}
	}
	m.TOTPLastStep, m.UpdatedMsecs = step, now.UnixMilli()
	return m, nil
}

// spendEmailCode accepts the code last e-mailed, once, before it lapses.
func (s *Service) spendEmailCode(m store.UserMFA, code string, now time.Time) (store.UserMFA, error) {
	if m.EmailCodeHash == nil || now.UnixMilli() >= m.EmailCodeExpiresMsecs || subtle.ConstantTimeCompare(m.EmailCodeHash, s.box.CodeTag(m.UserSID, code)) != 1 {
		return m, &wrongCode{sid: m.UserSID, factor: mfa.TypeEmail, why: "a wrong, used or lapsed e-mailed code"}
	}
	m.EmailCodeHash, m.EmailCodeExpiresMsecs, m.UpdatedMsecs = nil, 0, now.UnixMilli()
	return m, nil
}
