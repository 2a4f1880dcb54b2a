package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/store"
)

// SAML identity providers through the API (the vendor's /v2/idps). They
// live beside the directory domains (domains.go): a provider's domain is
// the domain of its users, and shares the name space of AD and LDAP
// domains. See docs/sso.md.

// idpView is the vendor's IdentityProviderConfiguration of d.
func idpView(d *domain) domainspec.SAMLIdP {
	var v domainspec.SAMLIdP
	if d.spec.SAML != nil {
		v = d.spec.SAML.SAMLIdP
	}
	id, name := d.id, d.rec.Domain
	v.ID, v.Domain = &id, &name
	v.TenantID = nil
	if d.rec.TenantID != "" {
		v.TenantID = ptr(d.rec.TenantID)
	}
	return v.WithDefaults()
}

// idpTarget describes for decide the provider of domain name (of
// organization tenantID; id 0 for one to be made) configured as c: the
// privileges of every user and group of its domain, of its default
// roles, and, when it may assert roles (samlAttributeName), every one.
func (s *Service) idpTarget(ctx context.Context, r store.Reader, id int64, name, tenantID string, c domainspec.SAMLIdP) (Target, error) {
	t, err := s.domainTarget(ctx, r, id, name, tenantID)
	if err != nil {
		return Target{}, err
	}
	t.Kind = KindIdP
	privs := t.Privileges
	if strings.TrimSpace(deref(c.SAMLAttributeName)) != "" {
		privs = append(privs, forTenant(tenantID, s.allPrivileges)...)
	} else {
		p, err := s.privilegesOfRoles(ctx, r, c.Roles)
		if err != nil {
			return Target{}, err
		}
		privs = append(privs, forTenant(tenantID, p)...)
	}
	slices.Sort(privs)
	t.Privileges = slices.Compact(privs)
	return t, nil
}

// decideIdP decides act by p on provider d, configured as c after the
// act (its current configuration for a delete).
func (s *Service) decideIdP(ctx context.Context, r store.Reader, p *Principal, act Act, d *domain, c domainspec.SAMLIdP) error {
	if err := s.decide(p, ActRead, Target{Kind: KindIdP, ID: fmt.Sprint(d.id), Name: d.rec.Domain, Tenant: d.rec.TenantID}); err != nil {
		return err // out of scope: as if it did not exist
	}
	t, err := s.idpTarget(ctx, r, d.id, d.rec.Domain, d.rec.TenantID, c)
	if err != nil {
		return err
	}
	return s.decide(p, act, t)
}

// decideNewIdP decides the creation by p of provider c, which serves the
// organization p acts in. A domain name that an AD or LDAP domain or
// another SAML provider has is a conflict; JWT issuers may share it.
func (s *Service) decideNewIdP(ctx context.Context, r store.Reader, p *Principal, c domainspec.SAMLIdP) error {
	name := *c.Domain
	t, err := s.idpTarget(ctx, r, 0, name, p.tenant(), c)
	if err != nil {
		return err
	}
	if err := s.decide(p, ActCreate, t); err != nil {
		return err
	}
	for _, d := range s.domainList(ctx) {
		if !strings.EqualFold(d.rec.Domain, name) || (d.isIdP() && d.kind != store.DirectorySAML) {
			continue
		}
		if p.reaches(d.rec.TenantID) {
			return &Error{Kind: KindConflict, Msg: fmt.Sprintf("domain %s is taken (%s id %d)", d.rec.Domain, d.kind, d.id)}
		}
		return &Error{Kind: KindConflict, Msg: fmt.Sprintf("domain %s is taken", name)}
	}
	return nil
}

// oneEnabled refuses a second enabled SAML provider for organization
// tenantID: a log-in start picks the organization's provider, so there
// must be one to pick. r is the writing transaction's view; should two
// replicas on PostgreSQL each enable one at the same instant, both pass,
// and log-ins start at the one of the lower id.
func oneEnabled(ctx context.Context, r store.Reader, tenantID string, except int64) error {
	recs, err := r.ListDirectoryDomains(ctx)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		var sp storedSpec
		if rec.Type != store.DirectorySAML || rec.TenantID != tenantID || rec.ID == except || json.Unmarshal(rec.Spec, &sp) != nil || sp.SAML == nil {
			continue
		}
		if deref(sp.SAML.WithDefaults().IsEnabled) {
			return &Error{Kind: KindConflict, Msg: fmt.Sprintf("SAML provider %d (%s) is enabled for %s already; disable it first (isEnabled false): a log-in starts at one provider",
				rec.ID, rec.Domain, orgLabel(tenantID))}
		}
	}
	return nil
}

// IdentityProviders lists the SAML providers f selects (f.Names are
// domains) whose vendor name is one of names (any, when none).
func (s *Service) IdentityProviders(ctx context.Context, p *Principal, f DomainFilter, names []string) ([]domainspec.SAMLIdP, error) {
	ds, err := s.listDomains(ctx, p, store.DirectorySAML, f)
	out := make([]domainspec.SAMLIdP, 0, len(ds))
	for _, d := range ds {
		v := idpView(d)
		if len(names) == 0 || slices.Contains(names, deref(v.Name)) {
			out = append(out, v)
		}
	}
	return out, err
}

