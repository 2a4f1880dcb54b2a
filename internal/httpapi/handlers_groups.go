package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
)

type localGroupParamsIn struct {
	UserSids []string `json:"userSids"`
}

type createGroupParams struct {
	Description      string              `json:"description"`
	Domain           string              `json:"domain"`
	LocalGroupParams *localGroupParamsIn `json:"localGroupParams"`
	Name             string              `json:"name"`
	Restricted       bool                `json:"restricted"`
	Roles            []string            `json:"roles"`
	TenantIDs        []string            `json:"tenantIds"`
}

type updateGroupParameters struct {
	Description      *string             `json:"description"`
	LocalGroupParams *localGroupParamsIn `json:"localGroupParams"`
	Restricted       *bool               `json:"restricted"`
	Roles            []string            `json:"roles"`
	TenantIDs        []string            `json:"tenantIds"`
}

func handleCreateGroups(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var body []createGroupParams
		if err := decode(w, r, &body); err != nil {
			return err
		}
		in := make([]iam.NewGroup, len(body))
		for i, b := range body {
			in[i] = iam.NewGroup{
				Name: b.Name, Domain: b.Domain, Description: b.Description, Roles: b.Roles,
				TenantIDs: b.TenantIDs, Restricted: b.Restricted,
			}
			if b.LocalGroupParams != nil {
				in[i].Members = b.LocalGroupParams.UserSids
			}
		}
		groups, err := svc.CreateGroups(r.Context(), p, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toGroups(groups))
		return nil
	}
}

func handleGetGroups(svc *iam.Service, opts Options) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		q, err := readPrincipalQuery(r, "names")
		if err != nil {
			return err
		}
		groups, err := svc.ListGroups(r.Context(), p, iam.GroupQuery{
			Domain: q.domain, SIDs: q.sids, Names: q.names, MatchPartialNames: q.partial, Roles: q.roles, Scope: q.scope,
		})
		if err != nil {
			return err
		}
		return writeList(w, r, opts, `{"groups":[`, groups, toGroup)
	}
}

func handleUpdateGroup(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b updateGroupParameters
		if err := decode(w, r, &b); err != nil {
			return err
		}
		upd := iam.GroupUpdate{Description: b.Description, Restricted: b.Restricted, Roles: b.Roles, TenantIDs: b.TenantIDs}
		if b.LocalGroupParams != nil && b.LocalGroupParams.UserSids != nil {
			upd.Members = b.LocalGroupParams.UserSids
		}
		g, err := svc.UpdateGroup(r.Context(), p, r.PathValue("sid"), upd)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toGroup(g))
		return nil
	}
}
