package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/clusteriam/clusteriam/internal/store"
	"github.com/clusteriam/clusteriam/internal/tenant"
)

// Organizations (the vendor's tenants). Every user, group and custom role
// belongs to the cluster or to one organization; API keys and sessions
// belong to their user's. A principal acts in its own organization, or,
// impersonating, in one below it (Impersonate), and reaches the records of
// that organization and those below it (decide's rule 4). Docs:
// docs/tenants.md.

// TenantInput is the body of a create or update of an organization; nil
// fields are left as they are.
type TenantInput struct {
	Suffix            string // create only
	Name              *string
	Description       *string
	IsManagedOnHelios *bool
	Network           *store.TenantNetwork
}

func tenantTarget(t store.Tenant) Target {
	return Target{Kind: KindTenant, ID: t.ID, Name: fmt.Sprintf("%q (%s)", t.Name, t.ID), Tenant: t.ID}
}

// checkTenantInput validates what a create or update sets.
func checkTenantInput(in TenantInput) error {
	if in.Name != nil {
		if err := checkName("name", *in.Name); err != nil {
			return err
		}
	}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return err
		}
	}
	if n := in.Network; n != nil {
		if n.ClusterHostname != "" {
			if err := checkName("network.clusterHostname", n.ClusterHostname); err != nil {
				return err
			}
		}
		for _, ip := range n.ClusterIPs {
			if err := checkName("network.clusterIps entry", ip); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateTenant adds an organization inside the one p acts in.
func (s *Service) CreateTenant(ctx context.Context, p *Principal, in TenantInput) (store.Tenant, error) {
	if err := s.decide(p, ActCreate, Target{Kind: KindTenant}); err != nil {
		return store.Tenant{}, s.refused(ctx, p, "create_tenant", err)
	}
	if in.Name == nil {
		return store.Tenant{}, s.refused(ctx, p, "create_tenant", invalid("name is required"))
	}
	id, err := tenant.Child(p.tenant(), in.Suffix)
	if err == nil {
		err = checkTenantInput(in)
	}
	if err != nil {
		return store.Tenant{}, s.refused(ctx, p, "create_tenant", asInvalid(err))
	}
	now := s.nowMsecs()
	t := store.Tenant{ID: id, Name: *in.Name, Status: store.TenantActive, Network: in.Network,
		CreatedMsecs: now, UpdatedMsecs: now}
	if in.Description != nil {
		t.Description = *in.Description
	}
	if in.IsManagedOnHelios != nil {
		t.IsManagedOnHelios = *in.IsManagedOnHelios
	}
	err = s.write(ctx, p, "create_tenant", func(x *txn) error {
		cfg, err := s.tenantConfig(ctx, x)
		if err != nil {
			return err
		}
		if !cfg.OrganizationsEnabled {
			return invalid("organizations are disabled on this cluster; enable them first: POST /v2/clusters/tenant-config with organizationsEnabled true")
		}
		if p.tenant() != "" {
			if err := s.checkTenantUsable(ctx, x, p.tenant()); err != nil {
				return err
			}
		}
		x.audit(ctx, "create_tenant", t.ID, t.Name, "")
		if err := x.CreateTenant(ctx, t); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return &Error{Kind: KindConflict, Msg: fmt.Sprintf("an organization with id %q or name %q exists or existed (ids are never reused)", t.ID, t.Name), Err: err}
			}
			return err
		}
		return nil
	})
	return t, err
}

// asInvalid makes a malformed id a 400.
func asInvalid(err error) error {
	if errors.Is(err, tenant.ErrMalformed) {
		return &Error{Kind: KindInvalid, Msg: err.Error(), Err: err}
	}
	return err
}

// GetTenant returns organization id, if p may see it.
func (s *Service) GetTenant(ctx context.Context, p *Principal, id string) (store.Tenant, error) {
	if err := tenant.Check(id); err != nil {
		return store.Tenant{}, asInvalid(err)
	}
	if !p.reaches(id) {
		return store.Tenant{}, tenantNotFound(id)
	}
	t, err := s.store.GetTenant(ctx, id)
	if err != nil {
		return store.Tenant{}, tenantErr(id, err)
	}
	return t, s.decide(p, ActRead, tenantTarget(t))
}

func tenantNotFound(id string) error {
	return fmt.Errorf("organization %q: %w", id, store.ErrNotFound)
}

func tenantErr(id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return tenantNotFound(id)
	}
	return err
}

