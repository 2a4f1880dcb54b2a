package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/clusteriam/clusteriam/internal/directory"
	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/store"
)

// Leaving an AD domain, and what is read live from one: its controllers
// and the domains it trusts.

// ADLeave is how delete_active_directory leaves a domain.
type ADLeave struct {
	// AdminUsername and AdminPassword delete the machine accounts.
	AdminUsername, AdminPassword string
	// Force skips the checks: the domain goes even while its users and
	// groups remain, or when the directory cannot delete the accounts.
	Force bool
}

// DeleteActiveDirectory leaves AD domain id: its machine accounts are
// deleted with the administrator's credentials, then the domain. While
// users or groups of it remain on the cluster it is refused, unless
// forced; forced, they stay, and cannot log in until a domain of that
// name serves again.
func (s *Service) DeleteActiveDirectory(ctx context.Context, p *Principal, id int64, how ADLeave) error {
	const op = "delete_active_directory"
	d, err := s.domainFound(ctx, p, store.DirectoryAD, id)
	if err == nil {
		err = s.decideDomain(ctx, s.store, p, ActDelete, d)
	}
	if err == nil && !how.Force {
		err = s.domainEmpty(ctx, s.store, d)
	}
	if err == nil && !how.Force && (how.AdminUsername == "" || how.AdminPassword == "") {
		err = invalid("the headers activeDirectoryAdminUsername and activeDirectoryAdminPassword are required to delete the cluster's machine accounts (or forceRemove=true to leave them)")
	}
	if err != nil {
		return s.refused(ctx, p, op, err)
	}
	if how.AdminUsername != "" && how.AdminPassword != "" && d.spec.AD != nil {
		leaver, err := s.adDirectory(d.rec.Domain, d.spec.AD, "", "")
		if err == nil {
			err = leaver.Leave(ctx, how.AdminUsername, how.AdminPassword, accountNames(d.spec.AD.MachineAccounts))
		}
		if err != nil && !how.Force {
			return s.refused(ctx, p, op, domainErr("leaving "+d.rec.Domain, err, "; fix it, or add forceRemove=true to leave the accounts in the directory"))
		}
	}
	return s.deleteDomain(ctx, p, op, d, how.Force)
}

// domainEmpty fails while users or groups of d remain on the cluster.
func (s *Service) domainEmpty(ctx context.Context, r store.Reader, d *domain) error {
	users, groups, err := principalCount(ctx, r, d.rec.Domain)
	if err != nil || users+groups == 0 {
		return err
	}
	return invalid("directory domain %s still has %d users and %d groups on the cluster; delete them first, or delete the domain with forceRemove=true", d.rec.Domain, users, groups)
}

// deleteDomain deletes d, audited.
func (s *Service) deleteDomain(ctx context.Context, p *Principal, op string, d *domain, force bool) error {
	err := s.write(ctx, p, op, func(t *txn) error {
		if err := s.decideDomain(ctx, t, p, ActDelete, d); err != nil {
			return err
		}
		if !force {
			if err := s.domainEmpty(ctx, t, d); err != nil {
				return err
			}
		}
		t.audit(ctx, op, fmt.Sprint(d.id), d.rec.Domain, fmt.Sprintf("forced %v", force))
		return t.DeleteDirectoryDomain(ctx, d.id)
	})
	if err == nil {
		s.staleDomains()
	}
	return err
}

// adByName returns AD domain name as p may read it.
func (s *Service) adByName(ctx context.Context, p *Principal, name string) (*domain, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindDirectory}); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, invalid("domainName is required")
	}
	d := s.domainByName(ctx, name)
	if d == nil || d.kind != store.DirectoryAD || !p.reaches(d.rec.TenantID) {
		return nil, fmt.Errorf("active directory %q: %w", name, store.ErrNotFound)
	}
	return d, s.decideDomain(ctx, s.store, p, ActRead, d)
}

// serves returns d's directory, or why it cannot serve.
func serves(d *domain) (Directory, error) {
	if d.dir == nil {
		return nil, &Error{Kind: KindUnavailable, Msg: fmt.Sprintf("directory domain %s cannot serve: %v", d.rec.Domain, d.err)}
	}
	return d.dir, nil
}

// controllersOf reads d's domain controllers live: Reachable marks the
// one this cluster reached.
func (s *Service) controllersOf(ctx context.Context, d *domain) (domainspec.DomainControllers, error) {
	out := domainspec.DomainControllers{DomainName: d.rec.Domain, Controllers: []domainspec.DomainController{}}
	dir, err := serves(d)
	if err != nil {
		return out, err
	}
	dcs, err := dir.Controllers(ctx)
	if err != nil {
		return out, dirErr(d.rec.Domain, "domain controllers", "", err)
	}
	for _, dc := range dcs {
		c := domainspec.DomainController{Name: dc.Name}
		if dc.Reachable {
			c.Status = ptr("Reachable")
		}
		out.Controllers = append(out.Controllers, c)
	}
	return out, nil
}

