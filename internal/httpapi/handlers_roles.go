package httpapi

import (
	"net/http"

	"github.com/clusteriam/clusteriam/internal/iam"
)

type createRoleParameters struct {
	Description *string  `json:"description"`
	Privileges  []string `json:"privileges"`
	Name        string   `json:"name"`
}

func handleGetRoles(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		sc, err := readScope(r)
		if err != nil {
			return err
		}
		roles, err := svc.ListRoles(r.Context(), p, queryList(r, "names"), sc)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rolesJSON{Roles: mapAll(roles, toRole)})
		return nil
	}
}

func handleCreateRole(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b createRoleParameters
		if err := decode(w, r, &b); err != nil {
			return err
		}
		role, err := svc.CreateRole(r.Context(), p, iam.RoleInput{Name: b.Name, Description: b.Description, Privileges: b.Privileges})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toRole(role))
		return nil
	}
}

func handleUpdateRole(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		var b createRoleParameters
		if err := decode(w, r, &b); err != nil {
			return err
		}
		role, err := svc.UpdateRole(r.Context(), p, r.PathValue("name"), iam.RoleInput{Description: b.Description, Privileges: b.Privileges})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toRole(role))
		return nil
	}
}

func handleGetPrivileges(svc *iam.Service) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p *iam.Principal) error {
		privs := svc.Privileges(queryList(r, "names"))
		out := privilegesJSON{Privileges: make([]privilegeJSON, len(privs))}
		for i, pr := range privs {
			out.Privileges[i] = privilegeJSON{
				Category: pr.Category, Description: pr.Description, ID: pr.ID, IsAvailableOnHelios: pr.IsAvailableOnHelios,
				IsCustomRoleDefault: pr.IsCustomRoleDefault, IsSpecial: pr.IsSpecial, IsViewOnly: pr.IsViewOnly,
				Label: pr.Label, Name: pr.Name,
			}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}
