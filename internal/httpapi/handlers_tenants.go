package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/store"
)

// The vendor's TenantApi: organizations, and the cluster's configuration
// of them.

// tenantNetwork is TenantNetwork. The Go SDK sends clusterIps as null
// when unset.
type tenantNetwork struct {
	ConnectorEnabled *bool    `json:"connectorEnabled"`
	ClusterHostname  string   `json:"clusterHostname,omitempty"`
	ClusterIPs       []string `json:"clusterIps,omitempty"`
}

// tenantInfo is TenantInfo.
type tenantInfo struct {
	ID                     string         `json:"id"`
	Name                   string         `json:"name"`
	Description            string         `json:"description,omitempty"`
	Status                 string         `json:"status"`
	Network                *tenantNetwork `json:"network,omitempty"`
	IsManagedOnHelios      bool           `json:"isManagedOnHelios"`
	CreatedAtTimeMsecs     int64          `json:"createdAtTimeMsecs"`
	LastUpdatedAtTimeMsecs int64          `json:"lastUpdatedAtTimeMsecs"`
	DeletedAtTimeMsecs     int64          `json:"deletedAtTimeMsecs,omitempty"`
}

func toTenant(t store.Tenant) tenantInfo {
	out := tenantInfo{ID: t.ID, Name: t.Name, Description: t.Description, Status: t.Status,
		IsManagedOnHelios: t.IsManagedOnHelios, CreatedAtTimeMsecs: t.CreatedMsecs,
		LastUpdatedAtTimeMsecs: t.UpdatedMsecs, DeletedAtTimeMsecs: t.DeletedMsecs}
	if n := t.Network; n != nil {
		enabled := n.ConnectorEnabled
		out.Network = &tenantNetwork{ConnectorEnabled: &enabled, ClusterHostname: n.ClusterHostname, ClusterIPs: n.ClusterIPs}
	}
	return out
}

// network reads a TenantNetwork of a request; connectorEnabled is
// required.
func (n *tenantNetwork) network() (*store.TenantNetwork, error) {
	if n == nil {
		return nil, nil
	}
	if n.ConnectorEnabled == nil {
		return nil, badRequest("network.connectorEnabled is required")
	}
	return &store.TenantNetwork{ConnectorEnabled: *n.ConnectorEnabled, ClusterHostname: n.ClusterHostname,
		ClusterIPs: n.ClusterIPs}, nil
}

// createTenantRequest is CreateTenantRequest.
type createTenantRequest struct {
	Name              *string        `json:"name"`
	TenantIDSuffix    *string        `json:"tenantIdSuffix"`
	Description       *string        `json:"description"`
	IsManagedOnHelios *bool          `json:"isManagedOnHelios"`
	Network           *tenantNetwork `json:"network"`
}

// updateTenantBody is UpdateTenantBody.
type updateTenantBody struct {
	Name        *string        `json:"name"`
	Description *string        `json:"description"`
	Network     *tenantNetwork `json:"network"`
}

// tenantActionBody is TenantActionBody.
type tenantActionBody struct {
	Action *string `json:"action"`
}

// onPremTenantConfig is OnPremTenantConfig; both fields are required.
type onPremTenantConfig struct {
	OrganizationsEnabled                     *bool `json:"organizationsEnabled"`
	OrganizationsStorageDomainSharingEnabled *bool `json:"organizationsStorageDomainSharingEnabled"`
}

func handleCreateTenant(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b createTenantRequest
		if err := decode(w, r, &b); err != nil {
			return err
		}
		if b.TenantIDSuffix == nil {
			return badRequest("tenantIdSuffix is required")
		}
		nw, err := b.Network.network()
		if err != nil {
			return err
		}
		t, err := svc.CreateTenant(r.Context(), p, iam.TenantInput{Suffix: *b.TenantIDSuffix, Name: b.Name,
			Description: b.Description, IsManagedOnHelios: b.IsManagedOnHelios, Network: nw})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toTenant(t))
		return nil
	}
}

func handleListTenants(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		ts, err := svc.ListTenants(r.Context(), p, queryList(r, "ids"), queryList(r, "statuses"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, mapAll(ts, toTenant))
		return nil
	}
}

func handleGetTenant(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		t, err := svc.GetTenant(r.Context(), p, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toTenant(t))
		return nil
	}
}

func handleUpdateTenant(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b updateTenantBody
		if err := decode(w, r, &b); err != nil {
			return err
		}
		nw, err := b.Network.network()
		if err != nil {
			return err
		}
		t, err := svc.UpdateTenant(r.Context(), p, r.PathValue("id"),
			iam.TenantInput{Name: b.Name, Description: b.Description, Network: nw})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toTenant(t))
		return nil
	}
}

// Tenant actions of TenantActionBody.
const (
	tenantActivate   = "Activate"
	tenantDeactivate = "Deactivate"
)

func handleTenantAction(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b tenantActionBody
		if err := decode(w, r, &b); err != nil {
			return err
		}
		if b.Action == nil || (*b.Action != tenantActivate && *b.Action != tenantDeactivate) {
			return badRequest("action is required: %s or %s", tenantActivate, tenantDeactivate)
		}
		t, err := svc.SetTenantActive(r.Context(), p, r.PathValue("id"), *b.Action == tenantActivate)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toTenant(t))
		return nil
	}
}

func toTenantConfig(c iam.TenantConfig) onPremTenantConfig {
	return onPremTenantConfig{OrganizationsEnabled: &c.OrganizationsEnabled,
		OrganizationsStorageDomainSharingEnabled: &c.StorageDomainSharingEnabled}
}

func handleGetTenantConfig(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		c, err := svc.TenantConfig(r.Context(), p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toTenantConfig(c))
		return nil
	}
}

func handleUpdateTenantConfig(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b onPremTenantConfig
		if err := decode(w, r, &b); err != nil {
			return err
		}
		if b.OrganizationsEnabled == nil || b.OrganizationsStorageDomainSharingEnabled == nil {
			return badRequest("organizationsEnabled and organizationsStorageDomainSharingEnabled are both required")
		}
		c, err := svc.SetTenantConfig(r.Context(), p, iam.TenantConfig{OrganizationsEnabled: *b.OrganizationsEnabled,
			StorageDomainSharingEnabled: *b.OrganizationsStorageDomainSharingEnabled})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toTenantConfig(c))
		return nil
	}
}
