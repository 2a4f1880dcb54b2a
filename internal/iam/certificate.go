package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/certlogin"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Certificate log-in: POST /v2/users/sessions with certificate and
// privateKey. The certificate stands in for the password only: it must
// chain to a CA the operator configured (--client-ca-file), and it names
// a user the cluster already has (package certlogin says how). The second
// factor, when MFA is on, is still required.

// errCertificate is the one answer to every refused certificate.
var errCertificate = &Error{Kind: KindUnauthenticated, Msg: "the certificate is not accepted for a log-in"}

// checkCertificate checks the certificate log-in in and reserves the
// check on the account it names, as a password check is reserved.
func (s *Service) checkCertificate(ctx context.Context, in LoginInput) (checked, error) {
	switch {
	case s.clientCAs == nil:
		return checked{}, invalid("certificate log-in is not enabled on this cluster (clusteriam serve --client-ca-file)")
	case in.Certificate == "" || in.PrivateKey == "":
		return checked{}, invalid("a certificate log-in needs both certificate and privateKey")
	case in.Password != "":
		return checked{}, invalid("send a password or a certificate, not both")
	}
	id, err := s.clientCAs.Verify(in.Certificate, in.PrivateKey, s.now())
	switch {
	case errors.Is(err, certlogin.ErrMalformed):
		return checked{}, invalid("%v", err)
	case errors.Is(err, certlogin.ErrRejected):
		return checked{}, &Error{Kind: KindUnauthenticated, Msg: errCertificate.Msg, Err: err}
	case err != nil:
		return checked{}, err
	}
	u, err := s.certificateUser(ctx, id)
	if err != nil {
		return checked{}, err
	}
	if in.Username != "" && !strings.EqualFold(in.Username, u.Username) {
		return checked{}, &Error{Kind: KindUnauthenticated, Msg: errCertificate.Msg,
			Err: fmt.Errorf("the certificate names %s, the request %s", u.Username, in.Username)}
	}
	c, err := s.reserveOnly(ctx, u.SID)
	if err != nil {
		return checked{}, err
	}
	if !s.mayLogIn(c.user, s.nowMsecs()) {
		if c.reserved {
			s.releaseLater(u.SID)
		}
		return checked{}, errCertificate
	}
	return c, nil
}

// certificateUser finds the user a certificate names: a LOCAL user (or
// "user@org", an organization's) for a name without a domain, or one of
// a configured directory domain for a UPN or e-mail address of it.
func (s *Service) certificateUser(ctx context.Context, id certlogin.Identity) (store.User, error) {
	var u store.User
	var err error
	switch dir := s.serving(ctx, id.Domain); {
	case id.Domain == "" || strings.EqualFold(id.Domain, LocalDomain):
		u, err = s.userByLoginName(ctx, id.Username)
	case dir != nil:
		u, err = s.store.GetUserByName(ctx, dir.Tenant(), dir.Domain(), id.Username)
	default:
		err = fmt.Errorf("domain %q of %s is not configured: %w", id.Domain, id.Source, store.ErrNotFound)
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, &Error{Kind: KindUnauthenticated, Msg: errCertificate.Msg,
			Err: fmt.Errorf("no user for the %s %q: %w", id.Source, id.Username, err)}
	}
	return u, err
}
