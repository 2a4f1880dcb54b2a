package iam

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Active Directory domains through the API (the vendor's
// ActiveDirectoryApi). The cluster joins a domain as the vendor's does:
// the administrator's credentials make its machine accounts and are
// forgotten; the cluster binds as its primary machine account, whose
// password only it knows, sealed in the store.

// adView is the vendor's ActiveDirectory for d.
func adView(d *domain) domainspec.ADResponse {
	var r domainspec.ADResponse
	if d.spec.AD != nil {
		r.AD = *d.spec.AD
	}
	if d.fixed {
		for _, raw := range fileURLs(d.dir.Settings()) {
			if u, err := url.Parse(raw); err == nil {
				r.PreferredDomainControllers = append(r.PreferredDomainControllers, domainspec.DomainController{Name: u.Host})
			}
		}
	}
	id, name := d.id, d.rec.Domain
	r.ID, r.DomainName = &id, &name
	if d.rec.TenantID != "" {
		r.Permissions = []domainspec.Tenant{{ID: d.rec.TenantID}}
	}
	switch {
	case d.spec.JoinError != "":
		r.Error = &domainspec.PartialError{ErrorCode: domainspec.MachineAccountNeedFixing,
			ErrorMessage: "not joined: " + d.spec.JoinError + "; update the domain with activeDirectoryAdminParams to join it"}
	case d.err != nil:
		r.Error = &domainspec.PartialError{ErrorCode: domainspec.MachineAccountNeedFixing, ErrorMessage: d.err.Error()}
	}
	return r
}

func fileURLs(c directory.Config) []string { return append([]string{c.URL}, c.MoreURLs...) }

// ActiveDirectories lists the AD domains f selects.
func (s *Service) ActiveDirectories(ctx context.Context, p *Principal, f DomainFilter) ([]domainspec.ADResponse, error) {
	ds, err := s.listDomains(ctx, p, store.DirectoryAD, f)
	out := make([]domainspec.ADResponse, 0, len(ds))
	for _, d := range ds {
		out = append(out, adView(d))
	}
	return out, err
}

// ADDetail asks get_active_directory_by_id for more than the
// configuration, read live from the directory.
type ADDetail struct {
	DomainControllers bool
	// Principals, with Prefix, lists the users and groups whose names
	// start with it.
	Principals bool
	Prefix     string
}

// ActiveDirectory returns AD domain id.
func (s *Service) ActiveDirectory(ctx context.Context, p *Principal, id int64, more ADDetail) (domainspec.ADResponse, error) {
	if more.Principals && more.Prefix == "" {
		return domainspec.ADResponse{}, invalid("prefix is required with includeSecurityPrincipals")
	}
	d, err := s.domainFound(ctx, p, store.DirectoryAD, id)
	if err == nil {
		err = s.decideDomain(ctx, s.store, p, ActRead, d)
	}
	if err != nil {
		return domainspec.ADResponse{}, err
	}
	r := adView(d)
	if more.DomainControllers {
		dcs, err := s.controllersOf(ctx, d)
		if err != nil {
			return domainspec.ADResponse{}, err
		}
		r.DomainControllers = []domainspec.DomainControllers{dcs}
	}
	if more.Principals {
		found, err := s.searchDomain(ctx, p, d, more.Prefix, true, true)
		if err != nil {
			return domainspec.ADResponse{}, err
		}
		for _, f := range found {
			if strings.HasPrefix(strings.ToLower(f.Name), strings.ToLower(more.Prefix)) {
				sid := f.SID
				r.SecurityPrincipals = append(r.SecurityPrincipals, domainspec.SecurityPrincipal{DomainName: d.rec.Domain,
					FullName: f.FullName, ObjectClass: f.ObjectClass, PrincipalName: f.Name, SID: &sid})
			}
		}
	}
	return r, nil
}

// CreateActiveDirectory joins an AD domain. Unless saveAnyway, a domain
// that cannot be joined, or whose machine account then cannot bind, is
// refused with the directory's error; with it, the domain is saved
// unjoined, its error in the response, until an update joins it.
func (s *Service) CreateActiveDirectory(ctx context.Context, p *Principal, req domainspec.ADRequest, saveAnyway bool) (domainspec.ADResponse, error) {
	const op = "create_active_directory"
	if err := s.decide(p, ActCreate, Target{Kind: KindDirectory}); err != nil {
		return domainspec.ADResponse{}, s.refused(ctx, p, op, err)
	}
	if err := req.CheckCreate(); err != nil {
		return domainspec.ADResponse{}, s.refused(ctx, p, op, invalid("%v", err))
	}
	name := *req.DomainName
	if err := s.decideNewDomain(ctx, s.store, p, name); err != nil {
		return domainspec.ADResponse{}, s.refused(ctx, p, op, err)
	}
	sp := storedSpec{AD: ptr(req.Stored())}
	names := accountNames(req.MachineAccounts)
	joined, err := s.joinDomain(ctx, name, sp.AD, req, nil)
	if err != nil {
		if !saveAnyway || KindOf(err) == KindConflict || errors.Is(err, directory.ErrInvalidCredentials) {
			return domainspec.ADResponse{}, s.refused(ctx, p, op, err)
		}
		sp.JoinError = err.Error()
		var e *Error
		if errors.As(err, &e) && e.Err != nil {
			sp.JoinError = e.Err.Error() // the directory's words, not advice to the caller
		}
	}
	sp.BindDN = joined.BindDN
	sealed, err := s.sealDomainSecret(name, joined.Password)
	if err != nil {
		return domainspec.ADResponse{}, err
	}
	now := s.nowMsecs()
	rec := store.DirectoryDomain{Type: store.DirectoryAD, Domain: name, TenantID: p.tenant(), Spec: sp.encode(),
		SecretEnc: sealed, CreatedMsecs: now, UpdatedMsecs: now}
	err = s.write(ctx, p, op, func(t *txn) error {
		if err := s.decideNewDomain(ctx, t, p, name); err != nil {
			return err
		}
		id, err := t.CreateDirectoryDomain(ctx, rec)
		rec.ID = id
		t.audit(ctx, op, fmt.Sprint(id), name, fmt.Sprintf("machine accounts %s; joined %v", strings.Join(names, ", "), sp.BindDN != ""))
		return err
	})
	if err != nil {
		if sp.BindDN != "" {
			s.leaveQuietly(ctx, name, sp.AD, req.ActiveDirectoryAdminParams, names)
		}
		return domainspec.ADResponse{}, err
	}
	s.staleDomains()
	return adView(s.builtDomain(ctx, rec)), nil
}

// joinDomain makes the machine accounts of a (domain name) with the
// administrator req gives, resetting those of owned without needing
// overwriteMachineAccounts, and checks that the first then binds.
func (s *Service) joinDomain(ctx context.Context, name string, a *domainspec.AD, req domainspec.ADRequest, owned []string) (directory.Joined, error) {
	joiner, err := s.adDirectory(name, a, "", "")
	if err != nil {
		return directory.Joined{}, err
	}
	admin := req.ActiveDirectoryAdminParams
	joined, err := joiner.Join(ctx, directory.JoinRequest{AdminUser: *admin.Username, AdminPassword: *admin.Password,
		Accounts: accountNames(a.MachineAccounts), OU: deref(a.OrganizationalUnitName),
		Overwrite: deref(req.OverwriteMachineAccounts), Owned: owned})
	if err != nil {
		return directory.Joined{}, domainErr("joining "+name, err, saveAnywayHint)
	}
	check, err := s.adDirectory(name, a, joined.BindDN, joined.Password)
	if err == nil {
		err = check.Check(ctx)
	}
	if err != nil {
		s.leaveQuietly(ctx, name, a, admin, accountNames(a.MachineAccounts))
		return directory.Joined{}, domainErr("the machine account "+joined.BindDN+" cannot bind", err, saveAnywayHint)
	}
	return joined, nil
}

// adDirectory is a directory for AD domain name as a configures it,
// bound as bindDN (anonymous when empty: for joining and leaving, which
// bind as the administrator).
func (s *Service) adDirectory(name string, a *domainspec.AD, bindDN, password string) (*directory.Directory, error) {
	rec := store.DirectoryDomain{Type: store.DirectoryAD, Domain: name}
	cfg, err := s.directoryConfig(rec, storedSpec{AD: a, BindDN: "unused"}, "")
	if err != nil {
		return nil, err
	}
	cfg.BindDN, cfg.BindPassword, cfg.Anonymous = bindDN, password, bindDN == ""
	d, err := directory.New(cfg)
	if err != nil {
		return nil, invalid("directory domain %s: %v", name, err)
	}
	return d, nil
}

// leaveQuietly deletes machine accounts made for a domain that was then
// not saved; a failure is logged, for an administrator to clean up.
func (s *Service) leaveQuietly(ctx context.Context, name string, a *domainspec.AD, admin *domainspec.AdminParams, names []string) {
	if admin == nil {
		return
	}
	d, err := s.adDirectory(name, a, "", "")
	if err == nil {
		err = d.Leave(ctx, *admin.Username, *admin.Password, names)
	}
	if err != nil {
		s.audit.WarnContext(ctx, "machine accounts of a domain not saved were left in the directory", "domain", name,
			"accounts", strings.Join(names, ","), "error", err)
	}
}

func accountNames(ms []domainspec.MachineAccount) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// builtDomain is the domain rec describes, as the registry builds it.
func (s *Service) builtDomain(ctx context.Context, rec store.DirectoryDomain) *domain {
	if d := s.domainByID(ctx, rec.Type, rec.ID); d != nil {
		return d
	}
	return s.buildDomain(ctx, rec)
}

// UpdateActiveDirectory changes AD domain id. With the administrator's
// credentials it joins again (new machine accounts made, the cluster's
// own given new passwords); without them the machine accounts cannot
// change. New domain controllers must let the machine account bind,
// unless saveAnyway.
func (s *Service) UpdateActiveDirectory(ctx context.Context, p *Principal, id int64, req domainspec.ADRequest, saveAnyway bool) (domainspec.ADResponse, error) {
	const op = "update_active_directory"
	d, err := s.domainFound(ctx, p, store.DirectoryAD, id)
	if err == nil {
		err = s.decideDomain(ctx, s.store, p, ActChangeProfile, d)
	}
	if err == nil {
		err = storedAD(d)
	}
	if err != nil {
		return domainspec.ADResponse{}, s.refused(ctx, p, op, err)
	}
	cur := *d.spec.AD
	if err := req.CheckUpdate(cur); err != nil {
		return domainspec.ADResponse{}, s.refused(ctx, p, op, invalid("%v", err))
	}
	next := d.spec
	next.AD = ptr(req.Stored())
	next.AD.DomainName = cur.DomainName
	name := d.rec.Domain
	changed := !slices.EqualFunc(accountNames(cur.MachineAccounts), accountNames(next.AD.MachineAccounts), strings.EqualFold)
	var secret string
	switch {
	case req.ActiveDirectoryAdminParams != nil:
		joined, err := s.joinDomain(ctx, name, next.AD, req, accountNames(cur.MachineAccounts))
		if err != nil {
			return domainspec.ADResponse{}, s.refused(ctx, p, op, err)
		}
		next.BindDN, next.JoinError, secret = joined.BindDN, "", joined.Password
	case changed:
		return domainspec.ADResponse{}, s.refused(ctx, p, op, invalid("activeDirectoryAdminParams is required to change machineAccounts"))
	case d.dir != nil && !saveAnyway:
		check, err := s.directoryConfig(d.rec, next, "")
		if err == nil {
			err = s.checkWithSecret(ctx, check, d.rec)
		}
		if err != nil {
			return domainspec.ADResponse{}, s.refused(ctx, p, op, domainErr("the machine account cannot bind", err, saveAnywayHint))
		}
	}
	saved, err := s.saveDomain(ctx, p, op, d, next, secret)
	if err != nil {
		return domainspec.ADResponse{}, err
	}
	return adView(saved), nil
}

// storedAD fails for a domain whose stored configuration could not be
// read (d.err says why): there is nothing to change.
func storedAD(d *domain) error {
	if d.spec.AD == nil {
		return fmt.Errorf("directory domain %s has no readable configuration: %w", d.rec.Domain, d.err)
	}
	return nil
}

// checkWithSecret checks cfg bound with the stored secret of rec.
func (s *Service) checkWithSecret(ctx context.Context, cfg directory.Config, rec store.DirectoryDomain) error {
	if len(rec.SecretEnc) > 0 {
		b, err := s.box.Open(rec.SecretEnc, domainSecretAD(rec.Domain))
		if err != nil {
			return err
		}
		cfg.BindPassword = string(b)
	}
	dir, err := directory.New(cfg)
	if err != nil {
		return err
	}
	return dir.Check(ctx)
}

// saveDomain stores next as directory d's configuration (and secret,
// when not empty), audited with the configurations before and after.
func (s *Service) saveDomain(ctx context.Context, p *Principal, op string, d *domain, next storedSpec, secret string) (*domain, error) {
	return s.rewriteDomain(ctx, p, op, d, next, secret, func(t *txn, fresh *domain) error {
		return s.decideDomain(ctx, t, p, ActChangeProfile, fresh)
	})
}

// rewriteDomain stores next as domain d's configuration (and secret,
// when not empty), audited with the configurations before and after,
// once check allows it on d as the transaction reads it.
func (s *Service) rewriteDomain(ctx context.Context, p *Principal, op string, d *domain, next storedSpec, secret string,
	check func(t *txn, fresh *domain) error) (*domain, error) {
	sealed, err := s.sealDomainSecret(d.rec.Domain, secret)
	if err != nil {
		return nil, err
	}
	var rec store.DirectoryDomain
	err = s.write(ctx, p, op, func(t *txn) error {
		cur, err := t.GetDirectoryDomain(ctx, d.id)
		if err != nil {
			return err
		}
		fresh := *d
		fresh.rec = cur
		if err := check(t, &fresh); err != nil {
			return err
		}
		rec, err = t.UpdateDirectoryDomain(ctx, d.id, func(r store.DirectoryDomain) (store.DirectoryDomain, error) {
			r.Spec, r.UpdatedMsecs = next.encode(), max(s.nowMsecs(), r.UpdatedMsecs+1)
			if sealed != nil {
				r.SecretEnc = sealed
			}
			return r, nil
		})
		t.audit(ctx, op, fmt.Sprint(d.id), d.rec.Domain, fmt.Sprintf("previousRecord %s newRecord %s", cur.Spec, next.encode()))
		return err
	})
	if err != nil {
		return nil, err
	}
	s.staleDomains()
	return s.builtDomain(ctx, rec), nil
}
