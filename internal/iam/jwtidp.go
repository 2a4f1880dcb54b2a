package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/jwtrust"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Trusted JWT issuers through the API (the vendor's IdentityProviderApi,
// /identity-providers): an OpenID Connect or OAuth2 issuer whose tokens
// are accepted as Bearer credentials for the users of its domain.
// docs/sso.md says how.

// jwtTrusts holds the verifiers of the issuers, rebuilt when a record
// changes; their key sets live in the pool, one per key URL.
type jwtTrusts struct {
	pool *jwtrust.Pool
	mu   sync.Mutex
	// built maps a record's id to its verifier, for the record's
	// UpdatedMsecs.
	built map[int64]builtTrust
}

type builtTrust struct {
	updated int64
	v       *jwtrust.Verifier
}

func newJWTTrusts(client *http.Client, s *Service) *jwtTrusts {
	return &jwtTrusts{pool: jwtrust.NewPool(jwtrust.Options{Client: client, Now: s.now, Logger: s.audit}),
		built: map[int64]builtTrust{}}
}

// verifier returns d's verifier.
func (j *jwtTrusts) verifier(d *domain) *jwtrust.Verifier {
	j.mu.Lock()
	defer j.mu.Unlock()
	if b, ok := j.built[d.id]; ok && b.updated == d.rec.UpdatedMsecs {
		return b.v
	}
	v := j.pool.Verifier(trustConfig(d))
	j.built[d.id] = builtTrust{updated: d.rec.UpdatedMsecs, v: v}
	return v
}

// decideIssuer decides act on JWT issuer d by p, reading through r: as
// on the SAML provider of its domain (decideIdP), whose role policy its
// token users share.
func (s *Service) decideIssuer(ctx context.Context, r store.Reader, p *Principal, act Act, d *domain) error {
	if act == ActRead {
		return s.decide(p, ActRead, Target{Kind: KindIdP, ID: strconv.FormatInt(d.id, 10), Name: d.rec.Domain, Tenant: d.rec.TenantID})
	}
	return s.decideIdP(ctx, r, p, act, d, s.samlOf(ctx, d.rec.Domain))
}

// jwtByID returns JWT issuer id as p may see it.
func (s *Service) jwtByID(ctx context.Context, p *Principal, id int64) (*domain, error) {
	for _, kind := range []string{store.DirectoryOpenIDConnect, store.DirectoryOAuth2} {
		if d, err := s.domainFound(ctx, p, kind, id); err == nil && d.spec.JWT != nil {
			return d, nil
		}
	}
	return nil, fmt.Errorf("identity provider %d: %w", id, store.ErrNotFound)
}

// jwtOf returns the JWT issuer of kind on domain name, or nil.
func (s *Service) jwtOf(ctx context.Context, kind, name string) *domain {
	for _, d := range s.domainList(ctx) {
		if d.kind == kind && strings.EqualFold(d.rec.Domain, name) {
			return d
		}
	}
	return nil
}

// Identities lists the JWT issuers f selects (its Names are the
// vendor's domains), by id.
func (s *Service) Identities(ctx context.Context, p *Principal, f DomainFilter) ([]domainspec.IdentityConfig, error) {
	var ds []*domain
	for _, kind := range []string{store.DirectoryOpenIDConnect, store.DirectoryOAuth2} {
		got, err := s.listDomains(ctx, p, kind, f)
		if err != nil {
			return nil, err
		}
		ds = append(ds, got...)
	}
	slices.SortFunc(ds, func(a, b *domain) int { return cmp.Compare(a.id, b.id) })
	out := make([]domainspec.IdentityConfig, 0, len(ds))
	for _, d := range ds {
		if d.spec.JWT != nil {
			out = append(out, identityView(d))
		}
	}
	return out, nil
}

// checkIdentityInput checks in, whose tenantId, when given, must be the
// organization p acts in (cur: the issuer's, on an update).
func checkIdentityInput(p *Principal, in *domainspec.IdentityConfig, cur string) error {
	if err := in.Check(); err != nil {
		return invalid("%v", err)
	}
	return checkServed(p, in.TenantID, cur)
}

