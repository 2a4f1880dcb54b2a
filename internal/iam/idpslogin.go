package iam

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clusteriam/clusteriam/internal/samlsp"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Log-in through a SAML provider (docs/sso.md): SAMLLoginStart makes the
// AuthnRequest, whose id proves by itself that it was made here, for which
// provider and ACS, and until when (requestID), so that starting a log-in,
// which anyone may, writes nothing; SAMLLogin checks that id, records it
// as used (single use, on every replica), checks the response, keeps its
// assertion id until it expires (so that a replay is refused on every
// replica), and opens a session as a password log-in does.

// Single-use purposes (store.PutOnce).
const (
	oncePurposeRequest   = "saml_request"
	oncePurposeAssertion = "saml_assertion"
)

// SAMLRequestTTL is how long a started log-in waits for the IdP.
const SAMLRequestTTL = 5 * time.Minute

// ErrSSOFailed is the one answer to every refused SSO log-in; the reason
// is logged and audited, not told.
var ErrSSOFailed = &Error{Kind: KindUnauthenticated, Msg: "the single sign-on log-in failed"}

// ErrNoIdP answers a log-in start when no enabled provider serves.
var ErrNoIdP = &Error{Kind: KindNotFound, Msg: "no enabled identity provider serves this cluster or organization"}

// SAMLStart is a started log-in: where to send the browser, and the value
// the browser must bring back (a cookie) with the IdP's response.
type SAMLStart struct {
	Redirect string
	Binding  string
}

// SAMLLoginStart starts a log-in at the enabled provider of organization
// tenantID (else the cluster's), for a browser that reached the cluster
// at host.
func (s *Service) SAMLLoginStart(ctx context.Context, tenantID, host string) (SAMLStart, error) {
	d := s.enabledIdP(ctx, tenantID)
	if d == nil {
		return SAMLStart{}, ErrNoIdP
	}
	sp, err := s.samlSP(ctx, d, host)
	if err != nil {
		return SAMLStart{}, err
	}
	acs, _, _ := spURLs(host)
	reqID, err := s.newRequestID(d.id, acs, s.now().Add(SAMLRequestTTL))
	if err != nil {
		return SAMLStart{}, err
	}
	redirect, _, err := sp.AuthnRequest(s.now(), reqID, "")
	if err != nil {
		return SAMLStart{}, err
	}
	return SAMLStart{Redirect: redirect, Binding: strconv.FormatInt(d.id, 10) + "." + reqID}, nil
}

// A request id is "_" and the base64url of a random nonce, its expiry
// (Unix seconds, big-endian) and the tag of both with the provider and the
// ACS URL it was made for (auth.SecretBox.RequestTag), cut to 16 bytes.
const (
	reqNonceLen = 16
	reqTagLen   = 16
)

// newRequestID makes the id of a request to provider idpID for acs,
// valid until expires.
func (s *Service) newRequestID(idpID int64, acs string, expires time.Time) (string, error) {
	b := make([]byte, reqNonceLen+8, reqNonceLen+8+reqTagLen)
	if _, err := rand.Read(b[:reqNonceLen]); err != nil {
		return "", fmt.Errorf("request id: %w", err)
	}
	binary.BigEndian.PutUint64(b[reqNonceLen:], uint64(expires.Unix()))
	b = append(b, s.requestTag(idpID, acs, b)...)
	return "_" + base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Service) requestTag(idpID int64, acs string, body []byte) []byte {
	return s.box.RequestTag(fmt.Sprintf("%d\x00%s\x00%x", idpID, acs, body))[:reqTagLen]
}

// checkRequestID checks that id was made here for provider idpID and
// acs, and has not expired; it returns its expiry.
func (s *Service) checkRequestID(id string, idpID int64, acs string) (time.Time, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(id, "_"))
	if err != nil || !strings.HasPrefix(id, "_") || len(b) != reqNonceLen+8+reqTagLen {
		return time.Time{}, errors.New("the binding cookie names no request of this cluster")
	}
	body := b[:reqNonceLen+8]
	if !hmac.Equal(b[reqNonceLen+8:], s.requestTag(idpID, acs, body)) {
		return time.Time{}, errors.New("the request was not made here, or for another provider or host")
	}
	expires := time.Unix(int64(binary.BigEndian.Uint64(body[reqNonceLen:])), 0)
	if !s.now().Before(expires) {
		return time.Time{}, errors.New("the request expired")
	}
	return expires, nil
}

