package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/auth"
	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/tenant"
)

// LoginInput carries the credentials of a log-in: a username and
// password, or a certificate and its key; and a one-time code, when the
// cluster requires a second factor.
type LoginInput struct {
	Username, Password, Domain string
	// OTPCode and OTPType are the second factor ("" none).
	OTPCode, OTPType string
	// Certificate and PrivateKey, PEM text, log in in place of a
	// password (see certificate.go).
	Certificate, PrivateKey string
}

// Bounds of what a log-in may send, checked before any work.
const (
	MaxLoginUsernameLen = maxNameLen // bytes
	MaxLoginDomainLen   = maxNameLen // bytes
	MaxLoginPasswordLen = maxLoginPasswordLen
)

func checkLoginInput(in LoginInput) error {
	switch {
	case in.Username == "" || in.Password == "":
		return invalid("username and password are required")
	case len(in.Username) > MaxLoginUsernameLen:
		return invalid("username is longer than %d bytes", MaxLoginUsernameLen)
	case len(in.Domain) > MaxLoginDomainLen:
		return invalid("domain is longer than %d bytes", MaxLoginDomainLen)
	case len(in.Password) > MaxLoginPasswordLen:
		return invalid("password is longer than %d bytes", MaxLoginPasswordLen)
	}
	return nil
}

// Login checks a username and password (or a certificate) and opens a
// session of the given kind (store.SessionKindSession or
// store.SessionKindToken); while MFA is on, only with a one-time code, or
// an enrolment session instead (see secondFactor). It returns the session
// secret, shown once, and the caller.
func (s *Service) Login(ctx context.Context, in LoginInput, kind string) (string, *Principal, error) {
	c, err := s.checkFirstFactor(ctx, in)
	if err != nil {
		return "", nil, err
	}
	plan, err := s.secondFactor(ctx, c.user, in, kind)
	if err == nil {
		var secret string
		var p *Principal
		if secret, p, err = s.openSession(ctx, in, c, plan); err == nil {
			return secret, p, nil
		}
	}
	var wc *wrongCode
	if errors.As(err, &wc) {
		s.loginFailed(ctx, in, err) // settles the reservation as a failure
		return "", nil, err
	}
	if c.reserved {
		s.releaseLater(c.user.SID)
	}
	if KindOf(err) == KindForbidden {
		s.loginFailed(ctx, in, err)
	}
	return "", nil, err
}

// checkFirstFactor checks the password, or the certificate, of a log-in,
// reserving the check on the account; every failure is recorded and
// answered alike.
func (s *Service) checkFirstFactor(ctx context.Context, in LoginInput) (checked, error) {
	var c checked
	var err error
	if in.Certificate != "" || in.PrivateKey != "" {
		c, err = s.checkCertificate(ctx, in)
	} else if err = checkLoginInput(in); err == nil {
		c, err = s.checkPassword(ctx, in)
	} else {
		return checked{}, err
	}
	if err == nil {
		if err = s.localLoginAllowed(ctx, c.user); err != nil && c.reserved {
			s.releaseLater(c.user.SID)
		}
	}
	if err != nil {
		s.loginFailed(ctx, in, err)
		if errors.Is(err, errBadLogin) {
			err = errBadLogin // one answer to every failure
		}
		return checked{}, err
	}
	return c, nil
}

// openSession opens the session plan says for the user whose password was
// just checked, settling the check's reservation and spending its
// one-time code in the same transaction.
func (s *Service) openSession(ctx context.Context, in LoginInput, c checked, plan sessionPlan) (string, *Principal, error) {
	u := c.user
	privs, err := s.privilegesOf(ctx, s.store, u)
	if err != nil {
		return "", nil, err
	}
	if len(capped(privs, u.PasswordCap)) == 0 {
		// A role-less account has no access; the wire format also has no
		// way to say "no privileges" (an empty list is rejected).
		return "", nil, forbidden("user %s has no role on this cluster; an administrator must assign one", domainUser(u.Domain, u.Username))
	}
	var org store.Tenant
	if u.TenantID != "" {
		if org, err = s.usableTenant(ctx, s.store, u.TenantID); err != nil {
			return "", nil, err
		}
	}
	newHash, err := s.rehash(ctx, u, in.Password)
	if err != nil {
		return "", nil, err
	}
	secret, hash, err := auth.NewToken()
	if err != nil {
		return "", nil, fmt.Errorf("new session: %w", err)
	}
	now := s.nowMsecs()
	rec := loginRecord{c: c, plan: plan, org: org, newHash: newHash, now: now,
		sess: store.Session{Hash: hash, UserSID: u.SID, Kind: plan.kind, CreatedMsecs: now, LastUsedMsecs: now, Cap: u.PasswordCap,
			ExpiresMsecs: now + cmp.Or(plan.ttl, s.sessionLifetime(plan.kind == store.SessionKindToken)).Milliseconds()}}
	// A password past its lifetime logs in, to be changed before
	// anything else, as the vendor's clients read forcePasswordChange.
	rules := s.passwordRules()
	rec.expire = in.Certificate == "" && rules.expired(u, now)
	rec.details = loginDetails(in, plan)
	if rec.expire {
		rec.details += fmt.Sprintf("; the password is older than passwordLifetime.maxLifetimeDays (%d): it must be changed", rules.maxDays)
	}
	out, err := s.recordLogin(ctx, rec)
	var wc *wrongCode
	var refused *Error
	if errors.As(err, &wc) || errors.As(err, &refused) {
		return "", nil, err
	}
	if err != nil {
		return "", nil, fmt.Errorf("record log-in: %w", err)
	}
	return secret, &Principal{User: out, Privileges: capped(privs, rec.sess.Cap), SessionHash: hash,
		Capped: rec.sess.Cap != nil, TenantName: org.Name, MFAEnrolOnly: plan.kind == store.SessionKindEnrol}, nil
}