// pinIssuer finds the issuer of in's publicKeyUrl (jwtrust.Pool.Discover)
// and returns the spec to store.
func (s *Service) pinIssuer(ctx context.Context, in domainspec.IdentityConfig) (jwtSpec, error) {
	kind, keyURL := jwtrust.OpenIDConnect, ""
	if p := in.OpenIDConnectParams; p != nil {
		keyURL = *p.PublicKeyURL
	}
	if p := in.OAuth2Params; p != nil {
		kind, keyURL = jwtrust.OAuth2, *p.PublicKeyURL
	}
	iss, keys, err := s.jwt.pool.Discover(ctx, kind, keyURL)
	if err != nil {
		return jwtSpec{}, invalid("publicKeyUrl: %v (docs/sso.md: give the issuer's JWKS URL, or its metadata URL)", err)
	}
	in.ID, in.Domain, in.TenantID, in.LastModifiedTimestampUsecs = nil, nil, nil, nil
	return jwtSpec{Config: in, Issuer: iss, KeysURL: keys}, nil
}

// CreateIdentity trusts a JWT issuer for the users of a domain.
func (s *Service) CreateIdentity(ctx context.Context, p *Principal, in domainspec.IdentityConfig) (domainspec.IdentityConfig, error) {
	const op = "create_identity_provider"
	err := s.decide(p, ActCreate, Target{Kind: KindIdP})
	if err == nil {
		err = checkIdentityInput(p, &in, "")
	}
	kind := jwtKinds[deref(in.IdentityProviderType)]
	if err == nil {
		err = s.decideNewJWT(ctx, s.store, p, kind, *in.Domain)
	}
	if err != nil {
		return domainspec.IdentityConfig{}, s.refused(ctx, p, op, err)
	}
	sp, err := s.pinIssuer(ctx, in)
	if err != nil {
		return domainspec.IdentityConfig{}, s.refused(ctx, p, op, err)
	}
	now := s.nowMsecs()
	stored := storedSpec{JWT: &sp}
	rec := store.DirectoryDomain{Type: kind, Domain: *in.Domain, TenantID: p.tenant(), Spec: stored.encode(),
		CreatedMsecs: now, UpdatedMsecs: now}
	err = s.write(ctx, p, op, func(t *txn) error {
		if err := s.decideNewJWT(ctx, t, p, kind, rec.Domain); err != nil {
			return err
		}
		id, err := t.CreateDirectoryDomain(ctx, rec)
		if errors.Is(err, store.ErrAlreadyExists) {
			return &Error{Kind: KindConflict, Msg: fmt.Sprintf("domain %s has a %s identity provider already", rec.Domain, *in.IdentityProviderType), Err: err}
		}
		rec.ID = id
		t.audit(ctx, op, fmt.Sprint(id), rec.Domain, fmt.Sprintf("newRecord %s", rec.Spec))
		return err
	})
	if err != nil {
		return domainspec.IdentityConfig{}, err
	}
	s.staleDomains()
	return identityView(s.builtDomain(ctx, rec)), nil
}

// decideNewJWT decides the creation by p of an issuer of kind for domain
// name, in the organization p acts in. One of that kind there already is
// a conflict; so is a directory of that name (its users log in there).
func (s *Service) decideNewJWT(ctx context.Context, r store.Reader, p *Principal, kind, name string) error {
	t, err := s.idpTarget(ctx, r, 0, name, p.tenant(), s.samlOf(ctx, name))
	if err != nil {
		return err
	}
	if err := s.decide(p, ActCreate, t); err != nil {
		return err
	}
	if d := s.jwtOf(ctx, kind, name); d != nil {
		if p.reaches(d.rec.TenantID) {
			return &Error{Kind: KindConflict, Msg: fmt.Sprintf("domain %s has an identity provider of this type already (id %d)", d.rec.Domain, d.id)}
		}
		return &Error{Kind: KindConflict, Msg: fmt.Sprintf("domain %s has an identity provider of this type already", name)}
	}
	if d := s.domainByName(ctx, name); d != nil && !d.isIdP() {
		return &Error{Kind: KindConflict, Msg: fmt.Sprintf("domain %s is a directory domain: its users log in with their directory password", name)}
	}
	return nil
}