// SAMLLogin checks samlResponse, posted to the ACS at host by a browser
// that brought binding (SAMLStart.Binding), and opens a session of the
// user it names. Every refusal is logged and audited with its reason, and
// answered with ErrSSOFailed.
func (s *Service) SAMLLogin(ctx context.Context, host, binding, samlResponse string) (string, *Principal, error) {
	in := LoginInput{Domain: "SSO"}
	c, d, err := s.samlUser(ctx, host, binding, samlResponse, &in)
	if err == nil {
		var secret string
		var p *Principal
		if secret, p, err = s.openSession(ctx, in, c, sessionPlan{kind: store.SessionKindSession}); err == nil {
			return secret, p, nil
		}
	}
	var e *Error
	if errors.As(err, &e) && e.Kind == KindUnavailable {
		return "", nil, err
	}
	if d != nil {
		in.Domain = d.rec.Domain
	}
	why := &Error{Kind: KindUnauthenticated, Msg: "SAML log-in refused: " + err.Error(), Err: err}
	if KindOf(err) == KindForbidden {
		why.Kind = KindForbidden
	}
	s.loginFailed(ctx, in, why)
	return "", nil, ErrSSOFailed
}

// samlUser verifies the response and returns the user it logs in, as of
// this log-in (its asserted groups and roles), and its provider.
func (s *Service) samlUser(ctx context.Context, host, binding, samlResponse string, in *LoginInput) (checked, *domain, error) {
	idText, reqID, ok := strings.Cut(binding, ".")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || reqID == "" {
		return checked{}, nil, errors.New("no log-in was started in this browser (no or bad binding cookie)")
	}
	d := s.domainByID(ctx, store.DirectorySAML, id)
	if d == nil || !*idpView(d).IsEnabled {
		return checked{}, nil, fmt.Errorf("identity provider %d is gone or disabled", id)
	}
	acs, _, err := spURLs(host)
	if err != nil {
		return checked{}, d, err
	}
	expires, err := s.checkRequestID(reqID, id, acs)
	if err != nil {
		return checked{}, d, err
	}
	now := s.nowMsecs()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		key := sha256.Sum256([]byte(reqID))
		return tx.PutOnce(ctx, oncePurposeRequest, key[:], now, expires.UnixMilli())
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return checked{}, d, errors.New("the request this response answers was used already")
	}
	if err != nil {
		return checked{}, d, err
	}
	sp, err := s.samlSP(ctx, d, host)
	if err != nil {
		return checked{}, d, err
	}
	a, err := sp.Verify(samlResponse, reqID, s.now())
	if err != nil {
		return checked{}, d, err
	}
	in.Username = a.NameID
	err = s.store.Update(ctx, func(tx store.Tx) error {
		key := sha256.Sum256([]byte(deref(idpView(d).IssuerID) + "\x00" + a.ID))
		return tx.PutOnce(ctx, oncePurposeAssertion, key[:], now, max(a.ReplayUntil.UnixMilli(), now+1))
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return checked{}, d, fmt.Errorf("assertion %s replayed", a.ID)
	}
	if err != nil {
		return checked{}, d, err
	}
	u, err := s.idpUser(ctx, d, a)
	return checked{user: u}, d, err
}

// idpUser returns the cluster user a verified assertion names, as of
// this log-in (ssoUser).
func (s *Service) idpUser(ctx context.Context, d *domain, a *samlsp.Assertion) (store.User, error) {
	so, err := s.ssoUser(ctx, d.rec.Domain, d.rec.TenantID, vouched{name: a.NameID, values: func(n string) ([]string, bool) {
		v, ok := a.Attributes[n]
		return v, ok
	}})
	u := so.user
	if err == nil && !s.mayLogIn(u, s.nowMsecs()) {
		err = fmt.Errorf("user %s is locked or outside its validity window", domainUser(u.Domain, u.Username))
	}
	u.DirectoryGroups, u.IdPRoles = so.groups, so.roles // recordLogin keeps them
	return u, err
}