// tenantStatuses are the statuses an organization may have.
func tenantStatuses() []string {
	return []string{store.TenantActive, store.TenantInactive, store.TenantMarkedForDeletion, store.TenantDeleted}
}

// ListTenants returns the organizations p sees (its own and those below
// it) that ids and statuses select. Without statuses, the active and
// inactive ones, as the vendor's clusters answer.
func (s *Service) ListTenants(ctx context.Context, p *Principal, ids, statuses []string) ([]store.Tenant, error) {
	if err := s.decide(p, ActRead, Target{Kind: KindTenant}); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := tenant.Check(id); err != nil {
			return nil, asInvalid(err)
		}
	}
	for _, st := range statuses {
		if !slices.Contains(tenantStatuses(), st) {
			return nil, invalid("statuses entry %q is not one of %v", st, tenantStatuses())
		}
	}
	if len(statuses) == 0 {
		statuses = []string{store.TenantActive, store.TenantInactive}
	}
	return s.store.ListTenants(ctx, store.TenantFilter{IDs: ids, Statuses: statuses, Under: p.tenant()})
}

// updateTenant changes organization id by fn, once act on it is decided,
// as operation op.
func (s *Service) updateTenant(ctx context.Context, p *Principal, op, id string, act Act, fn func(x *txn, t store.Tenant) (store.Tenant, error)) (store.Tenant, error) {
	if err := tenant.Check(id); err != nil {
		return store.Tenant{}, s.refused(ctx, p, op, asInvalid(err))
	}
	var out store.Tenant
	err := s.write(ctx, p, op, func(x *txn) error {
		cur, err := x.GetTenant(ctx, id)
		if err != nil {
			return tenantErr(id, err)
		}
		if err := s.decide(p, act, tenantTarget(cur)); err != nil {
			return err
		}
		if cur.Status == store.TenantDeleted || cur.Status == store.TenantMarkedForDeletion {
			return invalid("organization %q is deleted", id)
		}
		x.audit(ctx, op, cur.ID, cur.Name, "")
		out, err = x.UpdateTenant(ctx, id, func(t store.Tenant) (store.Tenant, error) {
			t, err := fn(x, t)
			t.UpdatedMsecs = s.nowMsecs()
			return t, err
		})
		if errors.Is(err, store.ErrAlreadyExists) {
			return &Error{Kind: KindConflict, Msg: "another organization inside the same one has that name", Err: err}
		}
		return err
	})
	return out, err
}

// UpdateTenant changes the name, description or network of organization
// id.
func (s *Service) UpdateTenant(ctx context.Context, p *Principal, id string, in TenantInput) (store.Tenant, error) {
	if err := checkTenantInput(in); err != nil {
		return store.Tenant{}, s.refused(ctx, p, "update_tenant", err)
	}
	return s.updateTenant(ctx, p, "update_tenant", id, ActChangeProfile, func(_ *txn, t store.Tenant) (store.Tenant, error) {
		if in.Name != nil {
			t.Name = *in.Name
		}
		if in.Description != nil {
			t.Description = *in.Description
		}
		if in.Network != nil {
			t.Network = in.Network
		}
		return t, nil
	})
}

// SetTenantActive activates or deactivates organization id. The users of
// an inactive organization, and of those below it, cannot log in, and
// their sessions, tokens and API keys are refused (tenantUsable); the
// change reaches every replica's credential cache at once (store.Change
// All) or within its lifetime.
func (s *Service) SetTenantActive(ctx context.Context, p *Principal, id string, active bool) (store.Tenant, error) {
	op, status := "deactivate_tenant", store.TenantInactive
	if active {
		op, status = "activate_tenant", store.TenantActive
	}
	return s.updateTenant(ctx, p, op, id, ActChangeStatus, func(_ *txn, t store.Tenant) (store.Tenant, error) {
		t.Status = status
		return t, nil
	})
}

// DeleteTenant deletes organization id. It is refused while the
// organization holds users, groups, custom roles or organizations: the
// vendor's documents do not say what becomes of them, and deleting
// principals by the thousand as a side effect is not a thing to do
// unasked. The organization stays as a tombstone with status Deleted, so
// that its id is never used again.
func (s *Service) DeleteTenant(ctx context.Context, p *Principal, id string) error {
	_, err := s.updateTenant(ctx, p, "delete_tenant", id, ActDelete, func(x *txn, t store.Tenant) (store.Tenant, error) {
		if err := checkTenantEmpty(ctx, x, t); err != nil {
			return t, err
		}
		t.Status, t.DeletedMsecs = store.TenantDeleted, s.nowMsecs()
		return t, nil
	})
	return err
}