// CreateIdentityProvider adds a SAML provider serving the organization p
// acts in.
func (s *Service) CreateIdentityProvider(ctx context.Context, p *Principal, in domainspec.SAMLIdP) (domainspec.SAMLIdP, error) {
	const op = "create_identity_provider"
	err := s.decide(p, ActCreate, Target{Kind: KindIdP})
	if err == nil {
		if err = in.CheckCreate(); err != nil {
			err = invalid("%v", err)
		}
	}
	if err == nil {
		err = checkServed(p, in.TenantID, "")
	}
	if err == nil {
		err = s.decideNewIdP(ctx, s.store, p, in)
	}
	if err != nil {
		return domainspec.SAMLIdP{}, s.refused(ctx, p, op, err)
	}
	stored := in.WithDefaults()
	stored.ID, stored.TenantID, stored.Domain = nil, nil, nil
	sp := storedSpec{SAML: &samlSpec{stored}}
	now := s.nowMsecs()
	rec := store.DirectoryDomain{Type: store.DirectorySAML, Domain: *in.Domain, TenantID: p.tenant(), Spec: sp.encode(),
		CreatedMsecs: now, UpdatedMsecs: now}
	err = s.write(ctx, p, op, func(t *txn) error {
		if err := s.decideNewIdP(ctx, t, p, in); err != nil {
			return err
		}
		if *stored.IsEnabled {
			if err := oneEnabled(ctx, t, rec.TenantID, 0); err != nil {
				return err
			}
		}
		id, err := t.CreateDirectoryDomain(ctx, rec)
		rec.ID = id
		t.audit(ctx, op, fmt.Sprint(id), rec.Domain, fmt.Sprintf("newRecord %s", rec.Spec))
		return err
	})
	if err != nil {
		return domainspec.SAMLIdP{}, err
	}
	s.staleDomains()
	return idpView(s.builtDomain(ctx, rec)), nil
}

// UpdateIdentityProvider changes provider id: fields given replace the
// stored ones, null ones are kept; name, domain and tenantId cannot change.
func (s *Service) UpdateIdentityProvider(ctx context.Context, p *Principal, id int64, in domainspec.SAMLIdP) (domainspec.SAMLIdP, error) {
	const op = "update_identity_provider"
	d, err := s.domainFound(ctx, p, store.DirectorySAML, id)
	var next domainspec.SAMLIdP
	if err == nil {
		if next, err = in.Merge(idpView(d)); err != nil {
			err = invalid("%v", err)
		}
	}
	if err == nil {
		// Both what it may assert now and what it will.
		if err = s.decideIdP(ctx, s.store, p, ActChangeProfile, d, idpView(d)); err == nil {
			err = s.decideIdP(ctx, s.store, p, ActChangeProfile, d, next)
		}
	}
	if err != nil {
		return domainspec.SAMLIdP{}, s.refused(ctx, p, op, err)
	}
	stored := next
	stored.ID, stored.TenantID, stored.Domain = nil, nil, nil
	spec := storedSpec{SAML: &samlSpec{stored}}
	saved, err := s.rewriteDomain(ctx, p, op, d, spec, "", func(t *txn, fresh *domain) error {
		if err := s.decideIdP(ctx, t, p, ActChangeProfile, fresh, next); err != nil {
			return err
		}
		if !*next.IsEnabled {
			return nil
		}
		return oneEnabled(ctx, t, fresh.rec.TenantID, fresh.id)
	})
	if err != nil {
		return domainspec.SAMLIdP{}, err
	}
	return idpView(saved), nil
}

// DeleteIdentityProvider deletes provider id. Its domain's users and
// groups stay (they may also sign in through a JWT issuer of the same
// domain); without a provider they cannot log in.
func (s *Service) DeleteIdentityProvider(ctx context.Context, p *Principal, id int64) error {
	const op = "delete_identity_provider"
	d, err := s.domainFound(ctx, p, store.DirectorySAML, id)
	if err == nil {
		err = s.decideIdP(ctx, s.store, p, ActDelete, d, idpView(d))
	}
	if err != nil {
		return s.refused(ctx, p, op, err)
	}
	err = s.write(ctx, p, op, func(t *txn) error {
		if err := s.decideIdP(ctx, t, p, ActDelete, d, idpView(d)); err != nil {
			return err
		}
		t.audit(ctx, op, fmt.Sprint(d.id), d.rec.Domain, "")
		return t.DeleteDirectoryDomain(ctx, d.id)
	})
	if err == nil {
		s.staleDomains()
	}
	return err
}

// enabledIdP returns the enabled SAML provider that serves organization
// tenantID, else the cluster's; nil when there is none.
func (s *Service) enabledIdP(ctx context.Context, tenantID string) *domain {
	var cluster *domain
	for _, d := range s.domainList(ctx) {
		if d.kind != store.DirectorySAML || d.spec.SAML == nil || !*idpView(d).IsEnabled {
			continue
		}
		switch d.rec.TenantID {
		case tenantID:
			return d
		case "":
			if cluster == nil {
				cluster = d
			}
		}
	}
	return cluster
}

// localLoginAllowed refuses a password or certificate log-in of u while an
// enabled provider of the cluster, or of u's organization, has
// allowLocalUserLogin false. The built-in admin always may: a break-glass
// account that does not depend on the provider (docs/sso.md says why not
// "any admin role").
func (s *Service) localLoginAllowed(ctx context.Context, u store.User) error {
	if isBuiltinAdmin(u) {
		return nil
	}
	for _, d := range s.domainList(ctx) {
		if d.kind != store.DirectorySAML || d.spec.SAML == nil || (d.rec.TenantID != "" && d.rec.TenantID != u.TenantID) {
			continue
		}
		if v := idpView(d); *v.IsEnabled && !*v.AllowLocalUserLogin {
			return forbidden("log-in with a password is turned off while identity provider %s serves: sign in through it", d.rec.Domain)
		}
	}
	return nil
}

// SSOEnabled reports whether an enabled SAML provider serves organization
// tenantID (or the cluster): whether a log-in page offers single sign-on.
func (s *Service) SSOEnabled(ctx context.Context, tenantID string) bool {
	return s.enabledIdP(ctx, tenantID) != nil
}