// loginRecord is what the transaction of a log-in writes.
type loginRecord struct {
	c       checked // the user, as checked, and its reservation
	plan    sessionPlan
	org     store.Tenant
	sess    store.Session
	newHash string // a stronger hash of the password; "" none
	expire  bool   // the password is past its lifetime
	details string // of the audit entry
	now     int64
}

// recordLogin writes, in one transaction, the log-in rec: the user's
// record settled, its one-time code spent, room made under the session
// limits, and the session; it returns the user as it then stands.
func (s *Service) recordLogin(ctx context.Context, rec loginRecord) (store.User, error) {
	u := rec.c.user
	pol := s.policyNow()
	limits, usedAfter := limitsOf(pol.cfg), idleOf(pol).usedAfter(rec.now)
	var out store.User
	err := s.write(ctx, nil, "login", func(t *txn) error {
		t.p = &Principal{User: u, TenantName: rec.org.Name}
		t.audit(ctx, "login", u.SID, domainUser(u.Domain, u.Username), rec.details)
		if limits.on() {
			// Before the user's row, as every log-in that takes it does.
			if err := t.LockSessions(ctx); err != nil {
				return err
			}
		}
		// The user's row first: the session's insert takes a share lock
		// on it (its foreign key), and two log-ins that each held one
		// while waiting to lock the row would deadlock on PostgreSQL.
		var err error
		out, err = t.UpdateUser(ctx, u.SID, func(cur store.User) (store.User, error) {
			return rec.settle(cur), nil
		})
		if err != nil {
			return err
		}
		if rec.plan.spend != nil {
			if _, err := t.UpdateUserMFA(ctx, u.SID, rec.plan.spend); err != nil {
				return err
			}
		}
		if limits.on() {
			if err := s.makeRoom(ctx, t, out, limits, rec.now, usedAfter); err != nil {
				return err
			}
		}
		if err := t.CreateSession(ctx, rec.sess); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return nil
	})
	return out, err
}

// settle returns cur, the user's record in the log-in's transaction, as
// the log-in leaves it.
func (rec loginRecord) settle(cur store.User) store.User {
	// The password checked is still the user's: not changed meanwhile.
	same := cur.PasswordHash == rec.c.user.PasswordHash
	if rec.newHash != "" && same {
		cur.PasswordHash = rec.newHash
	}
	cur.LastLoginMsecs = rec.now
	if rec.expire && same {
		cur.ForcePasswordChange = true
	}
	if rec.c.reserved {
		release(&cur)
	}
	clearFailures(&cur, rec.now)
	if cur.Domain != LocalDomain {
		// What the directory, or the identity provider, said at this log-in.
		d := rec.c.user
		cur.DirectoryGroups, cur.FullName, cur.Email, cur.IdPRoles = d.DirectoryGroups, d.FullName, d.Email, d.IdPRoles
	}
	return cur
}

// loginDetails says in the audit trail what a log-in opened, and with
// which factors.
func loginDetails(in LoginInput, plan sessionPlan) string {
	d := "new " + plan.kind
	if plan.kind == store.SessionKindEnrol {
		d = "new enrolment session (a second factor is required and none is enrolled)"
	}
	if in.Certificate != "" {
		d += ", with a certificate"
	}
	if plan.factor != "" {
		d += ", second factor " + plan.factor
	}
	return d
}