// UpdateIdentity replaces the configuration of issuer id. Its
// domain and type cannot change. A lastModifiedTimestampUsecs other than
// the stored one refuses the update (409): another change came first.
func (s *Service) UpdateIdentity(ctx context.Context, p *Principal, id int64, in domainspec.IdentityConfig) (domainspec.IdentityConfig, error) {
	const op = "update_identity_provider"
	d, err := s.jwtByID(ctx, p, id)
	if err == nil {
		err = s.decideIssuer(ctx, s.store, p, ActChangeProfile, d)
	}
	if err == nil {
		err = checkIdentityInput(p, &in, d.rec.TenantID)
	}
	if err == nil && (!strings.EqualFold(*in.Domain, d.rec.Domain) || jwtKinds[*in.IdentityProviderType] != d.kind) {
		err = invalid("domain and identityProviderType cannot change (%s, %s); delete the identity provider and create another",
			d.rec.Domain, deref(d.spec.JWT.Config.IdentityProviderType))
	}
	if err != nil {
		return domainspec.IdentityConfig{}, s.refused(ctx, p, op, err)
	}
	sp, err := s.pinIssuer(ctx, in)
	if err != nil {
		return domainspec.IdentityConfig{}, s.refused(ctx, p, op, err)
	}
	saved, err := s.rewriteDomain(ctx, p, op, d, storedSpec{JWT: &sp}, "", func(t *txn, fresh *domain) error {
		if err := s.decideIssuer(ctx, t, p, ActChangeProfile, fresh); err != nil {
			return err
		}
		if u := in.LastModifiedTimestampUsecs; u != nil && *u != fresh.rec.UpdatedMsecs*1000 {
			return &Error{Kind: KindConflict, Msg: fmt.Sprintf("lastModifiedTimestampUsecs %d: the identity provider was changed since (%d); read it again", *u, fresh.rec.UpdatedMsecs*1000)}
		}
		return nil
	})
	if err != nil {
		return domainspec.IdentityConfig{}, err
	}
	return identityView(saved), nil
}

// DeleteIdentity stops trusting issuer id. The users of its
// domain stay (a SAML provider or another issuer may serve them); its
// tokens are refused from the next request on.
func (s *Service) DeleteIdentity(ctx context.Context, p *Principal, id int64) error {
	const op = "delete_identity_provider"
	d, err := s.jwtByID(ctx, p, id)
	if err == nil {
		err = s.decideIssuer(ctx, s.store, p, ActDelete, d)
	}
	if err != nil {
		return s.refused(ctx, p, op, err)
	}
	err = s.write(ctx, p, op, func(t *txn) error {
		if err := s.decideIssuer(ctx, t, p, ActDelete, d); err != nil {
			return err
		}
		t.audit(ctx, op, fmt.Sprint(d.id), d.rec.Domain, "")
		return t.DeleteDirectoryDomain(ctx, d.id)
	})
	if err == nil {
		s.staleDomains()
		s.cache.invalidateAll() // tokens of its issuer cached as principals
	}
	return err
}

// RefreshPublicKeys fetches again the keys of the issuers of type typ
// that the action is for: the one of the caller's own domain when the
// caller is a user of such a domain (the vendor's "the current user's
// configuration"), else every one of that type the caller may change
// (none: nothing to do, and no error).
func (s *Service) RefreshPublicKeys(ctx context.Context, p *Principal, typ string) error {
	kind := jwtKinds[typ]
	if err := s.decide(p, ActChangeProfile, Target{Kind: KindIdP}); err != nil {
		return err
	}
	var targets []*domain
	if own := s.jwtOf(ctx, kind, p.User.Domain); own != nil && p.User.Domain != LocalDomain {
		targets = []*domain{own}
	} else {
		for _, d := range s.domainList(ctx) {
			if d.kind == kind && d.spec.JWT != nil && p.reaches(d.rec.TenantID) {
				targets = append(targets, d)
			}
		}
	}
	var refusal error
	targets = slices.DeleteFunc(targets, func(d *domain) bool {
		err := s.decideIssuer(ctx, s.store, p, ActChangeProfile, d)
		refusal = cmp.Or(refusal, err)
		return err != nil
	})
	if len(targets) == 0 {
		return refusal // nil when there was none to refresh
	}
	for _, d := range targets {
		if err := s.jwt.verifier(d).Refresh(ctx); err != nil {
			return &Error{Kind: KindUnavailable, Msg: fmt.Sprintf("identity provider %d (%s): %v", d.id, d.rec.Domain, err), Err: err}
		}
		s.audit.InfoContext(ctx, "identity provider keys refreshed", "id", d.id, "domain", d.rec.Domain, "by", p.User.SID)
	}
	return nil
}