// DomainControllers reads the controllers of the AD domains names.
func (s *Service) DomainControllers(ctx context.Context, p *Principal, names []string) ([]domainspec.DomainControllers, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindDirectory}); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, invalid("domainNames is required")
	}
	out := []domainspec.DomainControllers{}
	for _, name := range store.Dedupe(names) {
		d, err := s.adByName(ctx, p, name)
		if err != nil {
			return nil, err
		}
		dcs, err := s.controllersOf(ctx, d)
		if err != nil {
			return nil, err
		}
		out = append(out, dcs)
	}
	return out, nil
}

// TrustedDomains returns the trusted-domain settings of AD domain name.
// With discovery on, the domains it trusts are read live and added to
// those configured; discoveryStatus says how the reading went.
func (s *Service) TrustedDomains(ctx context.Context, p *Principal, name string) (domainspec.TrustedDomainParams, error) {
	d, err := s.adByName(ctx, p, name)
	if err != nil {
		return domainspec.TrustedDomainParams{}, err
	}
	out := domainspec.TrustedDomainParams{Enabled: ptr(false)}
	if d.spec.AD != nil && d.spec.AD.TrustedDomainParams != nil {
		out = *d.spec.AD.TrustedDomainParams
	}
	if !*out.Enabled {
		return out, nil
	}
	status := "Completed"
	found, err := s.discoverTrusts(ctx, d)
	if err != nil {
		status = "Error"
		s.audit.WarnContext(ctx, "trusted domain discovery", "domain", d.rec.Domain, "error", err)
	}
	out.DiscoveryStatus = &status
	out.TrustedDomains = append([]domainspec.TrustedDomain(nil), out.TrustedDomains...)
	for _, f := range found {
		known := false
		for _, t := range out.TrustedDomains {
			known = known || strings.EqualFold(deref(t.DomainName), f)
		}
		if !known && !domainspec.ContainsFold(out.BlacklistedDomains, f) {
			out.TrustedDomains = append(out.TrustedDomains, domainspec.TrustedDomain{DomainName: ptr(f)})
		}
	}
	return out, nil
}

func (s *Service) discoverTrusts(ctx context.Context, d *domain) ([]string, error) {
	dir, err := serves(d)
	if err != nil {
		return nil, err
	}
	return dir.TrustedDomains(ctx)
}

// SetTrustedDomains replaces the trusted-domain settings of AD domain
// name. Trusted domains configure discovery only: their users log in
// only through a domain of their own added to the cluster.
func (s *Service) SetTrustedDomains(ctx context.Context, p *Principal, name string, in domainspec.TrustedDomainParams) (domainspec.TrustedDomainParams, error) {
	const op = "update_trusted_domains"
	d, err := s.adByName(ctx, p, name)
	if err == nil {
		err = s.decideDomain(ctx, s.store, p, ActChangeProfile, d)
	}
	if err == nil {
		err = storedAD(d)
	}
	if err == nil {
		if err = in.Check(); err != nil {
			err = invalid("%v", err)
		}
	}
	if err != nil {
		return domainspec.TrustedDomainParams{}, s.refused(ctx, p, op, err)
	}
	next := d.spec
	a := *d.spec.AD
	req := domainspec.ADRequest{AD: a}
	req.TrustedDomainParams = &in
	next.AD = ptr(req.Stored())
	if _, err := s.saveDomain(ctx, p, op, d, next, ""); err != nil {
		return domainspec.TrustedDomainParams{}, err
	}
	return s.TrustedDomains(ctx, p, name)
}

// RediscoverTrustedDomains, with run, checks that AD domain name's
// trusts can be read. Discovery runs at every read, so there is nothing
// to start.
func (s *Service) RediscoverTrustedDomains(ctx context.Context, p *Principal, name string, run bool) error {
	d, err := s.adByName(ctx, p, name)
	if err == nil {
		err = s.decideDomain(ctx, s.store, p, ActChangeProfile, d)
	}
	if err != nil {
		return s.refused(ctx, p, "trigger_trusted_domains_discovery", err)
	}
	if !run {
		return nil
	}
	if _, err := s.discoverTrusts(ctx, d); err != nil {
		if errors.Is(err, directory.ErrUnavailable) {
			return dirErr(d.rec.Domain, "trusted domains", "", err)
		}
		return err
	}
	return nil
}