// releaseLater gives back, after the answer, the reservation of a check
// of user sid's password that ended in neither success nor failure.
func (s *Service) releaseLater(sid string) {
	if sid == "" || s.lockoutPolicy().Threshold < 0 {
		return
	}
	s.later("release a log-in reservation", func(ctx context.Context) error {
		return s.store.Update(ctx, func(tx store.Tx) error {
			_, err := tx.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
				release(&u)
				return u, nil
			})
			return err
		})
	})
}

// rehash returns a new hash of password, which just logged u in, when its
// stored hash has weaker parameters than the hasher's; "" otherwise.
func (s *Service) rehash(ctx context.Context, u store.User, password string) (string, error) {
	if u.Domain != LocalDomain || u.PasswordHash == "" || !s.hasher.NeedsRehash(u.PasswordHash) {
		return "", nil
	}
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return "", fmt.Errorf("rehash the password of %s: %w", u.SID, err)
	}
	return h, nil
}

// loginFailed logs a refused log-in as in, and records it when the
// credentials or the account were at fault; not when the service was (a
// directory or the store unavailable, say). A wrong password for a known
// account is settled against it, with its entry.
func (s *Service) loginFailed(ctx context.Context, in LoginInput, err error) {
	var (
		wp   *wrongPassword
		wc   *wrongCode
		sid  string
		held *heldCheck
	)
	switch {
	case errors.As(err, &wp):
		sid = wp.sid
	case errors.As(err, &wc):
		sid = wc.sid
		err = fmt.Errorf("%s: %w", wc.why, err)
	case errors.As(err, &held):
		sid = held.sid
	}
	ev := s.event(ctx, nil, "login_failed", sid, domainUser(in.Domain, in.Username), err.Error())
	ev.ActorSID, ev.ActorDomain, ev.ActorUsername = sid, domainOf(in.Domain), in.Username
	logged := ev
	if sid == "" {
		// Not known to be an account's name: it may be a password typed
		// in the wrong field, so the log names it as the trail does.
		logged.ActorDomain, logged.ActorUsername = s.auditName(ctx, in.Domain, in.Username)
		logged.EntityName = logged.ActorDomain + `\` + logged.ActorUsername
	}
	s.logChange(ctx, err, logged)
	switch k := KindOf(err); {
	case wp != nil || wc != nil:
		s.settleFailure(sid, ev)
	case k == KindUnauthenticated || k == KindForbidden || k == KindInvalid || k == KindTooMany:
		s.recordFailedLogin(ev)
	}
}

// recordLater stores events that ride on no other change, after the
// answer, so that a failed log-in costs the caller the same whatever it
// records.
func (s *Service) recordLater(events ...store.AuditEntry) {
	s.later("record audit entries", func(ctx context.Context) error {
		return s.store.Update(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, events...) })
	})
}

// wrongPassword is errBadLogin for a user the cluster knows, whose failed
// log-ins count towards locking it out.
type wrongPassword struct{ sid string }

func (w *wrongPassword) Error() string { return errBadLogin.Error() }
func (w *wrongPassword) Unwrap() error { return errBadLogin }

// heldCheck is errBadLogin for a known account whose password was not
// checked: it is locked.
type heldCheck struct{ sid string }

func (h *heldCheck) Error() string { return errBadLogin.Error() }
func (h *heldCheck) Unwrap() error { return errBadLogin }

// checked is an account whose password was just checked, and whether the
// check holds a reservation on it.
type checked struct {
	user     store.User
	reserved bool
}

// checkPassword checks the password of the account in names, having
// reserved the check on the account. It does the same hashing work, and
// the same store write, whether or not the user exists, and answers every
// failure with errBadLogin (wrapped: *wrongPassword for a wrong password
// of a known account).
func (s *Service) checkPassword(ctx context.Context, in LoginInput) (checked, error) {
	domain := domainOf(in.Domain)
	if dir := s.serving(ctx, domain); dir != nil {
		return s.directoryLogin(ctx, dir, in)
	}
	var u store.User
	var err error = errBadLogin
	if strings.EqualFold(domain, LocalDomain) {
		u, err = s.userByLoginName(ctx, in.Username)
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, errBadLogin) || (err == nil && u.PasswordHash == "") {
		return checked{}, s.unknownAccount(ctx, in.Password)
	}
	if err != nil {
		return checked{}, err
	}
	return s.verifyReserved(ctx, u.SID, in.Password)
}

// userByLoginName finds the LOCAL user a log-in names: the cluster's
// user of that name or, for "user@org", user of organization "org/", as
// the vendor's organizations' users log in (tenant.SplitLogin). The
// cluster's user wins: only the cluster's administrators can make one so
// named.
func (s *Service) userByLoginName(ctx context.Context, name string) (store.User, error) {
	u, err := s.store.GetUserByName(ctx, "", LocalDomain, name)
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	user, id, ok := tenant.SplitLogin(name)
	if !ok {
		return u, err
	}
	return s.store.GetUserByName(ctx, id, LocalDomain, user)
}

// unknownAccount costs what a check of a known account does, and fails.
func (s *Service) unknownAccount(ctx context.Context, password string) error {
	if err := s.probe(ctx); err != nil {
		return err
	}
	s.hasher.VerifyDummy(ctx, password)
	return errBadLogin
}

// reserveOnly reserves a check of user sid's password, answering a locked
// or throttled account as a log-in is answered, and locking one unused
// too long (inactivity.go).
func (s *Service) reserveOnly(ctx context.Context, sid string) (checked, error) {
	u, err := s.reserve(ctx, sid)
	var th *throttled
	switch {
	case errors.Is(err, errLocked):
		return checked{}, &heldCheck{sid}
	case errors.As(err, &th):
		wait := time.Duration(th.until-s.nowMsecs()) * time.Millisecond
		return checked{}, &Error{Kind: KindTooMany, Retry: wait,
			Msg: fmt.Sprintf("too many failed log-ins for this account; retry in %d s", max(1, int64(wait.Round(time.Second)/time.Second)))}
	case err != nil:
		return checked{}, err
	}
	c := checked{user: u, reserved: s.lockoutPolicy().Threshold >= 0}
	if in := inactivityOf(s.policyNow()); in.stale(u, s.nowMsecs()) {
		return s.lockInactive(ctx, c, in)
	}
	return c, nil
}

// verifyReserved reserves a check of user sid's password, then checks
// password against the hash of the account as reserved. It settles
// nothing on success: the caller does, in its own transaction.
func (s *Service) verifyReserved(ctx context.Context, sid, password string) (checked, error) {
	c, err := s.reserveOnly(ctx, sid)
	if err != nil {
		var held *heldCheck
		if errors.As(err, &held) {
			s.hasher.VerifyDummy(ctx, password)
		}
		return checked{}, err
	}
	fail := func(err error) (checked, error) {
		if c.reserved {
			s.releaseLater(sid)
		}
		return checked{}, err
	}
	if c.user.PasswordHash == "" {
		s.hasher.VerifyDummy(ctx, password)
		return fail(errBadLogin)
	}
	good, err := s.hasher.Verify(ctx, c.user.PasswordHash, password)
	switch {
	case err != nil && ctx.Err() != nil:
		return fail(ctx.Err())
	case err != nil:
		return fail(fmt.Errorf("verify password of %s: %w", sid, err))
	case !good:
		return checked{}, &wrongPassword{sid}
	case !s.mayLogIn(c.user, s.nowMsecs()):
		return fail(errBadLogin)
	}
	return c, nil
}

// checkCurrentPassword checks the current password a user gives to change
// its own, as a log-in checks one: reserved on the account, and a wrong
// one counts towards its lock-out, with its audit entry.
func (s *Service) checkCurrentPassword(ctx context.Context, u store.User, pw *string) error {
	if pw == nil || *pw == "" {
		return invalid("changing your own password needs localUserParams.currentPassword")
	}
	if len(*pw) > MaxLoginPasswordLen {
		return invalid("currentPassword is longer than %d bytes", MaxLoginPasswordLen)
	}
	if u.PasswordHash == "" {
		return invalid("%s has no password to change (an account for API keys only); an administrator may set one",
			domainUser(u.Domain, u.Username))
	}
	in := LoginInput{Username: u.Username, Domain: u.Domain, Password: *pw}
	c, err := s.verifyReserved(ctx, u.SID, *pw)
	switch {
	case err == nil:
		s.settleSuccessLater(u.SID, c.reserved)
		return nil
	case errors.Is(err, errBadLogin):
		s.loginFailed(ctx, in, fmt.Errorf("currentPassword: %w", err))
		return invalid("currentPassword is wrong")
	}
	return err
}

// settleSuccessLater settles, after the answer, a successful check of user
// sid's password that opened no session.
func (s *Service) settleSuccessLater(sid string, reserved bool) {
	if !reserved {
		return
	}
	now := s.nowMsecs()
	s.later("settle a password check", func(ctx context.Context) error {
		return s.store.Update(ctx, func(tx store.Tx) error {
			_, err := tx.UpdateUser(ctx, sid, func(u store.User) (store.User, error) {
				release(&u)
				clearFailures(&u, now)
				return u, nil
			})
			return err
		})
	})
}

func domainUser(domain, user string) string { return domainOf(domain) + `\` + user }

// domainOf is domain, or LOCAL when it is empty.
func domainOf(domain string) string {
	if domain == "" {
		return LocalDomain
	}
	return domain
}
