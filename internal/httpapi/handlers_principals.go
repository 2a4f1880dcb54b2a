package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
)

type assignedSourcesIn struct {
	SourceIDs []int64 `json:"sourceIds"`
	ViewIDs   []int64 `json:"viewIds"`
}

func handleSecurityPrincipals(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		sids := queryList(r, "sids")
		if len(sids) == 0 {
			return badRequest("query parameter sids is required")
		}
		ps, err := svc.SecurityPrincipals(r.Context(), p, sids)
		if err != nil {
			return err
		}
		out := securityPrincipals{SecurityPrincipals: make([]securityPrincipal, len(ps))}
		for i, sp := range ps {
			out.SecurityPrincipals[i] = securityPrincipal{
				DomainName: sp.Domain, FullName: sp.FullName, ObjectClass: sp.ObjectClass, PrincipalName: sp.Name, SID: sp.SID,
			}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func writeSources(w http.ResponseWriter, s iam.Sources) {
	writeJSON(w, http.StatusOK, assignedSources{SourceIDs: nonNil(s.SourceIDs), ViewIDs: nonNil(s.ViewIDs)})
}

func handleGetSources(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		s, err := svc.PrincipalSources(r.Context(), p, r.PathValue("sid"))
		if err != nil {
			return err
		}
		writeSources(w, s)
		return nil
	}
}

func handleUpdateSources(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b assignedSourcesIn
		if err := decode(w, r, &b); err != nil {
			return err
		}
		s, err := svc.SetPrincipalSources(r.Context(), p, r.PathValue("sid"), iam.Sources{SourceIDs: b.SourceIDs, ViewIDs: b.ViewIDs})
		if err != nil {
			return err
		}
		writeSources(w, s)
		return nil
	}
}
