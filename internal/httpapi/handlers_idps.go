package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/domainspec"
	"github.com/clusteriam/clusteriam/internal/iam"
	"github.com/clusteriam/clusteriam/internal/samlsp"
)

// The vendor's IdentityProviderApi, its SAML half (/v2/idps): SAML
// identity providers configured, and the start of a sign-on through one.
// The provider's answer goes to the console's /idps/authenticate.

// readIdPFilter reads the list parameters the two halves share: ids,
// tenantIds, includeAllTenants (the vendor's name here for
// includeTenants) and domains (as the filter's Names).
func readIdPFilter(r *http.Request) (iam.DomainFilter, error) {
	include, err := queryBool(r, "includeAllTenants")
	if err != nil {
		return iam.DomainFilter{}, err
	}
	ids, err := queryIDs(r, "ids")
	return iam.DomainFilter{IDs: ids, Names: queryList(r, "domains"),
		Scope: iam.Scope{TenantIDs: queryList(r, "tenantIds"), IncludeTenants: include != nil && *include}}, err
}

type identityProviderConfigurations struct {
	IdPs []domainspec.SAMLIdP `json:"idps"`
}

func handleListIdPs(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		f, err := readIdPFilter(r)
		if err != nil {
			return err
		}
		idps, err := svc.IdentityProviders(r.Context(), p, f, queryList(r, "names"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, identityProviderConfigurations{idps})
		return nil
	}
}

func handleCreateIdP(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var in domainspec.SAMLIdP
		if err := decode(w, r, &in); err != nil {
			return err
		}
		out, err := svc.CreateIdentityProvider(r.Context(), p, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, out)
		return nil
	}
}

func handleUpdateIdP(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in domainspec.SAMLIdP
		if err := decode(w, r, &in); err != nil {
			return err
		}
		out, err := svc.UpdateIdentityProvider(r.Context(), p, id, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func handleDeleteIdP(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := svc.DeleteIdentityProvider(r.Context(), p, id); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}

// handleIdPLogin starts a sign-on: it sends the browser to the provider
// with a SAML request, and gives it the cookie that binds the provider's
// answer to this browser (samlsp.SetBinding).
func handleIdPLogin(svc *iam.Service, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start, err := svc.SAMLLoginStart(r.Context(), r.URL.Query().Get("tenantId"), r.Host)
		if err != nil {
			writeError(w, r, opts.Logger, err)
			return
		}
		samlsp.SetBinding(w, start.Binding)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Location", start.Redirect)
		w.WriteHeader(http.StatusFound) // no body, as the SDKs expect
	})
}