// checkTenantEmpty refuses, saying what is left, to delete an
// organization that holds anything.
func checkTenantEmpty(ctx context.Context, r store.Reader, t store.Tenant) error {
	in := []string{t.ID}
	users, err := r.ListUsers(ctx, store.UserFilter{TenantIDs: in, Limit: 1})
	if err != nil {
		return err
	}
	groups, err := r.ListGroups(ctx, store.GroupFilter{TenantIDs: in})
	if err != nil {
		return err
	}
	roles, err := r.ListRoles(ctx, store.RoleFilter{TenantIDs: in})
	if err != nil {
		return err
	}
	roles = slices.DeleteFunc(roles, func(ro store.Role) bool { return ro.TenantID != t.ID })
	subs, err := r.ListTenants(ctx, store.TenantFilter{Under: t.ID,
		Statuses: []string{store.TenantActive, store.TenantInactive, store.TenantMarkedForDeletion}})
	if err != nil {
		return err
	}
	subs = slices.DeleteFunc(subs, func(x store.Tenant) bool { return x.ID == t.ID })
	var left []string
	for _, c := range []struct {
		n    int
		what string
	}{{len(users), "users"}, {len(groups), "groups"}, {len(roles), "custom roles"}, {len(subs), "organizations"}} {
		if c.n > 0 {
			left = append(left, c.what)
		}
	}
	if len(left) > 0 {
		return invalid("organization %q still holds %s; delete them first (act inside it with the x-impersonate-tenant-id header)",
			t.ID, strings.Join(left, ", "))
	}
	return nil
}

// checkTenantLive fails, as if it did not exist, unless organization id
// ("" the cluster) exists and is not deleted. A create calls it in its
// transaction, under the principals lock DeleteTenant holds too: no
// record lands in an organization deleted since its caller was
// authenticated.
func checkTenantLive(ctx context.Context, r store.Reader, id string) error {
	if id == "" {
		return nil
	}
	t, err := r.GetTenant(ctx, id)
	if err != nil {
		return tenantErr(id, err)
	}
	if t.Status == store.TenantDeleted || t.Status == store.TenantMarkedForDeletion {
		return tenantNotFound(id)
	}
	return nil
}

// checkTenantUsable fails unless organization id, and every one it is
// inside, exists and is active: the condition for its principals to log
// in and act.
func (s *Service) checkTenantUsable(ctx context.Context, r store.Reader, id string) error {
	_, err := s.usableTenant(ctx, r, id)
	return err
}

// usableTenant returns organization id when it, and every one it is
// inside, exists and is active; otherwise an error saying which is not.
func (s *Service) usableTenant(ctx context.Context, r store.Reader, id string) (store.Tenant, error) {
	chain, err := r.ListTenants(ctx, store.TenantFilter{IDs: tenant.Ancestors(id)})
	if err != nil {
		return store.Tenant{}, err
	}
	if len(chain) != len(tenant.Ancestors(id)) {
		return store.Tenant{}, tenantNotFound(id)
	}
	for _, t := range chain {
		if t.Status != store.TenantActive {
			return store.Tenant{}, forbidden("organization %q is %s", t.ID, t.Status)
		}
	}
	return chain[len(chain)-1], nil
}

// Impersonate returns p acting inside organization id, as the
// x-impersonate-tenant-id header asks: id must be below p's own
// organization, p must hold ORGANIZATION_IMPERSONATE, and the
// organization must exist and not be deleted (an inactive one may be,
// to be emptied before its deletion). Acting so, p holds only what the
// organization's principals may hold (forTenant), and the audit trail
// records both organizations.
func (s *Service) Impersonate(ctx context.Context, p *Principal, id string) (*Principal, error) {
	if err := tenant.Check(id); err != nil {
		return nil, &Error{Kind: KindInvalid, Msg: "x-impersonate-tenant-id: " + err.Error(), Err: err}
	}
	if id == p.User.TenantID {
		return p, nil
	}
	if !tenant.Below(id, p.User.TenantID) {
		return nil, tenantNotFound(id)
	}
	if !p.Has(PrivOrgImpersonate) {
		return nil, forbidden("acting inside an organization needs the %q privilege", PrivOrgImpersonate)
	}
	t, err := s.store.GetTenant(ctx, id)
	if err != nil {
		return nil, tenantErr(id, err)
	}
	if t.Status == store.TenantDeleted || t.Status == store.TenantMarkedForDeletion {
		return nil, tenantNotFound(id)
	}
	q := *p
	q.Acting, q.ActingName, q.Impersonating = t.ID, t.Name, true
	q.Privileges = forTenant(t.ID, p.Privileges)
	return &q, nil
}

