package iam

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/store"
)

// LDAP providers through the API (the vendor's LdapApi). A provider's
// domainName is the domain its users log in with. The bind password is
// write-only and sealed in the store; an update without one keeps it.

// ldapView is the vendor's Ldap for d; never with a password.
func ldapView(d *domain) domainspec.LDAP {
	var l domainspec.LDAP
	if d.spec.LDAP != nil {
		l = *d.spec.LDAP
	}
	if d.fixed {
		l = fileLDAP(d.dir.Settings())
	}
	id, name := d.id, d.rec.Domain
	l.ID, l.DomainName = &id, &name
	if d.rec.TenantID != "" {
		l.TenantID = ptr(d.rec.TenantID)
	}
	return l
}

// fileLDAP renders a provider of the --directories file.
func fileLDAP(c directory.Config) domainspec.LDAP {
	l := domainspec.LDAP{Name: ptr(c.Domain), BaseDistinguishedName: ptr(c.BaseDN), AuthType: ptr(domainspec.AuthSimple),
		AttributeUsername: ptr(c.UserSearch.UsernameAttr), AttributeCommonName: ptr(c.UserSearch.FullNameAttr),
		AttributeMemberOf: ptr(c.UserSearch.MemberOfAttr)}
	ssl := false
	for _, raw := range fileURLs(c) {
		if u, err := url.Parse(raw); err == nil {
			l.PreferredLdapServers = append(l.PreferredLdapServers, u.Host)
			ssl = u.Scheme == "ldaps"
		}
	}
	l.SimpleAuthParams = &domainspec.SimpleAuthParams{UserDistinguishedName: ptr(c.BindDN), UseSSL: &ssl}
	return l
}

// LDAPProviders lists the LDAP providers f selects.
func (s *Service) LDAPProviders(ctx context.Context, p *Principal, f DomainFilter) ([]domainspec.LDAP, error) {
	ds, err := s.listDomains(ctx, p, store.DirectoryLDAP, f)
	out := make([]domainspec.LDAP, 0, len(ds))
	for _, d := range ds {
		out = append(out, ldapView(d))
	}
	return out, err
}

// checkLDAP checks a provider's configuration, and unless saveAnyway
// that the cluster can bind with it and read its base.
func (s *Service) checkLDAP(ctx context.Context, rec store.DirectoryDomain, sp storedSpec, password string, saveAnyway bool) error {
	cfg, err := s.directoryConfig(rec, sp, password)
	if err != nil {
		return invalid("%v", err)
	}
	dir, err := directory.New(cfg)
	if err != nil {
		return invalid("LDAP provider %s: %v", rec.Domain, err)
	}
	if saveAnyway {
		return nil
	}
	if err := dir.Check(ctx); err != nil {
		return domainErr("LDAP provider "+rec.Domain, err, saveAnywayHint)
	}
	return nil
}

// CreateLDAPProvider adds an LDAP provider.
func (s *Service) CreateLDAPProvider(ctx context.Context, p *Principal, in domainspec.LDAP, saveAnyway bool) (domainspec.LDAP, error) {
	const op = "create_ldap_provider"
	err := s.decide(p, ActCreate, Target{Kind: KindDirectory})
	if err == nil {
		err = checkLDAPInput(p, in, "")
	}
	if err == nil {
		err = s.decideNewDomain(ctx, s.store, p, *in.DomainName)
	}
	if err != nil {
		return domainspec.LDAP{}, s.refused(ctx, p, op, err)
	}
	name, password := *in.DomainName, ldapPassword(in)
	if *in.AuthType == domainspec.AuthSimple && password == "" {
		return domainspec.LDAP{}, s.refused(ctx, p, op, invalid("simpleAuthParams.userPassword is required with authType Simple"))
	}
	now := s.nowMsecs()
	sp := storedSpec{LDAP: ptr(in.Stored())}
	rec := store.DirectoryDomain{Type: store.DirectoryLDAP, Domain: name, TenantID: p.tenant(), Spec: sp.encode(),
		CreatedMsecs: now, UpdatedMsecs: now}
	if err := s.checkLDAP(ctx, rec, sp, password, saveAnyway); err != nil {
		return domainspec.LDAP{}, s.refused(ctx, p, op, err)
	}
	if rec.SecretEnc, err = s.sealDomainSecret(name, password); err != nil {
		return domainspec.LDAP{}, err
	}
	err = s.write(ctx, p, op, func(t *txn) error {
		if err := s.decideNewDomain(ctx, t, p, name); err != nil {
			return err
		}
		id, err := t.CreateDirectoryDomain(ctx, rec)
		rec.ID = id
		t.audit(ctx, op, fmt.Sprint(id), name, fmt.Sprintf("newRecord %s", rec.Spec))
		return err
	})
	if err != nil {
		return domainspec.LDAP{}, err
	}
	s.staleDomains()
	return ldapView(s.builtDomain(ctx, rec)), nil
}

