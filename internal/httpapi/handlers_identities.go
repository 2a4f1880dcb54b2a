package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/iam"
)

// The JWT-trust half of the vendor's IdentityProviderApi:
// /v2/identity-providers.

type identityConfigs struct {
	Idps []domainspec.IdentityConfig `json:"idps"`
}

// handleListIdentities serves get_identities: ids, tenantIds, domains,
// includeAllTenants.
func handleListIdentities(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		f, err := readIdPFilter(r)
		if err != nil {
			return err
		}
		idps, err := svc.Identities(r.Context(), p, f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, identityConfigs{idps})
		return nil
	}
}

func handleCreateIdentity(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b domainspec.IdentityConfig
		if err := decode(w, r, &b); err != nil {
			return err
		}
		out, err := svc.CreateIdentity(r.Context(), p, b)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	}
}

func handleUpdateIdentity(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var b domainspec.IdentityConfig
		if err := decode(w, r, &b); err != nil {
			return err
		}
		out, err := svc.UpdateIdentity(r.Context(), p, id, b)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func handleDeleteIdentity(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := svc.DeleteIdentity(r.Context(), p, id); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

// handleIdentityAction serves perform_identity_action: RefreshPublicKeys,
// answered 201 with the request echoed, as the vendor does.
func handleIdentityAction(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b domainspec.IdentityAction
		if err := decode(w, r, &b); err != nil {
			return err
		}
		if err := b.Check(); err != nil {
			return badRequest("%v", err)
		}
		if err := svc.RefreshPublicKeys(r.Context(), p, *b.IdentityProviderType); err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, b)
		return nil
	}
}