// Scope is what a list asks of organizations: the vendor's tenantIds and
// includeTenants parameters.
type Scope struct {
	TenantIDs      []string
	IncludeTenants bool
}

// scope returns the organizations a list by p covers, as a store filter's
// TenantIDs (nil: every one), and whether it covers none. By default a
// list covers the organization p acts in; includeTenants adds those
// below it; tenantIds names them instead (those p does not reach are
// left out, as if they did not exist), and with includeTenants, those
// below them too.
func (s *Service) scope(ctx context.Context, p *Principal, q Scope) ([]string, bool, error) {
	for _, id := range q.TenantIDs {
		if err := tenant.Check(id); err != nil {
			return nil, false, &Error{Kind: KindInvalid, Msg: "tenantIds: " + err.Error(), Err: err}
		}
	}
	roots := []string{p.tenant()}
	if len(q.TenantIDs) > 0 {
		roots = slices.DeleteFunc(store.Dedupe(q.TenantIDs), func(id string) bool { return !p.reaches(id) })
		if len(roots) == 0 {
			return nil, true, nil
		}
	}
	if !q.IncludeTenants {
		return roots, false, nil
	}
	if slices.Contains(roots, "") {
		return nil, false, nil // the cluster and everything in it
	}
	ids := slices.Clone(roots)
	for _, root := range roots {
		below, err := s.store.ListTenants(ctx, store.TenantFilter{Under: root})
		if err != nil {
			return nil, false, err
		}
		for _, t := range below {
			ids = append(ids, t.ID)
		}
	}
	return store.Dedupe(ids), false, nil
}

// TenantConfig is the cluster's configuration of organizations.
type TenantConfig struct {
	OrganizationsEnabled bool `json:"organizationsEnabled"`
	// StorageDomainSharingEnabled, once true, stays true, as the vendor
	// documents it.
	StorageDomainSharingEnabled bool `json:"organizationsStorageDomainSharingEnabled"`
}

const tenantConfigSetting = "tenant_config"

// TenantConfig returns the cluster's configuration of organizations.
func (s *Service) TenantConfig(ctx context.Context, p *Principal) (TenantConfig, error) {
	if err := s.needPrivileges(p, []string{PrivClusterView}, false); err != nil {
		return TenantConfig{}, err
	}
	return s.tenantConfig(ctx, s.store)
}

// SetTenantConfig replaces the cluster's configuration of organizations.
// Only the cluster's principals may: CLUSTER_MODIFY is cluster-only.
func (s *Service) SetTenantConfig(ctx context.Context, p *Principal, cfg TenantConfig) (TenantConfig, error) {
	if err := s.needPrivileges(p, []string{PrivClusterModify}, false); err != nil {
		return TenantConfig{}, s.refused(ctx, p, "update_tenant_config", err)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return TenantConfig{}, err
	}
	err = s.write(ctx, p, "update_tenant_config", func(x *txn) error {
		// Read in the transaction, under the principals lock every change
		// of the configuration takes: two changes at once cannot both see
		// sharing off.
		cur, err := s.tenantConfig(ctx, x)
		if err != nil {
			return err
		}
		if cur.StorageDomainSharingEnabled && !cfg.StorageDomainSharingEnabled {
			return invalid("organizationsStorageDomainSharingEnabled cannot be turned off once on")
		}
		x.audit(ctx, "update_tenant_config", tenantConfigSetting, "tenant-config", string(b))
		return x.PutSetting(ctx, tenantConfigSetting, b)
	})
	return cfg, err
}

// tenantConfig reads the configuration through r. Organizations are off
// until an administrator turns them on, as on the vendor's clusters.
func (s *Service) tenantConfig(ctx context.Context, r store.Reader) (TenantConfig, error) {
	b, err := r.GetSetting(ctx, tenantConfigSetting)
	if errors.Is(err, store.ErrNotFound) {
		return TenantConfig{}, nil
	}
	if err != nil {
		return TenantConfig{}, err
	}
	var cfg TenantConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return TenantConfig{}, fmt.Errorf("setting %s: %w", tenantConfigSetting, err)
	}
	return cfg, nil
}