// checkLDAPInput checks in, whose tenantId, when given, must be the
// organization p acts in (cur: the provider's, on an update).
func checkLDAPInput(p *Principal, in domainspec.LDAP, cur string) error {
	if err := in.Check(); err != nil {
		return invalid("%v", err)
	}
	if err := checkServed(p, in.TenantID, cur); err != nil {
		return err
	}
	if *in.AuthType == domainspec.AuthSimple && in.SimpleAuthParams.UserPassword != nil && *in.SimpleAuthParams.UserPassword == "" {
		return invalid("simpleAuthParams.userPassword is empty; leave it out to keep the stored one")
	}
	return nil
}

func ldapPassword(in domainspec.LDAP) string {
	if in.SimpleAuthParams == nil {
		return ""
	}
	return deref(in.SimpleAuthParams.UserPassword)
}

// UpdateLDAPProvider replaces the configuration of the provider in.ID.
// Its domainName cannot change; a null or absent userPassword keeps the
// stored one (a GET never returns it).
func (s *Service) UpdateLDAPProvider(ctx context.Context, p *Principal, in domainspec.LDAP, saveAnyway bool) (domainspec.LDAP, error) {
	const op = "update_ldap_provider"
	if in.ID == nil {
		return domainspec.LDAP{}, s.refused(ctx, p, op, invalid("id is required: the provider to update"))
	}
	d, err := s.domainFound(ctx, p, store.DirectoryLDAP, *in.ID)
	if err == nil {
		err = s.decideDomain(ctx, s.store, p, ActChangeProfile, d)
	}
	if err == nil {
		err = checkLDAPInput(p, in, d.rec.TenantID)
	}
	if err == nil && !strings.EqualFold(*in.DomainName, d.rec.Domain) {
		err = invalid("domainName cannot change (%s); delete the provider and create another", d.rec.Domain)
	}
	if err != nil {
		return domainspec.LDAP{}, s.refused(ctx, p, op, err)
	}
	next := storedSpec{LDAP: ptr(in.Stored())}
	next.LDAP.DomainName = ptr(d.rec.Domain)
	password := ldapPassword(in)
	if password == "" && *in.AuthType == domainspec.AuthSimple && len(d.rec.SecretEnc) > 0 {
		b, err := s.box.Open(d.rec.SecretEnc, domainSecretAD(d.rec.Domain))
		if err != nil {
			return domainspec.LDAP{}, fmt.Errorf("LDAP provider %s: unseal the bind password: %w", d.rec.Domain, err)
		}
		password = string(b)
	}
	if *in.AuthType == domainspec.AuthSimple && password == "" {
		return domainspec.LDAP{}, s.refused(ctx, p, op, invalid("simpleAuthParams.userPassword is required: none is stored"))
	}
	if err := s.checkLDAP(ctx, d.rec, next, password, saveAnyway); err != nil {
		return domainspec.LDAP{}, s.refused(ctx, p, op, err)
	}
	saved, err := s.saveDomain(ctx, p, op, d, next, password)
	if err != nil {
		return domainspec.LDAP{}, err
	}
	return ldapView(saved), nil
}

// DeleteLDAPProvider deletes provider id; refused while users or groups
// of its domain remain on the cluster.
func (s *Service) DeleteLDAPProvider(ctx context.Context, p *Principal, id int64) error {
	const op = "delete_ldap_provider"
	d, err := s.domainFound(ctx, p, store.DirectoryLDAP, id)
	if err == nil {
		err = s.decideDomain(ctx, s.store, p, ActDelete, d)
	}
	if err == nil {
		err = s.domainEmpty(ctx, s.store, d)
	}
	if err != nil {
		return s.refused(ctx, p, op, err)
	}
	return s.deleteDomain(ctx, p, op, d, false)
}

// LDAPConnectionStatus connects to provider id and binds as the cluster:
// NoError when that works, else Error.
func (s *Service) LDAPConnectionStatus(ctx context.Context, p *Principal, id int64) (string, error) {
	d, err := s.domainFound(ctx, p, store.DirectoryLDAP, id)
	if err == nil {
		err = s.decideDomain(ctx, s.store, p, ActRead, d)
	}
	if err != nil {
		return "", err
	}
	dir, err := serves(d)
	if err == nil {
		err = dir.Check(ctx)
	}
	if err != nil {
		s.audit.InfoContext(ctx, "LDAP connection status", "domain", d.rec.Domain, "error", err)
		return "Error", nil
	}
	return "NoError", nil
}
